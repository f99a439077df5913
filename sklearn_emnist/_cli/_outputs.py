"""The files and folders the commands write: checked before any work, written safely.

``evaluate --json FILE`` / ``--plots DIR`` and ``predict --save-converted DIR``
are checked at the start of a command, as ``train -o`` is: an output whose
folder does not exist, or that is one of the command's inputs (the model, an
image or IDX file) or any model file, is a usage error (exit code 2) before
any data is loaded or predicted.

One rule decides which existing file ``--json FILE`` may replace, whatever
the command's inputs are: a regular file is replaced only when it is empty or
holds only whitespace (as ``mktemp`` leaves it) or holds an earlier report of
the command (a JSON object with the keys the command writes; ``evaluate``'s
``"model"`` and ``"summary"``). Anything else (a model, IDX files, a script,
an image, any other JSON document: a notebook, a weights folder's
``estimator.json``, a benchmark record) is a usage error naming the file,
read-only or not: a report is regenerated from the model, any other file may
cost far more to replace. ``/dev/null``, ``/dev/stdout`` and FIFOs (a shell's
``>(jq .)``) are written to as they are; through a symbolic link the rule
applies to, and the report replaces, the link's target.
"""

import bz2
import json
import lzma
import os
import tempfile
import zlib
from contextlib import suppress

from ._errors import EXIT_USAGE, CLIError


def _same_file(path, other):
    """Whether both paths name one existing file (links followed)."""
    try:
        return os.path.samefile(path, other)
    except (OSError, ValueError):  # either does not exist (or is not a valid path)
        return False


def _is_special_file(path):
    """Whether ``path`` exists and is no regular file (``/dev/null``, a FIFO,
    ``/dev/stdout``, a shell's ``>(command)``): written to directly, never
    opened to be read nor replaced."""
    return os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path)


# how much of a compressed file is read to find its first decompressed byte: a
# bz2 stream gives nothing before its first block (up to 900 kB) is complete
_SNIFF_LIMIT = 4 << 20
_SNIFF_CHUNK = 64 << 10


def _decompressor(start):
    """A decompressor for the compressed stream ``start`` begins, or None.

    The formats joblib writes (``compress=``) and pickles are read from:
    zlib, gzip, bz2, xz and lzma ("alone").
    """
    if start[:1] == b"x":  # zlib (joblib's default compressor)
        return zlib.decompressobj()
    if start[:2] == b"\x1f\x8b":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip only
    if start[:3] == b"BZh":
        return bz2.BZ2Decompressor()
    if start.startswith(b"\xfd7zXZ\x00") or start[:1] == b"]":
        return lzma.LZMADecompressor()  # xz or lzma "alone", told apart by itself
    return None


def _holds_a_pickle(handle):
    """Whether the file open as ``handle`` is a pickle stream (protocol 2 and
    later, first byte 0x80), raw or compressed.

    A compressed file counts only when its *decompressed* first byte is 0x80:
    a gzipped IDX file (decompressed start ``00 00 08``) is no model.
    """
    start = handle.read(8)
    if start[:1] == b"\x80":
        return True
    decompressor = _decompressor(start)
    if decompressor is None:
        return False
    data, read = start, len(start)
    try:
        while True:
            out = decompressor.decompress(data, 1)  # at most one byte out
            if out:
                return out[:1] == b"\x80"
            if read >= _SNIFF_LIMIT or getattr(decompressor, "eof", False):
                return False
            data = handle.read(_SNIFF_CHUNK)
            if not data:
                return False
            read += len(data)
    except (zlib.error, lzma.LZMAError, EOFError, OSError, ValueError):
        return False  # no valid stream of that format


def _is_model_file(path):
    """Whether ``path`` is a file the CLI loads as a model.

    A :func:`sklearn_emnist.deploy.save_model` file (its header), or a pickle
    stream, raw or compressed, as the CLI's format 1 (a zlib-compressed
    joblib dict) and plain joblib or pickle files of an estimator are.
    """
    from ..deploy._persistence import MAGIC

    if not os.path.isfile(path):  # reading a FIFO would wait for a writer
        return False
    try:
        with open(path, "rb") as handle:
            if handle.read(len(MAGIC)) == MAGIC:
                return True
            handle.seek(0)
            return _holds_a_pickle(handle)
    except OSError:
        return False


# a report is a few kilobytes; a larger file is no earlier report, and is
# not read whole to find out
_REPORT_LIMIT = 64 << 20


def _holds_report_or_nothing(path, report_keys):
    """Whether the regular file ``path`` is empty, holds only whitespace (as
    ``mktemp`` or ``echo > FILE`` leave it), or holds one JSON object with
    every key of ``report_keys``: a report of the command that writes it,
    not any JSON document (a notebook, a weights folder's ``estimator.json``,
    a benchmark record)."""
    try:
        size = os.path.getsize(path)
        if size == 0:
            return True
        if size > _REPORT_LIMIT:
            return False
        with open(path, "rb") as handle:
            data = handle.read(4096).removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM
            if data.lstrip()[:1] not in (b"", b"{"):
                return False  # no JSON object: binary or other text, not read further
            data += handle.read()
    except OSError:  # unreadable: cannot tell, so not replaced
        return False
    if not data.strip():
        return True
    try:
        report = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(report, dict) and all(key in report for key in report_keys)


def _check_folder_writable(option, path, folder):
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path}: the folder {folder} does not exist; create it first.",
                       code=EXIT_USAGE)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"{option} {path}: cannot write to the folder {folder}.", code=EXIT_USAGE)


def _check_not_an_input(option, path, full, inputs):
    for other, what in inputs:
        if _same_file(full, other):
            raise CLIError(f"{option} {path} is {what}; writing there would destroy it. Give "
                           "another name.", code=EXIT_USAGE)


def check_output_file(option, path, *, report_keys, inputs=()):
    """Refuse, as a usage error, a report file that cannot be written or must be kept.

    An existing regular file is replaced only when it is empty, holds only
    whitespace, or holds a JSON object with every key of ``report_keys`` (an
    earlier report of the same command); special files (``/dev/null``, a
    FIFO) are written to as they are.

    Parameters
    ----------
    option : str
        The option naming the file, for the message (``"--json"``).
    path : str or path-like
        The file to write.
    report_keys : iterable of str
        The keys every report the command writes has (``evaluate``'s
        ``"model"`` and ``"summary"``): the JSON files that may be replaced.
    inputs : iterable of (path, str)
        The command's input files, each with what it is for the message
        (``"the model being evaluated"``).

    Raises
    ------
    CLIError
        Exit code 2: ``path`` is a folder, its folder does not exist or is not
        writable, it is one of ``inputs``, it holds a model, or it is any
        other existing file that holds no earlier report.
    """
    path = os.fspath(path)
    report_keys = tuple(report_keys)
    full = os.path.realpath(path)  # a link's target is what gets written
    if os.path.isdir(full):
        raise CLIError(f"{option} {path} is a folder; give a file name.", code=EXIT_USAGE)
    if _is_special_file(full):
        return  # /dev/null, a FIFO, /dev/stdout: written to as they are
    if not (os.path.isfile(full) and os.access(full, os.W_OK)):
        # a new file, or one replaced through a temporary file next to it
        _check_folder_writable(option, path, os.path.dirname(full))
    _check_not_an_input(option, path, full, inputs)
    if _is_model_file(full):
        raise CLIError(f"{option} {path} is a model file; writing there would destroy it. Give "
                       "another name.", code=EXIT_USAGE)
    if os.path.isfile(full) and not _holds_report_or_nothing(full, report_keys):
        # one rule, not a list of the files to keep: only an earlier report is replaced
        keys = " and ".join(f'"{key}"' for key in report_keys)
        raise CLIError(f"{option} {path} exists and holds no earlier report (a JSON object "
                       f"with {keys}); writing there would destroy it (only an earlier report, "
                       "or an empty file, is replaced). Give another name, or remove the file "
                       "first.", code=EXIT_USAGE)


def check_output_folder(option, path, *, inputs=()):
    """Refuse, as a usage error, an output folder that cannot be created or written.

    The folder may exist; if it does not, its parent must (the command creates
    it, not the folders above it).

    Parameters
    ----------
    option : str
        The option naming the folder, for the message (``"--plots"``).
    path : str or path-like
        The folder to write files in.
    inputs : iterable of (path, str)
        The command's input files, each with what it is for the message.

    Raises
    ------
    CLIError
        Exit code 2: ``path`` is a file (an input file said as such), or it
        (or, when it does not exist, its parent) is not a writable folder.
    """
    path = os.fspath(path)
    full = os.path.abspath(path)
    if os.path.exists(full) and not os.path.isdir(full):
        what = next((what for other, what in inputs if _same_file(full, other)), "a file")
        raise CLIError(f"{option} {path} is {what}, not a folder; give a folder's name.",
                       code=EXIT_USAGE)
    if os.path.isdir(full):
        if not os.access(full, os.W_OK | os.X_OK):
            raise CLIError(f"{option} {path}: cannot write to the folder {full}.",
                           code=EXIT_USAGE)
    else:
        _check_folder_writable(option, path, os.path.dirname(full))


def check_files_in_folder(option, folder, names, *, inputs=()):
    """Refuse, as a usage error, files to write in ``folder`` that are inputs.

    Parameters
    ----------
    option : str
        The option naming the folder, for the message.
    folder : str or path-like
        The output folder.
    names : iterable of str
        The names of the files the command will write there.
    inputs : iterable of (path, str)
        The command's input files, each with what it is for the message.

    Raises
    ------
    CLIError
        Exit code 2, naming the first file that is one of ``inputs`` or holds
        a model.
    """
    inputs = list(inputs)
    for name in names:
        path = os.path.join(os.fspath(folder), name)
        for other, what in inputs:
            if _same_file(path, other):
                raise CLIError(f"{option} {folder} would overwrite {what} ({path}); give "
                               "another folder.", code=EXIT_USAGE)
        if _is_model_file(path):
            raise CLIError(f"{option} {folder} would overwrite the model file {path}; give "
                           "another folder.", code=EXIT_USAGE)


def _new_file_mode(path):
    """The permissions ``path`` has, or those a new file gets (the umask's)."""
    with suppress(OSError):
        return os.stat(path).st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_json(path, obj):
    """Write ``obj`` as indented JSON to ``path`` atomically.

    A temporary file in the same folder, renamed over ``path`` once complete:
    an interrupted or failed write leaves the previous file (or none), never
    half a report. Through a symbolic link the link's target is replaced; a
    file that is not a regular one (``/dev/null``, a FIFO) or sits in a folder
    that cannot be written is written in place.

    Parameters
    ----------
    path : str or path-like
        The file to write (its folder must exist).
    obj : object
        JSON-serialisable.
    """
    path = os.path.realpath(os.fspath(path))  # through a link: its target is replaced
    folder, name = os.path.split(path)
    if _is_special_file(path) or not os.access(folder, os.W_OK | os.X_OK):
        # /dev/null, a FIFO, or a writable file in a folder that is not: in place
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2)
        return
    mode = _new_file_mode(path)
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.remove(tmp)
        raise
