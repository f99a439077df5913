"""Fixtures for the dataset tests: loopback HTTP servers and official-layout zips.

The servers and zips are session-scoped (the byclass test images are 29 MB);
every test gets them reset (no faults, zero counters) and its own empty cache.
"""

import os
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
