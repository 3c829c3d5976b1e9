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
from benchmarks.implementations.pytensor_graphs import MODES, mlp_loss, regression_outputs, sgd, to_numpy, wait  # noqa: F401 - the family's interface

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
