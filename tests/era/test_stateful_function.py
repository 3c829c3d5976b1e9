"""The 2009 classifier kept in function() state (programs/stateful_function.py) against NumPy."""

import numpy as np

from era.programs import stateful_function as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_step(w, b, lr, x, y):
    """One gradient step on the mean binary cross-entropy; returns (cost, w, b)."""
    p = sigmoid(x @ w + b)
    cost = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    d = (p - y) / len(y)
    return cost, w - lr * x.T @ d, b - lr * d.sum()


def test_train_updates_its_state_as_numpy_gradient_descent_does():
    x, y = program.make_data()
    train, _, _, w, b = program.build(4, lr=0.5)
    expected_w, expected_b = np.zeros(4), 0.0
    for _ in range(5):
        cost = train(x, y)
        expected_cost, expected_w, expected_b = numpy_step(expected_w, expected_b, 0.5, x, y)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    np.testing.assert_allclose(train[w], expected_w, rtol=1e-12)
    np.testing.assert_allclose(train[b], expected_b, rtol=1e-12)


def test_predict_reads_the_state_train_writes():
    x, y = program.make_data()
    train, predict, probability, w, b = program.build(4)
    for _ in range(3):
        train(x, y)
    p = sigmoid(x @ train[w] + train[b])
    np.testing.assert_allclose(probability(x), p, rtol=1e-12)
    np.testing.assert_array_equal(predict(x), p > 0.5)


def test_state_written_by_hand_is_seen_by_predict():
    x, _ = program.make_data()
    train, predict, _, w, b = program.build(4)
    train[w] = np.array([1.0, 0.0, 0.0, 0.0])
    train[b] = -0.25
    np.testing.assert_array_equal(predict(x), x[:, 0] - 0.25 > 0)


def test_a_rate_passed_for_one_call_is_not_kept():
    x, y = program.make_data()
    train, _, _, w, b = program.build(4, lr=0.5)
    train(x, y, 0.0)
    np.testing.assert_array_equal(train[w], np.zeros(4))
    train(x, y)
    np.testing.assert_allclose(train[w], numpy_step(np.zeros(4), 0.0, 0.5, x, y)[1], rtol=1e-12)


def test_training_lowers_the_cost():
    costs = program.main(n_epochs=60)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.5 * costs[0]
