"""Conv2d, MaxPool2d, AvgPool2d and Flatten: layers over images ``(batch, channels, height, width)``.

PyTensor 3 has no neural-network convolution or pooling Op (its
``pytensor.tensor.signal`` convolves single signals), so these layers are
written with the operations every backend has: each kernel position
``(i, j)`` is a strided slice of the (padded) input, a *window*; a
convolution stacks the windows and contracts them with the filters in one
matrix product (``tensordot``, the im2col method), and pooling takes the max
or the mean over them. Gradients are PyTensor's, through slices and a
product, and the same graph runs in every mode (FAST_COMPILE, NUMBA, C, JAX).

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
from symmodule.nn.layer import Layer, check_ndim, check_positive, float_dtype, infer_length, static_length
from symmodule.roles import PARAM, REGULARIZABLE

__all__ = ["Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"]

Pair = tuple[int, int]
_LAYOUT = "batch, channels, height, width"


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
        if out_channels is None:
            raise errors.DeclarationError(
                messages.MISSING_ARGUMENT.format(
                    layer="nn.Conv2d", name="out_channels", what="the number of filters",
                    fix="Give it: nn.Conv2d(1, 16, 3), or nn.Conv2d(None, 16, 3) to take in_channels from the input.",
                )
            )
        self._in, self._out = in_channels, out_channels
        self._kernel = _pair("nn.Conv2d", "kernel_size", kernel_size)
        self._stride = _pair("nn.Conv2d", "stride", stride)
        self._dilation = _pair("nn.Conv2d", "dilation", dilation)
        self._padding = _padding(padding, self._kernel, self._stride, self._dilation)
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
        check_ndim(self, x, (4,), _LAYOUT, "Reshape a batch of images to (batch, channels, height, width).")
        channels = infer_length(
            self, x, 1, "in_channels", "channel axis (axis 1)", self._in, "T.tensor4(shape=(None, 3, 32, 32))"
        )
        if self._pending is not None:
            self._build(channels)
        padded = _pad(x, self._padding)
        windows, lengths = _windows(self, padded, self._kernel, self._stride, self._dilation, padded=padded is not x)
        patches = pt.stack(windows, axis=2)  # (batch, in, kh * kw, out_h, out_w)
        filters = self.w.reshape((self._out, channels, self._kernel[0] * self._kernel[1]))
        out = pt.tensordot(patches, filters, axes=[[1, 2], [1, 2]]).dimshuffle(0, 3, 1, 2)
        if self._bias:
            out = out + self.b.dimshuffle("x", 0, "x", "x")
        return _keep_static_shape(out, (static_length(x, 0), self._out, *lengths))

    def extra_repr(self) -> str:
        return (
            f"{self._in}, {self._out}, kernel_size={self._kernel}, stride={self._stride}, "
            f"padding={self._padding}, dilation={self._dilation}"
        )


class _Pool2d(Layer):
    """Pooling over windows of ``kernel_size``, moved by ``stride`` (default: the kernel size)."""

    def __init__(self, kernel_size: int | Pair = 2, *, stride: int | Pair | None = None) -> None:
        super().__init__()
        name = f"nn.{type(self).__name__}"
        self._kernel = _pair(name, "kernel_size", kernel_size)
        self._stride = self._kernel if stride is None else _pair(name, "stride", stride)

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(self, x, (4,), _LAYOUT, "Reshape a batch of images to (batch, channels, height, width).")
        windows, _ = _windows(self, x, self._kernel, self._stride, (1, 1), padded=False)
        return self._reduce(pt.stack(windows, axis=2), axis=2)

    def _reduce(self, windows: TensorVariable, axis: int) -> TensorVariable:
        raise NotImplementedError

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

    def _reduce(self, windows: TensorVariable, axis: int) -> TensorVariable:
        return pt.max(windows, axis=axis)


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

    def _reduce(self, windows: TensorVariable, axis: int) -> TensorVariable:
        return pt.mean(windows, axis=axis)


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


# -- windows ------------------------------------------------------------------------------------


def _pair(layer: str, name: str, value: Any) -> Pair:
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in pair)
    ):
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer=layer, name=name, value=value, why="is not a positive int or a pair of them",
                fix=f"Give e.g. {name}=3 or {name}=(3, 5).",
            )
        )
    return int(pair[0]), int(pair[1])


def _padding(value: Any, kernel: Pair, stride: Pair, dilation: Pair) -> tuple[Pair, Pair]:
    """``((top, bottom), (left, right))`` zeros to add."""
    if value == "valid":
        return (0, 0), (0, 0)
    if value == "same":
        if stride != (1, 1):
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.Conv2d", name="padding", value=value, why=f"needs stride 1, not {stride}",
                    fix="Give the padding as numbers, e.g. padding=1, or use stride=1.",
                )
            )
        # The output keeps the input's length: the window's extra span split, the larger half after.
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return (spans[0] // 2, spans[0] - spans[0] // 2), (spans[1] // 2, spans[1] - spans[1] // 2)
    pair = (value, value) if isinstance(value, int) and not isinstance(value, bool) else value
    if (
        not isinstance(pair, (tuple, list))
        or len(pair) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in pair)
    ):
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer="nn.Conv2d", name="padding", value=value,
                why="is not an int of 0 or more, a pair of them, 'valid' or 'same'",
                fix="Give e.g. padding=1, padding=(1, 2) or padding='same'.",
            )
        )
    return (pair[0], pair[0]), (pair[1], pair[1])


def _pad(x: TensorVariable, padding: tuple[Pair, Pair]) -> TensorVariable:
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    # Static lengths where the type has them, so the padded input keeps a static shape.
    height, width = (x.shape[axis] if static_length(x, axis) is None else static_length(x, axis) for axis in (2, 3))
    zeros = pt.zeros((x.shape[0], x.shape[1], height + top + bottom, width + left + right), dtype=x.dtype)
    return pt.set_subtensor(zeros[:, :, top:top + height, left:left + width], x)


def _windows(
    layer: Layer, x: TensorVariable, kernel: Pair, stride: Pair, dilation: Pair, *, padded: bool
) -> tuple[list[TensorVariable], list[int | None]]:
    """The windows of ``x`` and the output's static height and width (None where not static).

    Window ``(i, j)`` holds the input values kernel tap ``(i, j)`` meets at
    every output position: shape ``(batch, channels, out_h, out_w)``.
    """
    static: list[int | None] = []
    lengths = []
    for axis, k, s, d in zip((2, 3), kernel, stride, dilation):
        n = static_length(x, axis)
        if n is not None and n < d * (k - 1) + 1:
            raise errors.DeclarationError(
                messages.WINDOW_TOO_LARGE.format(
                    layer=layer.where(), span=d * (k - 1) + 1, axis=axis, padded="padded " if padded else "", length=n
                )
            )
        out = (x.shape[axis] if n is None else n) - d * (k - 1) - 1
        static.append(None if n is None else out // s + 1)
        lengths.append(out // s + 1)
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, lengths
    windows = [
        x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
        for i in range(kh)
        for j in range(kw)
    ]
    return windows, static


def _keep_static_shape(out: TensorVariable, shape: tuple[int | None, ...]) -> TensorVariable:
    """``out`` with the static lengths the layer knows but PyTensor's shape inference lost."""
    if all(known is None or known == got for known, got in zip(shape, out.type.shape)):
        return out
    return pt.specify_shape(out, tuple(got if known is None else known for known, got in zip(shape, out.type.shape)))
