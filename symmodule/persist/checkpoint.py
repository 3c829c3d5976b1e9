"""Checkpoint files: a state dict in the safetensors format, written atomically.

File layout (format version 1)
------------------------------
A standard safetensors file: one tensor per state dict entry, under its path,
plus the header's ``__metadata__`` (a string-to-string map):

=====================  ======================================================
``format``             ``"symmodule.checkpoint"``
``format_version``     ``"1"``; a reader refuses a larger number
``module_class``       ``"package.module.ClassName"`` of the saved Module
``instance_class``     the class of the saved instance
``members``            JSON ``{path: {"kind", "dtype", "shape", "type",
                       "sha256"[, "stored_as"]}}`` in first-path order
``aliases``            JSON ``{alias path: first path}``
``unset``              JSON list of the paths of members that had no value
``symmodule_version``, ``pytensor_version``, ``numpy_version``
=====================  ======================================================

``sha256`` is the digest of the tensor's bytes as stored, so damage inside
the data is detected. ``complex128`` arrays (which safetensors lacks) are
stored as ``float64`` arrays with a last axis of 2 (``"stored_as":
"float64"``). Loading parses JSON and copies bytes, nothing else: a file
cannot make the reader run code.

Reading trusts nothing in the file. The path must name a regular file: it is
opened without blocking (a named pipe with no writer would block forever)
and checked on the opened descriptor, so it cannot be swapped after the
check. Every length, offset, JSON nesting depth and field type is checked
before it is used, and everything is read from that one descriptor: a file
replaced meanwhile by a save is read whole, as it was when opened.

Writing goes to a temporary file in the target's folder, which is flushed,
fsync'ed and renamed over the target (then the folder is fsync'ed): at every
moment the target path holds either the previous complete file or the new
one. The file is written here, in the layout safetensors writes (larger
items first, the header padded to 8 bytes so that every array is aligned),
with plain ``os.write`` calls, so that a failure is an ``OSError`` with its
``errno``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import reprlib
import stat
import struct
import sys
import tempfile
from collections.abc import Mapping
from typing import Any, NoReturn

import numpy as np

from symmodule import errors
from symmodule.module.instance import ModuleInstance
from symmodule.persist.state import (
    GENERATOR,
    MAX_JSON_DEPTH,
    JSONDepthError,
    LoadResult,
    StateDict,
    check_instance,
    encode_generator,
    load_into,
    loads_json,
    snapshot,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "load", "read_checkpoint", "save"]

FORMAT = "symmodule.checkpoint"
#: The version this code writes, and the largest it reads.
FORMAT_VERSION = 1

# safetensors refuses headers larger than this; so do we, before reading one.
_MAX_HEADER = 100 * 1024 * 1024
# The safetensors code of each dtype stored as it is; complex128 is stored as a view.
_CODES = {
    "bool": "BOOL",
    "int8": "I8",
    "uint8": "U8",
    "int16": "I16",
    "uint16": "U16",
    "int32": "I32",
    "uint32": "U32",
    "int64": "I64",
    "uint64": "U64",
    "float16": "F16",
    "float32": "F32",
    "float64": "F64",
    "complex64": "C64",
}
_NATIVE_DTYPES = frozenset(_CODES)
_VIEWS = {"complex128": "float64"}
# Files are little-endian whatever the machine.
_STORED = {code: np.dtype(name).newbyteorder("<") for name, code in _CODES.items()}
# numpy's limits: dimensions of an array (numpy 1 allows 32), and elements (times an
# item of at most 16 bytes), counted without the zero sizes as numpy counts them.
_MAX_NDIM = 32
_MAX_ELEMENTS = sys.maxsize // 16
_SHAPE = f"a list of sizes (at most {_MAX_NDIM} non-negative integers)"
# Every metadata field of format version 1, besides "format".
_FIELDS = (
    "format_version",
    "module_class",
    "instance_class",
    "members",
    "aliases",
    "unset",
    "symmodule_version",
    "pytensor_version",
    "numpy_version",
)
_KINDS = ("array", GENERATOR)
# Reads and writes go through os.read / os.write in pieces of this size: memory
# stays bounded, and an OS failure is an OSError with its errno.
_CHUNK = 1 << 20
# Open without blocking (a named pipe with no writer would block until one
# comes), without becoming the controlling terminal of a tty, not inherited by
# child processes. The flags that a platform lacks are left out.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_READ_FLAGS = (
    os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
# Values from a file, shown in messages: short, whatever their size.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = _SHORT.maxlong = 60
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2

_HINT_TRUNCATED = (
    "The file was cut short (an interrupted copy or download, or a full disk); "
    "symmodule.save itself never leaves a partial file at the path it writes. "
    "Load another copy of the checkpoint."
)
_HINT_CORRUPT = "The file was damaged after it was written; load another copy of the checkpoint."
_HINT_MALFORMED = errors.CHECKPOINT_HINT_MALFORMED
_HINT_FOREIGN = (
    "symmodule.load reads only checkpoints written by symmodule.save (safetensors "
    "files with symmodule metadata)."
)


# --------------------------------------------------------------------------- save


def save(source: ModuleInstance | Mapping[str, Any], path: str | bytes | os.PathLike[Any]) -> None:
    """Write ``source`` (an instance, or a state dict) to ``path`` as a checkpoint, atomically.

    The file is in the safetensors format (see this module's docstring): one
    array per piece of state, plus metadata. A crash or an error during the
    write leaves any previous file at ``path`` intact; it may leave a
    temporary file ``.<name>.<random>.tmp`` in the same folder.

    Parameters
    ----------
    source
        A :class:`~symmodule.ModuleInstance`, or a state dict such as
        :func:`~symmodule.persist.state_dict` returns.
    path
        The file to write (``str``, ``bytes`` or ``os.PathLike``). If it
        exists it must be a regular file (or a symlink to one): it is
        replaced, keeping its permissions.

    Raises
    ------
    CheckpointWriteError
        When the file cannot be written (``errno`` says why, e.g. ``ENOSPC``
        for a full disk), or ``path`` is a folder, a pipe or a device.
    StateArgumentError
        When ``source`` is neither an instance nor a mapping, or ``path`` is
        not a path.
    UnsupportedStateError
        When a value has no array form a checkpoint can store.
    """
    name = _file_name(path, "symmodule.save")
    if isinstance(source, ModuleInstance):
        state = snapshot(source, copy_arrays=False)
    elif isinstance(source, Mapping):
        state = source if isinstance(source, StateDict) else StateDict(source)
    else:
        raise errors.StateArgumentError(
            errors.STATE_NOT_AN_INSTANCE.format(
                function="symmodule.save",
                argument="what to save (an instance or a state dict)",
                given=errors.describe_value(source),
            )
        )
    tensors, metadata = _encode(state)
    _write_atomically(name, tensors, metadata)


def _encode(state: StateDict) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    info = state.metadata.get("members", {})
    members: dict[str, dict[str, Any]] = {}
    tensors: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if not isinstance(key, str) or key == "__metadata__":
            raise errors.UnsupportedStateError(
                f"Cannot save the state dict entry {key!r}: keys are member paths (strings), "
                "and '__metadata__' is reserved by the safetensors format."
            )
        if isinstance(value, np.random.Generator):
            array, kind = encode_generator(value), GENERATOR
        else:
            array, kind = np.asarray(value), info.get(key, {}).get("kind", "array")
        name = array.dtype.name
        if array.dtype.kind not in "biufc" or (name not in _NATIVE_DTYPES and name not in _VIEWS):
            raise errors.UnsupportedStateError(
                errors.UNSUPPORTED_DTYPE.format(
                    key=key,
                    value_desc=errors.describe_value(value),
                    dtypes=", ".join(sorted(_NATIVE_DTYPES | set(_VIEWS))),
                )
            )
        record: dict[str, Any] = {"kind": kind, "dtype": name, "shape": list(array.shape)}
        if "type" in info.get(key, {}):
            record["type"] = info[key]["type"]
        stored = np.require(array, dtype=array.dtype.newbyteorder("<"), requirements="C")
        if name in _VIEWS:
            stored = stored.reshape(-1).view(_VIEWS[name]).reshape(array.shape + (2,))
            record["stored_as"] = _VIEWS[name]
        record["sha256"] = _digest(stored)
        tensors[key] = stored
        members[key] = record
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "module_class": str(state.metadata.get("module_class", "")),
        "instance_class": str(state.metadata.get("instance_class", "")),
        "members": json.dumps(members),
        "aliases": json.dumps(dict(getattr(state, "aliases", {}))),
        "unset": json.dumps(list(getattr(state, "unset", []))),
        **_versions(),
    }
    return tensors, metadata


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(array.reshape(-1).view(np.uint8)).hexdigest()


def _versions() -> dict[str, str]:
    import pytensor

    import symmodule

    return {
        "symmodule_version": str(getattr(symmodule, "__version__", "unknown")),
        "pytensor_version": str(getattr(pytensor, "__version__", "unknown")),
        "numpy_version": np.__version__,
    }


def _write_atomically(name: str, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    target = os.path.realpath(name)  # through a symlink: replace the file it points to
    folder = os.path.dirname(target)

    def fail(code: int | None, reason: str) -> errors.CheckpointWriteError:
        message = errors.CHECKPOINT_NOT_WRITTEN.format(path=name, reason=reason)
        return errors.CheckpointWriteError(code, message) if code else errors.CheckpointWriteError(message)

    try:
        existing = os.stat(target)
    except OSError:
        existing = None  # no file yet; if the folder cannot be written, creating the temporary file says why
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise fail(errno.EISDIR, "it is a folder; give a file name such as model.safetensors")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        # Renaming over it would silently replace a pipe or a device (as root, even /dev/null).
        what = errors.CHECKPOINT_NOT_A_FILE.format(what=_file_kind(existing.st_mode))
        raise fail(None, f"{what}; give the name of a file such as model.safetensors")
    if not os.path.isdir(folder):
        raise fail(errno.ENOENT, f"the folder {folder!r} does not exist; create it first")
    mode = _file_mode(target)
    header, arrays = _layout(tensors, metadata)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
        try:
            _write_all(handle, header)
            for array in arrays:
                _write_all(handle, array.reshape(-1).view(np.uint8))
            if hasattr(os, "fchmod"):
                os.fchmod(handle, mode)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise fail(exc.errno, exc.strerror or str(exc)) from exc
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    _fsync_folder(folder)


def _layout(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> tuple[bytes, list[np.ndarray]]:
    """The file's first bytes (header length and header) and its arrays, in the order safetensors writes them.

    Larger items come first and the header is padded with spaces to a
    multiple of 8 bytes, so that every array starts at a multiple of its
    item size: readers can map the file and use the arrays in place.
    """
    names = sorted(tensors, key=lambda key: (-tensors[key].dtype.itemsize, key))
    header: dict[str, Any] = {"__metadata__": metadata}
    offset = 0
    for key in names:
        array = tensors[key]
        header[key] = {
            "dtype": _CODES[array.dtype.name],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, [tensors[key] for key in names]


def _write_all(handle: int, data: bytes | np.ndarray) -> None:
    view = memoryview(data)
    while len(view):
        written = os.write(handle, view[:_CHUNK])
        if written == 0:  # a regular file takes no bytes only when its file system is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _file_mode(target: str) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        pass
    umask = None
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


# --------------------------------------------------------------------------- load


def load(path: str | bytes | os.PathLike[Any], into: ModuleInstance | None = None, *, strict: bool = True) -> LoadResult:
    """Load the checkpoint at ``path`` into the instance ``into``; all or nothing.

    When it raises, the instance is unchanged: nothing is loaded before everything is checked.

    Parameters
    ----------
    path
        The checkpoint file (``str``, ``bytes`` or ``os.PathLike``), written
        by :func:`save`.
    into
        The instance to load into. Required: a checkpoint holds data, never
        code, so the Module must be made first
        (``symmodule.load(path, into=MyModule().make())``).
    strict
        As for :func:`~symmodule.persist.load_state_dict`.

    Returns
    -------
    LoadResult
        What was skipped (always empty for a strict load).

    Raises
    ------
    CheckpointError
        When the file is not a checkpoint, is truncated, corrupt, malformed
        or of a newer format, or ``path`` names a pipe, a device or a socket.
    StateDictError
        When the checkpoint does not fit the instance (strict load).
    OSError
        The operating system's own errors, with their ``errno``:
        ``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``...
    StateArgumentError
        When ``into`` is missing or not an instance, or ``path`` is not a path.
    """
    name = _file_name(path, "symmodule.load")
    if into is None:
        raise errors.StateArgumentError(errors.LOAD_NEEDS_INTO.format(path=name))
    check_instance(into, "symmodule.load", "into")
    state = read_checkpoint(name)
    module_class = state.metadata.get("module_class") or "a state dict"
    return load_into(
        into,
        state,
        strict=strict,
        copy_arrays=False,
        source=f"checkpoint {name!r} (saved from {module_class})",
    )


def read_checkpoint(path: str | bytes | os.PathLike[Any]) -> StateDict:
    """The state dict stored in a checkpoint file, with its metadata; no instance needed.

    Parameters
    ----------
    path
        The checkpoint file (``str``, ``bytes`` or ``os.PathLike``).

    Returns
    -------
    StateDict
        The arrays under their paths, with ``.aliases``, ``.unset`` and
        ``.metadata``: ``format_version``, ``module_class``,
        ``instance_class``, ``members`` (kind, dtype, shape, type of each
        entry) and the ``symmodule_version``, ``pytensor_version`` and
        ``numpy_version`` that wrote the file. Generator entries stay encoded
        (``uint8`` arrays, see :func:`~symmodule.persist.decode_generator`).

    Raises
    ------
    CheckpointError, OSError, StateArgumentError
        As :func:`load` does, after the same checks (see this module's docstring).
    """
    name = _file_name(path, "symmodule.persist.read_checkpoint")
    try:
        return _read(name)
    except _Refused as refusal:
        raise errors.CheckpointError(
            errors.CHECKPOINT_UNREADABLE.format(path=name, reason=refusal.reason, hint=refusal.hint), name
        ) from None


class _Refused(Exception):
    """Why a file is not a readable checkpoint; :func:`read_checkpoint` makes it a CheckpointError."""

    def __init__(self, reason: str, hint: str = _HINT_MALFORMED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


class _DuplicateKey(Exception):
    """A JSON object that has a key twice (``json`` would silently keep the last)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _file_name(path: Any, function: str) -> str:
    """``path`` as a ``str`` (``bytes`` decoded as the file system does), or a StateArgumentError."""
    name = None
    if isinstance(path, (str, bytes, os.PathLike)):
        try:
            name = os.fsdecode(path)
        except TypeError:  # an os.PathLike whose __fspath__ returns neither str nor bytes
            pass
    if name is None:
        given = f"{_SHORT.repr(path)}, of type {type(path).__name__}"
    elif "\x00" in name:
        given = f"{_SHORT.repr(name)}, which holds a NUL character (no file name can)"
    else:
        return name
    raise errors.StateArgumentError(errors.CHECKPOINT_BAD_PATH.format(function=function, given=given))


def _read(name: str) -> StateDict:
    handle, size = _open_regular(name)
    try:
        length, header = _read_header(handle, size, name)
        entries = _entries(header, size, length)
        members, aliases, unset, version, metadata = _read_metadata(header, entries)
        stored = _read_arrays(handle, entries, name)
    finally:
        os.close(handle)

    result = StateDict()
    for key, record in members.items():
        array = stored[key]
        if _digest(array) != record["sha256"]:
            raise _Refused(f"the data of {key!r} is corrupt (its checksum does not match)", _HINT_CORRUPT)
        if record["dtype"] in _VIEWS:
            view = np.dtype(record["dtype"]).newbyteorder("<")
            array = array.reshape(-1).view(view).reshape(tuple(record["shape"]))
        result[key] = array.astype(array.dtype.newbyteorder("="), copy=False)
    result.aliases = aliases
    result.unset = unset
    result.metadata = {
        "format_version": version,
        "module_class": metadata["module_class"],
        "instance_class": metadata["instance_class"],
        "members": {
            key: {k: v for k, v in record.items() if k in ("kind", "dtype", "shape", "type")}
            for key, record in members.items()
        },
        **{k: metadata[k] for k in ("symmodule_version", "pytensor_version", "numpy_version")},
    }
    return result


# ------------------------------------------------------------------ reading from one descriptor


def _open_regular(name: str) -> tuple[int, int]:
    """A descriptor of the regular file ``name``, open for reading, and the file's size."""
    # Checked before opening, so that a device is never opened (opening some has effects)...
    _check_regular(os.stat(name).st_mode, name)
    handle = os.open(name, _READ_FLAGS)
    try:
        # ...and on the opened file, which cannot be swapped after this check.
        info = os.fstat(handle)
        _check_regular(info.st_mode, name)
        if _NONBLOCK:
            os.set_blocking(handle, True)
    except BaseException:
        os.close(handle)
        raise
    return handle, info.st_size


def _check_regular(mode: int, name: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        # What open() raises for a folder, so that code catching it keeps working.
        example = os.path.join(name, "model.safetensors")
        raise IsADirectoryError(errno.EISDIR, errors.CHECKPOINT_IS_A_FOLDER.format(example=example), name)
    raise _Refused(errors.CHECKPOINT_NOT_A_FILE.format(what=_file_kind(mode)), errors.CHECKPOINT_HINT_NOT_A_FILE)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _read_some(handle: int, count: int, name: str) -> bytes:
    try:
        return os.read(handle, count)
    except OSError as exc:
        # os.read does not name the file: say which, keeping the errno (and so the class).
        raise OSError(exc.errno, exc.strerror or str(exc), name) from exc


def _read_bytes(handle: int, count: int, name: str) -> bytes:
    """The next ``count`` bytes of the file; fewer only when it ends first."""
    pieces = []
    while count > 0:
        piece = _read_some(handle, min(count, _CHUNK), name)
        if not piece:
            break
        pieces.append(piece)
        count -= len(piece)
    return b"".join(pieces)


def _read_arrays(handle: int, entries: dict[str, tuple[np.dtype, tuple[int, ...], int, int]], name: str) -> dict[str, np.ndarray]:
    """Every array, read in file order (``_entries`` checked that they follow each other from the header on)."""
    arrays = {}
    for key, (dtype, shape, _, _) in sorted(entries.items(), key=lambda item: item[1][2:]):
        array = np.empty(shape, dtype=dtype)
        target = array.reshape(-1).view(np.uint8)
        done = 0
        while done < target.size:
            piece = _read_some(handle, min(target.size - done, _CHUNK), name)
            if not piece:
                raise _Refused(
                    "the file ended while it was being read (was it being cut or rewritten in place?)",
                    "Load it again once nothing writes to it.",
                )
            target[done : done + len(piece)] = np.frombuffer(piece, dtype=np.uint8)
            done += len(piece)
        arrays[key] = array
    return arrays


# ------------------------------------------------------------------ checking the header and the metadata


def _read_header(handle: int, size: int, name: str) -> tuple[int, dict[str, Any]]:
    """The header's length and its JSON object, after checking that the file can hold it."""
    if size == 0:
        raise _Refused("the file is empty", _HINT_TRUNCATED)
    head = _read_bytes(handle, 8, name)
    if len(head) < 8:
        raise _Refused(f"the file has only {len(head)} byte(s), too few for a checkpoint", _HINT_TRUNCATED)
    length = int.from_bytes(head, "little")
    if length < 2 or length > _MAX_HEADER or 8 + length > size:
        other = _sniff(head)
        if other:
            raise _Refused(f"it is {other}, not a safetensors checkpoint", _HINT_FOREIGN)
        if 2 <= length <= _MAX_HEADER:
            raise _Refused(
                f"the file is truncated (its header needs {8 + length} bytes, the file has {size})",
                _HINT_TRUNCATED,
            )
        raise _Refused("it is not a safetensors checkpoint (it does not start with a header length)", _HINT_FOREIGN)
    raw = _read_bytes(handle, length, name)
    if len(raw) < length:
        raise _Refused(
            f"the file is truncated (its header needs {8 + length} bytes, the file has {8 + len(raw)})",
            _HINT_TRUNCATED,
        )
    try:
        header = loads_json(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except JSONDepthError:
        raise _Refused(errors.CHECKPOINT_TOO_DEEP.format(where="its header", limit=MAX_JSON_DEPTH)) from None
    except _DuplicateKey as duplicate:
        raise _Refused(errors.CHECKPOINT_DUPLICATE_KEY.format(where="its header", key=duplicate.key)) from None
    except (UnicodeDecodeError, ValueError):
        other = _sniff(head)
        if other:
            raise _Refused(f"it is {other}, not a safetensors checkpoint", _HINT_FOREIGN) from None
        raise _Refused("its header is not valid JSON", _HINT_CORRUPT + " (Or it is not a checkpoint.)") from None
    if not isinstance(header, dict):
        _bad("its header", header, "a JSON object")
    return length, header


def _entries(header: dict[str, Any], size: int, length: int) -> dict[str, tuple[np.dtype, tuple[int, ...], int, int]]:
    """``{name: (dtype, shape, start, end)}`` of every array the header lists, all checked."""
    entries = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        where = f"in its header, {key!r}"
        if not isinstance(entry, dict):
            _bad(where, entry, "an object {dtype, shape, data_offsets}")
        _require(entry, ("dtype", "shape", "data_offsets"), where)
        code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if not (isinstance(code, str) and code in _STORED):
            _bad(f"{where}['dtype']", code, f"a safetensors dtype symmodule writes ({', '.join(sorted(_STORED))})")
        if not _is_shape(shape):
            _bad(f"{where}['shape']", shape, _SHAPE)
        if not (
            isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_size, offsets)) and offsets[0] <= offsets[1]
        ):
            _bad(f"{where}['data_offsets']", offsets, "two offsets [start, end] into the data, 0 <= start <= end")
        nbytes = math.prod(shape) * _STORED[code].itemsize
        if nbytes != offsets[1] - offsets[0]:
            raise _Refused(
                f"its header entry {key!r} describes {nbytes} bytes ({code}, shape {shape}) "
                f"but its data_offsets span {offsets[1] - offsets[0]}"
            )
        entries[key] = (_STORED[code], tuple(shape), offsets[0], offsets[1])
    # As safetensors requires: the arrays follow each other, from the end of the header on.
    end = 0
    for key, (_, _, start, stop) in sorted(entries.items(), key=lambda item: item[1][2:]):
        if start != end:
            raise _Refused(
                f"its header entries overlap or leave a gap between them ({key!r} starts at byte "
                f"{start} of the data, where {end} was expected)"
            )
        end = stop
    expected = 8 + length + end
    if size < expected:
        raise _Refused(f"the file is truncated (it has {size} bytes, its header describes {expected})", _HINT_TRUNCATED)
    if size > expected:
        raise _Refused(f"it has {size - expected} unexpected byte(s) after its data", _HINT_CORRUPT)
    return entries


def _read_metadata(
    header: dict[str, Any], entries: dict[str, tuple[np.dtype, tuple[int, ...], int, int]]
) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[str], int, dict[str, str]]:
    """(members, aliases, unset, format version, raw metadata), every field checked."""
    metadata = header.get("__metadata__")
    if "__metadata__" in header and not isinstance(metadata, dict):
        _bad("in its header, '__metadata__'", metadata, "an object of strings")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise _Refused(
            "it is a safetensors file but not a symmodule checkpoint (it has no symmodule metadata)",
            _HINT_FOREIGN + " To use its arrays, read them with safetensors.numpy.load_file(path) "
            "and give them to load_state_dict().",
        )
    for key, value in metadata.items():
        if not isinstance(value, str):
            _bad(f"in its metadata, {key!r}", value, "a string")
    _require(metadata, ("format_version",), "its metadata")
    if not re.fullmatch(r"[0-9]{1,9}", metadata["format_version"]):
        _bad("in its metadata, 'format_version'", metadata["format_version"], 'a version number such as "1"')
    version = int(metadata["format_version"])
    if version > FORMAT_VERSION:
        import symmodule

        raise _Refused(
            f"it was written in checkpoint format version {version} (by symmodule "
            f"{metadata.get('symmodule_version', '?')}), and this symmodule "
            f"({getattr(symmodule, '__version__', '?')}) reads format version {FORMAT_VERSION} only",
            "Upgrade symmodule to load it.",
        )
    if version < 1:
        raise _Refused(f"its format version {version} does not exist", _HINT_CORRUPT)
    _require(metadata, _FIELDS, "its metadata")

    members = _json_field(metadata, "members", dict, "a JSON object {path: description of its array}")
    aliases = _json_field(metadata, "aliases", dict, "a JSON object {alias path: first path}")
    unset = _json_field(metadata, "unset", list, "a JSON list of paths")
    for alias, first in aliases.items():
        if not isinstance(first, str):
            _bad(f"in its metadata, aliases[{alias!r}]", first, "a string (the first path)")
    for position, unset_path in enumerate(unset):
        if not isinstance(unset_path, str):
            _bad(f"in its metadata, unset[{position}]", unset_path, "a string (a path)")
    for key, record in members.items():
        _check_record(key, record)

    if set(members) != set(entries):
        raise _Refused(
            f"its metadata and its arrays list different entries (only in the metadata: "
            f"{_names(set(members) - set(entries))}; only among the arrays: {_names(set(entries) - set(members))})",
            _HINT_CORRUPT,
        )
    for key, record in members.items():
        dtype, shape, _, _ = entries[key]
        view = record["dtype"] in _VIEWS
        if dtype.name != _VIEWS.get(record["dtype"], record["dtype"]) or shape != tuple(record["shape"]) + ((2,) if view else ()):
            raise _Refused(f"the array {key!r} does not match its description in the metadata", _HINT_CORRUPT)
    return members, aliases, unset, version, metadata


def _check_record(key: str, record: Any) -> None:
    """One entry of the ``members`` metadata: kind, dtype, shape, sha256[, type][, stored_as]."""
    where = f"in its metadata, members[{key!r}]"
    if not isinstance(record, dict):
        _bad(where, record, "an object {kind, dtype, shape, sha256}")
    _require(record, ("kind", "dtype", "shape", "sha256"), where)
    if not (isinstance(record["kind"], str) and record["kind"] in _KINDS):
        _bad(f"{where}['kind']", record["kind"], " or ".join(map(repr, _KINDS)))
    dtype = record["dtype"]
    if not (isinstance(dtype, str) and (dtype in _NATIVE_DTYPES or dtype in _VIEWS)):
        _bad(f"{where}['dtype']", dtype, f"one of the dtypes {', '.join(sorted(_NATIVE_DTYPES | set(_VIEWS)))}")
    if not _is_shape(record["shape"]):
        _bad(f"{where}['shape']", record["shape"], _SHAPE)
    if not (isinstance(record["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", record["sha256"])):
        _bad(f"{where}['sha256']", record["sha256"], "a SHA-256 digest (64 hexadecimal digits)")
    if "type" in record and not isinstance(record["type"], str):
        _bad(f"{where}['type']", record["type"], "a string")
    if dtype in _VIEWS:
        _require(record, ("stored_as",), where)
        if record["stored_as"] != _VIEWS[dtype]:
            _bad(f"{where}['stored_as']", record["stored_as"], repr(_VIEWS[dtype]))
    elif "stored_as" in record:
        _bad(f"{where}['stored_as']", record["stored_as"], f"absent: it is written only for {', '.join(_VIEWS)} arrays")


def _json_field(metadata: dict[str, str], field: str, kind: type, expected: str) -> Any:
    """The JSON value held by the metadata string ``field``, of the Python type ``kind``."""
    where = f"its metadata field {field!r}"
    try:
        value = loads_json(metadata[field], object_pairs_hook=_unique_keys)
    except JSONDepthError:
        raise _Refused(errors.CHECKPOINT_TOO_DEEP.format(where=where, limit=MAX_JSON_DEPTH)) from None
    except _DuplicateKey as duplicate:
        raise _Refused(errors.CHECKPOINT_DUPLICATE_KEY.format(where=where, key=duplicate.key)) from None
    except ValueError:
        raise _Refused(errors.CHECKPOINT_NOT_JSON.format(field=field)) from None
    if not isinstance(value, kind):
        raise _Refused(errors.CHECKPOINT_BAD_JSON_FIELD.format(field=field, got=_describe_json(value), expected=expected))
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _require(mapping: dict[str, Any], fields: tuple[str, ...], where: str) -> None:
    for field in fields:
        if field not in mapping:
            raise _Refused(errors.CHECKPOINT_MISSING_FIELD.format(where=where, field=field))


def _bad(where: str, value: Any, expected: str) -> NoReturn:
    raise _Refused(errors.CHECKPOINT_BAD_VALUE.format(where=where, got=_describe_json(value), expected=expected))


def _is_size(value: Any) -> bool:
    return type(value) is int and 0 <= value <= sys.maxsize  # a JSON true is a bool, not a size


def _is_shape(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= _MAX_NDIM
        and all(map(_is_size, value))
        and math.prod(size for size in value if size) <= _MAX_ELEMENTS
    )


def _names(keys: set[str]) -> str:
    """A few of ``keys``, for a message."""
    shown = [_SHORT.repr(key) for key in sorted(keys)[:5]]
    return ", ".join(shown) + (", ..." if len(keys) > 5 else "") if shown else "none"


def _describe_json(value: Any) -> str:
    """A JSON value in a few words: ``the number 3``, ``a list ([1, 2])``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {_SHORT.repr(value)}"
    if isinstance(value, str):
        return f"the string {_SHORT.repr(value)}"
    return f"{'a list' if isinstance(value, list) else 'an object'} ({_SHORT.repr(value)})"


def _sniff(head: bytes) -> str | None:
    """Name a few other file formats from their first bytes, for a clearer error."""
    if head[:1] == b"\x80" and 2 <= head[1] <= 5:
        return "a pickle file (never loaded by symmodule.load: unpickling can run code)"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (such as a .npz file or a PyTorch .pt file)"
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy .npy file"
    if head.startswith(b"\x89HDF"):
        return "an HDF5 file"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file"
    if head and all(32 <= b < 127 or b in b"\t\r\n" for b in head):
        return "a text file"
    return None
