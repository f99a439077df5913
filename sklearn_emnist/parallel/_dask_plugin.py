"""The Dask worker plugin (imports distributed; loaded only when used)."""

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "TorchWorkerPlugin needs dask.distributed. Install it with "
        "`pip install 'sklearn-emnist[dask]'` (or `pip install dask distributed`)."
    ) from exc

from ._dask import _process_identity
from ._malloc import tune_malloc
from ._threads import _check_n_threads, set_worker_threads

__all__ = ["TorchWorkerPlugin"]


class TorchWorkerPlugin(WorkerPlugin):
    """A Dask worker plugin that sets each worker process up for torch training.

    On every worker, including workers that join later (adaptive or
    multi-machine clusters), it

    - limits torch / OpenMP / BLAS threads with
      :func:`~sklearn_emnist.parallel.set_worker_threads`: Dask does not apply
      the limits joblib's own ``loky`` backend does, so each worker's torch
      could use every core and ``n_workers`` of them oversubscribe the machine;
    - raises glibc's ``mmap`` / trim thresholds with
      :func:`~sklearn_emnist.parallel.tune_malloc`: Dask's default
      ``MALLOC_TRIM_THRESHOLD_`` makes torch training about 2x slower in a
      worker than in a plain process.

    :func:`~sklearn_emnist.parallel.dask_backend` registers it for you.

    Workers that run in the process that created the plugin
    (``LocalCluster(processes=False)``) are left alone: they are threads of
    that process, and the settings, which are process-wide and cannot be
    undone from a plugin, would stay in force there after the work is done.
    :func:`~sklearn_emnist.parallel.dask_backend` limits that process's
    threads for its block instead, and restores them on exit.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per worker process. Keep 1 with ``threads_per_worker=1``; with
        ``threads_per_worker=t`` the ``t`` tasks of a worker share the process,
        so 1 is still the safe choice. torch's and OpenMP's limits are kept
        per thread: registering the plugin again with another ``n_threads``
        sets the environment of running workers, which this package's
        estimators read at every fit, but plain torch code in their task
        threads keeps the first limit; restart the workers
        (``client.restart()``) to change it everywhere.
    tune_malloc : bool, default=True
        Apply :func:`~sklearn_emnist.parallel.tune_malloc` with its defaults.

    Attributes
    ----------
    name : str
        The plugin's name on the cluster; registering it again with the same
        ``n_threads`` replaces it instead of adding a second copy.

    Examples
    --------
    >>> from sklearn_emnist.parallel import TorchWorkerPlugin
    >>> plugin = TorchWorkerPlugin(n_threads=1)
    >>> plugin
    TorchWorkerPlugin(n_threads=1, tune_malloc=True)
    >>> plugin.name
    'sklearn-emnist-torch-worker'
    """

    idempotent = False

    def __init__(self, n_threads=1, tune_malloc=True):
        self.n_threads = _check_n_threads(n_threads)
        self.tune_malloc = bool(tune_malloc)
        self.name = "sklearn-emnist-torch-worker"
        # the process that registers it: its own in-process workers are left alone
        self._origin = _process_identity()

    def setup(self, worker):
        """Apply the settings in the worker process (called by Dask).

        Parameters
        ----------
        worker : distributed.Worker
            The worker being set up.
        """
        if getattr(self, "_origin", None) == _process_identity():
            return  # a worker in the client's own process: see the class docstring
        set_worker_threads(self.n_threads)
        if self.tune_malloc:
            tune_malloc()

    def __repr__(self):
        return f"TorchWorkerPlugin(n_threads={self.n_threads}, tune_malloc={self.tune_malloc})"
