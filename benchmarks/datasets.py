"""Benchmark data sources and the training samples each protocol draws.

One option names where the data comes from, whatever it is:

- ``split:<name>`` -- an official EMNIST split through
  :func:`sklearn_emnist.fetch_emnist` (``--data-home`` and ``--mirror`` are
  passed on), for users with the official data;
- ``folder:<path>:<name>[:<split>]`` -- IDX files
  ``<path>/<name>-<train|test>-<images-idx3|labels-idx1>-ubyte.gz`` through
  :func:`sklearn_emnist.datasets.load_emnist_folder`; ``split`` says which
  official split's labels and mapping the files follow (default: the part of
  ``name`` before the first ``-``).

Short names are accepted too: a split name (``letters``) means
``split:letters``; a real-data benchmark set (``letters-here``,
``digits-here``, ``byclass-here``) means ``folder:<data folder>:<name>``
with the data folder ``../shared/emnist/bench`` by default.

Examples
--------
>>> from benchmarks.datasets import parse_source
>>> parse_source("split:letters")
DataSource(kind='split', name='letters', split='letters', folder=None)
>>> parse_source("folder:/data/bench:letters-here").split
'letters'
"""

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "BENCH_SETS",
    "SPLITS",
    "DataSource",
    "LoadedData",
    "class_balanced_indices",
    "default_bench_folder",
    "indices_spread_like",
    "load_source",
    "parse_source",
    "resolve_source",
]

REPO_ROOT = Path(__file__).resolve().parents[1]

SPLITS = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")

# the real-data benchmark sets of ../shared/emnist/bench -> official split they follow
BENCH_SETS = {
    "letters-here": "letters",
    "digits-here": "digits",
    "byclass-here": "byclass",
}


def default_bench_folder():
    """``$SKLEARN_EMNIST_SHARED/bench``, else ``<repo>/../shared/emnist/bench``."""
    shared = os.environ.get("SKLEARN_EMNIST_SHARED")
    base = Path(shared) if shared else REPO_ROOT.parent / "shared" / "emnist"
    return base / "bench"


@dataclass(frozen=True)
class DataSource:
    """Where a benchmark's images come from.

    Attributes
    ----------
    kind : {"split", "folder"}
    name : str
        Split name (``kind="split"``) or file prefix (``kind="folder"``).
    split : str
        The official split whose labels and mapping the data follow.
    folder : str or None
        Folder of the IDX files (``kind="folder"`` only).
    """

    kind: str
    name: str
    split: str
    folder: str = None

    def spec(self):
        """The source written back as an option value."""
        if self.kind == "split":
            return f"split:{self.name}"
        return f"folder:{self.folder}:{self.name}:{self.split}"

    def display(self):
        """Like :meth:`spec`, with a folder inside the repository's parent shown relative to the repository."""
        if self.kind == "folder":
            folder = Path(self.folder).resolve()
            if folder.is_relative_to(REPO_ROOT.parent):
                relative = os.path.relpath(folder, REPO_ROOT)
                return f"folder:{relative}:{self.name}:{self.split}"
        return self.spec()


def parse_source(text):
    """Parse ``split:<name>`` or ``folder:<path>:<name>[:<split>]``.

    Raises
    ------
    ValueError
        With the accepted forms, when ``text`` is neither.
    """
    kind, _, rest = str(text).partition(":")
    if kind == "split" and rest:
        if rest not in SPLITS:
            raise ValueError(
                f"unknown EMNIST split {rest!r} in source {text!r}; choose one of {', '.join(SPLITS)}."
            )
        return DataSource("split", rest, rest)
    if kind == "folder" and rest:
        # the path may itself contain ':' (rare); name and split are the last fields
        parts = rest.split(":")
        if len(parts) >= 3 and parts[-1] in SPLITS:
            folder, name, split = ":".join(parts[:-2]), parts[-2], parts[-1]
        elif len(parts) >= 2:
            folder, name = ":".join(parts[:-1]), parts[-1]
            split = BENCH_SETS.get(name, name.split("-")[0])
        else:
            folder = name = split = ""
        if folder and name:
            if split not in SPLITS:
                raise ValueError(
                    f"cannot tell which EMNIST split the files {name!r} follow; "
                    f"add it: folder:{folder}:{name}:<split> with <split> in {', '.join(SPLITS)}."
                )
            return DataSource("folder", name, split, folder)
    raise ValueError(
        f"bad data source {text!r}; use 'split:<name>' (an official split, e.g. split:letters) "
        "or 'folder:<path>:<name>[:<split>]' (IDX files <path>/<name>-train-images-idx3-ubyte.gz ..., "
        "e.g. folder:../shared/emnist/bench:letters-here)."
    )


def resolve_source(dataset=None, *, source=None, data_folder=None):
    """The :class:`DataSource` for a short dataset name or an explicit source.

    Parameters
    ----------
    dataset : str, default=None
        A split name (``letters``) or a benchmark set name (``letters-here``).
    source : str, default=None
        An explicit ``split:...`` / ``folder:...`` source; wins over ``dataset``.
    data_folder : path-like, default=None
        Folder of the benchmark sets; default :func:`default_bench_folder`.

    Examples
    --------
    >>> from benchmarks.datasets import resolve_source
    >>> resolve_source("letters-here", data_folder="/data").spec()
    'folder:/data:letters-here:letters'
    >>> resolve_source("digits").spec()
    'split:digits'
    """
    if source is not None:
        return parse_source(source)
    if dataset in SPLITS:
        return DataSource("split", dataset, dataset)
    if dataset in BENCH_SETS:
        folder = Path(data_folder) if data_folder is not None else default_bench_folder()
        return DataSource("folder", dataset, BENCH_SETS[dataset], str(folder))
    raise ValueError(
        f"unknown dataset {dataset!r}; choose an EMNIST split ({', '.join(SPLITS)}), "
        f"a benchmark set ({', '.join(BENCH_SETS)}) or give --source folder:<path>:<name>."
    )


@dataclass
class LoadedData:
    """One subset of a data source: flat images, labels 0..K-1, class names."""

    data: np.ndarray  # (n, 784) uint8, upright images flattened row by row
    target: np.ndarray  # (n,) int64, 0..K-1
    target_names: list
    seconds: float  # time spent loading


def _load_with_package(source, subset, data_home, mirror):
    import sklearn_emnist
    from sklearn_emnist import datasets as emnist_datasets

    if source.kind == "split":
        bunch = sklearn_emnist.fetch_emnist(
            source.name, subset=subset, data_home=data_home, mirror=mirror
        )
    else:
        bunch = emnist_datasets.load_emnist_folder(
            source.folder, name=source.name, split=source.split, subset=subset, data_home=data_home
        )
    return bunch.data, bunch.target, list(bunch.target_names)


# Used only while sklearn_emnist has no load_emnist_folder yet (the package's
# loader knows the mapping files; these are the same characters).
_FALLBACK_NAMES = {
    "letters": [chr(c) for c in range(ord("a"), ord("z") + 1)],
    "digits": [str(d) for d in range(10)],
    "mnist": [str(d) for d in range(10)],
    "byclass": [str(d) for d in range(10)]
    + [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    + [chr(c) for c in range(ord("a"), ord("z") + 1)],
}


def _load_with_read_idx(source, subset):
    from sklearn_emnist.datasets import read_idx

    folder = Path(source.folder)
    images = read_idx(folder / f"{source.name}-{subset}-images-idx3-ubyte.gz")
    labels = read_idx(folder / f"{source.name}-{subset}-labels-idx1-ubyte.gz").astype(np.int64)
    if source.split == "letters":
        labels -= 1
    data = np.ascontiguousarray(images.transpose(0, 2, 1)).reshape(len(images), -1)
    return data, labels, _FALLBACK_NAMES[source.split]


MISSING_DATA_HINT = (
    "give the folder that holds them (a data_folder argument, or $SKLEARN_EMNIST_SHARED "
    "for the default <repo>/../shared/emnist/bench)"
)


def check_source_files(source, subsets=("train", "test"), *, hint=MISSING_DATA_HINT):
    """Raise ``FileNotFoundError`` naming the missing IDX files of a folder
    source (a split source is fetched: nothing to check).

    ``hint`` ends the message: what to do, in the words of the caller (a
    command line names its own options).

    Examples
    --------
    >>> from benchmarks.datasets import check_source_files, resolve_source
    >>> check_source_files(resolve_source("letters-here", data_folder="/nowhere"))
    Traceback (most recent call last):
    ...
    FileNotFoundError: data source folder:/nowhere:letters-here:letters: missing ...
    """
    if source.kind != "folder":
        return
    folder = Path(source.folder)
    missing = [
        str(folder / f"{source.name}-{subset}-{kind}-ubyte.gz")
        for subset in subsets
        for kind in ("images-idx3", "labels-idx1")
        if not (folder / f"{source.name}-{subset}-{kind}-ubyte.gz").exists()
    ]
    if missing:
        raise FileNotFoundError(
            f"data source {source.spec()}: missing {', '.join(missing)}; {hint}."
        )


def load_source(source, subset, *, data_home=None, mirror=None):
    """Load the ``train`` or ``test`` part of a data source.

    Uses ``sklearn_emnist.fetch_emnist`` / ``load_emnist_folder``; a folder
    source falls back to reading the IDX files directly when the installed
    package predates ``load_emnist_folder``.

    Returns
    -------
    LoadedData
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    check_source_files(source, subsets=(subset,))
    try:  # imports are not data loading: keep them out of the timed part
        import sklearn_emnist.datasets  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    start = time.perf_counter()
    try:
        data, target, names = _load_with_package(source, subset, data_home, mirror)
    except (ImportError, AttributeError):
        if source.kind == "split":
            raise
        data, target, names = _load_with_read_idx(source, subset)
    data = np.asarray(data).reshape(len(data), -1)
    target = np.asarray(target).astype(np.int64, copy=False)
    return LoadedData(data, target, [str(n) for n in names], time.perf_counter() - start)


def class_balanced_indices(y, n_samples, random_state):
    """Indices of a class-balanced random sample of ``n_samples`` labels.

    Every class gets ``n_samples // n_classes`` items; the remainder goes one
    each to randomly chosen classes; a class with too few items gives all it
    has and the shortfall is spread over the other classes, so the sample has
    exactly ``min(n_samples, len(y))`` items and the classes that could give
    more differ by at most one item. Deterministic for an int
    ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.datasets import class_balanced_indices
    >>> y = np.array([0] * 50 + [1] * 5 + [2] * 50)
    >>> index = class_balanced_indices(y, 30, random_state=0)
    >>> len(index), int(np.bincount(y[index])[1])  # the small class gives all it has
    (30, 5)
    >>> y = np.repeat(np.arange(6), [3, 21, 24, 10, 24, 24])
    >>> np.bincount(y[class_balanced_indices(y, 68, random_state=4)]).tolist()
    [3, 14, 14, 10, 14, 13]
    """
    y = np.asarray(y)
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    n_samples = min(int(n_samples), len(y))
    quota = np.zeros(len(classes), dtype=np.int64)
    remaining = n_samples
    open_classes = np.arange(len(classes))
    while remaining > 0 and len(open_classes):
        share, extra = divmod(remaining, len(open_classes))
        add = np.full(len(open_classes), share)
        add[rng.permutation(len(open_classes))[:extra]] += 1
        room = counts[open_classes] - quota[open_classes]
        add = np.minimum(add, room)
        quota[open_classes] += add
        remaining -= int(add.sum())
        open_classes = open_classes[quota[open_classes] < counts[open_classes]]
    quota = _level_quota(quota, counts, n_samples, rng)
    return _draw(y, classes, quota, rng)


def indices_spread_like(y, y_test, n_samples, random_state):
    """Indices of a random sample of ``y`` whose classes are spread as in ``y_test``.

    A validation sample should be drawn as the test set it stands in for:
    class-balanced where the test set is (letters-here, 300 images of every
    letter: then this is :func:`class_balanced_indices`, so the samples of
    the committed records stay the same), and with the test set's class
    proportions where it is stratified (byclass-here), since a balanced
    validation sample would rank recipes by another metric than test
    accuracy. Each class gets its share of ``n_samples`` (largest remainders
    rounded up), at most all its items. Deterministic for an int
    ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from benchmarks.datasets import indices_spread_like
    >>> y = np.repeat([0, 1, 2], [600, 300, 100])
    >>> y_test = np.repeat([0, 1, 2], [60, 30, 10])
    >>> np.bincount(y[indices_spread_like(y, y_test, 50, random_state=0)]).tolist()
    [30, 15, 5]
    >>> y_test = np.repeat([0, 1, 2], 20)  # a balanced test set: a balanced sample
    >>> np.bincount(y[indices_spread_like(y, y_test, 60, random_state=0)]).tolist()
    [20, 20, 20]
    """
    y = np.asarray(y)
    test_counts = np.bincount(np.asarray(y_test))
    test_counts = test_counts[test_counts > 0]
    if test_counts.min() == test_counts.max():
        return class_balanced_indices(y, n_samples, random_state)
    rng = np.random.default_rng(random_state)
    classes, counts = np.unique(y, return_counts=True)
    weights = np.bincount(np.asarray(y_test), minlength=classes.max() + 1)[classes]
    share = min(int(n_samples), len(y)) * weights / weights.sum()
    quota = np.floor(share).astype(np.int64)
    short = min(int(n_samples), len(y)) - int(quota.sum())
    quota[np.argsort(quota - share, kind="stable")[:short]] += 1
    quota = np.minimum(quota, counts)
    return _draw(y, classes, quota, rng)


def _draw(y, classes, quota, rng):
    """``quota[i]`` random indices of each ``classes[i]`` in ``y``, shuffled together."""
    index = np.concatenate(
        [
            rng.permutation(np.flatnonzero(y == label))[:count]
            for label, count in zip(classes, quota)
        ]
    )
    return rng.permutation(index)


def _level_quota(quota, counts, n_samples, rng):
    """``quota`` itself when the classes with room differ by at most one, else a level one.

    Spreading a capped class's shortfall round by round can leave the classes
    with room two or more items apart (a class drawn for the remainder in
    one round may be drawn again in the next). A quota that is already level
    is kept as it is, random draws included, so that the samples of the
    committed benchmark records stay the same; otherwise every class gets
    ``min(count, level)`` with the largest level that fits ``n_samples``,
    and the remainder goes one each to randomly chosen classes holding more
    than ``level`` items.
    """
    room = quota < counts
    if not room.any() or (
        quota[room].max() - quota[room].min() <= 1 and quota[~room].max(initial=0) <= quota[room].max()
    ):
        return quota
    low, high = 0, int(counts.max())
    while low < high:  # the largest level whose capped total fits
        middle = (low + high + 1) // 2
        if np.minimum(counts, middle).sum() <= n_samples:
            low = middle
        else:
            high = middle - 1
    level = np.minimum(counts, low)
    eligible = np.flatnonzero(counts > low)
    extra = n_samples - int(level.sum())
    level[eligible[rng.permutation(len(eligible))[:extra]]] += 1
    return level
