"""scikit-learn compatible handwritten character recognition on EMNIST.

Importing the package is cheap: torch and skorch are imported only when a
neural estimator is first used (PEP 562 module ``__getattr__``).
"""

import importlib

from ._version import __version__

# public name -> module that defines it (imported on first access)
_LAZY = {
    "read_idx": "sklearn_emnist.datasets",
    "write_idx": "sklearn_emnist.datasets",
    "fetch_emnist": "sklearn_emnist.datasets",
    "load_emnist_folder": "sklearn_emnist.datasets",
    "get_split_info": "sklearn_emnist.datasets",
    "IDXFormatError": "sklearn_emnist.datasets",
    "DownloadError": "sklearn_emnist.datasets",
    "ChecksumMismatchError": "sklearn_emnist.datasets",
    "DataNotCachedError": "sklearn_emnist.datasets",
    "classification_summary": "sklearn_emnist.metrics",
    "per_class_table": "sklearn_emnist.metrics",
    "most_confused_pairs": "sklearn_emnist.metrics",
    "random_affine": "sklearn_emnist.augmentation",
    "RandomAffineAugmenter": "sklearn_emnist.augmentation",
    "make_knn_pipeline": "sklearn_emnist.neighbors",
    "PixelScaler": "sklearn_emnist.preprocessing",
    "ImageReshaper": "sklearn_emnist.preprocessing",
    "Deskewer": "sklearn_emnist.preprocessing",
    "ImageCenterer": "sklearn_emnist.preprocessing",
    "HOGFeatures": "sklearn_emnist.preprocessing",
    "CharConfusionMatrixDisplay": "sklearn_emnist.plotting",
    "SampleImagesDisplay": "sklearn_emnist.plotting",
    "WorstErrorsDisplay": "sklearn_emnist.plotting",
    "TrainingCurvesDisplay": "sklearn_emnist.plotting",
    "CharCNNClassifier": "sklearn_emnist.neural",
    "LSTMRowClassifier": "sklearn_emnist.neural",
    "export_onnx": "sklearn_emnist.deploy",
    "load_onnx": "sklearn_emnist.deploy",
    "OnnxCharClassifier": "sklearn_emnist.deploy",
    "quantize_dynamic": "sklearn_emnist.deploy",
    "quantize_onnx": "sklearn_emnist.deploy",
    "save_model": "sklearn_emnist.deploy",
    "load_model": "sklearn_emnist.deploy",
    "read_model_header": "sklearn_emnist.deploy",
    "save_weights": "sklearn_emnist.deploy",
    "load_weights": "sklearn_emnist.deploy",
    "ModelVersionWarning": "sklearn_emnist.deploy",
    "image_to_emnist": "sklearn_emnist.io",
    "load_image_file": "sklearn_emnist.io",
}

__all__ = ["__version__", *sorted(_LAZY)]


# subpackages, imported on first access as scikit-learn's are (sklearn_emnist.datasets)
_SUBPACKAGES = (
    "augmentation", "datasets", "deploy", "io", "metrics", "neighbors", "neural", "parallel",
    "plotting", "preprocessing", "utils",
)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'sklearn_emnist' has no attribute {name!r}")


def __dir__():
    return sorted({"__version__", *__all__, *_SUBPACKAGES})
