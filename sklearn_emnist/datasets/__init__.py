"""Loaders for EMNIST and the IDX file format."""

from ._download import MIRROR_ENV
from ._errors import ChecksumMismatchError, DataNotCachedError, DownloadError
from ._fetch import EMNIST_URL, fetch_emnist
from ._folder import load_emnist_folder
from ._idx import IDXFormatError, read_idx, write_idx
from ._metadata import SPLITS, SUBSETS, SplitInfo, get_split_info

__all__ = [
    "ChecksumMismatchError",
    "DataNotCachedError",
    "DownloadError",
    "EMNIST_URL",
    "IDXFormatError",
    "MIRROR_ENV",
    "SPLITS",
    "SUBSETS",
    "SplitInfo",
    "fetch_emnist",
    "get_split_info",
    "load_emnist_folder",
    "read_idx",
    "write_idx",
]
