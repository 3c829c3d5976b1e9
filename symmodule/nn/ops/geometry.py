"""Where the windows of a 2-D convolution or pooling lie: kernel, stride, padding, dilation.

One ``Geometry`` is the props of every convolution and pooling Op, so the
forward Op and its gradients agree on the windows by construction, and the
backends (NumPy, Numba, JAX) read the same numbers.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["Geometry", "Pair", "Padding"]

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]


class Geometry(NamedTuple):
    """The windows of a 2-D operation over ``(batch, channels, height, width)``.

    ``padding`` is ``((top, bottom), (left, right))`` zeros; window ``(oh,
    ow)`` reads tap ``(i, j)`` at row ``oh * stride[0] + i * dilation[0]`` and
    column ``ow * stride[1] + j * dilation[1]`` of the padded input. A window
    running past the padded input's end is dropped (the output length is
    floored), as in PyTorch.
    """

    stride: Pair = (1, 1)
    padding: Padding = ((0, 0), (0, 0))
    dilation: Pair = (1, 1)

    def output_length(self, length: Any, kernel: Any, axis: int) -> Any:
        """The output's length along ``axis`` (0: height, 1: width) for an input and kernel length.

        Works on ints and on symbolic lengths alike.
        """
        before, after = self.padding[axis]
        span = self.dilation[axis] * (kernel - 1) + 1
        return (length + before + after - span) // self.stride[axis] + 1

    def output_shape(self, x_shape: tuple, kernel: Pair) -> tuple[Any, Any]:
        """``(out_height, out_width)`` for an input shape ``(..., height, width)``."""
        return (
            self.output_length(x_shape[-2], kernel[0], 0),
            self.output_length(x_shape[-1], kernel[1], 1),
        )

    def pad(self, x: np.ndarray) -> np.ndarray:
        """``x`` with the zeros of ``padding`` around its last two axes (``x`` itself when none)."""
        (top, bottom), (left, right) = self.padding
        if not (top or bottom or left or right):
            return x
        return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))

    def crop(self, padded: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`pad`: the rows and columns of the unpadded input."""
        (top, bottom), (left, right) = self.padding
        height, width = padded.shape[2] - top - bottom, padded.shape[3] - left - right
        return padded[:, :, top:top + height, left:left + width]

    def windows(self, padded: np.ndarray, kernel: Pair) -> np.ndarray:
        """A read-only view ``(batch, channels, kh, kw, out_h, out_w)`` of a padded input's windows."""
        unpadded = Geometry(self.stride, ((0, 0), (0, 0)), self.dilation)
        out_h, out_w = unpadded.output_shape(padded.shape, kernel)
        batch, channels = padded.shape[:2]
        s_b, s_c, s_h, s_w = padded.strides
        return as_strided(
            padded,
            shape=(batch, channels, kernel[0], kernel[1], max(out_h, 0), max(out_w, 0)),
            strides=(
                s_b, s_c, s_h * self.dilation[0], s_w * self.dilation[1], s_h * self.stride[0], s_w * self.stride[1]
            ),
            writeable=False,
        )

    def tap(self, i: int, j: int, out_h: int, out_w: int) -> tuple[slice, slice]:
        """The rows and columns of the padded input that kernel tap ``(i, j)`` meets, as slices."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return (
            slice(i * dh, i * dh + sh * (out_h - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (out_w - 1) + 1, sw),
        )
