"""The table of EMNIST split metadata (``data/emnist_splits.json``).

One table, read by the code: class counts, image counts, the member files of
the official ``gzip.zip`` with their SHA-256 and sizes, and the label ->
character mapping of every split (embedded, so that fetching needs no mapping
file).
"""

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

__all__ = ["SPLITS", "SUBSETS", "SplitInfo", "get_split_info", "member_checksum"]

SUBSETS = ("train", "test", "all")


@lru_cache(maxsize=1)
def _table():
    text = resources.files(__package__).joinpath("data", "emnist_splits.json").read_text()
    return json.loads(text)


@dataclass(frozen=True)
class SplitInfo:
    """Metadata of one EMNIST split.

    Attributes
    ----------
    name : str
        The split name, e.g. ``"letters"``.
    n_classes, n_train, n_test : int
        Number of classes and of training / test images.
    case_merged : bool
        True for ``letters``, whose classes merge upper and lower case.
    files : dict
        ``"train-images"``, ``"train-labels"``, ``"test-images"``,
        ``"test-labels"`` -> official member file name.
    labels : tuple of int
        The labels as stored in the files, in class order (``1..26`` for
        letters, ``0..K-1`` otherwise).
    char_codes : tuple of tuple of int
        For each class, the ASCII code(s) the mapping file gives (two for
        letters: upper and lower case).
    """

    name: str
    n_classes: int
    n_train: int
    n_test: int
    case_merged: bool
    files: Mapping
    labels: tuple
    char_codes: tuple

    @property
    def target_names(self):
        """One character per class; case-merged letters are lower case."""
        return tuple(chr(codes[-1] if self.case_merged else codes[0]) for codes in self.char_codes)

    def n_images(self, subset):
        """Number of images of ``subset`` ("train", "test" or "all")."""
        counts = {"train": self.n_train, "test": self.n_test,
                  "all": self.n_train + self.n_test}
        return counts[check_subset(subset)]

    def members(self, subset):
        """Official member files (images, labels) per concrete subset."""
        subsets = ("train", "test") if subset == "all" else (subset,)
        return [(self.files[f"{s}-images"], self.files[f"{s}-labels"]) for s in subsets]


def _suggest(value, choices):
    close = difflib.get_close_matches(str(value).lower(), choices, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _check_choice(kind, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"Unknown EMNIST {kind} {value!r}; valid {kind}s are {', '.join(map(repr, choices))}."
            + _suggest(value, choices)
        )
    return value


@lru_cache(maxsize=None)
def _split_info(split):
    entry = _table()["splits"][split]
    return SplitInfo(
        name=split,
        n_classes=entry["n_classes"],
        n_train=entry["n_train"],
        n_test=entry["n_test"],
        case_merged=entry["case_merged"],
        files=MappingProxyType(dict(entry["files"])),  # shared by every caller: read-only
        labels=tuple(label for label, _ in entry["mapping"]),
        char_codes=tuple(tuple(codes) for _, codes in entry["mapping"]),
    )


def get_split_info(split):
    """Metadata of an EMNIST split, with a clear error for unknown names.

    Parameters
    ----------
    split : str
        One of "byclass", "bymerge", "balanced", "letters", "digits", "mnist".

    Returns
    -------
    info : SplitInfo

    Examples
    --------
    >>> from sklearn_emnist.datasets import get_split_info
    >>> info = get_split_info("letters")
    >>> info.n_classes, info.n_test, info.target_names[:3]
    (26, 20800, ('a', 'b', 'c'))
    """
    return _split_info(_check_choice("split", split, SPLITS))


def check_subset(subset):
    """Validate ``subset`` ("train", "test" or "all")."""
    return _check_choice("subset", subset, SUBSETS)


def member_checksum(member):
    """(sha256, size) of an official member file name."""
    entry = _table()["members"][member]
    return entry["sha256"], entry["size"]


def official_url():
    """The official address of the EMNIST ``gzip.zip``."""
    return _table()["url"]


SPLITS = tuple(_table()["splits"])
