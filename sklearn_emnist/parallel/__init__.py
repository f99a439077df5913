"""Scale-out helpers: thread limits per worker and searches on a Dask cluster.

``sklearn_emnist.parallel`` does not import dask, distributed, torch or skorch
until a helper that needs them is used.
"""

from ._threads import limit_threads, set_worker_threads

__all__ = [
    "PerFitCheckpoint",
    "WorkerThreadsPlugin",
    "dask_backend",
    "limit_threads",
    "set_worker_threads",
    "worker_scratch_dir",
]


def __getattr__(name):
    if name == "PerFitCheckpoint":
        from ._checkpoint import PerFitCheckpoint

        return PerFitCheckpoint
    if name == "WorkerThreadsPlugin":
        from ._dask_plugin import WorkerThreadsPlugin

        return WorkerThreadsPlugin
    if name in ("dask_backend", "worker_scratch_dir"):
        from . import _dask

        return getattr(_dask, name)
    raise AttributeError(f"module 'sklearn_emnist.parallel' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
