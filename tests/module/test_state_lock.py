"""One lock for all state access: nothing sees, saves, loads or overwrites a call half done.

A thread calls ``inst.step()`` without pause (it adds 1 to both ``a`` and
``b``, so every state between two calls has ``a == b``), with the switch
interval at 10 us so that threads change hands as often as CPython allows.
Meanwhile the main thread runs one operation :data:`TRIALS` times and checks
what each one saw or left: a state dict, a file, a load, a pickle, a copy
with ``a != b`` would be torn; a write of ``c`` undone by a call that was
running would be lost.

Each test, run with the lock made a no-op, finds torn or lost results.

Without the lock, about one state dict in eight was torn.
"""

from __future__ import annotations

import contextlib
import copy
import os
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import symmodule
from symmodule import tensor as T
from symmodule.persist import read_checkpoint

TRIALS = 10_000

slow = pytest.mark.slow


#: Members besides a, b and c, all stepped with them: reading every member takes long
#: enough that, without the lock, a call often lands in the middle.
WIDTH = 16


def _module(width: int = WIDTH) -> symmodule.Module:
    m = symmodule.Module()
    m.a = T.dscalar()  # a and b at both ends of the state's order: a snapshot reads the others in between
    m.more = [T.dscalar() for _ in range(width)]
    m.b = T.dscalar()
    m.c = T.dscalar()
    updates = {member: member + 1 for member in m.more}
    m.step = symmodule.Method([], [], updates={**updates, m.a: m.a + 1, m.b: m.b + 1, m.c: m.c + 1})
    return m


@contextlib.contextmanager
def _hammered(inst: symmodule.ModuleInstance, *, pause: bool = True) -> Iterator[list[int]]:
    """A thread calls ``inst.step()`` until the block ends; yields ``[calls made so far]``.

    With ``pause``, the thread lets other threads run between two calls
    (``time.sleep(0)``), as a training loop does while it fetches its next
    batch: the lock is not fair, and a thread that takes it back at once would
    keep the main thread waiting for it through most of a trial that takes
    the lock several times. Without, the other threads run only when the
    switch interval takes the GIL from it: in the middle of a call.
    """
    inst.step()  # compiled before the clock starts
    stop = threading.Event()
    calls = [0]

    def hammer() -> None:
        step = inst.step
        while not stop.is_set():
            step()
            calls[0] += 1
            if pause:
                time.sleep(0)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    try:
        yield calls
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert calls[0] > 0  # calls did run meanwhile


@pytest.fixture
def busy(request) -> Iterator[symmodule.ModuleInstance]:
    """An instance in the default mode, called by another thread while the test runs (:func:`_hammered`).

    ``request.param`` (indirect parametrization) overrides :data:`WIDTH`.
    """
    width = getattr(request, "param", WIDTH)
    inst = _module(width).make(a=0, b=0, c=0, more=[0] * width)
    with _hammered(inst):
        yield inst


def _count_torn(trial: Callable[[int], tuple[float, float]]) -> int:
    torn = 0
    for k in range(TRIALS):
        a, b = trial(k)
        torn += a != b
    return torn


@slow
def test_no_state_dict_is_torn(busy):
    def trial(k: int) -> tuple[float, float]:
        sd = symmodule.state_dict(busy)
        return float(sd["a"]), float(sd["b"])

    assert _count_torn(trial) == 0


@slow
@pytest.mark.parametrize("busy", [0], indirect=True)  # a, b and c only: a save takes a millisecond per dozen entries
def test_no_saved_file_is_torn(busy, tmp_path, monkeypatch):
    # Durability is not what is tested here: fsync (and renaming over an existing
    # file, which some file systems flush) would make each save take milliseconds.
    monkeypatch.setattr(os, "fsync", lambda fd: None)

    def trial(k: int) -> tuple[float, float]:
        path = tmp_path / f"{k}.safetensors"
        symmodule.save(busy, path)
        sd = read_checkpoint(path)
        path.unlink()
        return float(sd["a"]), float(sd["b"])

    assert _count_torn(trial) == 0


def _values(k: int, width: int = WIDTH) -> dict[str, np.ndarray]:
    """A whole state dict: every member at ``k``."""
    paths = ["a", "b", "c", *(f"more.{i}" for i in range(width))]
    return {path: np.float64(k) for path in paths}


def _state_after(inst: symmodule.ModuleInstance) -> tuple[float, float]:
    snapshot = symmodule.split(inst)[1].snapshot()
    return float(snapshot["a"]), float(snapshot["b"])


@slow
def test_no_load_state_dict_leaves_a_torn_state(busy):
    def trial(k: int) -> tuple[float, float]:
        symmodule.load_state_dict(busy, _values(-k))
        return _state_after(busy)

    assert _count_torn(trial) == 0


@slow
@pytest.mark.parametrize("busy", [0], indirect=True)  # a, b and c only: reading a file costs per entry
def test_no_load_from_a_file_leaves_a_torn_state(busy, tmp_path):
    path = tmp_path / "checkpoint.safetensors"
    symmodule.save(_values(-5, width=0), path)

    def trial(k: int) -> tuple[float, float]:
        symmodule.load(path, into=busy)
        return _state_after(busy)

    assert _count_torn(trial) == 0


@slow
@pytest.mark.parametrize("busy", [0], indirect=True)  # an unpickled instance costs per member
def test_no_pickle_is_torn(busy):
    def trial(k: int) -> tuple[float, float]:
        copy_ = pickle.loads(pickle.dumps(busy))
        return float(copy_.a), float(copy_.b)

    assert _count_torn(trial) == 0


@slow
@pytest.mark.parametrize("busy", [0], indirect=True)  # a copy costs per member
def test_no_deepcopy_is_torn(busy):
    def trial(k: int) -> tuple[float, float]:
        copy_ = copy.deepcopy(busy)
        return float(copy_.a), float(copy_.b)

    assert _count_torn(trial) == 0


@slow
def test_no_member_write_is_undone_by_a_running_call():
    # Calls only add to c. Once two calls have ended after ``c = v``, the call that may
    # have been running during the write is over: c is v or more, unless that call
    # read c before the write and stored its result after it. FAST_COMPILE runs a
    # call's nodes in a Python loop, and the calling thread never pauses, so that
    # the write lands in the middle of a call (without the lock, most writes are lost).
    inst = _module(0).make(a=0, b=0, c=0, more=[], mode="FAST_COMPILE")
    lost = 0
    with _hammered(inst, pause=False) as calls:
        for k in range(TRIALS):
            written = 1e9 * (k + 1)
            inst.c = written
            seen = calls[0]
            while calls[0] < seen + 2:
                time.sleep(0)
            lost += float(inst.c) < written
    assert lost == 0


# -- the lock itself ---------------------------------------------------------------------------


def _blocked(action: Callable[[], object], lock: threading.RLock) -> bool:
    """Whether ``action`` run in another thread waits while this thread holds ``lock``."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (action(), done.set()))
    with lock:
        worker.start()
        waited = not done.wait(0.2)
    worker.join()
    return waited and done.is_set()


@pytest.mark.parametrize(
    "action",
    [
        lambda inst: inst.step(),
        lambda inst: inst.a,
        lambda inst: setattr(inst, "a", 1.0),
        lambda inst: symmodule.state_dict(inst),
        lambda inst: symmodule.load_state_dict(inst, _values(1)),
        lambda inst: pickle.dumps(inst),
        lambda inst: copy.deepcopy(inst),
        lambda inst: inst.step.container["a"].value if False else inst.step["a"],
    ],
    ids=["call", "read", "write", "state_dict", "load_state_dict", "pickle", "deepcopy", "fn[var]"],
)
def test_every_state_access_waits_for_the_instance_lock(action):
    inst = _module().make(a=0, b=0, c=0, more=[0] * WIDTH, mode="FAST_COMPILE")
    assert _blocked(lambda: action(inst), symmodule.split(inst)[1].lock)


def test_the_lock_is_reentrant_for_an_instance_initialize_that_calls_methods():
    class Stepping(symmodule.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = T.dscalar()
            self.step = symmodule.Method([], [], a=self.a + 1)

        def _instance_initialize(self, inst, **init):
            symmodule.default_initialize(inst, **init)
            inst.step()

    inst = Stepping().make(a=1.0, mode="FAST_COMPILE")
    inst.initialize(a=5.0)  # holds the lock while it writes a and calls step
    assert float(inst.a) == 6.0
