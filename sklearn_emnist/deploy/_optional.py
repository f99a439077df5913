"""Import the optional ONNX packages, or say which extra installs them."""

import importlib

__all__ = ["import_onnx_package"]


def import_onnx_package(name, purpose):
    """Import ``name`` (onnx, onnxruntime, onnxscript) or raise a clear ImportError.

    Parameters
    ----------
    name : str
        The module to import.
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
        raise ImportError(
            f"{purpose} needs {name}: pip install 'sklearn-emnist[onnx]' (or pip install "
            f"{name})."
        ) from exc
