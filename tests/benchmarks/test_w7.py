"""W7's problem and its NumPy reference: the model every implementation must agree with."""

from __future__ import annotations

import types

import numpy as np
import pytest


@pytest.fixture(scope="module")
def problems(bench):
    return bench("benchmarks.problems")


@pytest.fixture(scope="module")
def by_hand(bench):
    return bench("benchmarks.implementations.numpy_by_hand")


@pytest.fixture(scope="module")
def small_cnn(problems):
    """Small enough for finite differences; odd map lengths, so that pooling drops a row and a column."""
    return problems.cnn_problem((2, 11, 9), (3, 4), 5, 6, "float64")


def _parameters(p) -> list[np.ndarray]:
    return [*(w.copy() for w in p.conv_weights), *(b.copy() for b in p.conv_biases), p.weight.copy(),
            p.bias.copy()]


def test_the_linear_layer_of_the_cnn_reads_the_last_pooled_maps(problems):
    p = problems.cnn_problem((1, 28, 28), (8, 16), 10, 64, "float32")
    assert p.pooled == (16, 5, 5) and p.weight.shape == (400, 10)


def test_the_numpy_cnn_gradients_are_the_derivatives_of_its_loss(by_hand, small_cnn):
    params = _parameters(small_cnn)
    x, y = small_cnn.x, small_cnn.y
    # Biases away from zero, so that the ReLUs of the test are not all decided by the filters alone.
    rng = np.random.default_rng(0)
    for b in params[2:4]:
        b[...] = rng.normal(scale=0.1, size=b.shape)

    def loss() -> float:
        return by_hand._cnn_gradients(params[:2], params[2:4], params[4], params[5], x, y)[0]

    _, grads = by_hand._cnn_gradients(params[:2], params[2:4], params[4], params[5], x, y)
    for param, grad in zip(params, grads):
        for index in list(np.ndindex(param.shape))[:: max(1, param.size // 7)]:
            saved = param[index]
            param[index] = saved + 1e-6
            above = loss()
            param[index] = saved - 1e-6
            below = loss()
            param[index] = saved
            assert grad[index] == pytest.approx((above - below) / 2e-6, rel=1e-5, abs=1e-8)


def test_the_numpy_adam_takes_steps_of_the_learning_rate_at_first(by_hand, problems):
    adam = problems.AdamSettings(learning_rate=0.01)
    param = np.array([1.0, -2.0, 3.0])
    by_hand._Adam([param], adam).step([np.array([0.5, -4.0, 1e-3])])
    # The first bias-corrected step is lr * g / (|g| + epsilon): about lr in the gradient's direction.
    np.testing.assert_allclose(param, [0.99, -1.99, 2.99], rtol=1e-7)


@pytest.mark.parametrize("mode, quick, expected", [
    ("NUMBA", True, ["W7.mlp", "W7.cnn"]),
    ("CVM", True, ["W7.mlp"]),
    ("FAST_COMPILE", True, ["W7.mlp", "W7.cnn"]),
    ("JAX", True, ["W7.mlp", "W7.cnn"]),
    (None, True, ["W7.mlp", "W7.cnn"]),
    ("NUMBA", False, ["W7.mlp", "W7.cnn"]),
])
def test_a_quick_run_leaves_the_cnn_to_the_modes_that_compile_it_fast(bench, monkeypatch, mode, quick, expected):
    w7_train = bench("benchmarks.w7_train")
    monkeypatch.setattr(w7_train, "measure_family_training", lambda key, *args: key)
    family = types.SimpleNamespace(mlp_adam=lambda *args: None, cnn_adam=lambda *args: None)
    assert w7_train.run(family, mode, "float64", quick) == expected
