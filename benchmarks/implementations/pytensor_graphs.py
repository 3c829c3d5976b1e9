"""The PyTensor expressions shared by the symmodule and raw PyTensor families.

Both families compile the very same graph; they differ only in where the
state lives (Members of a Module vs shared variables) and in who calls
``pytensor.function``. So the difference between their timings is
symmodule's own overhead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.tensor.special import log_softmax

__all__ = ["MODES", "cross_entropy", "mlp_loss", "regression_outputs", "sgd", "to_numpy", "wait"]

#: The modes both families run in. FAST_RUN is PyTensor's default and
#: currently the same as NUMBA; C only links graphs whose every Op has C code,
#: so it is not in the default set.
MODES = ("FAST_COMPILE", "NUMBA", "CVM", "JAX")


def wait(out):
    """Block until ``out`` is computed: in JAX mode outputs are jax arrays, computed asynchronously."""
    ready = getattr(out, "block_until_ready", None)
    return ready() if ready is not None else out


def to_numpy(out) -> np.ndarray:
    return np.asarray(out)


def regression_outputs(x, y, w, b):
    """The W1 regression: ``[cost, grad_w, grad_b, grad_prediction]`` of the squared error.

    The cost is written as ``symmodule.models.SpecifiedRegressionLayer``
    builds it (row sums, then their sum).
    """
    prediction = pt.sigmoid(pt.dot(x, w) + b)
    cost = pt.sum(pt.sum((y - prediction) ** 2, axis=1))
    grad_w, grad_b, grad_prediction = pytensor.grad(cost, [w, b, prediction])
    return [cost, grad_w, grad_b, grad_prediction]


def mlp_loss(x, y, weights: Sequence, biases: Sequence):
    """Softmax cross-entropy of an MLP with tanh hidden layers, averaged over the batch."""
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = pt.dot(h, w) + b
        if i < len(weights) - 1:
            h = pt.tanh(h)
    return cross_entropy(h, y)


def sgd(loss, params: Sequence, stepsize) -> dict:
    """The updates of one plain gradient-descent step on ``params``."""
    grads = pytensor.grad(loss, list(params))
    return {p: p - stepsize * g for p, g in zip(params, grads)}


def cross_entropy(logits, y):
    """Softmax cross-entropy of ``logits`` against one-hot rows ``y``, averaged over the batch."""
    return -pt.mean(pt.sum(y * log_softmax(logits, axis=-1), axis=1))
