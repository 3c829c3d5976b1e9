"""Members' init= rules, run at make(): symmodule/module/initializers.py."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import init
from symmodule import tensor as T


def test_a_rule_gives_an_unset_member_its_first_value():
    m = symmodule.Module()
    m.b = symmodule.Member(T.dvector(shape=(3,)), init=init.constant(0.5))
    np.testing.assert_array_equal(m.make().b, np.full(3, 0.5))


def test_a_value_given_to_make_wins_over_the_rule():
    m = symmodule.Module()
    m.b = symmodule.Member(T.dvector(shape=(2,)), init=init.constant(0.5))
    np.testing.assert_array_equal(m.make(b=[1.0, 2.0]).b, [1.0, 2.0])


def test_a_value_set_by_a_custom_initialize_wins_over_the_rule():
    class Model(symmodule.Module):
        def __init__(self):
            super().__init__()
            self.b = symmodule.Member(T.dvector(shape=(2,)), init=init.constant(0.5))

        def _instance_initialize(self, inst, **kwargs):
            inst.b = [7.0, 8.0]

    np.testing.assert_array_equal(Model().make().b, [7.0, 8.0])


def test_a_rule_reads_another_member_given_at_make():
    m = symmodule.Module()
    m.w = T.dmatrix()
    m.velocity = symmodule.Member(T.dmatrix(), init=init.zeros_like(m.w))
    inst = m.make(w=np.ones((4, 5)))
    np.testing.assert_array_equal(inst.velocity, np.zeros((4, 5)))


def test_a_rule_reading_a_member_initialises_that_member_first():
    m = symmodule.Module()
    w = T.dmatrix()
    # Declared before the member it reads: the order of rules does not matter.
    m.velocity = symmodule.Member(T.dmatrix(), init=init.zeros_like(w))
    m.w = symmodule.Member(w, init=init.ones(shape=(2, 3)))
    inst = m.make()
    np.testing.assert_array_equal(inst.w, np.ones((2, 3)))
    np.testing.assert_array_equal(inst.velocity, np.zeros((2, 3)))


def test_the_rule_value_takes_the_member_dtype():
    m = symmodule.Module()
    m.n = symmodule.Member(T.lscalar(), init=init.zeros())
    m.f = symmodule.Member(T.fvector(shape=(2,)), init=init.constant(0.1))
    inst = m.make()
    assert inst.n.dtype == np.int64 and inst.n == 0
    assert inst.f.dtype == np.float32
    np.testing.assert_array_equal(inst.f, np.full(2, 0.1, dtype=np.float32))


def test_random_rules_are_the_same_at_every_make():
    m = symmodule.Module()
    m.w = symmodule.Member(T.dmatrix(shape=(4, 3)), init=init.glorot_uniform(seed=3))
    np.testing.assert_array_equal(m.make().w, m.make().w)


def test_two_members_with_one_random_rule_get_different_numbers():
    rule = init.normal(seed=0)
    m = symmodule.Module()
    m.a = symmodule.Member(T.dvector(shape=(5,)), init=rule)
    m.b = symmodule.Member(T.dvector(shape=(5,)), init=rule)
    inst = m.make()
    assert not np.array_equal(inst.a, inst.b)


def test_another_seed_gives_other_numbers():
    m = symmodule.Module()
    m.a = symmodule.Member(T.dvector(shape=(5,)), init=init.normal(seed=0))
    m2 = symmodule.Module()
    m2.a = symmodule.Member(T.dvector(shape=(5,)), init=init.normal(seed=1))
    assert not np.array_equal(m.make().a, m2.make().a)


def test_a_rule_runs_in_an_inner_module():
    m = symmodule.Module()
    m.layer = symmodule.Module()
    m.layer.b = symmodule.Member(T.dvector(shape=(2,)), init=init.ones())
    np.testing.assert_array_equal(m.make().layer.b, [1.0, 1.0])


def test_a_method_uses_the_initialised_members():
    m = symmodule.Module()
    m.w = symmodule.Member(T.dvector(shape=(3,)), init=init.constant(2.0))
    x = T.dvector("x")
    m.dot = symmodule.Method([x], T.dot(x, m.w))
    assert float(m.make().dot([1.0, 2.0, 3.0])) == 12.0


def test_an_instance_with_rules_pickles_and_deepcopies():
    m = symmodule.Module()
    m.w = symmodule.Member(T.dmatrix(shape=(2, 2)), init=init.he_normal(seed=1))
    inst = m.make()
    for clone in (pickle.loads(pickle.dumps(inst)), copy.deepcopy(inst)):
        np.testing.assert_array_equal(clone.w, inst.w)


def test_a_rule_that_is_not_callable_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"init=0\.5 is not callable.*symmodule\.init\.zeros"):
        symmodule.Member(T.dscalar(), init=0.5)


def test_a_shared_variable_member_cannot_have_a_rule():
    with pytest.raises(errors.DeclarationError, match="shared variable already holds its first value"):
        symmodule.Member(symmodule.shared(np.zeros(2)), init=init.zeros())


def test_two_rules_for_one_member_are_refused():
    m = symmodule.Module()
    w = T.dvector(shape=(2,))
    m.a = symmodule.Member(w, init=init.zeros())
    m.inner = symmodule.Module()
    m.inner.w = symmodule.Member(w, init=init.ones())
    with pytest.raises(errors.DeclarationError, match=r"'a' is declared again at 'inner\.w' with another init= rule"):
        m.make()


def test_the_same_rule_on_two_paths_is_accepted():
    m = symmodule.Module()
    w = T.dvector(shape=(2,))
    rule = init.ones()
    m.a = symmodule.Member(w, init=rule)
    m.inner = symmodule.Module()
    m.inner.w = symmodule.Member(w, init=rule)
    np.testing.assert_array_equal(m.make().inner.w, [1.0, 1.0])


def test_rules_reading_each_other_in_a_cycle_are_refused():
    m = symmodule.Module()
    a, b = T.dvector(), T.dvector()
    m.a = symmodule.Member(a, init=init.zeros_like(b))
    m.b = symmodule.Member(b, init=init.zeros_like(a))
    with pytest.raises(errors.InitializationError, match=r"cycle: a -> b -> a"):
        m.make()


def test_a_rule_returning_none_is_refused():
    def nothing(ctx):
        return None

    m = symmodule.Module()
    m.a = symmodule.Member(T.dvector(), init=nothing)
    with pytest.raises(errors.InitializationError, match=r"rule .*nothing of member 'a' returned None"):
        m.make()


def test_a_rule_reading_an_unset_member_names_it():
    m = symmodule.Module()
    m.w = T.dmatrix()
    m.velocity = symmodule.Member(T.dmatrix(), init=init.zeros_like(m.w))
    with pytest.raises(errors.InitializationError, match=r"needs the value of member 'w'.*make\(\) \(w=\.\.\.\)"):
        m.make()


def test_a_rule_reading_a_variable_outside_the_tree_is_refused():
    m = symmodule.Module()
    m.velocity = symmodule.Member(T.dmatrix(), init=init.zeros_like(T.dmatrix("stranger")))
    with pytest.raises(errors.InitializationError, match=r"value of stranger, which is not a member"):
        m.make()


def test_a_rule_value_of_the_wrong_type_names_the_member():
    m = symmodule.Module()
    m.w = symmodule.Member(T.dmatrix(), init=init.zeros(shape=(3,)))
    with pytest.raises(errors.MemberValueError, match="Cannot set member 'w'"):
        m.make()


def test_an_error_in_a_rule_reaches_the_caller_of_make():
    def boom(ctx):
        raise RuntimeError("no")

    m = symmodule.Module()
    m.a = symmodule.Member(T.dvector(shape=(1,)), init=init.ones())
    m.b = symmodule.Member(T.dvector(), init=boom)
    with pytest.raises(RuntimeError, match="no"):
        m.make()
