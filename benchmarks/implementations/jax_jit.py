"""jax.jit: pure functions over a tuple of parameters, jitted with the parameters donated.

The state is threaded through the step (``params = step(params, ...)``), the
idiomatic JAX training loop; donating it lets XLA update the buffers in place.
Gradients come from ``jax.value_and_grad``; W7's optimizer is
``optax.adam``, its state threaded and donated like the parameters. Results
are asynchronous: :func:`wait` blocks on them.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks.implementations import Counter, Layer

NAME = "jax.jit"
REQUIRES = ("jax", "optax")
MODES = None


def wait(out):
    return jax.block_until_ready(out)


def to_numpy(out) -> np.ndarray:
    return np.asarray(out)


def _sgd(params, grads, stepsize):
    return jax.tree.map(lambda p, g: p - stepsize * g, params, grads)


def _regression_cost(params, probe, x, y):
    w, b = params
    # probe is zero; its gradient is d cost / d prediction, which the layer's update returns.
    prediction = jax.nn.sigmoid(x @ w + b) + probe
    return jnp.sum(jnp.sum((y - prediction) ** 2, axis=1))


def regression(p, mode=None):
    @partial(jax.jit, donate_argnums=0)
    def update(params, x, y):
        probe = jnp.zeros((x.shape[0], params[0].shape[1]), x.dtype)
        cost, (grads, grad_prediction) = jax.value_and_grad(_regression_cost, argnums=(0, 1))(
            params, probe, x, y
        )
        return _sgd(params, grads, p.stepsize), (cost, *grads, grad_prediction)

    x, y = jnp.asarray(p.x), jnp.asarray(p.y)

    def make():
        state = [(jnp.array(p.w), jnp.array(p.b))]

        def step():
            state[0], outputs = update(state[0], x, y)
            return outputs[0]

        return step

    return make


def _mlp_loss(params, x, y):
    weights, biases = params
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w + b
        if i < len(weights) - 1:
            h = jnp.tanh(h)
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h, axis=-1), axis=1))


def mlp(p, mode=None):
    @partial(jax.jit, donate_argnums=0)
    def train_step(params, x, y):
        loss, grads = jax.value_and_grad(_mlp_loss)(params, x, y)
        return _sgd(params, grads, p.stepsize), loss

    x, y = jnp.asarray(p.x), jnp.asarray(p.y)

    def make():
        state = [(tuple(jnp.array(w) for w in p.weights), tuple(jnp.array(b) for b in p.biases))]

        def step():
            state[0], loss = train_step(state[0], x, y)
            return loss

        return step

    return make


def counter(p, mode=None):
    add_one = jax.jit(lambda c: c + 1, donate_argnums=0)

    def make():
        state = [jnp.asarray(p.start, dtype=p.dtype)]

        def inc():
            state[0] = add_one(state[0])
            return state[0]

        return Counter(inc=inc, value=lambda: float(state[0]))

    return make


def layer(p, mode=None):
    apply = jax.jit(lambda w, x: jnp.tanh(x @ w))
    scale = jax.jit(lambda w, a: a * w, donate_argnums=0)
    x, factor = jnp.asarray(p.x), jnp.asarray(p.factor, p.dtype)

    def make():
        state = [jnp.array(p.w)]

        def do_scale():
            state[0] = scale(state[0], factor)
            return state[0]

        return Layer(apply=lambda: apply(state[0], x), scale=do_scale)

    return make


# -- W7: training with optax.adam -----------------------------------------------------------------


def optax_adam(adam) -> optax.GradientTransformation:
    """``optax.adam`` with the problem's hyper-parameters (``eps_root`` 0: epsilon after the root, as torch)."""
    return optax.adam(adam.learning_rate, b1=adam.beta1, b2=adam.beta2, eps=adam.epsilon)


def _adam_training(loss_fn, params, p, adam):
    """A jitted step of ``optax.adam`` on ``loss_fn(params, x, y)``, the parameters and moments donated."""
    optimizer = optax_adam(adam)

    @partial(jax.jit, donate_argnums=(0, 1))
    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    x, y = jnp.asarray(p.x), jnp.asarray(p.y)
    state = [params, optimizer.init(params)]

    def step():
        state[0], state[1], loss = train_step(state[0], state[1], x, y)
        return loss

    return step


def mlp_adam(p, adam, mode=None):
    def make():
        params = (tuple(jnp.array(w) for w in p.weights), tuple(jnp.array(b) for b in p.biases))
        return _adam_training(_mlp_loss, params, p, adam)

    return make


def _cnn_loss(params, x, y):
    filters, conv_biases, weight, bias = params
    h = x
    for w, b in zip(filters, conv_biases):
        # lax.conv's layouts are PyTorch's: (batch, channels, height, width) and (out, in, kh, kw).
        h = jax.nn.relu(jax.lax.conv(h, w, (1, 1), "VALID") + b[:, None, None])
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    logits = h.reshape(h.shape[0], -1) @ weight + bias
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits, axis=-1), axis=1))


def cnn_adam(p, adam, mode=None):
    def make():
        params = (tuple(jnp.array(w) for w in p.conv_weights), tuple(jnp.array(b) for b in p.conv_biases),
                  jnp.array(p.weight), jnp.array(p.bias))
        return _adam_training(_cnn_loss, params, p, adam)

    return make
