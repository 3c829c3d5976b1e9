"""Background compilation, the opt-in mode 'NUMBA_BACKGROUND': Numba compiles on a thread while a stand-in runs.

Numba compiles a graph's kernels with LLVM at the first call: about 20 s
for an MLP training step on a machine whose compile cache is empty (later
runs load it from PyTensor's on-disk cache in about a second). In 'NUMBA'
and 'FAST_RUN' (the default) the first call waits for it. In
'NUMBA_BACKGROUND' that compilation starts on a thread as soon as the first
function is created from the maker; a call that comes before it is done
waits up to :data:`WAIT_S` for it (enough for a warm cache), then runs a
stand-in: the same graph compiled for the Python VM (FAST_COMPILE, about a
second), bound to the very same storage. Once Numba is ready, calls switch
to it for good.

**What the stand-in changes: the last bits.** It computes the same
expressions with other kernels (NumPy's, through PyTensor's Python code),
so its results can differ from Numba's in the last bits, and which calls it
runs depends on how long Numba takes: two runs of one script may differ
there. Everything else is the same as in 'NUMBA':

* an out-of-range index raises ``IndexError`` in both
  (:mod:`symmodule.bounds`), and an argument's array is never overwritten
  (:func:`symmodule.compiled.compile_maker`);
* the thread never keeps the interpreter alive: a script that ends before
  the compilation does exits at once, and the compiled code is then not in
  the disk cache (the next run compiles again). Call :func:`finish` at the
  end of a script to wait for it;
* ``os.fork()`` waits for the compilations in progress (a child cannot
  inherit a compilation half done: the locks Numba and LLVM hold while
  compiling would stay held forever in it), so the child runs Numba's code.

A Mode object passed to ``make(mode=...)`` or ``function(mode=...)`` never
compiles in the background, except a
:class:`~symmodule.modes.NumbaBackgroundMode`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from pytensor.compile.maker import FunctionMaker

from symmodule._pytensor import numba_dispatcher, numba_signature

__all__ = ["WAIT_S", "BackgroundCompile", "finish"]

#: How long a first call waits for the background compilation before it
#: runs the stand-in: a warm cache is loaded in well under this. None waits
#: for Numba however long it takes (no stand-in).
WAIT_S: float | None = 0.5

# The compilation threads running now, so that finish() and fork() can wait for them.
_running: set[threading.Thread] = set()
_running_lock = threading.Lock()


class BackgroundCompile:
    """One maker's background Numba compilation, and the stand-in maker used until it is done.

    Shared by every function created from the maker (one per instance of a
    Module): the compiled code is shared, so it is compiled once.

    Parameters
    ----------
    make_standin
        Builds the stand-in's maker (called at most once, on demand).
    """

    def __init__(self, make_standin: Callable[[], FunctionMaker]) -> None:
        self._make_standin = make_standin
        self._standin: FunctionMaker | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    def __reduce__(self) -> tuple:
        # A thread and a lock do not pickle; a restored maker compiles at its first call.
        return (_finished, ())

    def start(self, fn: Any) -> None:
        """Start compiling ``fn``'s Numba code on a thread (once per maker)."""
        with self._lock:
            if self._thread is not None or self.done.is_set():
                return
            signature = numba_signature(fn.maker.fgraph.inputs)
            if signature is None:
                self.done.set()  # not a graph we can type ahead: compile at the first call
                return
            self._thread = threading.Thread(
                target=self._compile,
                args=(numba_dispatcher(fn), signature),
                name="symmodule-numba-compile",
                # A daemon: the interpreter exits without waiting for it (finish() waits).
                daemon=True,
            )
            with _running_lock:
                _running.add(self._thread)
            self._thread.start()

    def _compile(self, dispatcher: Any, signature: tuple) -> None:
        try:
            dispatcher.compile(signature)
        except Exception:  # noqa: BLE001 - the first call compiles again and reports the error
            pass
        finally:
            self.done.set()
            with _running_lock:
                _running.discard(threading.current_thread())

    def standin_for(self, fn: Any) -> Any | None:
        """The function a call of ``fn`` should run now: None when Numba's code is ready."""
        if self.done.wait(WAIT_S):
            return None
        with self._lock:
            if self._standin is None:
                self._standin = self._make_standin()
        # Bound to fn's own containers: arguments, members and updates are shared.
        return self._standin.create(list(fn.input_storage))


def finish(timeout: float | None = None) -> bool:
    """Wait for every background compilation in progress; True when none is left.

    A script run in 'NUMBA_BACKGROUND' that ends before Numba is done exits
    without the compiled code, and its next run compiles again. Calling
    ``finish()`` last makes the code reach PyTensor's disk cache, so that
    the next run starts warm.

    Parameters
    ----------
    timeout
        Seconds to wait at most, in all; None waits as long as it takes.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> inst = m.make(c=0.0, mode='NUMBA_BACKGROUND')
    >>> inst.inc()
    >>> symmodule.background.finish()
    True
    >>> float(inst.c)
    1.0
    """
    with _running_lock:
        threads = list(_running)
    deadline = None if timeout is None else time.monotonic() + timeout
    for thread in threads:
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in threads)


def _finished() -> BackgroundCompile:
    background = BackgroundCompile(lambda: None)  # never asked for a stand-in: it is done
    background.done.set()
    return background


# A child process has only the thread that forked: a compilation running in
# another one would never finish there, and the locks it holds (Numba's
# compiler lock, LLVM's) would never be released. Waiting for it first makes
# the child inherit finished code (compiled once, in the parent).
os.register_at_fork(before=finish)
