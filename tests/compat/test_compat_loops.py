"""symmodule.scan: Theano's (outputs, updates), with random draws advancing at every step."""

import doctest
import warnings

import numpy as np
import pytest
from pytensor.scan.utils import until

import symmodule
from symmodule import tensor as T
from symmodule.compat import loops
from symmodule.tensor.shared_randomstreams import RandomStreams

MODE = "FAST_COMPILE"


def oracle(seed, index):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_symmodule_scan_is_this_function():
    assert symmodule.scan is loops.scan


def test_a_gibbs_chain_draws_new_numbers_at_every_step_and_every_call():
    srng = RandomStreams(seed=1)
    weights = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    W = symmodule.shared(weights, name="W")
    v0 = T.dmatrix("v0")

    def gibbs(v):
        h = srng.binomial(size=(2, 3), n=1, p=T.nnet.sigmoid(T.dot(v, W)), dtype="float64")
        return srng.binomial(size=(2, 4), n=1, p=T.nnet.sigmoid(T.dot(h, W.T)), dtype="float64")

    chain, updates = symmodule.scan(gibbs, outputs_info=[v0], n_steps=3)
    f = symmodule.function([v0], chain, updates=updates, mode=MODE)
    hidden, visible = oracle(1, 0), oracle(1, 1)
    for _ in range(2):
        v, expected = np.ones((2, 4)), []
        for _ in range(3):
            h = hidden.binomial(1, sigmoid(v @ weights))
            v = visible.binomial(1, sigmoid(h @ weights.T)).astype(float)
            expected.append(v)
        np.testing.assert_array_equal(f(np.ones((2, 4))), np.array(expected))


def test_the_updates_hold_each_generator_after_the_last_step():
    srng = RandomStreams(seed=2)

    def step(total):
        return total + srng.uniform(size=(2,))

    _, updates = symmodule.scan(step, outputs_info=[T.zeros(2)], n_steps=3)
    assert set(updates) == {srng.shared_generator(srng.updates()[0][0])}


def test_a_draw_made_before_the_loop_is_drawn_again_at_every_step():
    srng = RandomStreams(seed=3)
    u = srng.uniform(size=(2,))
    steps, updates = symmodule.scan(lambda: u, n_steps=3)
    expected = oracle(3, 0)
    got = symmodule.function([], steps, updates=updates, mode=MODE)()
    np.testing.assert_array_equal(got, [expected.uniform(size=2) for _ in range(3)])


def test_seed_restarts_the_draws_of_the_loop():
    srng = RandomStreams(seed=4)
    steps, updates = symmodule.scan(lambda: srng.normal(size=(2,)), n_steps=2)
    f = symmodule.function([], steps, updates=updates, mode=MODE)
    first = f()
    srng.seed(4)
    np.testing.assert_array_equal(f(), first)


def test_updates_the_step_returns_are_kept():
    srng = RandomStreams(seed=5)
    count = symmodule.shared(np.float64(0.0), name="count")

    def step():
        return srng.uniform(), {count: count + 1}

    _, updates = symmodule.scan(step, n_steps=4)
    symmodule.function([], [], updates=updates, mode=MODE)()
    assert count.get_value() == 4.0


def test_a_stopping_condition_is_kept():
    srng = RandomStreams(seed=6)

    def step(total):
        new = total + srng.uniform(low=0.5, high=1.0)
        return new, until(new > 2.0)

    steps, updates = symmodule.scan(step, outputs_info=[T.constant(0.0, dtype="float64")], n_steps=100)
    got = symmodule.function([], steps, updates=updates, mode=MODE)()
    expected = np.cumsum(oracle(6, 0).uniform(0.5, 1.0, size=100))
    stop = int(np.argmax(expected > 2.0)) + 1
    np.testing.assert_allclose(got, expected[:stop])


def test_a_loop_without_draws_is_pytensors():
    x = T.dvector("x")
    sums, updates = symmodule.scan(lambda v, acc: acc + v, sequences=[x], outputs_info=[T.constant(0.0, dtype="float64")])
    assert updates == {}
    np.testing.assert_array_equal(symmodule.function([x], sums, mode=MODE)(np.arange(4.0)), [0.0, 1.0, 3.0, 6.0])


def test_no_deprecation_warning_for_returning_updates():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        _, updates = symmodule.scan(lambda: T.constant(1.0), n_steps=2)
    assert updates == {}


@pytest.mark.filterwarnings("ignore:PyTensor found no BLAS")
def test_docstring_examples_run():
    result = doctest.testmod(loops, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
