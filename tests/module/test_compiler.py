"""Compilation of Methods: implicit inputs are exactly the members read (and
updated), and a compiled method is a symmodule.compile.Function, itself a
PyTensor Function with .maker.fgraph and .maker.mode."""

import numpy as np
import pytest
import pytensor.compile
from pytensor.compile.mode import Mode
from pytensor.graph.fg import FunctionGraph

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M


def three_members():
    m = M.Module()
    m.c, m.d, m.e = T.dscalar(), T.dscalar(), T.dscalar()
    return m


def implicit_names(fn):
    return [i.name for i in fn.maker.inputs if i.implicit]


def explicit_names(fn):
    return [i.name for i in fn.maker.inputs if not i.implicit]


def test_implicit_inputs_are_exactly_the_members_read():
    m = three_members()
    m.f = M.Method([], m.c + m.d)
    assert sorted(implicit_names(m.make().f)) == ["c", "d"]


def test_updated_member_is_an_implicit_input():
    m = three_members()
    m.f = M.Method([], [], d=m.c * 2)
    assert sorted(implicit_names(m.make().f)) == ["c", "d"]


def test_member_neither_read_nor_updated_is_not_an_input():
    m = three_members()
    m.f = M.Method([], m.c + 1)
    assert "e" not in implicit_names(m.make().f)


def test_method_runs_while_a_member_it_does_not_read_is_unset():
    m = three_members()
    m.f = M.Method([], m.c + 1)
    inst = m.make(c=1)
    np.testing.assert_allclose(inst.f(), 2.0)


def test_inner_module_members_read_by_an_outer_method_are_implicit_inputs():
    m = M.Module()
    m.inner = three_members()
    m.f = M.Method([], m.inner.c * 2)
    assert implicit_names(m.make().f) == ["inner.c"]


def test_explicit_inputs_come_first_and_are_not_implicit():
    m = three_members()
    n = T.dscalar("n")
    m.f = M.Method(n, m.c + n)
    fn = m.make().f
    assert explicit_names(fn) == ["n"]
    assert [i.name for i in fn.maker.inputs] == ["n", "c"]


def test_member_given_as_explicit_input_is_not_implicit():
    m = three_members()
    m.f = M.Method(m.c, m.c + m.d)
    fn = m.make().f
    assert explicit_names(fn) == ["c"]
    assert implicit_names(fn) == ["d"]


def test_updated_implicit_input_carries_the_update_and_is_never_overwritten_in_place():
    m = three_members()
    m.f = M.Method([], [], d=m.c * 2)
    by_name = {i.name: i for i in m.make().f.maker.inputs}
    assert by_name["d"].update is not None and not by_name["d"].mutable
    assert by_name["c"].update is None


def test_compiled_method_is_a_symmodule_function():
    m = three_members()
    m.f = M.Method([], m.c + 1)
    assert isinstance(m.make().f, symmodule.compile.Function)


def test_symmodule_function_is_a_pytensor_function_subclass():
    assert issubclass(symmodule.compile.Function, pytensor.compile.Function)
    assert symmodule.Function is symmodule.compile.Function


def test_compiled_method_exposes_its_function_graph():
    m = three_members()
    m.f = M.Method([], m.c + 1)
    fgraph = m.make().f.maker.fgraph
    assert isinstance(fgraph, FunctionGraph)
    assert len(fgraph.outputs) == 1


def test_compiled_method_exposes_its_mode():
    m = three_members()
    m.f = M.Method([], m.c + 1)
    assert isinstance(m.make().f.maker.mode, Mode)


def test_make_mode_object_is_the_mode_of_every_method():
    mode = Mode(linker="py", optimizer=None)
    m = three_members()
    m.f = M.Method([], m.c + 1)
    m.g = M.Method([], m.d + 1)
    inst = m.make(mode=mode)
    assert inst.f.maker.mode is mode and inst.g.maker.mode is mode


def test_methods_of_two_instances_do_not_share_storage():
    m = three_members()
    m.f = M.Method([], [], c=m.c + 1)
    first, second = m.make(c=0), m.make(c=0)
    assert first.f.container["c"] is not second.f.container["c"]


def test_method_with_only_a_constant_output():
    m = M.Module()
    m.f = M.Method([], T.constant(2.5))
    np.testing.assert_allclose(m.make().f(), 2.5)


def test_method_output_given_as_a_python_number():
    m = M.Module()
    m.f = M.Method([], 4.0)
    np.testing.assert_allclose(m.make().f(), 4.0)


def test_method_computes_a_matrix_expression_against_numpy():
    m = M.Module()
    x = T.dmatrix("x")
    m.w = T.dmatrix()
    m.b = T.dvector()
    m.apply = M.Method(x, T.tanh(T.dot(x, m.w) + m.b))
    rng = np.random.default_rng(0)
    w, b, data = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3))
    inst = m.make(w=w, b=b)
    np.testing.assert_allclose(inst.apply(data), np.tanh(data @ w + b))


def test_make_mode_applies_to_methods_of_inner_modules():
    mode = Mode(linker="py", optimizer=None)
    m = M.Module()
    m.inner = three_members()
    m.inner.f = M.Method([], m.inner.c + 1)
    inst = m.make(mode=mode)
    assert inst.inner.f.maker.mode is mode


def test_method_that_only_writes_an_unset_member_runs():
    m = three_members()
    v = T.dscalar("v")
    m.set_d = M.Method(v, [], d=v * 2)
    inst = m.make()
    inst.set_d(3)
    np.testing.assert_allclose(inst.d, 6.0)


def test_a_call_failing_inside_compiled_code_changes_no_member():
    # Both updates are computed before either is stored; the second one fails
    # on a shape mismatch, so the first must not be applied either.
    m = M.Module()
    x = T.dvector('x')
    m.a = T.dvector()
    m.b = T.dvector()
    m.step = M.Method(x, [], updates={m.a: m.a + 1, m.b: m.b + x})
    inst = m.make(a=np.zeros(3), b=np.zeros(3), mode="CVM")
    a_before = inst.a
    with pytest.raises(symmodule.errors.MethodExecutionError):
        inst.step(np.ones(2))
    np.testing.assert_array_equal(inst.a, np.zeros(3))
    np.testing.assert_array_equal(inst.b, np.zeros(3))
    assert inst.a is a_before


def test_an_update_never_writes_into_the_users_array():
    m = M.Module()
    m.w = T.dvector()
    m.step = M.Method([], [], w=m.w * 2)
    mine = np.ones(3)
    inst = m.make(w=mine, mode="CVM")
    inst.step()
    np.testing.assert_array_equal(mine, np.ones(3))
    np.testing.assert_array_equal(inst.w, 2 * np.ones(3))


def diverging_module():
    m = M.Module()
    x = T.dscalar('x')
    m.a = T.dscalar()
    m.b = T.dscalar()
    m.step = M.Method(x, [], updates={m.a: m.a + 1, m.b: T.log(m.b - x)})
    return m


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "CVM", "NUMBA"])
def test_check_finite_refuses_a_nan_update_and_changes_no_member(mode):
    inst = diverging_module().make(a=0, b=1, mode=mode, check_finite=True)
    with pytest.raises(symmodule.errors.NonFiniteUpdateError, match="NaN or inf for member 'b'.*stored no update"):
        inst.step(5.0)
    assert (float(inst.a), float(inst.b)) == (0.0, 1.0)
    inst.step(0.0)
    assert (float(inst.a), float(inst.b)) == (1.0, 0.0)


def test_without_check_finite_a_nan_update_is_stored():
    inst = diverging_module().make(a=0, b=1)
    inst.step(5.0)
    assert np.isnan(inst.b)


def test_a_method_can_ask_for_the_check_on_its_own():
    m = diverging_module()
    m.step.check_finite = True
    inst = m.make(a=0, b=1)
    with pytest.raises(symmodule.errors.NonFiniteUpdateError):
        inst.step(5.0)


def test_check_finite_survives_deepcopy_and_pickle():
    import copy
    import pickle

    inst = diverging_module().make(a=0, b=1, check_finite=True)
    for other in (copy.deepcopy(inst), pickle.loads(pickle.dumps(inst))):
        with pytest.raises(symmodule.errors.NonFiniteUpdateError):
            other.step(5.0)
