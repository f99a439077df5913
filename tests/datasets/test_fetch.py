"""fetch_emnist on real EMNIST files served by a loopback HTTP server."""

import gzip
import shutil
import time
import zipfile

import numpy as np
import pytest

from sklearn_emnist.datasets import (
    DataNotCachedError,
    DownloadError,
    fetch_emnist,
    load_emnist_folder,
    read_idx,
)
from sklearn_emnist.datasets import _fetch

from .conftest import build_official_zip, cache_files

FAST = dict(progress=False, delay=0.01)
# one worker runs this module under `pytest -n 2 --dist loadgroup`, so the
# 29 MB byclass file is fetched and decoded once
pytestmark = pytest.mark.xdist_group("datasets_fetch")


def _official_labels(gzip_folder, split, subset="test"):
    return read_idx(gzip_folder / f"emnist-{split}-{subset}-labels-idx1-ubyte.gz")


def _spread(images, axis):
    """Mean spread (standard deviation) of the ink along ``axis`` (1 = rows)."""
    ink = images.astype(np.float64)
    coords = np.arange(28, dtype=np.float64)
    profile = ink.sum(axis=3 - axis)  # (n, 28) ink per row (axis=1) or column
    total = profile.sum(axis=1, keepdims=True)
    mean = (profile * coords).sum(axis=1, keepdims=True) / total
    return np.sqrt((profile * (coords - mean) ** 2).sum(axis=1) / total[:, 0]).mean()


@pytest.fixture(scope="module")
def byclass_cold_warm(_range_server, tmp_path_factory):
    """byclass test from the loopback mirror: (bunch, cold s, warm s, bytes served)."""
    home = tmp_path_factory.mktemp("byclass_home")
    _range_server.reset()
    start = time.perf_counter()
    cold = fetch_emnist("byclass", subset="test", mirror=_range_server.base_url, data_home=home, **FAST)
    cold_seconds = time.perf_counter() - start
    served = _range_server.bytes_served
    warm_seconds = []
    for _ in range(3):  # best of 3: the machine is shared, one call can be descheduled
        start = time.perf_counter()
        warm = fetch_emnist("byclass", subset="test", mirror=_range_server.base_url, data_home=home, **FAST)
        warm_seconds.append(time.perf_counter() - start)
    warm_seconds = min(warm_seconds)
    requests_after_warm = _range_server.count()
    _range_server.reset()
    return cold, warm, cold_seconds, warm_seconds, served, requests_after_warm


def test_byclass_test_real_shapes_labels_and_names(byclass_cold_warm, gzip_folder):
    bunch = byclass_cold_warm[0]
    assert bunch.data.shape == (116_323, 784) and bunch.data.dtype == np.uint8
    assert bunch.images.shape == (116_323, 28, 28)
    assert np.shares_memory(bunch.data, bunch.images)
    assert bunch.target.dtype == np.int64
    assert len(bunch.target_names) == 62 and bunch.n_classes == 62
    assert "".join(bunch.target_names) == (
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    )
    labels = _official_labels(gzip_folder, "byclass")
    np.testing.assert_array_equal(np.bincount(bunch.target, minlength=62), np.bincount(labels, minlength=62))
    assert bunch.split == "byclass" and bunch.subset == "test"
    assert "EMNIST" in bunch.DESCR


def test_images_come_out_upright(byclass_cold_warm, gzip_folder):
    bunch = byclass_cold_warm[0]
    ones = bunch.images[bunch.target == 1][:2000]
    # a handwritten '1' is a vertical stroke: ink spreads over rows, not columns
    assert _spread(ones, axis=1) > 2 * _spread(ones, axis=2)
    with gzip.open(gzip_folder / "emnist-byclass-test-images-idx3-ubyte.gz") as handle:
        raw = np.frombuffer(handle.read(16 + 50 * 784)[16:], dtype=np.uint8).reshape(50, 28, 28)
    np.testing.assert_array_equal(bunch.images[:50], raw.transpose(0, 2, 1))


def test_second_call_is_served_from_the_cache(byclass_cold_warm):
    cold, warm, cold_seconds, warm_seconds, served, requests_after_warm = byclass_cold_warm
    assert served >= 28_908_322  # the images member really travelled once
    assert requests_after_warm == 2  # images + labels, nothing more on the warm calls
    np.testing.assert_array_equal(cold.target, warm.target)
    np.testing.assert_array_equal(cold.images[-100:], warm.images[-100:])


def test_bymerge_through_zip_byte_ranges_reads_only_its_members(range_server, data_home, full_zip, gzip_folder):
    bunch = fetch_emnist("bymerge", subset="test", mirror=range_server.url("full/gzip.zip"), **FAST)
    assert bunch.images.shape == (116_323, 28, 28)
    assert len(bunch.target_names) == 47
    names = "".join(bunch.target_names)
    assert names.startswith("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") and names.endswith("abdefghnqrt")
    labels = _official_labels(gzip_folder, "bymerge")
    np.testing.assert_array_equal(np.bincount(bunch.target, minlength=47), np.bincount(labels, minlength=47))
    assert all(r.status == 206 for r in range_server.requests)
    members = 28_905_295 + 79_351
    assert range_server.bytes_served < members + 200_000  # not the 60 MB zip
    assert range_server.bytes_served < full_zip.stat().st_size / 2
    assert not any(name.endswith(".zip") for name in cache_files(data_home))  # the whole zip was not kept


def test_mnist_through_whole_zip_when_server_ignores_ranges(plain_server, data_home, gzip_folder):
    url = plain_server.url("small/gzip.zip")
    bunch = fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert bunch.images.shape == (10_000, 28, 28)
    assert list(bunch.target_names) == list("0123456789")
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert "emnist/gzip.zip" in cache_files(data_home)  # kept for the next members
    assert all(r.status == 200 for r in plain_server.requests)
    # a later call that misses the decoded arrays extracts from the kept zip
    plain_server.reset()
    (data_home / "emnist" / "arrays-v1" / "mnist-test-images.npy").unlink()
    (data_home / "emnist" / "gzip" / "emnist-mnist-test-images-idx3-ubyte.gz").unlink()
    again = fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert plain_server.count() == 0  # ...but the same one extracts from its zip
    np.testing.assert_array_equal(again.images, bunch.images)


def test_default_source_is_the_official_zip_url(range_server, data_home, monkeypatch):
    monkeypatch.setattr(_fetch, "EMNIST_URL", range_server.url("small/gzip.zip"))
    assert _fetch.fetch_emnist.__module__ == "sklearn_emnist.datasets._fetch"
    bunch = fetch_emnist("mnist", subset="test", **FAST)
    assert len(bunch.target) == 10_000
    assert {r.path for r in range_server.requests} == {"/small/gzip.zip"}
    assert all(r.range is not None for r in range_server.requests)


def test_mirror_from_environment_variable(range_server, data_home, monkeypatch):
    monkeypatch.setenv("SKLEARN_EMNIST_MIRROR", range_server.base_url)
    bunch = fetch_emnist("mnist", subset="test", **FAST)
    assert len(bunch.target) == 10_000
    assert range_server.count("/emnist-mnist-test-images-idx3-ubyte.gz") == 1


def test_local_folder_mirror_is_verified_in_place_not_copied(data_home, gzip_folder):
    bunch = fetch_emnist("mnist", subset="test", mirror=gzip_folder, download_if_missing=False, **FAST)
    assert len(bunch.target) == 10_000
    assert not any(name.endswith(".gz") for name in cache_files(data_home))


@pytest.mark.parametrize("prefix", ["file://", "file://localhost", "FILE://"])
def test_file_urls_name_a_local_mirror(data_home, gzip_folder, prefix):
    bunch = fetch_emnist("mnist", subset="test", mirror=prefix + gzip_folder.as_posix(),
                         download_if_missing=False, **FAST)
    assert len(bunch.target) == 10_000


def test_an_empty_mirror_is_refused_not_read_as_the_current_folder(data_home):
    with pytest.raises(ValueError, match="mirror='' is empty"):
        fetch_emnist("mnist", subset="test", mirror="", **FAST)


def test_local_zip_mirror(data_home, small_zip):
    bunch = fetch_emnist("mnist", subset="test", mirror=small_zip, return_X_y=True, **FAST)
    X, y = bunch
    assert X.shape == (10_000, 784) and y.shape == (10_000,)


def test_not_cached_and_no_download_says_how_to_use_a_mirror(data_home):
    with pytest.raises(DataNotCachedError, match="SKLEARN_EMNIST_MIRROR"):
        fetch_emnist("letters", subset="test", download_if_missing=False, **FAST)
    assert cache_files(data_home) == []


@pytest.mark.parametrize("given_as", ["argument", "environment"])
def test_cached_data_loads_after_the_mirror_is_gone(data_home, gzip_folder, tmp_path, monkeypatch, given_as):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for member in ("emnist-mnist-test-images-idx3-ubyte.gz", "emnist-mnist-test-labels-idx1-ubyte.gz"):
        shutil.copy(gzip_folder / member, mirror / member)
    first = fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    shutil.rmtree(mirror)  # e.g. a USB stick or a hand-made copy removed once the data is cached
    if given_as == "environment":
        monkeypatch.setenv("SKLEARN_EMNIST_MIRROR", str(mirror))
    kwargs = {"mirror": mirror} if given_as == "argument" else {}
    again = fetch_emnist("mnist", subset="test", download_if_missing=False, **kwargs, **FAST)
    np.testing.assert_array_equal(again.target, first.target)


def test_verified_members_in_a_read_only_data_home_load_with_a_warning(data_home, gzip_folder, read_only):
    gzip_dir = data_home / "emnist" / "gzip"
    gzip_dir.mkdir(parents=True)
    for member in ("emnist-mnist-test-images-idx3-ubyte.gz", "emnist-mnist-test-labels-idx1-ubyte.gz"):
        shutil.copy(gzip_folder / member, gzip_dir / member)
    read_only(data_home)
    with pytest.warns(UserWarning, match="arrays-v1 is not writable"):
        bunch = fetch_emnist("mnist", subset="test", download_if_missing=False, **FAST)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert not (data_home / "emnist" / "arrays-v1").exists()


def test_a_read_only_data_home_loads_from_a_local_mirror_with_a_warning(data_home, gzip_folder,
                                                                        read_only):
    """Nothing needs writing: the mirror's files are verified in place (emnist/
    was created up front, a bare PermissionError)."""
    data_home.mkdir(parents=True, exist_ok=True)
    read_only(data_home)
    with pytest.warns(UserWarning, match="is not writable"):
        bunch = fetch_emnist("mnist", subset="test", mirror=str(gzip_folder), **FAST)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert not (data_home / "emnist").exists()


def _stale_cached_zip(data_home, gzip_folder):
    """A gzip.zip kept from another mirror, holding no mnist member."""
    (data_home / "emnist").mkdir(parents=True)
    return build_official_zip(data_home / "emnist" / "gzip.zip", gzip_folder, ["emnist-letters-test-labels-idx1-ubyte.gz"])


@pytest.mark.parametrize("mirror", ["base", "zip"])
def test_offline_does_not_download_because_a_zip_is_cached(range_server, data_home, gzip_folder, mirror):
    # the cached zip holds no mnist member: only the network could provide it
    _stale_cached_zip(data_home, gzip_folder)
    url = range_server.base_url if mirror == "base" else range_server.url("small/gzip.zip")
    with pytest.raises(DataNotCachedError, match="download_if_missing=False"):
        fetch_emnist("mnist", subset="test", mirror=url, download_if_missing=False, **FAST)
    assert range_server.count() == 0


def test_cached_zip_lacking_the_member_falls_back_to_byte_ranges_and_is_kept(range_server, data_home, gzip_folder):
    stale = _stale_cached_zip(data_home, gzip_folder)
    before = stale.read_bytes()
    bunch = fetch_emnist("mnist", subset="test", mirror=range_server.url("small/gzip.zip"), **FAST)
    assert len(bunch.target) == 10_000
    assert stale.read_bytes() == before  # still serves the members it holds


def test_cached_zip_lacking_the_member_falls_back_to_a_mirror_without_ranges(plain_server, data_home, gzip_folder):
    _stale_cached_zip(data_home, gzip_folder)
    bunch = fetch_emnist("mnist", subset="test", mirror=plain_server.url("small/gzip.zip"), **FAST)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))


def test_a_mirror_zip_lacking_the_member_too_leaves_the_cached_zip_alone(
        plain_server, data_home, gzip_folder, tmp_path):
    stale = _stale_cached_zip(data_home, gzip_folder)
    before = stale.read_bytes()
    other = build_official_zip(tmp_path / "gzip.zip", gzip_folder,
                               ["emnist-letters-train-labels-idx1-ubyte.gz"])
    plain_server.add("other/gzip.zip", other)
    url = plain_server.url("other/gzip.zip")
    with pytest.raises(DownloadError, match=f"{url} has no member emnist-mnist-test-"):
        fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert stale.read_bytes() == before  # still serves the member it holds
    assert not any(name.endswith(".part") for name in cache_files(data_home))


def test_a_corrupt_cached_zip_is_replaced_from_the_source_in_the_same_call(
        range_server, data_home, gzip_folder):
    stale = _stale_cached_zip(data_home, gzip_folder)
    stale.write_bytes(b"PK\x03\x04 not a zip any more")
    bunch = fetch_emnist("mnist", subset="test", mirror=range_server.url("small/gzip.zip"), **FAST)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert not stale.exists()  # removed, not trusted again


def test_subsample_and_characters(data_home, range_server):
    fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    X, y = fetch_emnist(
        "mnist", subset="test", n_samples=1000, random_state=0, as_characters=True, return_X_y=True,
        download_if_missing=False, **FAST,
    )
    assert X.shape == (1000, 784) and y.dtype.kind == "U"
    full = fetch_emnist("mnist", subset="test", download_if_missing=False, **FAST)
    share = np.bincount(full.target) / len(full.target)
    counts = np.array([(y == c).sum() for c in "0123456789"])
    assert np.all(np.abs(counts - 1000 * share) <= 1)  # stratified
    X2, _ = fetch_emnist("mnist", subset="test", n_samples=1000, random_state=0, return_X_y=True,
                         download_if_missing=False, **FAST)
    np.testing.assert_array_equal(X, X2)  # same seed, same sample


def _sources(kind, range_server, plain_server, small_zip, monkeypatch):
    """The ``mirror`` argument of a source that writes into the cache."""
    if kind == "official":  # the default source: the official zip URL, read with ranges
        monkeypatch.setattr(_fetch, "EMNIST_URL", range_server.url("small/gzip.zip"))
        return None
    return {
        "base": range_server.base_url,
        "zip-range": range_server.url("small/gzip.zip"),
        "zip-whole": plain_server.url("small/gzip.zip"),
        "local-zip": str(small_zip),
    }[kind]


@pytest.mark.parametrize("kind", ["official", "base", "zip-range", "zip-whole", "local-zip"])
def test_a_read_only_data_home_fetches_through_a_temporary_folder_with_a_warning(
        range_server, plain_server, small_zip, data_home, gzip_folder, read_only, scratch_root,
        monkeypatch, kind):
    mirror = _sources(kind, range_server, plain_server, small_zip, monkeypatch)
    data_home.mkdir(parents=True)
    read_only(data_home)
    with pytest.warns(UserWarning) as record:
        bunch = fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert bunch.images.shape == (10_000, 28, 28)
    messages = [str(w.message) for w in record]
    gzip_dir = data_home / "emnist" / "gzip"
    assert any(f"cache {gzip_dir} is not writable" in m and "temporary folder" in m
               and "writable data_home" in m for m in messages), messages
    assert record[-1].filename == __file__  # points at the caller's line
    assert cache_files(data_home) == []  # nothing written to the read-only cache...
    assert list(scratch_root.iterdir()) == []  # ...and the temporary folder is gone


def test_a_zip_kept_in_a_read_only_cache_is_read_without_the_network(plain_server, data_home,
                                                                    gzip_folder, read_only,
                                                                    scratch_root):
    (data_home / "emnist").mkdir(parents=True)
    build_official_zip(data_home / "emnist" / "gzip.zip", gzip_folder,
                       ["emnist-mnist-test-images-idx3-ubyte.gz", "emnist-mnist-test-labels-idx1-ubyte.gz"])
    read_only(data_home)
    with pytest.warns(UserWarning) as record:
        bunch = fetch_emnist("mnist", subset="test", mirror=plain_server.url("small/gzip.zip"), **FAST)
    assert any("temporary folder" in str(w.message) for w in record)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert plain_server.count() == 0
    assert cache_files(data_home) == ["emnist/gzip.zip"]
    assert list(scratch_root.iterdir()) == []


def test_array_cache_of_the_wrong_length_is_rebuilt(data_home, gzip_folder):
    """The split metadata knows how many images a subset has: a cached pair of
    another length (damaged, or left by another tool) is a cache miss."""
    first = fetch_emnist("mnist", subset="test", mirror=gzip_folder, **FAST)
    arrays = data_home / "emnist" / "arrays-v1"
    np.save(arrays / "mnist-test-images.npy", first.images[:5])  # the right dtype and shape
    np.save(arrays / "mnist-test-labels.npy", np.zeros(5, dtype=np.uint8))
    second = fetch_emnist("mnist", subset="test", mirror=gzip_folder, **FAST)
    assert second.images.shape == (10_000, 28, 28)
    np.testing.assert_array_equal(second.target, first.target)
    assert np.load(arrays / "mnist-test-labels.npy", mmap_mode="r").shape == (10_000,)


@pytest.mark.parametrize("value, message", [
    ("/no/such/emnist/mirror", "is neither an http"),
    ("   ", "is blank"),
])
def test_an_invalid_mirror_in_the_environment_is_named_as_such(data_home, monkeypatch, value, message):
    monkeypatch.setenv("SKLEARN_EMNIST_MIRROR", value)
    with pytest.raises(ValueError, match=message) as info:
        fetch_emnist("mnist", subset="test", **FAST)
    assert f"the environment variable SKLEARN_EMNIST_MIRROR={value!r}" in str(info.value)
    assert "mirror=" not in str(info.value)  # not the argument, which was not passed
    assert cache_files(data_home) == []


def test_an_invalid_mirror_argument_is_named_as_the_argument(data_home, monkeypatch):
    monkeypatch.setenv("SKLEARN_EMNIST_MIRROR", "/also/not/there")
    with pytest.raises(ValueError, match=r"^mirror='/no/such/mirror' is neither") as info:
        fetch_emnist("mnist", subset="test", mirror="/no/such/mirror", **FAST)
    assert "environment" not in str(info.value)


def test_a_mirror_folder_holding_gzip_zip_points_at_the_zip(data_home, small_zip, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(small_zip, folder / "gzip.zip")
    with pytest.raises(DownloadError, match="has no emnist-mnist-test-images") as info:
        fetch_emnist("mnist", subset="test", mirror=folder, **FAST)
    hinted = f"mirror={str(folder / 'gzip.zip')!r}"
    assert "it holds gzip.zip" in str(info.value) and hinted in str(info.value)
    assert "load_emnist_folder" in str(info.value)
    # and what it suggests works
    bunch = fetch_emnist("mnist", subset="test", mirror=folder / "gzip.zip", **FAST)
    assert len(bunch.target) == 10_000


def test_a_mirror_folder_holding_the_gzip_subfolder_points_at_it(data_home, gzip_folder, tmp_path):
    (tmp_path / "unzipped").mkdir()
    (tmp_path / "unzipped" / "gzip").symlink_to(gzip_folder, target_is_directory=True)
    with pytest.raises(DownloadError, match="its gzip/ subfolder has it") as info:
        fetch_emnist("mnist", subset="test", mirror=tmp_path / "unzipped", **FAST)
    assert repr(str(tmp_path / "unzipped" / "gzip")) in str(info.value)


def test_a_mirror_folder_of_uncompressed_files_points_at_load_emnist_folder(data_home, gzip_folder,
                                                                           tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for kind in ("images-idx3", "labels-idx1"):
        with gzip.open(gzip_folder / f"emnist-mnist-test-{kind}-ubyte.gz") as packed:
            (folder / f"emnist-mnist-test-{kind}-ubyte").write_bytes(packed.read())
    with pytest.raises(DownloadError, match="uncompressed") as info:
        fetch_emnist("mnist", subset="test", mirror=folder, **FAST)
    suggested = f"load_emnist_folder({str(folder)!r}, split='mnist', subset='test')"
    assert suggested in str(info.value)
    # the call it suggests works
    bunch = load_emnist_folder(folder, split="mnist", subset="test", cache=False)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))


def test_a_zip_mirror_with_an_unsupported_compression_method_says_so(data_home, gzip_folder, tmp_path):
    # an intact re-packed copy (zipfile.testzip finds nothing wrong), with bzip2
    mirror = tmp_path / "bz2.zip"
    with zipfile.ZipFile(mirror, "w", zipfile.ZIP_BZIP2) as archive:
        for member in ("emnist-mnist-test-images-idx3-ubyte.gz", "emnist-mnist-test-labels-idx1-ubyte.gz"):
            archive.write(gzip_folder / member, f"gzip/{member}")
    with zipfile.ZipFile(mirror) as archive:
        assert archive.testzip() is None
    before = mirror.read_bytes()
    with pytest.raises(DownloadError, match=r"compression method 12 \(bzip2\)") as info:
        fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    message = str(info.value)
    assert "deflate" in message and "corrupt" not in message and "delete it" not in message
    assert mirror.read_bytes() == before
    assert not any(name.endswith((".gz", ".part")) for name in cache_files(data_home))


def test_a_read_only_data_home_without_a_temporary_folder_says_what_to_do(
        range_server, data_home, read_only, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    data_home.mkdir(parents=True)
    read_only(data_home)
    monkeypatch.setattr("tempfile.mkdtemp", refuse)
    with pytest.raises(OSError, match="is not writable.*no temporary folder could be made") as info:
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    message = str(info.value)
    assert str(data_home / "emnist" / "gzip") in message
    assert "writable data_home" in message and "TMPDIR" in message and "mirror=<folder>" in message
    assert range_server.count() == 0
    assert cache_files(data_home) == []


def test_a_corrupt_member_in_a_read_only_cache_is_fetched_again_into_a_temporary_folder(
        range_server, data_home, gzip_folder, read_only, scratch_root):
    gzip_dir = data_home / "emnist" / "gzip"
    gzip_dir.mkdir(parents=True)
    images, labels = "emnist-mnist-test-images-idx3-ubyte.gz", "emnist-mnist-test-labels-idx1-ubyte.gz"
    shutil.copy(gzip_folder / images, gzip_dir / images)
    (gzip_dir / labels).write_bytes((gzip_folder / labels).read_bytes()[:1000])  # cut short
    read_only(data_home)
    with pytest.warns(UserWarning) as record:
        bunch = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    assert any(f"cache {gzip_dir} is not writable" in str(w.message) for w in record)
    np.testing.assert_array_equal(bunch.target, _official_labels(gzip_folder, "mnist"))
    assert range_server.count(f"/{labels}") == 1 and range_server.count(f"/{images}") == 0
    assert len((gzip_dir / labels).read_bytes()) == 1000  # the cached file was left as it was
    assert list(scratch_root.iterdir()) == []
