"""flax.nnx: stateful ``nnx.Module`` objects, ``nnx.Optimizer`` with optax's SGD (W7: Adam), ``nnx.jit``.

NNX is the peer closest to a Module system: objects hold their parameters
and ``nnx.jit`` functions update them in place. Each call pays for NNX's
splitting and merging of the object graph around the jitted computation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from benchmarks.implementations import Counter, Layer
from benchmarks.implementations.jax_jit import optax_adam

NAME = "nnx.jit"
REQUIRES = ("flax", "optax", "jax")
MODES = None


def wait(out):
    return jax.block_until_ready(out)


def to_numpy(out) -> np.ndarray:
    return np.asarray(out)


class Regression(nnx.Module):
    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:
        self.w, self.b = nnx.Param(jnp.array(w)), nnx.Param(jnp.array(b))

    def __call__(self, x):
        return jax.nn.sigmoid(x @ self.w[...] + self.b[...])


@nnx.jit
def _regression_update(model, optimizer, x, y):
    def cost_fn(model, probe):
        # probe is zero; its gradient is d cost / d prediction, which the layer's update returns.
        prediction = model(x) + probe
        return jnp.sum(jnp.sum((y - prediction) ** 2, axis=1))

    probe = jnp.zeros((x.shape[0], model.w.shape[1]), x.dtype)
    cost, (grads, grad_prediction) = nnx.value_and_grad(cost_fn, argnums=(0, 1))(model, probe)
    optimizer.update(model, grads)
    return cost, grads, grad_prediction


def regression(p, mode=None):
    x, y = jnp.asarray(p.x), jnp.asarray(p.y)

    def make():
        model = Regression(p.w, p.b)
        optimizer = nnx.Optimizer(model, optax.sgd(p.stepsize), wrt=nnx.Param)
        return lambda: _regression_update(model, optimizer, x, y)[0]

    return make


class MLP(nnx.Module):
    def __init__(self, weights, biases) -> None:
        self.weights = nnx.List([nnx.Param(jnp.array(w)) for w in weights])
        self.biases = nnx.List([nnx.Param(jnp.array(b)) for b in biases])

    def __call__(self, x):
        h = x
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w[...] + b[...]
            if i < len(self.weights) - 1:
                h = jnp.tanh(h)
        return h


@nnx.jit
def _train_step(model, optimizer, x, y):
    def loss_fn(model):
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(model(x), axis=-1), axis=1))

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss


def mlp(p, mode=None):
    x, y = jnp.asarray(p.x), jnp.asarray(p.y)

    def make():
        model = MLP(p.weights, p.biases)
        optimizer = nnx.Optimizer(model, optax.sgd(p.stepsize), wrt=nnx.Param)
        return lambda: _train_step(model, optimizer, x, y)

    return make


class Count(nnx.Module):
    def __init__(self, start: float, dtype: str) -> None:
        self.c = nnx.Variable(jnp.asarray(start, dtype=dtype))


@nnx.jit
def _inc(counter):
    counter.c[...] = counter.c[...] + 1


def counter(p, mode=None):
    def make():
        state = Count(p.start, p.dtype)

        def inc():
            _inc(state)
            return state.c[...]  # the new value, for wait() to block on

        return Counter(inc=inc, value=lambda: float(state.c[...]))

    return make


class Linear(nnx.Module):
    def __init__(self, w: np.ndarray) -> None:
        self.w = nnx.Param(jnp.array(w))

    def __call__(self, x):
        return jnp.tanh(x @ self.w[...])


@nnx.jit
def _apply(model, x):
    return model(x)


@nnx.jit
def _scale(model, factor):
    model.w[...] = factor * model.w[...]


def layer(p, mode=None):
    x, factor = jnp.asarray(p.x), jnp.asarray(p.factor, p.dtype)

    def make():
        model = Linear(p.w)
        return Layer(apply=lambda: _apply(model, x), scale=lambda: _scale(model, factor))

    return make


# -- W7: training with nnx.Optimizer(optax.adam) -----------------------------------------------


class CNN(nnx.Module):
    """Blocks of ``nnx.Conv(3x3) -> relu -> nnx.max_pool(2x2)``, then a flattening ``nnx.Linear``.

    NNX works on ``(batch, height, width, channels)`` images with
    ``(kh, kw, in, out)`` kernels: the problem's PyTorch-layout filters are
    transposed once, and the rows of the linear weight permuted from
    ``(channel, row, column)`` to the ``(row, column, channel)`` order in
    which NNX flattens, so that the model computes the problem's function.
    """

    def __init__(self, p) -> None:
        rngs = nnx.Rngs(0)  # the initial values are replaced by the problem's
        self.convs = nnx.List()
        for w, b in zip(p.conv_weights, p.conv_biases):
            conv = nnx.Conv(w.shape[1], w.shape[0], w.shape[2:], padding="VALID", rngs=rngs,
                            dtype=p.dtype, param_dtype=p.dtype)
            conv.kernel[...], conv.bias[...] = jnp.array(w.transpose(2, 3, 1, 0)), jnp.array(b)
            self.convs.append(conv)
        rows = p.weight.reshape(*p.pooled, -1).transpose(1, 2, 0, 3).reshape(p.weight.shape)
        self.linear = nnx.Linear(*p.weight.shape, rngs=rngs, dtype=p.dtype, param_dtype=p.dtype)
        self.linear.kernel[...], self.linear.bias[...] = jnp.array(rows), jnp.array(p.bias)

    def __call__(self, x):
        for conv in self.convs:
            x = nnx.max_pool(nnx.relu(conv(x)), (2, 2), strides=(2, 2))
        return self.linear(x.reshape(x.shape[0], -1))


def mlp_adam(p, adam, mode=None):
    x, y = jnp.asarray(p.x), jnp.asarray(p.y)

    def make():
        model = MLP(p.weights, p.biases)
        optimizer = nnx.Optimizer(model, optax_adam(adam), wrt=nnx.Param)
        return lambda: _train_step(model, optimizer, x, y)

    return make


def cnn_adam(p, adam, mode=None):
    x, y = jnp.asarray(p.x.transpose(0, 2, 3, 1)), jnp.asarray(p.y)  # NNX's image layout

    def make():
        model = CNN(p)
        optimizer = nnx.Optimizer(model, optax_adam(adam), wrt=nnx.Param)
        return lambda: _train_step(model, optimizer, x, y)

    return make
