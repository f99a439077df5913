"""Import the optional ONNX packages, or say which extra installs them."""

import importlib

__all__ = ["import_onnx_package"]


def import_onnx_package(name, purpose):
    """Import ``name`` (onnx, onnxruntime, onnxscript) or raise a clear ImportError.

    Parameters
    ----------
    name : str
        The module to import (a submodule such as ``onnxruntime.quantization``
        names its top-level package in the message).
    purpose : str
        What needs it, for the message (e.g. ``"exporting to ONNX"``).

    Returns
    -------
    module : module

    Examples
    --------
    >>> from sklearn_emnist.deploy._optional import import_onnx_package
    >>> import_onnx_package("no_such_onnx_module", "this example")
    Traceback (most recent call last):
    ...
    ImportError: this example needs no_such_onnx_module: pip install 'sklearn-emnist[onnx]' (or pip install no_such_onnx_module).
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        package = name.split(".")[0]
        raise ImportError(
            f"{purpose} needs {package}: pip install 'sklearn-emnist[onnx]' (or pip install "
            f"{package})."
        ) from exc
