"""ONNX export of a fitted :class:`CharCNNClassifier` or :class:`LSTMRowClassifier`.

The exported graph contains the whole inference path of ``predict_proba``, so
that it takes the same pixels as the estimator:

``images`` (uint8, shape ``(batch, 784)``, row-major upright 28x28 images, 0..255)
  -> Cast to float32 -> Div 255 -> Reshape ``(batch, 1, 28, 28)`` -> network
  -> the estimator's predict non-linearity (softmax for the default
  cross-entropy criterion)
  -> ``probabilities`` (float32, ``(batch, n_classes)``, columns ordered as
  ``classes_``) and ``label`` (int64, ``(batch,)``: the column index of the
  most probable class).

With ``input_dtype="float32"`` the input is float32 pixels already in
``[0, 1]`` and the graph skips the scaling. The batch dimension is dynamic.
The class labels (``classes_``) travel in the model's metadata
(``metadata_props``), so the index can be turned back into a label without
the estimator: :class:`~sklearn_emnist.deploy.OnnxCharClassifier` does that.
"""

import copy
import io
import json
import os
import warnings

import numpy as np

from .._version import __version__
from ..datasets._cache import atomic_target
from ._optional import import_onnx_package

__all__ = ["INPUT_DTYPES", "ONNX_FORMAT_VERSION", "export_onnx"]

#: Version of the conventions below (input/output names, metadata keys).
ONNX_FORMAT_VERSION = 1
INPUT_DTYPES = ("uint8", "float32")
INPUT_NAME = "images"
OUTPUT_NAMES = ("probabilities", "label")
META_PREFIX = "sklearn_emnist."


def _json_classes(classes):
    """``classes_`` as a JSON string plus its numpy dtype string."""
    classes = np.asarray(classes)
    values = classes.tolist()
    try:
        text = json.dumps(values)
    except TypeError as exc:
        raise TypeError(
            f"classes_ of dtype {classes.dtype} cannot be stored in the ONNX metadata "
            f"as JSON ({exc}). Fit the estimator with int or str labels."
        ) from None
    dtype = classes.dtype.str if classes.dtype.kind != "O" else "object"
    return text, dtype


def _is_network(estimator):
    from ..neural import NeuralImageClassifier

    return isinstance(estimator, NeuralImageClassifier)


def _last_step(estimator):
    """A pipeline's final estimator, or ``estimator`` itself."""
    steps = getattr(estimator, "steps", None)
    return steps[-1][1] if steps else estimator


def _meta_estimator_hint(estimator, function):
    """How to reach the network inside a pipeline or a search, for ``function``'s
    error; empty when no network of this package ends it (a KNN pipeline, a
    search over one), which the function's usual hint is for."""
    if getattr(estimator, "steps", None):
        if not _is_network(_last_step(estimator)):
            return ""
        others = [name for name, _ in estimator.steps[:-1]]
        left_out = (f" (the pipeline's other steps, {', '.join(map(repr, others))}, are not "
                    "included: apply them to the images yourself)" if others else "")
        return f" Pass the fitted network, pipe[-1], to {function}{left_out}."
    best = getattr(estimator, "best_estimator_", None)
    if best is not None or hasattr(estimator, "param_grid") or hasattr(estimator,
                                                                      "param_distributions"):
        # what the search refitted, or (not refitted yet) the estimator it searches over
        final = best if best is not None else getattr(estimator, "estimator", None)
        if not _is_network(_last_step(final)):
            return ""
        if getattr(final, "steps", None):
            return (f" Pass the refitted network, search.best_estimator_[-1], to {function} "
                    "(the best pipeline's other steps are not included).")
        return f" Pass the refitted network, search.best_estimator_, to {function}."
    return ""


# what each public function suggests for a model that is not a network of this package
_OTHER_MODELS = {
    "export_onnx": " For other scikit-learn models use skl2onnx.",
    "quantize_onnx": " For other scikit-learn models use skl2onnx, then onnxruntime's "
                     "quantization.",
    "save_weights": " Save other models with save_model.",
    "quantize_dynamic": "",
}


def _check_fitted_estimator(estimator, function="export_onnx"):
    """Refuse what ``function`` cannot take: not a fitted float network of this package.

    ``function`` is the public function called, named in the messages.
    """
    from sklearn.utils.validation import check_is_fitted

    if not _is_network(estimator):
        hint = _meta_estimator_hint(estimator, function) or _OTHER_MODELS.get(function, "")
        raise TypeError(
            f"{function} takes a CharCNNClassifier or LSTMRowClassifier (any "
            "sklearn_emnist.neural.NeuralImageClassifier); got "
            f"{type(estimator).__name__}.{hint}"
        )
    check_is_fitted(estimator)
    if getattr(estimator, "quantized_", None) is not None:
        raise ValueError(
            f"this {type(estimator).__name__} is already quantized "
            f"({estimator.quantized_.get('method')}); export or quantize the float estimator "
            "instead (quantize_onnx(estimator, ...) quantizes the exported graph)."
        )


def _inference_graph(estimator, input_dtype):
    """A torch module doing preprocessing + network + non-linearity + argmax."""
    import torch

    network = copy.deepcopy(estimator.module_).to("cpu").to(
        memory_format=torch.contiguous_format
    )
    network.eval()
    nonlinearity = estimator._get_predict_nonlinearity()
    scale = input_dtype == "uint8"

    class InferenceGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.network = network

        def forward(self, images):
            x = images.to(torch.float32)
            if scale:
                x = x / 255.0
            x = x.reshape(x.shape[0], 1, 28, 28)
            proba = nonlinearity(self.network(x))
            return proba, torch.argmax(proba, dim=1)

    return InferenceGraph().eval()


def _export(graph, example, path, opset, exporter):
    import torch

    names = {"input_names": [INPUT_NAME], "output_names": list(OUTPUT_NAMES)}
    with warnings.catch_warnings():
        # export-internal deprecation chatter of torch, not actionable by users
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*_check_is_size.*")
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        warnings.filterwarnings("ignore", message=".*variable length with LSTM.*")
        warnings.filterwarnings("ignore", message=".*Converting a tensor to a Python boolean.*")
        # nn.LSTM's flat weight list is re-assigned while tracing; harmless
        warnings.filterwarnings("ignore", message=".*were assigned during export.*")
        if exporter == "dynamo":
            batch = torch.export.Dim("batch")
            program = torch.onnx.export(
                graph, (example,), dynamo=True, opset_version=opset,
                dynamic_shapes=({0: batch},), verbose=False, **names,
            )
            program.save(path, external_data=False)
        else:
            axes = {name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)}
            torch.onnx.export(
                graph, (example,), path, dynamo=False, opset_version=opset,
                dynamic_axes=axes, **names,
            )


def _quiet_export(function, *args):
    """Run the torch exporter without its progress prints on stdout."""
    import contextlib
    import logging

    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return function(*args)
    finally:
        logger.setLevel(level)


def export_onnx(estimator, path, *, input_dtype="uint8", opset=18, exporter="dynamo"):
    """Export a fitted neural classifier, preprocessing included, to an ONNX file.

    The graph takes flat images ``(batch, 784)`` (row-major upright 28x28,
    as :func:`sklearn_emnist.datasets.load_emnist_folder` returns them,
    reshaped), scales them as ``predict`` does, runs the network and returns
    ``probabilities`` (float32 ``(batch, n_classes)``, the estimator's
    ``predict_proba``) and ``label`` (int64 ``(batch,)``, the index into
    ``classes_``). The batch dimension is dynamic. ``classes_`` and the input
    convention are written into the model's metadata; load the file with
    :func:`~sklearn_emnist.deploy.load_onnx` for a drop-in classifier that
    needs only onnxruntime (no torch). The graph computes in float32 whatever
    the estimator's ``precision``: a ``precision="bfloat16"`` model exports as
    its float32 counterpart, whose probabilities differ from the bfloat16
    ones by bfloat16's rounding (up to about 1e-2).

    Parameters
    ----------
    estimator : CharCNNClassifier or LSTMRowClassifier
        A fitted estimator (on any device; the export runs on the CPU).
    path : str or path-like
        The ``.onnx`` file to write (parent folders are created).
    input_dtype : {"uint8", "float32"}, default="uint8"
        ``"uint8"``: pixels 0..255, EMNIST's own type (4x smaller input; the
        graph divides by 255 exactly as ``predict`` does). ``"float32"``:
        pixels already scaled to [0, 1].
    opset : int, default=18
        ONNX opset (the dynamo exporter needs 18 or later).
    exporter : {"dynamo", "torchscript"}, default="dynamo"
        ``"dynamo"``: torch's ``torch.export`` based exporter (the default of
        torch >= 2.9). ``"torchscript"``: the legacy tracer (faster to export,
        deprecated by torch).

    Returns
    -------
    path : str
        The file written.

    Raises
    ------
    TypeError
        ``estimator`` is not a neural classifier of this package (for a
        pipeline or a search, the message says which step to pass).
    sklearn.exceptions.NotFittedError
        ``estimator`` is not fitted.
    RuntimeError
        torch could not export the network (the message suggests the other
        exporter); nothing is written then.
    OSError
        The file could not be written (disk full, no permission): raised
        unchanged; nothing is left under ``path`` or beside it.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_emnist import CharCNNClassifier
    >>> from sklearn_emnist.deploy import export_onnx, load_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    >>> y = np.array(["a", "b"] * 20)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, y)
    >>> path = export_onnx(clf, os.path.join(tempfile.mkdtemp(), "clf.onnx"))
    >>> onnx_clf = load_onnx(path)
    >>> onnx_clf.classes_
    array(['a', 'b'], dtype='<U1')
    >>> bool((onnx_clf.predict(X) == clf.predict(X)).all())
    True
    """
    _check_fitted_estimator(estimator, "export_onnx")
    if input_dtype not in INPUT_DTYPES:
        raise ValueError(f"input_dtype must be one of {INPUT_DTYPES}, got {input_dtype!r}.")
    if exporter not in ("dynamo", "torchscript"):
        raise ValueError(f"exporter must be 'dynamo' or 'torchscript', got {exporter!r}.")
    if exporter == "dynamo" and opset < 18:
        raise ValueError(f"the dynamo exporter needs opset >= 18, got {opset}; "
                         "use exporter='torchscript' for older opsets.")
    onnx = import_onnx_package("onnx", "exporting to ONNX")
    if exporter == "dynamo":
        import_onnx_package("onnxscript", "the dynamo exporter (exporter='dynamo')")
    import torch

    classes_json, classes_dtype = _json_classes(estimator.classes_)
    graph = _inference_graph(estimator, input_dtype)
    torch_dtype = torch.uint8 if input_dtype == "uint8" else torch.float32
    example = torch.zeros(2, 784, dtype=torch_dtype)
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_target(path) as tmp:
        try:
            _quiet_export(_export, graph, example, tmp, opset, exporter)
        except OSError:
            # writing the file failed (disk full, permissions): not the exporter's
            # fault, and the other exporter would fail alike; raised unchanged, as
            # save_model raises it
            raise
        except Exception as exc:
            other = "torchscript" if exporter == "dynamo" else "dynamo"
            raise RuntimeError(
                f"torch.onnx ({exporter} exporter) could not export "
                f"{type(estimator.module_).__name__}: {type(exc).__name__}: {exc}. "
                f"Try exporter={other!r}" + (", opset=17" if other == "torchscript" else "")
                + "."
            ) from exc
        model = onnx.load(tmp)
        _write_metadata(model, estimator, input_dtype, classes_json, classes_dtype)
        onnx.checker.check_model(model)
        onnx.save(model, tmp)
    return path


def _write_metadata(model, estimator, input_dtype, classes_json, classes_dtype):
    estimator_name = f"{type(estimator).__module__}.{type(estimator).__qualname__}"
    scale = "0..255 (divided by 255 in the graph)" if input_dtype == "uint8" else "0..1"
    entries = {
        "format_version": str(ONNX_FORMAT_VERSION),
        "classes": classes_json,
        "classes_dtype": classes_dtype,
        "input_dtype": input_dtype,
        "input_layout": "(batch, 784) row-major upright 28x28",
        "estimator": estimator_name,
        "version": __version__,
    }
    del model.metadata_props[:]
    for key, value in entries.items():
        prop = model.metadata_props.add()
        prop.key = META_PREFIX + key
        prop.value = value
    model.producer_name = "sklearn-emnist"
    model.producer_version = __version__
    model.doc_string = (
        f"{type(estimator).__name__} exported by sklearn-emnist {__version__}. "
        f"Input '{INPUT_NAME}': {input_dtype} (batch, 784) pixels {scale}. "
        f"Outputs '{OUTPUT_NAMES[0]}' (batch, n_classes) float32 and '{OUTPUT_NAMES[1]}' "
        "(batch,) int64 index into the classes stored in metadata 'sklearn_emnist.classes'."
    )


def read_onnx_metadata(model):
    """The ``sklearn_emnist.*`` metadata of an ONNX model as a dict (prefix removed)."""
    return {
        prop.key[len(META_PREFIX):]: prop.value
        for prop in model.metadata_props
        if prop.key.startswith(META_PREFIX)
    }
