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

Writing goes to a temporary file in the target's folder, which is flushed,
fsync'ed and renamed over the target (then the folder is fsync'ed): at every
moment the target path holds either the previous complete file or the new
one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from symmodule import errors
from symmodule.module.instance import ModuleInstance
from symmodule.persist.state import (
    GENERATOR,
    LoadResult,
    StateDict,
    check_instance,
    encode_generator,
    load_into,
    snapshot,
)

__all__ = ["FORMAT", "FORMAT_VERSION", "load", "read_checkpoint", "save"]

FORMAT = "symmodule.checkpoint"
#: The version this code writes, and the largest it reads.
FORMAT_VERSION = 1

# safetensors refuses headers larger than this; so do we, before reading one.
_MAX_HEADER = 100 * 1024 * 1024
# dtypes safetensors stores as they are, and those stored as a view of another.
_NATIVE_DTYPES = frozenset(
    ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64", "complex64"]
)
_VIEWS = {"complex128": "float64"}

_HINT_TRUNCATED = (
    "The file was cut short (an interrupted copy or download, or a full disk); "
    "symmodule.save itself never leaves a partial file at the path it writes. "
    "Load another copy of the checkpoint."
)
_HINT_CORRUPT = "The file was damaged after it was written; load another copy of the checkpoint."
_HINT_FOREIGN = (
    "symmodule.load reads only checkpoints written by symmodule.save (safetensors "
    "files with symmodule metadata)."
)


# --------------------------------------------------------------------------- save


def save(source: ModuleInstance | Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``source`` (an instance, or a state dict) to ``path`` as a checkpoint, atomically.

    The file is in the safetensors format (see this module's docstring): one
    array per piece of state, plus metadata. A crash or an error during the
    write leaves any previous file at ``path`` intact; it may leave a
    temporary file ``.<name>.<random>.tmp`` in the same folder.
    """
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
    _write_atomically(path, tensors, metadata)


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


def _write_atomically(path: str | os.PathLike[str], tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    from safetensors.numpy import save_file

    shown = os.fspath(path)
    target = os.path.realpath(shown)  # through a symlink: replace the file it points to
    folder = os.path.dirname(target)

    def fail(code: int | None, reason: str) -> errors.CheckpointWriteError:
        message = errors.CHECKPOINT_NOT_WRITTEN.format(path=shown, reason=reason)
        return errors.CheckpointWriteError(code, message) if code else errors.CheckpointWriteError(message)

    if os.path.isdir(target):
        raise fail(errno.EISDIR, "it is a folder; give a file name such as model.safetensors")
    if not os.path.isdir(folder):
        raise fail(errno.ENOENT, f"the folder {folder!r} does not exist; create it first")
    mode = _file_mode(target)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
        os.close(handle)
        try:
            save_file(tensors, temporary, metadata=metadata)
        except OSError:
            raise
        except Exception as exc:  # safetensors reports its own failures as SafetensorError
            raise fail(None, f"safetensors could not write it ({exc})") from exc
        handle = os.open(temporary, os.O_RDWR)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(handle, mode)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        if isinstance(exc, errors.CheckpointWriteError):
            raise
        raise fail(exc.errno, exc.strerror or str(exc)) from exc
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
    _fsync_folder(folder)


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


def load(path: str | os.PathLike[str], into: ModuleInstance | None = None, *, strict: bool = True) -> LoadResult:
    """Load the checkpoint at ``path`` into the instance ``into``; all or nothing.

    ``into`` is required: a checkpoint holds data, never code, so the Module
    must be made first (``symmodule.load(path, into=MyModule().make())``).
    ``strict`` is as for :func:`~symmodule.persist.load_state_dict`. A file
    that is not a checkpoint, truncated, corrupt or of a newer format raises
    :class:`~symmodule.errors.CheckpointError`; a checkpoint that does not fit
    the instance raises :class:`~symmodule.errors.StateDictError`. Either
    way the instance is unchanged.
    """
    if into is None:
        raise errors.StateArgumentError(errors.LOAD_NEEDS_INTO.format(path=os.fspath(path)))
    check_instance(into, "symmodule.load", "into")
    state = read_checkpoint(path)
    module_class = state.metadata.get("module_class") or "a state dict"
    return load_into(
        into,
        state,
        strict=strict,
        copy_arrays=False,
        source=f"checkpoint {os.fspath(path)!r} (saved from {module_class})",
    )


def read_checkpoint(path: str | os.PathLike[str]) -> StateDict:
    """The state dict stored in a checkpoint file, with its metadata; no instance needed.

    ``.metadata`` holds ``format_version``, ``module_class``,
    ``instance_class``, ``members`` (kind, dtype, shape, type of each entry)
    and the ``symmodule_version``, ``pytensor_version`` and ``numpy_version``
    that wrote the file. Generator entries stay encoded (``uint8`` arrays,
    see :func:`~symmodule.persist.decode_generator`).
    """
    name = os.fspath(path)

    def fail(reason: str, hint: str) -> errors.CheckpointError:
        return errors.CheckpointError(errors.CHECKPOINT_UNREADABLE.format(path=name, reason=reason, hint=hint), name)

    with open(name, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        header = _read_header(handle, size, fail)
    metadata = header.pop("__metadata__", None)
    members, aliases, unset, version = _read_metadata(metadata, set(header), fail)

    from safetensors import safe_open

    arrays: dict[str, np.ndarray] = {}
    try:
        with safe_open(name, framework="np") as reader:
            if reader.metadata() != metadata:
                raise fail("the file changed while it was being read (saved again meanwhile?)", "Load it again.")
            for key in members:
                arrays[key] = reader.get_tensor(key)
    except errors.CheckpointError:
        raise
    except Exception as exc:
        raise fail(f"safetensors cannot read its data ({exc})", _HINT_CORRUPT) from None

    result = StateDict()
    for key, record in members.items():
        array = arrays[key]
        if _digest(np.require(array, requirements="C")) != record.get("sha256"):
            raise fail(f"the data of {key!r} is corrupt (its checksum does not match)", _HINT_CORRUPT)
        if "stored_as" in record:
            try:
                array = np.require(array, requirements="C").reshape(-1).view(record["dtype"])
                array = array.reshape(tuple(record["shape"]))
            except (TypeError, ValueError):
                raise fail(f"the array {key!r} does not match its description in the metadata", _HINT_CORRUPT) from None
        if array.dtype.name != record.get("dtype") or list(array.shape) != record.get("shape"):
            raise fail(f"the array {key!r} does not match its description in the metadata", _HINT_CORRUPT)
        result[key] = array
    result.aliases = aliases
    result.unset = unset
    result.metadata = {
        "format_version": version,
        "module_class": metadata.get("module_class", ""),
        "instance_class": metadata.get("instance_class", ""),
        "members": {
            key: {k: v for k, v in record.items() if k in ("kind", "dtype", "shape", "type")}
            for key, record in members.items()
        },
        **{k: metadata[k] for k in ("symmodule_version", "pytensor_version", "numpy_version") if k in metadata},
    }
    return result


def _read_header(handle: Any, size: int, fail: Any) -> dict[str, Any]:
    """The safetensors JSON header, after checking that the file holds all it describes."""
    if size == 0:
        raise fail("the file is empty", _HINT_TRUNCATED)
    head = handle.read(8)
    if len(head) < 8:
        raise fail(f"the file has only {size} byte(s), too few for a checkpoint", _HINT_TRUNCATED)
    length = int.from_bytes(head, "little")
    if length < 2 or length > _MAX_HEADER or 8 + length > size:
        other = _sniff(head)
        if other:
            raise fail(f"it is {other}, not a safetensors checkpoint", _HINT_FOREIGN)
        if 2 <= length <= _MAX_HEADER:
            raise fail(
                f"the file is truncated (its header needs {8 + length} bytes, the file has {size})",
                _HINT_TRUNCATED,
            )
        raise fail("it is not a safetensors checkpoint (it does not start with a header length)", _HINT_FOREIGN)
    try:
        header = json.loads(handle.read(length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        other = _sniff(head)
        if other:
            raise fail(f"it is {other}, not a safetensors checkpoint", _HINT_FOREIGN) from None
        raise fail("its header is not valid JSON", _HINT_CORRUPT + " (Or it is not a checkpoint.)") from None
    if not isinstance(header, dict):
        raise fail("its header is not a JSON object", _HINT_CORRUPT)
    end = 0
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        if not (
            isinstance(offsets, list)
            and len(offsets) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets)
            and offsets[0] <= offsets[1]
        ):
            raise fail(f"the header entry of {key!r} is malformed", _HINT_CORRUPT)
        end = max(end, offsets[1])
    expected = 8 + length + end
    if size < expected:
        raise fail(
            f"the file is truncated (it has {size} bytes, its header describes {expected})",
            _HINT_TRUNCATED,
        )
    if size > expected:
        raise fail(f"it has {size - expected} unexpected byte(s) after its data", _HINT_CORRUPT)
    return header


def _read_metadata(
    metadata: Any, keys: set[str], fail: Any
) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[str], int]:
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise fail(
            "it is a safetensors file but not a symmodule checkpoint (it has no symmodule metadata)",
            _HINT_FOREIGN + " To use its arrays, read them with safetensors.numpy.load_file(path) "
            "and give them to load_state_dict().",
        )
    try:
        version = int(metadata.get("format_version", ""))
    except ValueError:
        raise fail(f"its format version {metadata.get('format_version')!r} is not a number", _HINT_CORRUPT) from None
    if version > FORMAT_VERSION:
        import symmodule

        raise fail(
            f"it was written in checkpoint format version {version} (by symmodule "
            f"{metadata.get('symmodule_version', '?')}), and this symmodule "
            f"({getattr(symmodule, '__version__', '?')}) reads format version {FORMAT_VERSION} only",
            "Upgrade symmodule to load it.",
        )
    if version < 1:
        raise fail(f"its format version {version} does not exist", _HINT_CORRUPT)
    try:
        members = json.loads(metadata.get("members", ""), object_pairs_hook=dict)
        aliases = json.loads(metadata.get("aliases", "{}"))
        unset = json.loads(metadata.get("unset", "[]"))
    except ValueError:
        raise fail("its symmodule metadata is not valid JSON", _HINT_CORRUPT) from None
    well_formed = (
        isinstance(members, dict)
        and all(isinstance(r, dict) and isinstance(r.get("shape"), list) for r in members.values())
        and isinstance(aliases, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items())
        and isinstance(unset, list)
        and all(isinstance(p, str) for p in unset)
    )
    if not well_formed:
        raise fail("its symmodule metadata is malformed", _HINT_CORRUPT)
    if set(members) != keys:
        raise fail("its metadata and its arrays list different entries", _HINT_CORRUPT)
    return members, aliases, unset, version


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
