"""Error classes of the EMNIST loaders.

All of them derive from :class:`OSError` (a data file could not be obtained),
except :class:`~sklearn_emnist.datasets.IDXFormatError`, a :class:`ValueError`
for malformed files; unknown split or subset names raise :class:`ValueError`.
"""

__all__ = ["ChecksumMismatchError", "DataNotCachedError", "DownloadError"]


class DownloadError(OSError):
    """A file could not be downloaded or is not what was asked for.

    Raised for HTTP errors that persist after the retries (or are not worth
    retrying, such as 404), unreachable servers, an HTML page served instead
    of a zip archive or an IDX file, and malformed zip archives.
    """


class ChecksumMismatchError(DownloadError):
    """A downloaded (or mirrored) file does not have its official SHA-256 or size.

    Attributes
    ----------
    member : str
        The official member name.
    expected, got : str
        The official and the observed SHA-256 (or size, written as text).
    """

    def __init__(self, message, *, member=None, expected=None, got=None):
        super().__init__(message)
        self.member = member
        self.expected = expected
        self.got = got


class DataNotCachedError(OSError):
    """The data is not in the cache and downloading was not allowed."""
