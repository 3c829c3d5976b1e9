"""The 2009 SGD wrapper Module inside a regression Module (programs/sgd_module.py) against NumPy."""

import numpy as np

from era.programs import sgd_module as program


def numpy_momentum_step(params, velocities, stepsize, momentum, x, y):
    """One momentum step on the mean squared error; returns (cost, params, velocities)."""
    w, b = params
    residual = x @ w + b - y
    cost = np.mean(np.sum(residual**2, axis=1))
    grads = (2 * x.T @ residual / len(x), 2 * residual.sum(axis=0) / len(x))
    velocities = [momentum * v - stepsize * g for v, g in zip(velocities, grads)]
    return cost, [p + v for p, v in zip(params, velocities)], velocities


def test_step_cost_matches_numpy_momentum_descent():
    x, y = program.make_data()
    model = program.LinearRegression(stepsize=0.05, momentum=0.5).make(4, 2)
    params, velocities = [np.zeros((4, 2)), np.zeros(2)], [np.zeros((4, 2)), np.zeros(2)]
    for _ in range(6):
        cost = model.sgd.step_cost(x, y)
        expected_cost, params, velocities = numpy_momentum_step(params, velocities, 0.05, 0.5, x, y)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    np.testing.assert_allclose(model.w, params[0], rtol=1e-12)
    np.testing.assert_allclose(model.b, params[1], rtol=1e-12)
    np.testing.assert_allclose(model.sgd.velocities[0], velocities[0], rtol=1e-12)


def test_inner_sgd_step_writes_the_outer_models_members():
    x, y = program.make_data()
    model = program.LinearRegression(stepsize=0.05).make(4, 2)
    model.sgd.step(x, y)
    expected_w = -0.05 * 2 * x.T @ (-y) / len(x)
    np.testing.assert_allclose(model.w, expected_w, rtol=1e-12)
    np.testing.assert_array_equal(model.sgd.params[0], model.w)
    np.testing.assert_allclose(model.predict(x), x @ model.w + model.b, rtol=1e-12)


def test_instance_method_resets_the_velocities():
    x, y = program.make_data()
    model = program.LinearRegression(stepsize=0.05, momentum=0.9).make(4, 2)
    model.sgd.step(x, y)
    assert np.any(model.sgd.velocities[0] != 0)
    model.sgd.reset_velocities()
    np.testing.assert_array_equal(model.sgd.velocities[0], np.zeros((4, 2)))
    np.testing.assert_array_equal(model.sgd.velocities[1], np.zeros(2))


def test_training_lowers_the_cost():
    costs = program.main(n_epochs=30)
    assert costs[-1] < 0.05 * costs[0]
