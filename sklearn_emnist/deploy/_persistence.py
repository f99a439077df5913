"""Saving and loading fitted models: a versioned model file and a weights-only route.

Model file (:func:`save_model` / :func:`load_model`), format version 2::

    SKLEARN-EMNIST-MODEL\\n          magic line
    {"format_version": 2, ...}\\n    one line of JSON: the header
    <joblib pickle of the model>     (compressed)

The header records the estimator class, the versions of sklearn_emnist,
scikit-learn, skorch, torch, numpy and Python, the device the model was on,
``classes_`` and any metadata given; it is read *before* the pickle, so a
version mismatch is reported (:class:`ModelVersionWarning`) even when the
unpickling then fails, and ``head -c 2000 model.skem`` shows it.
:func:`load_model` also reads the CLI's format version 1 (a joblib dict with a
``"model"`` key) and plain joblib/pickle files of an estimator.

Caveats of pickles, handled or documented here:

- Loading a pickle runs code: load only files you trust.
- A pickle is tied to the package versions that wrote it; load it with the
  same versions (the warning names each difference). For long-term storage
  use :func:`save_weights`: tensors and JSON only, no code.
- A model trained on a GPU loads on a CPU-only machine: skorch maps the
  tensors to the CPU (``device="auto"`` resolves to the CPU; an explicit
  ``device="cuda"`` becomes ``"cpu"`` with skorch's ``DeviceWarning``).
  ``load_model(path, device="cpu")`` forces the CPU on a GPU machine too.

Weights-only route (:func:`save_weights` / :func:`load_weights`), skorch's own
``save_params`` / ``load_params``::

    folder/params.pt        net.save_params(f_params=...)   (torch, weights_only)
    folder/history.json     net.save_params(f_history=...)
    folder/estimator.json   class, constructor parameters, classes_, versions

:func:`load_weights` rebuilds the estimator from ``estimator.json``, calls
``initialize()`` and then ``load_params(f_params=..., f_history=...)``, which
is exactly how to do it by hand with skorch.
"""

import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import types
import warnings
from contextlib import ExitStack

import numpy as np

from .._version import __version__
from ..datasets._cache import atomic_target

__all__ = [
    "ModelVersionWarning",
    "load_model",
    "load_weights",
    "read_model_header",
    "save_model",
    "save_weights",
]

MAGIC = b"SKLEARN-EMNIST-MODEL\n"
FORMAT = "sklearn-emnist-model"
FORMAT_VERSION = 2
WEIGHTS_FORMAT = "sklearn-emnist-weights"
WEIGHTS_FORMAT_VERSION = 1
_HEADER_LIMIT = 1 << 20  # a header line longer than 1 MiB is not ours
# how a file without our header may start: a pickle (protocol 2 and later), or
# one of joblib's compressed formats (zlib, gzip, bz2, lzma, xz, lz4, and the
# "ZF" of joblib before 0.10)
_PICKLE_STARTS = (b"\x80", b"x", b"\x1f\x8b", b"BZ", b"]\x00", b"\xfd7zXZ",
                  b"\x04\"M\x18", b"ZF")
# distribution name -> header key
_PACKAGES = {"scikit-learn": "scikit-learn", "skorch": "skorch", "torch": "torch",
             "numpy": "numpy"}


class ModelVersionWarning(UserWarning):
    """A model file was written with other package versions than those installed.

    Pickled models are only guaranteed to load and predict identically with
    the versions that wrote them. Re-save the model with the installed
    versions once it is checked, or keep its weights with
    :func:`save_weights`.
    """


def _installed_version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def current_versions():
    """Versions of the packages a model file depends on (installed now).

    Examples
    --------
    >>> from sklearn_emnist.deploy._persistence import current_versions
    >>> sorted(current_versions())[:3]
    ['numpy', 'python', 'scikit-learn']
    """
    versions = {"sklearn_emnist": __version__, "python": platform.python_version()}
    for distribution, key in _PACKAGES.items():
        version = _installed_version(distribution)
        if version is not None:
            versions[key] = version
    return versions


def _release(version):
    """A version without its local build label (PEP 440's part after '+')."""
    return version.split("+", 1)[0]


def _version_mismatches(saved):
    now = current_versions()
    mismatches = []
    for key, version in sorted((saved or {}).items()):
        if key == "python":
            # pickles move between Python versions; compare major.minor only
            same = version.split(".")[:2] == now.get(key, "").split(".")[:2]
        else:
            # the same release built for CUDA or the CPU (2.13.0+cu126, 2.13.0+cpu)
            same = _release(version) == _release(now.get(key, ""))
        if not same:
            mismatches.append((key, version, now.get(key, "not installed")))
    return mismatches


def _warn_versions(saved, path, what="model file"):
    mismatches = _version_mismatches(saved)
    if mismatches:
        listing = ", ".join(f"{key} {old} (installed: {new})" for key, old, new in mismatches)
        warnings.warn(
            f"{path}: the {what} was written with {listing}. Predictions may differ or "
            "loading may fail; check the model on known data, then save it again with the "
            "installed versions (or move it with save_weights/load_weights).",
            ModelVersionWarning,
            stacklevel=3,
        )
    return mismatches


def _qualified_name(obj):
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _json_or_none(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return None
    return value


def _neural_parts(estimator):
    """The fitted networks in ``estimator``: itself, or the steps of a
    pipeline and the fitted estimators of a meta-estimator (a search's
    ``best_estimator_``, a wrapper's ``estimator_`` / ``estimators_``)."""
    if hasattr(estimator, "module_") and hasattr(estimator, "device"):
        return [estimator]
    parts = []
    children = [step for _, step, *_ in getattr(estimator, "steps", None) or []]
    children += [step for _, step, *_ in getattr(estimator, "transformer_list", None) or []]
    for name in ("best_estimator_", "estimator_"):
        children.append(getattr(estimator, name, None))
    children += list(getattr(estimator, "estimators_", None) or [])
    for child in children:
        if child is not None and not isinstance(child, str):
            parts += _neural_parts(child)
    return parts


def _describe(estimator, metadata):
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": _qualified_name(estimator),
        "versions": current_versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        classes = np.asarray(classes)
        header["classes"] = _json_or_none(classes.tolist())
        header["classes_dtype"] = classes.dtype.str
    networks = _neural_parts(estimator)
    devices = sorted({str(network.device) for network in networks if network.device is not None})
    if devices:
        header["device"] = devices[0] if len(devices) == 1 else devices
    quantized = [network.quantized_ for network in networks
                 if getattr(network, "quantized_", None) is not None]
    if quantized:
        header["quantized"] = _json_or_none(quantized[0])
    if metadata:
        try:
            header["metadata"] = json.loads(json.dumps(dict(metadata)))
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"metadata must be JSON-serialisable (str, numbers, lists, dicts): {exc}"
            ) from None
    return header


def save_model(estimator, path, *, metadata=None, compress=3):
    """Save a fitted model with a versioned header (joblib).

    Parameters
    ----------
    estimator : object
        Any fitted estimator or pipeline (neural ones included; quantized
        copies from :func:`quantize_dynamic` too).
    path : str or path-like
        File to write (conventionally ``*.skem`` or ``*.joblib``). Written
        to a temporary file of its own beside ``path`` and renamed, so
        neither a crash nor a second process saving to the same path leaves
        a half-written or mixed model under the final name.
    metadata : dict or None, default=None
        JSON-serialisable facts to keep beside the model (training split,
        command line, scores ...); returned in the header.
    compress : int, default=3
        joblib compression level (0: none).

    Returns
    -------
    path : str

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_emnist.deploy import save_model, load_model, read_model_header
    >>> model = DummyClassifier().fit([[0], [1]], ["a", "b"])
    >>> path = save_model(model, os.path.join(tempfile.mkdtemp(), "m.skem"),
    ...                   metadata={"split": "letters"})
    >>> header = read_model_header(path)
    >>> header["format_version"], header["estimator"], header["metadata"]
    (2, 'sklearn.dummy.DummyClassifier', {'split': 'letters'})
    >>> load_model(path).predict([[0]])
    array(['a'], dtype='<U1')
    """
    import joblib

    header = _describe(estimator, metadata)
    path = os.fspath(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(MAGIC)
            handle.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
            joblib.dump(estimator, handle, compress=compress)
    return path


def _read_header(handle, path):
    """Header of a format-2 file, the handle left at the pickle; None otherwise."""
    if handle.read(len(MAGIC)) != MAGIC:
        handle.seek(0)
        return None
    line = handle.readline(_HEADER_LIMIT)
    try:
        header = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: corrupt sklearn-emnist model header ({exc}).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path}: corrupt sklearn-emnist model header (not a {FORMAT} header).")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path}: model file format version {version!r} is newer than this sklearn-emnist "
            f"({__version__}) understands (up to {FORMAT_VERSION}); upgrade sklearn-emnist."
        )
    return header


def read_model_header(path):
    """The header of a model file, without unpickling the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    header : dict
        ``format``, ``format_version``, ``estimator``, ``versions``,
        ``created``, ``classes`` (when JSON-able), ``device``,
        ``metadata`` ... For files without a header (plain joblib pickles
        or the CLI's format 1) an empty dict.

    Examples
    --------
    >>> from sklearn_emnist.deploy import read_model_header
    >>> read_model_header("missing.skem")
    Traceback (most recent call last):
    ...
    FileNotFoundError: model file not found: missing.skem
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    with open(path, "rb") as handle:
        return _read_header(handle, path) or {}


def _check_looks_like_a_pickle(handle, path):
    """Refuse, before unpickling, a headerless file that is no pickle at all
    (a script, an image, an ONNX file given by mistake)."""
    start = handle.read(8)
    handle.seek(0)
    if start.startswith(_PICKLE_STARTS):
        return
    hint = ""
    if path.lower().endswith(".onnx") or start[:1] == b"\x08":  # ONNX: a protobuf
        hint = " An ONNX export loads with sklearn_emnist.deploy.load_onnx."
    raise ValueError(
        f"{path}: not a model file: it has neither the sklearn-emnist model header "
        f"(save_model) nor the start of a joblib or pickle file.{hint}"
    )


def _unpickle(handle, path, header):
    import joblib

    try:
        return joblib.load(handle)
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"{path}: the model needs the module {exc.name!r}, which is not installed "
            "(neural models need torch and skorch: pip install sklearn-emnist).",
            name=exc.name,
        ) from exc
    except Exception as exc:
        saved = (header or {}).get("versions")
        hint = ""
        if saved:
            differ = _version_mismatches(saved)
            if differ:
                hint = " It was written with " + ", ".join(
                    f"{key} {old} (installed: {new})" for key, old, new in differ
                ) + "; install those versions to load it."
        raise RuntimeError(
            f"{path}: cannot unpickle the model ({type(exc).__name__}: {exc}).{hint}"
        ) from exc


def _to_device(estimator, device):
    networks = _neural_parts(estimator)
    if not networks:
        raise TypeError(
            "device= applies to neural estimators (with module_), alone or inside a "
            f"pipeline or search; {type(estimator).__name__} holds none."
        )
    from ..neural._threads import resolve_device

    for network in networks:
        for name in ("module_", "criterion_"):
            part = getattr(network, name, None)
            if part is not None:
                part.to(resolve_device(device))
        network.device = device  # "auto" stays "auto": the estimators resolve it per call
    return estimator


def load_model(path, *, device=None, return_header=False):
    """Load a model saved by :func:`save_model` (or a plain joblib file).

    Parameters
    ----------
    path : str or path-like
        Only load files you trust: unpickling runs code.
    device : str or None, default=None
        For neural estimators, alone or inside a pipeline or a fitted search
        (``best_estimator_``): move every network to this device after
        loading (e.g. ``"cpu"`` on a GPU machine). Without it, a model
        trained on a GPU still loads on a CPU-only machine (its tensors are
        mapped to the CPU). A model without a network raises ``TypeError``.
    return_header : bool, default=False
        Also return the header dict (empty for files without one).

    Returns
    -------
    estimator : object
    header : dict
        Only with ``return_header=True``: see :func:`read_model_header`; the
        metadata given to :func:`save_model` is ``header["metadata"]`` (for
        the CLI's format 1 files: its ``target_names``, ``split`` ...). Empty
        for plain pickles.

    Warns
    -----
    ModelVersionWarning
        When the file was written with other versions of sklearn_emnist,
        scikit-learn, skorch, torch, numpy or another Python minor version.

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; corrupt header; a format newer than this package.
    ModuleNotFoundError, RuntimeError
        The pickle needs a package that is missing, or cannot be unpickled
        (the message names the version differences).

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn_emnist.deploy import save_model, load_model
    >>> path = save_model(DummyClassifier().fit([[0], [1]], [3, 4]),
    ...                   os.path.join(tempfile.mkdtemp(), "m.skem"))
    >>> model, header = load_model(path, return_header=True)
    >>> model.classes_, header["classes"]
    (array([3, 4]), [3, 4])
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    with open(path, "rb") as handle:
        header = _read_header(handle, path)
        if header is not None:
            _warn_versions(header.get("versions"), path)
        else:
            _check_looks_like_a_pickle(handle, path)
        payload = _unpickle(handle, path, header)
    if header is None:
        header = {}
        if isinstance(payload, dict) and payload.get("format") == FORMAT and "model" in payload:
            # format 1: the CLI's joblib dict {"format", "format_version", "model", ...}
            header = {key: payload[key] for key in ("format", "format_version", "versions",
                                                    "created") if key in payload}
            # the CLI's own keys (target_names, split, training) become the metadata
            header["metadata"] = {key: value for key, value in payload.items()
                                  if key not in header and key != "model"}
            if header.get("format_version", 1) > 1:
                raise ValueError(f"{path}: unknown model file layout {header['format_version']}.")
            _warn_versions(header.get("versions"), path)
            payload = payload["model"]
    if device is not None:
        _to_device(payload, device)
    return (payload, header) if return_header else payload


# ----------------------------------------------------------------------
# weights only: skorch save_params / load_params
# ----------------------------------------------------------------------
_PARAMS_FILE = "params.pt"
_HISTORY_FILE = "history.json"
_ESTIMATOR_FILE = "estimator.json"


def _encode_param(name, value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        encoded = [_encode_param(name, item) for item in value]
        return {"__tuple__": encoded} if isinstance(value, tuple) else encoded
    if isinstance(value, dict):
        return {"__dict__": [[_encode_param(name, k), _encode_param(name, v)]
                             for k, v in value.items()]}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biufU":
        # classes=np.unique(y) or np.arange(k): stored as the list it holds
        return [_encode_param(name, item) for item in value.tolist()]
    if isinstance(value, type) or (callable(value) and hasattr(value, "__qualname__")
                                   and "<" not in value.__qualname__):
        return {"__import__": f"{value.__module__}:{value.__qualname__}"}
    raise TypeError(
        f"parameter {name}={value!r} cannot be stored as JSON by save_weights; "
        "use save_model (a pickle) for this estimator, or set the parameter to an "
        "importable class / function."
    )


def _check_not_a_script(reference, where):
    """Refuse, before anything is imported, a module that is a script.

    Importing ``package.__main__`` runs what ``python -m package`` runs (for
    ``torch.utils.model_dump.__main__``: argparse on ``sys.argv``, then
    ``SystemExit``); a class or function is never defined there. The module
    path must also be dotted identifiers (no file paths or empty parts).
    Other modules of torch, skorch, scikit-learn and sklearn-emnist define
    things when imported rather than act: their only modules with top-level
    code that acts are ``__main__`` ones.

    A top-level ``__main__`` (``"__main__:MyNet"``, a network class defined in
    a script or a notebook) is not refused here: importing it only returns
    the running program's module, already loaded, and runs nothing; like any
    module outside the known packages it loads only when the caller trusts
    it (``trusted_modules=("__main__",)``).
    """
    module_name = reference.partition(":")[0]
    parts = module_name.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ValueError(f"{where}: {reference!r} does not name a module ('package.module:name').")
    if "__main__" in parts[1:]:
        raise ValueError(
            f"{where} names {reference!r}, in a package's __main__ module: a script, which "
            "load_weights does not import (importing it would run it)."
        )


def _import(reference, where="estimator.json"):
    """The object ``'module.path:qualified.name'`` names; ``where`` (the file
    and parameter) is named when the reference is a script or does not resolve."""
    _check_not_a_script(reference, where)
    module_name, _, qualname = reference.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        error = ModuleNotFoundError if isinstance(exc, ModuleNotFoundError) else ImportError
        raise error(f"{where} names {reference!r}, whose module cannot be imported: {exc}",
                    name=exc.name) from exc
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(
                f"{where} names {reference!r}, but {module_name} has no {qualname!r} "
                f"(no attribute {part!r}); the folder was written by another version or "
                "edited by hand."
            ) from None
    return obj


# What a weights folder may name. Classes: of torch, skorch, scikit-learn or
# sklearn-emnist, defined there (not a name reached through them, such as
# "torch.utils.cpp_extension:subprocess.Popen"), and of the kinds the
# estimators' parameters take (network, loss, optimizer, data, callback).
# Functions: only an augmentation of sklearn-emnist, as ``augment``. Anything
# else would let a shared estimator.json run code: "subprocess:getoutput" as
# the module, or "sklearn_emnist.deploy:load_model", are called by initialize().
_CLASS_PACKAGES = ("torch", "skorch", "sklearn", "sklearn_emnist")
_FUNCTION_PACKAGES = ("sklearn_emnist.augmentation",)
_FUNCTION_PARAMETERS = ("augment",)


def _within(module_name, packages):
    return any(module_name == name or module_name.startswith(name + ".") for name in packages)


def _parameter_classes():
    """The kinds of class the estimators' parameters take."""
    import torch
    from skorch.callbacks import Callback

    from ..neural._data import BatchIterator

    return (torch.nn.Module, torch.optim.Optimizer, torch.optim.lr_scheduler.LRScheduler,
            torch.utils.data.Dataset, torch.utils.data.DataLoader, Callback, BatchIterator)


def _import_trusted(reference, trusted_modules, where, *, functions=False):
    """``_import(reference)`` when the folder may name it (see above), or when
    its module is one the caller trusts; anything else raises, before the
    module is imported when it lies outside the known packages."""
    if not isinstance(reference, str) or ":" not in reference:
        raise ValueError(f"{where}: {reference!r} is not a 'module:name' reference.")
    module_name = reference.partition(":")[0]
    hint = f"If you trust this folder, pass trusted_modules=({module_name!r},)."
    _check_not_a_script(reference, where)  # before anything is imported, trusted or not
    if _within(module_name, trusted_modules):
        return _import(reference, where)
    if not _within(module_name, _CLASS_PACKAGES):
        raise ValueError(
            f"{where} names {reference!r}, code outside torch, skorch, scikit-learn and "
            f"sklearn-emnist, which load_weights does not import from a folder. {hint}"
        )
    obj = _import(reference, where)
    home = getattr(obj, "__module__", None) or ""
    if isinstance(obj, type):
        if _within(home, _CLASS_PACKAGES) and issubclass(obj, _parameter_classes()):
            return obj
        what = f"a class defined in {home!r}"
    elif functions and _within(home, _FUNCTION_PACKAGES) and isinstance(obj, types.FunctionType):
        return obj
    else:
        what = f"a function (of {home!r}), not a class"
    raise ValueError(
        f"{where} names {reference!r}, {what}; load_weights imports only the network, loss, "
        "optimizer, data and callback classes of torch, skorch, scikit-learn and "
        f"sklearn-emnist, and augmentations of sklearn-emnist as augment. {hint}"
    )


def _decode_param(value, trusted_modules=(), where="estimator.json", functions=False):
    def decode(item):
        return _decode_param(item, trusted_modules, where, functions)

    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(item) for item in value["__tuple__"])
        if "__dict__" in value:
            return {decode(k): decode(v) for k, v in value["__dict__"]}
        if "__import__" in value:
            return _import_trusted(value["__import__"], trusted_modules, where,
                                   functions=functions)
    return value


# parameters that only matter for the first fit and must not run again, and
# how params.pt is read: tensors only, whatever the folder says
_RESET_ON_LOAD = {"init_from": None, "warm_start": False,
                  "torch_load_kwargs": {"weights_only": True}}


def _is_callback_sink(name):
    """Whether ``name`` is a callback's ``sink`` (``callbacks__print_log__sink``).

    A skorch callback's ``sink`` (PrintLog, EarlyStopping, Checkpoint ...) is
    where it prints: output of the process that set it, not part of the model.
    save_weights does not store it and load_weights skips it, so the rebuilt
    callbacks print with their defaults. Stored, it would tie the folder to
    the writer's code: the command line's ``train`` sets
    ``sklearn_emnist._cli._models:print_to_stderr``, a function load_weights
    rightly does not import, and a sink such as ``logger.info`` cannot be
    named at all.
    """
    parts = name.split("__")
    return len(parts) == 3 and parts[0] == "callbacks" and parts[2] == "sink"


def save_weights(estimator, folder):
    """Save a fitted neural classifier as weights + JSON (skorch ``save_params``).

    No pickle is involved: ``params.pt`` holds tensors only (loaded with
    ``torch.load(weights_only=True)``), ``history.json`` the training
    history and ``estimator.json`` the class, the constructor parameters,
    ``classes_`` and the package versions. Safer to share and more durable
    across versions than :func:`save_model`: :func:`load_weights` imports
    only the network, loss, optimizer, data and callback classes the
    parameters name, defined in torch, skorch, scikit-learn or sklearn-emnist,
    and sklearn-emnist's augmentations as ``augment``; a class or function
    of your own module needs
    ``load_weights(folder, trusted_modules=("your_module",))``.

    Where the callbacks print (a ``callbacks__<name>__sink`` parameter, such
    as the command line's epoch table on stderr) is not stored: it is output
    of the process that set it, not part of the model; the rebuilt
    estimator's callbacks print with their defaults.

    Parameters
    ----------
    estimator : CharCNNClassifier or LSTMRowClassifier
        Fitted, not quantized. For a pipeline pass ``pipe[-1]`` (the other
        steps are not saved), for a search ``search.best_estimator_``.
    folder : str or path-like
        Created if needed (with its missing parents). The three files are
        written to temporary names in it and renamed only once all are
        complete: a failure (disk full, Ctrl-C) leaves the folder's previous
        files intact and no temporary file, and removes the folders the call
        created. A file replaced keeps its permissions.

    Returns
    -------
    folder : str

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn_emnist import CharCNNClassifier
    >>> from sklearn_emnist.deploy import save_weights, load_weights
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, ["x", "y"] * 20)
    >>> folder = save_weights(clf, tempfile.mkdtemp())
    >>> clone = load_weights(folder)
    >>> bool((clone.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    from ._onnx import _check_fitted_estimator

    if getattr(estimator, "quantized_", None) is not None:
        raise ValueError("save_weights stores float networks; save a quantized copy with "
                         "save_model, or save the float estimator and quantize after loading.")
    _check_fitted_estimator(estimator, "save_weights")
    params = {name: value for name, value in estimator.get_params(deep=False).items()
              if not name.startswith("_") and not _is_callback_sink(name)}
    built_with = getattr(estimator, "_network_params_", None)
    if built_with is not None:
        # the parameters the network was built from, where set_params changed
        # them since (they take effect at the next fit)
        params = {name: value for name, value in params.items()
                  if not name.startswith("module__")}
        params.update(built_with)
    for name in _RESET_ON_LOAD:
        params.pop(name, None)
    encoded = {name: _encode_param(name, value) for name, value in params.items()}
    classes = np.asarray(estimator.classes_)
    description = {
        "format": WEIGHTS_FORMAT,
        "format_version": WEIGHTS_FORMAT_VERSION,
        "estimator": f"{type(estimator).__module__}:{type(estimator).__qualname__}",
        "params": encoded,
        "classes": _encode_param("classes_", classes.tolist()),
        "classes_dtype": classes.dtype.str,
        "versions": current_versions(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    text = json.dumps(description, indent=2, sort_keys=True) + "\n"
    folder = os.fspath(folder)
    created = _missing_folders(folder)
    os.makedirs(folder, exist_ok=True)
    try:
        _write_weights(estimator, folder, text)
    except BaseException:
        # nothing of the folders this call made is left behind, the innermost first
        for made in created:
            try:
                os.rmdir(made)
            except OSError:  # no longer empty (another writer) or already gone
                break
        raise
    return folder


def _missing_folders(folder):
    """The folders ``os.makedirs(folder)`` would create, innermost first."""
    missing = []
    path = os.path.abspath(folder)
    while not os.path.isdir(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _write_weights(estimator, folder, description_text):
    """Write the three files of a weights folder, all or none.

    Each is written to a temporary name of its own in ``folder`` (see
    ``atomic_target``) and renamed only once all three are complete: a
    failure while writing (disk full, Ctrl-C) removes the temporary files and
    leaves the folder's previous files as they were, never old and new files
    mixed (which would no longer load together). Only a failure of one of
    the three renames themselves, after all is written, could leave them
    mixed. A file replaced keeps its permissions (a group-writable folder
    stays group-writable); a new one gets the umask's.
    """
    with ExitStack() as stack:
        # entered in this order, renamed in the reverse one: estimator.json last
        tmp = {name: stack.enter_context(atomic_target(os.path.join(folder, name)))
               for name in (_ESTIMATOR_FILE, _HISTORY_FILE, _PARAMS_FILE)}
        estimator.save_params(f_params=tmp[_PARAMS_FILE], f_history=tmp[_HISTORY_FILE])
        with open(tmp[_ESTIMATOR_FILE], "w", encoding="utf-8") as handle:
            handle.write(description_text)
        for name, path in tmp.items():
            try:
                mode = os.stat(os.path.join(folder, name)).st_mode & 0o7777
            except OSError:  # a new file: the umask's permissions, as open() gave it
                continue
            os.chmod(path, mode)


def _estimator_class(reference, trusted_modules, description_path):
    """The estimator class a weights folder names: a neural classifier of
    sklearn-emnist (or a subclass in a trusted module)."""
    from ..neural._base import NeuralImageClassifier

    if not isinstance(reference, str) or ":" not in reference:
        raise ValueError(f"{description_path}: estimator {reference!r} is not a 'module:name' "
                         "reference.")
    module_name = reference.partition(":")[0]
    cls = None
    if _within(module_name, ("sklearn_emnist", *trusted_modules)):
        cls = _import(reference, f"{description_path}: estimator")
        home = getattr(cls, "__module__", None) or ""
        if not _within(home, ("sklearn_emnist", *trusted_modules)):
            cls = None
    if not (isinstance(cls, type) and issubclass(cls, NeuralImageClassifier)):
        raise ValueError(
            f"{description_path}: estimator {reference!r} is not a neural classifier of "
            "sklearn-emnist (CharCNNClassifier, LSTMRowClassifier, or a subclass in a module "
            "given as trusted_modules)."
        )
    return cls


def _check_trusted_modules(trusted_modules):
    if isinstance(trusted_modules, str):
        trusted_modules = (trusted_modules,)
    trusted_modules = tuple(trusted_modules)
    if not all(isinstance(name, str) and name for name in trusted_modules):
        raise TypeError(f"trusted_modules must be module names (str); got {trusted_modules!r}.")
    return trusted_modules


def load_weights(folder, *, device="cpu", trusted_modules=()):
    """Rebuild a neural classifier saved by :func:`save_weights`.

    The skorch route, step by step: build the estimator from the stored
    parameters, give it its classes, ``initialize()``, then
    ``load_params(f_params=..., f_history=...)``.

    Parameters
    ----------
    folder : str or path-like
    device : str, default="cpu"
        Device of the rebuilt network (``"auto"``: CUDA when available).
    trusted_modules : str or sequence of str, default=()
        Modules (and their submodules) whose classes and functions the
        folder may name, beyond the network, loss, optimizer, data and
        callback classes defined in torch, skorch, scikit-learn and
        sklearn-emnist and sklearn-emnist's augmentations (as ``augment``).
        Without it any other reference is refused, judged by where the object
        is defined: a folder from elsewhere could otherwise name any function
        (say ``subprocess:getoutput``, or a loader that unpickles, as the
        module), which ``initialize()`` calls. A package's ``__main__``
        module (``package.__main__``, a script that importing would run) is
        refused before anything is imported, trusted or not; a class defined
        in your running script or notebook (``"__main__:MyNet"``) loads with
        ``trusted_modules=("__main__",)``. The check narrows what a folder can run; it is no
        sandbox: the classes a folder names are built, callbacks included
        (a skorch ``Checkpoint`` named there creates its directory when the
        estimator is initialized). Load folders from sources you trust.

    Returns
    -------
    estimator : CharCNNClassifier or LSTMRowClassifier
        Ready to predict; ``classes_`` and ``history_`` restored.

    Raises
    ------
    ValueError
        When ``estimator.json`` names an estimator that is not a neural
        classifier of sklearn-emnist, a reference outside the packages
        above and ``trusted_modules``, a script (``package.__main__``) or a name its
        module does not have (the message names the file and the
        parameter). ``params.pt`` is always read with ``weights_only=True``,
        whatever the folder's parameters say. A callback's ``sink`` in the
        folder is skipped, never imported.

    Warns
    -----
    ModelVersionWarning
        When the files were written with other package versions.

    See Also
    --------
    save_weights : Write the folder this function reads.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn_emnist import CharCNNClassifier
    >>> from sklearn_emnist.deploy import save_weights, load_weights
    >>> X = np.random.default_rng(0).integers(0, 256, size=(40, 784), dtype=np.uint8)
    >>> clf = CharCNNClassifier(architecture="seed", max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, ["x", "y"] * 20)
    >>> restored = load_weights(save_weights(clf, tempfile.mkdtemp()))
    >>> restored.classes_
    array(['x', 'y'], dtype='<U1')
    """
    folder = os.fspath(folder)
    description_path = os.path.join(folder, _ESTIMATOR_FILE)
    if not os.path.exists(description_path):
        raise FileNotFoundError(
            f"{folder} holds no {_ESTIMATOR_FILE}; write the folder with "
            "sklearn_emnist.deploy.save_weights(estimator, folder)."
        )
    with open(description_path, encoding="utf-8") as handle:
        description = json.load(handle)
    if description.get("format") != WEIGHTS_FORMAT:
        raise ValueError(f"{description_path}: not a {WEIGHTS_FORMAT} description.")
    if description.get("format_version", 0) > WEIGHTS_FORMAT_VERSION:
        raise ValueError(
            f"{description_path}: format version {description['format_version']} is newer than "
            f"this sklearn-emnist understands ({WEIGHTS_FORMAT_VERSION}); upgrade sklearn-emnist."
        )
    _warn_versions(description.get("versions"), folder, what="weights folder")
    trusted_modules = _check_trusted_modules(trusted_modules)
    cls = _estimator_class(description.get("estimator"), trusted_modules, description_path)
    # a callback's sink (where it prints) is never imported: folders written
    # before save_weights left it out name the command line's own printer
    params = {name: _decode_param(value, trusted_modules, f"{description_path}: parameter {name}",
                                  functions=name in _FUNCTION_PARAMETERS)
              for name, value in description["params"].items() if not _is_callback_sink(name)}
    params.update(_RESET_ON_LOAD)
    params["device"] = device  # initialize() resolves "auto"
    estimator = cls(**params)
    classes = np.asarray(_decode_param(description["classes"]),
                         dtype=description.get("classes_dtype"))
    if estimator.classes is None:
        # what fit would have inferred from y: the output layer needs its size
        estimator.classes_inferred_ = classes
    estimator.n_features_in_ = 784
    estimator.initialize()
    estimator.load_params(f_params=os.path.join(folder, _PARAMS_FILE),
                          f_history=os.path.join(folder, _HISTORY_FILE))
    estimator.module_.eval()
    return estimator
