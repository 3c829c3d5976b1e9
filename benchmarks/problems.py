"""The problems the workloads pose, with their data and initial weights.

Everything is drawn with NumPy from a fixed seed and cast to the run's
dtype, then handed to every implementation: they all start from the same
weights and see the same data, so after the same number of steps they must
reach the same loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

__all__ = [
    "AdamSettings",
    "CNNProblem",
    "CounterProblem",
    "LayerProblem",
    "MLPProblem",
    "RegressionProblem",
    "cnn_problem",
    "counter_problem",
    "layer_problem",
    "mlp_problem",
    "regression_problem",
]

SEED = 1827  # the default seed of symmodule.models' regression layers


@dataclass(frozen=True)
class RegressionProblem:
    """The regression of ``SpecifiedRegressionLayer``: sigmoid(x @ w + b), squared error summed, plain SGD.

    One step returns ``[cost, grad_w, grad_b, grad_prediction]``, as the
    layer's ``update`` method does, and every implementation computes
    all four.
    """

    x: np.ndarray  # (4, 10)
    y: np.ndarray  # (4, 1), 0 or 1
    w: np.ndarray  # (10, 1)
    b: np.ndarray  # (1,)
    stepsize: float
    dtype: str


@dataclass(frozen=True)
class MLPProblem:
    """An MLP with tanh hidden layers and a softmax cross-entropy (mean over the batch), SGD.

    The targets are one-hot rows rather than class indices so that every
    implementation computes exactly ``-mean(sum(y * log_softmax(logits), 1))``
    without an indexing op (PyTensor's JAX backend cannot ``arange`` 128 or more).
    """

    x: np.ndarray  # (batch, sizes[0])
    y: np.ndarray  # (batch, sizes[-1]), one-hot
    weights: tuple[np.ndarray, ...]  # (sizes[i], sizes[i + 1]) each
    biases: tuple[np.ndarray, ...]  # (sizes[i + 1],) each
    stepsize: float
    dtype: str

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))


@dataclass(frozen=True)
class AdamSettings:
    """Adam's hyper-parameters, given to every implementation's optimizer.

    ``epsilon`` is added after the square root of the bias-corrected second
    moment, as in ``torch.optim.Adam``, ``optax.adam`` (``eps_root=0``) and
    ``symmodule.optim.Adam``.
    """

    learning_rate: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8


@dataclass(frozen=True)
class CNNProblem:
    """A small CNN on ``(batch, channels, height, width)`` images, softmax cross-entropy on one-hot rows.

    Each convolution block is a 3x3 cross-correlation with no padding
    (filters ``(out, in, 3, 3)``, as PyTorch lays them out), a ReLU, then a
    2x2 max-pool of stride 2 that drops an odd last row and column; the
    pooled maps are flattened in ``(channel, row, column)`` order into a
    linear layer. The loss is the same as :class:`MLPProblem`'s.
    """

    x: np.ndarray  # (batch, channels, height, width)
    y: np.ndarray  # (batch, classes), one-hot
    conv_weights: tuple[np.ndarray, ...]  # (out, in, 3, 3) each
    conv_biases: tuple[np.ndarray, ...]  # (out,) each
    weight: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    dtype: str

    @property
    def channels(self) -> tuple[int, ...]:
        """Channels of the input, then of each convolution's output."""
        return (self.x.shape[1], *(w.shape[0] for w in self.conv_weights))

    @property
    def pooled(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of the last block's output, which the linear layer flattens."""
        height, width = self.x.shape[2:]
        for _ in self.conv_weights:
            height, width = _block_output(height), _block_output(width)
        return self.channels[-1], height, width


@dataclass(frozen=True)
class CounterProblem:
    """A scalar state that one method increments by 1: nothing but per-call overhead."""

    start: float
    dtype: str


@dataclass(frozen=True)
class LayerProblem:
    """One ``(n, n)`` float32 weight matrix with two methods reading it.

    ``apply(x)`` returns ``tanh(x @ w)``, ``scale(a)`` sets ``w = a * w``.
    Two methods over the same member expose any per-method copy of the state.
    """

    w: np.ndarray  # (n, n)
    x: np.ndarray  # (1, n)
    factor: float
    dtype: str


def regression_problem(dtype: str) -> RegressionProblem:
    """The data and weights of the regression: 4 points of dimension 10, one target each."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((4, 10))
    y = (rng.standard_normal((4, 1)) > 0).astype(float)
    w = rng.uniform(-0.5, 0.5, size=(10, 1))
    return RegressionProblem(
        x=x.astype(dtype), y=y.astype(dtype), w=w.astype(dtype), b=np.zeros(1, dtype),
        stepsize=0.1, dtype=dtype,
    )


def _glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def mlp_problem(sizes: tuple[int, ...], batch: int, dtype: str, stepsize: float = 0.1) -> MLPProblem:
    """Random inputs and labels, Glorot-uniform weights, zero biases."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    y = np.eye(sizes[-1])[labels]
    weights, biases = [], []
    for fan_in, fan_out in pairwise(sizes):
        weights.append(_glorot_uniform(rng, (fan_in, fan_out), fan_in, fan_out).astype(dtype))
        biases.append(np.zeros(fan_out, dtype))
    return MLPProblem(
        x=x.astype(dtype), y=y.astype(dtype), weights=tuple(weights), biases=tuple(biases),
        stepsize=stepsize, dtype=dtype,
    )


def _block_output(length: int) -> int:
    """The length of an axis after a valid 3x3 convolution and a 2x2 pooling."""
    return (length - 2) // 2


def cnn_problem(image: tuple[int, int, int], channels: tuple[int, ...], classes: int, batch: int,
                dtype: str) -> CNNProblem:
    """Random images and labels, Glorot-uniform filters and weights, zero biases.

    Parameters
    ----------
    image
        ``(channels, height, width)`` of one input.
    channels
        Output channels of each convolution block.
    """
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((batch, *image))
    labels = rng.integers(0, classes, size=batch)
    conv_weights, conv_biases = [], []
    height, width = image[1:]
    for n_in, n_out in pairwise((image[0], *channels)):
        conv_weights.append(_glorot_uniform(rng, (n_out, n_in, 3, 3), 9 * n_in, 9 * n_out).astype(dtype))
        conv_biases.append(np.zeros(n_out, dtype))
        height, width = _block_output(height), _block_output(width)
    features = channels[-1] * height * width
    return CNNProblem(
        x=x.astype(dtype), y=np.eye(classes)[labels].astype(dtype),
        conv_weights=tuple(conv_weights), conv_biases=tuple(conv_biases),
        weight=_glorot_uniform(rng, (features, classes), features, classes).astype(dtype),
        bias=np.zeros(classes, dtype), dtype=dtype,
    )


def counter_problem(dtype: str) -> CounterProblem:
    return CounterProblem(start=0.0, dtype=dtype)


def layer_problem(n: int = 1000, dtype: str = "float32") -> LayerProblem:
    """``n * n`` parameters: 1M float32 (4 MB) by default."""
    rng = np.random.default_rng(SEED)
    w = rng.uniform(-0.05, 0.05, size=(n, n)).astype(dtype)
    x = rng.standard_normal((1, n)).astype(dtype)
    return LayerProblem(w=w, x=x, factor=0.5, dtype=dtype)
