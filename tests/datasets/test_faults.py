"""Fault injection: every failure ends in recovery or a clear error and a clean cache."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sklearn_emnist.datasets import ChecksumMismatchError, DownloadError, fetch_emnist, read_idx
from sklearn_emnist.datasets import _cache, _download

from .conftest import cache_files

FAST = dict(progress=False, delay=0.01)
IMAGES = "emnist-mnist-test-images-idx3-ubyte.gz"
LABELS = "emnist-mnist-test-labels-idx1-ubyte.gz"
ROOT = Path(__file__).resolve().parents[2]


def test_corrupt_byte_is_a_checksum_error_and_nothing_is_kept(range_server, data_home):
    range_server.fault(IMAGES, "corrupt", offset=1_000_000)
    with pytest.raises(ChecksumMismatchError, match="expected SHA-256 b25640fa") as info:
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    assert info.value.member == IMAGES and info.value.got != info.value.expected
    assert "removed" in str(info.value)
    assert range_server.count(IMAGES) == 1  # a mismatch is not retried
    assert cache_files(data_home) == []


def test_corrupt_member_inside_a_zip_is_caught(range_server, data_home, small_zip):
    # flip a byte in the middle of the deflated images member: CRC/inflate error
    range_server.fault("small/gzip.zip", "corrupt", offset=small_zip.stat().st_size // 2)
    with pytest.raises(DownloadError, match="corrupt zip member|failed verification"):
        fetch_emnist("mnist", subset="test", mirror=range_server.url("small/gzip.zip"), **FAST)
    assert cache_files(data_home) == []


def test_truncated_file_is_a_size_error(range_server, data_home):
    range_server.fault(IMAGES, "truncate", offset=100_000)
    with pytest.raises(ChecksumMismatchError, match=r"100000 bytes"):
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    assert cache_files(data_home) == []


def test_connection_cut_short_is_retried_then_reported(range_server, data_home):
    range_server.fault(IMAGES, "lying-length", offset=50_000)
    with pytest.raises(DownloadError, match="failed after 3 attempts") as info:
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, n_retries=2, **FAST)
    assert "mirror=" in str(info.value)  # says what to do
    assert range_server.count(IMAGES) == 3
    assert cache_files(data_home) == []


@pytest.mark.parametrize("target", ["zip", "member"])
def test_html_page_instead_of_the_file(range_server, plain_server, data_home, target):
    if target == "zip":
        server, path, mirror = plain_server, "small/gzip.zip", plain_server.url("small/gzip.zip")
    else:
        server, path, mirror = range_server, IMAGES, range_server.base_url
    server.fault(path, "html")
    with pytest.raises(DownloadError, match="HTML page instead of"):
        fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    assert server.count(path) == 1
    assert cache_files(data_home) == []


def test_html_page_answering_a_range_request(range_server, data_home):
    range_server.fault("small/gzip.zip", "html")
    with pytest.raises(DownloadError, match="HTML page"):
        fetch_emnist("mnist", subset="test", mirror=range_server.url("small/gzip.zip"), **FAST)
    assert cache_files(data_home) == []


@pytest.mark.parametrize("mirror", ["base", "zip"])
def test_503_is_retried_until_success(range_server, data_home, mirror):
    if mirror == "base":
        path, url = IMAGES, range_server.base_url
    else:
        path, url = "small/gzip.zip", range_server.url("small/gzip.zip")
    range_server.fail(path, [503, 503])
    bunch = fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert len(bunch.target) == 10_000
    statuses = [r.status for r in range_server.requests if r.path == "/" + path]
    assert statuses[:3] == [503, 503, 206 if mirror == "zip" else 200]
    assert not any(name.endswith((".part", ".lock")) for name in cache_files(data_home))


def test_404_is_not_retried_and_names_the_file(range_server, data_home):
    # the letters test images are not on the shared mirror
    with pytest.raises(DownloadError, match="HTTP 404.*emnist-letters-test-images"):
        fetch_emnist("letters", subset="test", mirror=range_server.base_url, **FAST)
    assert range_server.count() == 1
    assert cache_files(data_home) == []


def test_unreachable_server_says_how_to_use_a_mirror(data_home):
    # nothing listens on port 9: refused at once, not worth retrying
    with pytest.raises(DownloadError, match="cannot reach the server.*SKLEARN_EMNIST_MIRROR"):
        fetch_emnist("mnist", subset="test", mirror="http://127.0.0.1:9/gzip.zip", delay=30, progress=False)
    assert cache_files(data_home) == []


@pytest.mark.parametrize("mirror", ["base", "zip-range", "zip-whole"])
def test_ctrl_c_mid_download_leaves_nothing(range_server, plain_server, data_home, monkeypatch, mirror):
    url = {
        "base": range_server.base_url,
        "zip-range": range_server.url("small/gzip.zip"),
        "zip-whole": plain_server.url("small/gzip.zip"),
    }[mirror]
    chunks = []

    def interrupt(bar, n_bytes):
        chunks.append(n_bytes)
        raise KeyboardInterrupt

    monkeypatch.setattr(_download, "_report_progress", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert chunks  # the interruption really happened mid-stream
    assert cache_files(data_home) == []
    monkeypatch.undo()
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(data_home))
    assert len(fetch_emnist("mnist", subset="test", mirror=url, **FAST).target) == 10_000


def test_ctrl_c_while_writing_the_array_cache_leaves_nothing(range_server, data_home, monkeypatch):
    real_save = np.save

    def save_then_interrupt(file, array, **kwargs):
        real_save(file, array[: len(array) // 2], **kwargs)  # half written...
        raise KeyboardInterrupt

    monkeypatch.setattr(_cache.np, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    leftovers = [n for n in cache_files(data_home) if not n.startswith("emnist/gzip/")]
    assert leftovers == []  # verified members may stay; no partial array, no lock
    assert not any(n.endswith((".part", ".lock")) for n in cache_files(data_home))


def test_corrupt_cached_member_is_downloaded_again(range_server, data_home):
    fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    cached = data_home / "emnist" / "gzip" / LABELS
    cached.write_bytes(b"garbage")
    (data_home / "emnist" / "arrays-v1" / "mnist-test-labels.npy").unlink()
    range_server.reset()
    bunch = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    assert len(bunch.target) == 10_000
    assert range_server.count(LABELS) == 1 and range_server.count(IMAGES) == 0


def _cache_members_in(gzip_dir, gzip_folder):
    """Copy the mnist test members into ``gzip_dir``; cut the labels file short."""
    gzip_dir.mkdir(parents=True, exist_ok=True)
    for name in (IMAGES, LABELS):
        shutil.copy(gzip_folder / name, gzip_dir / name)
    (gzip_dir / LABELS).write_bytes((gzip_folder / LABELS).read_bytes()[:1000])
    return (gzip_dir / LABELS).read_bytes()


def test_a_corrupt_cached_member_without_download_is_reported_and_kept(data_home, gzip_folder):
    gzip_dir = data_home / "emnist" / "gzip"
    before = _cache_members_in(gzip_dir, gzip_folder)
    with pytest.raises(ChecksumMismatchError, match=(
            rf"cached file {re.escape(str(gzip_dir / LABELS))} is corrupt: expected SHA-256 [0-9a-f]{{64}} "
            rf"\(\d+ bytes\), got [0-9a-f]{{64}} \(1000 bytes\)")) as info:
        fetch_emnist("mnist", subset="test", download_if_missing=False, **FAST)
    assert "download_if_missing=True" in str(info.value) and "delete it" in str(info.value)
    assert (gzip_dir / LABELS).read_bytes() == before


@pytest.mark.parametrize("download_if_missing", [True, False])
@pytest.mark.parametrize("linked", ["gzip folder", "file"])
def test_a_corrupt_member_reached_through_a_link_is_reported_not_replaced(
        range_server, data_home, gzip_folder, tmp_path, linked, download_if_missing):
    mine = tmp_path / "mine"
    before = _cache_members_in(mine, gzip_folder)
    gzip_dir = data_home / "emnist" / "gzip"
    if linked == "gzip folder":
        gzip_dir.parent.mkdir(parents=True)
        gzip_dir.symlink_to(mine, target_is_directory=True)
    else:
        gzip_dir.mkdir(parents=True)
        for name in (IMAGES, LABELS):
            (gzip_dir / name).symlink_to(mine / name)
    with pytest.raises(ChecksumMismatchError, match="is corrupt.*symbolic link"):
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url,
                     download_if_missing=download_if_missing, **FAST)
    assert (mine / LABELS).read_bytes() == before and (gzip_dir / LABELS).is_symlink() == (linked == "file")
    assert range_server.count() == 0


def test_leftovers_of_a_killed_download_go_when_cached_members_load(data_home, gzip_folder):
    gzip_dir = data_home / "emnist" / "gzip"
    gzip_dir.mkdir(parents=True)
    for name in (IMAGES, LABELS):
        shutil.copy(gzip_folder / name, gzip_dir / name)
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    dead = gzip_dir / f"{IMAGES}.{finished.pid}-0123abcd.part"
    live = gzip_dir / f"{LABELS}.{os.getpid()}-89abcdef.part"
    for part in (dead, live):
        part.write_bytes(b"half a download")
    (gzip_dir / f"{IMAGES}.lock").write_bytes(b"")  # its flock died with its process
    fetch_emnist("mnist", subset="test", download_if_missing=False, **FAST)
    assert sorted(p.name for p in gzip_dir.iterdir()) == sorted([IMAGES, LABELS, live.name])


def test_corrupt_array_cache_is_rebuilt(range_server, data_home):
    first = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    (data_home / "emnist" / "arrays-v1" / "mnist-test-images.npy").write_bytes(b"\x93NUMPY broken")
    second = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    np.testing.assert_array_equal(first.images, second.images)


def test_a_foreign_array_cache_is_rebuilt(range_server, data_home):
    first = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    arrays = data_home / "emnist" / "arrays-v1"
    np.save(arrays / "mnist-test-images.npy", np.zeros((5, 3, 3)))  # readable, wrong shape
    np.save(arrays / "mnist-test-labels.npy", np.zeros(5, dtype=np.uint8))
    second = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, **FAST)
    np.testing.assert_array_equal(first.images, second.images)
    assert np.load(arrays / "mnist-test-images.npy", mmap_mode="r").shape == (10_000, 28, 28)


@pytest.mark.parametrize("served", ["zip cut short", "not a zip"])
def test_a_whole_download_that_is_complete_but_not_a_zip_fails_at_once(
        plain_server, data_home, small_zip, gzip_folder, served):
    # all the bytes the server announced arrived: asking again brings the same bytes
    if served == "zip cut short":  # an honest Content-Length for half the archive
        plain_server.fault("small/gzip.zip", "truncate", offset=small_zip.stat().st_size // 2)
        path, detail = "small/gzip.zip", "start like a zip archive but do not end like one"
    else:  # a real EMNIST member (gzip, not zip) at a .zip address
        path, detail = "junk/gzip.zip", "are not a zip archive"
        plain_server.add(path, gzip_folder / LABELS)
    url = plain_server.url(path)
    with pytest.raises(DownloadError, match=rf"{re.escape(url)} is not a valid zip archive") as info:
        fetch_emnist("mnist", subset="test", mirror=url, n_retries=3, **FAST)
    message = str(info.value)
    assert detail in message
    assert "failed after" not in message and "offline" not in message
    assert plain_server.count(path) == 1 + 1  # the range probe, then one download
    assert cache_files(data_home) == []


def test_a_whole_zip_cut_short_without_a_length_is_retried_then_reported(
        plain_server, data_home, small_zip, rewrite_headers):
    # no Content-Length: bytes that start like a zip may have been cut short
    rewrite_headers(lambda key, value: None if key == "Content-Length" else value)
    plain_server.fault("small/gzip.zip", "truncate", offset=small_zip.stat().st_size // 2)
    url = plain_server.url("small/gzip.zip")
    with pytest.raises(DownloadError, match=(
            rf"failed after 2 attempts \(incomplete transfer: {re.escape(url)} sent \d+ bytes "
            r"\(no Content-Length\)")) as info:
        fetch_emnist("mnist", subset="test", mirror=url, n_retries=1, **FAST)
    assert "_Incomplete" not in str(info.value)  # no private class name
    assert plain_server.count("small/gzip.zip") == 1 + 2  # the range probe, then 2 attempts
    assert cache_files(data_home) == []


@pytest.mark.parametrize("mirror", ["base", "zip-range", "zip-whole"])
def test_the_real_file_labelled_text_html_is_judged_by_its_content(
        range_server, plain_server, data_home, gzip_folder, rewrite_headers, mirror):
    # a misconfigured server: the right bytes (the right SHA-256), the wrong type
    rewrite_headers(lambda key, value: "text/html; charset=utf-8" if key == "Content-Type" else value)
    url = {
        "base": range_server.base_url,
        "zip-range": range_server.url("small/gzip.zip"),
        "zip-whole": plain_server.url("small/gzip.zip"),
    }[mirror]
    bunch = fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    np.testing.assert_array_equal(bunch.target, read_idx(gzip_folder / LABELS))


def test_an_oversized_file_in_a_local_mirror_is_not_said_to_be_removed(data_home, gzip_folder,
                                                                      tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / LABELS).write_bytes((gzip_folder / LABELS).read_bytes() + b"x")
    (mirror / IMAGES).write_bytes((gzip_folder / IMAGES).read_bytes())
    with pytest.raises(ChecksumMismatchError, match="larger than its official size") as info:
        fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    assert "left untouched" in str(info.value) and "removed" not in str(info.value)
    assert (mirror / LABELS).exists()


def test_corrupt_file_in_a_local_mirror_is_reported_not_deleted(data_home, gzip_folder, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in (IMAGES, LABELS):
        (mirror / name).write_bytes((gzip_folder / name).read_bytes())
    damaged = bytearray((mirror / LABELS).read_bytes())
    damaged[100] ^= 1
    (mirror / LABELS).write_bytes(bytes(damaged))
    with pytest.raises(ChecksumMismatchError, match="left untouched"):
        fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    assert (mirror / LABELS).exists()
    assert cache_files(data_home) == []


_WORKER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from sklearn_emnist.datasets import fetch_emnist
    X, y = fetch_emnist("mnist", subset="test", mirror=sys.argv[1], data_home=sys.argv[2],
                        progress=False, delay=0.01, return_X_y=True)
    print(int(X.sum()), int(y.sum()), "sklearn" in sys.modules)
    """
)


def test_two_processes_fetching_at_once_share_one_download(range_server, tmp_path):
    home = tmp_path / "shared_home"
    script = tmp_path / "worker.py"
    script.write_text(_WORKER.format(root=str(ROOT)))
    # a slow answer keeps the first process inside its download while the
    # second one arrives, so the second really has to wait for the lock
    range_server.slow(IMAGES, 1.5)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("SKLEARN_EMNIST_MIRROR", None)
    processes = [
        subprocess.Popen(
            [sys.executable, str(script), range_server.base_url, str(home)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (out, err) in zip(processes, results):
        assert process.returncode == 0, err
    assert results[0][0] == results[1][0] and results[0][0].split()[-1] == "False"
    # the lock makes the second process wait and reuse the first one's files
    assert range_server.count(IMAGES) == 1
    assert sorted(cache_files(home)) == sorted(
        [
            "emnist/arrays-v1/mnist-test-images.npy",
            "emnist/arrays-v1/mnist-test-labels.npy",
            f"emnist/gzip/{IMAGES}",
            f"emnist/gzip/{LABELS}",
        ]
    )


def test_stalled_server_times_out_retries_then_reports(range_server, data_home):
    range_server.slow(LABELS, 1.0)
    with pytest.raises(DownloadError, match="failed after 2 attempts.*(timed out|Timeout)"):
        fetch_emnist("mnist", subset="test", mirror=range_server.base_url, n_retries=1, timeout=0.2, **FAST)
    assert range_server.count(LABELS) == 2
    # the images member arrived verified before and may stay; nothing else does
    assert cache_files(data_home) == [f"emnist/gzip/{IMAGES}"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(mirror="/no/such/folder"), "neither an http"),
    (dict(n_retries=-1), "n_retries must be an int >= 0"),
    (dict(delay="1"), "delay must be a finite number"),
    (dict(timeout=0), "timeout must be a finite number of seconds > 0"),
    (dict(timeout=float("nan")), "timeout must be a finite number of seconds > 0, got nan"),
    (dict(timeout=float("inf")), "timeout must be a finite number of seconds > 0, got inf"),
    (dict(delay=float("nan")), "delay must be a finite number of seconds >= 0, got nan"),
    (dict(delay=float("inf")), "delay must be a finite number of seconds >= 0, got inf"),
    (dict(subset="tset"), "Did you mean 'test'"),
])
def test_bad_arguments_fail_before_any_network_use(data_home, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch_emnist("mnist", **{"subset": "test", "progress": False, **kwargs})
    assert cache_files(data_home) == []


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(n_samples=0), ValueError, "n_samples=0 is out of range"),
    (dict(n_samples=-5), ValueError, "n_samples=-5 is out of range"),
    (dict(n_samples=10_001), ValueError, "this subset has 10000 images"),
    (dict(n_samples=2.5), TypeError, "n_samples must be None or an int"),
    (dict(n_samples=5, random_state="x"), ValueError, "random_state='x' cannot seed"),
    (dict(n_samples=5, random_state=-1), ValueError, "random_state=-1 cannot seed"),
])
def test_bad_sampling_arguments_fail_before_anything_is_read(data_home, gzip_folder, kwargs, error, message):
    # a local mirror: without the early check the split would be decoded and cached first
    with pytest.raises(error, match=message):
        fetch_emnist("mnist", subset="test", mirror=gzip_folder, **FAST, **kwargs)
    assert cache_files(data_home) == []


def test_leftovers_of_a_killed_process_are_cleaned_up(range_server, data_home):
    gzip_dir = data_home / "emnist" / "gzip"
    gzip_dir.mkdir(parents=True)
    (gzip_dir / f"{IMAGES}.4242-deadbeef.part").write_bytes(b"half a download")
    (gzip_dir / f"{IMAGES}.lock").write_bytes(b"")  # flock died with its process
    bunch = fetch_emnist("mnist", subset="test", mirror=range_server.base_url, progress=True, delay=0.01)
    assert len(bunch.target) == 10_000
    assert not any(name.endswith((".part", ".lock")) for name in cache_files(data_home))


@pytest.mark.parametrize("n_bytes, announced", [(0, False), (2, False), (0, True)])
def test_a_whole_zip_cut_off_before_its_magic_is_retried_then_reported(
        plain_server, data_home, small_zip, rewrite_headers, n_bytes, announced):
    # too few bytes to tell a zip from anything else: a cut transfer, not "not a zip"
    if not announced:
        rewrite_headers(lambda key, value: None if key == "Content-Length" else value)
    plain_server.fault("small/gzip.zip", "truncate", offset=n_bytes)
    url = plain_server.url("small/gzip.zip")
    with pytest.raises(DownloadError, match=(
            rf"failed after 2 attempts \(incomplete transfer: {re.escape(url)} sent only "
            rf"{n_bytes} bytes")) as info:
        fetch_emnist("mnist", subset="test", mirror=url, n_retries=1, **FAST)
    message = str(info.value)
    assert "not a valid zip" not in message and "HTML" not in message
    assert plain_server.count("small/gzip.zip") == 1 + 2  # the range probe, then 2 attempts
    assert cache_files(data_home) == []


@pytest.mark.parametrize("page", [
    b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body>moved</body></html>\n",  # a UTF-8 BOM
    b"\xef\xbb\xbf\n  <html><body>moved</body></html>\n",
    b"<!-- generated by the portal -->\n<html><body>moved</body></html>\n",
    b"<BODY>moved</BODY>\n",
])
def test_html_pages_opening_with_a_bom_a_comment_or_body_are_recognised(page):
    assert _download._looks_like_html(page)


@pytest.mark.parametrize("first_bytes", [b"", b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"\xef\xbb\xbf"])
def test_file_magic_and_empty_bodies_do_not_look_like_html(first_bytes):
    assert not _download._looks_like_html(first_bytes)


@pytest.mark.parametrize("target", ["zip", "member"])
def test_an_html_page_with_a_bom_is_reported_as_html_not_as_a_bad_file(plain_server, data_home, target):
    page = b"\xef\xbb\xbf<!DOCTYPE html>\n<html><body>moved</body></html>\n"  # served as octet-stream
    path = "junk/gzip.zip" if target == "zip" else f"junk/{IMAGES}"
    plain_server.add(path, page)
    mirror = plain_server.url(path) if target == "zip" else plain_server.url("junk")
    with pytest.raises(DownloadError, match=rf"{re.escape(plain_server.url(path))} served an HTML page"):
        fetch_emnist("mnist", subset="test", mirror=mirror, **FAST)
    assert cache_files(data_home) == []


@pytest.mark.parametrize("target", ["zip", "member"])
def test_a_text_html_body_without_the_file_magic_is_reported_as_html(
        plain_server, data_home, rewrite_headers, target):
    # no HTML opening tag to see, but labelled text/html and not a gzip or zip file
    rewrite_headers(lambda key, value: "text/html; charset=utf-8" if key == "Content-Type" else value)
    path = "junk/gzip.zip" if target == "zip" else f"junk/{IMAGES}"
    plain_server.add(path, b"Service moved. Please see the new address.\n")
    mirror = plain_server.url(path) if target == "zip" else plain_server.url("junk")
    with pytest.raises(DownloadError, match=rf"{re.escape(plain_server.url(path))} served an HTML page"):
        fetch_emnist("mnist", subset="test", mirror=mirror, n_retries=2, **FAST)
    assert plain_server.count(path) == 1  # not retried
    assert cache_files(data_home) == []


def test_an_html_page_found_after_a_whole_download_names_the_url(plain_server, data_home):
    # the first bytes do not give the page away, its end does: the error names
    # the address, not the temporary file the body was written to
    page = b"<script>location.href = '/new';</script>\n<html><body>moved</body></html>\n"
    plain_server.add("junk/gzip.zip", page)
    url = plain_server.url("junk/gzip.zip")
    with pytest.raises(DownloadError, match=rf"^{re.escape(url)} served an HTML page") as info:
        fetch_emnist("mnist", subset="test", mirror=url, **FAST)
    assert ".part" not in str(info.value)
    assert cache_files(data_home) == []
