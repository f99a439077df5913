"""Scale-out helpers: worker set-up for torch and searches on a Dask cluster.

``sklearn_emnist.parallel`` does not import dask, distributed, torch or skorch
until a helper that needs them is used.
"""

from ._malloc import tune_malloc
from ._threads import limit_threads, set_worker_threads

__all__ = [
    "PerFitCheckpoint",
    "TorchWorkerPlugin",
    "dask_backend",
    "limit_threads",
    "set_worker_threads",
    "tune_malloc",
    "worker_scratch_dir",
]


def __getattr__(name):
    if name == "PerFitCheckpoint":
        from ._checkpoint import PerFitCheckpoint

        return PerFitCheckpoint
    if name == "TorchWorkerPlugin":
        from ._dask_plugin import TorchWorkerPlugin

        return TorchWorkerPlugin
    if name in ("dask_backend", "worker_scratch_dir"):
        from . import _dask

        return getattr(_dask, name)
    raise AttributeError(f"module 'sklearn_emnist.parallel' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
