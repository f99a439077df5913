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

from contextlib import contextmanager

import torch

from ..parallel._threads import effective_n_threads

__all__ = ["effective_n_threads", "resolve_device", "torch_threads"]


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
