"""JAX code of the convolution and pooling Ops, registered with PyTensor's JAX backend.

Importing this module imports JAX and registers it. The convolution is
XLA's (``lax.conv_general_dilated``) and its gradients are JAX's
derivatives of it (``jax.vjp``; XLA keeps only the half each gradient
needs). Pooling's forward is ``lax.reduce_window``; its gradient is written
out per kernel tap as in the NumPy code, so that every input equal to its
window's maximum receives the gradient (JAX's own derivative of a max picks
one) and the answers are those of the other modes. Shapes are static while
JAX traces, so errors (channels that differ, an input shorter than one
window) are raised by the NumPy code's checks, with the same messages.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from symmodule._pytensor import register_jax_funcify
from symmodule.nn.ops.conv import (
    Conv2dFilterGrad,
    Conv2dInputGrad,
    Conv2dOp,
    check_gradient_shape,
    check_output_length,
    checked_lengths,
)
from symmodule.nn.ops.geometry import Geometry
from symmodule.nn.ops.pool import MaxPool2dGradGrad, Pool2dGrad, Pool2dOp, check_pool_gradient


def _correlate(geometry: Geometry) -> Any:
    def correlate(x: Any, w: Any) -> Any:
        checked_lengths(geometry, x.shape, w.shape)
        return lax.conv_general_dilated(
            x,
            w,
            window_strides=geometry.stride,
            padding=geometry.padding,
            rhs_dilation=geometry.dilation,
            dimension_numbers=("NCHW", "OIHW", "NCHW"),
        )

    return correlate


@register_jax_funcify(Conv2dOp)
def _jax_conv(op: Conv2dOp, node: Any = None, **kwargs: Any) -> Any:
    return _correlate(op.geometry)


def _pullback(correlate: Any, wrt: int) -> Any:
    """The pullback of ``correlate(x, w)`` with respect to its argument ``wrt`` (0: x, 1: w), as a gradient Op's code."""

    def gradient(x: Any, w: Any, g: Any) -> Any:
        out, pullback = jax.vjp(correlate, x, w)
        check_gradient_shape(g.shape, out.shape)
        return pullback(g)[wrt]

    return gradient


@register_jax_funcify(Conv2dInputGrad)
def _jax_conv_input_grad(op: Conv2dInputGrad, node: Any = None, **kwargs: Any) -> Any:
    gradient = _pullback(_correlate(op.geometry), 0)
    return lambda g, w, x: gradient(x, w, g)


@register_jax_funcify(Conv2dFilterGrad)
def _jax_conv_filter_grad(op: Conv2dFilterGrad, node: Any = None, **kwargs: Any) -> Any:
    gradient = _pullback(_correlate(op.geometry), 1)
    return lambda x, g, w: gradient(x, w, g)


@register_jax_funcify(Pool2dOp)
def _jax_pool(op: Pool2dOp, node: Any = None, **kwargs: Any) -> Any:
    (kh, kw), geometry = op.kernel, op.geometry
    window, strides = (1, 1, kh, kw), (1, 1, *op.stride)

    def pool(x: Any) -> Any:
        for axis in (0, 1):
            check_output_length(geometry, x.shape[2 + axis], op.kernel[axis], axis)
        if op.reduction == "max":
            return lax.reduce_window(x, -jnp.inf, lax.max, window, strides, "VALID").astype(x.dtype)
        total = lax.reduce_window(x, jnp.zeros((), x.dtype), lax.add, window, strides, "VALID")
        return total / jnp.asarray(kh * kw, dtype=x.dtype)

    return pool


@register_jax_funcify(Pool2dGrad)
def _jax_pool_grad(op: Pool2dGrad, node: Any = None, **kwargs: Any) -> Any:
    (kh, kw), geometry = op.kernel, op.geometry

    def pool_grad(x: Any, out: Any, g: Any) -> Any:
        out_h, out_w = check_pool_gradient(x.shape, out.shape, g.shape, op.kernel, geometry)
        share = g / jnp.asarray(kh * kw, dtype=g.dtype)
        gx = jnp.zeros_like(x)
        for i in range(kh):
            for j in range(kw):
                rows, cols = geometry.tap(i, j, out_h, out_w)
                if op.reduction == "max":
                    part = jnp.where(x[:, :, rows, cols] == out, g, jnp.zeros((), g.dtype))
                else:
                    part = share
                gx = gx.at[:, :, rows, cols].add(part)
        return gx

    return pool_grad


@register_jax_funcify(MaxPool2dGradGrad)
def _jax_max_pool_grad_grad(op: MaxPool2dGradGrad, node: Any = None, **kwargs: Any) -> Any:
    (kh, kw), geometry = op.kernel, op.geometry

    def sum_at_maxima(x: Any, out: Any, gx: Any) -> Any:
        out_h, out_w = check_pool_gradient(x.shape, out.shape, out.shape, op.kernel, geometry)
        check_gradient_shape(gx.shape, x.shape)
        total = jnp.zeros_like(out)
        for i in range(kh):
            for j in range(kw):
                rows, cols = geometry.tap(i, j, out_h, out_w)
                total = total + jnp.where(x[:, :, rows, cols] == out, gx[:, :, rows, cols], jnp.zeros((), gx.dtype))
        return total

    return sum_at_maxima
