"""Numba implementations of :mod:`symmodule.rewrites.ops`, registered with PyTensor's Numba backend.

Importing this module registers them (PyTensor's dispatch is keyed by Op
class, so only symmodule's own Ops are affected). The cache keys come from
the Ops' props and the version each function returns (raised whenever a
kernel changes), so Numba's on-disk cache works across processes.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from symmodule._pytensor import numba_njit, register_numba_funcify
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc


@register_numba_funcify(NumPyUfunc)
def _numba_ufunc(op: NumPyUfunc, node: Any = None, **kwargs: Any) -> tuple:
    # NumPy's ufunc at every size, although leaving compiled code to call it
    # costs about 2 us: Numba's own loop (the C library's tanh) is faster
    # below ~256 elements but rounds differently, and an element must get
    # the same bits whatever the size of its array.
    ufunc = getattr(np, op.name)

    @numba_njit
    def apply(x):
        out = np.empty_like(x)
        with numba.objmode():
            ufunc(x, out=out)
        return out

    return apply, 2


@register_numba_funcify(NumPyDot)
def _numba_dot(op: NumPyDot, node: Any = None, **kwargs: Any) -> tuple:
    # ``np.ascontiguousarray(m).T`` is typed Fortran-ordered, which Numba's dot
    # passes to BLAS as a transpose flag; a transposed view of unknown layout
    # would be copied element by element first. Operands of any other layout
    # are copied to C order first, so BLAS always gets the same call for the
    # same values (an operand's layout changes BLAS's rounding). Numba's dot,
    # not NumPy's: calling NumPy's from here makes a process run two OpenBLAS
    # thread pools (NumPy's and SciPy's, which Numba calls), which measured
    # slower with OpenBLAS's default threads (docs/performance.md).
    if op.transpose_a and op.transpose_b:

        @numba_njit
        def dot(a, b):
            return np.dot(np.ascontiguousarray(a).T, np.ascontiguousarray(b).T)

    elif op.transpose_a:

        @numba_njit
        def dot(a, b):
            return np.dot(np.ascontiguousarray(a).T, np.ascontiguousarray(b))

    elif op.transpose_b:

        @numba_njit
        def dot(a, b):
            return np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b).T)

    else:

        @numba_njit
        def dot(a, b):
            return np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))

    return dot, 1
