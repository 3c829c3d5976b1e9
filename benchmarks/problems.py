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
    "CounterProblem",
    "LayerProblem",
    "MLPProblem",
    "RegressionProblem",
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


def mlp_problem(sizes: tuple[int, ...], batch: int, dtype: str, stepsize: float = 0.1) -> MLPProblem:
    """Random inputs and labels, Glorot-uniform weights, zero biases."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    y = np.eye(sizes[-1])[labels]
    weights, biases = [], []
    for fan_in, fan_out in pairwise(sizes):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype))
        biases.append(np.zeros(fan_out, dtype))
    return MLPProblem(
        x=x.astype(dtype), y=y.astype(dtype), weights=tuple(weights), biases=tuple(biases),
        stepsize=stepsize, dtype=dtype,
    )


def counter_problem(dtype: str) -> CounterProblem:
    return CounterProblem(start=0.0, dtype=dtype)


def layer_problem(n: int = 1000, dtype: str = "float32") -> LayerProblem:
    """``n * n`` parameters: 1M float32 (4 MB) by default."""
    rng = np.random.default_rng(SEED)
    w = rng.uniform(-0.05, 0.05, size=(n, n)).astype(dtype)
    x = rng.standard_normal((1, n)).astype(dtype)
    return LayerProblem(w=w, x=x, factor=0.5, dtype=dtype)
