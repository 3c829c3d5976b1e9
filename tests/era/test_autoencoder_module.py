"""The 2009 tied-weights autoencoder Module (programs/autoencoder_module.py) against NumPy."""

import numpy as np

from era.programs import autoencoder_module as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_step(w, b, c, lr, x):
    """One gradient step on the mean reconstruction cross-entropy; returns (cost, w, b, c)."""
    h = sigmoid(x @ w + b)
    z = sigmoid(h @ w.T + c)
    cost = np.mean(-np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=1))
    dz = (z - x) / len(x)                # through the output sigmoid
    dh = (dz @ w) * h * (1 - h)          # through the hidden sigmoid
    gw = x.T @ dh + dz.T @ h             # encoder and decoder share w
    return cost, w - lr * gw, b - lr * dh.sum(axis=0), c - lr * dz.sum(axis=0)


def test_instance_initialize_draws_weights_and_lets_keywords_override():
    ae = program.AutoEncoder().make(input_size=6, hidden_size=2, seed=5, lr=0.25)
    bound = np.sqrt(6.0 / 8)
    expected = np.random.RandomState(5).uniform(size=(6, 2), low=-bound, high=bound)
    np.testing.assert_array_equal(ae.w, expected)
    assert ae.lr == 0.25


def test_updates_match_numpy_backpropagation():
    x = program.make_data()
    ae = program.AutoEncoder().make(input_size=12, hidden_size=4, lr=0.5)
    w, b, c = ae.w.copy(), ae.b.copy(), ae.c.copy()
    for _ in range(5):
        cost = ae.update(x)
        expected_cost, w, b, c = numpy_step(w, b, c, 0.5, x)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    np.testing.assert_allclose(ae.w, w, rtol=1e-11)
    np.testing.assert_allclose(ae.b, b, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(ae.c, c, rtol=1e-11, atol=1e-14)


def test_encode_and_reconstruct_match_numpy():
    x = program.make_data()
    ae = program.AutoEncoder().make(input_size=12, hidden_size=4)
    h = sigmoid(x @ ae.w + ae.b)
    np.testing.assert_allclose(ae.encode(x), h, rtol=1e-12)
    np.testing.assert_allclose(ae.reconstruct(x), sigmoid(h @ ae.w.T + ae.c), rtol=1e-12)


def test_training_lowers_the_reconstruction_cost():
    costs = program.main(n_epochs=100)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.5 * costs[0]
