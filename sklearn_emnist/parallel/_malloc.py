"""glibc allocator settings that keep torch's CPU training fast.

The neural estimators apply them once per process (unless the allocator was
chosen elsewhere); :class:`~sklearn_emnist.parallel.TorchWorkerPlugin` applies
them in Dask workers, whose nanny sets its own.
"""

import ctypes
import ctypes.util
import functools
import os
import sys
from numbers import Integral

__all__ = ["tune_malloc"]

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MIB = 1 << 20
# The last settings applied in this process (None: never tuned here).
_APPLIED = None


@functools.cache  # find_library runs ldconfig; the estimators ask at every fit and predict
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") else None
    except OSError:
        return None


# glibc refuses an mmap threshold above HEAP_MAX / 2 (32 MiB on 64-bit systems)
# and takes the trim threshold as a C int
_MAX_MMAP_THRESHOLD = 32 * _MIB
_MAX_TRIM_THRESHOLD = 2**31 - 1


def _check_bytes(value, name, maximum):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of bytes, got {value!r}.")
    if value > maximum:
        raise ValueError(
            f"{name}={value} is above what glibc accepts ({maximum} bytes); it would not "
            "be applied."
        )
    return int(value)


def tune_malloc(mmap_threshold=32 * _MIB, trim_threshold=128 * _MIB):
    """Stop glibc from returning every large tensor buffer to the OS.

    Training a network allocates and frees buffers of a few MB per batch
    (activations, gradients). Dask's nanny starts worker processes with
    ``MALLOC_TRIM_THRESHOLD_=65536``, and setting any glibc allocator variable
    turns off glibc's adaptive ``mmap`` threshold, so each of those buffers
    is ``mmap``-ed, page-faulted and ``munmap``-ed again at every batch:
    measured here, a small CNN trains about 2x slower in a Dask worker than
    in a plain process. Raising both thresholds at run time (``mallopt``)
    keeps such buffers in the heap for reuse; it made the same fit about 2.4x
    faster in a Dask worker and about 1.3x faster than glibc's defaults
    (see the user guide, "Scale-out"). The neural estimators call it with
    its defaults at their first fit or predict in a process, unless the
    allocator was chosen elsewhere (``SKLEARN_EMNIST_TUNE_MALLOC=0``, glibc's
    variables, another allocator preloaded) or this function already ran.

    Does nothing (and returns ``None``) where the C library has no
    ``mallopt`` (macOS, Windows, musl).

    Parameters
    ----------
    mmap_threshold : int, default=32 MiB
        Allocations at least this large use ``mmap``; smaller ones come from
        the heap. At most 32 MiB, the largest value glibc accepts on 64-bit
        systems.
    trim_threshold : int, default=128 MiB
        Free memory at the top of the heap beyond this is returned to the OS
        (at most 2**31 - 1 bytes).

    Returns
    -------
    settings : dict or None
        ``{"mmap_threshold": ..., "trim_threshold": ...}`` as applied, or
        ``None`` when the platform has no ``mallopt``.

    Examples
    --------
    >>> from sklearn_emnist.parallel import tune_malloc
    >>> settings = tune_malloc()
    >>> settings is None or settings["mmap_threshold"] == 32 * 2**20
    True
    """
    global _APPLIED
    mmap_threshold = _check_bytes(mmap_threshold, "mmap_threshold", _MAX_MMAP_THRESHOLD)
    trim_threshold = _check_bytes(trim_threshold, "trim_threshold", _MAX_TRIM_THRESHOLD)
    libc = _libc()
    if libc is None:
        return None
    ok = libc.mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(mmap_threshold))
    ok &= libc.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(trim_threshold))
    if not ok:
        return None
    _APPLIED = {"mmap_threshold": mmap_threshold, "trim_threshold": trim_threshold}
    return dict(_APPLIED)


def applied_malloc_settings():
    """The settings :func:`tune_malloc` last applied in this process, or ``None``."""
    return None if _APPLIED is None else dict(_APPLIED)


# SKLEARN_EMNIST_TUNE_MALLOC=0 keeps the estimators from tuning the allocator
OPT_OUT_VARIABLE = "SKLEARN_EMNIST_TUNE_MALLOC"
_OFF = ("0", "false", "no", "off")
# glibc's own settings from the environment (Dask's nanny sets the first)
_GLIBC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_",
                    "MALLOC_MMAP_MAX_")


def _allocator_chosen_elsewhere():
    """Whether the user opted out, set glibc's settings or preloaded another allocator."""
    if os.environ.get(OPT_OUT_VARIABLE, "").strip().lower() in _OFF:
        return True
    if any(name in os.environ for name in _GLIBC_VARIABLES):
        return True
    # glibc tunables of malloc; tcmalloc, jemalloc, mimalloc preloaded
    return ("glibc.malloc" in os.environ.get("GLIBC_TUNABLES", "")
            or "malloc" in os.environ.get("LD_PRELOAD", ""))


def tune_malloc_for_training():
    """Apply :func:`tune_malloc`'s defaults once per process, unless the
    allocator was chosen elsewhere.

    The neural estimators call it when they first fit or predict. It does
    nothing once the thresholds were set in this process (by it or by a
    call of :func:`tune_malloc`, whose settings stay), when
    ``SKLEARN_EMNIST_TUNE_MALLOC=0``, when glibc's settings come from the
    environment (``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_MMAP_THRESHOLD_``, ...,
    ``GLIBC_TUNABLES``), or when another allocator is preloaded.

    Returns
    -------
    settings : dict or None
        The settings applied by this call, or ``None`` when it applied none.

    Examples
    --------
    >>> from sklearn_emnist.parallel import tune_malloc
    >>> from sklearn_emnist.parallel._malloc import tune_malloc_for_training
    >>> _ = tune_malloc(trim_threshold=64 * 2**20)  # the user's own settings
    >>> tune_malloc_for_training() is None          # are kept
    True
    """
    if _APPLIED is not None or _allocator_chosen_elsewhere():
        return None
    return tune_malloc()
