"""Fixtures for the dataset tests: loopback HTTP servers and official-layout zips.

The servers and zips are session-scoped (the byclass test images are 29 MB);
every test gets them reset (no faults, zero counters) and its own empty cache.
"""

import errno
import os
import stat
import tempfile
import zipfile

import pytest

from .._data import require_shared
from .._http_server import LoopbackServer

SMALL_MEMBERS = (
    "emnist-mnist-test-images-idx3-ubyte.gz",
    "emnist-mnist-test-labels-idx1-ubyte.gz",
    "emnist-mnist-mapping.txt",
)


def build_official_zip(path, folder, members, *, deflate_large=False):
    """A zip with the official layout (``gzip/<member>``) of real member files.

    Small members are deflated, as in the official archive; large ones are
    stored unless ``deflate_large`` (deflating 29 MB of gzip data is slow and
    gains nothing), so both methods are exercised.
    """
    with zipfile.ZipFile(path, "w") as archive:
        for name in members:
            source = os.path.join(folder, name)
            large = os.path.getsize(source) > 1_000_000 and not deflate_large
            method = zipfile.ZIP_STORED if large else zipfile.ZIP_DEFLATED
            archive.write(source, f"gzip/{name}", compress_type=method, compresslevel=1)
    return path


@pytest.fixture(scope="session")
def gzip_folder():
    """../shared/emnist/gzip: official member files (fails in CI if missing)."""
    return require_shared("gzip")


@pytest.fixture(scope="session")
def full_zip(gzip_folder, tmp_path_factory):
    """Every shared member in a zip with the official layout (about 60 MB)."""
    path = tmp_path_factory.mktemp("zip") / "gzip.zip"
    return build_official_zip(path, gzip_folder, sorted(os.listdir(gzip_folder)))


@pytest.fixture(scope="session")
def small_zip(gzip_folder, tmp_path_factory):
    """The mnist test members in an official-layout zip, all deflated (2.5 MB)."""
    path = tmp_path_factory.mktemp("zip") / "gzip.zip"
    return build_official_zip(path, gzip_folder, SMALL_MEMBERS, deflate_large=True)


@pytest.fixture(scope="session")
def _range_server(gzip_folder, full_zip, small_zip):
    with LoopbackServer(
        root=gzip_folder, routes={"/full/gzip.zip": full_zip, "/small/gzip.zip": small_zip}, ranges=True
    ) as server:
        yield server


@pytest.fixture(scope="session")
def _plain_server(gzip_folder, full_zip, small_zip):
    with LoopbackServer(
        root=gzip_folder, routes={"/full/gzip.zip": full_zip, "/small/gzip.zip": small_zip}, ranges=False
    ) as server:
        yield server


@pytest.fixture
def range_server(_range_server):
    """Serves gzip/ at / and the zips at /full/gzip.zip, /small/gzip.zip; honours ranges."""
    _range_server.reset()
    yield _range_server
    _range_server.reset()


@pytest.fixture
def plain_server(_plain_server):
    """Same files as ``range_server`` but ignores Range headers (always 200)."""
    _plain_server.reset()
    yield _plain_server
    _plain_server.reset()


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """An empty cache root; the user's SCIKIT_LEARN_DATA and mirror are hidden."""
    home = tmp_path / "scikit_learn_data"
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    monkeypatch.delenv("SKLEARN_EMNIST_MIRROR", raising=False)
    return home


def cache_files(home):
    """Every file under ``home`` (relative paths, sorted)."""
    return sorted(
        os.path.relpath(os.path.join(root, name), home)
        for root, _, names in os.walk(home)
        for name in names
    )


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)`` makes ``folder`` (and everything under it) read-only.

    The permission bits are removed. Where they do not bind (running as root,
    as in many containers), ``os.mkdir`` and ``os.open`` for writing (how the
    cache creates its folders and lock files) under ``folder`` are refused
    with ``PermissionError`` instead, as the operating system would.
    """
    protected, changed = [], []

    def inside(path):
        try:
            real = os.path.realpath(os.fspath(path))
        except TypeError:  # a file descriptor
            return False
        return any(real == root or real.startswith(root + os.sep) for root in protected)

    real_mkdir, real_open, real_close = os.mkdir, os.open, os.close

    def mkdir(path, *args, **kwargs):
        if inside(path):
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    def open_(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    def make(folder):
        folder = os.fspath(folder)
        for root, dirs, files in os.walk(folder):
            for name in [root] + [os.path.join(root, f) for f in files]:
                mode = os.stat(name).st_mode
                changed.append((name, mode))
                os.chmod(name, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        probe = os.path.join(folder, ".write-probe")
        try:
            real_close(real_open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except PermissionError:
            return  # the bits bind: the real thing
        os.unlink(probe)
        protected.append(os.path.realpath(folder))
        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "open", open_)

    yield make
    for name, mode in reversed(changed):
        os.chmod(name, mode)


@pytest.fixture
def rewrite_headers(monkeypatch):
    """``rewrite_headers(rewrite)`` makes the loopback servers send ``rewrite(key, value)``
    instead of each response header (None drops it), as a misconfigured server would.

    Affects every request answered until the end of the test.
    """
    from .. import _http_server

    real_send = _http_server._Handler._send

    def install(rewrite):
        def send(self, *args, **kwargs):
            real_header = self.send_header

            def send_header(key, value):
                value = rewrite(key, value)
                if value is not None:
                    real_header(key, value)

            self.send_header = send_header
            try:
                return real_send(self, *args, **kwargs)
            finally:
                del self.send_header

        monkeypatch.setattr(_http_server._Handler, "_send", send)

    return install


@pytest.fixture
def scratch_root(tmp_path, monkeypatch):
    """The folder where temporary folders (``tempfile.mkdtemp``) are made during the test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root
