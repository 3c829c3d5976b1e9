"""Speed rewrites: where PyTensor's backends are slow on this kind of machine, use NumPy's kernels.

symmodule's named modes ('NUMBA', 'FAST_RUN', 'CVM') include these rewrites;
raw PyTensor code gets them with :func:`tune`::

    import pytensor
    from symmodule.rewrites import tune
    f = pytensor.function(inputs, outputs, mode=tune(pytensor.compile.get_mode("NUMBA")))

``ops.py`` holds the Ops, ``rules.py`` the rewrites and which backend gets
which, ``numba_kernels.py`` the Ops' Numba code.
"""

from __future__ import annotations

from pytensor.compile.mode import Mode
from pytensor.link.numba.linker import NumbaLinker
from pytensor.link.vm import VMLinker

from symmodule.rewrites.ops import NumPyDot, NumPyUfunc
from symmodule.rewrites.rules import rewrites_for

__all__ = ["NumPyDot", "NumPyUfunc", "backend_of", "rewrites_for", "tune"]


def backend_of(mode: Mode) -> str:
    """'numba', 'cvm' or 'other': which speed rewrites a mode's linker can run."""
    linker = mode.linker
    if isinstance(linker, NumbaLinker):
        return "numba"
    if isinstance(linker, VMLinker) and linker.use_cloop and linker.c_thunks:
        return "cvm"
    return "other"


def tune(mode: Mode) -> Mode:
    """A copy of ``mode`` with the speed rewrites its backend benefits from (``mode`` itself if none)."""
    passes = rewrites_for(backend_of(mode))
    return mode.register(*passes) if passes else mode


