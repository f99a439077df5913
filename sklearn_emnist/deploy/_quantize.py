"""Quantization of fitted neural classifiers to int8, keeping the predict API.

Two routes, both returning something with ``predict`` / ``predict_proba``:

- :func:`quantize_dynamic`: torch dynamic quantization of the ``Linear`` and
  ``LSTM`` layers (weights int8, activations quantized on the fly). Returns a
  copy of the estimator; convolutions stay float, so it pays for the LSTM and
  for dense-heavy networks, less for convolutional ones.
- :func:`quantize_onnx`: onnxruntime quantization of the exported graph.
  ``method="static"`` calibrates activation ranges on real images and
  quantizes convolutions and matrix products (QDQ format, per-channel
  weights); ``method="dynamic"`` quantizes weights only (``MatMul``/``Gemm``
  and ``LSTM``) and needs no calibration data. Returns an
  :class:`~sklearn_emnist.deploy.OnnxCharClassifier`.

Always measure the accuracy change on held-out real data
(``benchmarks/bench_inference.py`` does so for the letters test set).
"""

import copy
import os
import shutil
import tempfile
import warnings

import numpy as np

from ..datasets._cache import atomic_target
from ..utils import N_PIXELS, check_images
from ._onnx import INPUT_NAME, _check_fitted_estimator, export_onnx
from ._optional import import_onnx_package
from ._runtime import load_onnx

__all__ = ["quantize_dynamic", "quantize_onnx"]

_DYNAMIC_LAYERS = ("Linear", "LSTM", "GRU")


def quantize_dynamic(estimator, *, layers=("Linear", "LSTM")):
    """Int8 dynamic quantization (torch) of a fitted neural classifier.

    Parameters
    ----------
    estimator : CharCNNClassifier or LSTMRowClassifier
        Fitted. It is not modified.
    layers : tuple of {"Linear", "LSTM", "GRU"}, default=("Linear", "LSTM")
        Layer types whose weights become int8.

    Returns
    -------
    quantized : same class as ``estimator``
        A copy running on the CPU whose ``module_`` holds the quantized
        layers; ``predict`` / ``predict_proba`` / ``score`` work as before
        (in float32, whatever ``precision`` the estimator had) and it pickles
        (save it with :func:`~sklearn_emnist.deploy.save_model`).
        ``quantized_`` records the method and layers. It is for inference:
        ``fit`` rebuilds a float network from scratch (and drops
        ``quantized_``); ``partial_fit`` and ``warm_start=True`` refuse it.

    Raises
    ------
    ValueError
        When the network has none of ``layers`` (nothing to quantize).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_emnist import LSTMRowClassifier
    >>> from sklearn_emnist.deploy import quantize_dynamic
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    >>> clf = LSTMRowClassifier(hidden_size=16, max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, [0, 1] * 20)
    >>> q = quantize_dynamic(clf)
    >>> q.quantized_["method"], q.predict(X[:3]).shape
    ('dynamic', (3,))
    """
    _check_fitted_estimator(estimator, "quantize_dynamic")
    unknown = [name for name in layers if name not in _DYNAMIC_LAYERS]
    if unknown or not layers:
        raise ValueError(f"layers must be a non-empty tuple of {_DYNAMIC_LAYERS}, got {layers!r}.")
    import torch

    types = {getattr(torch.nn, name) for name in layers}
    found = sorted({type(m).__name__ for m in estimator.module_.modules() if type(m) in types})
    if not found:
        raise ValueError(
            f"{type(estimator.module_).__name__} has no {' / '.join(layers)} layer to quantize "
            "dynamically; use quantize_onnx(estimator, X_calibration, method='static') for "
            "convolutions."
        )
    quantized = copy.deepcopy(estimator)
    module = quantized.module_.to("cpu").eval()
    with warnings.catch_warnings():
        # torch.ao.quantization announces its move to torchao; it still works
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*torch.ao.quantization.*")
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        quantized.module_ = torch.ao.quantization.quantize_dynamic(
            module, types, dtype=torch.qint8
        )
    quantized.device = "cpu"
    # the int8 kernels take float32 activations (bfloat16 autocast would feed them
    # bfloat16): the rest of the network runs in float32 too
    quantized.precision = "float32"
    # the optimizer state refers to the float weights and is useless for inference
    quantized.optimizer_ = None
    quantized.quantized_ = {"method": "dynamic", "dtype": "qint8", "layers": found,
                            "engine": torch.backends.quantized.engine}
    return quantized


class _CalibrationReader:
    """Feeds real images to onnxruntime's calibrator, ``batch_size`` at a time."""

    def __init__(self, flat_images, batch_size):
        self._batches = iter(
            flat_images[start:start + batch_size]
            for start in range(0, flat_images.shape[0], batch_size)
        )

    def get_next(self):
        batch = next(self._batches, None)
        return None if batch is None else {INPUT_NAME: batch}

    def rewind(self):  # onnxruntime >= 1.17 may call it; one pass is enough here
        pass


def quantize_onnx(estimator, path, X_calibration=None, *, method="static",
                  input_dtype="uint8", per_channel=True, reduce_range=True,
                  calibration_batch_size=256, n_threads=None):
    """Export to ONNX and quantize the graph to int8 with onnxruntime.

    Parameters
    ----------
    estimator : CharCNNClassifier, LSTMRowClassifier, str or path-like
        A fitted estimator (exported first with :func:`export_onnx`), or
        the path of a float ``.onnx`` file that :func:`export_onnx` wrote.
    path : str or path-like
        Where to write the quantized ``.onnx`` model.
    X_calibration : array-like of images, default=None
        Real images (a few hundred to a few thousand, all classes) whose
        activation ranges set the int8 scales; required for
        ``method="static"``, ignored for ``"dynamic"``. Use training images,
        never the test set you report.
    method : {"static", "dynamic"}, default="static"
        ``"static"``: convolutions and matrix products with int8 weights
        and activations (QDQ format, MinMax calibration). ``"dynamic"``:
        int8 weights of ``MatMul``/``Gemm``/``LSTM``, activations quantized
        at run time; convolutions stay float.
    input_dtype : {"uint8", "float32"}, default="uint8"
        Input of the graph, as in :func:`export_onnx` (for an exported file:
        read from its metadata).
    per_channel : bool, default=True
        One scale per output channel of each weight (more accurate).
    reduce_range : bool, default=True
        Quantize weights to 7 bits (-64..64) instead of 8 (-127..127). x86
        CPUs without VNNI instructions (AVX2-only, AVX-512 without VNNI)
        multiply uint8 activations by int8 weights with an instruction that
        saturates 16-bit sums of two products; 7-bit weights keep those sums
        in range (2 x 255 x 64 < 2**15).
        On such a CPU (AVX2, 520 real test letters, small test networks),
        8-bit weights kept 93.5 % of the float CNN's predictions (static) and
        85.6 % of the LSTM's (dynamic); 7-bit weights 99.0 % and 98.3 %.
        ``False`` gives 8-bit weights, for models that will only run on CPUs
        with VNNI (or ARM).
    calibration_batch_size : int, default=256
        Images per calibration call.
    n_threads : int or None, default=None
        Threads of the returned classifier.

    Returns
    -------
    classifier : OnnxCharClassifier
        The quantized model, loaded; same ``classes_`` and API as the
        estimator. ``metadata_["quantization"]`` names the method.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_emnist import CharCNNClassifier
    >>> from sklearn_emnist.deploy import quantize_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 784), dtype=np.uint8)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, [0, 1, 2] * 20)
    >>> q = quantize_onnx(clf, os.path.join(tempfile.mkdtemp(), "q.onnx"), X[:30])
    >>> q.metadata_["quantization"], q.predict(X[:4]).shape
    ('static-qdq-int8', (4,))
    """
    exported = isinstance(estimator, (str, os.PathLike))
    if exported:
        input_dtype = _exported_input_dtype(estimator)
    else:
        _check_fitted_estimator(estimator, "quantize_onnx")
    if method not in ("static", "dynamic"):
        raise ValueError(f"method must be 'static' or 'dynamic', got {method!r}.")
    if not isinstance(reduce_range, (bool, np.bool_)):
        raise ValueError(f"reduce_range must be True or False, got {reduce_range!r}.")
    reduce_range = bool(reduce_range)
    calibration = None
    if method == "static":
        if X_calibration is None:
            raise ValueError(
                "method='static' needs X_calibration: a few hundred real training images "
                "(e.g. 512, all classes) to measure activation ranges; or use method='dynamic'."
            )
        dtype = np.uint8 if input_dtype == "uint8" else np.float32
        calibration = check_images(X_calibration, dtype=dtype, input_name="X_calibration")
        calibration = np.ascontiguousarray(calibration.reshape(-1, N_PIXELS))
    ortq = import_onnx_package("onnxruntime.quantization", "quantize_onnx")

    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sklearn_emnist_quant_") as folder:
        float_path = os.path.join(folder, "float.onnx")
        prepared_path = os.path.join(folder, "prepared.onnx")
        if exported:
            shutil.copyfile(estimator, float_path)
        else:
            export_onnx(estimator, float_path, input_dtype=input_dtype)
        _drop_value_info(float_path)
        ortq.quant_pre_process(float_path, prepared_path, skip_symbolic_shape=True)
        with atomic_target(path) as tmp:
            if method == "static":
                ortq.quantize_static(
                    prepared_path, tmp,
                    _CalibrationReader(calibration, calibration_batch_size),
                    quant_format=ortq.QuantFormat.QDQ,
                    op_types_to_quantize=["Conv", "MatMul", "Gemm"],
                    per_channel=per_channel,
                    activation_type=ortq.QuantType.QUInt8,
                    weight_type=ortq.QuantType.QInt8,
                    calibrate_method=ortq.CalibrationMethod.MinMax,
                    reduce_range=reduce_range,
                )
                label = "static-qdq-int8"
            else:
                ortq.quantize_dynamic(
                    prepared_path, tmp,
                    op_types_to_quantize=["MatMul", "Gemm", "LSTM"],
                    per_channel=per_channel,
                    weight_type=ortq.QuantType.QInt8,
                    reduce_range=reduce_range,
                )
                label = "dynamic-int8"
            _tag_quantization(tmp, float_path, label, weight_bits=7 if reduce_range else 8)
    return load_onnx(path, n_threads=n_threads)


def _exported_input_dtype(path):
    onnx = import_onnx_package("onnx", "ONNX quantization")
    from google.protobuf.message import DecodeError  # onnx's own dependency

    from ._onnx import read_onnx_metadata
    from ._persistence import MAGIC

    shown = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"ONNX model file not found: {shown}")
    expected = ("quantize_onnx expects a float .onnx file written by "
                "sklearn_emnist.deploy.export_onnx, or the fitted estimator itself")
    try:
        model = onnx.load(path, load_external_data=False)
    except (DecodeError, ValueError, RuntimeError) as exc:  # not ONNX at all
        with open(path, "rb") as handle:
            saved_model = handle.read(len(MAGIC)) == MAGIC
        hint = (" It is a model file of save_model: load it with load_model and pass the "
                "estimator." if saved_model else "")
        raise ValueError(
            f"{shown} is not an ONNX file ({type(exc).__name__}: {exc}); {expected}.{hint}"
        ) from None
    metadata = read_onnx_metadata(model)
    if "classes" not in metadata or "quantization" in metadata:
        raise ValueError(f"{shown} is not a float model written by export_onnx; {expected}.")
    return metadata.get("input_dtype", "uint8")


def _drop_value_info(path):
    """Remove the exporter's intermediate shape annotations (optional in ONNX).

    onnxruntime's quantizers re-run strict shape inference, which rejects
    some annotations torch's exporter writes for folded Linear+BatchNorm
    layers; the shapes are inferred again anyway.
    """
    onnx = import_onnx_package("onnx", "ONNX quantization")

    model = onnx.load(path)
    del model.graph.value_info[:]
    onnx.save(model, path)


def _tag_quantization(quantized_path, float_path, label, weight_bits):
    """Copy the sklearn_emnist metadata of the float model and add the method."""
    onnx = import_onnx_package("onnx", "ONNX quantization")

    from ._onnx import META_PREFIX

    source = onnx.load(float_path)
    model = onnx.load(quantized_path)
    del model.metadata_props[:]
    for prop in source.metadata_props:
        model.metadata_props.add(key=prop.key, value=prop.value)
    model.metadata_props.add(key=META_PREFIX + "quantization", value=label)
    model.metadata_props.add(key=META_PREFIX + "weight_bits", value=str(weight_bits))
    model.producer_name = source.producer_name
    model.producer_version = source.producer_version
    model.doc_string = source.doc_string + f" Quantized: {label}, {weight_bits}-bit weights."
    onnx.save(model, quantized_path)
