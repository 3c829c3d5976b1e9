"""RandomStreams(seed, seed_by_path=True): one seed, independent draws at each path."""

import numpy as np

import symmodule
from symmodule import tensor as T


def _two_streams(seed_by_path):
    m = symmodule.Module()
    m.a = T.randomstreams.RandomStreams(seed=3, seed_by_path=seed_by_path)
    m.b = T.randomstreams.RandomStreams(seed=3, seed_by_path=seed_by_path)
    m.draw = symmodule.Method([], [m.a.uniform(size=(5,)), m.b.uniform(size=(5,))])
    return m


def test_same_seed_at_two_paths_draws_the_same_numbers_without_seed_by_path():
    first, second = _two_streams(False).make().draw()
    np.testing.assert_array_equal(first, second)


def test_seed_by_path_makes_two_paths_of_one_seed_draw_different_numbers():
    first, second = _two_streams(True).make().draw()
    assert not np.allclose(first, second)


def test_seed_by_path_draws_the_same_numbers_at_every_make():
    m = _two_streams(True)
    np.testing.assert_array_equal(np.concatenate(m.make().draw()), np.concatenate(m.make().draw()))


def test_seed_by_path_is_kept_by_reseeding():
    inst = _two_streams(True).make()
    before = inst.draw()
    inst.a.seed(3)
    inst.b.seed(3)
    after = inst.draw()
    np.testing.assert_array_equal(before[0], after[0])
    assert not np.allclose(after[0], after[1])
