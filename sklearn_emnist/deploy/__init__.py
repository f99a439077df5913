"""Deployment of fitted models: ONNX export, int8 quantization, versioned files.

ONNX
----
:func:`export_onnx` writes a fitted :class:`~sklearn_emnist.CharCNNClassifier`
or :class:`~sklearn_emnist.LSTMRowClassifier` as one ONNX graph that includes
what ``predict_proba`` does around the network:

- input ``images``: ``(batch, 784)`` **uint8** pixels 0..255 (row-major,
  upright 28x28 images as :func:`~sklearn_emnist.datasets.load_emnist_folder`
  returns them, flattened); ``input_dtype="float32"`` takes pixels in [0, 1];
- inside: Cast, division by 255 (exactly as ``predict``), reshape to
  ``(batch, 1, 28, 28)``, the network in eval mode (batch norm folded,
  dropout off), softmax;
- outputs ``probabilities`` (float32 ``(batch, n_classes)``, columns ordered
  as ``classes_``) and ``label`` (int64 ``(batch,)``, the index into
  ``classes_``);
- the batch dimension is dynamic; ``classes_`` (e.g. ``'a'..'z'``), the
  input convention and the package version are in the model's metadata
  (``sklearn_emnist.classes`` holds the labels as JSON).

:func:`load_onnx` returns an :class:`OnnxCharClassifier`: ``predict`` /
``predict_proba`` / ``score`` like the estimator (any accepted image shape
and dtype, the same labels), running on onnxruntime only: no torch or skorch
is imported. Parity, tested on real letters for both estimators: identical
predicted classes, probabilities within ``atol=1e-5``. The graph computes in
float32: a ``precision="bfloat16"`` model exports as the same weights in
float32 (parity holds with ``precision="float32"``). A graph takes one pixel
type (``input_dtype_``): float images given to a uint8 graph are rounded to
0..255 first, which moves probabilities by up to about 2e-3 on blurred float
images and can flip a near tie; export with ``input_dtype="float32"`` to
serve float images exactly.

Quantization
------------
- :func:`quantize_onnx` (onnxruntime): ``method="static"`` quantizes
  convolutions and matrix products to int8 (QDQ, per-channel weights) with
  activation ranges calibrated on real images (pass ~1,000 training images);
  ``method="dynamic"`` quantizes weights only (``MatMul``/``Gemm``/``LSTM``).
- :func:`quantize_dynamic` (torch): int8 ``Linear``/``LSTM`` layers; returns
  a copy of the estimator (same class and API, CPU).

Measured on letters-here test (7,800 real images, the deep CNN trained 3 epochs
on 11,960 images, 1 thread,
``benchmarks/bench_inference.py``; figures in
``benchmarks/results/inference/``): onnxruntime static int8 keeps the
accuracy (within 0.1 percentage point) and predicts several times faster
than eager PyTorch at batch sizes 1 and 1024, from a model file about 3.6x
smaller than the float ONNX file. torch dynamic quantization leaves the
convolutions in float and gains little for CNNs. For the row LSTM,
onnxruntime ``method="dynamic"`` (int8 LSTM weights) is the fastest route,
mostly at small batches, with a model file about 4x smaller.

Model files
-----------
:func:`save_model` / :func:`load_model` write and read a joblib pickle
behind a one-line JSON header (:func:`read_model_header`) recording the
format version, the estimator class, ``classes_``, the device and the
versions of sklearn_emnist, scikit-learn, skorch, torch, numpy and Python.
Loading warns (:class:`ModelVersionWarning`) when any differs, before
unpickling, and names the differences if unpickling fails. A model trained on
a GPU loads on a CPU-only machine; ``load_model(path, device="cpu")`` forces
the CPU. Pickles run code when loaded: load only files you trust.

:func:`save_weights` / :func:`load_weights` follow skorch's own route
(``save_params`` / ``initialize()`` + ``load_params``): tensors
(``torch.load(weights_only=True)``), the history and a JSON description, no
pickled code; the durable way to keep or share a model. By hand::

    net.save_params(f_params="params.pt")
    new = CharCNNClassifier(**same_params, classes=net.classes_, device="cpu")
    new.initialize()
    new.load_params(f_params="params.pt")
    new.n_features_in_ = 784   # set by fit; predict checks it

Importing this subpackage does not import torch or onnxruntime; each function
imports what it needs.
"""

from ._onnx import export_onnx
from ._persistence import (
    ModelVersionWarning,
    load_model,
    load_weights,
    read_model_header,
    save_model,
    save_weights,
)
from ._quantize import quantize_dynamic, quantize_onnx
from ._runtime import OnnxCharClassifier, load_onnx

__all__ = [
    "ModelVersionWarning",
    "OnnxCharClassifier",
    "export_onnx",
    "load_model",
    "load_onnx",
    "load_weights",
    "quantize_dynamic",
    "quantize_onnx",
    "read_model_header",
    "save_model",
    "save_weights",
]
