"""``symmodule.compile.io``: ``In`` with plain default values, and PyTensor's ``Out``."""

import doctest

import numpy as np
import pytensor
import pytensor.compile.io as pytensor_io
import pytest
from pytensor.link.basic import Container

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import io
from symmodule.compile.io import In, Out, private_storage
from symmodule.compiled import compile_maker


def test_docstring_examples_run():
    result = doctest.testmod(io)
    assert result.attempted > 0
    assert result.failed == 0


def test_in_is_a_pytensor_in():
    assert issubclass(In, pytensor_io.In)


def test_out_is_pytensors():
    assert Out is pytensor_io.Out


def test_symmodule_and_compile_namespaces_export_this_in():
    assert symmodule.In is In
    assert symmodule.compile.In is In
    assert symmodule.compile.io.In is In


def test_plain_value_becomes_a_container_holding_it():
    x = T.dscalar('x')
    spec = In(x, value=1.0)
    assert isinstance(spec.value, Container)
    assert spec.value.value == 1.0
    assert spec.owns_value is True


def test_plain_value_is_converted_to_the_variable_type():
    x = T.dscalar('x')
    held = In(x, value=0).value.value
    assert isinstance(held, np.ndarray) and held.dtype == np.float64 and held.ndim == 0


def test_array_of_matching_dtype_is_stored_without_copy():
    v = T.dvector('v')
    start = np.array([1.0, 2.0])
    assert In(v, value=start).value.value is start


def test_plain_value_makes_a_non_implicit_input():
    x = T.dscalar('x')
    assert In(x, value=1.0).implicit is False


def test_plain_value_may_be_made_implicit():
    x = T.dscalar('x')
    assert In(x, value=1.0, implicit=True).implicit is True


def test_container_value_makes_an_implicit_input():
    x = T.dscalar('x')
    storage = Container(x, [np.float64(2.0)])
    spec = In(x, value=storage)
    assert spec.implicit is True
    assert spec.value is storage
    assert spec.owns_value is False


def test_no_value_makes_an_ordinary_input():
    x = T.dscalar('x')
    spec = In(x)
    assert spec.value is None and spec.implicit is False and spec.owns_value is False


def test_container_name_follows_the_input_name():
    x = T.dscalar('x')
    assert In(x, value=1.0).value.name == 'x'
    assert In(x, name='rate', value=1.0).value.name == 'rate'


def test_pytensor_function_treats_plain_value_as_an_optional_argument():
    x = T.dscalar('x')
    fn = compile_maker([In(x, value=1.0)], x * 2).create()
    assert fn.input_storage[0].required is False
    assert fn() == 2
    assert fn(4) == 8


def test_plain_pytensor_function_accepts_this_in():
    x = T.dscalar('x')
    fn = pytensor.function([In(x, value=3.0)], x + 1)
    assert fn() == 4


def test_update_with_plain_value_keeps_state_between_calls():
    x, n = T.dscalars('x', 'n')
    fn = compile_maker([n, In(x, value=1.0, update=x + n)], x).create()
    assert fn(2) == 1
    assert fn(2) == 3


def test_strict_refuses_a_conversion():
    x = T.dscalar('x')
    with pytest.raises(errors.InputSpecError, match="cannot be stored for x"):
        In(x, value=1, strict=True)


def test_value_that_cannot_convert_is_refused():
    x = T.dscalar('x')
    with pytest.raises(errors.InputSpecError, match=r"input 'x': the value 'abc'.*could not convert"):
        In(x, value='abc')


def test_lossy_conversion_is_refused_without_allow_downcast():
    i = T.iscalar('i')
    with pytest.raises(errors.InputSpecError, match="cannot be stored for i"):
        In(i, value=2.5)


def test_lossy_conversion_is_allowed_with_allow_downcast():
    i = T.iscalar('i')
    assert In(i, value=2.5, allow_downcast=True).value.value == 2


def test_symbolic_value_is_refused():
    x, y = T.dscalars('x', 'y')
    with pytest.raises(errors.InputSpecError, match="symbolic expression"):
        In(x, value=y * 2)


def test_container_of_another_type_is_refused():
    x = T.dscalar('x')
    v = T.dvector('v')
    with pytest.raises(errors.InputSpecError, match="can share storage only when their types match"):
        In(x, value=Container(v, [np.zeros(2)]))


def test_update_of_another_type_is_refused():
    x = T.dscalar('x')
    v = T.dvector('v')
    with pytest.raises(errors.InputSpecError, match="the update of x has type"):
        In(x, value=0.0, update=x + v)


def test_update_that_is_not_symbolic_is_refused():
    x = T.dscalar('x')
    with pytest.raises(errors.InputSpecError, match="not a symbolic expression"):
        In(x, value=0.0, update=1.0)


def test_constant_variable_is_refused():
    with pytest.raises(errors.InputSpecError, match="A constant cannot be an input"):
        In(T.constant(1.0))


def test_non_variable_is_refused():
    with pytest.raises(errors.InputSpecError, match="takes a symbolic variable"):
        In('x')


def test_private_storage_converts_and_names():
    c = T.dscalar('c')
    storage = private_storage(c, 3)
    assert storage.value == 3 and storage.value.dtype == np.float64
    assert storage.name == 'c'
