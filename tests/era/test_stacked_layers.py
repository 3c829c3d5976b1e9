"""The 2009 network of layer Modules in a ComponentList (programs/stacked_layers.py) against NumPy."""

import numpy as np

from era.programs import stacked_layers as program


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_step(layers, v, c, lr, x, y):
    """One backpropagation step through tanh layers and a softmax; returns (nll, layers, v, c)."""
    activations = [x]
    for w, b in layers:
        activations.append(np.tanh(activations[-1] @ w + b))
    p = softmax(activations[-1] @ v + c)
    nll = -np.mean(np.log(p[np.arange(len(y)), y]))
    d = p.copy()
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    new_v, new_c = v - lr * activations[-1].T @ d, c - lr * d.sum(axis=0)
    delta = d @ v.T
    new_layers = []
    for (w, b), below, out in reversed(list(zip(layers, activations[:-1], activations[1:]))):
        delta = delta * (1 - out**2)
        new_layers.insert(0, (w - lr * below.T @ delta, b - lr * delta.sum(axis=0)))
        delta = delta @ w.T
    return nll, new_layers, new_v, new_c


def test_each_layer_is_initialised_from_one_shared_generator():
    net = program.StackedNetwork(n_hidden_layers=2).make([2, 6, 5, 2], seed=11)
    rng = np.random.RandomState(11)
    first = rng.uniform(low=-np.sqrt(6 / 8), high=np.sqrt(6 / 8), size=(2, 6))
    second = rng.uniform(low=-np.sqrt(6 / 11), high=np.sqrt(6 / 11), size=(6, 5))
    np.testing.assert_array_equal(net.layers[0].w, first)
    np.testing.assert_array_equal(net.layers[1].w, second)
    assert net.v.shape == (5, 2)


def test_updates_match_numpy_backpropagation():
    x, y = program.make_data()
    net = program.StackedNetwork(n_hidden_layers=2).make([2, 6, 6, 2], lr=0.3)
    layers = [(layer.w.copy(), layer.b.copy()) for layer in net.layers]
    v, c = net.v.copy(), net.c.copy()
    for _ in range(4):
        nll = net.update(x, y)
        expected_nll, layers, v, c = numpy_step(layers, v, c, 0.3, x, y)
        np.testing.assert_allclose(nll, expected_nll, rtol=1e-12)
    for layer, (w, b) in zip(net.layers, layers):
        np.testing.assert_allclose(layer.w, w, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(layer.b, b, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(net.v, v, rtol=1e-10, atol=1e-14)


def test_training_lowers_the_cost():
    costs = program.main(n_epochs=150)
    assert costs[-1] < 0.5 * costs[0]
