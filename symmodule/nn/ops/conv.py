"""The 2-D convolution Op and its two gradients, with their NumPy code.

``Conv2dOp`` is a cross-correlation (filters not flipped, as in every
deep-learning library) of images ``(batch, channels, height, width)`` with
filters ``(out_channels, channels, kh, kw)``. Its gradients are Ops of their
own, and each of the three is differentiable in terms of the others (they
are bilinear), so second derivatives work too:

* ``Conv2dInputGrad(g, w, x)``: the gradient with respect to the input;
* ``Conv2dFilterGrad(x, g, w)``: the gradient with respect to the filters.

The last input of each gradient Op is read for its shape only (and is not
differentiated): a strided convolution's output does not fix its input's
length, and JAX needs the lengths as static numbers, which an input's shape
is.

``perform`` is the NumPy code (FAST_COMPILE, CVM, C); the Numba and JAX code
live in :mod:`symmodule.nn.ops.numba_kernels` and
:mod:`symmodule.nn.ops.jax_kernels`, which :mod:`symmodule.nn.ops.backends`
registers. Each backend refuses the same mistakes with the same messages
(:func:`checked_lengths`, :func:`check_gradient_shape`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Apply
from pytensor.tensor.variable import TensorVariable

from symmodule._pytensor import infer_shape_method
from symmodule.nn.ops.backends import KernelOp, common_float_dtype
from symmodule.nn.ops.geometry import Geometry

__all__ = [
    "Conv2dOp",
    "Conv2dInputGrad",
    "Conv2dFilterGrad",
    "correlate",
    "input_grad",
    "filter_grad",
    "checked_lengths",
    "check_channels",
    "check_output_length",
    "check_gradient_shape",
]


class _ConvBase(KernelOp):
    __props__ = ("stride", "padding", "dilation")

    def __init__(self, geometry: Geometry) -> None:
        # Tuples of ints, whatever sequences were given: props must hash and compare exactly.
        stride, padding, dilation = geometry
        self.stride, self.dilation = _ints(stride), _ints(dilation)
        self.padding = (_ints(padding[0]), _ints(padding[1]))
        super().__init__()

    @property
    def geometry(self) -> Geometry:
        """The windows' stride, padding and dilation."""
        return Geometry(self.stride, self.padding, self.dilation)

    def _node(self, *tensors: Any) -> tuple[list[TensorVariable], str]:
        tensors = [pt.as_tensor_variable(t) for t in tensors]
        for t in tensors:
            if t.ndim != 4:
                raise TypeError(f"{type(self).__name__} takes 4-d tensors, not {t.type}")
        dtype = common_float_dtype(*tensors)
        return [pt.cast(t, dtype) for t in tensors], dtype


class Conv2dOp(_ConvBase):
    """``out[b, o, r, c] = sum over (k, i, j) of x_padded[b, k, r*sh + i*dh, c*sw + j*dw] * w[o, k, i, j]``."""

    def make_node(self, x: Any, w: Any) -> Apply:
        (x, w), dtype = self._node(x, w)
        if None not in (x.type.shape[1], w.type.shape[1]):
            check_channels(x.type.shape[1], w.type.shape[1])
        static = _static_lengths(x.type.shape, w.type.shape, self.geometry)
        return Apply(self, [x, w], [pt.tensor(dtype=dtype, shape=(x.type.shape[0], w.type.shape[0], *static))])

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        x, w = inputs
        outputs[0][0] = correlate(x, w, self.geometry)

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        x_shape, w_shape = shapes
        return [(x_shape[0], w_shape[0], *self.geometry.output_shape(x_shape, w_shape[2:]))]

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        x, w = inputs
        (g,) = cotangents
        return [Conv2dInputGrad(self.geometry)(g, w, x), Conv2dFilterGrad(self.geometry)(x, g, w)]


class _ConvGrad(_ConvBase):
    """A gradient Op ``(a, b, like)``: ``like`` is read for its shape only, which the output has."""

    def make_node(self, a: Any, b: Any, like: Any) -> Apply:
        (a, b, like), dtype = self._node(a, b, like)
        return Apply(self, [a, b, like], [pt.tensor(dtype=dtype, shape=like.type.shape)])

    @infer_shape_method
    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[2]]

    def connection_pattern(self, node: Apply) -> list:
        return [[True], [True], [False]]


class Conv2dInputGrad(_ConvGrad):
    """The gradient of :class:`Conv2dOp` with respect to its input: ``Conv2dInputGrad(geometry)(g, w, x)``."""

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        g, w, x = inputs
        outputs[0][0] = input_grad(g, w, x.shape, self.geometry)

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        # dx = A(g, w) is linear in g and in w: its pullbacks are the forward and the filter gradient.
        g, w, x = inputs
        (gx,) = cotangents
        return [Conv2dOp(self.geometry)(gx, w), Conv2dFilterGrad(self.geometry)(gx, g, w), disconnected_type()]


class Conv2dFilterGrad(_ConvGrad):
    """The gradient of :class:`Conv2dOp` with respect to its filters: ``Conv2dFilterGrad(geometry)(x, g, w)``."""

    def perform(self, node: Apply, inputs: list, outputs: list) -> None:
        x, g, w = inputs
        outputs[0][0] = filter_grad(x, g, w.shape, self.geometry)

    def pullback(self, inputs: list, outputs: list, cotangents: list) -> list:
        # dw = B(x, g) is linear in x and in g: its pullbacks are the input gradient and the forward.
        x, g, w = inputs
        (gw,) = cotangents
        return [Conv2dInputGrad(self.geometry)(g, gw, x), Conv2dOp(self.geometry)(x, gw), disconnected_type()]


def _ints(pair: Any) -> tuple[int, int]:
    return int(pair[0]), int(pair[1])


def _static_lengths(x_shape: tuple, w_shape: tuple, geometry: Geometry) -> tuple[int | None, int | None]:
    lengths = []
    for axis in (0, 1):
        n, k = x_shape[2 + axis], w_shape[2 + axis]
        lengths.append(None if n is None or k is None else check_output_length(geometry, n, k, axis))
    return lengths[0], lengths[1]


# -- NumPy code ---------------------------------------------------------------------------------


def correlate(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The forward convolution in NumPy: each image's windows as a matrix (im2col) times the filters."""
    checked_lengths(geometry, x.shape, w.shape)
    cols, (out_h, out_w) = _columns(x, w.shape, geometry)
    out = np.matmul(w.reshape(w.shape[0], -1), cols)  # (batch, out_channels, out_h * out_w)
    return out.reshape(x.shape[0], w.shape[0], out_h, out_w)


def input_grad(g: np.ndarray, w: np.ndarray, x_shape: tuple, geometry: Geometry) -> np.ndarray:
    """The gradient with respect to the input: each tap's share of ``g`` added back where the tap read (col2im)."""
    (top, bottom), (left, right) = geometry.padding
    batch, channels, height, width = x_shape
    out_channels, _, kh, kw = w.shape
    out_h, out_w = checked_lengths(geometry, x_shape, w.shape)
    check_gradient_shape(g.shape, (batch, out_channels, out_h, out_w))
    shares = np.matmul(w.reshape(out_channels, -1).T, g.reshape(batch, out_channels, -1))
    shares = shares.reshape(batch, channels, kh, kw, out_h, out_w)
    padded = np.zeros((batch, channels, height + top + bottom, width + left + right), dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, cols = geometry.tap(i, j, out_h, out_w)
            padded[:, :, rows, cols] += shares[:, :, i, j]
    return np.ascontiguousarray(geometry.crop(padded))


def filter_grad(x: np.ndarray, g: np.ndarray, w_shape: tuple, geometry: Geometry) -> np.ndarray:
    """The gradient with respect to the filters: each image's ``g`` times its windows, summed over the batch."""
    check_gradient_shape(g.shape, (x.shape[0], w_shape[0], *checked_lengths(geometry, x.shape, w_shape)))
    cols, _ = _columns(x, w_shape, geometry)
    per_image = np.matmul(g.reshape(g.shape[0], g.shape[1], -1), cols.transpose(0, 2, 1))
    return per_image.sum(axis=0).reshape(w_shape)


def _columns(x: np.ndarray, w_shape: tuple, geometry: Geometry) -> tuple[np.ndarray, tuple[int, int]]:
    """Each image's windows as a ``(channels * kh * kw, out_h * out_w)`` matrix, and ``(out_h, out_w)``."""
    windows = geometry.windows(geometry.pad(x), w_shape[2:])
    out_h, out_w = windows.shape[4:]
    return np.ascontiguousarray(windows).reshape(x.shape[0], -1, out_h * out_w), (out_h, out_w)


def checked_lengths(geometry: Geometry, x_shape: tuple, w_shape: tuple) -> tuple[int, int]:
    """The output's ``(height, width)`` for images and filters of these shapes, each mistake refused.

    What every backend checks before convolving or computing a gradient, so
    that all refuse the same calls with the same messages.
    """
    check_channels(x_shape[1], w_shape[1])
    out_h, out_w = (check_output_length(geometry, x_shape[2 + axis], w_shape[2 + axis], axis) for axis in (0, 1))
    return out_h, out_w


def check_channels(got: int, expected: int) -> None:
    """Refuse an input whose channels are not the filters' (axis 1 of both)."""
    if got != expected:
        raise ValueError(CHANNELS_DIFFER.format(got=got, expected=expected))


def check_output_length(geometry: Geometry, length: int, kernel: int, axis: int) -> int:
    """The output's length along ``axis``; an input shorter than one window is refused."""
    out = int(geometry.output_length(length, kernel, axis))
    if out < 1:
        before, after = geometry.padding[axis]
        raise ValueError(
            WINDOW_TOO_LARGE.format(
                axis=("height", "width")[axis], length=length, padded=length + before + after,
                span=geometry.dilation[axis] * (kernel - 1) + 1,
            )
        )
    return out


def check_gradient_shape(got: tuple, expected: tuple) -> None:
    """Refuse an output gradient whose shape is not the output's (given through ``known_grads``, say)."""
    if tuple(got) != tuple(expected):
        raise ValueError(GRADIENT_SHAPE.format(got=tuple(int(n) for n in got), expected=tuple(int(n) for n in expected)))


GRADIENT_SHAPE = (
    "the gradient given has shape {got}, but the output it is the gradient of has shape {expected}: "
    "give a gradient of the output's shape (known_grads=, Lop)"
)
CHANNELS_DIFFER = (
    "the input has {got} channels (axis 1) but the filters expect {expected} (their axis 1): "
    "give images of {expected} channels, or filters of shape (out, {got}, kh, kw)"
)
WINDOW_TOO_LARGE = (
    "the input's {axis} is {length} ({padded} padded), shorter than one window's span of {span}: "
    "pad the input or use a smaller kernel or dilation"
)
