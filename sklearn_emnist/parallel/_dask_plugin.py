"""The Dask worker plugin (imports distributed; loaded only when used)."""

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "WorkerThreadsPlugin needs dask.distributed. Install it with "
        "`pip install 'sklearn-emnist[dask]'` (or `pip install dask distributed`)."
    ) from exc

from ._threads import _check_n_threads, set_worker_threads

__all__ = ["WorkerThreadsPlugin"]


class WorkerThreadsPlugin(WorkerPlugin):
    """A Dask worker plugin that limits each worker's torch / BLAS threads.

    Dask starts worker processes without the thread limits that joblib's own
    ``loky`` backend applies, so each worker's torch would use every core of the
    machine and ``n_workers`` of them oversubscribe it (the search runs several
    times slower). Register this plugin once per cluster; it runs
    :func:`~sklearn_emnist.parallel.set_worker_threads` on every worker,
    including workers that join later (adaptive or multi-machine clusters).
    :func:`~sklearn_emnist.parallel.dask_backend` registers it for you.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per worker process. Keep 1 with ``threads_per_worker=1``; with
        ``threads_per_worker=t`` the ``t`` tasks of a worker share the process,
        so 1 is still the safe choice.

    Attributes
    ----------
    name : str
        The plugin's name on the cluster; registering it again with the same
        ``n_threads`` replaces it instead of adding a second copy.

    Examples
    --------
    >>> from sklearn_emnist.parallel import WorkerThreadsPlugin
    >>> plugin = WorkerThreadsPlugin(n_threads=1)
    >>> plugin
    WorkerThreadsPlugin(n_threads=1)
    >>> plugin.name
    'sklearn-emnist-threads'
    """

    idempotent = False

    def __init__(self, n_threads=1):
        self.n_threads = _check_n_threads(n_threads)
        self.name = "sklearn-emnist-threads"

    def setup(self, worker):
        """Apply the thread limit in the worker process (called by Dask).

        Parameters
        ----------
        worker : distributed.Worker
            The worker being set up.
        """
        set_worker_threads(self.n_threads)

    def __repr__(self):
        return f"WorkerThreadsPlugin(n_threads={self.n_threads})"
