"""The model files the CLI writes and reads.

They are :func:`sklearn_emnist.deploy.save_model` files (a versioned JSON
header, then the joblib pickle); the header's ``metadata`` holds what the CLI
needs besides the estimator: the character names, the split and how the model
was trained. Files of the CLI's first layout (a joblib dict with a ``"model"``
key) and plain joblib pickles of an estimator are read too.

Pickles run code when loaded: load only files you trust.
"""

import os

from ._errors import EXIT_MISSING, CLIError


def save_model(path, model, *, target_names=None, split=None, training=None):
    """Write ``model`` with the CLI's metadata to ``path``; return the path."""
    from ..deploy import save_model as deploy_save_model

    metadata = {
        "target_names": None if target_names is None else [str(n) for n in target_names],
        "split": split,
        "training": dict(training or {}),
    }
    return deploy_save_model(model, path, metadata=metadata)


def load_model(path):
    """Read a model file; return ``(model, metadata)`` (metadata may be empty)."""
    from ..deploy import load_model as deploy_load_model

    path = os.fspath(path)
    if not os.path.exists(path):
        raise CLIError(f"model file not found: {path} (create one with 'sklearn-emnist train').")
    if os.path.isdir(path):
        raise CLIError(f"{path} is a folder, not a model file: give the file 'sklearn-emnist "
                       "train -o FILE' wrote (e.g. model.skem).")
    try:
        model, header = deploy_load_model(path, return_header=True)
    except ModuleNotFoundError as exc:
        raise CLIError(
            f"{path}: the model needs the module {exc.name!r}, which is not installed "
            "(cnn/lstm models need torch and skorch).",
            code=EXIT_MISSING,
        ) from exc
    except ValueError as exc:  # not a model file, a corrupt or newer header: says so itself
        raise CLIError(str(exc)) from exc
    except Exception as exc:
        raise CLIError(
            f"{path}: not a readable model file ({type(exc).__name__}: {exc}). Was it written by "
            "'sklearn-emnist train' with compatible package versions?"
        ) from exc
    metadata = header.get("metadata", header) if isinstance(header, dict) else {}
    if not hasattr(model, "predict"):
        raise CLIError(f"{path}: holds a {type(model).__name__}, not a fitted classifier.")
    return model, dict(metadata or {})
