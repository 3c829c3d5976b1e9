"""A call that fails inside the compiled code: the error keeps the engine's class, and says where and why.

In every mode the error is a ``MethodExecutionError`` *and* an instance of
the engine's exception class (so ``except ValueError`` written for NumPy's
shape errors keeps working); its message names the method, the arguments
given and the members read (dtypes and shapes), the operation that failed
with the shapes of its inputs, and how to fix the call. Numba and JAX do not
say which operation failed: symmodule runs the call again in Python to find
it, which changes nothing. The errors of a failing call are freed as soon as
the caller drops them, without waiting for the garbage collector.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from extras import need
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.raise_op import Assert

import symmodule
from symmodule import errors, failures
from symmodule import tensor as T
from symmodule.tensor import nnet as NN

MODES = ["FAST_COMPILE", "NUMBA", "CVM", "JAX", "NUMBA_BACKGROUND"]
#: The modes that run the graph as one compiled function, which does not say what failed.
JIT_MODES = ("NUMBA", "JAX")


@pytest.fixture(params=MODES)
def mode(request) -> str:
    """Each mode; 'NUMBA_BACKGROUND' with its compilation held back (calls run the stand-in)."""
    if request.param == "JAX":
        need("jax")
    if request.param == "NUMBA_BACKGROUND":
        request.getfixturevalue("held_background")
    return request.param


def step_module() -> symmodule.Module:
    """``step(x)`` returns ``W @ x`` and updates ``c``; ``get(i)`` indexes ``v``; ``positive(n)`` asserts."""
    m = symmodule.Module()
    x, i, n = T.dvector("x"), T.lscalar("i"), T.dscalar("n")
    m.W = T.dmatrix()
    m.c = T.dscalar("count")  # the variable's name is not the member's path
    m.v = T.dvector()
    m.step = symmodule.Method(x, T.dot(m.W, x), c=m.c + 1)
    m.get = symmodule.Method(i, m.v[i])
    m.positive = symmodule.Method(n, Assert("n must be positive")(n, T.gt(n, 0)))
    return m


def noisy_module() -> symmodule.Module:
    """``step(x)`` returns ``W @ x`` and updates ``noise`` with a random draw (a generator is state too)."""
    m = symmodule.Module()
    x = T.dvector("x")
    m.W = T.dmatrix()
    m.noise = T.dvector()
    m.random = T.randomstreams.RandomStreams(seed=1)
    m.step = symmodule.Method(x, T.dot(m.W, x), noise=m.noise + m.random.normal(size=(3,)))
    return m


def make(mode: str, module: symmodule.Module | None = None) -> symmodule.ModuleInstance:
    # 'NUMBA_BACKGROUND' compiles afresh, so that its background compilation is held back.
    cache = None if mode == "NUMBA_BACKGROUND" else symmodule.code_cache
    if module is not None:
        return module.make(mode=mode, cache=cache, W=np.zeros((2, 3)), noise=np.zeros(3))
    return step_module().make(mode=mode, cache=cache, W=np.zeros((2, 3)), c=0.0, v=np.arange(3.0))


def state(inst: symmodule.ModuleInstance) -> tuple:
    """The members' bytes, and the generator's state (read as a numpy Generator in every mode)."""
    generator = inst.random[next(iter(inst.random))]
    return np.asarray(inst.W).tobytes(), np.asarray(inst.noise).tobytes(), generator.bit_generator.state


def shape_error(mode: str) -> errors.MethodExecutionError:
    with pytest.raises(errors.MethodExecutionError) as excinfo:
        make(mode).step(np.ones(2))  # W has 3 columns
    return excinfo.value


# -- the class ----------------------------------------------------------------------------------------


def test_shape_error_is_an_instance_of_the_engines_exception_class(mode):
    error = shape_error(mode)
    assert isinstance(error, type(error.__cause__)) and not isinstance(error.__cause__, errors.SymmoduleError)


def test_shape_error_is_a_value_error_where_the_engine_raises_one(mode):
    if mode == "JAX":
        pytest.skip("JAX reports shape errors as TypeErrors (tested above)")
    with pytest.raises(ValueError, match=r"Method 'step' failed inside the compiled code: ValueError"):
        make(mode).step(np.ones(2))


def test_index_out_of_bounds_is_an_index_error(mode):
    with pytest.raises(IndexError, match=r"Method 'get' failed inside the compiled code: IndexError"):
        make(mode).get(7)


def test_failed_assertion_is_an_assertion_error(mode):
    if mode == "JAX":
        pytest.skip("PyTensor's JAX backend drops Assert Ops (it warns so)")
    with pytest.raises(AssertionError, match=r"'positive' failed .*: AssertionError: n must be positive"):
        make(mode).positive(-1.0)


class _Interrupting(Op):
    """An Op whose Python code is interrupted (as by Ctrl-C) while it runs."""

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        raise KeyboardInterrupt


def test_keyboard_interrupt_inside_the_compiled_code_is_not_wrapped():
    m = symmodule.Module()
    x = T.dvector("x")
    m.f = symmodule.Method(x, _Interrupting()(x))
    with pytest.raises(KeyboardInterrupt) as excinfo:
        m.make(mode="FAST_COMPILE").f(np.ones(2))
    assert not isinstance(excinfo.value, errors.SymmoduleError)


# -- the message --------------------------------------------------------------------------------------


def test_shape_error_names_the_arguments_dtypes_and_shapes(mode):
    expected = TypeError if mode == "JAX" else ValueError
    with pytest.raises(expected, match=r"\n  Arguments given: x \(float64 array of shape \(2,\)\)\."):
        make(mode).step(np.ones(2))


def test_shape_error_names_the_members_read_by_path_with_their_shapes(mode):
    message = str(shape_error(mode))
    assert "\n  Members read: W (float64 array of shape (2, 3)), c (float64 scalar 0.0).\n" in message


def test_shape_error_gives_the_operation_that_failed_and_its_input_shapes(mode):
    # The engine's own message may lack them: Numba says only "incompatible array sizes".
    with pytest.raises(
        errors.MethodExecutionError,
        match=r"The operation that failed: \w*Dot.*\(W, ExpandDims\{axis=1\}\(x\)\), on inputs of shapes \(2, 3\) and \(2, 1\)",
    ):
        make(mode).step(np.ones(2))


def test_operation_found_by_running_again_says_so_only_in_jit_modes(mode):
    replayed = errors.EXECUTION_NODE_REPLAYED in str(shape_error(mode))
    assert replayed == (mode in JIT_MODES)


def test_shape_error_says_how_to_fix_it_with_a_member_the_operation_reads(mode):
    with pytest.raises(
        errors.MethodExecutionError,
        match=r"Make the shapes agree: pass arguments of other shapes, or give the members other values "
        r"\(e\.g\. inst\.W = new_value\)\.",
    ):
        make(mode).step(np.ones(2))


def test_message_claims_no_traceback_above_it(mode):
    message = str(shape_error(mode))
    assert "above" not in message and "traceback" not in message.lower()


def test_index_error_shows_the_index_given(mode):
    with pytest.raises(
        IndexError, match=r"Arguments given: i \(int64 scalar 7\)\.\n  Members read: v \(float64 array of shape \(3,\)\)"
    ):
        make(mode).get(7)


def test_index_error_says_to_check_the_values(mode):
    with pytest.raises(IndexError, match=r"Check the values listed against what the operation needs \(indices within"):
        make(mode).get(7)


# -- nothing changes, nothing is kept ---------------------------------------------------------------


def test_failed_call_changes_no_member_nor_generator(mode):
    # In Numba and JAX the call runs again in Python, random draw and update included.
    inst = make(mode, noisy_module())
    before = state(inst)
    for _ in range(2):  # the second failure runs the compiled replay again
        with pytest.raises(errors.MethodExecutionError):
            inst.step(np.ones(2))
    assert state(inst) == before


def test_call_after_a_failed_one_gives_what_a_fresh_instance_gives(mode):
    inst, fresh = make(mode, noisy_module()), make(mode, noisy_module())
    with pytest.raises(errors.MethodExecutionError):
        inst.step(np.ones(2))
    np.testing.assert_array_equal(inst.step(np.ones(3)), fresh.step(np.ones(3)))
    np.testing.assert_array_equal(inst.noise, fresh.noise)


def test_failed_call_errors_are_freed_without_the_cyclic_collector(mode):
    # Freed by reference counting as soon as the caller drops them: failing calls in a
    # loop pile up no tracebacks, frames or arrays waiting for the garbage collector.
    if mode == "JAX":
        pytest.skip("JAX's own tracebacks hold cycles")
    inst = make(mode)
    dropped(inst)  # compiles the replay, fills caches
    gc.disable()
    try:
        assert [ref() for ref in dropped(inst)] == [None, None]
    finally:
        gc.enable()


def dropped(inst: symmodule.ModuleInstance) -> list[weakref.ref]:
    """Weak references to the error of a failed call and to the engine's error, once dropped."""
    try:  # a plain except: pytest.raises keeps the error, in cycles of its own
        inst.step(np.ones(2))
    except errors.MethodExecutionError as error:
        # NumPy's ValueError takes no weak reference: it carries an object that does.
        error.__cause__.probe = Probe()
        return [weakref.ref(error), weakref.ref(error.__cause__.probe)]
    raise AssertionError("the call did not fail")


class Probe:
    """An object freed exactly when the exception holding it is."""


# -- running again in Python ------------------------------------------------------------------------------


def test_replay_runs_graph_defined_operations_inlined(mode):
    # Softmax is an OpFromGraph whose inner graph Numba's rewrites make work in place,
    # which PyTensor's Python code cannot run as one Op: the replay runs its nodes.
    m = symmodule.Module()
    logits, bias = T.dmatrix("logits"), T.dvector("bias")
    m.f = symmodule.Method([logits, bias], NN.softmax(logits) + bias)
    cache = None if mode == "NUMBA_BACKGROUND" else symmodule.code_cache
    with pytest.raises(
        errors.MethodExecutionError,
        match=r"The operation that failed: \w+.*ExpandDims\{axis=0\}\(bias\).*, on inputs of shapes .*\(1, 2\)",
    ):
        m.make(mode=mode, cache=cache).f(np.ones((2, 3)), np.ones(2))


def test_replay_failing_otherwise_names_no_operation(monkeypatch):
    found = failures._replay

    def failing_with_another_error(maker, values):
        return found(maker, values)[0], KeyError  # as if the Python run raised something else

    monkeypatch.setattr(failures, "_replay", failing_with_another_error)
    with pytest.raises(ValueError) as excinfo:
        make("NUMBA").step(np.ones(2))
    assert "The operation that failed" not in str(excinfo.value)
