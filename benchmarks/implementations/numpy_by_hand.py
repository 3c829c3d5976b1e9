"""Hand-written NumPy: forward and backward passes derived by hand, in-place SGD (W7: Adam) updates.

The reference every other implementation's loss is compared with: it has no
compiler, no autodiff and no dispatch, only NumPy's kernels.
"""

from __future__ import annotations

import numpy as np

from benchmarks.implementations import Counter, Layer

NAME = "numpy"
REQUIRES = ("numpy",)
MODES = None


def wait(out):
    return out


def to_numpy(out) -> np.ndarray:
    return np.asarray(out)


def regression(p, mode=None):
    def make():
        w, b, x, y, lr = p.w.copy(), p.b.copy(), p.x, p.y, p.stepsize

        def step():
            prediction = 1.0 / (1.0 + np.exp(-(x @ w + b)))
            residual = prediction - y
            cost = np.sum(residual**2)
            grad_prediction = 2.0 * residual
            grad_activation = grad_prediction * prediction * (1.0 - prediction)
            grad_w, grad_b = x.T @ grad_activation, grad_activation.sum(axis=0)
            w[...] -= lr * grad_w  # in place: w and b belong to the enclosing function
            b[...] -= lr * grad_b
            return cost  # like the others, the step also yields grad_w, grad_b, grad_prediction

        return step

    return make


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _mlp_gradients(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray, y: np.ndarray):
    """The loss of the MLP and its gradients with respect to ``weights`` and ``biases``."""
    activations = [x]  # the input of each layer, kept for the backward pass
    for w, b in zip(weights[:-1], biases[:-1]):
        activations.append(np.tanh(activations[-1] @ w + b))
    log_p = _log_softmax(activations[-1] @ weights[-1] + biases[-1])
    loss = -np.sum(y * log_p) / x.shape[0]
    delta = (np.exp(log_p) - y) / x.shape[0]  # d loss / d logits
    grad_w, grad_b = [], []
    for i in range(len(weights) - 1, -1, -1):
        grad_w.insert(0, activations[i].T @ delta)
        grad_b.insert(0, delta.sum(axis=0))
        if i > 0:
            delta = (delta @ weights[i].T) * (1.0 - activations[i] ** 2)
    return loss, grad_w, grad_b


def mlp(p, mode=None):
    def make():
        weights = [w.copy() for w in p.weights]
        biases = [b.copy() for b in p.biases]

        def step():
            loss, grad_w, grad_b = _mlp_gradients(weights, biases, p.x, p.y)
            for param, grad in zip(weights + biases, grad_w + grad_b):
                param -= p.stepsize * grad  # in place: the arrays belong to the enclosing function
            return loss

        return step

    return make


def counter(p, mode=None):
    def make():
        state = np.array(p.start, dtype=p.dtype)

        def inc():
            state[...] += 1  # in place, like a member's storage

        return Counter(inc=inc, value=lambda: float(state))

    return make


def layer(p, mode=None):
    def make():
        w = p.w.copy()

        def scale():
            w[...] *= np.asarray(p.factor, p.dtype)

        return Layer(apply=lambda: np.tanh(p.x @ w), scale=scale)

    return make


# -- W7: training with Adam --------------------------------------------------------------------


class _Adam:
    """Adam over a list of arrays, updated in place: ``torch.optim.Adam``'s arithmetic."""

    def __init__(self, params: list[np.ndarray], adam) -> None:
        self.params, self.adam, self.t = params, adam, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray]) -> None:
        a = self.adam
        self.t += 1
        # Python floats keep the arrays' dtype (NumPy 2's promotion rules).
        correction1, correction2 = 1.0 - a.beta1**self.t, 1.0 - a.beta2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= a.beta1
            m += (1.0 - a.beta1) * g
            v *= a.beta2
            v += (1.0 - a.beta2) * g * g
            p -= a.learning_rate * (m / correction1) / (np.sqrt(v / correction2) + a.epsilon)


def mlp_adam(p, adam, mode=None):
    def make():
        weights = [w.copy() for w in p.weights]
        biases = [b.copy() for b in p.biases]
        optimizer = _Adam(weights + biases, adam)

        def step():
            loss, grad_w, grad_b = _mlp_gradients(weights, biases, p.x, p.y)
            optimizer.step(grad_w + grad_b)
            return loss

        return step

    return make


def _windows(x: np.ndarray, k: int) -> np.ndarray:
    """``(batch, channels, oh, ow, k, k)``: the input under each position of a ``k x k`` kernel (a view)."""
    return np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))


def _cnn_gradients(filters, conv_biases, weight, bias, x, y):
    """The loss of the CNN and the gradients of its parameters, in ``(filters, biases, weight, bias)`` order."""
    inputs, pre, pooled_from = [], [], []  # per block: its input, the convolution's output, the cropped ReLU
    h = x
    for w, b in zip(filters, conv_biases):
        inputs.append(h)
        z = np.tensordot(_windows(h, w.shape[2]), w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
        z += b[:, None, None]
        pre.append(z)
        rows, cols = z.shape[2] // 2, z.shape[3] // 2
        r = np.maximum(z, 0)[:, :, :2 * rows, :2 * cols]
        pooled_from.append(r)
        h = r.reshape(*r.shape[:2], rows, 2, cols, 2).max(axis=(3, 5))
    features = h.reshape(len(h), -1)
    log_p = _log_softmax(features @ weight + bias)
    loss = -np.sum(y * log_p) / len(x)
    delta = (np.exp(log_p) - y) / len(x)
    grad_weight, grad_bias = features.T @ delta, delta.sum(axis=0)
    d = (delta @ weight.T).reshape(h.shape)
    grad_filters, grad_biases = [], []
    for i in range(len(filters) - 1, -1, -1):
        w, r, z = filters[i], pooled_from[i], pre[i]
        blocks = r.reshape(*r.shape[:2], r.shape[2] // 2, 2, r.shape[3] // 2, 2)
        pooled = blocks.max(axis=(3, 5), keepdims=True)
        # Every input equal to its window's maximum receives the gradient (PyTensor's rule for max).
        d_r = ((blocks == pooled) * d[:, :, :, None, :, None]).reshape(r.shape)
        d_z = np.zeros_like(z)
        d_z[:, :, :r.shape[2], :r.shape[3]] = d_r * (z[:, :, :r.shape[2], :r.shape[3]] > 0)
        grad_filters.insert(0, np.tensordot(d_z, _windows(inputs[i], w.shape[2]), axes=([0, 2, 3], [0, 2, 3])))
        grad_biases.insert(0, d_z.sum(axis=(0, 2, 3)))
        if i > 0:
            k, (oh, ow) = w.shape[2], z.shape[2:]
            d = np.zeros_like(inputs[i])
            for a in range(k):
                for c in range(k):
                    d[:, :, a:a + oh, c:c + ow] += np.tensordot(d_z, w[:, :, a, c], axes=([1], [0])).transpose(0, 3, 1, 2)
    return loss, [*grad_filters, *grad_biases, grad_weight, grad_bias]


def cnn_adam(p, adam, mode=None):
    def make():
        filters = [w.copy() for w in p.conv_weights]
        conv_biases = [b.copy() for b in p.conv_biases]
        weight, bias = p.weight.copy(), p.bias.copy()
        optimizer = _Adam([*filters, *conv_biases, weight, bias], adam)

        def step():
            loss, grads = _cnn_gradients(filters, conv_biases, weight, bias, p.x, p.y)
            optimizer.step(grads)
            return loss

        return step

    return make
