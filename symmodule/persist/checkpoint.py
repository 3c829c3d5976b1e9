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

The safetensors package writes and parses the format; symmodule makes and
checks the metadata (:mod:`~symmodule.persist.metadata`) and does the file
operations itself (:mod:`~symmodule.persist.files`).

Reading trusts nothing in the file. The path must name a regular file, opened
without blocking, and everything is read through that one descriptor. Before
any parser sees the file, its header must fit in it and within the size
safetensors accepts, and its JSON must not nest deeply; the metadata is then
checked field by field, and it must describe exactly the file's length. Only
then are the file's bytes given to the safetensors parser, whose refusals
(array entries of the wrong type, sizes or offsets that do not add up) become
``CheckpointError`` as well; each array it returns must match its
description and its digest.

Writing: safetensors turns the arrays and metadata into the file's bytes,
which go to a temporary file in the target's folder with plain ``os.write``
calls (so that a failure is an ``OSError`` with its ``errno``); the file is
fsync'ed and renamed over the target, then the folder is fsync'ed. At every
moment the target path holds either the previous complete file or the new one.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Mapping
from typing import Any

import numpy as np
import safetensors
import safetensors.numpy

from symmodule import errors
from symmodule.module.instance import ModuleInstance
from symmodule.persist import metadata
from symmodule.persist.files import Refused, file_kind, file_name, open_regular, read_bytes, write_all
from symmodule.persist.metadata import FORMAT, FORMAT_VERSION
from symmodule.persist.state import LoadResult, StateDict, check_instance, load_into, snapshot

__all__ = ["FORMAT", "FORMAT_VERSION", "load", "read_checkpoint", "save"]

# safetensors refuses headers larger than this; so do we, before reading one.
_MAX_HEADER = 100 * 1024 * 1024


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
    name = file_name(path, "symmodule.save")
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
    tensors, fields = metadata.encode(state)
    _write_atomically(name, safetensors.numpy.save(tensors, metadata=fields))


def _write_atomically(name: str, data: bytes) -> None:
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
        what = errors.CHECKPOINT_NOT_A_FILE.format(what=file_kind(existing.st_mode))
        raise fail(None, f"{what}; give the name of a file such as model.safetensors")
    if not os.path.isdir(folder):
        raise fail(errno.ENOENT, f"the folder {folder!r} does not exist; create it first")
    mode = _file_mode(target)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
        try:
            write_all(handle, data)
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
    name = file_name(path, "symmodule.load")
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
    name = file_name(path, "symmodule.persist.read_checkpoint")
    try:
        return _read(name)
    except Refused as refusal:
        raise errors.CheckpointError(
            errors.CHECKPOINT_UNREADABLE.format(path=name, reason=refusal.reason, hint=refusal.hint), name
        ) from None


def _read(name: str) -> StateDict:
    handle, size = open_regular(name)
    try:
        head, header = _read_header(handle, size, name)
        checked = metadata.check(header)
        # A file of another length cannot be a checkpoint: say so before reading it.
        expected = len(head) + metadata.data_length(checked)
        if size < expected:
            raise Refused(
                f"the file is truncated (it has {size} bytes, its header describes {expected})",
                errors.CHECKPOINT_HINT_TRUNCATED,
            )
        if size > expected:
            raise Refused(f"it has {size - expected} unexpected byte(s) after its data", errors.CHECKPOINT_HINT_CORRUPT)
        data = head + read_bytes(handle, size - len(head), name)
    finally:
        os.close(handle)
    if len(data) < size:
        raise Refused(
            "the file ended while it was being read (was it being cut or rewritten in place?)",
            "Load it again once nothing writes to it.",
        )
    return metadata.decode(_parse(data), checked)


def _read_header(handle: int, size: int, name: str) -> tuple[bytes, Any]:
    """The file's first bytes (header length and header), and the header's parsed JSON.

    Checked before anything parses them: the file is long enough to hold the
    header, which is not larger than safetensors accepts and does not nest
    deeply.
    """
    if size == 0:
        raise Refused("the file is empty", errors.CHECKPOINT_HINT_TRUNCATED)
    start = read_bytes(handle, 8, name)
    if len(start) < 8:
        raise Refused(
            f"the file has only {len(start)} byte(s), too few for a checkpoint", errors.CHECKPOINT_HINT_TRUNCATED
        )
    length = int.from_bytes(start, "little")
    if length < 2 or length > _MAX_HEADER or 8 + length > size:
        other = _sniff(start)
        if other:
            raise Refused(f"it is {other}, not a safetensors checkpoint", errors.CHECKPOINT_HINT_FOREIGN)
        if 2 <= length <= _MAX_HEADER:
            raise Refused(
                f"the file is truncated (its header needs {8 + length} bytes, the file has {size})",
                errors.CHECKPOINT_HINT_TRUNCATED,
            )
        raise Refused(
            "it is not a safetensors checkpoint (it does not start with a header length)", errors.CHECKPOINT_HINT_FOREIGN
        )
    raw = read_bytes(handle, length, name)
    if len(raw) < length:
        raise Refused(
            f"the file is truncated (its header needs {8 + length} bytes, the file has {8 + len(raw)})",
            errors.CHECKPOINT_HINT_TRUNCATED,
        )
    try:
        header = metadata.parse_json(raw.decode("utf-8"), "its header")
    except ValueError:  # UnicodeDecodeError included
        other = _sniff(start)
        if other:
            raise Refused(f"it is {other}, not a safetensors checkpoint", errors.CHECKPOINT_HINT_FOREIGN) from None
        hint = errors.CHECKPOINT_HINT_CORRUPT + " (Or it is not a checkpoint.)"
        raise Refused("its header is not valid JSON", hint) from None
    return start + raw, header


def _parse(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of a whole safetensors file, as the safetensors parser reads them."""
    try:
        return safetensors.numpy.load(data)
    except MemoryError:
        raise  # the machine's limit, not the file's fault
    except Exception as exc:
        # The parser's refusals are SafetensorErrors; its numpy layer raises others
        # (a KeyError for a dtype numpy lacks, such as BF16). Every one means a bad file.
        detail = str(exc) if isinstance(exc, safetensors.SafetensorError) else f"{type(exc).__name__}: {exc}"
        raise Refused(errors.CHECKPOINT_SAFETENSORS_REFUSES.format(detail=detail)) from None


def _sniff(start: bytes) -> str | None:
    """Name a few other file formats from their first bytes, for a clearer error."""
    if start[:1] == b"\x80" and 2 <= start[1] <= 5:
        return "a pickle file (never loaded by symmodule.load: unpickling can run code)"
    if start.startswith(b"PK\x03\x04"):
        return "a zip archive (such as a .npz file or a PyTorch .pt file)"
    if start.startswith(b"\x93NUMPY"):
        return "a NumPy .npy file"
    if start.startswith(b"\x89HDF"):
        return "an HDF5 file"
    if start.startswith(b"\x1f\x8b"):
        return "a gzip-compressed file"
    if start and all(32 <= b < 127 or b in b"\t\r\n" for b in start):
        return "a text file"
    return None
