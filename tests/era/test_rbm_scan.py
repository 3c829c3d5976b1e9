"""The 2012 RBM whose Gibbs chain runs in scan (programs/rbm_scan.py), against NumPy.

Draws are random; two regimes make what the tests compare certain: weights
of +-40 with biases of 20 (every unit's probability within 2e-9 of 0 or 1,
so each sample is its rounded probability), and hidden biases of 30 (every
hidden unit on, so the reconstruction the cost reads is fixed).
"""

import numpy as np

import symmodule
import symmodule.tensor as T
from era.programs import rbm_scan as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def rbm_with(w, hbias, vbias, seed=7):
    shared = [symmodule.shared(np.asarray(v, dtype="float64")) for v in (w, hbias, vbias)]
    return program.RBM(input=T.matrix("x"), n_visible=16, n_hidden=8, W=shared[0], hbias=shared[1],
                       vbias=shared[2], theano_rng=program.RandomStreams(seed))


def numpy_cd1_with_certain_draws(w, hbias, vbias, lr, v0):
    """CD-1 when every sample is its rounded probability; returns (w, hbias, vbias)."""
    h0 = (v0 @ w + hbias > 0).astype(float)
    v1 = (h0 @ w.T + vbias > 0).astype(float)
    ph0, ph1 = sigmoid(v0 @ w + hbias), sigmoid(v1 @ w + hbias)
    n = len(v0)
    return (
        w + lr * (v0.T @ ph0 - v1.T @ ph1) / n,
        hbias + lr * (ph0 - ph1).sum(axis=0) / n,
        vbias + lr * (v0 - v1).sum(axis=0) / n,
    )


def test_cd1_parameters_match_numpy_when_the_draws_are_certain():
    data = program.load_data()
    signs = np.random.RandomState(3).choice([-1.0, 1.0], size=(16, 8))
    w, hbias, vbias = 40 * signs, np.full(8, 20.0), np.full(16, 20.0)
    rbm, _ = program.test_rbm(training_epochs=1, train_set_x=data, rbm=rbm_with(w, hbias, vbias))
    x = data.get_value()
    for start in range(0, 60, 10):
        w, hbias, vbias = numpy_cd1_with_certain_draws(w, hbias, vbias, 0.1, x[start:start + 10])
    for param, expected in zip(rbm.params, [w, hbias, vbias]):
        np.testing.assert_allclose(param.get_value(), expected, rtol=1e-12)


def test_monitoring_cost_is_the_reconstruction_cross_entropy():
    data = program.load_data()
    w = np.random.RandomState(4).normal(scale=0.5, size=(16, 8))
    vbias = np.linspace(-1, 1, 16)
    _, costs = program.test_rbm(training_epochs=1, batch_size=60, train_set_x=data,
                                rbm=rbm_with(w, np.full(8, 30.0), vbias))
    x = data.get_value()
    pre = np.ones((60, 8)) @ w.T + vbias   # every hidden unit on
    expected = -np.mean(np.sum(x * np.log(sigmoid(pre)) + (1 - x) * np.log(1 - sigmoid(pre)), axis=1))
    np.testing.assert_allclose(costs[0], expected, rtol=1e-12)


def test_gibbs_chain_draws_anew_at_every_call_with_the_visible_probabilities():
    vbias = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 0.5, -0.5, 0.0] * 2)
    rbm = rbm_with(np.zeros((16, 8)), np.zeros(8), vbias)
    samples = np.array(program.sample_rbm(rbm, np.zeros((50, 16)), plot_every=2, n_samples=4))
    assert set(np.unique(samples)) == {0.0, 1.0}
    assert not np.array_equal(samples[0], samples[1])
    p = sigmoid(vbias)
    standard_error = np.sqrt(p * (1 - p) / (4 * 50))
    assert np.all(np.abs(samples.mean(axis=(0, 1)) - p) < 5 * standard_error)


def test_training_lowers_the_reconstruction_cost():
    _, costs = program.test_rbm(training_epochs=15)
    assert np.mean(costs[-3:]) < 0.5 * np.mean(costs[:3])
