"""Deployment of fitted models: ONNX export, int8 quantization, versioned files.

- :func:`export_onnx` / :func:`load_onnx` / :class:`OnnxCharClassifier`:
  an ONNX graph with the preprocessing inside, run by onnxruntime behind the
  estimator's own ``predict`` / ``predict_proba`` API (no torch needed).
- :func:`quantize_dynamic` (torch, Linear/LSTM layers) and
  :func:`quantize_onnx` (onnxruntime, static with real calibration images, or
  dynamic): int8 models with the same API.
- :func:`save_model` / :func:`load_model` / :func:`read_model_header`: joblib
  model files with a readable, versioned header (package versions, format
  version); loading warns on version mismatches and lands GPU-trained models
  on the CPU. :func:`save_weights` / :func:`load_weights`: skorch's
  ``save_params`` route (weights only, no pickle of code).

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
