"""Obtain verified EMNIST member files: HTTP (urllib), byte ranges, mirrors.

Every member ends up as a file whose SHA-256 and size equal the official
values (``data/emnist_splits.json``), written through a ``*.part`` file that
is renamed only after verification and removed on any failure.

Sources, chosen by :func:`resolve_source`:

* a zip URL (the official ``gzip.zip`` or a mirror of it): the central
  directory and the requested members are read with HTTP ``Range`` requests;
  a server that ignores ranges makes the whole zip be downloaded once, kept
  in the cache and read locally;
* a base URL holding the member files (``<base>/<member>``);
* a local folder holding the member files (verified in place, not copied);
* a local zip file (such as a ``gzip.zip`` downloaded by hand).
"""

import hashlib
import http.client
import math
import numbers
import os
import re
import socket
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__
from ._cache import atomic_target, file_lock, is_unwritable, remove_dead_parts, remove_stale_parts
from ._errors import ChecksumMismatchError, DataNotCachedError, DownloadError
from ._metadata import member_checksum
from ._zip import (
    MAX_TAIL,
    UnsupportedZipError,
    ZipFormatError,
    inflate_member,
    locate_central_directory,
    parse_central_directory,
)

__all__ = ["MIRROR_ENV", "obtain_members", "resolve_source"]

MIRROR_ENV = "SKLEARN_EMNIST_MIRROR"
ZIP_NAME = "gzip.zip"
CHUNK = 1 << 20
_USER_AGENT = f"sklearn-emnist/{__version__} (+urllib)"
_OFFLINE_HINT = (
    "If this machine is offline or the server is unreachable, pass mirror=<a folder "
    "or URL holding the EMNIST member files, or a copy of gzip.zip> to fetch_emnist, "
    f"or set the environment variable {MIRROR_ENV}."
)


class _IncompleteTransfer(ConnectionError):
    """The server closed the connection before sending everything."""


class _RangesIgnored(Exception):
    """The server answered a range request with the whole file."""


class _MemberNotInZip(DownloadError):
    """A well-formed zip archive without the requested member."""


class _HTMLPage(DownloadError):
    """An HTML page where a file was expected (see :func:`_html_error`)."""


# ---------------------------------------------------------------- options ---


@dataclass
class Options:
    """Network and display settings of one fetch."""

    n_retries: int = 3
    delay: float = 1.0
    timeout: float = 60.0
    progress: bool = True

    def __post_init__(self):
        if isinstance(self.n_retries, bool) or not isinstance(self.n_retries, numbers.Integral) or self.n_retries < 0:
            raise ValueError(f"n_retries must be an int >= 0, got {self.n_retries!r}.")
        if not _is_finite_number(self.delay) or self.delay < 0:
            raise ValueError(f"delay must be a finite number of seconds >= 0, got {self.delay!r}.")
        if not _is_finite_number(self.timeout) or self.timeout <= 0:
            raise ValueError(f"timeout must be a finite number of seconds > 0, got {self.timeout!r}.")


def _is_finite_number(value):
    """A real number that is neither a bool nor NaN nor infinite."""
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)


def _progress_bar(total, desc, options):
    """A tqdm bar, or None when disabled or tqdm is missing."""
    if not options.progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    # disable=None: no bar when stderr is not a terminal (logs, CI)
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False, disable=None)


def _report_progress(bar, n_bytes):
    """Called once per chunk received (a hook that tests replace)."""
    if bar is not None:
        bar.update(n_bytes)


# ------------------------------------------------------------------- HTTP ---


def _is_transient(exc):
    """Whether retrying after ``exc`` may succeed."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    if isinstance(exc, urllib.error.URLError) and isinstance(
        exc.reason, (socket.gaierror, ConnectionRefusedError)
    ):
        return False  # offline or nothing listening: waiting will not help
    return isinstance(
        exc,
        (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, socket.timeout),
    )


def _describe(exc):
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"{type(exc.reason).__name__}: {exc.reason}"
    if isinstance(exc, _IncompleteTransfer):
        return f"incomplete transfer: {exc}"
    return f"{type(exc).__name__}: {exc}"


def with_retries(attempt, what, options):
    """Call ``attempt()``; retry transient network errors with a delay.

    Non-transient errors (404, checksum mismatch, ...) propagate at once; a
    transient error that persists becomes a :class:`DownloadError`.
    """
    for index in range(options.n_retries + 1):
        try:
            return attempt()
        except Exception as exc:  # noqa: BLE001 - classified below
            if not _is_transient(exc):
                if isinstance(exc, urllib.error.HTTPError):
                    raise DownloadError(
                        f"{what}: {_describe(exc)} at {exc.url}. The address is wrong or the "
                        f"file has moved. {_OFFLINE_HINT}"
                    ) from exc
                if isinstance(exc, urllib.error.URLError):
                    raise DownloadError(f"{what}: cannot reach the server ({_describe(exc)}). {_OFFLINE_HINT}") from exc
                raise
            if index == options.n_retries:
                raise DownloadError(
                    f"{what}: failed after {options.n_retries + 1} attempts "
                    f"({_describe(exc)}). {_OFFLINE_HINT}"
                ) from exc
            time.sleep(options.delay * (2**index))


def _open(url, options, byte_range=None):
    headers = {"User-Agent": _USER_AGENT}
    if byte_range is not None:
        headers["Range"] = byte_range
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=options.timeout)


_UTF8_BOM = b"\xef\xbb\xbf"
_HTML_OPENINGS = (b"<!doctype", b"<html", b"<head", b"<body", b"<!--", b"<?xml")
GZIP_MAGIC = b"\x1f\x8b"  # how every .gz member starts
ZIP_MAGIC = b"PK"  # how a zip archive starts
_ZIP_HEADER = b"PK\x03\x04"  # the first local file header of a zip archive
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _looks_like_html(first_bytes):
    """Whether the first bytes of a body are an HTML (or XML) page.

    Judged by the content: a misconfigured server may label the real file
    ``text/html`` (its SHA-256 decides), and an error page may come
    labelled as anything. A UTF-8 byte order mark and white space before
    the opening tag or comment are skipped.
    """
    head = first_bytes.removeprefix(_UTF8_BOM).lstrip()[:15].lower()
    return head.startswith(_HTML_OPENINGS)


def _is_html_page(response, first_bytes, magic):
    """Whether the body of ``response``, starting with ``first_bytes``, is an HTML page.

    It is if it looks like one (:func:`_looks_like_html`), or if it is
    labelled ``text/html`` and cannot be the file: its first bytes are not
    the file's ``magic`` (None: a file without one, judged by its content
    only). A real file with a wrong label is accepted (its SHA-256 decides),
    and bytes too few to tell (a transfer cut short) are not judged.
    """
    if _looks_like_html(first_bytes):
        return True
    if magic is None or response.headers.get_content_type() not in _HTML_TYPES:
        return False
    return not (first_bytes.startswith(magic) or magic.startswith(first_bytes))


def _html_error(url, what):
    return _HTMLPage(
        f"{url} served an HTML page instead of {what}: the address is wrong, has moved, "
        f"or a proxy or captive portal answered. {_OFFLINE_HINT}"
    )


def _content_range(response):
    """(start, end, total) of a 206 response."""
    match = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", response.headers.get("Content-Range", ""))
    if not match:
        raise DownloadError(f"{response.url}: 206 response without a valid Content-Range header")
    start, end, total = match.groups()
    return int(start), int(end), None if total == "*" else int(total)


def _read_all(response, expected):
    data = response.read()
    if expected is not None and len(data) != expected:
        raise _IncompleteTransfer(f"got {len(data)} of {expected} bytes")
    return data


# --------------------------------------------------------------- members ---


class _Verifier:
    """Write, hash and size-check a member as its bytes arrive."""

    def __init__(self, member, handle, source, in_place=False):
        self.member = member
        self.in_place = in_place  # checking a file where it lies: nothing is removed
        self.expected_sha, self.expected_size = member_checksum(member)
        self.handle = handle
        self.source = source
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, chunk):
        self.size += len(chunk)
        if self.size > self.expected_size:
            removed = "" if self.in_place else "; the download was removed"
            raise ChecksumMismatchError(
                f"{self.member} from {self.source} is larger than its official size "
                f"({self.expected_size} bytes){removed}. The source "
                "serves a different or corrupt file.",
                member=self.member, expected=str(self.expected_size), got=f">{self.expected_size}",
            )
        self.sha.update(chunk)
        self.handle.write(chunk)

    def check(self):
        got = self.sha.hexdigest()
        if self.size != self.expected_size or got != self.expected_sha:
            removed = "" if self.in_place else (
                " The file was removed; nothing corrupt was kept. Try again, or use another "
                "mirror.")
            raise ChecksumMismatchError(
                f"{self.member} from {self.source} failed verification: expected SHA-256 "
                f"{self.expected_sha} ({self.expected_size} bytes), got {got} "
                f"({self.size} bytes).{removed}",
                member=self.member, expected=self.expected_sha, got=got,
            )


def verify_file(path, member):
    """Raise :class:`ChecksumMismatchError` unless ``path`` is the official file."""
    with open(path, "rb") as handle:
        verifier = _Verifier(member, _NullWriter(), path, in_place=True)
        while chunk := handle.read(CHUNK):
            verifier.write(chunk)
    verifier.check()


class _NullWriter:
    def write(self, chunk):
        pass


def _download_verified(member, target, fill, source, options):
    """Run ``fill(verifier)`` into a temporary file, verify, rename to ``target``."""

    def attempt():
        with atomic_target(target) as tmp, open(tmp, "wb") as handle:
            verifier = _Verifier(member, handle, source)
            fill(verifier)
            verifier.check()

    with_retries(attempt, member, options)


# ---------------------------------------------------------------- sources ---


class FolderSource:
    """A local folder holding the member files (verified in place)."""

    local = True

    def __init__(self, folder):
        self.folder = Path(folder)

    def __str__(self):
        return str(self.folder)

    def obtain(self, member, gzip_dir, options):
        path = self.folder / member
        if not path.is_file():
            raise DownloadError(self._missing(member))
        try:
            verify_file(path, member)
        except ChecksumMismatchError as exc:
            raise ChecksumMismatchError(
                f"{exc} (The file in the mirror folder {self.folder} was left untouched: "
                "replace it with the official file.)",
                member=exc.member, expected=exc.expected, got=exc.got,
            ) from None
        return path

    def _missing(self, member):
        """Why ``member`` is not in the folder, and what to pass instead."""
        message = f"mirror folder {self.folder} has no {member}"
        hints = []
        zips = sorted(p.name for p in self.folder.glob("*.zip") if p.is_file())
        if zips:
            hints.append(
                f"it holds {', '.join(zips)}: pass the zip itself as the mirror (mirror="
                f"{os.fspath(self.folder / zips[0])!r}) to read the members from it"
            )
        if (self.folder / "gzip" / member).is_file():
            hints.append(
                f"its gzip/ subfolder has it: pass mirror={os.fspath(self.folder / 'gzip')!r}"
            )
        raw = member.removesuffix(".gz")
        match = re.fullmatch(r"emnist-(\w+)-(train|test)-(?:images-idx3|labels-idx1)-ubyte", raw)
        if (self.folder / raw).is_file() and match:
            hints.append(
                f"it holds {raw}, uncompressed: a mirror must hold the official .gz "
                "files, which are verified against their SHA-256 (a file compressed again "
                "does not match it); read the uncompressed files with "
                f"load_emnist_folder({os.fspath(self.folder)!r}, split={match[1]!r}, "
                f"subset={match[2]!r}) from sklearn_emnist.datasets"
            )
        else:
            hints.append(
                "a mirror folder holds the official member files as they are in the gzip/ "
                "folder of gzip.zip; for other layouts (uncompressed IDX files, other "
                "names) use sklearn_emnist.datasets.load_emnist_folder"
            )
        return f"{message}; " + "; ".join(hints) + "."


class BaseURLSource:
    """``<base>/<member>`` over HTTP(S)."""

    local = False

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def __str__(self):
        return self.base_url

    def obtain(self, member, gzip_dir, options):
        url = f"{self.base_url}/{member}"
        target = gzip_dir / member

        def fill(verifier):
            with _open(url, options) as response:
                bar = _progress_bar(verifier.expected_size, member, options)
                try:
                    length = response.headers.get("Content-Length")
                    first = True
                    magic = GZIP_MAGIC if member.endswith(".gz") else None
                    while chunk := response.read(CHUNK):
                        if first and _is_html_page(response, chunk, magic):
                            raise _html_error(url, member)
                        first = False
                        verifier.write(chunk)
                        _report_progress(bar, len(chunk))
                    if length is not None and verifier.size < int(length):
                        raise _IncompleteTransfer(f"got {verifier.size} of {length} bytes from {url}")
                finally:
                    if bar is not None:
                        bar.close()

        _download_verified(member, target, fill, url, options)
        return target


class _ZipReader:
    """Members of a zip reachable through ``open_range(start, end)``."""

    def __init__(self, name):
        self.name = name
        self._entries = None

    def entries(self, options):
        if self._entries is None:
            tail, tail_offset, total = self.read_tail(options)
            try:
                cd_offset, cd_size, n_entries = locate_central_directory(tail, tail_offset)
                if cd_offset + cd_size > total:
                    raise ZipFormatError("central directory beyond the end of the archive")
                if cd_offset >= tail_offset:
                    start = cd_offset - tail_offset
                    directory = tail[start : start + cd_size]
                else:
                    directory = self.read_range(cd_offset, cd_offset + cd_size - 1, options)
                self._entries = parse_central_directory(directory, n_entries)
            except ZipFormatError as exc:
                if _looks_like_html(tail[:64]) or b"<html" in tail.lower():
                    raise _html_error(self.name, "the EMNIST zip archive") from None
                raise DownloadError(f"{self.name} is not a valid zip archive ({exc}).") from exc
            self._ends = sorted({e.header_offset for e in self._entries.values()} | {cd_offset})
        return self._entries

    def entry(self, member, options):
        entries = self.entries(options)
        for name, entry in entries.items():
            if name.rsplit("/", 1)[-1] == member:
                return entry
        raise _MemberNotInZip(f"{self.name} has no member {member}; is it the EMNIST gzip.zip?")

    def member_end(self, entry):
        """Last byte of the member's record (before the next header)."""
        return next(end for end in self._ends if end > entry.header_offset) - 1

    def obtain(self, member, gzip_dir, options):
        entry = self.entry(member, options)
        target = gzip_dir / member

        def fill(verifier):
            stream = self.open_member(entry, options)
            bar = _progress_bar(entry.compressed_size, member, options)
            try:
                inflate_member(stream, entry, verifier.write, lambda n: _report_progress(bar, n))
            except ZipFormatError as exc:
                raise self.format_error(exc) from exc
            finally:
                stream.close()
                if bar is not None:
                    bar.close()

        _download_verified(member, target, fill, self.name, options)
        return target


class LocalZipSource(_ZipReader):
    """A local copy of ``gzip.zip``."""

    local = True

    def __init__(self, path):
        super().__init__(str(path))
        self.path = Path(path)

    def __str__(self):
        return str(self.path)

    def read_tail(self, options):
        total = self.path.stat().st_size
        start = max(0, total - MAX_TAIL)
        return self.read_range(start, total - 1, options), start, total

    def read_range(self, start, end, options):
        with open(self.path, "rb") as handle:
            handle.seek(start)
            return handle.read(end - start + 1)

    def open_member(self, entry, options):
        handle = open(self.path, "rb")
        handle.seek(entry.header_offset)
        return handle

    def format_error(self, exc):
        if isinstance(exc, UnsupportedZipError):
            return _unsupported_zip_error(self.path, exc)
        return DownloadError(f"{self.path} is a corrupt zip archive ({exc}); delete it and fetch again.")


def _unsupported_zip_error(where, exc):
    """A well-formed zip whose member this reader cannot extract (not a corrupt one)."""
    return DownloadError(
        f"{where} is a zip archive this reader cannot extract: {exc}. The official "
        "gzip.zip stores its members with deflate (method 8), which is supported, as is "
        "stored (method 0); a re-packed copy must use one of them (e.g. Python's "
        "zipfile.ZIP_DEFLATED, or `zip` without -Z). Or extract the member files into a "
        "folder and pass that folder as the mirror."
    )


class _RangeResponse:
    """An HTTP range response that fails loudly when cut short."""

    def __init__(self, response, length):
        self.response = response
        self.remaining = length

    def read(self, n):
        data = self.response.read(min(n, self.remaining))
        if not data and self.remaining and n:
            raise _IncompleteTransfer(f"connection closed with {self.remaining} bytes missing")
        self.remaining -= len(data)
        return data

    def close(self):
        self.response.close()


class ZipURLSource(_ZipReader):
    """A remote ``gzip.zip`` read with HTTP byte ranges where possible."""

    local = False

    def __init__(self, url):
        super().__init__(url)
        self.url = url

    def __str__(self):
        return self.url

    def _open_range(self, start, end, options):
        spec = f"bytes={start}-{end}" if start >= 0 else f"bytes={start}"
        response = _open(self.url, options, spec)
        if response.status != 206:
            # the whole body follows: its first bytes tell an HTML page (an
            # error page, a captive portal) from a server that ignores ranges
            try:
                head = response.read(1024)
                if _is_html_page(response, head, ZIP_MAGIC):
                    raise _html_error(self.url, "the EMNIST zip archive")
            finally:
                response.close()
            raise _RangesIgnored
        return response

    def read_tail(self, options):
        def attempt():
            with self._open_range(-MAX_TAIL, None, options) as response:
                start, end, total = _content_range(response)
                data = _read_all(response, end - start + 1)
                if _looks_like_html(data[:64]):
                    raise _html_error(self.url, "the EMNIST zip archive")
                return data, start, total if total is not None else end + 1

        return with_retries(attempt, f"the central directory of {self.url}", options)

    def read_range(self, start, end, options):
        def attempt():
            with self._open_range(start, end, options) as response:
                return _read_all(response, end - start + 1)

        return with_retries(attempt, f"bytes {start}-{end} of {self.url}", options)

    def open_member(self, entry, options):
        end = self.member_end(entry)
        response = self._open_range(entry.header_offset, end, options)
        return _RangeResponse(response, end - entry.header_offset + 1)

    def format_error(self, exc):
        if isinstance(exc, UnsupportedZipError):
            return _unsupported_zip_error(self.url, exc)
        return DownloadError(f"{self.url} sent a corrupt zip member ({exc}).")

    def _not_a_zip(self, path, size, *, complete, reason):
        """The error for ``size`` downloaded bytes (in ``path``) that are not a zip archive.

        Bytes that start like a zip archive, of a transfer whose length the
        server did not announce, may have been cut short: an
        :class:`_IncompleteTransfer`, retried. So are an empty body and, without
        an announced length, fewer bytes than a zip archive's first header
        (too few to tell what was being sent). Anything else fails at once
        (a :class:`DownloadError`): the server sent all it announced, and
        asking again would bring the same bytes.
        """
        with open(path, "rb") as handle:
            head = handle.read(len(_ZIP_HEADER))
        starts_like_a_zip = head == _ZIP_HEADER
        if size < len(_ZIP_HEADER) and _ZIP_HEADER.startswith(head) and (size == 0 or not complete):
            announced = "an empty body" if complete else "no Content-Length"
            return _IncompleteTransfer(
                f"{self.url} sent only {size} bytes ({announced}), too few to be the zip "
                "archive: the transfer was cut off before the archive's first bytes"
            )
        if not complete and starts_like_a_zip:
            return _IncompleteTransfer(
                f"{self.url} sent {size} bytes (no Content-Length) that are not a whole zip "
                f"archive ({reason})"
            )
        if starts_like_a_zip:
            detail = (f"the server sent all {size} bytes it announced; they start like a zip "
                      "archive but do not end like one: the server holds an incomplete copy")
        else:
            detail = (f"the server sent {size} bytes that are not a zip archive: the address "
                      "is wrong or serves another file")
        return DownloadError(
            f"{self.url} is not a valid zip archive ({reason}): {detail}. Check the address, "
            "or use another mirror."
        )

    def download_whole(self, target, member, options):
        """Download the whole zip to ``target`` (for servers without ranges).

        ``target`` is replaced only by a complete zip archive holding
        ``member``; otherwise it stays as it was.
        """

        def attempt():
            with atomic_target(target) as tmp, open(tmp, "wb") as handle, _open(self.url, options) as response:
                length = response.headers.get("Content-Length")
                bar = _progress_bar(int(length) if length else None, ZIP_NAME, options)
                size, first = 0, True
                try:
                    while chunk := response.read(CHUNK):
                        if first and _is_html_page(response, chunk, ZIP_MAGIC):
                            raise _html_error(self.url, "the EMNIST zip archive")
                        first = False
                        handle.write(chunk)
                        size += len(chunk)
                        _report_progress(bar, len(chunk))
                finally:
                    if bar is not None:
                        bar.close()
                if length is not None and size != int(length):
                    raise _IncompleteTransfer(f"got {size} of {length} bytes of {self.url}")
                handle.flush()
                # a zip holding the member, or an error before the rename
                try:
                    LocalZipSource(tmp).entry(member, options)
                except _MemberNotInZip:
                    raise _MemberNotInZip(
                        f"{self.url} has no member {member}; is it the EMNIST gzip.zip?"
                    ) from None
                except _HTMLPage:  # found in the downloaded body: name the address, not the file
                    raise _html_error(self.url, "the EMNIST zip archive") from None
                except DownloadError as exc:
                    if not isinstance(exc.__cause__, ZipFormatError):
                        raise
                    raise self._not_a_zip(tmp, size, complete=length is not None,
                                          reason=exc.__cause__) from None

        with_retries(attempt, f"{ZIP_NAME} from {self.url}", options)


def resolve_source(mirror, official_url):
    """The source for ``mirror`` (None: env variable, then the official URL).

    An invalid value raises :class:`ValueError` naming where it came from:
    the ``mirror`` argument or the environment variable :data:`MIRROR_ENV`.
    """
    from_env = mirror is None
    if from_env:
        mirror = os.environ.get(MIRROR_ENV) or None  # set but empty: unset
    if mirror is None:
        return ZipURLSource(official_url)
    if from_env:
        named = f"the environment variable {MIRROR_ENV}={mirror!r}"
        fix = f"Set {MIRROR_ENV} to a base URL or folder holding the EMNIST member files"
        alternative = "; or unset it to use the official URL"
    else:
        named = f"mirror={mirror!r}"
        fix = "Pass a base URL or folder holding the EMNIST member files"
        alternative = ""
    text = os.fspath(mirror)
    if not str(text).strip():
        if from_env:
            raise ValueError(
                f"{named} is blank; unset it to use the official URL, or set it to a base "
                "URL, folder or gzip.zip."
            )
        raise ValueError(
            f"{named} is empty; pass None for the official source (or "
            f"{MIRROR_ENV}), or a base URL, folder or gzip.zip."
        )
    if re.match(r"^(https?|ftp)://", text, re.IGNORECASE):
        path_part = text.split("?", 1)[0]
        return ZipURLSource(text) if path_part.lower().endswith(".zip") else BaseURLSource(text)
    file_url = re.match(r"^file://(localhost)?", text, re.IGNORECASE)
    if file_url:  # file:///path and file://localhost/path, as RFC 8089
        text = urllib.request.url2pathname(text[file_url.end():])
    path = Path(text).expanduser()
    if path.is_dir():
        return FolderSource(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return LocalZipSource(path)
    raise ValueError(
        f"{named} is neither an http(s) URL nor an existing folder or .zip file. "
        f"{fix} (e.g. emnist-letters-train-images-idx3-ubyte.gz), or the URL or path of "
        f"gzip.zip{alternative}."
    )


# ----------------------------------------------------------- orchestration ---


def _cached_member(gzip_dir, member):
    """``(path, False)`` for a verified cached member, else ``(None, corrupt)``.

    ``corrupt`` says whether a cached file is there but is not the official
    one. It is not removed: a download replaces it atomically, and where
    nothing may replace it :func:`_corrupt_cached` says so.
    """
    path = gzip_dir / member
    if not path.is_file():
        return None, False
    try:
        verify_file(path, member)
    except ChecksumMismatchError:
        return None, True
    return path, False


def _sha256_and_size(path):
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def _link_to_member(gzip_dir, member):
    """The symbolic link (``gzip/`` or the member) through which ``member`` is reached, or None.

    A file reached through a link is the user's own, not the cache's: it is
    never replaced.
    """
    return next((p for p in (gzip_dir, gzip_dir / member) if p.is_symlink()), None)


def _corrupt_cached(gzip_dir, member):
    """The :class:`ChecksumMismatchError` for a corrupt cached member, saying what to do."""
    path = gzip_dir / member
    expected_sha, expected_size = member_checksum(member)
    got_sha, got_size = _sha256_and_size(path)
    link = _link_to_member(gzip_dir, member)
    if link is not None:
        advice = (
            f"It is reached through the symbolic link {link}, so it was left untouched: "
            "replace the file the link points to with the official file, or remove the "
            "link to let fetch_emnist download the file into the cache."
        )
    else:
        advice = (
            "It was left untouched: call fetch_emnist with download_if_missing=True (the "
            "default) to replace it with a fresh download, pass mirror=<a folder or zip "
            "holding the member files>, or delete it."
        )
    return ChecksumMismatchError(
        f"The cached file {path} is corrupt: expected SHA-256 {expected_sha} "
        f"({expected_size} bytes), got {got_sha} ({got_size} bytes). {advice}",
        member=member, expected=expected_sha, got=got_sha,
    )


def obtain_members(members, get_source, home, *, download_if_missing, options, scratch):
    """Verified local paths of ``members``, downloading what is missing.

    Parameters
    ----------
    members : list of str
        Official member names.
    get_source : callable
        Returns the source (a :class:`FolderSource`, :class:`BaseURLSource`,
        :class:`ZipURLSource` or :class:`LocalZipSource`, see
        :func:`resolve_source`). Called only when a member is not cached, so
        that cached members load even when the mirror is gone.
    home : Path
        ``<data_home>/emnist``.
    download_if_missing : bool
        If False, raise :class:`DataNotCachedError` instead of using the network
        (:class:`ChecksumMismatchError` if the cached copy is corrupt; it is
        kept). A corrupt cached copy reached through a symbolic link (``gzip/``
        or the file) is never replaced: :class:`ChecksumMismatchError` too.
    options : Options
    scratch : ScratchFolder
        Where members go when ``home/gzip`` cannot be created or locked (a
        read-only ``data_home``): they are downloaded (or extracted) there,
        verified like any download, and left for the caller to decode before
        it closes ``scratch``; ``scratch.unwritable`` then names the folder.
        A local mirror folder needs no writing: its files are verified in
        place.
    """
    gzip_dir = home / "gzip"  # created when a member is downloaded into it
    # what a killed download (SIGTERM, a crash) left behind, cached or not
    remove_dead_parts(home / ZIP_NAME)
    paths = []
    source = None
    for member in members:
        remove_dead_parts(gzip_dir / member)
        path, corrupt = _cached_member(gzip_dir, member)
        if path is None:
            if source is None:
                source = get_source()
            if isinstance(source, FolderSource):
                path = source.obtain(member, gzip_dir, options)  # verified in place, not copied
            else:
                with ExitStack() as stack:
                    unwritable = _lock_in_cache(stack, gzip_dir, member)
                    if unwritable is not None:  # a read-only cache: a temporary folder
                        path = _obtain_one(member, source, home, download_if_missing, options,
                                           corrupt=corrupt, work=scratch.path(gzip_dir, unwritable))
                    else:
                        path, corrupt = _cached_member(gzip_dir, member)
                    if path is None:
                        if corrupt and _link_to_member(gzip_dir, member) is not None:
                            raise _corrupt_cached(gzip_dir, member)  # the user's own file: kept
                        remove_stale_parts(gzip_dir / member)
                        path = _obtain_one(member, source, home, download_if_missing, options,
                                           corrupt=corrupt)
        paths.append(path)
    return paths


def _lock_in_cache(stack, gzip_dir, member):
    """Create ``gzip_dir`` and hold the lock of ``member`` in it (on ``stack``).

    Returns None, or the :class:`OSError` saying that the cache cannot be
    written (no permission, read-only file system); other errors propagate.
    """
    try:
        gzip_dir.mkdir(parents=True, exist_ok=True)
        stack.enter_context(file_lock(gzip_dir / member))
    except OSError as exc:
        if not is_unwritable(exc):
            raise
        return exc
    return None


def _not_cached(member, home):
    return DataNotCachedError(
        f"{member} is not in the cache {home} and download_if_missing=False. "
        "Call fetch_emnist with download_if_missing=True (the default) once "
        f"while online, or pass mirror=<a folder holding the member files> or "
        f"set {MIRROR_ENV}."
    )


def _obtain_one(member, source, home, download_if_missing, options, *, corrupt=False, work=None):
    """Obtain one member that is not cached (called under its lock).

    ``corrupt``: a corrupt copy is cached. What is obtained replaces it; when
    nothing may be downloaded, the error says it is corrupt (not "not in
    the cache") and it is kept.

    ``work``: the folder whose ``gzip/`` receives the member (and which
    keeps a whole zip downloaded from a server that ignores byte ranges):
    ``home`` by default, a private temporary folder when ``home`` cannot be
    written. A zip kept in ``home`` by an earlier fetch is read either way.
    """
    work = home if work is None else work
    gzip_dir, zip_path = work / "gzip", work / ZIP_NAME
    gzip_dir.mkdir(exist_ok=True)
    if isinstance(source, ZipURLSource):
        # a previous fetch had to download a whole zip (perhaps from another
        # mirror): use it if it holds the member, else ask the source and
        # keep the cached zip for the members it does hold
        for cached_zip in dict.fromkeys([home / ZIP_NAME, zip_path]):
            if cached_zip.is_file():
                try:
                    return _from_cached_zip(member, cached_zip, gzip_dir, options)
                except DownloadError:
                    pass  # lacks the member (kept), or corrupt (removed): ask the source
    if not download_if_missing and not source.local:
        raise _corrupt_cached(home / "gzip", member) if corrupt else _not_cached(member, home)
    if isinstance(source, ZipURLSource):
        try:
            return source.obtain(member, gzip_dir, options)
        except _RangesIgnored:
            with file_lock(zip_path):
                # another process may have downloaded it while we waited
                if not _zip_holds(zip_path, member, options):
                    remove_stale_parts(zip_path)
                    # replaces a cached zip that lacks the member, once the
                    # new one is known to be a zip archive holding it
                    source.download_whole(zip_path, member, options)
            return _from_cached_zip(member, zip_path, gzip_dir, options)
    return source.obtain(member, gzip_dir, options)


def _zip_holds(zip_path, member, options):
    """Whether ``zip_path`` is a readable zip archive holding ``member``."""
    if not zip_path.is_file():
        return False
    try:
        LocalZipSource(zip_path).entry(member, options)
    except DownloadError:
        return False
    return True


def _from_cached_zip(member, zip_path, gzip_dir, options):
    try:
        return LocalZipSource(zip_path).obtain(member, gzip_dir, options)
    except _MemberNotInZip:
        raise  # a valid zip of another mirror: kept for its own members
    except (ChecksumMismatchError, DownloadError):
        try:
            zip_path.unlink(missing_ok=True)  # corrupt: fetch it again next time
        except OSError as exc:
            if not is_unwritable(exc):  # a read-only cache keeps it; it is not trusted now
                raise
        raise
