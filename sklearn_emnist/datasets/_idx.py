"""Reading and writing IDX files (the MNIST / EMNIST array format).

An IDX file is a 4-byte magic number ``0x00 0x00 <dtype code> <ndim>``,
``ndim`` big-endian uint32 dimensions, then the array in C order. EMNIST ships
them gzip-compressed.
"""

import gzip
import io
import math
import os
import struct
import zlib

import numpy as np

__all__ = ["IDXFormatError", "read_idx", "write_idx"]

# IDX type code -> big-endian numpy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_DTYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in _IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than about 1032:1; anything claiming more
# than this per compressed byte is a lying header, refused before allocating.
_MAX_DEFLATE_RATIO = 1100
_CHUNK = 1 << 20
# IDX stores each dimension as a big-endian uint32
_MAX_DIM = 2**32 - 1


def _numpy_max_ndim():
    """The most dimensions a numpy array may have (64 since numpy 2.0, 32 before)."""
    for ndim in (64, 32):
        try:
            np.empty((1,) * ndim, dtype=np.uint8)
        except ValueError:
            continue
        return ndim
    return 32  # pragma: no cover - every supported numpy has at least 32


#: The most dimensions :func:`read_idx` and :func:`write_idx` handle: numpy's
#: limit (64 with numpy 2, 32 with numpy 1), below the 255 the IDX format allows.
MAX_NDIM = _numpy_max_ndim()


class IDXFormatError(ValueError):
    """Raised when a file is not a well-formed IDX file (bad magic number,
    impossible dimensions, truncated or trailing data, corrupt gzip stream)."""


def _name(file):
    return os.fspath(file) if isinstance(file, (str, os.PathLike)) else repr(file)


def _read_exact(stream, n):
    """Read up to ``n`` bytes, looping over short reads."""
    parts = []
    while n > 0:
        chunk = stream.read(min(n, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def read_idx(file, *, max_items=None):
    """Read an IDX file, gzip-compressed or raw, into a numpy array.

    The reader is defensive: it checks the magic number and the type code,
    checks that the number of items the header announces fits in the file
    before allocating anything, and checks that the data length matches the
    header exactly (no truncation, no trailing bytes). A gzip file cannot
    be checked against its size before it is decompressed, so its buffer
    grows with the data really decompressed: a truncated or lying file costs
    no more memory than it decompresses to, whatever its header announces.

    Parameters
    ----------
    file : str, path-like or binary file object
        The IDX file. Compression is detected from the content (the gzip magic
        bytes), not from the file name. A stream that cannot seek (a pipe,
        such as a subprocess's stdout) is read whole first. Bytes are not a
        file: wrap them in ``io.BytesIO``.
    max_items : int, default=None
        Refuse files whose header announces more than this many values. A
        guard for untrusted input on top of the size checks.

    Returns
    -------
    array : ndarray
        The array with the dimensions of the header, in native byte order
        (``uint8`` for EMNIST images and labels).

    Raises
    ------
    IDXFormatError
        If the file is not a well-formed IDX file; the message says what is
        wrong (magic number, dimensions, truncation, trailing data, corrupt
        compression), or declares more dimensions than a numpy array may
        have (64; 32 before numpy 2.0).
    TypeError
        ``file`` is neither a path nor a binary file object: bytes (wrap
        them in ``io.BytesIO``) or a file opened in text mode.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sklearn_emnist.datasets import read_idx, write_idx
    >>> buffer = io.BytesIO()
    >>> write_idx(buffer, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> read_idx(io.BytesIO(buffer.getvalue()))
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    return read_idx_checked(file, max_items=max_items)


def read_idx_checked(file, *, max_items=None, check_header=None):
    """:func:`read_idx` with a hook that sees the header before any data.

    ``check_header(shape, dtype)`` is called with the dimensions (a tuple of
    Python ints) and the native dtype as soon as the header is read, before
    ``max_items`` and the size checks; it raises :class:`IDXFormatError` to
    refuse the file (for example images that do not match their labels).
    """
    name = _name(file)
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as handle:
            return _read_idx_stream(handle, name, max_items, check_header)
    _check_binary_file(file, "read_idx", "read")
    return _read_idx_stream(file, name, max_items, check_header)


def _check_binary_file(file, function, method):
    """Raise a clear :class:`TypeError` unless ``file`` may be a binary file object."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"{function} expects a path or a binary file object, got {type(file).__name__}; "
            "wrap bytes in io.BytesIO(...)."
        )
    if isinstance(file, io.TextIOBase):
        raise TypeError(
            f"{function} expects a path or a binary file object, got a file opened in text "
            f"mode ({_name(file)}); open it in binary mode ('{method[0]}b')."
        )
    if not callable(getattr(file, method, None)):
        raise TypeError(
            f"{function} expects a path (str or path-like) or a binary file object with a "
            f"{method}() method, got {type(file).__name__}."
        )


def _text_error(data, name):
    return TypeError(
        f"read_idx expects a binary file object, but {name}.read() returned "
        f"{type(data).__name__}, not bytes; open the file in binary mode ('rb')."
    )


def _seekable(stream):
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _stream_size(stream):
    """Size in bytes from the current position to the end, or None."""
    try:
        position = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(position)
        return end - position
    except (OSError, AttributeError, ValueError):
        return None


def _read_idx_stream(raw, name, max_items, check_header):
    if not _seekable(raw):
        # a pipe or a socket: buffered whole, which also gives its size
        data = raw.read()
        if not isinstance(data, (bytes, bytearray)):
            raise _text_error(data, name)
        raw = io.BytesIO(data)
    size = _stream_size(raw)
    head = _read_exact(raw, 2)
    if not isinstance(head, (bytes, bytearray)):
        raise _text_error(head, name)
    raw.seek(-len(head), io.SEEK_CUR)
    compressed = head == _GZIP_MAGIC
    if compressed:
        # Upper bound of what the compressed bytes can expand to.
        limit = None if size is None else size * _MAX_DEFLATE_RATIO + 1024
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    else:
        limit = size
        stream = raw
    try:
        return _parse(stream, name, limit, max_items, compressed, check_header)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise IDXFormatError(
            f"{name}: corrupt or truncated gzip stream ({exc}); delete the file "
            "and download it again."
        ) from exc


def _parse(stream, name, limit, max_items, compressed, check_header=None):
    magic = _read_exact(stream, 4)
    if len(magic) < 4:
        raise IDXFormatError(f"{name}: file too short for an IDX header ({len(magic)} bytes).")
    zero, type_code, ndim = struct.unpack(">HBB", magic)
    if zero != 0 or type_code not in _IDX_DTYPES:
        hint = " (is it an HTML page or a zip file?)" if magic[:1] in (b"<", b"P") else ""
        raise IDXFormatError(
            f"{name}: bad IDX magic number 0x{magic.hex()}{hint}; expected "
            "0x0000 followed by a type code in "
            f"{sorted(hex(c) for c in _IDX_DTYPES)} and the number of dimensions."
        )
    if ndim == 0:
        raise IDXFormatError(f"{name}: IDX header declares 0 dimensions.")
    if ndim > MAX_NDIM:
        raise IDXFormatError(
            f"{name}: IDX header declares {ndim} dimensions; numpy arrays have at most "
            f"{MAX_NDIM}, so this file cannot be read into one."
        )
    dims_bytes = _read_exact(stream, 4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise IDXFormatError(f"{name}: truncated IDX header: {ndim} dimensions announced.")
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    dtype = _IDX_DTYPES[type_code]
    if check_header is not None:
        check_header(shape, dtype.newbyteorder("="))
    n_items = math.prod(shape)  # Python ints: no overflow, whatever the header says
    n_bytes = n_items * dtype.itemsize
    if max_items is not None and n_items > max_items:
        raise IDXFormatError(
            f"{name}: header announces {n_items} values (shape {shape}), more than "
            f"max_items={max_items}."
        )
    if limit is not None and n_bytes + 4 + 4 * ndim > limit:
        kind = "compressed file" if compressed else "file"
        raise IDXFormatError(
            f"{name}: header announces shape {shape} ({n_bytes} bytes of data) but the "
            f"{kind} is too small to hold it: the file is truncated or the header is corrupt."
        )
    if compressed or limit is None:
        # a gzip stream's size says little about what it expands to (deflate
        # reaches about 1000:1), and a stream may have no known size: grow
        # with what really arrives, never allocate what the header announces
        buffer = bytearray()
        while len(buffer) < n_bytes:
            chunk = stream.read(min(_CHUNK, n_bytes - len(buffer)))
            if not chunk:
                break
            buffer += chunk
        filled = len(buffer)
    else:
        buffer = bytearray(n_bytes)
        view = memoryview(buffer)
        filled = 0
        while filled < n_bytes:
            got = stream.readinto(view[filled : filled + _CHUNK])
            if not got:
                break
            filled += got
    if filled < n_bytes:
        raise IDXFormatError(
            f"{name}: truncated IDX data: header announces shape {shape} "
            f"({n_bytes} bytes) but only {filled} bytes follow."
        )
    if stream.read(1):
        raise IDXFormatError(
            f"{name}: trailing data after the {n_bytes} bytes announced by the "
            f"header (shape {shape})."
        )
    array = np.frombuffer(buffer, dtype=dtype).reshape(shape)
    if dtype.byteorder == ">" and dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    return array


def write_idx(file, array, *, compress=None):
    """Write an array as an IDX file.

    Parameters
    ----------
    file : str, path-like or binary file object
        Destination.
    array : array-like
        Array of one of the IDX types: uint8, int8, int16, int32, float32 or
        float64, with at least 1 dimension (numpy arrays have at most 64, 32
        before numpy 2.0, of the 255 the IDX format allows) and every
        dimension at most ``2**32 - 1`` (IDX stores each as a 32-bit
        unsigned integer).
    compress : bool, default=None
        Gzip the output. By default, compress when ``file`` is a path ending
        in ``.gz``.

    Raises
    ------
    ValueError
        The dtype is not an IDX type, the array has 0 dimensions, or a
        dimension is ``2**32`` or more (checked before anything is written).
    TypeError
        ``file`` is neither a path nor a binary file object (bytes, or a
        file opened in text mode).

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from sklearn_emnist.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _DTYPE_CODES:
        raise ValueError(
            f"IDX cannot store dtype {array.dtype}; use one of "
            f"{sorted(str(d) for d in _DTYPE_CODES)}."
        )
    if not 1 <= array.ndim <= MAX_NDIM:
        raise ValueError(
            f"IDX stores arrays of 1 to {MAX_NDIM} dimensions here, got {array.ndim} "
            "dimensions; reshape a scalar to shape (1,)."
        )
    if max(array.shape) > _MAX_DIM:
        raise ValueError(
            f"IDX stores each dimension as a 32-bit unsigned integer (at most {_MAX_DIM}), "
            f"got shape {array.shape}; split the array into several files along that axis."
        )
    is_path = isinstance(file, (str, os.PathLike))
    if not is_path:
        _check_binary_file(file, "write_idx", "write")
    code = _DTYPE_CODES[native]
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    payload = header + np.ascontiguousarray(array, dtype=_IDX_DTYPES[code]).tobytes()
    if compress is None:
        compress = is_path and os.fspath(file).endswith(".gz")
    if compress:
        payload = gzip.compress(payload, mtime=0)
    if is_path:
        with open(file, "wb") as handle:
            handle.write(payload)
    else:
        file.write(payload)
