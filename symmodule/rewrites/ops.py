"""Ops that hand a computation to NumPy's own kernels.

PyTensor's C and Numba backends compile elementwise transcendental functions
into one-element-at-a-time loops over the C library's scalar ``tanh``, and
Numba copies a transposed operand before each matrix product. NumPy's ufuncs
are SIMD-vectorised and its ``dot`` passes transposes to BLAS as flags, so
on large arrays calling NumPy is several times faster (docs/performance.md
has the measurements). These Ops are what :mod:`symmodule.rewrites.rules`
puts in a graph at compile time; they are never written by users.

Both compute what the Op they replace computes, in the same dtype, with one
kernel at every size: they make no element's bits depend on the size, memory
layout or position of its array. ``NumPyUfunc`` is NumPy's ufunc in every
backend, so an element gets NumPy's bits. ``NumPyDot`` is one BLAS call on
C-ordered operands with the transposes as flags; BLAS itself picks its
kernels by shape (a single row or column goes to ``gemv``), so an element of
a product can round differently in a product of another shape, as with
``numpy.dot``. Its Python code (CVM) gives ``numpy.dot``'s bits; its Numba
code calls the BLAS Numba links (SciPy's), which may differ in the last bit.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.tensor.type import TensorType

from symmodule._pytensor import infer_shape_method

__all__ = ["UFUNCS", "NumPyDot", "NumPyUfunc", "register_numba_kernels"]

#: The unary functions :class:`NumPyUfunc` computes: NumPy ufunc name -> the
#: PyTensor elementwise function it replaces (and whose gradient it shares).
UFUNCS = {"tanh": pt.tanh}


def register_numba_kernels() -> None:
    """Register the Ops' Numba code with PyTensor's Numba backend, when Numba is installed.

    Called before Numba links a graph that may hold these Ops: by a pass of
    the Numba modes (:mod:`symmodule.rewrites.rules`) for new functions, and
    when an Op is unpickled, for functions restored from a pickle.
    """
    if importlib.util.find_spec("numba") is not None:
        import symmodule.rewrites.numba_kernels  # noqa: F401


class _RegistersWhenUnpickled:
    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        register_numba_kernels()


class NumPyUfunc(_RegistersWhenUnpickled, Op):
    """``numpy.<name>(x)`` for a unary ufunc in :data:`UFUNCS`, on a float tensor.

    NumPy's ufunc at every size and in every backend, so an element gets
    NumPy's bits whatever the array it is in.
    """

    __props__ = ("name",)

    def __init__(self, name: str) -> None:
        if name not in UFUNCS:
            raise ValueError(f"NumPyUfunc supports {sorted(UFUNCS)}, not {name!r}")
        self.name = name

    def make_node(self, x: Any) -> Apply:
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        (x,) = inputs
        outputs[0][0] = np.asarray(getattr(np, self.name)(x), dtype=node.outputs[0].dtype)

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        return shapes

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        # The gradient of the PyTensor expression this Op stands for.
        reference = UFUNCS[self.name](inputs[0])
        return reference.owner.op.pullback(reference.owner.inputs, [reference], cotangents)


class NumPyDot(_RegistersWhenUnpickled, Op):
    """``numpy.dot(a.T if transpose_a else a, b.T if transpose_b else b)`` of two matrices.

    The transposes are flags rather than separate nodes so that the backend
    can pass them to BLAS instead of copying a transposed view first.
    Operands are made C-ordered first (a copy only when they are not), so
    that a product's bits do not depend on how its operands lie in memory.
    """

    __props__ = ("transpose_a", "transpose_b")

    def __init__(self, transpose_a: bool = False, transpose_b: bool = False) -> None:
        self.transpose_a = bool(transpose_a)
        self.transpose_b = bool(transpose_b)

    def _operands(self, a: Any, b: Any) -> tuple:
        return (a.T if self.transpose_a else a, b.T if self.transpose_b else b)

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = pt.as_tensor_variable(a), pt.as_tensor_variable(b)
        if a.ndim != 2 or b.ndim != 2 or a.dtype != b.dtype:
            raise TypeError(f"NumPyDot takes two matrices of one dtype, not {a.type} and {b.type}")
        rows = a.type.shape[1 if self.transpose_a else 0]
        cols = b.type.shape[0 if self.transpose_b else 1]
        out = TensorType(a.dtype, shape=(rows, cols))
        return Apply(self, [a, b], [out()])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        # BLAS reads a Fortran-ordered operand as a transposed one, with other
        # rounding: C-ordered copies make the bits independent of the layout.
        a, b = (np.ascontiguousarray(x) for x in inputs)
        outputs[0][0] = np.dot(*self._operands(a, b))

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        (a_rows, a_cols), (b_rows, b_cols) = shapes
        return [(a_cols if self.transpose_a else a_rows, b_rows if self.transpose_b else b_cols)]

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        left, right = self._operands(*inputs)
        (grad,) = cotangents
        grad_left, grad_right = pt.dot(grad, right.T), pt.dot(left.T, grad)
        return [
            grad_left.T if self.transpose_a else grad_left,
            grad_right.T if self.transpose_b else grad_right,
        ]
