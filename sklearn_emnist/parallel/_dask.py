"""Running scikit-learn searches on a Dask cluster through joblib."""

import os
import socket
import uuid
import warnings
from contextlib import ExitStack, contextmanager

from ._threads import _check_n_threads, limit_threads

__all__ = ["dask_backend", "worker_scratch_dir"]

# Tells this process from every other, a forked child included (with the pid).
_PROCESS_TOKEN = uuid.uuid4().hex

_IN_PROCESS_WORKERS = (
    "dask_backend: the cluster's workers run in this process (a "
    "LocalCluster(processes=False)), so its fits run in threads of this process, as "
    "with joblib's 'threading' backend. They share torch's random number generator "
    "and thread count, which are process-wide: the neural estimators' results are "
    "not reproducible even with random_state set, and the caller's torch random "
    "state changes. For reproducible parallel fits use worker processes "
    "(LocalCluster(processes=True), the default). Inside the block this process runs "
    "with n_threads={n_threads} thread(s); its own thread settings come back when the "
    "block exits."
)


def _process_identity():
    """``(pid, token)`` of the process this runs in (a Dask worker's, via ``client.run``)."""
    return os.getpid(), _PROCESS_TOKEN


def _has_in_process_workers(client):
    """Whether any worker of ``client``'s cluster runs in this very process."""
    here = _process_identity()
    return any(tuple(identity) == here
               for identity in client.run(_process_identity).values())


def _require_distributed():
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Running on a Dask cluster needs dask.distributed. Install it with "
            "`pip install 'sklearn-emnist[dask]'` (or `pip install dask distributed`)."
        ) from exc
    return distributed


@contextmanager
def dask_backend(client=None, *, n_threads=1, tune_malloc=True, **backend_options):
    """Run joblib-parallel work (``GridSearchCV(n_jobs=-1)``, ...) on a Dask cluster.

    Equivalent to ``with joblib.parallel_backend("dask"):`` after registering
    :class:`~sklearn_emnist.parallel.TorchWorkerPlugin` on the cluster, so
    that every worker process runs torch and BLAS with ``n_threads`` threads
    and an allocator set up for training. The code is the same for a
    :class:`distributed.LocalCluster` and for a cluster of many machines: only
    the ``Client`` changes (``Client("tcp://scheduler:8786")``).

    Workers in the client's own process (``LocalCluster(processes=False)``)
    are threads of this process, and torch's random number generator and
    thread count are process-wide: there the neural estimators' fits are not
    reproducible, as under joblib's ``threading`` backend, and
    ``dask_backend`` warns. The plugin then leaves those workers alone, as
    its settings would be this process's for good; instead the block runs
    with ``n_threads`` threads (:func:`~sklearn_emnist.parallel.limit_threads`)
    and this process's thread settings (environment variables, torch's
    thread count, BLAS pools) come back when it exits. The allocator stays
    as the estimators set it at their first fit in any process.

    Parameters
    ----------
    client : distributed.Client, default=None
        The cluster to use. ``None`` uses the current default client (the last
        one created in this process).
    n_threads : int, default=1
        Torch / BLAS threads per worker process.
    tune_malloc : bool, default=True
        Raise glibc's ``mmap`` / trim thresholds in the workers (see
        :func:`~sklearn_emnist.parallel.tune_malloc`); about 2x faster torch
        training under Dask's default worker environment.
    **backend_options
        Passed to ``joblib.parallel_backend("dask", ...)``, e.g.
        ``scatter=[X, y]`` to send the training data to the workers once.

    Yields
    ------
    client : distributed.Client
        The client in use.

    Examples
    --------
    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> from sklearn.model_selection import GridSearchCV  # doctest: +SKIP
    >>> from sklearn_emnist.parallel import dask_backend  # doctest: +SKIP
    >>> cluster = LocalCluster(n_workers=2, threads_per_worker=1)  # doctest: +SKIP
    >>> with Client(cluster) as client, dask_backend(client):  # doctest: +SKIP
    ...     search = GridSearchCV(model, grid, n_jobs=-1).fit(X, y)
    """
    distributed = _require_distributed()
    import joblib

    n_threads = _check_n_threads(n_threads)
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError as exc:
            raise ValueError(
                "dask_backend found no Dask client. Create one first, e.g. "
                "`client = distributed.Client(distributed.LocalCluster())` or "
                "`Client('tcp://scheduler-host:8786')`, and pass it as client=."
            ) from exc
    from ._dask_plugin import TorchWorkerPlugin

    client.register_plugin(TorchWorkerPlugin(n_threads, tune_malloc=tune_malloc))
    with ExitStack() as stack:
        if _has_in_process_workers(client):
            warnings.warn(_IN_PROCESS_WORKERS.format(n_threads=n_threads), UserWarning,
                          stacklevel=3)
            stack.enter_context(limit_threads(n_threads))
        stack.enter_context(joblib.parallel_backend("dask", client=client, **backend_options))
        yield client


def worker_scratch_dir(base=None, *, prefix="sklearn-emnist"):
    """Create a directory no other process or fit will write to.

    Checkpoint files (skorch's ``Checkpoint``, ``TrainEndCheckpoint``) default
    to fixed names in the current directory, so parallel fits of a search
    overwrite each other's files. Call this inside the fit (on the worker) to
    get a fresh directory named after the host, the process and a random
    suffix.

    Parameters
    ----------
    base : str or path-like, default=None
        Parent folder (created if missing); ``None`` uses the system's
        temporary folder. On a multi-machine cluster a shared file system path
        keeps the checkpoints reachable from the client.
    prefix : str, default="sklearn-emnist"
        Start of the directory name.

    Returns
    -------
    path : str
        The new, empty directory.

    Examples
    --------
    >>> import os
    >>> from sklearn_emnist.parallel import worker_scratch_dir
    >>> a, b = worker_scratch_dir(), worker_scratch_dir()
    >>> a != b and os.path.isdir(a) and os.listdir(a) == []
    True
    >>> os.rmdir(a), os.rmdir(b)
    (None, None)
    """
    import tempfile

    base = tempfile.gettempdir() if base is None else os.fspath(base)
    os.makedirs(base, exist_ok=True)
    host = socket.gethostname().split(".")[0] or "host"
    name = f"{prefix}-{host}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    path = os.path.join(base, name)
    os.makedirs(path)
    return path
