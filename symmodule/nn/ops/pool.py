"""The 2-D pooling Ops (max and mean over windows) and their gradients, with their NumPy code.

* ``Pool2dOp(kernel, stride, "max" | "mean")(x)``: the maximum or the mean of
  each window; windows running past the input's end are dropped.
* ``Pool2dGrad(...)(x, out, g)``: its gradient with respect to ``x``. For
  the maximum, every input equal to its window's maximum receives the
  window's gradient (so ties share nothing: each gets all of it, PyTensor's
  rule for ``max`` and Theano's for pooling), and an input in several
  windows sums what each gives it. For the mean, each input gets
  ``g / (kh * kw)`` from each window holding it; ``out`` is not read.

Second derivatives: the mean's gradient is linear in ``g`` (its pullback is
the mean pooling again); the maximum's is linear in ``g`` for a fixed choice
of maxima, and its pullback is ``MaxPool2dGradGrad`` (each window's sum of
the cotangent over its maxima), whose own pullback is ``Pool2dGrad``.
Neither depends smoothly on ``x``: that derivative is zero almost
everywhere, as for ``max``.

An output or gradient of the wrong shape (one given through
``known_grads``, say) is refused with a ``ValueError`` in every backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Apply

from symmodule._pytensor import infer_shape_method
from symmodule.nn.ops.backends import KernelOp, common_float_dtype
from symmodule.nn.ops.conv import check_gradient_shape, check_output_length
from symmodule.nn.ops.geometry import Geometry, Pair

__all__ = ["Pool2dOp", "Pool2dGrad", "MaxPool2dGradGrad", "pool", "pool_grad", "sum_at_maxima", "REDUCTIONS"]

REDUCTIONS = ("max", "mean")


class _PoolBase(KernelOp):
    __props__ = ("kernel", "stride", "reduction")

    def __init__(self, kernel: Pair, stride: Pair, reduction: str) -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
        self.kernel, self.stride, self.reduction = tuple(kernel), tuple(stride), reduction
        super().__init__()

    @property
    def geometry(self) -> Geometry:
        """The windows' stride (no padding or dilation)."""
        return Geometry(stride=self.stride)


class Pool2dOp(_PoolBase):
    """The maximum or mean of each ``kernel`` window of the last two axes, windows ``stride`` apart."""

    def make_node(self, x: Any) -> Apply:
        x = pt.as_tensor_variable(x)
        if x.ndim != 4:
            raise TypeError(f"Pool2dOp takes a 4-d tensor, not {x.type}")
        x = pt.cast(x, common_float_dtype(x))
        lengths = [
            None if x.type.shape[2 + axis] is None
            else check_output_length(self.geometry, x.type.shape[2 + axis], self.kernel[axis], axis)
            for axis in (0, 1)
        ]
        return Apply(self, [x], [pt.tensor(dtype=x.dtype, shape=(*x.type.shape[:2], *lengths))])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        outputs[0][0] = pool(inputs[0], self.kernel, self.geometry, self.reduction)

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        (x_shape,) = shapes
        return [(*x_shape[:2], *self.geometry.output_shape(x_shape, self.kernel))]

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        (x,), (out,), (g,) = inputs, outputs, cotangents
        return [Pool2dGrad(self.kernel, self.stride, self.reduction)(x, out, g)]


class Pool2dGrad(_PoolBase):
    """The gradient of :class:`Pool2dOp` with respect to ``x``, for its output ``out`` and output gradient ``g``."""

    def make_node(self, x: Any, out: Any, g: Any) -> Apply:
        x, out, g = (pt.as_tensor_variable(t) for t in (x, out, g))
        dtype = common_float_dtype(x, out, g)
        x, out, g = (pt.cast(t, dtype) for t in (x, out, g))
        return Apply(self, [x, out, g], [x.type()])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        x, out, g = inputs
        outputs[0][0] = pool_grad(x, out, g, self.kernel, self.geometry, self.reduction)

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[0]]

    def connection_pattern(self, node: Apply) -> list:
        # The mean's gradient reads x for its shape only; the maximum's through a comparison (no gradient).
        return [[False], [False], [True]]

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        x, out, g = inputs
        (gx,) = cotangents
        if self.reduction == "mean":
            gg = Pool2dOp(self.kernel, self.stride, "mean")(gx)
        else:
            gg = MaxPool2dGradGrad(self.kernel, self.stride)(x, out, gx)
        return [disconnected_type(), disconnected_type(), gg]


class MaxPool2dGradGrad(_PoolBase):
    """The pullback of the maximum's :class:`Pool2dGrad` with respect to ``g``: ``MaxPool2dGradGrad(kernel, stride)(x, out, gx)``.

    For each window, the sum of ``gx`` over the inputs equal to the
    window's maximum ``out``; its output has ``out``'s shape. It is linear
    in ``gx``, whose pullback is :class:`Pool2dGrad` again.
    """

    def __init__(self, kernel: Pair, stride: Pair) -> None:
        super().__init__(kernel, stride, "max")

    def make_node(self, x: Any, out: Any, gx: Any) -> Apply:
        x, out, gx = (pt.as_tensor_variable(t) for t in (x, out, gx))
        dtype = common_float_dtype(x, out, gx)
        x, out, gx = (pt.cast(t, dtype) for t in (x, out, gx))
        return Apply(self, [x, out, gx], [out.type()])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        x, out, gx = inputs
        outputs[0][0] = sum_at_maxima(x, out, gx, self.kernel, self.geometry)

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[1]]

    def connection_pattern(self, node: Apply) -> list:
        return [[False], [False], [True]]

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        x, out, gx = inputs
        (c,) = cotangents
        return [disconnected_type(), disconnected_type(), Pool2dGrad(self.kernel, self.stride, "max")(x, out, c)]


# -- NumPy code ---------------------------------------------------------------------------------


def pool(x: np.ndarray, kernel: Pair, geometry: Geometry, reduction: str) -> np.ndarray:
    """The maximum or mean over each window, in NumPy: one pass over the input per kernel tap."""
    out_h, out_w = (check_output_length(geometry, x.shape[2 + axis], kernel[axis], axis) for axis in (0, 1))
    rows, cols = geometry.tap(0, 0, out_h, out_w)
    out = x[:, :, rows, cols].copy()
    combine = np.maximum if reduction == "max" else np.add  # np.maximum keeps a NaN, as max does
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            if i or j:
                rows, cols = geometry.tap(i, j, out_h, out_w)
                combine(out, x[:, :, rows, cols], out=out)
    if reduction == "mean":
        out /= np.asarray(kernel[0] * kernel[1], dtype=x.dtype)
    return out


def pool_grad(
    x: np.ndarray, out: np.ndarray, g: np.ndarray, kernel: Pair, geometry: Geometry, reduction: str
) -> np.ndarray:
    """The gradient of :func:`pool` with respect to ``x``: each window's ``g`` added where it came from."""
    out_h, out_w = check_pool_gradient(x.shape, out.shape, g.shape, kernel, geometry)
    gx = np.zeros_like(x)
    share = g / np.asarray(kernel[0] * kernel[1], dtype=g.dtype) if reduction == "mean" else g
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows, cols = geometry.tap(i, j, out_h, out_w)
            if reduction == "max":
                gx[:, :, rows, cols] += np.where(x[:, :, rows, cols] == out, g, 0)
            else:
                gx[:, :, rows, cols] += share
    return gx


def sum_at_maxima(
    x: np.ndarray, out: np.ndarray, gx: np.ndarray, kernel: Pair, geometry: Geometry
) -> np.ndarray:
    """For each window, the sum of ``gx`` over the inputs equal to the window's maximum ``out``, in NumPy."""
    out_h, out_w = check_pool_gradient(x.shape, out.shape, out.shape, kernel, geometry)
    check_gradient_shape(gx.shape, x.shape)
    total = np.zeros_like(out)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows, cols = geometry.tap(i, j, out_h, out_w)
            total += np.where(x[:, :, rows, cols] == out, gx[:, :, rows, cols], 0)
    return total


def check_pool_gradient(x_shape: tuple, out_shape: tuple, g_shape: tuple, kernel: Pair, geometry: Geometry) -> tuple:
    """``(out_h, out_w)`` for ``x_shape``; a pooled output or gradient of another shape is refused."""
    lengths = tuple(check_output_length(geometry, x_shape[2 + axis], kernel[axis], axis) for axis in (0, 1))
    expected = (*x_shape[:2], *lengths)
    check_gradient_shape(out_shape, expected)
    check_gradient_shape(g_shape, expected)
    return lengths
