"""Checkpoint paths and descriptors (symmodule.persist.files): nothing blocks, nothing is swapped, errno is kept.

Whatever the path names (a named pipe, a device, a folder) and whatever its
type (``str``, ``bytes``, ``os.PathLike``), ``save``, ``load`` and
``read_checkpoint`` return or raise at once, and never act on a file that
is not a regular one. The operating system's own errors (no such file,
permission denied, a failing read, a full disk) keep their ``errno``; a file
is read through one descriptor, as it was when opened.
"""

import errno
import os
import stat
import tempfile
import threading
import time

import numpy as np
import pytest

from symmodule import errors
from symmodule.persist import load, read_checkpoint, save, state_dict


def in_thread(function, timeout=10.0):
    """Run ``function()`` in a thread: (whether it still blocks after ``timeout``, its result or exception, seconds)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except BaseException as exc:  # noqa: BLE001 (handed to the test, which checks its type)
            outcome["result"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return thread.is_alive(), outcome.get("result"), time.monotonic() - started


def release(fifo):
    """Unblock a reader stuck opening ``fifo`` (if the code under test blocked), so the test can fail cleanly."""
    try:
        handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    os.close(handle)


# ------------------------------------------------------------------ paths that are not regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_loading_a_named_pipe_is_refused_without_blocking(inst, tmp_path, unchanged):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    snap = unchanged(inst)
    blocked, result, seconds = in_thread(lambda: load(fifo, into=inst))
    if blocked:
        release(fifo)
        pytest.fail("load() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)
    assert "Give the path of a checkpoint file" in str(result)
    assert seconds < 5
    snap.assert_unchanged()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_swapped_in_after_the_path_was_checked_is_refused_without_blocking(path, tmp_path, monkeypatch):
    # The file is replaced by a pipe between the check of the path and the open:
    # the opened file itself must be checked, and opening must not wait for a writer.
    regular = os.stat(path)
    path.unlink()
    os.mkfifo(path)
    real_stat = os.stat

    def stale_stat(name, *args, **kwargs):
        return regular if os.fsdecode(name) == str(path) else real_stat(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stale_stat)
    blocked, result, _ = in_thread(lambda: read_checkpoint(path))
    monkeypatch.undo()
    if blocked:
        release(path)
        pytest.fail("read_checkpoint() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(errors.CheckpointError, match=rf"Cannot load checkpoint '{device}': it is a character device, not a regular file"):
        read_checkpoint(device)


def test_a_folder_is_refused(tmp_path, inst, unchanged):
    snap = unchanged(inst)
    with pytest.raises(IsADirectoryError, match=r"Is a directory: a checkpoint is a file.*model.safetensors") as info:
        load(tmp_path, into=inst)
    assert info.value.errno == errno.EISDIR and info.value.filename == str(tmp_path)
    snap.assert_unchanged()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_saving_onto_a_named_pipe_is_refused(inst, tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    blocked, result, _ = in_thread(lambda: save(inst, fifo))
    if blocked:
        release(fifo)
        pytest.fail("save() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointWriteError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["model.safetensors"]


# ------------------------------------------------------------------ path types


class PathLike:
    """An os.PathLike that is not a pathlib path."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


@pytest.mark.parametrize(
    "convert",
    [bytes, str, lambda p: PathLike(str(p)), lambda p: PathLike(bytes(p))],
    ids=["bytes", "str", "pathlike-str", "pathlike-bytes"],
)
def test_save_load_and_read_take_str_bytes_and_pathlike_paths(module, inst, tmp_path, convert, same_state):
    given_path = convert(tmp_path / "model.safetensors")
    save(inst, given_path)
    fresh = module.make()
    assert not load(given_path, into=fresh).problems
    same_state(inst, fresh)
    assert list(read_checkpoint(given_path)) == list(state_dict(inst))
    save(inst, given_path)
    assert not load(given_path, into=fresh).problems


def test_a_bytes_path_that_is_not_utf8_works(module, inst, tmp_path, same_state):
    name = os.fsencode(tmp_path) + b"/model-\xff.safetensors"
    try:
        save(inst, name)
    except errors.CheckpointWriteError as exc:  # a file system that only takes UTF-8 names
        pytest.skip(str(exc))
    fresh = module.make()
    load(name, into=fresh)
    same_state(inst, fresh)


@pytest.mark.parametrize("bad", [3, None, 1.5, ["model.safetensors"]], ids=["int", "None", "float", "list"])
@pytest.mark.parametrize("function", ["save", "load", "read_checkpoint"])
def test_a_path_of_the_wrong_type_is_refused(inst, function, bad):
    call = {
        "save": lambda: save(inst, bad),
        "load": lambda: load(bad, into=inst),
        "read_checkpoint": lambda: read_checkpoint(bad),
    }[function]
    with pytest.raises(errors.StateArgumentError, match=rf"{function}: the path must be a str, bytes or os.PathLike.*got .*, of type {type(bad).__name__}"):
        call()


@pytest.mark.parametrize("function", ["save", "load", "read_checkpoint"])
def test_a_path_holding_a_nul_character_is_refused(inst, tmp_path, function):
    bad = str(tmp_path / "model\x00.safetensors")
    call = {
        "save": lambda: save(inst, bad),
        "load": lambda: load(bad, into=inst),
        "read_checkpoint": lambda: read_checkpoint(bad),
    }[function]
    with pytest.raises(errors.StateArgumentError, match=rf"{function}: the path must be .*which holds a NUL character"):
        call()


# ------------------------------------------------------------------ OS errors keep their errno


def test_a_disk_full_write_error_keeps_its_errno_and_cause(inst, path, monkeypatch):
    before = path.read_bytes()
    real_write = os.write
    written = []

    def fills_up(handle, data):
        if written:  # the first write succeeds, the disk is full after it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(len(data))
        return real_write(handle, bytes(data)[:5])

    monkeypatch.setattr(os, "write", fills_up)
    inst.n = 77
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint '.*model.safetensors': No space left on device.*unchanged") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.safetensors"]


def test_a_write_that_takes_no_bytes_is_a_full_disk(inst, path, monkeypatch):
    # os.write returning 0 for a regular file means its file system is full: saving must not loop.
    before = path.read_bytes()
    monkeypatch.setattr(os, "write", lambda handle, data: 0)
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint .*No space left on device") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.safetensors"]


def test_a_permission_error_on_save_keeps_its_errno(inst, path, monkeypatch):
    before = path.read_bytes()

    def forbidden(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", forbidden)
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint .*Permission denied") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.EACCES and isinstance(info.value.__cause__, PermissionError)
    assert path.read_bytes() == before


def test_a_permission_error_on_load_keeps_its_errno(inst, path, monkeypatch, unchanged):
    real_open = os.open

    def forbidden(name, *args, **kwargs):
        if os.fsdecode(name) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", forbidden)
    snap = unchanged(inst)
    with pytest.raises(PermissionError, match=r"Permission denied") as info:
        load(path, into=inst)
    assert info.value.errno == errno.EACCES and info.value.filename == str(path)
    snap.assert_unchanged()


def test_a_read_error_keeps_its_errno_and_names_the_file(inst, path, monkeypatch, unchanged):
    target = os.stat(path)
    real_read = os.read

    def failing(handle, count):
        st = os.fstat(handle)
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_read(handle, count)

    monkeypatch.setattr(os, "read", failing)
    snap = unchanged(inst)
    with pytest.raises(OSError, match=r"Input/output error") as info:
        load(path, into=inst)
    assert info.value.errno == errno.EIO and info.value.filename == str(path)
    snap.assert_unchanged()


def test_a_missing_file_keeps_its_errno(inst, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load(tmp_path / "none.safetensors", into=inst)
    assert info.value.errno == errno.ENOENT


# ------------------------------------------------------------------ a file replaced while it is read


def test_a_file_replaced_while_it_is_read_is_read_whole(inst, path, monkeypatch):
    expected = state_dict(inst)
    newer = state_dict(inst)
    newer["n"] = np.array(1234)
    real_read = os.read
    replaced = []

    def replace_once(handle, count):
        if not replaced:
            replaced.append(True)
            save(newer, path)
        return real_read(handle, count)

    monkeypatch.setattr(os, "read", replace_once)
    stored = read_checkpoint(path)
    monkeypatch.undo()
    assert replaced and int(stored["n"]) == 4
    assert all(np.array_equal(stored[key], expected[key]) for key in expected)
    assert int(read_checkpoint(path)["n"]) == 1234


def test_a_file_cut_while_it_is_read_is_refused(path, monkeypatch, refused):
    # The header and metadata are read and checked; the file is cut before its arrays are read.
    size = os.path.getsize(path)
    real_read = os.read
    reads = []

    def cut_before_the_arrays(handle, count):
        reads.append(count)
        if len(reads) == 3:  # the header length, the header, then the arrays
            os.truncate(path, size - 5)
        return real_read(handle, count)

    monkeypatch.setattr(os, "read", cut_before_the_arrays)
    refused(path, r"the file ended while it was being read \(was it being cut or rewritten in place\?\)\. Load it again")
