"""Convolution and pooling as functions of expressions: ``nn.conv2d``, ``nn.max_pool2d``, ``nn.avg_pool2d``.

What the layers :class:`~symmodule.nn.Conv2d`, :class:`~symmodule.nn.MaxPool2d`
and :class:`~symmodule.nn.AvgPool2d` compute, for filters held elsewhere
(a Member, a shared variable, any expression). Each returns a plain
PyTensor expression over the Ops of :mod:`symmodule.nn.ops`. Arguments are
checked here, once, for the functions and the layers alike.
"""

from __future__ import annotations

from typing import Any

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from symmodule import errors
from symmodule.nn import messages
from symmodule.nn.ops import Conv2dOp, Geometry, Pool2dOp
from symmodule.nn.ops.geometry import Pair, Padding

#: The layout of the images convolution and pooling take.
IMAGES = "batch, channels, height, width"

__all__ = ["conv2d", "max_pool2d", "avg_pool2d", "conv_geometry", "pool_geometry", "window_fits", "pair"]


def conv2d(
    x: Any,
    w: Any,
    *,
    stride: int | Pair = 1,
    padding: int | Pair | str = 0,
    dilation: int | Pair = 1,
) -> TensorVariable:
    """The 2-D cross-correlation of images ``x`` ``(batch, in, h, w)`` with filters ``w`` ``(out, in, kh, kw)``.

    ``padding`` is ``p``, ``(ph, pw)``, ``'valid'`` or ``'same'`` (the output
    keeps the input's size; stride 1 only). Filters are not flipped, as in
    PyTorch's ``conv2d``.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dtensor4("x")
    >>> nn.conv2d(x, np.ones((1, 1, 2, 2)), stride=2).eval({x: np.arange(16.0).reshape(1, 1, 4, 4)})
    array([[[[10., 18.],
             [42., 50.]]]])
    """
    x, w = pt.as_tensor_variable(x), pt.as_tensor_variable(w)
    if w.ndim != 4:
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer="nn.conv2d", name="w", value=w.type, why="is not a 4-d tensor",
                fix="Give filters of shape (out_channels, in_channels, kh, kw).",
            )
        )
    _check_images("nn.conv2d", x)
    kernel = tuple(w.type.shape[2:]) if None not in w.type.shape[2:] else None
    geometry = conv_geometry("nn.conv2d", kernel, stride, padding, dilation)
    if kernel is not None:
        window_fits("nn.conv2d", x, kernel, geometry)
    return Conv2dOp(geometry)(x, w)


def max_pool2d(x: Any, kernel_size: int | Pair = 2, *, stride: int | Pair | None = None) -> TensorVariable:
    """The maximum of each ``kernel_size`` window of the last two axes (windows ``stride`` apart, default: not overlapping).

    Windows running past the input's edge are dropped. Every input equal to
    its window's maximum receives the window's gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dtensor4("x")
    >>> nn.max_pool2d(x, 2).eval({x: np.arange(16.0).reshape(1, 1, 4, 4)})
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    return _pool("nn.max_pool2d", x, kernel_size, stride, "max")


def avg_pool2d(x: Any, kernel_size: int | Pair = 2, *, stride: int | Pair | None = None) -> TensorVariable:
    """The mean of each ``kernel_size`` window of the last two axes (windows ``stride`` apart, default: not overlapping).

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dtensor4("x")
    >>> nn.avg_pool2d(x, 2).eval({x: np.arange(16.0).reshape(1, 1, 4, 4)})
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    return _pool("nn.avg_pool2d", x, kernel_size, stride, "mean")


def _pool(where: str, x: Any, kernel_size: Any, stride: Any, reduction: str) -> TensorVariable:
    x = pt.as_tensor_variable(x)
    _check_images(where, x)
    kernel, stride = pool_geometry(where, kernel_size, stride)
    op = Pool2dOp(kernel, stride, reduction)
    window_fits(where, x, kernel, op.geometry)
    return op(x)


def _check_images(where: str, x: TensorVariable) -> None:
    if x.ndim != 4:
        raise errors.DeclarationError(
            messages.WRONG_NDIM.format(
                layer=where, expected=4, layout=IMAGES, ndim=x.ndim, type=errors.describe_type(x.type),
                fix="Reshape a batch of images to (batch, channels, height, width).",
            )
        )


def conv_geometry(layer: str, kernel: Pair | None, stride: Any, padding: Any, dilation: Any) -> Geometry:
    """The checked :class:`Geometry` of a convolution (``kernel`` is needed for ``padding='same'`` only)."""
    stride, dilation = pair(layer, "stride", stride), pair(layer, "dilation", dilation)
    return Geometry(stride, _padding(layer, padding, kernel, stride, dilation), dilation)


def pool_geometry(layer: str, kernel_size: Any, stride: Any) -> tuple[Pair, Pair]:
    """The checked ``(kernel, stride)`` of a pooling; the stride defaults to the kernel."""
    kernel = pair(layer, "kernel_size", kernel_size)
    return kernel, kernel if stride is None else pair(layer, "stride", stride)


def window_fits(where: str, x: TensorVariable, kernel: Pair, geometry: Geometry) -> None:
    """Refuse, naming ``where``, an input whose static height or width is shorter than one window."""
    for axis, k in zip((0, 1), kernel):
        n = x.type.shape[2 + axis]
        if n is not None and geometry.output_length(n, k, axis) < 1:
            padded = sum(geometry.padding[axis])
            raise errors.DeclarationError(
                messages.WINDOW_TOO_LARGE.format(
                    layer=where, span=geometry.dilation[axis] * (k - 1) + 1, axis=2 + axis,
                    padded="padded " if padded else "", length=n + padded,
                )
            )


def pair(layer: str, name: str, value: Any) -> Pair:
    """``value`` (an int or a pair of ints, all positive) as a pair; anything else refused."""
    both = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(both, (tuple, list))
        or len(both) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in both)
    ):
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer=layer, name=name, value=value, why="is not a positive int or a pair of them",
                fix=f"Give e.g. {name}=3 or {name}=(3, 5).",
            )
        )
    return int(both[0]), int(both[1])


def _padding(layer: str, value: Any, kernel: Pair | None, stride: Pair, dilation: Pair) -> Padding:
    """``((top, bottom), (left, right))`` zeros to add."""
    if value == "valid":
        return (0, 0), (0, 0)
    if value == "same":
        if stride != (1, 1) or kernel is None:
            why = f"needs stride 1, not {stride}" if stride != (1, 1) else "needs filters of static size"
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer=layer, name="padding", value=value, why=why,
                    fix="Give the padding as numbers, e.g. padding=1, or use stride=1.",
                )
            )
        # The output keeps the input's length: the window's extra span split, the larger half after.
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (spans[0] // 2, spans[0] - spans[0] // 2), (spans[1] // 2, spans[1] - spans[1] // 2)
    both = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(both, (tuple, list))
        or len(both) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in both)
    ):
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer=layer, name="padding", value=value,
                why="is not an int of 0 or more, a pair of them, 'valid' or 'same'",
                fix="Give e.g. padding=1, padding=(1, 2) or padding='same'.",
            )
        )
    return (int(both[0]), int(both[0])), (int(both[1]), int(both[1]))
