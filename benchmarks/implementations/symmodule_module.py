"""symmodule: each workload as a Module, compiled by ``make(mode=...)`` and called as a method.

Only the public API is used: ``symmodule.Module``, ``symmodule.Method``,
``make(mode=..., **init)`` and instance attributes, the way a user writes
it. The graphs of W1-W6 are those of :mod:`.pytensor_graphs`, the same as
the raw PyTensor family's. W7's models are built as a user builds a
training step: layers of ``symmodule.nn``, ``symmodule.optim.Adam``, and
the problem's weights loaded with ``symmodule.load_state_dict``.
"""

from __future__ import annotations

import numpy as np

import symmodule
from benchmarks.implementations import Counter, Layer
from benchmarks.implementations import pytensor_graphs
from benchmarks.implementations.pytensor_graphs import cross_entropy, mlp_loss, regression_outputs, sgd, to_numpy, wait  # noqa: F401 - the family's interface
from symmodule import nn, optim
from symmodule import tensor as T

NAME = "symmodule"
REQUIRES = ("symmodule",)
#: Raw PyTensor's modes, and 'JAX_DONATING' (JAX donating the updated members' buffers), which
#: runs the training workloads only (``benchmarks.implementations.MODE_ONLY``).
MODES = (*pytensor_graphs.MODES, "JAX_DONATING")


# -- W1: the regression of SpecifiedRegressionLayer ----------------------------------------


class _Regression(symmodule.Module):
    """``SpecifiedRegressionLayer(regularize=False)``, for when symmodule.models is absent."""

    def __init__(self) -> None:
        super().__init__()
        x, y = T.matrix("input"), T.matrix("target")
        self.stepsize = T.scalar()
        self.w = T.matrix()
        self.b = T.vector()
        cost, grad_w, grad_b, grad_prediction = regression_outputs(x, y, self.w, self.b)
        self.update = symmodule.Method(
            [x, y],
            [cost, grad_w, grad_b, grad_prediction],
            updates={self.w: self.w - self.stepsize * grad_w, self.b: self.b - self.stepsize * grad_b},
        )


def _regression_module() -> symmodule.Module:
    try:
        from symmodule.models import SpecifiedRegressionLayer
    except ImportError:
        return _Regression()
    return SpecifiedRegressionLayer(regularize=False)


def _call(method, unchecked: bool):
    """The method, or its documented fast path for hot loops (``method.unchecked``)."""
    return method.unchecked if unchecked else method


def regression(p, mode, unchecked: bool = False):
    module = _regression_module()

    def make():
        model = module.make(w=p.w.copy(), b=p.b.copy(), stepsize=p.stepsize, mode=mode)
        update, x, y = _call(model.update, unchecked), p.x, p.y
        # update returns [cost, grad_w, grad_b, grad_prediction]; all four are computed.
        return lambda: update(x, y)[0]

    return make


# -- W2, W3, W5: the MLP -------------------------------------------------------------------


class MLP(symmodule.Module):
    """An MLP whose ``step(x, y)`` takes one SGD step and returns the loss.

    Members ``w0, b0, w1, b1, ...`` hold the layers; ``make(w0=..., b0=...)``
    sets them.
    """

    def __init__(self, n_layers: int, stepsize: float, dtype: str) -> None:
        super().__init__()
        x, y = T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
        weights, biases = [], []
        for i in range(n_layers):
            w, b = T.matrix(f"w{i}", dtype=dtype), T.vector(f"b{i}", dtype=dtype)
            setattr(self, f"w{i}", w)
            setattr(self, f"b{i}", b)
            weights.append(w)
            biases.append(b)
        loss = mlp_loss(x, y, weights, biases)
        self.step = symmodule.Method(
            [x, y], loss, updates=sgd(loss, weights + biases, np.asarray(stepsize, dtype))
        )


def mlp(p, mode):
    module = MLP(len(p.weights), p.stepsize, p.dtype)

    def make():
        init = {f"w{i}": w.copy() for i, w in enumerate(p.weights)}
        init.update({f"b{i}": b.copy() for i, b in enumerate(p.biases)})
        step, x, y = module.make(mode=mode, **init).step, p.x, p.y
        return lambda: step(x, y)

    return make


# -- W4: a scalar member incremented by a method --------------------------------------------


def counter(p, mode, unchecked: bool = False):
    module = symmodule.Module()
    module.c = T.scalar(dtype=p.dtype)
    module.inc = symmodule.Method([], [], updates={module.c: module.c + 1})

    def make():
        inst = module.make(c=p.start, mode=mode)
        return Counter(inc=_call(inst.inc, unchecked), value=lambda: float(inst.c))

    return make


# -- W6: 1M float32 parameters read by two methods -------------------------------------------


def layer(p, mode):
    module = symmodule.Module()
    module.w = T.matrix(dtype=p.dtype)
    x, a = T.matrix("x", dtype=p.dtype), T.scalar("a", dtype=p.dtype)
    module.apply = symmodule.Method(x, T.tanh(T.dot(x, module.w)))
    module.scale = symmodule.Method(a, [], updates={module.w: a * module.w})

    def make():
        inst = module.make(w=p.w.copy(), mode=mode)
        factor = np.asarray(p.factor, p.dtype)
        return Layer(apply=lambda: inst.apply(p.x), scale=lambda: inst.scale(factor))

    return make


# -- W7: training with Adam, models built from symmodule.nn ----------------------------------


def _trainer(model: nn.Layer, x, y, adam) -> symmodule.Module:
    """A Module holding ``model`` and ``optim.Adam``, whose ``step(x, y)`` takes one Adam step."""
    trainer = symmodule.Module()
    trainer.model = model
    trainer.opt = optim.Adam(adam.learning_rate, beta1=adam.beta1, beta2=adam.beta2, epsilon=adam.epsilon)
    loss = cross_entropy(trainer.model(x, training=True), y)
    trainer.step = symmodule.Method([x, y], loss, updates=trainer.opt.updates(loss, trainer.parameters()))
    return trainer


def _training(trainer: symmodule.Module, weights: list[np.ndarray], p, mode):
    """The factory of instances of ``trainer``, its parameters loaded from ``weights`` (in ``parameters()`` order)."""
    names = [member.name for member in trainer.parameters()]

    def make():
        inst = trainer.make(mode=mode)
        loaded = symmodule.load_state_dict(inst, dict(zip(names, weights)), strict=False)
        if loaded.unexpected or loaded.mismatched:  # strict=False: the optimizer's state starts from make()
            raise ValueError(f"the problem's weights do not fit the model: {loaded.problems}")
        step, x, y = inst.step, p.x, p.y
        return lambda: step(x, y)

    return make


def mlp_adam(p, adam, mode):
    x, y = T.matrix("x", dtype=p.dtype), T.matrix("y", dtype=p.dtype)
    trainer = _trainer(nn.MLP(p.sizes, activation=nn.tanh), x, y, adam)
    return _training(trainer, [v for pair in zip(p.weights, p.biases) for v in pair], p, mode)


def cnn_adam(p, adam, mode):
    layers = []
    for n_in, n_out in zip(p.channels, p.channels[1:]):
        layers += [nn.Conv2d(n_in, n_out, 3), nn.relu, nn.MaxPool2d(2)]
    model = nn.Sequential(*layers, nn.Flatten(), nn.Linear(n_out=p.weight.shape[1]))
    # The batch's length is static too: PyTensor's JAX backend cannot reshape to a length read from an input.
    x = T.tensor4("x", shape=p.x.shape, dtype=p.dtype)
    trainer = _trainer(model, x, T.matrix("y", shape=p.y.shape, dtype=p.dtype), adam)
    weights = [v for pair in zip(p.conv_weights, p.conv_biases) for v in pair] + [p.weight, p.bias]
    return _training(trainer, weights, p, mode)
