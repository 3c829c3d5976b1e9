"""Background compilation: a Numba function is compiled on a thread while a quick stand-in runs.

Numba compiles a graph's kernels with LLVM at the first call: about 20 s
for an MLP training step on a machine whose compile cache is empty (later
runs load it from PyTensor's on-disk cache in a fraction of a second). For
the functions of symmodule's *named* Numba modes ('NUMBA', 'FAST_RUN'),
that compilation starts on a background thread as soon as the first
function is created from the maker. A call that comes before it is done
waits up to :data:`WAIT_S` for it (enough for a warm cache), then runs a
stand-in: the same graph compiled for the Python VM (FAST_COMPILE, about a
second), bound to the very same storage. Once Numba is ready, calls switch
to it for good. A script that ends before the compilation does waits for it
at exit, so that the code reaches PyTensor's disk cache: only the very first
run of a new model on a machine pays for it, at its end rather than at its
first call.

The stand-in computes the same expressions with other kernels, so a
training run's first steps can differ from Numba's in the last bits. A Mode
object passed to ``make(mode=...)`` or ``function(mode=...)`` is used as
given, without a stand-in: pass ``pytensor.compile.get_mode('NUMBA')`` for
Numba from the first call on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pytensor.compile.maker import FunctionMaker

from symmodule._pytensor import numba_dispatcher, numba_signature

__all__ = ["WAIT_S", "BackgroundCompile"]

#: How long a first call waits for the background compilation before it
#: runs the stand-in: a warm cache is loaded in well under this. None waits
#: for Numba however long it takes (no stand-in).
WAIT_S: float | None = 0.5


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
                # Not a daemon: a script that ends first waits for it at exit, so that
                # the compiled code reaches the disk cache and the next run is warm.
                daemon=False,
            )
            self._thread.start()

    def _compile(self, dispatcher: Any, signature: tuple) -> None:
        try:
            dispatcher.compile(signature)
        except Exception:  # noqa: BLE001 - the first call compiles again and reports the error
            pass
        finally:
            self.done.set()

    def standin_for(self, fn: Any) -> Any | None:
        """The function a call of ``fn`` should run now: None when Numba's code is ready."""
        if self.done.wait(WAIT_S):
            return None
        with self._lock:
            if self._standin is None:
                self._standin = self._make_standin()
        # Bound to fn's own containers: arguments, members and updates are shared.
        return self._standin.create(list(fn.input_storage))


def _finished() -> BackgroundCompile:
    background = BackgroundCompile(lambda: None)  # never asked for a stand-in: it is done
    background.done.set()
    return background
