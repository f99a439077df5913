"""The EMNIST cache folder: its location, locks and atomic writes.

Layout under ``<data_home>/emnist/``::

    gzip/<member>.gz              verified official member files
    gzip.zip                      the whole official zip (only when the server
                                  ignores HTTP byte ranges); replaced only by
                                  the zip of a mirror that ignores ranges and
                                  has a member this one lacks
    arrays-v1/<split>-<subset>-{images,labels}.npy
                                  decoded, upright arrays (the fast path)
    arrays-v1/folders/<name>-<subset>-<source>-<key>[-upright]-{images,labels}.npy
                                  decoded arrays of :func:`load_emnist_folder`
                                  (``name`` with ``/`` and other characters
                                  unfit for a file name replaced by ``_``;
                                  ``source`` a hash of the files' real paths,
                                  ``key`` of their paths, sizes, mtimes,
                                  ctimes and inodes: a new ``key`` replaces
                                  the other ones of its ``source``;
                                  ``-upright`` for ``transposed=False``)

Every file is written to a uniquely named ``*.part`` file in its final folder
and renamed with :func:`os.replace` once complete (and verified); the
``*.part`` file is removed on any failure, Ctrl-C included. A lock file per
target (``fcntl.flock`` where available) makes a second process wait for the
first one instead of doing the same work; the atomic rename alone already
guarantees that no process ever sees a half-written file.

A cache folder that cannot be written (read-only file system, no permission)
does not stop a load, with a warning naming it: the arrays are decoded in
memory, and member files that must be downloaded or extracted from a zip are
written to a :class:`ScratchFolder` (a private temporary folder, verified and
decoded there, removed at the end of the call) instead of ``gzip/``. Scratch
folders (and ``*.part`` files) that a killed process could not remove are
removed later, once their process is known to be dead.
"""

import errno
import glob
import os
import re
import shutil
import tempfile
import uuid
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: atomic renames only
    fcntl = None

__all__ = [
    "ARRAY_CACHE_VERSION",
    "ScratchFolder",
    "atomic_target",
    "emnist_home",
    "file_lock",
    "is_unwritable",
    "load_or_build_arrays",
]

ARRAY_CACHE_VERSION = 1
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
# what atomic_target appends to a target's name: ".<pid>-<8 hex digits>.part"
_PART_NAME = re.compile(r"\.(\d+)-[0-9a-f]{8}" + re.escape(PART_SUFFIX))
SCRATCH_PREFIX = "sklearn-emnist-scratch-"
# a ScratchFolder's name: the prefix, "<pid>-", then tempfile.mkdtemp's 8 characters
_SCRATCH_NAME = re.compile(re.escape(SCRATCH_PREFIX) + r"(\d+)-[a-z0-9_]{8}")
# held (as "scratch.lock" in the folder) for as long as a ScratchFolder exists
_SCRATCH_LOCK = "scratch"


def emnist_home(data_home=None, *, create=True):
    """``<data_home>/emnist`` as a :class:`~pathlib.Path`, created if needed.

    ``data_home`` defaults to :func:`sklearn.datasets.get_data_home`
    (``SCIKIT_LEARN_DATA`` or ``~/scikit_learn_data``). With
    ``create=False`` nothing is created (the caller creates what it writes,
    and copes with a folder it cannot create).
    """
    if data_home is None and create:
        from sklearn.datasets import get_data_home

        data_home = get_data_home()
    elif data_home is None:
        # get_data_home's rule, without the folder it creates
        data_home = os.environ.get("SCIKIT_LEARN_DATA", os.path.join("~", "scikit_learn_data"))
    # an explicit data_home is used as is (what get_data_home does with it),
    # without paying for the scikit-learn import
    home = Path(data_home).expanduser() / "emnist"
    if create:
        home.mkdir(parents=True, exist_ok=True)
    return home


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextmanager
def file_lock(target, *, blocking=True):
    """Hold an exclusive inter-process lock for ``target`` (a path).

    The lock file ``<target>.lock`` is removed on release; a process that
    locked a file another process has just removed tries again, so two
    processes never both believe they hold the lock. Yields True once the
    lock is held; with ``blocking=False``, yields False at once (holding
    nothing) when another holder has it.
    """
    lock_path = os.fspath(target) + LOCK_SUFFIX
    if fcntl is None:  # pragma: no cover
        yield True
        return
    mode = fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB
    while True:
        # 0o666 less the umask, as for any new file: a cache shared by a
        # group (umask 002) stays lockable by all its members
        # never through a link: a planted one would have us create its target
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        try:
            try:
                fcntl.flock(fd, mode)
            except BlockingIOError:  # only without blocking: held by another
                os.close(fd)
                fd = None
                break
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
    if fd is None:
        yield False
        return
    try:
        yield True
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


def _writer_alive(part, target):
    """Whether the process that writes ``part`` (a part of ``target``) may be alive.

    Part names embed the writer's process id (see :func:`atomic_target`);
    a name that does not is not ours to judge and counts as alive.
    """
    match = _PART_NAME.fullmatch(os.path.basename(part)[len(os.path.basename(target)):])
    return match is None or _process_alive(int(match.group(1)))


def _process_alive(pid):
    """Whether the process ``pid`` may be alive (False only if it surely is not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: alive, another user's
        return True
    return True


def remove_dead_parts(target):
    """Remove the ``*.part`` files of ``target`` left by processes now dead.

    Safe without holding :func:`file_lock`: a part goes only if the process
    whose id its name holds is gone, and only while no process holds the
    lock of ``target`` (every part is written under it), which protects a
    writer whose process id means nothing here (another machine or container
    sharing the cache). A lock file left by a killed process goes too. A
    part of a live process is never touched; a cache that cannot be written
    is left as it is. Costs one directory scan when there is nothing to do.
    """
    if fcntl is None:  # pragma: no cover - cannot tell stale from in use
        return
    target = os.fspath(target)
    parts = glob.glob(glob.escape(target) + ".*" + PART_SUFFIX)
    dead = [part for part in parts if not _writer_alive(part, target)]
    if not dead and not os.path.exists(target + LOCK_SUFFIX):
        return
    _remove_unless_locked(target, dead, _remove)


def _remove_unless_locked(target, paths, remove):
    """``remove`` each of ``paths`` (of dead processes) while holding ``target``'s lock.

    Nothing goes if another process holds the lock: an owner whose process
    id means nothing here (another machine or container) holds it for as
    long as it uses the paths. Best effort: a folder that cannot be written
    is left as it is.
    """
    try:
        with file_lock(target, blocking=False) as held:
            if held:
                for path in paths:
                    remove(path)
    except OSError:
        pass  # a read-only cache, or another user's file: nothing to clean here


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


def _load_npy_pair(images_path, labels_path, n_items=None):
    """Read-only memory-mapped arrays, or None if absent, unreadable or not as expected.

    ``n_items``, if given, is the number of images the pair must hold (the
    split metadata knows it): a pair of another length is stale or damaged.

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
            or labels.dtype != np.uint8 or len(images) != len(labels)
            or (n_items is not None and len(images) != n_items)):
        return None
    return images, labels


def is_unwritable(exc):
    """Whether ``exc`` (an :class:`OSError`) says a folder cannot be written
    (no permission, read-only file system) rather than a fault (a full disk)."""
    return isinstance(exc, PermissionError) or exc.errno == errno.EROFS  # EACCES, EPERM: PermissionError


def _warn_unwritable(folder, exc):
    warnings.warn(
        f"The EMNIST array cache {folder} is not writable ({exc.strerror or exc}); the "
        "arrays were decoded in memory and will be decoded again next time. Pass a "
        "writable data_home (or set SCIKIT_LEARN_DATA) to cache them.",
        UserWarning,
        stacklevel=5,  # the caller of fetch_emnist or load_emnist_folder
    )


class ScratchFolder:
    """A private temporary folder, created on first use, for a cache that cannot be written.

    :func:`obtain_members` writes the member files there (verified like any
    download) when ``<data_home>/emnist/gzip`` cannot be created or locked;
    the caller decodes them and calls :meth:`close`, which removes the folder
    and everything in it. ``unwritable`` is ``(folder, OSError)`` for the
    first cache folder that could not be written, or None if the scratch
    folder was never needed.

    The folder is named ``sklearn-emnist-scratch-<pid>-<random>`` and its
    lock is held until :meth:`close`: a process killed before it could
    clean up (SIGKILL, SIGTERM) leaves its folder behind, and the next
    scratch folder made in the same temporary folder removes it (see
    :func:`remove_dead_scratch_folders`).
    """

    def __init__(self):
        self._path = None
        self._lock = ExitStack()
        self.unwritable = None

    def path(self, folder, exc):
        """The scratch folder (created if needed), used because ``folder`` could not be written."""
        if self.unwritable is None:
            self.unwritable = (folder, exc)
        if self._path is None:
            try:
                self._path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
            except OSError as error:
                raise OSError(
                    f"The EMNIST cache {folder} is not writable ({exc.strerror or exc}), and no "
                    f"temporary folder could be made in {tempfile.gettempdir()} instead "
                    f"({error.strerror or error}). Pass a writable data_home (or set "
                    "SCIKIT_LEARN_DATA), set TMPDIR to a writable folder, or pass a mirror "
                    "folder holding the member files (mirror=<folder>), which is read in place."
                ) from error
            try:
                self._lock.enter_context(file_lock(self._path / _SCRATCH_LOCK))
            except OSError:
                pass  # a file system without locks: the process id in the name protects it
            remove_dead_scratch_folders(self._path.parent)
        return self._path

    def close(self):
        """Remove the folder and its files (nothing to do if it was never created)."""
        if self._path is not None:
            self._lock.close()
            shutil.rmtree(self._path, ignore_errors=True)
            self._path = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def remove_dead_scratch_folders(parent):
    """Remove the :class:`ScratchFolder` folders in ``parent`` left by processes now dead.

    The mechanism of :func:`remove_dead_parts`: a folder goes only if the
    process whose id its name holds is gone and no process holds its lock.
    A folder of a live process, of another user, or whose name is not
    exactly a scratch folder's, is never touched, and its lock file is never
    followed through a link; a folder that cannot be removed stays. Costs
    one scan of ``parent``.
    """
    if fcntl is None:  # pragma: no cover - cannot tell stale from in use
        return
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return
    for entry in entries:
        match = _SCRATCH_NAME.fullmatch(entry.name)
        if (match is not None and entry.is_dir(follow_symlinks=False) and _owned(entry)
                and not _process_alive(int(match.group(1)))):
            _remove_unless_locked(os.path.join(entry.path, _SCRATCH_LOCK), [entry.path], _remove_tree)


def _owned(entry):
    """Whether this process's user owns the folder ``entry`` (a ``os.DirEntry``):
    another user's folder in a shared temporary folder is never touched."""
    try:
        return not hasattr(os, "getuid") or entry.stat(follow_symlinks=False).st_uid == os.getuid()
    except OSError:
        return False


def _remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def _remove_entries(folder, stem_pattern, keep):
    """Remove the cached pairs whose stem matches ``stem_pattern``, except ``keep``.

    Best effort: a file that cannot be removed (in use on Windows, say) stays.
    """
    pattern = re.compile(f"(?:{stem_pattern})-(?:images|labels)\\.npy")
    for entry in os.scandir(folder):
        if pattern.fullmatch(entry.name) and entry.name not in (f"{keep}-images.npy", f"{keep}-labels.npy"):
            try:
                _remove(entry.path)
            except OSError:
                pass


def load_or_build_arrays(folder, stem, build, *, replaces=None, n_items=None):
    """Decoded ``(images, labels)`` from ``<folder>/<stem>-*.npy``, or build them.

    ``build()`` returns the arrays when the cache misses; they are saved
    atomically (under the lock) before being returned, and the pairs whose
    stem matches the regular expression ``replaces`` (previous versions of
    the same files) are then removed. Cached arrays are read-only memory maps
    (nearly instant); the caller copies the rows it keeps. Cached arrays that
    are not uint8 images of shape ``(n, 28, 28)`` with ``n`` uint8 labels, or
    whose ``n`` differs from ``n_items`` (when given), are a cache miss: they
    are built again and replaced. When ``folder``
    cannot be created, locked or written (read-only file system, no
    permission), the arrays are built in memory and returned with a
    :class:`UserWarning` naming the folder.
    """
    folder = Path(folder)
    images_path = folder / f"{stem}-images.npy"
    labels_path = folder / f"{stem}-labels.npy"
    cached = _load_npy_pair(images_path, labels_path, n_items)
    if cached is not None:
        return cached
    with ExitStack() as stack:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stack.enter_context(file_lock(folder / stem))
        except OSError as exc:
            if not is_unwritable(exc):
                raise
            pair = build()
            _warn_unwritable(folder, exc)
            return pair
        cached = _load_npy_pair(images_path, labels_path, n_items)
        if cached is not None:
            return cached
        remove_stale_parts(images_path)
        remove_stale_parts(labels_path)
        images, labels = build()
        try:
            _remove(labels_path)  # images first, labels last: a pair is complete
            _save_npy(images_path, images)
            _save_npy(labels_path, labels)
            if replaces is not None:
                _remove_entries(folder, replaces, keep=stem)
        except OSError as exc:
            if not is_unwritable(exc):
                raise
            _warn_unwritable(folder, exc)
    return images, labels
