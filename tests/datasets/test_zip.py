"""The zip reader (EOCD, central directory, local headers) against zipfile-made archives."""

import io
import struct
import zipfile
import zlib

import pytest

from sklearn_emnist.datasets._zip import (
    MAX_TAIL,
    UnsupportedZipError,
    ZipFormatError,
    inflate_member,
    locate_central_directory,
    parse_central_directory,
)


def _archive(members, *, comment=b"", force_zip64=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.comment = comment
        for name, data, method in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with archive.open(info, "w", force_zip64=force_zip64) as handle:
                handle.write(data)
    return buffer.getvalue()


def _read_all(blob):
    tail_offset = max(0, len(blob) - MAX_TAIL)
    cd_offset, cd_size, n_entries = locate_central_directory(blob[tail_offset:], tail_offset)
    entries = parse_central_directory(blob[cd_offset : cd_offset + cd_size], n_entries)
    result = {}
    for name, entry in entries.items():
        out = []
        stream = io.BytesIO(blob)
        stream.seek(entry.header_offset)
        inflate_member(stream, entry, out.append)
        result[name] = b"".join(out)
    return result, entries


@pytest.mark.parametrize("force_zip64", [False, True])
@pytest.mark.parametrize("comment", [b"", b"a comment with PK\x05\x06 inside" * 50])
def test_reads_stored_and_deflated_members(comment, force_zip64):
    data = {
        "gzip/a.gz": (bytes(range(256)) * 1000, zipfile.ZIP_DEFLATED),
        "gzip/b.gz": (b"stored bytes" * 100, zipfile.ZIP_STORED),
        "gzip/empty.txt": (b"", zipfile.ZIP_DEFLATED),
    }
    blob = _archive([(n, d, m) for n, (d, m) in data.items()], comment=comment, force_zip64=force_zip64)
    result, entries = _read_all(blob)
    assert result == {name: d for name, (d, _) in data.items()}
    assert entries["gzip/b.gz"].method == 0 and entries["gzip/a.gz"].method == 8


def test_zip64_end_of_central_directory_records():
    """An archive whose EOCD fields are saturated points to zip64 records."""
    blob = bytearray(_archive([("gzip/x", b"hello" * 10, zipfile.ZIP_DEFLATED)]))
    eocd = blob.rfind(b"PK\x05\x06")
    _, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, clen = struct.unpack_from("<4sHHHHIIH", blob, eocd)
    zip64_eocd = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n_disk, n_total, cd_size, cd_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd, 1)
    saturated = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    patched = bytes(blob[:eocd]) + zip64_eocd + locator + saturated
    assert locate_central_directory(patched, 0) == (cd_offset, cd_size, n_total)


def test_not_a_zip():
    with pytest.raises(ZipFormatError, match="not a zip archive"):
        locate_central_directory(b"<html>" + b"x" * 100, 0)


def test_crc_mismatch_is_detected():
    blob = bytearray(_archive([("gzip/a", b"abc" * 1000, zipfile.ZIP_STORED)]))
    cd_offset, cd_size, n = locate_central_directory(bytes(blob), 0)
    entry = parse_central_directory(bytes(blob[cd_offset : cd_offset + cd_size]), n)["gzip/a"]
    blob[entry.header_offset + 30 + len("gzip/a") + 5] ^= 1  # one data byte
    with pytest.raises(ZipFormatError, match="CRC"):
        inflate_member(io.BytesIO(bytes(blob[entry.header_offset :])), entry, lambda chunk: None)


def test_truncated_member():
    blob = _archive([("gzip/a", zlib.compress(b"z" * 10_000), zipfile.ZIP_DEFLATED)])
    cd_offset, cd_size, n = locate_central_directory(blob, 0)
    entry = parse_central_directory(blob[cd_offset : cd_offset + cd_size], n)["gzip/a"]
    short = blob[entry.header_offset : entry.header_offset + 40]
    with pytest.raises(ZipFormatError, match="truncated"):
        inflate_member(io.BytesIO(short), entry, lambda chunk: None)


def _two_member_directory():
    blob = _archive([("gzip/a", b"abc" * 100, zipfile.ZIP_STORED), ("gzip/b", b"xyz" * 100, zipfile.ZIP_DEFLATED)])
    cd_offset, cd_size, n = locate_central_directory(blob, 0)
    return bytearray(blob[cd_offset : cd_offset + cd_size]), n


def _cut_in_second_record(directory):
    return directory[: directory.rfind(b"PK\x01\x02") + 20]  # an EOCD with a wrong directory size


def _name_past_the_end(directory):
    last = directory.rfind(b"PK\x01\x02")
    struct.pack_into("<H", directory, last + 28, 0xFFFF)  # the last record's file name length
    return directory


def _short_zip64_extra(directory):
    # sizes saturated to 0xFFFFFFFF with a zip64 extra field holding no value
    struct.pack_into("<II", directory, 20, 0xFFFFFFFF, 0xFFFFFFFF)
    name_len = struct.unpack_from("<H", directory, 28)[0]
    extra = struct.pack("<HH", 0x0001, 0)
    struct.pack_into("<H", directory, 30, len(extra))
    return directory[: 46 + name_len] + extra + directory[46 + name_len :]


@pytest.mark.parametrize("corrupt", [_cut_in_second_record, _name_past_the_end, _short_zip64_extra])
def test_corrupt_central_directory_is_a_zip_format_error(corrupt):
    directory, n = _two_member_directory()
    with pytest.raises(ZipFormatError):
        parse_central_directory(bytes(corrupt(directory)), n)


@pytest.mark.parametrize("method, name", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")])
def test_an_unsupported_method_is_not_called_corruption(method, name):
    blob = _archive([("gzip/a", b"abc" * 1000, method)])
    cd_offset, cd_size, n = locate_central_directory(blob, 0)
    entry = parse_central_directory(blob[cd_offset : cd_offset + cd_size], n)["gzip/a"]
    stream = io.BytesIO(blob)
    stream.seek(entry.header_offset)
    with pytest.raises(UnsupportedZipError, match=rf"compression method {method} \({name}\)"):
        inflate_member(stream, entry, lambda chunk: None)
