"""Numba code of the convolution and pooling Ops, registered with PyTensor's Numba backend.

Importing this module registers it. A convolution copies each image's
windows into a matrix (im2col, padding read as zeros without building a
padded copy) and multiplies it with the filters in one BLAS call per image;
its input gradient multiplies first and adds each column back where it was
read (col2im). Pooling is a loop over the windows. The geometry (stride,
padding, dilation, pooling kernel) is compiled in as constants; the
cache keys come from the Ops' props and the version each function returns
(raise it whenever a kernel changes). Errors (channels that differ, an input
shorter than one window) are raised by the same Python functions as the
NumPy code, so they read the same in every mode.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from symmodule._pytensor import numba_njit, register_numba_funcify
from symmodule.nn.ops.conv import (
    Conv2dFilterGrad,
    Conv2dInputGrad,
    Conv2dOp,
    check_gradient_shape,
    check_output_length,
    checked_lengths,
)
from symmodule.nn.ops.geometry import Geometry
from symmodule.nn.ops.pool import MaxPool2dGradGrad, Pool2dGrad, Pool2dOp

_VERSION = 3


@numba_njit
def _check_shape(got, expected):
    # Kernels index without bounds checks: a gradient of another shape would write past the output.
    if got != expected:
        with numba.objmode():
            check_gradient_shape(got, expected)


def _conv_kernels(geometry: Geometry) -> tuple[Any, Any, Any]:
    """``(output_lengths, im2col, col2im)`` for one geometry."""
    (sh, sw), ((top, bottom), (left, right)), (dh, dw) = geometry

    @numba_njit
    def output_lengths(x_shape, w_shape):
        # The output's (height, width); a mistake is refused by the NumPy code's own checks.
        height, width, kh, kw = x_shape[2], x_shape[3], w_shape[2], w_shape[3]
        out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
        out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
        if x_shape[1] != w_shape[1] or out_h < 1 or out_w < 1:
            with numba.objmode():
                checked_lengths(geometry, x_shape, w_shape)
        return out_h, out_w

    @numba_njit
    def im2col(image, cols, kh, kw, out_h, out_w):
        # cols[(c, i, j), (r, q)] = padded image[c, r*sh + i*dh, q*sw + j*dw]
        channels, height, width = image.shape
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for r in range(out_h):
                        h = r * sh + i * dh - top
                        base = r * out_w
                        if h < 0 or h >= height:
                            for q in range(out_w):
                                cols[row, base + q] = 0
                        else:
                            for q in range(out_w):
                                col = q * sw + j * dw - left
                                cols[row, base + q] = image[c, h, col] if 0 <= col < width else 0

    @numba_njit
    def col2im(cols, image, kh, kw, out_h, out_w):
        # The transpose of im2col: image[c, h, w] += every column entry read from (h, w).
        channels, height, width = image.shape
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for r in range(out_h):
                        h = r * sh + i * dh - top
                        if 0 <= h < height:
                            base = r * out_w
                            for q in range(out_w):
                                col = q * sw + j * dw - left
                                if 0 <= col < width:
                                    image[c, h, col] += cols[row, base + q]

    return output_lengths, im2col, col2im


@register_numba_funcify(Conv2dOp)
def _numba_conv(op: Conv2dOp, node: Any = None, **kwargs: Any) -> tuple:
    output_lengths, im2col, _ = _conv_kernels(op.geometry)

    @numba_njit
    def conv(x, w):
        batch, channels = x.shape[0], x.shape[1]
        out_channels, _, kh, kw = w.shape
        out_h, out_w = output_lengths(x.shape, w.shape)
        filters = np.ascontiguousarray(w).reshape((out_channels, channels * kh * kw))
        out = np.empty((batch, out_channels, out_h * out_w), dtype=x.dtype)
        cols = np.empty((channels * kh * kw, out_h * out_w), dtype=x.dtype)
        for b in range(batch):
            im2col(x[b], cols, kh, kw, out_h, out_w)
            np.dot(filters, cols, out[b])
        return out.reshape((batch, out_channels, out_h, out_w))

    return conv, _VERSION


@register_numba_funcify(Conv2dInputGrad)
def _numba_conv_input_grad(op: Conv2dInputGrad, node: Any = None, **kwargs: Any) -> tuple:
    output_lengths, _, col2im = _conv_kernels(op.geometry)

    @numba_njit
    def input_grad(g, w, x):
        batch, channels, height, width = x.shape
        out_channels, _, kh, kw = w.shape
        out_h, out_w = output_lengths(x.shape, w.shape)
        _check_shape(g.shape, (batch, out_channels, out_h, out_w))
        # A transposed view of a C-ordered matrix is Fortran-ordered: BLAS reads it with a flag, no copy.
        filters_t = np.ascontiguousarray(w).reshape((out_channels, channels * kh * kw)).T
        gx = np.zeros((batch, channels, height, width), dtype=x.dtype)
        cols = np.empty((channels * kh * kw, out_h * out_w), dtype=x.dtype)
        for b in range(batch):
            np.dot(filters_t, np.ascontiguousarray(g[b]).reshape((out_channels, out_h * out_w)), cols)
            col2im(cols, gx[b], kh, kw, out_h, out_w)
        return gx

    return input_grad, _VERSION


@register_numba_funcify(Conv2dFilterGrad)
def _numba_conv_filter_grad(op: Conv2dFilterGrad, node: Any = None, **kwargs: Any) -> tuple:
    output_lengths, im2col, _ = _conv_kernels(op.geometry)

    @numba_njit
    def filter_grad(x, g, w):
        batch, channels = x.shape[0], x.shape[1]
        out_channels, _, kh, kw = w.shape
        out_h, out_w = output_lengths(x.shape, w.shape)
        _check_shape(g.shape, (batch, out_channels, out_h, out_w))
        gw = np.zeros((out_channels, channels * kh * kw), dtype=x.dtype)
        image_gw = np.empty((out_channels, channels * kh * kw), dtype=x.dtype)
        cols = np.empty((channels * kh * kw, out_h * out_w), dtype=x.dtype)
        for b in range(batch):
            im2col(x[b], cols, kh, kw, out_h, out_w)
            np.dot(np.ascontiguousarray(g[b]).reshape((out_channels, out_h * out_w)), cols.T, image_gw)
            gw += image_gw
        return gw.reshape((out_channels, channels, kh, kw))

    return filter_grad, _VERSION


def _pool_lengths(op: Pool2dOp | Pool2dGrad | MaxPool2dGradGrad) -> Any:
    """``pooled_shape(x_shape)``: the pooled output's shape, an input shorter than one window refused."""
    (kh, kw), (sh, sw), geometry = op.kernel, op.stride, op.geometry

    @numba_njit
    def pooled_shape(x_shape):
        batch, channels, height, width = x_shape
        out_h, out_w = (height - kh) // sh + 1, (width - kw) // sw + 1
        if out_h < 1 or out_w < 1:
            with numba.objmode():
                check_output_length(geometry, height, kh, 0)
                check_output_length(geometry, width, kw, 1)
        return batch, channels, out_h, out_w

    return pooled_shape


@register_numba_funcify(Pool2dOp)
def _numba_pool(op: Pool2dOp, node: Any = None, **kwargs: Any) -> tuple:
    (kh, kw), (sh, sw), pooled_shape = op.kernel, op.stride, _pool_lengths(op)
    is_max, size = op.reduction == "max", kh * kw

    @numba_njit
    def pool(x):
        batch, channels, out_h, out_w = pooled_shape(x.shape)
        out = np.empty((batch, channels, out_h, out_w), dtype=x.dtype)
        count = np.full(1, size, dtype=x.dtype)[0]  # divide in the input's dtype, as NumPy does
        for b in range(batch):
            for c in range(channels):
                for r in range(out_h):
                    for q in range(out_w):
                        if is_max:
                            best = x[b, c, r * sh, q * sw]
                            for i in range(kh):
                                for j in range(kw):
                                    v = x[b, c, r * sh + i, q * sw + j]
                                    if v > best or np.isnan(v):  # NaN wins, as in NumPy's max
                                        best = v
                            out[b, c, r, q] = best
                        else:
                            total = x[b, c, r * sh, q * sw]
                            for t in range(1, size):
                                total += x[b, c, r * sh + t // kw, q * sw + t % kw]
                            out[b, c, r, q] = total / count
        return out

    return pool, _VERSION


@register_numba_funcify(Pool2dGrad)
def _numba_pool_grad(op: Pool2dGrad, node: Any = None, **kwargs: Any) -> tuple:
    (kh, kw), (sh, sw), pooled_shape = op.kernel, op.stride, _pool_lengths(op)
    is_max, size = op.reduction == "max", kh * kw

    @numba_njit
    def pool_grad(x, out, g):
        batch, channels, out_h, out_w = pooled_shape(x.shape)
        _check_shape(out.shape, (batch, channels, out_h, out_w))
        _check_shape(g.shape, (batch, channels, out_h, out_w))
        gx = np.zeros_like(x)
        count = np.full(1, size, dtype=x.dtype)[0]
        for b in range(batch):
            for c in range(channels):
                for r in range(out_h):
                    for q in range(out_w):
                        if is_max:
                            best, grad = out[b, c, r, q], g[b, c, r, q]
                            for i in range(kh):
                                for j in range(kw):
                                    if x[b, c, r * sh + i, q * sw + j] == best:
                                        gx[b, c, r * sh + i, q * sw + j] += grad
                        else:
                            share = g[b, c, r, q] / count
                            for i in range(kh):
                                for j in range(kw):
                                    gx[b, c, r * sh + i, q * sw + j] += share
        return gx

    return pool_grad, _VERSION


@register_numba_funcify(MaxPool2dGradGrad)
def _numba_max_pool_grad_grad(op: MaxPool2dGradGrad, node: Any = None, **kwargs: Any) -> tuple:
    (kh, kw), (sh, sw), pooled_shape = op.kernel, op.stride, _pool_lengths(op)

    @numba_njit
    def sum_at_maxima(x, out, gx):
        batch, channels, out_h, out_w = pooled_shape(x.shape)
        _check_shape(out.shape, (batch, channels, out_h, out_w))
        _check_shape(gx.shape, x.shape)
        total = np.zeros_like(out)
        for b in range(batch):
            for c in range(channels):
                for r in range(out_h):
                    for q in range(out_w):
                        best = out[b, c, r, q]
                        for i in range(kh):
                            for j in range(kw):
                                if x[b, c, r * sh + i, q * sw + j] == best:
                                    total[b, c, r, q] += gx[b, c, r * sh + i, q * sw + j]
        return total

    return sum_at_maxima, _VERSION
