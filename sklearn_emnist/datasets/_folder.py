"""Load EMNIST-format IDX files from a local folder (``load_emnist_folder``)."""

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from ._bunch import check_sampling, make_bunch
from ._cache import ARRAY_CACHE_VERSION, emnist_home, load_or_build_arrays
from ._decode import decode_pair
from ._metadata import check_subset, get_split_info

__all__ = ["load_emnist_folder"]


def arrays_folder(data_home):
    """Folder of decoded arrays inside the EMNIST cache (not created here).

    :func:`load_or_build_arrays` creates it when it writes, and decodes in
    memory when it cannot (a read-only or unwritable data home).
    """
    return emnist_home(data_home, create=False) / f"arrays-v{ARRAY_CACHE_VERSION}"


def concrete_subsets(subset):
    return ("train", "test") if subset == "all" else (subset,)


def load_decoded(parts, cache_folder, *, transposed=True, replaces=None):
    """Decode (and cache) each ``(stem, get_files, n_items)`` in ``parts``.

    ``get_files()`` returns the ``(images_file, labels_file)`` pair; it is
    called only when the decoded arrays are not cached (for
    :func:`fetch_emnist` it downloads and verifies the members).
    ``n_items`` is the number of images the part has, when known (the
    official splits): cached arrays of another length are decoded again. With
    ``cache_folder=None`` the files are decoded every time. ``transposed``
    says how the files store the images (see :func:`decode_pair`); the stems
    must tell the two apart. ``replaces(stem)``, if given, is the pattern of
    the cached stems that a new ``stem`` replaces (see
    :func:`load_or_build_arrays`). Returns the concatenated upright images
    and file labels.
    """
    images, labels = [], []
    for stem, get_files, n_items in parts:
        build = lambda get_files=get_files: decode_pair(*get_files(), transposed=transposed)  # noqa: E731
        if cache_folder is None:
            pair = build()
        else:
            pattern = None if replaces is None else replaces(stem)
            pair = load_or_build_arrays(cache_folder, stem, build, replaces=pattern, n_items=n_items)
        images.append(pair[0])
        labels.append(pair[1])
    if len(parts) == 1:
        return images[0], labels[0]
    return np.concatenate(images), np.concatenate(labels)


def file_candidates(folder, name, subset, kind):
    """The paths a folder's ``kind`` file (``"images-idx3"`` or ``"labels-idx1"``)
    of ``subset`` may have, in the order they are looked for: gzip, then raw."""
    stem = Path(folder) / f"{name}-{subset}-{kind}-ubyte"
    return [stem.with_name(stem.name + ".gz"), stem]


def _find_file(folder, name, subset, kind):
    stem = f"{name}-{subset}-{kind}-ubyte"
    for candidate in file_candidates(folder, name, subset, kind):
        if candidate.is_file():
            return candidate
    present = sorted(p.name for p in folder.glob(f"{name}-*")) if folder.is_dir() else []
    raise FileNotFoundError(
        f"{stem}.gz (or {stem}) not found in {folder}. "
        + (f"Files of {name!r} there: {present}." if present else
           f"No file there starts with {name + '-'!r}; check `folder` and `name`.")
    )


_KEY_LENGTH = 12
_SOURCE_LENGTH = 8


def _cache_stem(name, subset, source, key, transposed):
    """File stem of a folder's decoded arrays in the cache.

    ``name`` may hold a subfolder (``"sub/letters-here"``) or other
    characters unfit for a file name: they become ``_`` (``source``, a hash
    of the files' real paths, keeps different files apart; ``key`` changes
    with their content). Files stored upright get their own stem.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "_"
    return f"{safe}-{subset}-{source}-{key}" + ("" if transposed else "-upright")


def _older_versions(stem):
    """Pattern of the stems of the same files, subset and orientation: any ``key``.

    A new version of the files replaces them in the cache (see
    :func:`_cache_stem`); other folders' files, even with the same name,
    keep theirs.
    """
    upright = stem.endswith("-upright")
    base = stem[: -len("-upright")] if upright else stem
    prefix = base[: -_KEY_LENGTH]
    # and the stems of before the source part (<name>-<subset>-<key>), which
    # would otherwise stay in the cache for good after an upgrade
    legacy = prefix[: -(_SOURCE_LENGTH + 1)]
    return (f"(?:{re.escape(prefix)}|{re.escape(legacy)})[0-9a-f]{{{_KEY_LENGTH}}}"
            + ("-upright" if upright else ""))


def _source_key(*paths):
    """A key of the files' real paths (which files these are, not their content)."""
    text = "".join(f"{os.path.realpath(path)}\n" for path in paths)
    return hashlib.sha1(text.encode()).hexdigest()[:_SOURCE_LENGTH]


def _file_key(*paths):
    """A key that changes when any of the files is replaced or modified.

    Besides the real path, size and modification time, the key holds the
    inode (device and number) and the status change time ``st_ctime_ns``:
    tools that keep the modification time (``cp -p``, ``rsync -t``,
    ``tar x``, ``os.utime``) cannot set the change time, which the system
    updates on every write, rename or ``utime``; a file replaced by another
    one gets a new inode too. (On Windows ``st_ctime_ns`` is the creation
    time and ``st_ino`` the file index.)
    """
    digest = hashlib.sha1()
    for path in paths:
        stat = os.stat(path)
        digest.update(
            f"{os.path.realpath(path)}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}"
            f"|{stat.st_dev}|{stat.st_ino}\n".encode()
        )
    return digest.hexdigest()[:_KEY_LENGTH]


def load_emnist_folder(
    folder,
    *,
    split,
    name=None,
    subset="train",
    data_home=None,
    cache=True,
    return_X_y=False,
    n_samples=None,
    random_state=None,
    as_characters=False,
    transposed=True,
):
    """Load EMNIST-format IDX files from a local folder.

    Reads ``<folder>/<name>-<subset>-images-idx3-ubyte[.gz]`` and the matching
    ``labels-idx1`` file (gzip or raw, detected from the content), turns the
    images upright (unless ``transposed=False``) and maps the labels with the
    mapping of ``split``. This is the decode path :func:`fetch_emnist` uses
    too, and it returns the same ``Bunch``.

    Parameters
    ----------
    folder : str or path-like
        Folder holding the files.
    split : {"byclass", "bymerge", "balanced", "letters", "digits", "mnist"}
        The EMNIST split whose labels and characters the files use.
    name : str, default=None
        File name prefix; defaults to ``"emnist-<split>"`` (the official
        names). For example ``"letters-here"`` reads
        ``letters-here-test-images-idx3-ubyte.gz``. It may name a subfolder
        of ``folder`` too: ``"sub/letters-here"``.
    subset : {"train", "test", "all"}, default="train"
        Which files to read; "all" concatenates train then test.
    data_home : str or path-like, default=None
        Cache root, see :func:`sklearn.datasets.get_data_home`.
    cache : bool, default=True
        Keep the decoded arrays in ``<data_home>/emnist/arrays-v1/folders``
        so that the next call is nearly instant. The cache key includes the
        files' path, size, modification time, status change time and inode,
        and ``transposed``: a file rewritten with its old size and
        modification time (``cp -p``, ``rsync -t``, ``tar x``) is decoded
        again. The arrays of a new version of the files replace those of the
        previous one. A cache that cannot be written is skipped with a
        warning.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``Bunch``.
    n_samples : int, default=None
        Draw a stratified random sub-sample of this many images.
    random_state : int, RandomState instance or None, default=None
        Seed of the sub-sample (only used with ``n_samples``).
    as_characters : bool, default=False
        Return ``target`` as the characters themselves (``target_names[y]``)
        instead of integers.
    transposed : bool, default=True
        Whether the files store the images transposed, as the official EMNIST
        files (and the ``bench/`` sets built from them) do: they are then
        transposed back upright. Pass False for files that hold upright
        images, such as the ``images`` returned by :func:`fetch_emnist` or
        by this function and written with :func:`write_idx`; with the
        default such files would come back transposed.

    Returns
    -------
    data : Bunch
        Same fields as :func:`fetch_emnist`: ``data`` (n, 784) uint8,
        ``images`` (n, 28, 28) uint8 upright, ``target`` int64 in
        ``0..n_classes-1`` (or characters), ``target_names``,
        ``feature_names``, ``DESCR``, ``split``, ``subset``, ``n_classes``,
        ``char_codes`` (ASCII codes per class), ``file_labels`` (labels as
        stored in the files, per class) and ``files``.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        Unknown split or subset, invalid ``n_samples`` or ``random_state``
        (checked before any file is read), or labels that the split does not
        have.
    TypeError
        ``n_samples`` is not an int, or ``transposed`` is not a bool.
    FileNotFoundError
        A file is missing; the message lists the files of ``name`` present.
    IDXFormatError
        A file is not well-formed IDX, or images and labels do not match.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_emnist.datasets import load_emnist_folder, write_idx
    >>> folder = tempfile.mkdtemp()
    >>> images = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> write_idx(os.path.join(folder, "tiny-test-images-idx3-ubyte.gz"), images)
    >>> write_idx(os.path.join(folder, "tiny-test-labels-idx1-ubyte.gz"),
    ...           np.array([1, 26], dtype=np.uint8))
    >>> bunch = load_emnist_folder(folder, name="tiny", split="letters",
    ...                            subset="test", cache=False)
    >>> bunch.data.shape, bunch.target, bunch.target_names[bunch.target]
    ((2, 784), array([ 0, 25]), array(['a', 'z'], dtype='<U1'))

    Upright images written with :func:`write_idx` come back as they were
    with ``transposed=False``:

    >>> upright = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> upright[:, 3, :] = 255  # a horizontal bar
    >>> write_idx(os.path.join(folder, "tiny-test-images-idx3-ubyte.gz"), upright)
    >>> again = load_emnist_folder(folder, name="tiny", split="letters",
    ...                            subset="test", cache=False, transposed=False)
    >>> bool((again.images == upright).all())
    True
    """
    info = get_split_info(split)
    check_subset(subset)
    check_sampling(n_samples, random_state)
    if not isinstance(transposed, (bool, np.bool_)):
        raise TypeError(
            f"transposed must be True (files store the images transposed, as the "
            f"official EMNIST files) or False (files hold upright images), got {transposed!r}."
        )
    transposed = bool(transposed)
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"EMNIST folder {folder} does not exist or is not a folder.")
    name = f"emnist-{split}" if name is None else str(name)
    parts, files = [], []
    for part in concrete_subsets(subset):
        images_file = _find_file(folder, name, part, "images-idx3")
        labels_file = _find_file(folder, name, part, "labels-idx1")
        source = _source_key(images_file, labels_file)
        key = _file_key(images_file, labels_file)
        stem = _cache_stem(name, part, source, key, transposed)
        parts.append((stem, lambda pair=(images_file, labels_file): pair, None))
        files += [images_file, labels_file]
    cache_folder = arrays_folder(data_home) / "folders" if cache else None
    images, labels = load_decoded(parts, cache_folder, transposed=transposed, replaces=_older_versions)
    return make_bunch(
        info,
        subset,
        images,
        labels,
        files=files,
        n_samples=n_samples,
        random_state=random_state,
        as_characters=as_characters,
        return_X_y=return_X_y,
    )
