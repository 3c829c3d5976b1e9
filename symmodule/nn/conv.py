"""Conv2d, MaxPool2d, AvgPool2d and Flatten: layers over images ``(batch, channels, height, width)``.

The layers hold the parameters and check their inputs (naming the layer's
path); the computing is :mod:`symmodule.nn.functional`'s, over the
convolution and pooling Ops of :mod:`symmodule.nn.ops`, which have NumPy,
Numba and JAX code and gradients of their own.

Like every deep-learning library, ``Conv2d`` computes a cross-correlation
(the filter is not flipped), with filters of layout ``(out_channels,
in_channels, kernel_height, kernel_width)``, the layout ``symmodule.init``
counts fans for.
"""

from __future__ import annotations

from typing import Any

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from symmodule import errors, init as initializers
from symmodule.nn import messages
from symmodule.nn.functional import IMAGES, conv_geometry, pair, pool_geometry, window_fits
from symmodule.nn.layer import Layer, check_ndim, check_positive, float_dtype, infer_length, require, static_length
from symmodule.nn.ops import Conv2dOp, Pool2dOp
from symmodule.nn.ops.geometry import Pair
from symmodule.roles import PARAM, REGULARIZABLE

__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"]


class Conv2d(Layer):
    """A 2-D convolution (cross-correlation) of ``in_channels`` images into ``out_channels``.

    Parameters
    ----------
    in_channels
        Channels of the input (axis 1); None takes them from the first input.
    out_channels
        Number of filters.
    kernel_size
        ``k`` or ``(kh, kw)``.
    stride
        ``s`` or ``(sh, sw)``.
    padding
        Zeros added on each side: ``p``, ``(ph, pw)``, ``'valid'`` (none) or
        ``'same'`` (the output keeps the input's size; stride 1 only).
    dilation
        Spacing between kernel taps: ``d`` or ``(dh, dw)``.
    bias
        Whether to add the bias ``b`` (one per output channel).
    init, bias_init
        Rules for the first values of ``w`` (default
        ``symmodule.init.glorot_uniform()``) and ``b`` (default zeros).
    dtype
        Of the parameters; default ``floatX``.

    Attributes
    ----------
    w
        Filters ``(out_channels, in_channels, kh, kw)``: roles ``param``, ``regularizable``.
    b
        Bias ``(out_channels,)``: role ``param``.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
    >>> x = T.tensor4("x", shape=(None, 1, 8, 8))
    >>> y = m.conv(x)
    >>> y.type.shape
    (None, 4, 8, 8)
    >>> m.apply = symmodule.Method([x], y)
    >>> m.make().apply(np.ones((2, 1, 8, 8), dtype=symmodule.config.floatX)).shape
    (2, 4, 8, 8)
    """

    def __init__(
        self,
        in_channels: int | None = None,
        out_channels: int | None = None,
        kernel_size: int | Pair = 3,
        *,
        stride: int | Pair = 1,
        padding: int | Pair | str = 0,
        dilation: int | Pair = 1,
        bias: bool = True,
        init: Any = None,
        bias_init: Any = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__()
        check_positive("nn.Conv2d", in_channels=in_channels, out_channels=out_channels)
        require(
            "nn.Conv2d", "out_channels", out_channels, "the number of filters",
            "Give it: nn.Conv2d(1, 16, 3), or nn.Conv2d(None, 16, 3) to take in_channels from the input.",
        )
        self._in, self._out = in_channels, out_channels
        self._kernel = pair("nn.Conv2d", "kernel_size", kernel_size)
        self._geometry = conv_geometry("nn.Conv2d", self._kernel, stride, padding, dilation)
        self._bias, self._init, self._bias_init = bias, init, bias_init
        self._dtype = float_dtype(dtype)
        if in_channels is None:
            self._pending = ("in_channels", "channel axis (axis 1)")
        else:
            self._build(in_channels)

    @property
    def in_channels(self) -> int | None:
        """Channels of the input (None until a lazy layer's first application)."""
        return self._in

    @property
    def out_channels(self) -> int:
        """Number of filters."""
        return self._out

    def _build(self, in_channels: int) -> None:
        self._in, self._pending = in_channels, None
        self.add_member(
            "w",
            pt.tensor(dtype=self._dtype, shape=(self._out, in_channels, *self._kernel)),
            roles=(PARAM, REGULARIZABLE),
            init=self._init if self._init is not None else initializers.glorot_uniform(),
        )
        if self._bias:
            self.add_member(
                "b",
                pt.vector(dtype=self._dtype, shape=(self._out,)),
                init=self._bias_init if self._bias_init is not None else initializers.zeros(),
            )

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(self, x, (4,), IMAGES, "Reshape a batch of images to (batch, channels, height, width).")
        channels = infer_length(
            self, x, 1, "in_channels", "channel axis (axis 1)", self._in, "T.tensor4(shape=(None, 3, 32, 32))"
        )
        if self._pending is not None:
            self._build(channels)
        window_fits(self.where(), x, self._kernel, self._geometry)
        out = Conv2dOp(self._geometry)(x, self.w)
        if self._bias:
            out = out + self.b.dimshuffle("x", 0, "x", "x")
        return out

    def extra_repr(self) -> str:
        return (
            f"{self._in}, {self._out}, kernel_size={self._kernel}, stride={self._geometry.stride}, "
            f"padding={self._geometry.padding}, dilation={self._geometry.dilation}"
        )


class _Pool2d(Layer):
    """Pooling over windows of ``kernel_size``, moved by ``stride`` (default: the kernel size)."""

    _reduction: str  # "max" or "mean": the Pool2dOp's

    def __init__(self, kernel_size: int | Pair = 2, *, stride: int | Pair | None = None) -> None:
        super().__init__()
        self._kernel, self._stride = pool_geometry(f"nn.{type(self).__name__}", kernel_size, stride)

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(self, x, (4,), IMAGES, "Reshape a batch of images to (batch, channels, height, width).")
        op = Pool2dOp(self._kernel, self._stride, self._reduction)
        window_fits(self.where(), x, self._kernel, op.geometry)
        return op(x)

    def extra_repr(self) -> str:
        return f"kernel_size={self._kernel}, stride={self._stride}"


class MaxPool2d(_Pool2d):
    """The maximum of each window of ``kernel_size`` (windows ``stride`` apart, default: not overlapping).

    Windows that would run past the input's edge are dropped, as in PyTorch.
    Where several inputs of a window tie for the maximum, each receives the
    gradient (PyTensor's rule for ``max``).

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dtensor4("x")
    >>> nn.MaxPool2d(2)(x).eval({x: np.arange(16.0).reshape(1, 1, 4, 4)})
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """

    _reduction = "max"



class AvgPool2d(_Pool2d):
    """The mean of each window of ``kernel_size`` (windows ``stride`` apart, default: not overlapping).

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dtensor4("x")
    >>> nn.AvgPool2d(2)(x).eval({x: np.arange(16.0).reshape(1, 1, 4, 4)})
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """

    _reduction = "mean"



class Flatten(Layer):
    """Joins the axes from ``start_axis`` on into one: ``(batch, c, h, w)`` becomes ``(batch, c * h * w)``.

    When the joined axes have static lengths, so has the result, so a lazy
    :class:`~symmodule.nn.Linear` after it learns its ``n_in``.

    Examples
    --------
    >>> from symmodule import nn, tensor as T
    >>> nn.Flatten()(T.tensor4(shape=(None, 4, 3, 3))).type.shape
    (None, 36)
    """

    def __init__(self, start_axis: int = 1) -> None:
        super().__init__()
        if isinstance(start_axis, bool) or not isinstance(start_axis, int) or start_axis < 0:
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.Flatten", name="start_axis", value=start_axis, why="is not an int of 0 or more",
                    fix="Give the first axis to join, e.g. start_axis=1 to keep the batch axis.",
                )
            )
        self._start = start_axis

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(self, x, range(self._start + 1, 33), f"the axes kept, then those joined from axis {self._start}")
        joined = [static_length(x, axis) for axis in range(self._start, x.ndim)]
        kept = [x.shape[axis] for axis in range(self._start)]
        if None in joined:
            return x.reshape((*kept, -1), ndim=self._start + 1)
        size = 1
        for length in joined:
            size *= length  # type: ignore[operator]
        out = x.reshape((*kept, size), ndim=self._start + 1)
        return _keep_static_shape(out, (*(static_length(x, axis) for axis in range(self._start)), size))

    def extra_repr(self) -> str:
        return f"start_axis={self._start}"


# -- shapes -------------------------------------------------------------------------------------


def _keep_static_shape(out: TensorVariable, shape: tuple[int | None, ...]) -> TensorVariable:
    """``out`` with the static lengths the layer knows but PyTensor's shape inference lost."""
    if all(known is None or known == got for known, got in zip(shape, out.type.shape)):
        return out
    return pt.specify_shape(out, tuple(got if known is None else known for known, got in zip(shape, out.type.shape)))
