"""``symmodule.function``: Theano's function interface and its stateful input specs."""

import doctest

import numpy as np
import pytensor
import pytest
from pytensor.link.basic import Container

import symmodule
from symmodule import errors
from symmodule import function_interface
from symmodule import tensor as T
from symmodule.compile.io import In, Out
from symmodule.modes import resolve_mode
from symmodule.rewrites import backend_of


def test_basic_example_function_interface():
    # Theano's Module documentation, "Basic example", the function-interface version, as written.
    n, c = T.scalars('nc')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    dec = symmodule.function([n, ((c, c - n), inc.container[c])], []) # we need to pass inc's container in order to share
    plus10 = symmodule.function([(c, inc.container[c])], c + 10)
    assert inc[c] == 0
    inc(2)
    assert inc[c] == 2 and dec[c] == inc[c]
    dec(3)
    assert inc[c] == -1 and dec[c] == inc[c]
    assert plus10() == 9


def test_nesting_example_function_interface():
    # Theano's Module documentation, "Nesting example", the function-interface version, as written.
    def make_incdec_function():
        n, c = T.scalars('nc')
        inc = symmodule.function([n, ((c, c + n), 0)], [])
        dec = symmodule.function([n, ((c, c - n), inc.container[c])], [])#inc and dec share the same state.
        return inc,dec

    inc1, dec1 = make_incdec_function()
    inc2, dec2 = make_incdec_function()
    a, b = T.scalars('ab')
    sum = symmodule.function([(a, inc1.container['c']), (b, inc2.container['c'])], a + b)
    inc1(2)
    dec1(4)
    inc2(6)
    assert inc1['c'] == -2 and inc2['c'] == 6
    assert sum() == 4 # -2 + 6


def test_docstring_examples_run():
    result = doctest.testmod(function_interface)
    assert result.attempted > 0
    assert result.failed == 0


def test_returns_a_symmodule_compile_function():
    x = T.dscalar('x')
    fn = symmodule.function([x], x + 1)
    assert type(fn) is symmodule.compile.Function
    assert fn.maker.fgraph is not None


def test_passing_a_container_shares_its_storage():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    dec = symmodule.function([n, ((c, c - n), inc.container[c])], [])
    assert dec.container[c].storage is inc.container[c].storage


def test_update_of_one_function_is_seen_by_the_other():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    plus10 = symmodule.function([(c, inc.container[c])], c + 10)
    inc(5)
    assert plus10() == 15


def test_read_by_name_is_read_by_variable():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 3)], [])
    assert inc['c'] == 3
    assert inc['c'] is inc[c]


def test_write_is_seen_by_the_sharing_function():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    plus10 = symmodule.function([(c, inc.container[c])], c + 10)
    inc[c] = 7
    assert plus10[c] == 7
    assert plus10() == 17


def test_write_converts_to_the_variable_type():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    inc['c'] = 4
    assert isinstance(inc[c], np.ndarray) and inc[c].dtype == np.float64 and inc[c].ndim == 0


def test_plain_value_is_converted_to_the_variable_type():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    assert isinstance(inc[c], np.ndarray)
    assert inc[c].dtype == np.float64 and inc[c].shape == ()


def test_plain_value_is_private_to_each_function():
    n, c = T.dscalars('n', 'c')
    first = symmodule.function([n, ((c, c + n), 0)], [])
    second = symmodule.function([n, ((c, c + n), 0)], [])
    first(5)
    assert first[c] == 5 and second[c] == 0


def test_array_value_of_matching_dtype_is_stored_without_copy():
    v = T.dvector('v')
    start = np.array([1.0, 2.0])
    fn = symmodule.function([(v, start)], v.sum())
    assert fn[v] is start
    assert fn() == 3


def test_tuple_spec_input_is_implicit():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    assert [i.implicit for i in inc.maker.inputs] == [False, True]
    with pytest.raises(errors.MethodArgumentError, match="takes 1 argument"):
        inc(2, 3)


def test_refused_call_leaves_the_stored_value_unchanged():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    with pytest.raises(TypeError):
        inc(2, 5)
    assert inc[c] == 0


def test_empty_output_list_returns_empty_list():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    assert inc(2) == []


def test_no_outputs_returns_none():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)])
    assert inc(2) is None
    assert inc[c] == 2


def test_named_tuple_spec_gives_the_input_that_name():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ('count', (c, c + n), 1)], [])
    inc(2)
    assert inc['count'] == 3


def test_variable_with_none_value_is_an_ordinary_input():
    x = T.dscalar('x')
    fn = symmodule.function([(x, None)], x * 2)
    assert fn(4) == 8


def test_shared_variable_as_value_shares_its_storage():
    n = T.dscalar('n')
    c = T.dscalar('c')
    s = symmodule.shared(np.float64(1.0), name='s')
    inc = symmodule.function([n, ((c, c + n), s)], [])
    inc(2)
    assert s.get_value() == 3


def test_in_with_plain_default_value_is_an_optional_argument():
    x = T.dscalar('x')
    fn = symmodule.function([In(x, value=1.0)], x * 2)
    assert fn() == 2
    assert fn(5) == 10
    assert fn.input_storage[0].required is False


def test_in_plain_default_value_is_restored_after_an_override():
    x = T.dscalar('x')
    fn = symmodule.function([In(x, value=1.0)], x * 2)
    fn(5)
    assert fn() == 2


def test_in_with_plain_value_gets_own_storage_in_each_function():
    n, c = T.dscalars('n', 'c')
    spec = In(c, value=0.0, update=c + n, implicit=True)
    first = symmodule.function([n, spec], [])
    second = symmodule.function([n, spec], [])
    first(5)
    assert first[c] == 5 and second[c] == 0


def test_givens_substitutes_a_variable():
    x, y = T.dscalars('x', 'y')
    fn = symmodule.function([x], x + y, givens={y: x * 10})
    assert fn(2) == 22


def test_givens_may_replace_a_variable_by_stored_state():
    n, c, k = T.dscalars('n', 'c', 'k')
    inc = symmodule.function([n, ((c, c + n), 1)], [])
    fn = symmodule.function([n, (c, inc.container[c])], n * k, givens={k: c})
    inc(2)
    assert fn(2) == 6


def test_updates_of_a_shared_variable():
    n = T.dscalar('n')
    total = symmodule.shared(np.float64(0.0), name='total')
    add = symmodule.function([n], [], updates={total: total + n})
    add(3)
    add(4)
    assert total.get_value() == 7


def test_mode_fast_compile_is_used_whatever_the_default():
    x = T.dscalar('x')
    with pytensor.config.change_flags(mode='FAST_RUN'):
        fn = symmodule.function([x], x + 1, mode='FAST_COMPILE')
    assert fn.maker.mode is resolve_mode('FAST_COMPILE')
    assert backend_of(fn.maker.mode) == 'python'
    assert fn(1) == 2


def test_out_with_borrow_is_accepted():
    x = T.dvector('x')
    fn = symmodule.function([x], Out(x * 2, borrow=True))
    np.testing.assert_array_equal(fn(np.array([1.0, 2.0])), [2.0, 4.0])


def test_allow_input_downcast_applies_to_tuple_spec_values():
    n = T.iscalar('n')
    i = T.iscalar('i')
    fn = symmodule.function([n, ((i, i + n), 2.0)], [], allow_input_downcast=True)
    assert fn[i] == 2 and fn[i].dtype == np.int32


def test_profile_true_collects_timings():
    x = T.dscalar('x')
    fn = symmodule.function([x], x + 1, profile=True, name='plus1')
    fn(1)
    assert fn.profile is not None and fn.profile.fct_callcount == 1


def test_container_of_the_function_is_a_container():
    n, c = T.dscalars('n', 'c')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    assert isinstance(inc.container[c], Container)
    assert inc.container['c'] is inc.container[c]


# -- errors ---------------------------------------------------------------------


def test_malformed_update_pair_is_refused():
    c = T.dscalar('c')
    with pytest.raises(errors.InputSpecError, match=r"input 0.*\(variable, update_expression\) pair"):
        symmodule.function([((c,), 0)], c + 1)


def test_spec_that_is_not_an_input_is_refused():
    with pytest.raises(errors.InputSpecError, match="not a Variable, an In or a tuple"):
        symmodule.function([3], [])


def test_spec_with_too_many_elements_is_refused():
    c = T.dscalar('c')
    with pytest.raises(errors.InputSpecError, match="3 elements"):
        symmodule.function([(c, 0, 1)], c + 1)


def test_updated_spec_without_value_is_refused():
    n, c = T.dscalars('n', 'c')
    with pytest.raises(errors.InputSpecError, match="needs a value to start from"):
        symmodule.function([n, ((c, c + n), None)], [])


def test_inputs_not_in_a_list_are_refused():
    x = T.dscalar('x')
    with pytest.raises(errors.InputSpecError, match="must be a list"):
        symmodule.function(x, x + 1)


def test_update_of_another_type_is_refused():
    n = T.dvector('n')
    c = T.dscalar('c')
    with pytest.raises(errors.InputSpecError, match=r"update of c has type a float64 array with 1 dimension"):
        symmodule.function([n, ((c, c + n), 0)], [])


def test_update_of_another_dtype_is_refused():
    n = T.dscalar('n')
    c = T.iscalar('c')
    with pytest.raises(errors.InputSpecError, match=r"T\.cast\(expr, 'int32'\)"):
        symmodule.function([n, ((c, c + n), 0)], [])


def test_value_that_cannot_convert_is_refused():
    c = T.dscalar('c')
    with pytest.raises(errors.InputSpecError, match=r"symmodule.function 'f', input 'c': the value 'abc'"):
        symmodule.function([(c, 'abc')], c + 1, name='f')


def test_value_of_wrong_dimension_is_refused():
    c = T.dscalar('c')
    with pytest.raises(errors.InputSpecError, match="Wrong number of dimensions"):
        symmodule.function([(c, np.zeros(3))], c + 1)


def test_symbolic_value_is_refused():
    n, c = T.dscalars('n', 'c')
    with pytest.raises(errors.InputSpecError, match="givens="):
        symmodule.function([n, (c, n + 1)], c + 1)


def test_container_of_another_type_is_refused():
    n, c = T.dscalars('n', 'c')
    v = T.dvector('v')
    inc = symmodule.function([n, ((c, c + n), 0)], [])
    with pytest.raises(errors.InputSpecError, match="can share storage only when their types match"):
        symmodule.function([(v, inc.container[c])], v.sum())


def test_updates_keyed_by_an_input_are_refused():
    n, c = T.dscalars('n', 'c')
    with pytest.raises(errors.InputSpecError, match=r"\(\(variable, update_expression\), value\)"):
        symmodule.function([n, (c, 0)], [], updates={c: c + n})


def test_input_spec_error_is_a_type_error():
    assert issubclass(errors.InputSpecError, TypeError)
    assert issubclass(errors.InputSpecError, errors.SymmoduleError)
