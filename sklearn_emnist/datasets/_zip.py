"""Just enough of the zip format to read single members over HTTP ranges.

The official EMNIST ``gzip.zip`` is 536 MB; a split needs two to four of its
members. Reading the end of central directory record (EOCD), the central
directory and then each member's local header and data lets a client fetch
only those bytes. Implemented with :mod:`struct` and :mod:`zlib` (stored and
deflated members, zip64 records) so that the same code reads a remote zip
through byte ranges and a local zip file.
"""

import struct
import zlib
from dataclasses import dataclass

from ._idx import _read_exact

__all__ = [
    "MAX_TAIL",
    "UnsupportedZipError",
    "ZipEntry",
    "ZipFormatError",
    "inflate_member",
    "locate_central_directory",
    "parse_central_directory",
]

_EOCD = struct.Struct("<4sHHHHIIH")  # 22 bytes
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 46 bytes
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # 30 bytes
_LOCAL_SIG = b"PK\x03\x04"
# The EOCD is at most 22 bytes + a 65535-byte comment (+ zip64 records).
MAX_TAIL = _EOCD.size + 0xFFFF + _ZIP64_LOCATOR.size + _ZIP64_EOCD.size
STORED, DEFLATED = 0, 8
# names of the compression methods of the zip specification (APPNOTE 4.4.5)
# that a re-packed copy may use, for error messages
_METHOD_NAMES = {
    0: "stored", 1: "shrunk", 6: "imploded", 8: "deflate", 9: "deflate64",
    12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "xz", 98: "PPMd",
}
_CHUNK = 1 << 20


class ZipFormatError(ValueError):
    """The bytes are not a (supported) zip archive."""


class UnsupportedZipError(ZipFormatError):
    """A well-formed zip member that this reader cannot extract (its
    compression method, or encryption): not a sign of corruption."""


@dataclass(frozen=True)
class ZipEntry:
    """One member of the central directory."""

    name: str
    method: int
    flags: int
    crc32: int
    compressed_size: int
    size: int
    header_offset: int


def locate_central_directory(tail, tail_offset):
    """Find the central directory from the last bytes of a zip.

    Parameters
    ----------
    tail : bytes
        The last ``len(tail)`` bytes of the archive (up to :data:`MAX_TAIL`).
    tail_offset : int
        Offset of ``tail[0]`` in the archive.

    Returns
    -------
    (cd_offset, cd_size, n_entries) : tuple of int
    """
    position = len(tail)
    while True:
        position = tail.rfind(_EOCD_SIG, 0, position)
        if position < 0:
            raise ZipFormatError("no end-of-central-directory record: not a zip archive")
        if position + _EOCD.size <= len(tail):
            fields = _EOCD.unpack_from(tail, position)
            if position + _EOCD.size + fields[7] == len(tail):  # comment reaches the end
                break
    _, disk, cd_disk, _, n_entries, cd_size, cd_offset, _ = fields
    if disk != 0 or cd_disk != 0:
        raise ZipFormatError("multi-disk zip archives are not supported")
    if 0xFFFF in (n_entries,) or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = position - _ZIP64_LOCATOR.size
        if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR_SIG:
            raise ZipFormatError("zip64 archive without a zip64 locator")
        record = _ZIP64_LOCATOR.unpack_from(tail, locator)[2] - tail_offset
        if record < 0 or tail[record : record + 4] != _ZIP64_EOCD_SIG:
            raise ZipFormatError("zip64 end-of-central-directory record not found")
        if record + _ZIP64_EOCD.size > len(tail):
            raise ZipFormatError("truncated zip64 end-of-central-directory record")
        fields = _ZIP64_EOCD.unpack_from(tail, record)
        n_entries, cd_size, cd_offset = fields[7], fields[8], fields[9]
    return cd_offset, cd_size, n_entries


def _zip64_extra(extra, usize, csize, offset):
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + length]
        if tag == 0x0001:
            values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
            needed = [usize, csize, offset].count(0xFFFFFFFF)
            if len(values) < needed:
                raise ZipFormatError(
                    f"zip64 extra field holds {len(values)} of the {needed} sizes/offsets it should"
                )
            if usize == 0xFFFFFFFF:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF:
                offset = values.pop(0)
            break
        position += 4 + length
    return usize, csize, offset


def parse_central_directory(data, n_entries):
    """Parse the central directory into ``{member name: ZipEntry}``.

    Raises
    ------
    ZipFormatError
        A record is malformed or runs past the end of ``data`` (a corrupt
        or truncated central directory, or a wrong size in the EOCD).
    """
    entries = {}
    position = 0
    for index in range(n_entries):
        if data[position : position + 4] != _CENTRAL_SIG:
            raise ZipFormatError(f"bad central directory signature at byte {position}")
        if position + _CENTRAL.size > len(data):
            raise ZipFormatError(
                f"central directory truncated in record {index + 1} of {n_entries} "
                f"({len(data)} bytes)"
            )
        fields = _CENTRAL.unpack_from(data, position)
        flags, method, crc, csize, usize = fields[3], fields[4], fields[7], fields[8], fields[9]
        name_len, extra_len, comment_len, offset = fields[10], fields[11], fields[12], fields[16]
        start = position + _CENTRAL.size
        if start + name_len + extra_len + comment_len > len(data):
            raise ZipFormatError(
                f"central directory record {index + 1} of {n_entries} runs past the end "
                f"of the directory ({len(data)} bytes)"
            )
        raw_name = data[start : start + name_len]
        extra = data[start + name_len : start + name_len + extra_len]
        usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        entries[name] = ZipEntry(name, method, flags, crc, csize, usize, offset)
        position = start + name_len + extra_len + comment_len
    return entries


def inflate_member(stream, entry, write, on_chunk=None):
    """Decompress one member whose local header starts at the stream's position.

    Parameters
    ----------
    stream : binary file object
        Positioned at the member's local header (an HTTP range response or a
        seeked local file).
    entry : ZipEntry
        Its central directory entry.
    write : callable
        Called with each chunk of decompressed bytes.
    on_chunk : callable, default=None
        Called with the number of compressed bytes consumed, per chunk.

    Raises
    ------
    UnsupportedZipError
        The member is encrypted or uses a compression method other than
        deflate or stored (a :class:`ZipFormatError` too).
    ZipFormatError
        Bad local header, truncated data, CRC or size mismatch.
    """
    header = _read_exact(stream, _LOCAL.size)
    if len(header) < _LOCAL.size or header[:4] != _LOCAL_SIG:
        raise ZipFormatError(f"{entry.name}: bad local file header")
    name_len, extra_len = _LOCAL.unpack(header)[9:11]
    if len(_read_exact(stream, name_len + extra_len)) < name_len + extra_len:
        raise ZipFormatError(f"{entry.name}: truncated local file header")
    if entry.flags & 0x1:
        raise UnsupportedZipError(f"{entry.name} is encrypted, which is not supported")
    if entry.method == DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    elif entry.method != STORED:
        name = _METHOD_NAMES.get(entry.method, "unknown")
        raise UnsupportedZipError(
            f"{entry.name} uses compression method {entry.method} ({name}), which is not "
            "supported (only deflate and stored are)"
        )
    remaining, size, crc = entry.compressed_size, 0, 0
    while remaining > 0:
        chunk = stream.read(min(remaining, _CHUNK))
        if not chunk:
            raise ZipFormatError(
                f"{entry.name}: truncated member data ({remaining} of "
                f"{entry.compressed_size} compressed bytes missing)"
            )
        remaining -= len(chunk)
        try:
            out = inflater.decompress(chunk) if entry.method == DEFLATED else chunk
        except zlib.error as exc:
            raise ZipFormatError(f"{entry.name}: corrupt deflate stream ({exc})") from exc
        if out:
            crc = zlib.crc32(out, crc)
            size += len(out)
            write(out)
        if on_chunk is not None:
            on_chunk(len(chunk))
    if entry.method == DEFLATED:
        out = inflater.flush()
        if out:
            crc = zlib.crc32(out, crc)
            size += len(out)
            write(out)
        if not inflater.eof:
            raise ZipFormatError(f"{entry.name}: deflate stream ends early")
    if size != entry.size or crc != entry.crc32:
        raise ZipFormatError(
            f"{entry.name}: decompressed size/CRC ({size}, {crc:08x}) differ from the "
            f"central directory ({entry.size}, {entry.crc32:08x})"
        )
