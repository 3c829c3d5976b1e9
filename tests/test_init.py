"""The rules of symmodule.init: shapes, dtypes, fans and the spread of each random rule."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import init
from symmodule import tensor as T


def _value(rule, var):
    m = symmodule.Module()
    m.w = symmodule.Member(var, init=rule)
    return m.make().w


@pytest.mark.parametrize(
    "shape, expected",
    [((784, 100), (784, 100)), ((16, 3, 5, 5), (75, 400)), ((8, 4, 3), (12, 24))],
)
def test_fans_of_a_matrix_and_of_a_filter_bank(shape, expected):
    assert init.fans(shape) == expected


def test_constant_zeros_and_ones():
    var = T.dmatrix(shape=(2, 3))
    np.testing.assert_array_equal(_value(init.constant(-1.5), var), np.full((2, 3), -1.5))
    np.testing.assert_array_equal(_value(init.zeros(), var), np.zeros((2, 3)))
    np.testing.assert_array_equal(_value(init.ones(), var), np.ones((2, 3)))


def test_a_rule_shape_serves_a_member_whose_type_leaves_lengths_open():
    assert _value(init.zeros(shape=(4, 2)), T.dmatrix()).shape == (4, 2)


def test_a_rule_without_a_shape_for_an_open_type_says_how_to_give_one():
    with pytest.raises(errors.InitializationError, match=r"needs the member's shape.*shape=\(784, 100\)"):
        _value(init.glorot_uniform(), T.dmatrix())


@pytest.mark.parametrize(
    "rule, variance",
    [
        (init.glorot_uniform(seed=0), 2.0 / (200 + 300)),
        (init.glorot_normal(seed=0), 2.0 / (200 + 300)),
        (init.he_uniform(seed=0), 2.0 / 200),
        (init.he_normal(seed=0), 2.0 / 200),
        (init.glorot_uniform(gain=2.0, seed=0), 4 * 2.0 / (200 + 300)),
        (init.normal(0.0, 0.1, seed=0), 0.01),
        (init.uniform(-0.3, 0.3, seed=0), 0.6**2 / 12),
    ],
)
def test_random_rules_have_their_documented_variance(rule, variance):
    value = _value(rule, T.dmatrix(shape=(200, 300)))
    # 60,000 draws: the sample variance is within 3% of the true one.
    assert value.var() == pytest.approx(variance, rel=0.03)
    assert abs(value.mean()) < 4 * math.sqrt(variance / value.size)


def test_uniform_rules_stay_within_their_limit():
    value = _value(init.glorot_uniform(seed=0), T.dmatrix(shape=(200, 300)))
    assert np.abs(value).max() <= math.sqrt(6.0 / 500)


def test_a_glorot_rule_refuses_a_vector():
    with pytest.raises(errors.InitializationError, match=r"two or more dimensions.*init\.normal"):
        _value(init.glorot_uniform(), T.dvector(shape=(5,)))


def test_float32_members_get_float32_values():
    assert _value(init.he_normal(), T.fmatrix(shape=(3, 3))).dtype == np.float32


def test_rules_pickle_and_compare_equal():
    rule = init.glorot_normal(gain=0.5, seed=7, shape=(2, 2))
    assert pickle.loads(pickle.dumps(rule)) == rule
