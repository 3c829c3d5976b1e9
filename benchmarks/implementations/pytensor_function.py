"""Raw PyTensor: shared variables for the state, ``pytensor.function`` with explicit updates.

This is the idiomatic way to write these models without symmodule, and
the baseline of symmodule's overhead: same graphs (:mod:`.pytensor_graphs`),
same modes. A new instance means new shared variables and a new
``pytensor.function``, as a user without Modules would write it.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt

from benchmarks.implementations import Counter, Layer
from benchmarks.implementations.pytensor_graphs import MODES, cross_entropy, mlp_loss, regression_outputs, sgd, to_numpy, wait  # noqa: F401 - the family's interface

NAME = "pytensor"
REQUIRES = ("pytensor",)


def regression(p, mode):
    def make():
        x, y = pt.matrix("input", dtype=p.dtype), pt.matrix("target", dtype=p.dtype)
        w = pytensor.shared(p.w, name="w")  # shared() copies its value
        b = pytensor.shared(p.b, name="b")
        stepsize = pytensor.shared(np.asarray(p.stepsize, p.dtype), name="stepsize")
        outputs = regression_outputs(x, y, w, b)
        _, grad_w, grad_b, _ = outputs
        update = pytensor.function(
            [x, y], outputs, updates={w: w - stepsize * grad_w, b: b - stepsize * grad_b}, mode=mode
        )
        return lambda: update(p.x, p.y)[0]

    return make


def mlp(p, mode):
    def make():
        x, y = pt.matrix("x", dtype=p.dtype), pt.matrix("y", dtype=p.dtype)
        weights = [pytensor.shared(w, name=f"w{i}") for i, w in enumerate(p.weights)]
        biases = [pytensor.shared(b, name=f"b{i}") for i, b in enumerate(p.biases)]
        loss = mlp_loss(x, y, weights, biases)
        updates = sgd(loss, weights + biases, np.asarray(p.stepsize, p.dtype))
        step = pytensor.function([x, y], loss, updates=updates, mode=mode)
        return lambda: step(p.x, p.y)

    return make


def counter(p, mode):
    def make():
        c = pytensor.shared(np.asarray(p.start, p.dtype), name="c")
        inc = pytensor.function([], [], updates={c: c + 1}, mode=mode)
        return Counter(inc=inc, value=lambda: float(c.get_value()))

    return make


def layer(p, mode):
    def make():
        w = pytensor.shared(p.w, name="w")  # shared() copies its value
        x, a = pt.matrix("x", dtype=p.dtype), pt.scalar("a", dtype=p.dtype)
        apply = pytensor.function([x], pt.tanh(pt.dot(x, w)), mode=mode)
        scale = pytensor.function([a], [], updates={w: a * w}, mode=mode)
        factor = np.asarray(p.factor, p.dtype)
        return Layer(apply=lambda: apply(p.x), scale=lambda: scale(factor))

    return make


# -- W7: training with Adam, written by hand ---------------------------------------------------


def _adam(loss, params: list, adam, dtype: str) -> dict:
    """Adam's updates of ``params`` and of its state, in shared variables: ``torch.optim.Adam``'s arithmetic."""
    step = pytensor.shared(np.asarray(0.0, "float64"), name="step")
    t = step + 1.0
    # Scalars in float64, cast once to the parameters' dtype, as torch.optim casts its Python floats.
    beta1, beta2 = (pt.cast(beta, dtype) for beta in (adam.beta1, adam.beta2))
    correction1, correction2 = (pt.cast(1.0 - beta**t, dtype) for beta in (adam.beta1, adam.beta2))
    lr, epsilon = (pt.cast(value, dtype) for value in (adam.learning_rate, adam.epsilon))
    updates = {step: t}
    for param, grad in zip(params, pytensor.grad(loss, params)):
        m = pytensor.shared(np.zeros_like(param.get_value()), name=f"m_{param.name}")
        v = pytensor.shared(np.zeros_like(param.get_value()), name=f"v_{param.name}")
        new_m = beta1 * m + (1 - beta1) * grad
        new_v = beta2 * v + (1 - beta2) * pt.sqr(grad)
        updates[m], updates[v] = new_m, new_v
        updates[param] = param - lr * (new_m / correction1) / (pt.sqrt(new_v / correction2) + epsilon)
    return updates


def _training(params: list, loss, x, y, p, adam, mode):
    """The step of a freshly compiled function over new shared variables."""
    step = pytensor.function([x, y], loss, updates=_adam(loss, params, adam, p.dtype), mode=mode)
    return lambda: step(p.x, p.y)


def mlp_adam(p, adam, mode):
    def make():
        x, y = pt.matrix("x", dtype=p.dtype), pt.matrix("y", dtype=p.dtype)
        weights = [pytensor.shared(w, name=f"w{i}") for i, w in enumerate(p.weights)]
        biases = [pytensor.shared(b, name=f"b{i}") for i, b in enumerate(p.biases)]
        return _training(weights + biases, mlp_loss(x, y, weights, biases), x, y, p, adam, mode)

    return make


def _conv(x, w, b):
    """A valid cross-correlation of ``(batch, in, height, width)`` with ``(out, in, kh, kw)`` filters.

    Written as a sum over kernel taps: each tap's shifted input times the
    tap's ``(out, in)`` matrix. The lengths are ``x``'s and ``w``'s static ones.
    """
    (_, _, height, width), (_, _, kh, kw) = x.type.shape, w.type.shape
    oh, ow = height - kh + 1, width - kw + 1
    total = sum(
        pt.tensordot(x[:, :, i:i + oh, j:j + ow], w[:, :, i, j], axes=[[1], [1]])
        for i in range(kh)
        for j in range(kw)
    )  # (batch, oh, ow, out)
    return total.dimshuffle(0, 3, 1, 2) + b.dimshuffle("x", 0, "x", "x")


def _max_pool(x):
    """2x2 max-pooling of stride 2, dropping an odd last row and column."""
    channels, h, w = x.type.shape[1], x.type.shape[2] // 2, x.type.shape[3] // 2
    blocks = x[:, :, :2 * h, :2 * w].reshape((x.shape[0], channels, h, 2, w, 2))
    return pt.max(blocks, axis=(3, 5))


def cnn_adam(p, adam, mode):
    def make():
        # Static lengths: PyTensor's JAX backend cannot reshape to a length read from an input.
        x, y = pt.tensor4("x", shape=p.x.shape, dtype=p.dtype), pt.matrix("y", shape=p.y.shape, dtype=p.dtype)
        filters = [pytensor.shared(w, name=f"conv_w{i}", shape=w.shape) for i, w in enumerate(p.conv_weights)]
        conv_biases = [pytensor.shared(b, name=f"conv_b{i}") for i, b in enumerate(p.conv_biases)]
        weight, bias = pytensor.shared(p.weight, name="w"), pytensor.shared(p.bias, name="b")
        h = x
        for w, b in zip(filters, conv_biases):
            h = _max_pool(pt.maximum(_conv(h, w, b), 0))
        logits = pt.dot(h.reshape((h.shape[0], -1)), weight) + bias
        params = [*filters, *conv_biases, weight, bias]
        return _training(params, cross_entropy(logits, y), x, y, p, adam, mode)

    return make
