"""The EMNIST cache folder: its location, locks and atomic writes.

Layout under ``<data_home>/emnist/``::

    gzip/<member>.gz              verified official member files
    gzip.zip                      the whole official zip (only when the server
                                  ignores HTTP byte ranges); replaced only by
                                  the zip of a mirror that ignores ranges and
                                  has a member this one lacks
    arrays-v1/<split>-<subset>-{images,labels}.npy
                                  decoded, upright arrays (the fast path)
    arrays-v1/folders/<name>-<subset>-<key>[-upright]-{images,labels}.npy
                                  decoded arrays of :func:`load_emnist_folder`
                                  (``name`` with ``/`` and other characters
                                  unfit for a file name replaced by ``_``;
                                  ``-upright`` for ``transposed=False``)

Every file is written to a uniquely named ``*.part`` file in its final folder
and renamed with :func:`os.replace` once complete (and verified); the
``*.part`` file is removed on any failure, Ctrl-C included. A lock file per
target (``fcntl.flock`` where available) makes a second process wait for the
first one instead of doing the same work; the atomic rename alone already
guarantees that no process ever sees a half-written file.
"""

import glob
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: atomic renames only
    fcntl = None

__all__ = ["ARRAY_CACHE_VERSION", "atomic_target", "emnist_home", "file_lock", "load_or_build_arrays"]

ARRAY_CACHE_VERSION = 1
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"


def emnist_home(data_home=None):
    """``<data_home>/emnist`` as a :class:`~pathlib.Path`, created if needed.

    ``data_home`` defaults to :func:`sklearn.datasets.get_data_home`
    (``SCIKIT_LEARN_DATA`` or ``~/scikit_learn_data``).
    """
    if data_home is None:
        from sklearn.datasets import get_data_home

        data_home = get_data_home()
    # an explicit data_home is used as is (what get_data_home does with it),
    # without paying for the scikit-learn import
    home = Path(data_home).expanduser() / "emnist"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextmanager
def file_lock(target):
    """Hold an exclusive inter-process lock for ``target`` (a path).

    The lock file ``<target>.lock`` is removed on release; a process that
    locked a file another process has just removed tries again, so two
    processes never both believe they hold the lock.
    """
    lock_path = os.fspath(target) + LOCK_SUFFIX
    if fcntl is None:  # pragma: no cover
        yield
        return
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
            mine = os.fstat(fd)
            if current is not None and (current.st_ino, current.st_dev) == (mine.st_ino, mine.st_dev):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was replaced while we waited: try again
    try:
        yield
    finally:
        _remove(lock_path)
        os.close(fd)


def remove_stale_parts(target):
    """Remove ``*.part`` files of ``target`` left by a killed process.

    Call only while holding :func:`file_lock` for ``target``.
    """
    if fcntl is None:  # pragma: no cover - cannot tell stale from in use
        return
    for path in glob.glob(glob.escape(os.fspath(target)) + ".*" + PART_SUFFIX):
        _remove(path)


@contextmanager
def atomic_target(target):
    """Yield a temporary path next to ``target``; rename it on success.

    On any exception (KeyboardInterrupt included) the temporary file is
    removed and nothing is left behind.
    """
    target = os.fspath(target)
    tmp = f"{target}.{os.getpid()}-{uuid.uuid4().hex[:8]}{PART_SUFFIX}"
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        _remove(tmp)


def _save_npy(path, array):
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as handle:
            np.save(handle, array, allow_pickle=False)


def _load_npy_pair(images_path, labels_path):
    """Read-only memory-mapped arrays, or None if absent or unreadable.

    Callers copy what they keep (see ``make_bunch``): a memory map of a file
    that someone truncates in place would crash the process (SIGBUS) on
    access, so no memory map outlives the call.
    """
    if not (images_path.exists() and labels_path.exists()):
        return None
    try:
        images = np.load(images_path, mmap_mode="r", allow_pickle=False)
        labels = np.load(labels_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    # anything but what decode_pair saves is stale or foreign: rebuilt
    if (images.shape[1:] != (28, 28) or images.dtype != np.uint8 or labels.ndim != 1
            or labels.dtype != np.uint8 or len(images) != len(labels)):
        return None
    return images, labels


def load_or_build_arrays(folder, stem, build):
    """Decoded ``(images, labels)`` from ``<folder>/<stem>-*.npy``, or build them.

    ``build()`` returns the arrays when the cache misses; they are saved
    atomically (under the lock) before being returned from the cache files.
    The returned arrays are read-only memory maps (nearly instant); the
    caller copies the rows it keeps.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images_path = folder / f"{stem}-images.npy"
    labels_path = folder / f"{stem}-labels.npy"
    cached = _load_npy_pair(images_path, labels_path)
    if cached is not None:
        return cached
    with file_lock(folder / stem):
        cached = _load_npy_pair(images_path, labels_path)
        if cached is not None:
            return cached
        remove_stale_parts(images_path)
        remove_stale_parts(labels_path)
        images, labels = build()
        _remove(labels_path)  # images first, labels last: a pair is complete
        _save_npy(images_path, images)
        _save_npy(labels_path, labels)
    return images, labels
