"""Load EMNIST-format IDX files from a local folder (``load_emnist_folder``)."""

import hashlib
import os
from pathlib import Path

import numpy as np

from ._bunch import make_bunch
from ._cache import ARRAY_CACHE_VERSION, emnist_home, load_or_build_arrays
from ._decode import decode_pair
from ._metadata import check_subset, get_split_info

__all__ = ["load_emnist_folder"]


def arrays_folder(data_home):
    """Folder of decoded arrays inside the EMNIST cache."""
    return emnist_home(data_home) / f"arrays-v{ARRAY_CACHE_VERSION}"


def concrete_subsets(subset):
    return ("train", "test") if subset == "all" else (subset,)


def load_decoded(parts, cache_folder):
    """Decode (and cache) each ``(stem, get_files)`` in ``parts``.

    ``get_files()`` returns the ``(images_file, labels_file)`` pair; it is
    called only when the decoded arrays are not cached (for
    :func:`fetch_emnist` it downloads and verifies the members). With
    ``cache_folder=None`` the files are decoded every time. Returns the
    concatenated upright images and file labels.
    """
    images, labels = [], []
    for stem, get_files in parts:
        build = lambda get_files=get_files: decode_pair(*get_files())  # noqa: E731
        if cache_folder is None:
            pair = build()
        else:
            pair = load_or_build_arrays(cache_folder, stem, build)
        images.append(pair[0])
        labels.append(pair[1])
    if len(parts) == 1:
        return images[0], labels[0]
    return np.concatenate(images), np.concatenate(labels)


def _find_file(folder, name, subset, kind):
    stem = f"{name}-{subset}-{kind}-ubyte"
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    present = sorted(p.name for p in folder.glob(f"{name}-*")) if folder.is_dir() else []
    raise FileNotFoundError(
        f"{stem}.gz (or {stem}) not found in {folder}. "
        + (f"Files of {name!r} there: {present}." if present else
           f"No file there starts with {name + '-'!r}; check `folder` and `name`.")
    )


def _file_key(*paths):
    """A key that changes when any of the files is replaced or modified."""
    digest = hashlib.sha1()
    for path in paths:
        stat = os.stat(path)
        digest.update(f"{os.path.realpath(path)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


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
):
    """Load EMNIST-format IDX files from a local folder.

    Reads ``<folder>/<name>-<subset>-images-idx3-ubyte[.gz]`` and the matching
    ``labels-idx1`` file (gzip or raw, detected from the content), turns the
    images upright and maps the labels with the mapping of ``split``. This is
    the decode path :func:`fetch_emnist` uses too, and it returns the same
    ``Bunch``.

    Parameters
    ----------
    folder : str or path-like
        Folder holding the files.
    split : {"byclass", "bymerge", "balanced", "letters", "digits", "mnist"}
        The EMNIST split whose labels and characters the files use.
    name : str, default=None
        File name prefix; defaults to ``"emnist-<split>"`` (the official
        names). For example ``"letters-here"`` reads
        ``letters-here-test-images-idx3-ubyte.gz``.
    subset : {"train", "test", "all"}, default="train"
        Which files to read; "all" concatenates train then test.
    data_home : str or path-like, default=None
        Cache root, see :func:`sklearn.datasets.get_data_home`.
    cache : bool, default=True
        Keep the decoded arrays in ``<data_home>/emnist/arrays-v1/folders``
        so that the next call is nearly instant. The cache key includes the
        files' path, size and modification time.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a ``Bunch``.
    n_samples : int, default=None
        Draw a stratified random sub-sample of this many images.
    random_state : int, RandomState instance or None, default=None
        Seed of the sub-sample (only used with ``n_samples``).
    as_characters : bool, default=False
        Return ``target`` as the characters themselves (``target_names[y]``)
        instead of integers.

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
        Unknown split or subset, or labels that the split does not have.
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
    """
    info = get_split_info(split)
    check_subset(subset)
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"EMNIST folder {folder} does not exist or is not a folder.")
    name = f"emnist-{split}" if name is None else str(name)
    parts, files = [], []
    for part in concrete_subsets(subset):
        images_file = _find_file(folder, name, part, "images-idx3")
        labels_file = _find_file(folder, name, part, "labels-idx1")
        key = _file_key(images_file, labels_file)
        parts.append((f"{name}-{part}-{key}", lambda pair=(images_file, labels_file): pair))
        files += [images_file, labels_file]
    cache_folder = arrays_folder(data_home) / "folders" if cache else None
    images, labels = load_decoded(parts, cache_folder)
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
