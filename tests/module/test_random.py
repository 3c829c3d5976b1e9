"""RandomStreams as a Module component: draws, seeding, per-instance state, copies."""

import copy
import pickle

import numpy as np
import pytensor.tensor as pt
import pytest

from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.module.random import RandomStreams, RandomStreamsInstance


def uniform_module(seed=234, size=(2, 3)):
    m = M.Module()
    m.random = T.randomstreams.RandomStreams(seed)
    m.u = m.random.uniform(size=size)
    m.draw = M.Method([], m.u)
    return m


# --------------------------------------------------------------- declaration


def test_randomstreams_is_a_component_kept_as_assigned():
    m = M.Module()
    r = T.randomstreams.RandomStreams(1)
    m.random = r
    assert isinstance(r, M.Component)
    assert m.random is r
    assert m.resolve("random") is r
    assert T.randomstreams.RandomStreams is RandomStreams


def test_each_draw_has_its_own_generator_variable():
    r = RandomStreams(0)
    a, b = r.uniform(), r.normal()
    assert a.rng is not b.rng
    assert a.rng.owner is None and b.rng.owner is None
    assert isinstance(a.rng.type, pt.random.type.RandomGeneratorType)
    assert [rng for rng, _ in r.updates()] == [a.rng, b.rng]


def test_instance_side_object():
    inst = uniform_module().make()
    assert isinstance(inst.random, RandomStreamsInstance)
    assert len(inst.random) == 1
    assert list(inst.random) == [inst.component.u.rng]


def test_a_draw_outside_the_module_tree_is_an_error_naming_the_method():
    m = M.Module()
    stray = RandomStreams(0).uniform()
    m.draw = M.Method([], stray)
    with pytest.raises(errors.DeclarationError, match="'draw'"):
        m.make()


# ------------------------------------------------------------------- seeding


def test_same_seed_same_draws_across_instances_and_modules():
    a, b = uniform_module(seed=7).make(), uniform_module(seed=7).make()
    c = uniform_module(seed=7).make()
    first = a.draw()
    np.testing.assert_array_equal(first, b.draw())
    np.testing.assert_array_equal(first, c.draw())


def test_different_seeds_different_draws():
    a, b = uniform_module(seed=1).make(), uniform_module(seed=2).make()
    assert not np.array_equal(a.draw(), b.draw())


def test_no_seed_means_fresh_entropy():
    m = uniform_module(seed=None)
    a, b = m.make(), m.make()
    assert not np.array_equal(a.draw(), b.draw())
    before = a.draw()
    a.random.initialize()
    assert not np.array_equal(a.draw(), before)


def test_seed_is_reproducible_and_initialize_returns_to_the_module_seed():
    m = uniform_module(seed=11)
    inst = m.make()
    start = inst.draw()
    inst.random.seed(5)
    after_5 = inst.draw()
    inst.random.seed(5)
    np.testing.assert_array_equal(inst.draw(), after_5)
    inst.random.initialize()
    np.testing.assert_array_equal(inst.draw(), start)
    inst.random.seed(11)
    np.testing.assert_array_equal(inst.draw(), start)
    inst.random.initialize(5)
    np.testing.assert_array_equal(inst.draw(), after_5)


def test_streams_of_one_seed_differ_and_do_not_depend_on_later_draws():
    m = M.Module()
    m.random = RandomStreams(3)
    u1, u2 = m.random.uniform(size=(4,)), m.random.uniform(size=(4,))
    m.draw = M.Method([], [u1, u2])
    x1, x2 = m.make().draw()
    assert not np.array_equal(x1, x2)
    m.random.normal()  # a third stream, added later
    y1, y2 = m.make().draw()
    np.testing.assert_array_equal(x1, y1)
    np.testing.assert_array_equal(x2, y2)


# --------------------------------------------------------------- state per call


def test_each_call_advances_the_stream():
    inst = uniform_module().make()
    draws = [inst.draw() for _ in range(3)]
    assert not np.array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[1], draws[2])


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
def test_instances_are_independent(mode):
    m = uniform_module()
    a, b = m.make(mode=mode), m.make(mode=mode)
    a_first, a_second = a.draw(), a.draw()
    np.testing.assert_array_equal(b.draw(), a_first)
    np.testing.assert_array_equal(b.draw(), a_second)


def test_methods_of_one_instance_share_a_stream():
    m = uniform_module()
    m.draw_again = M.Method([], m.u * 1)
    ref = m.make()
    expected = [ref.draw(), ref.draw()]
    inst = m.make()
    np.testing.assert_array_equal(inst.draw(), expected[0])
    np.testing.assert_array_equal(inst.draw_again(), expected[1])


def test_a_draw_read_only_by_an_update_advances_too():
    m = M.Module()
    m.random = RandomStreams(4)
    m.total = T.dscalar()
    u = m.random.uniform()
    m.accumulate = M.Method([], [], total=m.total + u)
    inst = m.make(total=0)
    inst.accumulate()
    first = float(inst.total)
    inst.accumulate()
    assert float(inst.total) - first != pytest.approx(first)


def test_explicit_update_of_the_generator_wins():
    m = uniform_module()
    m.frozen = M.Method([], m.u, updates={m.u.rng: m.u.rng})
    inst = m.make()
    np.testing.assert_array_equal(inst.frozen(), inst.frozen())


def test_same_randomstreams_through_two_paths_is_one_object():
    r = RandomStreams(9)
    m = M.Module()
    m.random = r
    m.inner = M.Module()
    m.inner.random = r
    u = r.uniform(size=(3,))
    m.draw = M.Method([], u)
    m.inner.draw = M.Method([], u)
    inst = m.make()
    assert inst.random is inst.inner.random
    ref = m.make()
    first, second = ref.draw(), ref.draw()
    np.testing.assert_array_equal(inst.draw(), first)
    np.testing.assert_array_equal(inst.inner.draw(), second)


def test_draws_added_after_make_leave_earlier_instances_working():
    m = uniform_module()
    inst = m.make()
    m.random.normal()
    copied = copy.deepcopy(inst)
    np.testing.assert_array_equal(copied.draw(), inst.draw())
    assert len(inst.random) == 1


# ------------------------------------------------------------- inst.random[...]


def test_getitem_is_the_numpy_generator_and_setitem_replaces_it():
    m = uniform_module()
    inst = m.make()
    rng = m.u.rng
    assert isinstance(inst.random[rng], np.random.Generator)
    assert inst.random[m.u] is inst.random[rng]
    assert rng in inst.random and m.u in inst.random
    inst.random[rng] = np.random.default_rng(123)
    expected = np.random.default_rng(123).uniform(0.0, 1.0, size=(2, 3))
    np.testing.assert_array_equal(inst.draw(), expected)


def test_setting_a_generator_sets_only_that_instance():
    m = uniform_module()
    a, b = m.make(), m.make()
    a.random[m.u.rng] = np.random.default_rng(0)
    assert not np.array_equal(a.draw(), b.draw())


def test_setitem_refuses_what_is_not_a_generator():
    m = uniform_module()
    inst = m.make()
    before = inst.random[m.u.rng]
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        inst.random[m.u.rng] = np.random.RandomState(0)
    assert inst.random[m.u.rng] is before


def test_unknown_stream_is_a_key_error():
    inst = uniform_module().make()
    other = RandomStreams(0).uniform()
    with pytest.raises(KeyError, match="not the generator of a stream"):
        inst.random[other.rng]
    with pytest.raises(errors.UnknownStreamError):
        inst.random["u"]
    assert other.rng not in inst.random


# ----------------------------------------------------------------------- sizes


def test_symbolic_size_follows_the_input():
    m = M.Module()
    m.random = RandomStreams(0)
    x = T.dmatrix("x")
    m.noise = M.Method(x, x + m.random.normal(size=T.shape(x)))
    m.rows = M.Method(x, m.random.uniform(size=(x.shape[0], 2)))
    inst = m.make()
    assert inst.noise(np.zeros((4, 5))).shape == (4, 5)
    assert inst.noise(np.zeros((1, 2))).shape == (1, 2)
    assert inst.rows(np.zeros((3, 7))).shape == (3, 2)


def test_symbolic_size_of_unknown_length_needs_ndim():
    m = M.Module()
    m.random = RandomStreams(0)
    shape = T.lvector("shape")
    with pytest.raises(ValueError, match="Pass ndim"):
        m.random.uniform(size=shape)
    m.draw = M.Method(shape, m.random.uniform(size=shape, ndim=2))
    assert m.make().draw([2, 5]).shape == (2, 5)


def test_int_size_and_size_from_parameters():
    m = M.Module()
    m.random = RandomStreams(0)
    m.draw = M.Method(
        [],
        [
            m.random.uniform(size=4),
            m.random.normal(avg=np.zeros(3)),
            m.random.uniform(low=np.zeros((2, 2)), high=1.0, ndim=2),
        ],
    )
    a, b, c = m.make().draw()
    assert a.shape == (4,) and b.shape == (3,) and c.shape == (2, 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda r: r.uniform(size=(2, 3), ndim=1), r"ndim=1 contradicts size=\(2, 3\)"),
        (lambda r: r.normal(size=T.shape(T.dmatrix()), ndim=3), "ndim=3 contradicts size"),
        (lambda r: r.binomial(size=5, ndim=2), r"ndim=2 contradicts size=\(5,\)"),
        (lambda r: r.uniform(ndim=1), "ndim=1 contradicts the draw"),
        (lambda r: r.permutation(size=(2,), n=4, ndim=2), "ndim=2 contradicts size"),
        (lambda r: r.uniform(size=(2.5, 3)), "is not a shape"),
    ],
)
def test_contradicting_arguments_raise_value_error(call, message):
    r = RandomStreams(0)
    with pytest.raises(ValueError, match=message) as info:
        call(r)
    assert isinstance(info.value, errors.RandomDrawError)
    assert len(r.updates()) == 0  # a refused draw leaves no stream behind


# --------------------------------------------------------------- distributions


def draw_once(build, mode=None):
    m = M.Module()
    m.random = RandomStreams(2024)
    m.draw = M.Method([], build(m.random))
    return m.make(mode=mode).draw()


@pytest.mark.parametrize(
    "build, shape, dtype, check",
    [
        (lambda r: r.uniform(size=(5, 4), low=2.0, high=3.0), (5, 4), "float64",
         lambda v: ((v >= 2) & (v < 3)).all()),
        (lambda r: r.uniform(size=(3,), dtype="float32"), (3,), "float32",
         lambda v: ((v >= 0) & (v < 1)).all()),
        (lambda r: r.uniform(), (), "float64", lambda v: 0 <= v < 1),
        (lambda r: r.normal(size=(6,), avg=10.0, std=0.1), (6,), "float64",
         lambda v: (abs(v - 10) < 1).all()),
        (lambda r: r.normal(size=(2,), dtype="float32"), (2,), "float32", lambda v: True),
        (lambda r: r.binomial(size=(50,), n=10, p=0.5), (50,), "int64",
         lambda v: ((v >= 0) & (v <= 10)).all()),
        (lambda r: r.binomial(size=(50,), p=0.5, dtype="float64"), (50,), "float64",
         lambda v: set(np.unique(v)) <= {0.0, 1.0}),
        (lambda r: r.binomial(size=(50,), dtype="int32"), (50,), "int32",
         lambda v: set(np.unique(v)) <= {0, 1}),
        (lambda r: r.random_integers(size=(200,), low=1, high=3), (200,), "int64",
         lambda v: set(np.unique(v)) == {1, 2, 3}),
        (lambda r: r.random_integers(size=(2, 2)), (2, 2), "int64",
         lambda v: set(np.unique(v)) <= {0, 1}),
        (lambda r: r.permutation(n=6), (6,), "int64",
         lambda v: (np.sort(v) == np.arange(6)).all()),
        (lambda r: r.permutation(size=(3, 2), n=5), (3, 2, 5), "int64",
         lambda v: (np.sort(v, axis=-1) == np.arange(5)).all()),
        (lambda r: r.choice(size=(40,), a=3), (40,), "int64",
         lambda v: set(np.unique(v)) <= {0, 1, 2}),
        (lambda r: r.choice(size=(10,), a=np.array([5.0, 7.0])), (10,), "float64",
         lambda v: set(np.unique(v)) <= {5.0, 7.0}),
        (lambda r: r.choice(size=(10,), a=3, p=np.array([0.0, 0.0, 1.0])), (10,), "int64",
         lambda v: (v == 2).all()),
        (lambda r: r.choice(size=(4,), a=4, replace=False), (4,), "int64",
         lambda v: (np.sort(v) == np.arange(4)).all()),
        (lambda r: r.gen(pt.random.poisson, 3.0, size=(7,)), (7,), "int64",
         lambda v: (v >= 0).all()),
    ],
)
def test_distribution_values(build, shape, dtype, check):
    value = draw_once(build)
    assert value.shape == shape
    assert value.dtype == dtype
    assert check(value)


def test_draws_work_in_fast_run_too():
    value = draw_once(lambda r: r.binomial(size=(3, 3), dtype="float64"), mode="FAST_RUN")
    assert value.shape == (3, 3) and value.dtype == "float64"


N = 10_000


@pytest.mark.parametrize(
    "build, mean, std, tol",
    [
        (lambda r: r.uniform(size=(N,)), 0.5, np.sqrt(1 / 12), 0.02),
        (lambda r: r.uniform(size=(N,), low=-2.0, high=4.0), 1.0, np.sqrt(3.0), 0.1),
        (lambda r: r.normal(size=(N,), avg=2.0, std=3.0), 2.0, 3.0, 0.15),
        (lambda r: r.binomial(size=(N,), n=1, p=0.3), 0.3, np.sqrt(0.21), 0.02),
        (lambda r: r.binomial(size=(N,), n=10, p=0.5), 5.0, np.sqrt(2.5), 0.1),
        (lambda r: r.random_integers(size=(N,), low=0, high=1), 0.5, 0.5, 0.03),
        (lambda r: r.random_integers(size=(N,), low=1, high=6), 3.5, np.sqrt(35 / 12), 0.1),
        (lambda r: r.choice(size=(N,), a=4), 1.5, np.sqrt(1.25), 0.05),
        (lambda r: r.permutation(size=(N,), n=3)[:, 0], 1.0, np.sqrt(2 / 3), 0.05),
    ],
)
def test_statistics_of_ten_thousand_draws(build, mean, std, tol):
    values = draw_once(build).astype(float)
    assert values.mean() == pytest.approx(mean, abs=tol)
    assert values.std() == pytest.approx(std, abs=2 * tol)


def test_weighted_choice_frequencies():
    values = draw_once(lambda r: r.choice(size=(N,), a=3, p=np.array([0.2, 0.3, 0.5])))
    freq = np.bincount(values, minlength=3) / N
    np.testing.assert_allclose(freq, [0.2, 0.3, 0.5], atol=0.02)


# ------------------------------------------------------------ pickle and copies


def two_stream_module():
    m = M.Module()
    m.random = RandomStreams(31)
    x = T.dvector("x")
    m.w = T.dvector()
    u = m.random.uniform(size=(2,))
    m.n = m.random.normal(size=T.shape(x))
    m.step = M.Method(x, [u, x * m.w + m.n], w=m.w + u)
    return m


def run(inst, calls=3):
    return [np.concatenate(inst.step(np.ones(2))[:1] + [inst.w]) for _ in range(calls)]


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN"])
@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda i: pickle.loads(pickle.dumps(i))])
def test_copies_continue_the_sequence_of_the_original(duplicate, mode):
    inst = two_stream_module().make(mode=mode, w=np.zeros(2))
    run(inst, 2)  # advance past the seed's start
    twin = duplicate(inst)
    expected = run(inst)
    got = run(twin)
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_array_equal(e, g)


def test_a_copy_is_independent_of_the_original():
    m = uniform_module()
    inst = m.make()
    inst.draw()
    twin, reference = copy.deepcopy(inst), copy.deepcopy(inst)
    assert twin.random is not inst.random
    assert twin.random[m.u.rng] is not inst.random[m.u.rng]
    inst.draw()
    inst.draw()  # advancing the original must not move the copies
    np.testing.assert_array_equal(twin.draw(), reference.draw())


def test_unpickled_instance_is_indexed_by_the_original_draws():
    m = uniform_module()
    inst = m.make()
    inst.draw()
    twin = pickle.loads(pickle.dumps(inst))
    assert isinstance(twin.random[m.u.rng], np.random.Generator)
    twin.random.seed(5)
    inst.random.seed(5)
    np.testing.assert_array_equal(twin.draw(), inst.draw())


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "CVM"])
def test_a_call_never_advances_a_stored_generator_in_place(mode):
    m = M.Module()
    m.random = T.randomstreams.RandomStreams(seed=1)
    u = m.random.uniform(size=(2,))
    m.draw = M.Method([], u)
    inst = m.make(mode=mode)
    mine = inst.random[u.rng]
    before = mine.bit_generator.state
    inst.draw()
    assert mine.bit_generator.state == before
    assert inst.random[u.rng] is not mine
