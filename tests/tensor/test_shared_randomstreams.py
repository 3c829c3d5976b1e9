"""Theano's shared_randomstreams.RandomStreams used outside any Module, with symmodule.function."""

import doctest

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.module import random as random_module
from symmodule.module.random import RandomStreams
from symmodule.tensor.shared_randomstreams import RandomStreams as SharedRandomStreams

MODE = "FAST_COMPILE"


def oracle(seed, index):
    """The NumPy Generator stream ``index`` of ``seed`` starts from."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def test_the_theano_import_path_gives_symmodules_class():
    assert SharedRandomStreams is RandomStreams


def test_a_draw_compiles_and_advances_at_every_call():
    srng = SharedRandomStreams(seed=234)
    u = srng.uniform(size=(3,))
    f = symmodule.function([], u, mode=MODE)
    expected = oracle(234, 0)
    np.testing.assert_array_equal(f(), expected.uniform(size=3))
    np.testing.assert_array_equal(f(), expected.uniform(size=3))


def test_each_draw_has_its_own_stream():
    srng = SharedRandomStreams(seed=5)
    u = srng.uniform(size=(2,))
    n = srng.normal(size=(2,), avg=1.0, std=2.0)
    got_u, got_n = symmodule.function([], [u, n], mode=MODE)()
    np.testing.assert_array_equal(got_u, oracle(5, 0).uniform(size=2))
    np.testing.assert_array_equal(got_n, oracle(5, 1).normal(1.0, 2.0, size=2))


def test_two_functions_reading_one_draw_advance_the_same_generator():
    srng = SharedRandomStreams(seed=3)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, mode=MODE)
    g = symmodule.function([], u * 2, mode=MODE)
    expected = oracle(3, 0)
    np.testing.assert_array_equal(f(), expected.uniform(size=2))
    np.testing.assert_array_equal(g(), 2 * expected.uniform(size=2))


def test_a_seed_reproduces_the_draws_of_another_randomstreams():
    first = symmodule.function([], SharedRandomStreams(seed=11).normal(size=(4,)), mode=MODE)
    second = symmodule.function([], SharedRandomStreams(seed=11).normal(size=(4,)), mode=MODE)
    np.testing.assert_array_equal(first(), second())


def test_seed_restarts_every_stream():
    srng = SharedRandomStreams(seed=1)
    u, b = srng.uniform(size=(2,)), srng.binomial(size=(6,), p=0.3)
    f = symmodule.function([], [u, b], mode=MODE)
    f()
    srng.seed(42)
    got_u, got_b = f()
    np.testing.assert_array_equal(got_u, oracle(42, 0).uniform(size=2))
    np.testing.assert_array_equal(got_b, oracle(42, 1).binomial(1, 0.3, size=6))


def test_seed_without_argument_goes_back_to_the_constructor_seed():
    srng = SharedRandomStreams(seed=8)
    f = symmodule.function([], srng.uniform(size=(2,)), mode=MODE)
    first = f()
    f()
    srng.seed()
    np.testing.assert_array_equal(f(), first)


def test_the_same_numbers_as_an_instance_seeded_alike():
    m = M.Module()
    m.random = RandomStreams(seed=9)
    u = m.random.uniform(size=(3,))
    m.draw = M.Method([], u)
    inst = m.make(mode=MODE)
    outside = symmodule.function([], u, mode=MODE)
    np.testing.assert_array_equal(outside(), inst.draw())


def test_a_module_instance_and_the_outside_generators_are_independent():
    m = M.Module()
    m.random = RandomStreams(seed=9)
    u = m.random.uniform(size=(3,))
    m.draw = M.Method([], u)
    inst = m.make(mode=MODE)
    outside = symmodule.function([], u, mode=MODE)
    outside()
    outside()
    np.testing.assert_array_equal(inst.draw(), oracle(9, 0).uniform(size=3))


def test_updates_of_srng_advance_each_generator_once_per_call():
    srng = SharedRandomStreams(seed=2)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, updates=srng.updates(), mode=MODE)
    expected = oracle(2, 0)
    np.testing.assert_array_equal(f(), expected.uniform(size=2))
    np.testing.assert_array_equal(f(), expected.uniform(size=2))


def test_an_update_given_for_the_generator_replaces_the_automatic_one():
    srng = SharedRandomStreams(seed=2)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, updates=[(u.rng, u.rng)], mode=MODE)
    np.testing.assert_array_equal(f(), f())


def test_no_default_updates_true_leaves_every_generator():
    srng = SharedRandomStreams(seed=4)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, no_default_updates=True, mode=MODE)
    np.testing.assert_array_equal(f(), oracle(4, 0).uniform(size=2))
    np.testing.assert_array_equal(f(), oracle(4, 0).uniform(size=2))


def test_no_default_updates_list_leaves_the_draws_named():
    srng = SharedRandomStreams(seed=4)
    u, v = srng.uniform(size=(2,)), srng.uniform(size=(2,))
    f = symmodule.function([], [u, v], no_default_updates=[u], mode=MODE)
    f()
    got_u, got_v = f()
    np.testing.assert_array_equal(got_u, oracle(4, 0).uniform(size=2))
    expected_v = oracle(4, 1)
    expected_v.uniform(size=2)
    np.testing.assert_array_equal(got_v, expected_v.uniform(size=2))


def test_a_draw_sized_by_an_input():
    srng = SharedRandomStreams(seed=6)
    x = T.dvector("x")
    mask = srng.binomial(size=x.shape, n=1, p=0.5, dtype="float64")
    f = symmodule.function([x], x * mask, mode=MODE)
    data = np.arange(1.0, 6.0)
    np.testing.assert_array_equal(f(data), data * oracle(6, 0).binomial(1, 0.5, size=5))


def test_a_generator_given_as_an_input_is_the_callers():
    srng = SharedRandomStreams(seed=6)
    u = srng.uniform(size=(2,))
    f = symmodule.function([u.rng], u, mode=MODE)
    np.testing.assert_array_equal(f(np.random.default_rng(1)), np.random.default_rng(1).uniform(size=2))


def test_indexing_by_a_draw_reads_its_generator():
    srng = SharedRandomStreams(seed=7)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, mode=MODE)
    f()
    expected = oracle(7, 0)
    expected.uniform(size=2)
    np.testing.assert_array_equal(srng[u.rng].uniform(size=3), expected.uniform(size=3))


def test_writing_a_generator_sets_the_next_draws():
    srng = SharedRandomStreams(seed=7)
    u = srng.uniform(size=(2,))
    f = symmodule.function([], u, mode=MODE)
    srng[u] = np.random.default_rng(99)
    np.testing.assert_array_equal(f(), np.random.default_rng(99).uniform(size=2))


def test_writing_something_else_than_a_generator_is_refused():
    srng = SharedRandomStreams(seed=7)
    u = srng.uniform(size=(2,))
    with pytest.raises(errors.MemberValueError, match="must be a numpy.random.Generator"):
        srng[u.rng] = np.random.RandomState(0)


def test_a_draw_of_another_randomstreams_is_refused_as_key():
    srng = SharedRandomStreams(seed=7)
    other = SharedRandomStreams(seed=7).uniform()
    with pytest.raises(errors.UnknownStreamError, match="not a draw of this RandomStreams"):
        srng[other]


def test_the_shared_generator_is_the_functions_implicit_input():
    srng = SharedRandomStreams(seed=1)
    u = srng.uniform()
    f = symmodule.function([], u, mode=MODE)
    assert srng.shared_generator(u) in [i.variable for i in f.maker.inputs]


def test_the_outside_generators_survive_a_pickle_of_the_randomstreams():
    import pickle

    srng = SharedRandomStreams(seed=1)
    u = srng.uniform(size=(2,))
    symmodule.function([], u, mode=MODE)()
    copied, copied_u = pickle.loads(pickle.dumps((srng, u)))
    np.testing.assert_array_equal(copied[copied_u].uniform(size=2), srng[u].uniform(size=2))


@pytest.mark.filterwarnings("ignore:PyTensor found no BLAS")
def test_docstring_examples_run():
    result = doctest.testmod(random_module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
