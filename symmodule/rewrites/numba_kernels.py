"""Numba implementations of :mod:`symmodule.rewrites.ops`, registered with PyTensor's Numba backend.

Importing this module registers them (PyTensor's dispatch is keyed by Op
class, so only symmodule's own Ops are affected). The cache keys come from
the Ops' props, so Numba's on-disk cache works across processes.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from symmodule._pytensor import numba_njit, register_numba_funcify
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

#: Below this many elements, Numba's own loop beats the ~2.5 us it costs to
#: leave compiled code and call NumPy (measured: equal at 256 elements).
OBJMODE_MIN_SIZE = 256


@register_numba_funcify(NumPyUfunc)
def _numba_ufunc(op: NumPyUfunc, node: Any = None, **kwargs: Any) -> tuple:
    ufunc = getattr(np, op.name)

    @numba_njit
    def apply(x):
        if x.size < OBJMODE_MIN_SIZE:
            return ufunc(x)
        out = np.empty_like(x)
        with numba.objmode():
            ufunc(x, out=out)
        return out

    return apply, 1


@register_numba_funcify(NumPyDot)
def _numba_dot(op: NumPyDot, node: Any = None, **kwargs: Any) -> tuple:
    # ``np.ascontiguousarray(m).T`` is typed Fortran-ordered, which Numba's dot
    # passes to BLAS as a transpose flag; a transposed view of unknown layout
    # would be copied element by element first.
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
