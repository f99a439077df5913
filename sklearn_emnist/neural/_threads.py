"""Thread and device settings for torch inside ``fit`` and ``predict``.

``torch`` uses one intra-op thread per core by default. Under joblib (for
example ``GridSearchCV(n_jobs=2)``) every worker process would then start as
many threads as the machine has cores, and the workers fight over the CPU.
joblib's process backends export ``OMP_NUM_THREADS = cores // n_jobs`` to their
workers; :func:`effective_n_threads` reads it, so each worker trains with its
share of the cores. The thread count is set only for the duration of a call
and restored afterwards (:func:`torch_threads`), so a user's own setting is
never clobbered.
"""

import os
from contextlib import contextmanager

import joblib
import torch

__all__ = ["effective_n_threads", "resolve_device", "torch_threads"]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


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
    >>> from sklearn_emnist.neural._threads import effective_n_threads
    >>> effective_n_threads(1)
    1
    >>> effective_n_threads(-1) >= 1
    True
    """
    cores = joblib.cpu_count()
    if n_threads is None:
        for var in _THREAD_VARS:
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


@contextmanager
def torch_threads(n_threads):
    """Set ``torch.set_num_threads(n_threads)`` inside the block, restore after.

    Examples
    --------
    >>> import torch
    >>> from sklearn_emnist.neural._threads import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    old = torch.get_num_threads()
    if n_threads != old:
        torch.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)


def resolve_device(device):
    """A concrete torch device string: ``"auto"`` becomes cuda when present.

    Examples
    --------
    >>> from sklearn_emnist.neural._threads import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in ("cpu", "cuda")
    True
    """
    if device is None:
        return "cpu"
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
