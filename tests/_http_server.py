"""A real HTTP server on 127.0.0.1 for tests (ephemeral port, daemon thread).

Serves files from a folder and/or explicit routes, with or without support
for HTTP byte ranges, and can inject faults per path: a corrupt byte, a
truncated body (honest or lying ``Content-Length``), an HTML page instead of
the file, error status codes before success. It counts requests and bytes
served so that tests can assert what a client really transferred.

Usage::

    with LoopbackServer(root=folder, ranges=True) as server:
        url = server.url("emnist-mnist-test-labels-idx1-ubyte.gz")
        server.fail("/emnist-...gz", statuses=[503, 503])   # then success
        server.fault("/emnist-...gz", "corrupt", offset=100)
        server.slow("/emnist-...gz", 1.0)                    # answer late
        ...
        server.requests        # list of Request(path, range, status, sent)
        server.bytes_served

or as session-scoped pytest fixtures (see tests/datasets/conftest.py), with
``server.reset()`` between tests.
"""

import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = ["LoopbackServer", "Request"]

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Page moved</title></head>"
    b"<body><p>The resource you requested has moved.</p></body></html>\n"
)
_CHUNK = 1 << 20


@dataclass
class Request:
    """One request as the server saw it."""

    path: str
    range: str | None
    status: int
    sent: int = 0


@dataclass
class _Fault:
    kind: str  # "corrupt", "truncate", "lying-length", "html", "reset"
    offset: int = 0
    statuses: list = field(default_factory=list)


class LoopbackServer:
    """HTTP server on 127.0.0.1 serving ``root`` and ``routes``.

    Parameters
    ----------
    root : path-like, default=None
        Folder whose files are served at ``/<name>``.
    routes : dict, default=None
        Extra URL path -> local path or ``bytes``.
    ranges : bool, default=True
        Honour ``Range: bytes=...`` headers (206 answers). If False the
        header is ignored and the whole file is sent with 200, as some
        servers and proxies do.
    """

    def __init__(self, root=None, routes=None, *, ranges=True):
        self.root = Path(root) if root is not None else None
        self.routes = dict(routes or {})
        self.ranges = ranges
        self._lock = threading.Lock()
        self.requests = []
        self._faults = {}
        self._statuses = {}
        self._delays = {}
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    # -- public API --------------------------------------------------------
    @property
    def base_url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path=""):
        return f"{self.base_url}/{str(path).lstrip('/')}"

    def add(self, path, source):
        """Serve ``source`` (a local path or bytes) at URL ``path``."""
        self.routes["/" + str(path).lstrip("/")] = source

    def fault(self, path, kind, *, offset=0):
        """Inject a fault on every request for ``path`` until :meth:`reset`.

        kind : "corrupt" (flip the byte at ``offset``), "truncate" (serve only
        ``offset`` bytes with an honest Content-Length), "lying-length" (send
        ``offset`` bytes, announce the full length, then close), "html" (an
        HTML page with status 200) or "missing" (404).
        """
        if kind not in ("corrupt", "truncate", "lying-length", "html", "missing"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults["/" + str(path).lstrip("/")] = _Fault(kind, offset)

    def slow(self, path, seconds):
        """Wait ``seconds`` before answering each request for ``path``."""
        with self._lock:
            self._delays["/" + str(path).lstrip("/")] = float(seconds)

    def fail(self, path, statuses):
        """Answer the next requests for ``path`` with these status codes."""
        with self._lock:
            self._statuses["/" + str(path).lstrip("/")] = list(statuses)

    def reset(self):
        """Forget faults, pending statuses and counters."""
        with self._lock:
            self._faults.clear()
            self._statuses.clear()
            self._delays.clear()
            self.requests.clear()

    @property
    def bytes_served(self):
        with self._lock:
            return sum(r.sent for r in self.requests)

    def count(self, path=None):
        """Number of requests (for ``path`` if given)."""
        with self._lock:
            if path is None:
                return len(self.requests)
            path = "/" + str(path).lstrip("/")
            return sum(r.path == path for r in self.requests)

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # -- used by the handler -------------------------------------------------
    def _resolve(self, path):
        source = self.routes.get(path)
        if source is None and self.root is not None:
            candidate = (self.root / path.lstrip("/")).resolve()
            if candidate.is_file() and self.root.resolve() in candidate.parents:
                source = candidate
        return source

    def _take_status(self, path):
        with self._lock:
            pending = self._statuses.get(path)
            return pending.pop(0) if pending else None

    def _delay_for(self, path):
        with self._lock:
            return self._delays.get(path, 0.0)

    def _fault_for(self, path):
        with self._lock:
            return self._faults.get(path)

    def _record(self, request):
        with self._lock:
            self.requests.append(request)


def _parse_range(header, size):
    """(start, end) inclusive, or None if unsatisfiable/unsupported."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # suffix range: the last N bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n > 0 and size > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None


class _Handler(BaseHTTPRequestHandler):
    owner: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_HEAD(self):  # noqa: N802
        self._serve(head=True)

    def do_GET(self):  # noqa: N802
        self._serve(head=False)

    def _send(self, status, body, headers=(), head=False, request=None, declared=None):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if not head:
            try:
                for start in range(0, len(body), _CHUNK):
                    self.wfile.write(body[start : start + _CHUNK])
                    if request is not None:
                        request.sent += min(_CHUNK, len(body) - start)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away (e.g. a test interrupting a download)

    def _serve(self, head):
        owner = self.owner
        path = unquote(urlsplit(self.path).path)
        range_header = self.headers.get("Range")
        request = Request(path, range_header, 0)
        owner._record(request)
        if owner._delay_for(path):
            time.sleep(owner._delay_for(path))
        status = owner._take_status(path)
        if status is not None:
            request.status = status
            self._send(status, f"status {status}\n".encode(), [("Content-Type", "text/plain")], head, request)
            return
        fault = owner._fault_for(path)
        source = owner._resolve(path)
        if source is None or (fault is not None and fault.kind == "missing"):
            request.status = 404
            self._send(404, b"not found\n", [("Content-Type", "text/plain")], head, request)
            return
        if fault is not None and fault.kind == "html":
            request.status = 200
            self._send(200, HTML_PAGE, [("Content-Type", "text/html; charset=utf-8")], head, request)
            return
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        declared = None
        if fault is not None and fault.kind == "corrupt":
            data = bytearray(data)
            data[fault.offset] ^= 0xFF
            data = bytes(data)
        elif fault is not None and fault.kind == "truncate":
            data = data[: fault.offset]
        elif fault is not None and fault.kind == "lying-length":
            declared, data = len(data), data[: fault.offset]
        size = len(data) if declared is None else declared
        headers = [("Content-Type", "application/octet-stream")]
        if owner.ranges:
            headers.append(("Accept-Ranges", "bytes"))
        if owner.ranges and range_header:
            byte_range = _parse_range(range_header, size)
            if byte_range is None:
                request.status = 416
                self._send(416, b"", [("Content-Range", f"bytes */{size}")], head, request)
                return
            start, end = byte_range
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
            part = data[start : end + 1]
            request.status = 206
            self._send(206, part, headers, head, request,
                       declared=(end - start + 1) if declared is not None else None)
            return
        request.status = 200
        self._send(200, data, headers, head, request, declared=declared)
