"""The 2012 denoising autoencoder drawing from shared_randomstreams (programs/denoising_autoencoder.py)."""

import numpy as np

import symmodule
import symmodule.tensor as T
from era.programs import denoising_autoencoder as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_step(w, b, b_prime, lr, x, tilde_x):
    """One step on the cross-entropy of reconstructing x from tilde_x; returns (cost, w, b, b_prime)."""
    h = sigmoid(tilde_x @ w + b)
    z = sigmoid(h @ w.T + b_prime)
    cost = np.mean(-np.sum(x * np.log(z) + (1 - x) * np.log(1 - z), axis=1))
    dz = (z - x) / len(x)
    dh = dz @ w * h * (1 - h)
    gw = tilde_x.T @ dh + dz.T @ h
    return cost, w - lr * gw, b - lr * dh.sum(axis=0), b_prime - lr * dz.sum(axis=0)


def initial_params():
    """The parameters as the program draws them (RandomState(123), one seed drawn first)."""
    rng = np.random.RandomState(123)
    rng.randint(2**30)
    da = program.dA(numpy_rng=rng, theano_rng=program.RandomStreams(0), n_visible=16, n_hidden=6)
    return [p.get_value() for p in da.params]


def test_uncorrupted_training_matches_numpy_minibatch_steps():
    data = program.load_data()
    x = data.get_value()
    w, b, b_prime = initial_params()
    da, costs = program.test_dA_training(training_epochs=2, corruption_level=0.0, train_set_x=data)
    expected_costs = []
    for _ in range(2):
        batch_costs = []
        for start in range(0, 60, 10):
            cost, w, b, b_prime = numpy_step(w, b, b_prime, 0.5, x[start:start + 10], x[start:start + 10])
            batch_costs.append(cost)
        expected_costs.append(np.mean(batch_costs))
    np.testing.assert_allclose(costs, expected_costs, rtol=1e-12)
    for param, expected in zip(da.params, [w, b, b_prime]):
        np.testing.assert_allclose(param.get_value(), expected, rtol=1e-11, atol=1e-14)


def test_pretraining_function_takes_keywords_and_defaults_the_rest():
    data = program.load_data()
    x = data.get_value()[:10]
    rng = np.random.RandomState(123)
    rng.randint(2**30)
    da = program.dA(numpy_rng=rng, theano_rng=program.RandomStreams(0), input=T.matrix("x"),
                    n_visible=16, n_hidden=6)
    step = program.pretraining_function(da, data, batch_size=10)
    cost = step(0, corruption=0.0)
    expected_cost, *expected = numpy_step(*initial_params(), 0.1, x, x)
    np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    for param, value in zip(da.params, expected):
        np.testing.assert_allclose(param.get_value(), value, rtol=1e-11, atol=1e-14)


def test_corruption_zeroes_the_given_fraction_of_the_inputs():
    da = program.dA(numpy_rng=np.random.RandomState(5), n_visible=16, n_hidden=6)
    x = T.matrix("x")
    corrupt = symmodule.function([x], da.get_corrupted_input(x, 0.3))
    kept = np.array([corrupt(np.full((50, 16), 2.0)) for _ in range(20)])
    assert set(np.unique(kept)) == {0.0, 2.0}
    standard_error = np.sqrt(0.3 * 0.7 / kept.size)
    assert abs(np.mean(kept == 0) - 0.3) < 5 * standard_error


def test_each_call_corrupts_with_new_draws():
    da = program.dA(numpy_rng=np.random.RandomState(5), n_visible=16, n_hidden=6)
    x = T.matrix("x")
    corrupt = symmodule.function([x], da.get_corrupted_input(x, 0.5))
    ones = np.ones((10, 16))
    assert not np.array_equal(corrupt(ones), corrupt(ones))


def test_training_on_corrupted_inputs_lowers_the_cost():
    _, costs = program.test_dA_training(training_epochs=20, corruption_level=0.3)
    assert np.mean(costs[-3:]) < 0.5 * np.mean(costs[:3])
