"""Checkpoint paths and descriptors: no blocking, one descriptor per read, ``errno`` kept.

A checkpoint path may name anything. :func:`open_regular` opens it without
blocking (a named pipe with no writer would block until one comes) and
checks, on the opened descriptor, that it is a regular file, so it cannot be
swapped after the check; the whole file is then read through that one
descriptor, so a file replaced meanwhile by a save is read whole, as it was
when opened. Reads and writes are plain ``os.read`` / ``os.write`` calls in
pieces of :data:`CHUNK` bytes: each call's memory is bounded, and a failure
is the operating system's ``OSError``, with its ``errno`` and the file's name.
"""

from __future__ import annotations

import errno
import os
import reprlib
import stat
from typing import Any

from symmodule import errors

__all__ = ["CHUNK", "SHORT", "Refused", "file_kind", "file_name", "open_regular", "read_bytes", "write_all"]

CHUNK = 1 << 20
# Open without blocking, without becoming the controlling terminal of a tty, not
# inherited by child processes. The flags that a platform lacks are left out.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_READ_FLAGS = (
    os.O_RDONLY | _NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)

#: Shows values that come from a file (or a caller) in messages: short, whatever their size.
SHORT = reprlib.Repr()
SHORT.maxstring = SHORT.maxother = SHORT.maxlong = 60
SHORT.maxlist = SHORT.maxdict = 4
SHORT.maxlevel = 2


class Refused(Exception):
    """Why a file is not a readable checkpoint; ``read_checkpoint`` makes it a CheckpointError naming the file.

    Parameters
    ----------
    reason
        What is wrong with the file, as the middle of
        :data:`~symmodule.errors.CHECKPOINT_UNREADABLE`.
    hint
        What to do about it.
    """

    def __init__(self, reason: str, hint: str = errors.CHECKPOINT_HINT_MALFORMED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def file_name(path: Any, function: str) -> str:
    """``path`` as a ``str`` (``bytes`` decoded as the file system does them).

    Parameters
    ----------
    path
        What the caller gave as a path.
    function
        The public function that got it, for the message.

    Raises
    ------
    StateArgumentError
        When ``path`` is not a ``str``, ``bytes`` or ``os.PathLike``, or holds
        a NUL character.
    """
    name = None
    if isinstance(path, (str, bytes, os.PathLike)):
        try:
            name = os.fsdecode(path)
        except TypeError:  # an os.PathLike whose __fspath__ returns neither str nor bytes
            pass
    if name is None:
        given = f"{SHORT.repr(path)}, of type {type(path).__name__}"
    elif "\x00" in name:
        given = f"{SHORT.repr(name)}, which holds a NUL character (no file name can)"
    else:
        return name
    raise errors.StateArgumentError(errors.CHECKPOINT_BAD_PATH.format(function=function, given=given))


def open_regular(name: str) -> tuple[int, int]:
    """A blocking descriptor of the regular file ``name``, open for reading, and the file's size.

    Raises
    ------
    Refused
        When ``name`` is a named pipe, a device, a socket...
    IsADirectoryError
        When ``name`` is a folder, as ``open()`` raises.
    OSError
        The operating system's errors (``FileNotFoundError``...).
    """
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
    raise Refused(errors.CHECKPOINT_NOT_A_FILE.format(what=file_kind(mode)), errors.CHECKPOINT_HINT_NOT_A_FILE)


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, from its ``st_mode``: ``"a named pipe (FIFO)"``..."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def read_bytes(handle: int, count: int, name: str) -> bytes:
    """The next ``count`` bytes of the file open as ``handle``; fewer only when it ends first.

    Raises
    ------
    OSError
        The read's own error, with its ``errno``, naming the file ``name``.
    """
    pieces = []
    while count > 0:
        try:
            piece = os.read(handle, min(count, CHUNK))
        except OSError as exc:
            # os.read does not name the file: say which, keeping the errno (and so the class).
            raise OSError(exc.errno, exc.strerror or str(exc), name) from exc
        if not piece:
            break
        pieces.append(piece)
        count -= len(piece)
    return b"".join(pieces)


def write_all(handle: int, data: bytes) -> None:
    """Write all of ``data`` to ``handle``.

    Raises
    ------
    OSError
        The write's own error, with its ``errno`` (``ENOSPC`` for a full disk).
    """
    view = memoryview(data)
    while len(view):
        written = os.write(handle, view[:CHUNK])
        if written == 0:  # a regular file takes no bytes only when its file system is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]
