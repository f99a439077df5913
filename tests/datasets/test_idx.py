"""The defensive IDX reader on small synthetic files and real official files."""

import gzip
import io
import struct
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from sklearn_emnist.datasets import IDXFormatError, read_idx, write_idx
from sklearn_emnist.datasets._decode import decode_pair
from sklearn_emnist.datasets._idx import MAX_NDIM


def _idx_bytes(array):
    buffer = io.BytesIO()
    write_idx(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip(tmp_path, dtype, compress):
    array = (np.arange(24) - 5).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    np.testing.assert_array_equal(result, array)


def test_compression_is_detected_from_content_not_name(tmp_path):
    path = tmp_path / "labels.gz"  # raw content despite the name
    write_idx(path, np.array([1, 2], dtype=np.uint8), compress=False)
    np.testing.assert_array_equal(read_idx(path), [1, 2])


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"\x00\x00\x07\x01\x00\x00\x00\x01x", "bad IDX magic"),  # unknown type code
        (b"\x01\x02\x08\x01\x00\x00\x00\x01x", "bad IDX magic"),
        (b"<!DOCTYPE html><html>", "HTML page"),
        (b"PK\x03\x04" + b"\x00" * 30, "zip file"),
        (b"\x00\x00\x08", "too short"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated IDX header"),
    ],
)
def test_malformed_headers(payload, message):
    with pytest.raises(IDXFormatError, match=message):
        read_idx(io.BytesIO(payload))


def test_lying_header_is_refused_before_allocating():
    # announces 4e9 x 1e9 bytes in a 16-byte file
    payload = struct.pack(">HBB", 0, 8, 2) + struct.pack(">2I", 4_000_000_000, 1_000_000_000)
    with pytest.raises(IDXFormatError, match="too small to hold it"):
        read_idx(io.BytesIO(payload))
    with pytest.raises(IDXFormatError, match="too small to hold it"):
        read_idx(io.BytesIO(gzip.compress(payload)))


def test_a_lying_gzip_header_allocates_only_what_the_data_holds():
    # 100 kB of incompressible data under a header announcing 99.6 MB: within
    # deflate's ratio for the compressed size, so only reading finds the lie
    payload = struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 127_000, 28, 28)
    compressed = gzip.compress(payload + np.random.default_rng(0).bytes(100_000))
    tracemalloc.start()
    try:
        with pytest.raises(IDXFormatError, match=r"truncated IDX data.*only 100000 bytes follow"):
            read_idx(io.BytesIO(compressed))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000  # not the 99.6 MB the header announces


def test_truncated_data_and_trailing_bytes():
    good = _idx_bytes(np.arange(100, dtype=np.uint8).reshape(10, 10))
    with pytest.raises(IDXFormatError, match="too small|truncated"):
        read_idx(io.BytesIO(good[:-5]))
    with pytest.raises(IDXFormatError, match="trailing data"):
        read_idx(io.BytesIO(good + b"\x00"))
    with pytest.raises(IDXFormatError, match="trailing data"):
        read_idx(io.BytesIO(gzip.compress(good + b"junk")))


def test_truncated_and_corrupt_gzip():
    compressed = gzip.compress(_idx_bytes(np.random.default_rng(0).integers(0, 255, (50, 28, 28), dtype=np.uint8)))
    with pytest.raises(IDXFormatError, match="corrupt or truncated gzip|truncated"):
        read_idx(io.BytesIO(compressed[: len(compressed) // 2]))
    corrupt = bytearray(compressed)
    corrupt[len(corrupt) // 2] ^= 0xFF
    with pytest.raises(IDXFormatError):
        read_idx(io.BytesIO(bytes(corrupt)))


@pytest.mark.parametrize("max_items, message", [(None, "too small to hold it"), (10, "more than max_items=10")])
def test_dimensions_whose_product_overflows_64_bits_are_refused(max_items, message):
    # 65536**4 == 2**64: wrapped to 0 by uint64 arithmetic, which slipped past max_items
    payload = struct.pack(">HBB", 0, 8, 4) + struct.pack(">4I", *[65536] * 4)
    with pytest.raises(IDXFormatError, match=message):
        read_idx(io.BytesIO(payload), max_items=max_items)


def test_non_seekable_stream_such_as_a_pipe(gzip_folder):
    path = gzip_folder / "emnist-mnist-test-labels-idx1-ubyte.gz"
    copy = "import shutil, sys; shutil.copyfileobj(open(sys.argv[1], 'rb'), sys.stdout.buffer)"
    with subprocess.Popen([sys.executable, "-c", copy, str(path)], stdout=subprocess.PIPE) as process:
        assert not process.stdout.seekable()
        labels = read_idx(process.stdout)
    np.testing.assert_array_equal(labels, read_idx(path))


def test_max_items_guard():
    with pytest.raises(IDXFormatError, match="max_items"):
        read_idx(io.BytesIO(_idx_bytes(np.zeros(10, dtype=np.uint8))), max_items=9)


def test_decode_pair_checks_the_pair_belongs_together(tmp_path):
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "i.gz", images)
    write_idx(tmp_path / "l.gz", np.zeros(2, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="3 images but .* 2 labels; the two files do not belong together"):
        decode_pair(tmp_path / "i.gz", tmp_path / "l.gz")
    write_idx(tmp_path / "l.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(IDXFormatError, match="1-d uint8 label file"):
        decode_pair(tmp_path / "l.gz", tmp_path / "i.gz")
    write_idx(tmp_path / "i.gz", np.zeros((3, 32, 32), dtype=np.uint8))
    with pytest.raises(IDXFormatError, match=r"shape \(n, 28, 28\), got shape \(3, 32, 32\)"):
        decode_pair(tmp_path / "i.gz", tmp_path / "l.gz")


def test_decode_pair_turns_images_upright(tmp_path):
    stored = np.zeros((1, 28, 28), dtype=np.uint8)
    stored[0, 3, :] = 255  # a stored row is a column of the upright image
    write_idx(tmp_path / "i", stored)
    write_idx(tmp_path / "l", np.array([7], dtype=np.uint8))
    images, labels = decode_pair(tmp_path / "i", tmp_path / "l")
    assert images.flags.c_contiguous
    assert images[0, :, 3].all() and images[0, 3, :].sum() == 255
    np.testing.assert_array_equal(labels, [7])


def test_real_official_label_file(gzip_folder):
    labels = read_idx(gzip_folder / "emnist-mnist-test-labels-idx1-ubyte.gz")
    assert labels.shape == (10_000,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(np.unique(labels), np.arange(10))


def test_as_many_dimensions_as_numpy_allows_round_trip():
    array = np.arange(2, dtype=np.uint8).reshape((1,) * (MAX_NDIM - 1) + (2,))
    np.testing.assert_array_equal(read_idx(io.BytesIO(_idx_bytes(array))), array)


@pytest.mark.parametrize("ndim", [MAX_NDIM + 1, 255])
def test_more_dimensions_than_numpy_allows_is_an_idx_error(ndim):
    payload = struct.pack(">HBB", 0, 0x08, ndim) + struct.pack(f">{ndim}I", *[1] * ndim) + b"\x00"
    with pytest.raises(IDXFormatError, match=f"declares {ndim} dimensions; numpy arrays have at most {MAX_NDIM}"):
        read_idx(io.BytesIO(payload))


def test_write_idx_documents_the_dimensions_it_validates():
    assert "1 to 255 dimensions" not in write_idx.__doc__
    assert "at most 64" in write_idx.__doc__ and "2**32 - 1" in write_idx.__doc__
    with pytest.raises(ValueError, match=f"1 to {MAX_NDIM} dimensions here, got 0"):
        write_idx(io.BytesIO(), np.uint8(3))


def test_write_idx_refuses_a_dimension_of_2_to_the_32_before_writing():
    buffer = io.BytesIO()
    huge = np.broadcast_to(np.uint8(0), (2**32,))  # no memory behind it
    with pytest.raises(ValueError, match=r"32-bit unsigned integer \(at most 4294967295\), got shape \(4294967296,\)"):
        write_idx(buffer, huge)
    assert buffer.getvalue() == b""
    write_idx(buffer, np.broadcast_to(np.uint8(0), (2, 3)))  # below the limit: fine
    assert read_idx(io.BytesIO(buffer.getvalue())).shape == (2, 3)


class _TextReader:
    """A file-like object whose read() returns text (not an io.TextIOBase)."""

    def read(self, n=-1):
        return "\x00\x00\x08\x01"


def test_read_idx_refuses_bytes_and_text_files_with_a_type_error(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.array([1, 2], dtype=np.uint8))
    with pytest.raises(TypeError, match=r"got bytes; wrap bytes in io\.BytesIO"):
        read_idx(path.read_bytes())
    with open(path, encoding="latin-1") as text, pytest.raises(
            TypeError, match=r"opened in text mode.*open it in binary mode \('rb'\)"):
        read_idx(text)
    with pytest.raises(TypeError, match=r"returned str, not bytes"):
        read_idx(_TextReader())
    with pytest.raises(TypeError, match=r"with a read\(\) method, got int"):
        read_idx(3)
    with open(path, "rb") as binary:  # the right way still works
        np.testing.assert_array_equal(read_idx(binary), [1, 2])


def test_write_idx_refuses_a_text_file_with_a_type_error(tmp_path):
    with open(tmp_path / "x", "w") as text, pytest.raises(TypeError, match=r"opened in text mode.*\('wb'\)"):
        write_idx(text, np.array([1], dtype=np.uint8))
    assert (tmp_path / "x").read_bytes() == b""
