"""RegressionLayer and SpecifiedRegressionLayer: training, a NumPy oracle of one step."""

import numpy as np
import pytest

from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.models import RegressionLayer, SpecifiedRegressionLayer


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def problem(n=6, d=5, k=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (rng.normal(size=(n, k)) > 0).astype(float)
    return x, y


# -------------------------------------------------------------- declaration


def test_base_layer_asks_for_a_prediction():
    with pytest.raises(NotImplementedError, match="build_prediction"):
        RegressionLayer()


def test_a_subclass_choosing_prediction_and_cost_is_a_model():
    class Linear(RegressionLayer):
        def build_prediction(self):
            return self.activation

        def build_classification_cost(self, target):
            return T.sum((self.prediction - target) ** 2)

    x, y = problem(k=1)
    model = Linear().make(input_size=5, target_size=1, stepsize=0.01)
    costs = [float(model.update(x, y)[0]) for _ in range(50)]
    assert costs[-1] < costs[0]
    assert float(np.asarray(model.update(x, y)[0])) >= 0


def test_declared_members_and_methods():
    layer = SpecifiedRegressionLayer()
    assert layer.regularize is True
    assert isinstance(layer.update, M.Method) and isinstance(layer.apply, M.Method)
    assert layer.params() == (layer.w, layer.b)
    inst = layer.make(input_size=3, target_size=2)
    assert inst.w.shape == (3, 2) and inst.b.shape == (2,)
    assert float(inst.stepsize) == 0.01 and float(inst.l2_coef) == 0.001


def test_seed_fixes_the_initial_weights():
    a = SpecifiedRegressionLayer().make(input_size=3, target_size=2, seed=5)
    b = SpecifiedRegressionLayer().make(input_size=3, target_size=2, seed=5)
    c = SpecifiedRegressionLayer().make(input_size=3, target_size=2, seed=6)
    np.testing.assert_array_equal(a.w, b.w)
    assert not np.array_equal(a.w, c.w)
    assert (np.abs(a.w) <= 0.5).all() and (a.b == 0).all()


def test_members_given_to_make_override_the_defaults():
    w = np.ones((3, 2))
    inst = SpecifiedRegressionLayer().make(input_size=3, target_size=2, w=w, stepsize=0.5, l2_coef=0.0)
    np.testing.assert_array_equal(inst.w, w)
    assert float(inst.stepsize) == 0.5 and float(inst.l2_coef) == 0.0


# ------------------------------------------------------------------- oracle


@pytest.mark.parametrize("regularize", [False, True])
def test_one_step_matches_numpy(regularize):
    x, y = problem()
    rng = np.random.default_rng(1)
    w0, b0 = rng.normal(size=(5, 2)), rng.normal(size=2)
    step, l2 = 0.1, 0.03
    model = SpecifiedRegressionLayer(regularize=regularize).make(
        w=w0.copy(), b=b0.copy(), stepsize=step, l2_coef=l2
    )
    cost, grad_w, grad_b, grad_prediction = model.update(x, y)

    p = sigmoid(x @ w0 + b0)
    want_cost = np.sum((y - p) ** 2) + (l2 * np.sum(w0 * w0) if regularize else 0.0)
    want_grad_p = -2 * (y - p)
    grad_a = want_grad_p * p * (1 - p)
    want_grad_w = x.T @ grad_a + (2 * l2 * w0 if regularize else 0.0)
    want_grad_b = grad_a.sum(axis=0)

    np.testing.assert_allclose(cost, want_cost, rtol=1e-10)
    np.testing.assert_allclose(grad_prediction, want_grad_p, rtol=1e-10)
    np.testing.assert_allclose(grad_w, want_grad_w, rtol=1e-10)
    np.testing.assert_allclose(grad_b, want_grad_b, rtol=1e-10)
    np.testing.assert_allclose(model.w, w0 - step * want_grad_w, rtol=1e-10)
    np.testing.assert_allclose(model.b, b0 - step * want_grad_b, rtol=1e-10)
    np.testing.assert_allclose(model.apply(x), sigmoid(x @ model.w + model.b), rtol=1e-10)


# ----------------------------------------------------------------- training


@pytest.mark.parametrize("regularize", [False, True])
def test_training_lowers_the_cost(regularize):
    x, y = problem(n=8, d=4, k=1, seed=3)
    model = SpecifiedRegressionLayer(regularize=regularize).make(
        input_size=4, target_size=1, stepsize=0.1
    )
    costs = [float(model.update(x, y)[0]) for _ in range(200)]
    assert costs[-1] < 0.5 * costs[0]
    assert np.isfinite(costs).all()


def test_advanced_example_training_loop():
    # The "Advanced example" of Theano's Module documentation, without its printing mode.
    data_x = np.random.randn(4, 10)
    data_y = [[int(x)] for x in (np.random.randn(4) > 0)]
    model = SpecifiedRegressionLayer(regularize=False).make(input_size=10, target_size=1, stepsize=0.1)
    first = None
    for _ in range(1000):
        xe, gw, gb, ga = model.update(data_x, data_y)
        first = xe if first is None else first
    assert xe < first
    assert gw.shape == (10, 1) and gb.shape == (1,) and ga.shape == (4, 1)
