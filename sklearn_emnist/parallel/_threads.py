"""Thread limits for worker processes (torch, OpenMP and BLAS pools)."""

import os
import sys
from contextlib import contextmanager
from numbers import Integral

__all__ = ["limit_threads", "set_worker_threads"]

# Read by OpenMP, MKL, OpenBLAS, BLIS, Accelerate and numexpr when they start;
# torch reads OMP_NUM_THREADS / MKL_NUM_THREADS when it is first imported.
_THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def _check_n_threads(n_threads):
    if isinstance(n_threads, bool) or not isinstance(n_threads, Integral) or n_threads < 1:
        raise ValueError(
            f"n_threads must be a positive integer (threads per worker process), "
            f"got {n_threads!r}. Use 1 when each worker process has one core."
        )
    return int(n_threads)


def effective_n_threads(n_threads=None):
    """Number of torch threads a fit or predict call should use.

    Parameters
    ----------
    n_threads : int or None, default=None
        ``None`` means: the limit that a parallel parent (joblib) exported in
        ``OMP_NUM_THREADS`` when there is one, otherwise the cores this process
        may use (``joblib.cpu_count()``, which honours CPU affinity and
        cgroup quotas). A positive int is used as is; a negative int counts
        from the number of cores (``-1``: all cores, ``-2``: all but one).

    Returns
    -------
    n : int
        At least 1.

    Examples
    --------
    >>> from sklearn_emnist.parallel._threads import effective_n_threads
    >>> effective_n_threads(1)
    1
    >>> effective_n_threads(-1) >= 1
    True
    """
    import joblib

    cores = joblib.cpu_count()
    if n_threads is None:
        for var in _THREAD_ENV_VARS[:3]:  # OMP, MKL, OpenBLAS
            value = os.environ.get(var, "")
            if value.strip().isdigit() and int(value) > 0:
                return min(int(value), cores)
        return max(cores, 1)
    n_threads = int(n_threads)
    if n_threads == 0:
        raise ValueError("n_threads must be a positive or negative int or None, got 0.")
    if n_threads < 0:
        return max(cores + 1 + n_threads, 1)
    return n_threads


def set_worker_threads(n_threads=1):
    """Limit this process's compute threads: torch, OpenMP and BLAS pools.

    Call it at the start of a worker process (a Dask worker, a joblib worker)
    so that ``n_workers`` processes each running ``n_threads`` threads do not
    oversubscribe the machine's cores. It sets the thread environment variables
    (read by libraries imported later, torch included), limits the BLAS /
    OpenMP pools already loaded (``threadpoolctl``) and, if torch is already
    imported, calls ``torch.set_num_threads``. It never imports torch itself,
    so it costs nothing in a process that only runs classical models.

    :class:`~sklearn_emnist.parallel.TorchWorkerPlugin` calls it on every
    worker of a Dask cluster, including workers that join later.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per process. ``1`` is right when each worker process has one
        core of its own (the usual Dask set-up ``threads_per_worker=1``).

    Returns
    -------
    previous : dict
        The previous settings: ``"env"`` (the environment variables, ``None``
        where unset) and ``"torch"`` (torch's thread count, or ``None`` if torch
        was not imported). :func:`limit_threads` uses it to restore them.

    Examples
    --------
    >>> from sklearn_emnist.parallel import set_worker_threads
    >>> previous = set_worker_threads(1)
    >>> import os
    >>> os.environ["OMP_NUM_THREADS"]
    '1'
    >>> sorted(previous)
    ['env', 'torch']
    """
    n_threads = _check_n_threads(n_threads)
    previous = {
        "env": {name: os.environ.get(name) for name in _THREAD_ENV_VARS},
        "torch": None,
    }
    for name in _THREAD_ENV_VARS:
        os.environ[name] = str(n_threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n_threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        previous["torch"] = torch.get_num_threads()
        torch.set_num_threads(n_threads)
    return previous


def _restore(previous):
    for name, value in previous["env"].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    torch = sys.modules.get("torch")
    if torch is not None:
        # torch first imported inside the block took the limit as its default:
        # give it the count it takes in this process outside the block
        count = previous["torch"]
        torch.set_num_threads(effective_n_threads(None) if count is None else count)


@contextmanager
def limit_threads(n_threads=1):
    """Context manager: :func:`set_worker_threads` for a block, then restore.

    The BLAS / OpenMP pools are limited with ``threadpoolctl`` for the block
    only; the environment variables and torch's thread count are put back on
    exit.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per process inside the block.

    Yields
    ------
    n_threads : int
        The limit in force.

    Examples
    --------
    >>> import os
    >>> from sklearn_emnist.parallel import limit_threads
    >>> with limit_threads(1):
    ...     os.environ["OPENBLAS_NUM_THREADS"]
    '1'
    """
    n_threads = _check_n_threads(n_threads)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads):
        previous = set_worker_threads(n_threads)
        try:
            yield n_threads
        finally:
            _restore(previous)
