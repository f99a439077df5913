"""Saving and loading the model files the CLI writes (joblib, with metadata).

A model file is a joblib pickle of a dict::

    {"format": "sklearn-emnist-model", "format_version": 1,
     "model": <fitted estimator>, "target_names": [...], "split": "letters",
     "versions": {...}, "created": "...", "training": {...}}

Pickles run code when loaded: load only files you trust. They need the same
major versions of scikit-learn / torch / skorch to load; the versions used are
stored so that a mismatch can be reported. (A later deployment module may
replace these two functions; the CLI only calls them.)
"""

import datetime
import os
import platform

from ._errors import CLIError

FORMAT = "sklearn-emnist-model"
FORMAT_VERSION = 1


def _versions():
    import numpy
    import sklearn

    from .._version import __version__

    versions = {
        "sklearn_emnist": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }
    import sys

    for name in ("torch", "skorch"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", "?")
    return versions


def save_model(path, model, *, target_names=None, split=None, training=None):
    """Write ``model`` and its metadata to ``path`` (joblib, compressed)."""
    import joblib

    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": model,
        "target_names": None if target_names is None else [str(n) for n in target_names],
        "split": split,
        "versions": _versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "training": dict(training or {}),
    }
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f"{path}.part"
    try:
        joblib.dump(payload, tmp, compress=3)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_model(path):
    """Read a model file; return ``(model, metadata)``.

    A plain pickled estimator (not written by :func:`save_model`) is accepted
    too, with empty metadata.
    """
    import joblib

    path = os.fspath(path)
    if not os.path.exists(path):
        raise CLIError(f"model file not found: {path} (create one with 'sklearn-emnist train').")
    try:
        payload = joblib.load(path)
    except ModuleNotFoundError as exc:
        raise CLIError(
            f"{path}: the model needs the module {exc.name!r}, which is not installed "
            "(cnn/lstm models need torch and skorch).",
            code=3,
        ) from exc
    except Exception as exc:
        raise CLIError(
            f"{path}: not a readable model file ({type(exc).__name__}: {exc}). Was it written by "
            "'sklearn-emnist train' with compatible package versions?"
        ) from exc
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        if payload.get("format_version", 0) > FORMAT_VERSION:
            raise CLIError(
                f"{path}: model file format {payload['format_version']} is newer than this "
                f"sklearn-emnist understands ({FORMAT_VERSION}); upgrade sklearn-emnist."
            )
        metadata = {key: value for key, value in payload.items() if key != "model"}
        model = payload["model"]
    else:
        model, metadata = payload, {}
    if not hasattr(model, "predict"):
        raise CLIError(f"{path}: holds a {type(model).__name__}, not a fitted classifier.")
    return model, metadata
