"""The 2009 logistic regression Module (programs/logistic_module.py) against NumPy."""

import numpy as np

from era.programs import logistic_module as program


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_step(w, b, lr, x, y):
    """One gradient step on the mean negative log-likelihood; returns (cost, w, b)."""
    p = softmax(x @ w + b)
    cost = -np.mean(np.log(p[np.arange(len(y)), y]))
    d = p.copy()
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    return cost, w - lr * (x.T @ d), b - lr * d.sum(axis=0)


def test_custom_initialize_takes_sizes_positionally_and_draws_from_the_seed():
    model = program.LogisticRegression().make(5, 3, seed=7)
    expected = np.random.RandomState(7).uniform(low=-0.1, high=0.1, size=(5, 3))
    np.testing.assert_array_equal(model.w, expected)
    np.testing.assert_array_equal(model.b, np.zeros(3))
    assert model.lr == 0.1


def test_updates_match_numpy_gradient_descent():
    x, y = program.make_data()
    model = program.LogisticRegression().make(5, 3, lr=0.5)
    w, b = model.w.copy(), model.b.copy()
    for _ in range(5):
        cost = model.update(x, y)
        expected_cost, w, b = numpy_step(w, b, 0.5, x, y)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    np.testing.assert_allclose(model.w, w, rtol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-12, atol=1e-15)


def test_classify_and_predict_match_numpy():
    x, _ = program.make_data()
    model = program.LogisticRegression().make(5, 3, seed=3)
    p = softmax(x @ model.w + model.b)
    np.testing.assert_allclose(model.predict(x), p, rtol=1e-12)
    np.testing.assert_array_equal(model.classify(x), p.argmax(axis=1))


def test_instance_type_method_uses_compiled_methods():
    x, y = program.make_data()
    model = program.LogisticRegression().make(5, 3, seed=3)
    expected = np.mean(softmax(x @ model.w + model.b).argmax(axis=1) != y)
    assert model.error_rate(x, y) == expected


def test_training_lowers_the_cost():
    costs = program.main(n_epochs=60)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.5 * costs[0]
