"""A scikit-learn style classifier over an exported ONNX model (onnxruntime only).

Nothing here imports torch or skorch: a server that only predicts needs
numpy, scikit-learn and onnxruntime.
"""

import json
import numbers
import os

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval

from ..parallel._threads import effective_n_threads
from ..utils import N_PIXELS, check_images
from ._onnx import INPUT_NAME, META_PREFIX, ONNX_FORMAT_VERSION
from ._optional import import_onnx_package

__all__ = ["OnnxCharClassifier", "load_onnx"]


def _model_bytes(model):
    """The serialized ONNX model from a path, bytes or an ``onnx.ModelProto``."""
    if isinstance(model, (bytes, bytearray, memoryview)):
        return bytes(model)
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"ONNX model file not found: {path} (write one with "
                "sklearn_emnist.deploy.export_onnx(estimator, path))."
            )
        with open(path, "rb") as handle:
            return handle.read()
    if hasattr(model, "SerializeToString"):
        return model.SerializeToString()
    raise TypeError(
        "model must be the path of an .onnx file, its bytes or an onnx.ModelProto; "
        f"got {type(model).__name__}."
    )


class OnnxCharClassifier(ClassifierMixin, BaseEstimator):
    """Drop-in classifier over an ONNX model written by :func:`export_onnx`.

    ``predict`` and ``predict_proba`` accept exactly what the original
    estimator accepts (``(n, 784)``, ``(n, 28, 28)`` or ``(n, 1, 28, 28)``
    arrays of uint8 0..255 or float 0..1, validated by
    :func:`sklearn_emnist.utils.check_images`) and return the same labels
    (``classes_`` is read from the model's metadata). Only numpy,
    scikit-learn and onnxruntime are needed, not torch.

    The model is already trained: :meth:`fit` only loads it (``X`` and ``y``
    are ignored), as for a frozen estimator. :func:`load_onnx` does both
    steps. Instances pickle (the model bytes travel with them).

    Parameters
    ----------
    model : str, path-like, bytes or onnx.ModelProto
        The exported model.
    n_threads : int or None, default=None
        onnxruntime intra-op threads. ``None``: the limit a parallel parent
        (joblib, :func:`~sklearn_emnist.parallel.set_worker_threads`) set in
        ``OMP_NUM_THREADS``, else one per core, as the torch estimators do.
    batch_size : int, default=1024
        Images per onnxruntime call (bounds memory on large inputs).
    providers : list of str or None, default=None
        onnxruntime execution providers; ``None`` means
        ``["CPUExecutionProvider"]``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels, same values and dtype as the exported estimator's.
    n_features_in_ : int
        784.
    input_dtype_ : {"uint8", "float32"}
        What the graph takes (uint8 graphs receive float input rounded to
        0..255, float32 graphs receive uint8 input divided by 255).
    metadata_ : dict
        The ``sklearn_emnist.*`` metadata of the model (prefix removed).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_emnist import CharCNNClassifier
    >>> from sklearn_emnist.deploy import export_onnx, OnnxCharClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, [1, 2] * 20)
    >>> path = export_onnx(clf, os.path.join(tempfile.mkdtemp(), "clf.onnx"))
    >>> onnx_clf = OnnxCharClassifier(path, n_threads=1).fit()
    >>> onnx_clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(np.allclose(onnx_clf.predict_proba(X), clf.predict_proba(X), atol=1e-5))
    True
    """

    _parameter_constraints = {  # noqa: RUF012 - scikit-learn's convention
        "model": "no_validation",
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "providers": [list, tuple, None],
    }

    def __init__(self, model, *, n_threads=None, batch_size=1024, providers=None):
        self.model = model
        self.n_threads = n_threads
        self.batch_size = batch_size
        self.providers = providers

    def fit(self, X=None, y=None):
        """Load the model (the network is already trained; ``X``, ``y`` are ignored).

        Returns
        -------
        self : object
        """
        self._validate_params()
        self._model_bytes_ = _model_bytes(self.model)
        self._start_session()
        return self

    def _start_session(self):
        ort = import_onnx_package("onnxruntime", "running an exported model")
        options = ort.SessionOptions()
        # as the torch estimators: a joblib worker's share of the cores
        # (OMP_NUM_THREADS), not one thread per core in every worker
        options.intra_op_num_threads = effective_n_threads(self.n_threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        providers = list(self.providers) if self.providers else ["CPUExecutionProvider"]
        try:
            session = ort.InferenceSession(self._model_bytes_, options, providers=providers)
        except Exception as exc:
            raise ValueError(f"onnxruntime cannot load this model: {exc}") from exc
        metadata = {
            key[len(META_PREFIX):]: value
            for key, value in session.get_modelmeta().custom_metadata_map.items()
            if key.startswith(META_PREFIX)
        }
        if "classes" not in metadata or [i.name for i in session.get_inputs()] != [INPUT_NAME]:
            raise ValueError(
                "this ONNX model was not written by sklearn_emnist.deploy.export_onnx "
                "(no 'sklearn_emnist.classes' metadata or no single 'images' input)."
            )
        if int(metadata.get("format_version", 0)) > ONNX_FORMAT_VERSION:
            raise ValueError(
                f"the model uses sklearn-emnist ONNX conventions version "
                f"{metadata['format_version']}, newer than this version understands "
                f"({ONNX_FORMAT_VERSION}); upgrade sklearn-emnist."
            )
        dtype = metadata.get("classes_dtype", "object")
        classes = json.loads(metadata["classes"])
        # json gives lists; object labels (e.g. strings of a pandas column) stay objects
        self.classes_ = np.array(classes, dtype=object if dtype == "object" else dtype)
        self.input_dtype_ = metadata.get("input_dtype", "uint8")
        self.n_features_in_ = N_PIXELS
        self.metadata_ = metadata
        self._session = session

    def __sklearn_is_fitted__(self):
        return getattr(self, "_session", None) is not None

    def _check_loaded(self):
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                "This OnnxCharClassifier has not loaded its model yet: call fit() (which only "
                "loads it) or create it with sklearn_emnist.deploy.load_onnx(path)."
            )

    def _run(self, X):
        self._check_loaded()
        dtype = np.uint8 if self.input_dtype_ == "uint8" else np.float32
        images = check_images(X, dtype=dtype, estimator=self)
        flat = np.ascontiguousarray(images.reshape(images.shape[0], N_PIXELS))
        probas, labels = [], []
        for start in range(0, flat.shape[0], self.batch_size):
            proba, label = self._session.run(None, {INPUT_NAME: flat[start:start + self.batch_size]})
            probas.append(proba)
            labels.append(label)
        return np.concatenate(probas), np.concatenate(labels)

    def predict_proba(self, X):
        """Class probabilities, columns ordered as ``classes_`` (float32).

        Parameters
        ----------
        X : array-like of images (any shape and type the original estimator accepts)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._run(X)[0]

    def predict(self, X):
        """Predicted labels (the original estimator's labels).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        index = self._run(X)[1]
        return self.classes_[index]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_session", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_model_bytes_" in state:
            self._start_session()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags


def load_onnx(path, *, n_threads=None, batch_size=1024, providers=None):
    """Load an exported model as a ready-to-use :class:`OnnxCharClassifier`.

    Parameters
    ----------
    path : str, path-like, bytes or onnx.ModelProto
        A model written by :func:`export_onnx` (or quantized by
        :func:`quantize_onnx`).
    n_threads : int or None, default=None
        onnxruntime intra-op threads (``None``: ``OMP_NUM_THREADS`` when a
        parallel parent set it, else one per core).
    batch_size : int, default=1024
        Images per onnxruntime call.
    providers : list of str or None, default=None
        onnxruntime execution providers (default CPU).

    Returns
    -------
    classifier : OnnxCharClassifier
        Loaded; ``predict`` / ``predict_proba`` as the exported estimator.

    Examples
    --------
    >>> from sklearn_emnist.deploy import load_onnx
    >>> load_onnx("missing.onnx")
    Traceback (most recent call last):
    ...
    FileNotFoundError: ONNX model file not found: missing.onnx (write one with \
sklearn_emnist.deploy.export_onnx(estimator, path)).
    """
    return OnnxCharClassifier(
        path, n_threads=n_threads, batch_size=batch_size, providers=providers
    ).fit()
