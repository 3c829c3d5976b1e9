"""Method: inputs, outputs, updates (by Variable, name, path, keyword), extending
``method.updates`` after construction, per-Method mode, and the errors make()
raises for bad declarations."""

import numpy as np
import pytest
from modules import incdec_module
from pytensor.compile.mode import Mode

from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import In
from symmodule.compile import module as M


def counter():
    m = M.Module()
    m.c = T.dscalar()
    return m


# -- inputs ----------------------------------------------------------------------------------


def test_single_variable_input():
    m = M.Module()
    x = T.dscalar("x")
    m.f = M.Method(x, x * 2)
    np.testing.assert_allclose(m.make().f(3), 6.0)


def test_list_of_variable_inputs_in_order():
    m = M.Module()
    x, y = T.dscalar("x"), T.dscalar("y")
    m.f = M.Method([x, y], x - y)
    np.testing.assert_allclose(m.make().f(5, 2), 3.0)


def test_tuple_of_variable_inputs():
    m = M.Module()
    x, y = T.dscalar("x"), T.dscalar("y")
    m.f = M.Method((x, y), x * y)
    np.testing.assert_allclose(m.make().f(5, 2), 10.0)


def test_empty_input_list():
    m = counter()
    m.get = M.Method([], m.c + 0)
    np.testing.assert_allclose(m.make(c=4).get(), 4.0)


def test_in_object_input_can_be_passed_by_name():
    m = M.Module()
    x = T.dvector("x")
    m.f = M.Method([In(x, name="values")], x.sum())
    np.testing.assert_allclose(m.make().f(values=[1.0, 2.0, 3.5]), 6.5)


def test_input_that_is_not_a_variable_is_refused_by_make():
    # Errors name the path and the method: the message must read
    # "Method 'f': ...", like every other declaration error.
    m = M.Module()
    m.f = M.Method([3], T.constant(1.0))
    with pytest.raises(errors.DeclarationError, match="Method 'f'.*input 3 is not a symbolic Variable"):
        m.make()


def test_output_that_is_not_an_expression_is_refused_by_make():
    # Same message shape as every declaration error: "Method 'f': ...".
    m = M.Module()
    m.f = M.Method([], object())
    with pytest.raises(errors.DeclarationError, match="Method 'f': output .* is not a symbolic expression"):
        m.make()


def test_graph_reading_an_undeclared_variable_is_refused_by_make():
    m = M.Module()
    x, stray = T.dscalar("x"), T.dscalar("stray")
    m.f = M.Method(x, x + stray)
    with pytest.raises(errors.DeclarationError, match="Method 'f'.*reads stray"):
        m.make()


# -- outputs -----------------------------------------------------------------------------------


def test_outputs_none_returns_none():
    m = counter()
    m.f = M.Method([], None, c=m.c + 1)
    assert m.make(c=0).f() is None


def test_outputs_empty_list_returns_none():
    m = counter()
    m.f = M.Method([], [], c=m.c + 1)
    assert m.make(c=0).f() is None


def test_outputs_omitted_returns_none():
    m = M.Module()
    m.f = M.Method([])
    assert m.make().f() is None


def test_one_output_returns_its_value():
    m = M.Module()
    x = T.dvector("x")
    m.f = M.Method(x, x**2)
    data = np.array([1.0, -2.0, 3.0])
    out = m.make().f(data)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, data**2)


def test_list_of_outputs_returns_a_list():
    m = M.Module()
    x = T.dvector("x")
    m.f = M.Method(x, [x.sum(), x * 3])
    data = np.array([1.0, 2.0])
    out = m.make().f(data)
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_allclose(out[0], data.sum())
    np.testing.assert_allclose(out[1], data * 3)


def test_one_element_list_of_outputs_returns_a_list():
    m = M.Module()
    x = T.dscalar("x")
    m.f = M.Method(x, [x + 1])
    out = m.make().f(1)
    assert isinstance(out, list) and len(out) == 1
    np.testing.assert_allclose(out[0], 2.0)


def test_outputs_are_computed_from_the_state_before_the_update():
    m = counter()
    n = T.dscalar("n")
    m.f = M.Method(n, m.c, c=m.c + n)
    inst = m.make(c=1)
    np.testing.assert_allclose(inst.f(5), 1.0)
    np.testing.assert_allclose(inst.c, 6.0)


def test_updates_are_simultaneous():
    m = M.Module()
    m.a, m.b = T.dscalar(), T.dscalar()
    m.swap = M.Method([], [], updates={m.a: m.b, m.b: m.a})
    inst = m.make(a=1, b=2)
    inst.swap()
    np.testing.assert_allclose([inst.a, inst.b], [2.0, 1.0])


# -- updates --------------------------------------------------------------------------------------


def test_update_keyed_by_variable():
    m = counter()
    n = T.dscalar("n")
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    inst = m.make(c=1)
    inst.inc(2)
    np.testing.assert_allclose(inst.c, 3.0)


def test_update_keyed_by_member_name():
    m = counter()
    n = T.dscalar("n")
    m.inc = M.Method(n, [], updates={"c": m.c + n})
    inst = m.make(c=1)
    inst.inc(2)
    np.testing.assert_allclose(inst.c, 3.0)


def test_update_keyed_by_keyword_argument():
    m = counter()
    n = T.dscalar("n")
    m.inc = M.Method(n, [], c=m.c + n)
    inst = m.make(c=1)
    inst.inc(2)
    np.testing.assert_allclose(inst.c, 3.0)


def test_update_keyed_by_a_dotted_path_into_an_inner_module():
    m = M.Module()
    m.incdec1 = incdec_module()
    n = T.dscalar("n")
    m.double = M.Method(n, [], updates={"incdec1.c": m.incdec1.c * n})
    inst = m.make(incdec1=dict(c=3))
    inst.double(2)
    np.testing.assert_allclose(inst.incdec1.c, 6.0)


def test_update_of_an_inner_member_keyed_by_its_variable():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.reset = M.Method([], [], updates={m.incdec1.c: 0.0})
    inst = m.make(incdec1=dict(c=3))
    inst.reset()
    np.testing.assert_allclose(inst.incdec1.c, 0.0)


def test_update_with_a_python_number_sets_the_member():
    m = counter()
    m.reset = M.Method([], [], c=0)
    inst = m.make(c=9)
    inst.reset()
    np.testing.assert_allclose(inst.c, 0.0)


def test_updates_dict_and_keywords_are_merged():
    m = M.Module()
    m.a, m.b = T.dscalar(), T.dscalar()
    m.f = M.Method([], [], updates={m.a: m.a + 1}, b=m.b + 10)
    inst = m.make(a=0, b=0)
    inst.f()
    np.testing.assert_allclose([inst.a, inst.b], [1.0, 10.0])


def test_method_updates_is_a_plain_dict():
    m = counter()
    m.inc = M.Method([], [], c=m.c + 1)
    assert type(m.inc.updates) is dict


def test_updates_extended_after_construction_by_name_are_applied():
    # Theano's Module documentation, "Extending Methods":
    # model_module.update.updates.update(sum = model_module.sum + model_module.cost)
    m = M.Module()
    x = T.dvector("x")
    m.w = T.dvector()
    m.cost = T.sum((x - m.w) ** 2)
    m.update = M.Method(x, m.cost, updates={m.w: m.w + 0.5 * (x - m.w)})
    m.sum = T.dscalar()
    m.update.updates.update(sum=m.sum + m.cost)
    inst = m.make(w=[0.0, 0.0], sum=0)
    test = inst.update([1.0, 2.0]) + inst.update([1.0, 2.0])
    np.testing.assert_allclose(inst.sum, test)
    np.testing.assert_allclose(test, (1 + 4) + (0.25 + 1))


def test_updates_extended_after_construction_by_variable_are_applied():
    m = counter()
    m.d = T.dscalar()
    m.inc = M.Method([], [], c=m.c + 1)
    m.inc.updates[m.d] = m.d + 2
    inst = m.make(c=0, d=0)
    inst.inc()
    np.testing.assert_allclose([inst.c, inst.d], [1.0, 2.0])


def test_update_keyed_twice_is_refused_by_make():
    m = counter()
    m.inc = M.Method([], [], updates={m.c: m.c + 1, "c": m.c + 2})
    with pytest.raises(errors.UpdateError, match="Method 'inc'.*'c' is updated twice"):
        m.make()


def test_update_with_a_type_not_matching_the_member_is_refused_by_make():
    m = counter()
    v = T.dvector("v")
    m.f = M.Method(v, [], c=v * 2)
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update of member 'c' has type"):
        m.make()


# -- update errors (raised by make(), naming the method and the key) ---------------------------------


def test_update_of_an_external_is_refused_by_make():
    m = counter()
    m.e = m.c * 2
    m.f = M.Method([], [], updates={m.e: m.c})
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update key.*External"):
        m.make()


def test_update_of_an_external_by_name_is_refused_by_make():
    # An update whose key is not a Member of the tree (an External, ...) is an
    # error raised by make() that names the method and the key. The key the
    # user wrote is 'e'.
    m = counter()
    m.e = m.c * 2
    m.f = M.Method([], [], e=m.c)
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update key 'e'.*External"):
        m.make()


def test_update_of_a_constant_member_is_refused_by_make():
    m = counter()
    m.k = 3.0
    m.f = M.Method([], [], k=m.c)
    with pytest.raises(errors.UpdateError, match="Method 'f'.*'k'.*read-only constant"):
        m.make()


def test_update_of_a_graph_constant_is_refused_by_make():
    m = counter()
    k = T.constant(1.0, name="one")
    m.f = M.Method([], [], updates={k: m.c})
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update key one.*constant"):
        m.make()


def test_update_of_an_unknown_name_is_refused_by_make():
    m = counter()
    m.f = M.Method([], [], nope=m.c + 1)
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update key 'nope'.*no member at that path"):
        m.make()


def test_update_of_another_modules_variable_is_refused_by_make():
    m = counter()
    other = M.Module()
    other.c = T.dscalar("other_c")
    m.f = M.Method([], [], updates={other.c: m.c + 1})
    with pytest.raises(errors.UpdateError, match="Method 'f'.*update key other_c.*not an attribute anywhere"):
        m.make()


def test_update_errors_are_not_raised_at_declaration():
    m = counter()
    M.Method([], [], nope=m.c + 1)  # the key may become valid before make()
    m.f = M.Method([], [], nope=m.c + 1)
    m.nope = T.dscalar()
    inst = m.make(c=2, nope=0)
    inst.f()
    np.testing.assert_allclose(inst.nope, 3.0)


def test_variable_both_in_inputs_and_updates_is_a_value_error_from_make():
    m = counter()
    m.f = M.Method(m.c, [], updates={m.c: m.c + 1})  # no error yet: updates may still change
    with pytest.raises(ValueError, match="Method 'f': 'c' is both an explicit input and updated"):
        m.make()


# -- explicit members -----------------------------------------------------------------------------------


def test_member_listed_in_inputs_is_an_ordinary_argument():
    m = counter()
    m.twice = M.Method(m.c, m.c * 2)
    inst = m.make(c=5)
    np.testing.assert_allclose(inst.twice(3), 6.0)


def test_member_listed_in_inputs_leaves_the_instance_storage_alone():
    m = counter()
    m.twice = M.Method(m.c, m.c * 2)
    inst = m.make(c=5)
    inst.twice(3)
    np.testing.assert_allclose(inst.c, 5.0)


def test_member_listed_in_inputs_does_not_need_a_stored_value():
    m = counter()
    m.twice = M.Method(m.c, m.c * 2)
    inst = m.make()
    np.testing.assert_allclose(inst.twice(3), 6.0)
    assert inst.c is None


def test_member_listed_in_inputs_feeds_the_update_of_another_member():
    m = counter()
    m.d = T.dscalar()
    m.copy = M.Method(m.c, [], d=m.c + 1)
    inst = m.make(c=5, d=0)
    inst.copy(10)
    np.testing.assert_allclose([inst.c, inst.d], [5.0, 11.0])


# -- mode ----------------------------------------------------------------------------------------------


def test_method_mode_overrides_the_mode_of_make():
    mode = Mode(linker="py", optimizer=None)
    m = counter()
    m.inc = M.Method([], [], c=m.c + 1, mode=mode)
    m.get = M.Method([], m.c * 1)
    inst = m.make(c=0, mode="FAST_COMPILE")
    assert inst.inc.maker.mode is mode
    assert inst.get.maker.mode is not mode


def test_method_with_its_own_mode_runs():
    m = counter()
    m.inc = M.Method([], [], c=m.c + 1, mode=Mode(linker="py", optimizer=None))
    inst = m.make(c=0)
    inst.inc()
    np.testing.assert_allclose(inst.c, 1.0)


def test_method_mode_by_name_is_resolved():
    m = counter()
    m.inc = M.Method([], [], c=m.c + 1, mode="FAST_COMPILE")
    inst = m.make(c=0)
    inst.inc()
    np.testing.assert_allclose(inst.c, 1.0)


def test_unknown_method_mode_name_lists_the_available_modes():
    m = counter()
    m.inc = M.Method([], [], c=m.c + 1, mode="SLOWEST")
    with pytest.raises(errors.ModeError, match="Unknown mode 'SLOWEST'. Available modes: .*FAST_COMPILE"):
        m.make()


# -- calls before make(), supplying members ------------------------------------------------------------------


def test_calling_a_method_before_make_raises_type_error():
    m = incdec_module()
    with pytest.raises(TypeError, match=r"cannot be called before make\(\)"):
        m.inc(2)


def test_supplying_an_implicit_member_as_an_extra_argument_raises_type_error():
    m = incdec_module()
    inst = m.make(c=0)
    with pytest.raises(TypeError, match="Method 'inc' takes 1 argument.*but 2 were given.*implicit"):
        inst.inc(2, 5)


def test_supplying_an_implicit_member_as_a_keyword_raises_type_error():
    m = incdec_module()
    inst = m.make(c=0)
    with pytest.raises(TypeError, match="Method 'inc': 'c' is a Member, an implicit input"):
        inst.inc(2, c=5)


def test_pretty_of_a_method_lists_inputs_outputs_and_updates():
    m = counter()
    n = T.dscalar("n")
    m.inc = M.Method(n, m.c, c=m.c + n)
    text = m.inc.pretty()
    assert "inputs:  n" in text
    assert "updates:" in text and "c <- " in text


def test_update_keyed_by_name_in_an_inner_method_is_relative_to_its_module():
    m = M.Module()
    m.inner = counter()
    m.inner.reset = M.Method([], [], c=0)
    inst = m.make(inner=dict(c=5))
    inst.inner.reset()
    np.testing.assert_allclose(inst.inner.c, 0.0)


def test_update_keyed_by_a_path_through_a_list():
    m = M.Module()
    layer = M.Module()
    layer.w = T.dvector()
    m.layers = [layer]
    m.grow = M.Method([], [], updates={"layers.0.w": layer.w * 2})
    inst = m.make(layers=[dict(w=[1.0, 3.0])])
    inst.grow()
    np.testing.assert_allclose(inst.layers[0].w, [2.0, 6.0])


def test_updates_extended_after_a_make_only_change_later_instances():
    m = counter()
    m.d = T.dscalar()
    m.inc = M.Method([], [], c=m.c + 1)
    before = m.make(c=0, d=0)
    m.inc.updates["d"] = m.d + 1
    after = m.make(c=0, d=0)
    before.inc()
    after.inc()
    np.testing.assert_allclose([before.d, after.d], [0.0, 1.0])


def test_a_shared_variable_member_is_read_and_updated_through_the_instance():
    import pytensor

    m = M.Module()
    m.w = pytensor.shared(np.arange(3.0), name="w")
    m.double = M.Method([], [], w=m.w * 2)
    m.total = M.Method([], m.w.sum())
    first, second = m.make(), m.make()
    first.double()
    np.testing.assert_array_equal(first.w, [0.0, 2.0, 4.0])
    assert float(first.total()) == 6.0
    np.testing.assert_array_equal(second.w, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(m.w.get_value(), [0.0, 1.0, 2.0])
