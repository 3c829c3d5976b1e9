"""symmodule.compile.Function: Theano's storage access (fn.container[var], fn[var])
and the translation of call errors into messages naming the method, the argument
and the member."""

import threading

import numpy as np
import pytest
from modules import incdec_plus10_module as incdec_module
from pytensor.link.basic import Container

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.compiled import COMPILING, compile_maker


def vectors_module():
    m = M.Module()
    x, y = T.dvector("x"), T.dvector("y")
    m.c = T.dscalar()
    m.add = M.Method([x, y], x + y, c=m.c + 1)
    return m


# -- storage access -------------------------------------------------------------------------


def test_container_by_variable_is_the_members_storage():
    m = incdec_module()
    inst = m.make(c=2)
    container = inst.inc.container[m.c]
    assert isinstance(container, Container)
    np.testing.assert_allclose(container.value, 2.0)


def test_container_of_a_member_is_shared_by_every_method():
    m = incdec_module()
    inst = m.make(c=0)
    inst.inc.container[m.c].value = 4
    np.testing.assert_allclose(inst.dec.container[m.c].value, 4.0)


def test_container_by_name_is_the_container_by_variable():
    m = incdec_module()
    inst = m.make(c=0)
    assert inst.inc.container["c"] is inst.inc.container[m.c]


def test_item_by_name_reads_the_member_value():
    inst = incdec_module().make(c=3)
    np.testing.assert_allclose(inst.plus10["c"], 3.0)


def test_item_by_variable_reads_the_member_value():
    m = incdec_module()
    inst = m.make(c=3)
    np.testing.assert_allclose(inst.plus10[m.c], 3.0)


def test_item_write_by_variable_sets_the_member():
    m = incdec_module()
    inst = m.make(c=0)
    inst.inc[m.c] = 5
    np.testing.assert_allclose(inst.c, 5.0)
    np.testing.assert_allclose(inst.plus10(), 15.0)


def test_item_of_an_unknown_input_names_the_inputs():
    inst = incdec_module().make(c=0)
    with pytest.raises(KeyError, match=r"Method 'inc' has no input 'nope'; its inputs are \['n', 'c'\]"):
        inst.inc["nope"]


# -- error translation ----------------------------------------------------------------------------


def test_too_many_arguments_raises_type_error_naming_the_method():
    inst = incdec_module().make(c=0)
    with pytest.raises(TypeError, match=r"Method 'inc' takes 1 argument\(s\) \(n\) but 3 were given"):
        inst.inc(1, 2, 3)


def test_too_many_arguments_leave_the_member_unchanged():
    # Passing more arguments than the declared inputs (trying to supply an
    # implicit Member) raises TypeError, and a refused call must not write the
    # extra argument into the member's storage: a call checks its arguments,
    # runs the compiled code, then applies every update or none.
    inst = incdec_module().make(c=0)
    with pytest.raises(TypeError):
        inst.inc(1, 5)
    np.testing.assert_allclose(inst.c, 0.0)


def test_argument_to_a_method_without_inputs_leaves_the_member_unchanged():
    # The Theano habit of passing state, plus10(5), is refused (TypeError); the
    # refused value must not end up in the member read by plus10.
    inst = incdec_module().make(c=0)
    with pytest.raises(TypeError, match=r"Method 'plus10' takes 0 argument"):
        inst.plus10(5)
    np.testing.assert_allclose(inst.c, 0.0)


def test_implicit_member_passed_by_keyword_raises_type_error_naming_it():
    inst = incdec_module().make(c=0)
    with pytest.raises(errors.MethodArgumentError, match="Method 'inc': 'c' is a Member, an implicit input"):
        inst.inc(n=1, c=2)


def test_implicit_member_passed_by_keyword_leaves_the_member_unchanged():
    # Same rule as above for the keyword form: the refused value must not be stored.
    inst = incdec_module().make(c=0)
    with pytest.raises(TypeError):
        inst.inc(n=1, c=2)
    np.testing.assert_allclose(inst.c, 0.0)


def test_wrong_ndim_argument_names_method_argument_and_position():
    inst = vectors_module().make(c=0)
    with pytest.raises(
        errors.MethodArgumentError,
        match=r"Method 'add': argument 'y' \(position 1\) expects a float64 array with 1 dimension\(s\)",
    ):
        inst.add([1.0, 2.0], np.zeros((2, 2)))


def test_wrong_dtype_argument_names_method_argument_and_position():
    m = M.Module()
    i = T.lvector("i")
    m.f = M.Method(i, i * 2)
    inst = m.make()
    with pytest.raises(errors.MethodArgumentError, match=r"Method 'f': argument 'i' \(position 0\) expects a int64"):
        inst.f(np.array([1.5, 2.5]))


def test_non_numeric_argument_names_method_and_argument():
    inst = incdec_module().make(c=0)
    with pytest.raises(TypeError, match=r"Method 'inc': argument 'n' \(position 0\)"):
        inst.inc("abc")


def test_bad_argument_leaves_the_member_unchanged():
    inst = incdec_module().make(c=1)
    with pytest.raises(TypeError):
        inst.inc("abc")
    np.testing.assert_allclose(inst.c, 1.0)


def test_missing_argument_names_it():
    inst = incdec_module().make(c=0)
    with pytest.raises(errors.MethodArgumentError, match=r"Method 'inc': missing argument 'n'"):
        inst.inc()


def test_unknown_keyword_argument_names_the_method():
    inst = incdec_module().make(c=0)
    with pytest.raises(errors.MethodArgumentError, match="Method 'inc' got an unexpected keyword argument 'm'"):
        inst.inc(1, m=1)


def test_unset_member_error_names_the_member():
    inst = incdec_module().make()
    with pytest.raises(errors.UnsetMemberError, match="Method 'inc' reads member 'c', which has no value"):
        inst.inc(1)


def test_unset_member_error_is_not_an_engine_error():
    inst = incdec_module().make()
    with pytest.raises(errors.UnsetMemberError) as excinfo:
        inst.plus10()
    assert "Traceback" not in str(excinfo.value)
    assert "NoneType" not in str(excinfo.value)


def test_unset_inner_member_error_names_its_path():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.get = M.Method([], m.incdec1.c * 2)
    inst = m.make()
    with pytest.raises(errors.UnsetMemberError, match="reads member 'incdec1.c'"):
        inst.get()


def test_error_inside_the_compiled_code_is_a_method_execution_error():
    inst = vectors_module().make(c=0)
    with pytest.raises(errors.MethodExecutionError, match="Method 'add' failed inside the compiled code"):
        inst.add([1.0, 2.0], [1.0, 2.0, 3.0])


def test_error_inside_the_compiled_code_chains_the_engine_exception():
    inst = vectors_module().make(c=0)
    with pytest.raises(errors.MethodExecutionError) as excinfo:
        inst.add([1.0, 2.0], [1.0, 2.0, 3.0])
    cause = excinfo.value.__cause__
    assert isinstance(cause, ValueError)
    assert not isinstance(cause, errors.SymmoduleError)


def test_error_inside_the_compiled_code_applies_no_update():
    inst = vectors_module().make(c=0)
    with pytest.raises(errors.MethodExecutionError):
        inst.add([1.0, 2.0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(inst.c, 0.0)


def test_successful_call_after_a_failed_one_works():
    inst = vectors_module().make(c=0)
    with pytest.raises(errors.MethodExecutionError):
        inst.add([1.0], [1.0, 2.0])
    out = inst.add([1.0, 2.0], [3.0, 4.0])
    np.testing.assert_allclose(out, [4.0, 6.0])
    np.testing.assert_allclose(inst.c, 1.0)


def test_unchecked_call_runs_the_same_compiled_code():
    m = M.Module()
    m.c = T.dscalar()
    m.inc = M.Method(T.dscalar('n'), [], c=m.c + 1)
    inst = m.make(c=0)
    step = inst.inc.unchecked
    step(1)
    step(1)
    assert float(inst.c) == 2.0


def test_compile_maker_compiles_a_mutable_input_as_immutable_and_leaves_the_in_as_given():
    x = T.dvector("x")
    spec = symmodule.In(x, mutable=True)
    maker = compile_maker([spec], T.exp(x) * 2, mode="NUMBA")
    assert not maker.inputs[0].mutable
    assert spec.mutable


# -- compiling under the compile lock -------------------------------------------------------


def test_every_compilation_waits_for_the_compile_lock():
    # PyTensor changes process-wide configuration while it compiles: symmodule.function,
    # like make(), compiles only while no other compilation runs.
    x = T.dscalar("x")
    done = threading.Event()
    with COMPILING:
        thread = threading.Thread(target=lambda: (symmodule.function([x], x + 1), done.set()))
        thread.start()
        assert not done.wait(0.5)
    thread.join(30)
    assert done.is_set()


def test_maker_env_is_the_graph_theano_called_env():
    x = T.dvector("x")
    f = symmodule.function([x], T.exp(x) * 2, mode="FAST_COMPILE")
    assert f.maker.env is f.maker.fgraph
    assert [node.op for node in f.maker.env.toposort()] == [node.op for node in f.maker.fgraph.toposort()]


def test_maker_env_survives_a_pickle_of_the_function():
    import pickle

    x = T.dvector("x")
    copied = pickle.loads(pickle.dumps(symmodule.function([x], x + 1, mode="FAST_COMPILE")))
    assert copied.maker.env is copied.maker.fgraph
