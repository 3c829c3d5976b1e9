"""Hand-written NumPy: forward and backward passes derived by hand, in-place SGD updates.

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


def mlp(p, mode=None):
    def make():
        weights = [w.copy() for w in p.weights]
        biases = [b.copy() for b in p.biases]
        x, y, lr = p.x, p.y, p.stepsize
        batch = x.shape[0]

        def step():
            activations = [x]  # the input of each layer, kept for the backward pass
            for w, b in zip(weights[:-1], biases[:-1]):
                activations.append(np.tanh(activations[-1] @ w + b))
            log_p = _log_softmax(activations[-1] @ weights[-1] + biases[-1])
            loss = -np.sum(y * log_p) / batch
            delta = (np.exp(log_p) - y) / batch  # d loss / d logits
            for i in range(len(weights) - 1, -1, -1):
                grad_w, grad_b = activations[i].T @ delta, delta.sum(axis=0)
                if i > 0:  # propagate through tanh before w changes
                    delta = (delta @ weights[i].T) * (1.0 - activations[i] ** 2)
                weights[i] -= lr * grad_w
                biases[i] -= lr * grad_b
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
