"""The 2012 MLP trained through function(..., givens=...) (programs/mlp_givens.py) against NumPy."""

import numpy as np

import symmodule.tensor as T
from era.programs import mlp_givens as program


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_sgd(params, x, y, lr, l1, l2, batch_size, n_epochs):
    """Minibatch SGD on nll + l1 * L1 + l2 * L2 of a tanh-softmax network; returns the params."""
    w, b, v, c = [p.copy() for p in params]
    for _ in range(n_epochs):
        for start in range(0, len(x) // batch_size * batch_size, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            h = np.tanh(xb @ w + b)
            d = softmax(h @ v + c)
            d[np.arange(len(yb)), yb] -= 1
            d /= len(yb)
            dh = d @ v.T * (1 - h**2)
            gv = h.T @ d + l1 * np.sign(v) + 2 * l2 * v
            gw = xb.T @ dh + l1 * np.sign(w) + 2 * l2 * w
            w, b, v, c = w - lr * gw, b - lr * dh.sum(axis=0), v - lr * gv, c - lr * d.sum(axis=0)
    return w, b, v, c


def initial_params(n_in, n_hidden, n_out):
    classifier = program.MLP(np.random.RandomState(1234), T.matrix("x"), n_in, n_hidden, n_out)
    return [p.get_value() for p in classifier.params]


def test_shared_dataset_gives_int32_labels_of_the_data():
    (x, y), _ = program.load_data()
    assert y.dtype == "int32"
    labels = y.eval()
    assert labels.dtype == np.int32
    assert set(labels) == {0, 1, 2}
    assert x.get_value().shape == (120, 6)


def test_trained_parameters_match_numpy_minibatch_sgd():
    datasets = program.load_data()
    x = datasets[0][0].get_value()
    y = datasets[0][1].eval()
    start = initial_params(6, 10, 3)
    classifier, _, _ = program.train_mlp(n_epochs=2, datasets=datasets)
    expected = numpy_sgd(start, x, y, lr=0.05, l1=0.001, l2=0.0001, batch_size=20, n_epochs=2)
    for param, value in zip(classifier.params, expected):
        np.testing.assert_allclose(param.get_value(), value, rtol=1e-10, atol=1e-13)


def test_validation_error_is_the_misclassified_fraction():
    datasets = program.load_data()
    classifier, _, errors = program.train_mlp(n_epochs=1, n_hidden=10, datasets=datasets)
    w, b, v, c = [p.get_value() for p in classifier.params]
    x, y = datasets[1][0].get_value(), datasets[1][1].eval()
    predicted = np.argmax(np.tanh(x @ w + b) @ v + c, axis=1)
    assert errors[0] == np.mean(predicted != y)


def test_training_lowers_the_cost():
    _, costs, _ = program.train_mlp(n_epochs=10)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.5 * costs[0]
