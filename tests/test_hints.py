"""The fix a message suggests exists and works.

* A member is named by its path, the attribute that reaches it (``inst.c``,
  ``inst['inner.c']``), never by its Variable's name, which may be another.
* A lossy argument suggests an option the API takes: ``In(x,
  allow_downcast=True)`` for a Method, ``allow_input_downcast=True`` for
  :func:`symmodule.function`; each is checked to work.
* An update of the wrong number of dimensions is not told to cast (a cast
  changes only the dtype); one of the wrong dtype is.
"""

from __future__ import annotations

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T


def renamed_member_module() -> symmodule.Module:
    """A counter whose member at path ``c`` is a Variable named ``foo``."""
    m = symmodule.Module()
    n = T.dscalar("n")
    m.c = T.dscalar("foo")
    m.inc = symmodule.Method(n, [], c=m.c + n)
    return m


# -- members, by the attribute that reaches them ------------------------------------------------------


def test_member_passed_by_its_variable_name_is_refused_naming_its_attribute():
    inst = renamed_member_module().make(c=0)
    with pytest.raises(errors.MethodArgumentError, match=r"'foo' is a Member.*on the instance \(inst\.c = value\)"):
        inst.inc(1.0, foo=2.0)


def test_the_attribute_named_sets_the_member_the_method_reads():
    inst = renamed_member_module().make(c=0)
    inst.c = 2.0  # what the hint above says
    inst.inc(1.0)
    assert float(inst.c) == 3.0


def test_too_many_arguments_hint_names_a_member_of_the_method():
    inst = renamed_member_module().make(c=0)
    with pytest.raises(errors.MethodArgumentError, match=r"\(n\) but 2 were given.*\(inst\.c = value\)"):
        inst.inc(1.0, 2.0)


def test_too_many_arguments_to_a_method_without_members_has_no_member_hint():
    m = symmodule.Module()
    x = T.dscalar("x")
    m.double = symmodule.Method(x, x * 2)
    with pytest.raises(errors.MethodArgumentError, match=r"'double' takes 1 argument\(s\) \(x\) but 2 were given\. $"):
        m.make().double(1.0, 2.0)


def test_unset_member_of_an_inner_module_is_named_as_an_item_of_the_instance():
    m = symmodule.Module()
    m.inner = renamed_member_module()
    m.get = symmodule.Method([], m.inner.c * 2)
    with pytest.raises(errors.UnsetMemberError, match=r"member 'inner\.c', .* set inst\['inner\.c'\] = value\."):
        m.make().get()


def test_the_item_named_sets_the_inner_member():
    m = symmodule.Module()
    m.inner = renamed_member_module()
    m.get = symmodule.Method([], m.inner.c * 2)
    inst = m.make()
    inst["inner.c"] = 1.5  # what the hint above says
    assert float(inst.get()) == 3.0


# -- lossy arguments: options the API takes -------------------------------------------------------------


def test_lossy_argument_to_a_method_suggests_in_with_allow_downcast():
    x = T.fvector("x")
    m = symmodule.Module()
    m.double = symmodule.Method(x, x * 2)
    with pytest.raises(
        errors.MethodArgumentError,
        match=r"argument 'x' .* float64 values to float32 could lose precision, so the value is refused\. "
        r"Convert it first \(numpy\.asarray\(value, dtype='float32'\)\), or declare the input "
        r"In\(variable, allow_downcast=True\)",
    ) as excinfo:
        m.make().double(np.array([1.5, 2.5]))
    assert "allow_input_downcast" not in str(excinfo.value)  # a Method takes no such option


def test_in_with_allow_downcast_makes_a_method_take_the_lossy_argument():
    x = T.fvector("x")
    m = symmodule.Module()
    m.double = symmodule.Method(symmodule.In(x, allow_downcast=True), x * 2)
    out = m.make().double(np.array([1.5, 2.5]))
    assert out.dtype == np.float32 and out.tolist() == [3.0, 5.0]


def test_lossy_argument_to_a_function_suggests_allow_input_downcast():
    x = T.fvector("x")
    fn = symmodule.function([x], x * 2)
    with pytest.raises(
        errors.MethodArgumentError,
        match=r"could lose precision.*symmodule\.function\(\.\.\., allow_input_downcast=True\)",
    ):
        fn(np.array([1.5, 2.5]))


def test_function_compiled_with_allow_input_downcast_takes_the_lossy_argument():
    x = T.fvector("x")
    fn = symmodule.function([x], x * 2, allow_input_downcast=True)
    assert fn(np.array([1.5, 2.5])).tolist() == [3.0, 5.0]


def test_float_into_an_int_input_is_a_lossy_argument():
    i = T.lscalar("i")
    m = symmodule.Module()
    m.twice = symmodule.Method(i, i * 2)
    with pytest.raises(errors.MethodArgumentError, match=r"float64 values to int64 could lose precision"):
        m.make().twice(1.5)


# -- updates of the wrong type: a cast only for a dtype ----------------------------------------------------


def test_update_with_more_dimensions_says_to_reduce_not_to_cast():
    m = symmodule.Module()
    m.c = T.dscalar()
    m.v = T.dvector()
    m.bad = symmodule.Method([], [], c=m.v * 2)
    with pytest.raises(
        errors.UpdateError,
        match=r"update of member 'c' .* An update keeps its member's number of dimensions \(0\), and the "
        r"expression has 1: reduce it \(e\.g\. T\.sum\(expr, axis=0\)\) or index it, or declare the member",
    ) as excinfo:
        m.make()
    assert "T.cast" not in str(excinfo.value)


def test_update_with_fewer_dimensions_says_to_add_dimensions_not_to_cast():
    m = symmodule.Module()
    m.c = T.dscalar()
    m.w = T.dmatrix()
    m.bad = symmodule.Method([], [], w=m.c * 2)
    with pytest.raises(
        errors.UpdateError, match=r"\(2\), and the expression has 0: add dimensions \(e\.g\. T\.shape_padleft\(expr\)\)"
    ) as excinfo:
        m.make()
    assert "T.cast" not in str(excinfo.value)


def test_update_with_another_dtype_says_to_cast():
    m = symmodule.Module()
    m.count = T.lscalar()
    m.s = T.dscalar()
    m.bad = symmodule.Method([], [], count=m.s + 1)
    with pytest.raises(errors.UpdateError, match=r"member 'count' .* Cast the expression \(T\.cast\(expr, 'int64'\)\)"):
        m.make()


def test_the_cast_suggested_makes_the_update_fit():
    m = symmodule.Module()
    m.count = T.lscalar()
    m.s = T.dscalar()
    m.step = symmodule.Method([], [], count=T.cast(m.s + 1, "int64"))
    inst = m.make(count=0, s=2.0)
    inst.step()
    assert int(inst.count) == 3


def test_update_with_other_dimensions_and_dtype_says_to_reshape_and_cast():
    m = symmodule.Module()
    m.count = T.lscalar()
    m.v = T.dvector()
    m.bad = symmodule.Method([], [], count=m.v + 1)
    with pytest.raises(
        errors.UpdateError, match=r"reduce it \(e\.g\. T\.sum\(expr, axis=0\)\) or index it and cast it \(T\.cast\(expr, 'int64'\)\)"
    ):
        m.make()


def test_function_input_update_with_more_dimensions_says_to_reduce_not_to_cast():
    n = T.dvector("n")
    c = T.dscalar("c")
    with pytest.raises(errors.InputSpecError, match=r"update of c has type .* expression has 1: reduce it") as excinfo:
        symmodule.function([n, ((c, c + n), 0.0)], [])
    assert "T.cast" not in str(excinfo.value)
