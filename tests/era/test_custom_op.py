"""The 2009 Python Op with its gradient, inside a Module's Method (programs/custom_op.py), against NumPy."""

import numpy as np

import symmodule
from symmodule import tensor as T
from era.programs import custom_op as program


def numpy_step(w, b, lr, x, y, eps=1e-2):
    """One gradient step on mean(sqrt(residual**2 + eps)); returns (cost, w, b)."""
    r = x @ w + b - y
    s = np.sqrt(r**2 + eps)
    d = r / s / len(y)
    return np.mean(s), w - lr * x.T @ d, b - lr * d.sum()


def test_op_computes_a_smooth_absolute_value():
    x = T.dmatrix("x")
    f = symmodule.function([x], program.PseudoAbs(eps=0.25)(x))
    value = np.array([[-3.0, 0.0], [0.5, 2.0]])
    np.testing.assert_allclose(f(value), np.sqrt(value**2 + 0.25), rtol=1e-15)


def test_op_gradient_agrees_with_finite_differences():
    rng = np.random.RandomState(42)
    T.verify_grad(program.PseudoAbs(), [rng.randn(3, 4)], rng=rng)


def test_updates_through_the_op_match_numpy():
    x, y = program.make_data()
    model = program.RobustRegression().make(n_in=3, lr=0.2)
    w, b = model.w.copy(), float(model.b)
    for _ in range(5):
        cost = model.update(x, y)
        expected_cost, w, b = numpy_step(w, b, 0.2, x, y)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    np.testing.assert_allclose(model.w, w, rtol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-12)


def test_training_lowers_the_cost():
    costs = program.main(n_epochs=100)
    assert costs[-1] < 0.6 * costs[0]


def test_training_recovers_the_line_despite_the_outliers():
    x, y = program.make_data()
    model = program.RobustRegression().make(n_in=3, lr=0.2)
    for _ in range(100):
        model.update(x, y)
    np.testing.assert_allclose(model.w, [1.5, -2.0, 0.5], atol=0.05)
