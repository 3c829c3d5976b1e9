"""The 2009 RBM Module with RandomStreams (programs/rbm_module.py) against NumPy."""

import numpy as np

from era.programs import rbm_module as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_cd1(w, hbias, vbias, lr, v0, h0, v1):
    """CD-1 given the drawn hidden (h0) and visible (v1) samples; returns (error, w, hbias, vbias)."""
    h0_mean = sigmoid(v0 @ w + hbias)
    v1_mean = sigmoid(h0 @ w.T + vbias)
    h1_mean = sigmoid(v1 @ w + hbias)
    error = np.mean(np.sum((v0 - v1_mean) ** 2, axis=1))
    dw = (v0.T @ h0_mean - v1.T @ h1_mean) / len(v0)
    return (
        error,
        w + lr * dw,
        hbias + lr * np.mean(h0_mean - h1_mean, axis=0),
        vbias + lr * np.mean(v0 - v1, axis=0),
    )


def test_cd1_updates_match_numpy_given_the_draws():
    v0 = program.make_data()
    rbm = program.RBM().make(n_visible=10, n_hidden=3, lr=0.5)
    w, hbias, vbias = rbm.w.copy(), rbm.hbias.copy(), rbm.vbias.copy()
    for _ in range(5):
        error, h0, v1 = rbm.cd1(v0)
        expected_error, w, hbias, vbias = numpy_cd1(w, hbias, vbias, 0.5, v0, h0, v1)
        np.testing.assert_allclose(error, expected_error, rtol=1e-12)
    np.testing.assert_allclose(rbm.w, w, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(rbm.hbias, hbias, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(rbm.vbias, vbias, rtol=1e-11, atol=1e-14)


def test_hidden_draws_are_binary_with_the_hidden_probabilities_as_means():
    v0 = program.make_data()
    rbm = program.RBM().make(n_visible=10, n_hidden=3, lr=0.0)
    rbm.w = np.random.RandomState(0).normal(size=(10, 3))
    draws = np.array([rbm.cd1(v0)[1] for _ in range(400)])
    assert set(np.unique(draws)) == {0.0, 1.0}
    p = rbm.hidden_probabilities(v0)
    standard_error = np.sqrt(p * (1 - p) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - p) <= 5 * standard_error + 1e-12)


def test_each_call_draws_anew_and_a_new_instance_repeats_the_draws():
    v0 = program.make_data()
    first = program.RBM().make(n_visible=10, n_hidden=3, lr=0.0)
    second = program.RBM().make(n_visible=10, n_hidden=3, lr=0.0)
    a1, a2 = first.cd1(v0)[1], first.cd1(v0)[1]
    b1 = second.cd1(v0)[1]
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)


def test_training_lowers_the_reconstruction_error():
    errors = program.main(n_epochs=100)
    assert np.mean(errors[-10:]) < 0.5 * np.mean(errors[:10])
