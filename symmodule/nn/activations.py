"""Activation functions: PyTensor's, under the names a layer stack uses.

Each is a plain function of an expression returning an expression, so it
works anywhere (``nn.relu(x @ w)``) and in :class:`~symmodule.nn.Sequential`,
which wraps it in an :class:`~symmodule.nn.Activation` layer. Softmax and
log-softmax work along the last axis by default, where a batch keeps its
classes.

Examples
--------
>>> from symmodule import nn, tensor as T
>>> x = T.dvector("x")
>>> nn.relu(x).eval({x: [-1.0, 2.0]})
array([0., 2.])
>>> nn.softmax(x).eval({x: [0.0, 0.0]})
array([0.5, 0.5])
"""

from __future__ import annotations

import math

import pytensor.tensor as pt
from pytensor.tensor import TensorLike
from pytensor.tensor.special import log_softmax as _log_softmax
from pytensor.tensor.variable import TensorVariable

from symmodule.tensor.nnet import relu, sigmoid, softmax

__all__ = ["relu", "tanh", "sigmoid", "softmax", "log_softmax", "gelu"]


def tanh(x: TensorLike) -> TensorVariable:
    """Hyperbolic tangent, elementwise (``T.tanh``)."""
    return pt.tanh(x)


def log_softmax(x: TensorLike, axis: int | None = -1) -> TensorVariable:
    """``log(softmax(x))`` along ``axis`` (the last by default), computed stably."""
    return _log_softmax(x, axis=axis)


def gelu(x: TensorLike) -> TensorVariable:
    """Gaussian error linear unit, exactly: ``x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2)))``."""
    x = pt.as_tensor_variable(x)
    return 0.5 * x * (1.0 + pt.erf(x / math.sqrt(2.0)))
