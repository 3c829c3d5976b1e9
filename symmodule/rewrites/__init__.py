"""Speed rewrites: where PyTensor's compiled backends are slow, use NumPy's kernels.

PyTensor's Numba and C backends compute ``tanh`` one element at a time
through the C library (NumPy's ufunc is SIMD-vectorised: 10-30x faster on
an MLP's hidden layer), Numba copies a transposed operand element by
element before a matrix product, and without a BLAS library to link,
PyTensor's C matrix products use a slow portable loop. symmodule's named
modes ('NUMBA', 'FAST_RUN', 'CVM') include rewrites that hand these to
NumPy at compile time; the graphs users build are never changed, and a
Mode object passed to ``make(mode=...)`` is used exactly as given.

Files: ``ops.py`` holds the Ops, ``rules.py`` the rewrites and which
backend gets which, ``numba_kernels.py`` the Ops' Numba code.
"""

from __future__ import annotations

from pytensor.compile.mode import Mode

from symmodule._pytensor import linker_kind
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc
from symmodule.rewrites.rules import rewrites_for

__all__ = ["NumPyDot", "NumPyUfunc", "backend_of", "rewrites_for", "tune"]


def backend_of(mode: Mode) -> str:
    """'numba', 'cvm', 'python', 'jax' or 'other': which rewrites a mode's linker needs."""
    kind = linker_kind(mode.linker)
    return kind if kind in ("numba", "cvm", "python", "jax") else "other"


def tune(mode: Mode) -> Mode:
    """A copy of ``mode`` with the speed rewrites its backend benefits from (``mode`` itself if none).

    This is how raw PyTensor code gets what symmodule's named modes have.

    Examples
    --------
    >>> import pytensor
    >>> import pytensor.tensor as pt
    >>> from pytensor.compile.mode import get_mode
    >>> from symmodule.rewrites import tune
    >>> x, w = pt.matrix("x"), pt.matrix("w")
    >>> f = pytensor.function([x, w], pt.tanh(x @ w.T), mode=tune(get_mode("NUMBA")))
    >>> [type(node.op).__name__ for node in f.maker.fgraph.toposort()]
    ['NumPyDot', 'NumPyUfunc']
    """
    passes = rewrites_for(backend_of(mode))
    return mode.register(*passes) if passes else mode


