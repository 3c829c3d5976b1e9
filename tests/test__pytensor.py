"""The PyTensor internals symmodule relies on still behave as ``symmodule/_pytensor.py`` assumes.

One test per touch point, named after it: a PyTensor release that changes an
internal fails the test of that internal, whatever else still passes.
"""

from __future__ import annotations

import copyreg
import functools
import gc
import inspect
import io
import pickle
import subprocess
import sys
import threading
import warnings
import weakref

import numba
import numpy as np
import pytensor
import pytensor.scalar as ps
import pytensor.tensor as pt
import pytest
from extras import need
from pytensor.compile.builders import OpFromGraph
from pytensor.compile.debug.debugmode import DebugMode as PyTensorDebugMode
from pytensor.compile.debug.profiling import ProfileStats
from pytensor.compile.io import In
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.mode import Mode, get_mode, optdb
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.graph.traversal import applys_between, graph_inputs
from pytensor.graph.utils import MethodNotDefined
from pytensor.link.basic import Container
from pytensor.link.c.basic import CLinker
from pytensor.link.vm import VMLinker
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.random.type import RandomGeneratorType

import symmodule
from symmodule import _pytensor
from symmodule.compiled import Function

X = np.array([0.5, -1.0, 2.0])


# -- building a function ----------------------------------------------------------------


def test_construct_function_ins_and_outs_appends_shared_inputs_and_returns_no_outputs_for_none():
    x = pt.dscalar("x")
    s = pytensor.shared(np.float64(1.0), name="s")
    ins, outs = _pytensor.function_inputs_outputs([x], None, updates={s: s + x})
    assert outs == []  # why compile_maker sets return_none itself
    assert all(isinstance(spec, In) for spec in ins)
    # The given inputs first, in order, then the shared variables (compiler.py's bindings).
    assert [spec.variable for spec in ins] == [x, s]
    assert ins[1].update is not None and ins[0].update is None

    y = pt.dscalar("y")
    ins, out = _pytensor.function_inputs_outputs([x], y * s, givens={y: 2 * x})
    assert [spec.variable for spec in ins] == [x, s] and ins[1].update is None
    assert y not in graph_inputs([out])


def test_function_maker_return_none_makes_calls_return_none():
    x = pt.dscalar("x")
    s = pytensor.shared(np.float64(0.0), name="s")
    ins, outs = _pytensor.function_inputs_outputs([x], None, updates={s: s + x})
    maker = FunctionMaker(ins, outs, get_mode("FAST_COMPILE"))
    assert maker.create()(1.0) == []
    _pytensor.set_return_none(maker, True)
    assert maker.create()(1.0) is None
    assert float(s.get_value()) == 2.0


def test_pickle_function_reducer_rebuilds_the_subclass_through_its_maker():
    x, c = pt.dscalars("x", "c")
    fn = symmodule.function([x, ((c, c + x), 1.0)], c * 2)
    fn(2.0)
    # What register_function_pickling(Function) registered: PyTensor's own reducer.
    reducer = copyreg.dispatch_table[Function]
    constructor, args = reducer(fn)
    assert args[0] is fn.maker
    rebuilt = constructor(*args)
    # maker.create again, so the class is the maker's function class; in one
    # process the stored value stays shared (pickle copies it).
    assert type(rebuilt) is Function and rebuilt is not fn
    assert float(rebuilt(1.0)) == 6.0 and float(fn[c]) == 4.0
    restored = pickle.loads(pickle.dumps(fn))
    assert type(restored) is Function and float(restored["c"]) == 4.0
    restored(1.0)
    assert float(restored["c"]) == 5.0 and float(fn[c]) == 4.0


# -- storing a call's updates -----------------------------------------------------------------

STORE_MODES = ["FAST_COMPILE", "CVM", "NUMBA", "C", "JAX", "DEBUG_MODE"]


def _updating_function(mode):
    x = pt.dscalar("x")
    a = pytensor.shared(np.float64(1.0), name="a")
    b = pytensor.shared(np.float64(2.0), name="b")
    maker = symmodule.compiled.compile_maker([x], a + x, updates={a: a + x, b: b * x}, mode=mode)
    return maker.create(), a, b


@pytest.mark.parametrize("mode", STORE_MODES)
def test_store_updates_at_once_stores_every_update_in_one_drain(mode, monkeypatch):
    if mode == "JAX":
        need("jax")
    stored = []
    monkeypatch.setattr(_pytensor.updates, "drain", lambda writes: stored.append(sum(1 for _ in writes)))
    fn, a, b = _updating_function(mode)
    assert float(fn(3.0)) == 4.0  # the outputs, without the update values
    assert (float(a.get_value()), float(b.get_value())) == (4.0, 6.0)
    # The C VM stores them in C (nothing to take over); every other VM makes its two writes in one drain.
    assert stored == ([] if mode == "CVM" else [2])
    assert fn._update_input_storage == ()  # Function.__call__ itself writes nothing


def test_store_updates_at_once_keeps_the_jit_thunk_attributes_callers_read():
    fn, _, _ = _updating_function("NUMBA")
    assert fn.vm.__wrapped__.jit_fn is fn.vm.jit_fn
    assert fn.vm.storage_map is fn.vm.__wrapped__.storage_map and isinstance(fn.vm.allow_gc, bool)


def test_store_updates_at_once_forwards_a_vm_object_s_attributes():
    fn, _, _ = _updating_function("C")
    assert fn.vm.cthunk is fn.vm.__wrapped__.cthunk  # mode 'C''s _CThunk, its attributes read through
    fn.vm.nodes = fn.vm.__wrapped__.nodes  # and written through


class _InterruptedOnDemand(Op):
    """``x``, or a KeyboardInterrupt (as from a signal handler) while ``interrupt`` is set."""

    itypes = [pt.dscalar]
    otypes = [pt.dscalar]
    interrupt = False

    def perform(self, node, inputs, outputs):
        if _InterruptedOnDemand.interrupt:
            raise KeyboardInterrupt
        outputs[0][0] = np.array(inputs[0])  # a copy: the Op declares no view


def test_store_updates_at_once_puts_debugmode_inputs_back_after_an_interrupt(monkeypatch):
    x = pt.dscalar("x")
    a = pytensor.shared(np.float64(1.0), name="a")
    b = pytensor.shared(np.float64(2.0), name="b")
    step = _InterruptedOnDemand()(x)
    fn = symmodule.compiled.compile_maker([x], a, updates={a: a + step, b: b * step}, mode="DEBUG_MODE").create()
    monkeypatch.setattr(_InterruptedOnDemand, "interrupt", True)
    with pytest.raises(KeyboardInterrupt):
        fn(3.0)
    # DebugMode had taken the inputs out of their storage: they are back, and nothing was updated.
    assert (float(a.get_value()), float(b.get_value())) == (1.0, 2.0)
    storage_map = fn.vm.__wrapped__.storage_map
    assert all(cell[0] is None for variable, cell in storage_map.items() if variable.owner is not None)
    monkeypatch.setattr(_InterruptedOnDemand, "interrupt", False)
    fn(3.0)  # and the next call runs (DebugMode checks that no intermediate result is left)
    assert (float(a.get_value()), float(b.get_value())) == (4.0, 6.0)


def test_updating_vm_perform_updates_is_what_python_vms_call():
    fn, _, _ = _updating_function("FAST_COMPILE")
    from pytensor.link.vm import UpdatingVM

    assert isinstance(fn.vm, UpdatingVM)
    assert isinstance(fn.vm.__dict__["perform_updates"], functools.partial)  # the instance's, not the class's


# -- a function's inputs ------------------------------------------------------------------


def test_function_finder_maps_variables_names_and_positions_and_feeds_keyword_calls():
    x, y, z = pt.dscalars("x", "y", "z")
    fn = pytensor.function([In(x, name="a"), In(y, name="a"), z], x + 2 * y + 3 * z, mode="FAST_COMPILE")
    first, second, third = fn.input_storage
    assert _pytensor.find_input(fn, x) is first
    assert _pytensor.find_input(fn, 1) is second
    assert _pytensor.find_input(fn, "z") is third
    # A name two inputs carry maps to PyTensor's marker, which is no Container.
    assert not isinstance(_pytensor.find_input(fn, "a"), Container)
    with pytest.raises(KeyError):
        _pytensor.find_input(fn, "nowhere")
    with pytest.raises(TypeError):
        _pytensor.find_input(fn, ["unhashable"])
    assert _pytensor.has_input(fn, y) and not _pytensor.has_input(fn, "nowhere")

    # A key added later is one PyTensor's own call resolves keyword arguments with.
    _pytensor.add_input_key(fn, "third", third)
    assert _pytensor.find_input(fn, "third") is third
    assert float(fn(1.0, 1.0, third=1.0)) == 6.0


# -- makers and modes -------------------------------------------------------------------------


def test_debugmode_maker_is_the_function_maker_debugmode_uses():
    assert PyTensorDebugMode().function_maker is _pytensor.DebugFunctionMaker
    assert issubclass(_pytensor.DebugFunctionMaker, FunctionMaker)
    # modes._DebugMaker passes these three positionally.
    parameters = list(inspect.signature(_pytensor.DebugFunctionMaker.__init__).parameters)
    assert parameters[1:4] == ["inputs", "outputs", "mode"]


class _PyOnlyDouble(ps.UnaryScalarOp):
    """A scalar Op with Python code only: an Elemwise of it is a C Op without C code."""

    def impl(self, x):
        return 2.0 * x


def test_c_code_generation_traceback_holds_the_node_without_c_code():
    py_double = Elemwise(_PyOnlyDouble(ps.upgrade_to_float, name="py_only_double"))
    x = pt.dvector("x")
    maker = FunctionMaker([In(x)], py_double(x) + 1, Mode(linker=CLinker(), optimizer=None))
    with pytest.raises((NotImplementedError, MethodNotDefined)) as info:
        maker.create()
    node = _pytensor.node_being_compiled(info.value, maker.fgraph.apply_nodes)
    assert node is not None and node.op == py_double


def test_profile_stats_fields_are_those_summed_and_merged():
    declared = ProfileStats.__annotations__
    numeric = {name for name, kind in declared.items() if kind in (int, float)}
    # Every count or time PyTensor keeps is added up; a new one fails here.
    assert set(_pytensor.SUMMED_PROFILE_FIELDS) == numeric - {"nb_nodes"}
    fresh = ProfileStats(atexit_print=False, flag_time_thunks=True)
    assert fresh.nb_nodes == -1
    for name in _pytensor.MERGED_PROFILE_TABLES:
        assert name in declared and isinstance(getattr(fresh, name), dict)

    x = pt.dvector("x")
    mode = Mode(linker=VMLinker(use_cloop=False, c_thunks=False), optimizer="fast_compile")
    stats = []
    for expression, calls in ((pt.exp(x) + 1, 2), (pt.tanh(x) * 3, 3)):
        profile = ProfileStats(atexit_print=False, flag_time_thunks=True, message="f")
        fn = pytensor.function([x], expression, mode=mode, profile=profile)
        for _ in range(calls):
            fn(X)
        stats.append(profile)
    total = _pytensor.sum_profile_stats(stats, message="both")
    assert total.fct_callcount == 5
    assert total.nb_nodes == sum(s.nb_nodes for s in stats) > 0
    assert set(total.apply_time) == set(stats[0].apply_time) | set(stats[1].apply_time)
    assert sum(total.apply_callcount.values()) == sum(sum(s.apply_callcount.values()) for s in stats) > 0
    out = io.StringIO()
    total.summary_function(out)
    total.summary_class(out, 5)
    total.summary_ops(out, 5)
    total.summary_nodes(out, 5)
    assert "both" in out.getvalue() and "Exp" in out.getvalue()


# -- BLAS -------------------------------------------------------------------------------------


def test_the_first_read_of_the_blas_flags_looks_for_blas_and_warns_only_then():
    # In a new process: in this one, the flags may have been read already.
    code = (
        "from symmodule import _pytensor\n"
        "flags, caught = _pytensor.read_blas_flags()\n"
        "again, caught_again = _pytensor.read_blas_flags()\n"
        "print(flags == '', sum(map(_pytensor.is_missing_blas_warning, caught)), again == flags, len(caught_again))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    none_found, missing, same, warned_again = result.stdout.split()
    # The warning comes exactly when no BLAS was found (empty flags), and only once.
    assert int(missing) == (1 if none_found == "True" else 0)
    assert same == "True" and warned_again == "0"


# -- configuration ----------------------------------------------------------------------------


def test_config_flag_is_read():
    # In a new process: in this one, the BLAS flags may have been read already.
    code = (
        "from pytensor import config\n"
        "from symmodule import _pytensor\n"
        "before = _pytensor.config_flag_is_read('blas__ldflags')\n"
        "config.blas__ldflags\n"
        "print(before, _pytensor.config_flag_is_read('blas__ldflags'), _pytensor.config_flag_is_read('floatX'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "True"]


# -- linkers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("linker", "kind"),
    [
        (get_mode("FAST_COMPILE").linker, "python"),
        (get_mode("CVM").linker, "cvm"),
        (get_mode("NUMBA").linker, "numba"),
        (get_mode("JAX").linker, "jax"),
        (VMLinker(use_cloop=False, c_thunks=True), "other"),
        (CLinker(), "other"),
    ],
    ids=["FAST_COMPILE", "CVM", "NUMBA", "JAX", "python-loop-c-thunks", "C"],
)
def test_linker_classes_and_vm_flags_tell_the_backend(linker, kind):
    assert _pytensor.linker_kind(linker) == kind


def test_numba_and_jax_linkers_are_jit_linkers():
    assert _pytensor.is_jit_linker(get_mode("NUMBA").linker)
    assert _pytensor.is_jit_linker(get_mode("JAX").linker)
    assert not _pytensor.is_jit_linker(get_mode("FAST_COMPILE").linker)
    assert not _pytensor.is_jit_linker(get_mode("CVM").linker)


def _numba_maker() -> FunctionMaker:
    x = pt.dvector("x")
    return pytensor.function([x], 2 * x + 1, mode=get_mode("NUMBA")).maker


def test_jit_linker_converts_and_compiles_at_every_create_through_its_instance_attributes():
    maker = _numba_maker()
    linker = maker.linker
    # Each maker links with its own copy of the mode's linker: what is kept
    # on it is kept for that graph only.
    assert linker is not get_mode("NUMBA").linker and linker is not _numba_maker().linker
    calls: list[str] = []

    def counted(step, name):
        def run(*args, **kwargs):
            calls.append(name)
            return step(*args, **kwargs)

        return run

    linker.fgraph_convert = counted(linker.fgraph_convert, "convert")
    linker.jit_compile = counted(linker.jit_compile, "compile")
    maker.create()
    maker.create()
    assert calls == ["convert", "compile", "convert", "compile"]

    # So compile_jit_once, which replaces them, makes later creates reuse the first.
    calls.clear()
    _pytensor.compile_jit_once(linker)
    first, second = maker.create(), maker.create()
    assert calls == ["convert", "compile"]
    assert _pytensor.numba_dispatcher(first) is _pytensor.numba_dispatcher(second)
    np.testing.assert_allclose(second(X), 2 * X + 1)


def test_a_step_run_once_runs_once_for_threads_arriving_together():
    started, release, runs = threading.Event(), threading.Event(), []

    def step():
        runs.append(1)
        started.set()
        release.wait(5)  # the second thread arrives while the first runs the step
        return object()

    once = _pytensor.linkers._Once(step)
    results = []
    threads = [threading.Thread(target=lambda: results.append(once())) for _ in range(2)]
    threads[0].start()
    started.wait(5)
    threads[1].start()
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(runs) == 1
    assert results[0] is results[1]


def test_a_step_run_once_pickles_without_its_result_and_runs_again():
    once = _pytensor.linkers._Once(functools.partial(list, (1, 2)))
    first = once()
    restored = pickle.loads(pickle.dumps(once))
    assert restored() == [1, 2] and restored() is not first


def test_numba_function_vm_carries_the_dispatcher_it_calls():
    fn = _numba_maker().create()
    dispatcher = _pytensor.numba_dispatcher(fn)
    assert isinstance(dispatcher, numba.core.dispatcher.Dispatcher)
    fn(X)
    assert len(dispatcher.signatures) == 1


def test_numba_graph_takes_its_inputs_as_one_tuple_argument():
    x, m = pt.dvector("x"), pt.fmatrix("m")
    fn = pytensor.function([x, m], [2 * x, m.sum()], mode=get_mode("NUMBA"))
    signature = _pytensor.numba_signature(fn.maker.fgraph.inputs)
    dispatcher = _pytensor.numba_dispatcher(fn)
    dispatcher.compile(signature)
    fn(X, np.ones((2, 3), dtype="float32"))
    # The call used the signature compiled ahead: nothing new was compiled.
    assert dispatcher.signatures == [signature]
    rng = RandomGeneratorType()("rng")
    assert _pytensor.numba_signature([x, rng]) is None


# -- Ops and rewrites -------------------------------------------------------------------------


class _Scale(Op):
    """``scale * x``; its Python code refuses to run, so the Numba kernel must be used."""

    __props__ = ("scale",)

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        raise AssertionError("the Numba kernel should run, not perform")


@_pytensor.register_numba_funcify(_Scale)
def _numba_scale(op, node=None, **kwargs):
    scale = op.scale

    @_pytensor.numba_njit
    def scaled(x):
        return x * scale

    return scaled, 1


def test_numba_funcify_registration_is_used_and_cached_by_props():
    x = pt.dvector("x")
    fn = pytensor.function([x], _Scale(3.0)(x), mode=get_mode("NUMBA"))
    np.testing.assert_allclose(fn(X), 3 * X)

    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key

    def key(scale):
        op = _Scale(scale)
        return numba_funcify_and_cache_key(op, node=op.make_node(x))[1]

    assert key(3.0) is not None
    assert key(3.0) == key(3.0) != key(4.0)


def test_numba_njit_compiles_a_kernel_other_numba_code_calls():
    @_pytensor.numba_njit
    def add_one(x):
        return x + 1

    @numba.njit
    def call(x):
        return add_one(x)

    assert call(1.0) == 2.0


def test_inline_ofg_node_puts_the_inner_graph_in_place():
    x = pt.dvector("x")
    node = pt.special.softmax(x).owner
    (inlined,) = _pytensor.inline_graph_op(node)
    assert not any(isinstance(n.op, OpFromGraph) for n in applys_between([x], [inlined]))
    got = pytensor.function([x], inlined, mode="FAST_COMPILE")(X)
    np.testing.assert_allclose(got, np.exp(X) / np.exp(X).sum())


def test_softmax_and_log_softmax_are_symbolic_ops():
    x = pt.dvector("x")
    for output in (pt.special.softmax(x), pt.special.log_softmax(x)):
        assert isinstance(output.owner.op, _pytensor.SymbolicOp)
        assert isinstance(output.owner.op, OpFromGraph)


def test_rewrite_database_layout_around_the_speed_rewrites():
    position = optdb.__position__
    assert position["stabilize"] < _pytensor.BEFORE_BLAS < position["BlasOpt"]
    assert position["specialize"] < _pytensor.AFTER_STABILIZE < _pytensor.BEFORE_ELEMWISE_FUSION
    # symmodule.bounds checks indices at BEFORE_ELEMWISE_FUSION + 0.5.
    assert _pytensor.BEFORE_ELEMWISE_FUSION + 0.5 < position["add_mul_fusion"] <= position["elemwise_fusion"]


def _indexing_nodes() -> list[Apply]:
    """One node of each indexing Op PyTensor compiles for Numba (the first-axis Ops up to 3.2)."""
    x, y, i = pt.dvector("x"), pt.dvector("y"), pt.lscalar("i")
    m, idx = pt.dmatrix("m"), pt.lvector("idx")
    nodes = [x[i], pt.set_subtensor(x[i], 1.0), m[idx, idx], m[:, idx], pt.inc_subtensor(m[idx, idx], y)]
    first_axis = [op()(x, idx) if op.__name__ == "AdvancedSubtensor1" else op()(x, y, idx)
                  for op in _pytensor.ops._FIRST_AXIS_INDEX_OPS]
    return [variable.owner for variable in nodes + first_axis]


def test_numba_kernels_without_boundscheck_are_those_of_the_unchecked_index_ops():
    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key

    for node in _indexing_nodes():
        kernel, _ = numba_funcify_and_cache_key(node.op, node=node)
        checks = kernel.targetoptions.get("boundscheck") is True
        assert checks != isinstance(node.op, _pytensor.NUMBA_UNCHECKED_INDEX_OPS), node


def test_advanced_index_axes_follow_idx_list_and_the_first_axis_ops():
    t, m = pt.tensor3("t"), pt.dmatrix("m")
    idx, i, y = pt.lvector("idx"), pt.lscalar("i"), pt.dvector("y")
    mask = pt.matrix("mask", dtype="bool")
    cases = {
        m[idx, idx]: [(1, 0), (2, 1)],
        m[:, idx]: [(1, 1)],
        t[i:, idx]: [(2, 1)],  # the slice's start is input 1
        t[mask, idx]: [(2, 2)],  # the mask covers axes 0 and 1
        pt.inc_subtensor(m[:, idx], y): [(2, 1)],
    }
    for op in _pytensor.ops._FIRST_AXIS_INDEX_OPS:
        node_inputs = (m, idx) if op.__name__ == "AdvancedSubtensor1" else (m, y, idx)
        cases[op()(*node_inputs)] = [(len(node_inputs) - 1, 0)]
    for variable, axes in cases.items():
        assert _pytensor.advanced_index_axes(variable.owner) == axes, variable


class _JaxOnlyScale(_Scale):
    """``scale * x``, whose JAX code a test registers; its Python code refuses to run."""


def test_register_jax_funcify_registers_an_op_class_s_jax_code_with_pytensor_s_jax_backend():
    need("jax")
    from pytensor.link.jax.dispatch import jax_funcify

    def funcify(op, node=None, **kwargs):
        scale = op.scale
        return lambda x: x * scale

    assert _pytensor.register_jax_funcify(_JaxOnlyScale)(funcify) is funcify
    assert jax_funcify.dispatch(_JaxOnlyScale) is funcify
    x = pt.dvector("x")
    fn = pytensor.function([x], _JaxOnlyScale(3.0)(x), mode=get_mode("JAX"))
    np.testing.assert_allclose(np.asarray(fn(X)), 3 * X)


class _Prepared(Op):
    """An Op recording each call of its JAX-preparing method in ``prepared``."""

    __props__ = ("tag",)
    prepared: list = []

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def make_node(self, x):
        x = pt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = inputs[0]

    def prepare_jax_dispatch(self) -> None:
        _Prepared.prepared.append(self.tag)


def test_prepare_jax_dispatch_calls_the_hook_of_each_op_in_graphs_inner_graphs_and_blockwise(monkeypatch):
    from pytensor.tensor.blockwise import Blockwise

    monkeypatch.setattr(_Prepared, "prepared", [])
    assert _pytensor.PREPARE_JAX == "prepare_jax_dispatch"
    x, v = pt.dscalar("x"), pt.dvector("v")
    nested = OpFromGraph([x], [_Prepared("nested")(x)])
    inner = OpFromGraph([x], [pt.exp(_Prepared("inner")(nested(x)))])
    outputs = [_Prepared("outer")(inner(x)), Blockwise(_Prepared("core"), signature="()->()")(v)]
    _pytensor.prepare_jax_dispatch(applys_between([x, v], outputs))
    assert sorted(_Prepared.prepared) == ["core", "inner", "nested", "outer"]


def test_index_checked_jax_linker_raises_index_error_where_jax_clamps():
    need("jax")
    x, idx = pt.dvector("x"), pt.lvector("idx")
    checked = Mode(_pytensor.IndexCheckedJAXLinker(), get_mode("JAX").provided_optimizer)
    plain = pytensor.function([x, idx], x[idx], mode=get_mode("JAX"))
    np.testing.assert_array_equal(plain(X, np.array([3])), X[[2]])  # clamped, no error
    f = pytensor.function([x, idx], x[idx], mode=checked)
    np.testing.assert_array_equal(f(X, np.array([-3, 2])), X[[-3, 2]])
    with pytest.raises(IndexError, match="index out of bounds"):
        f(X, np.array([3]))
    # Linking a second graph goes through Linker.accept, which rebuilds the class.
    g = pytensor.function([x, idx], x[idx] * 2, mode=checked)
    with pytest.raises(IndexError):
        g(X, np.array([-4]))


def _sharded_linker(jax, inputs, outputs, placed=None, **options):
    from jax.sharding import NamedSharding, PartitionSpec

    mesh = jax.make_mesh((1,), ("data",))

    def place(value, sharding):
        if placed is not None:
            placed.append(type(value).__name__)
        return jax.device_put(value, sharding)

    def sharding(spec):
        return NamedSharding(mesh, spec)

    return _pytensor.ShardedJAXLinker(
        input_shardings=[sharding(spec) for spec in inputs],
        output_shardings=[sharding(spec) for spec in outputs],
        replicated=sharding(PartitionSpec()),
        place=place,
        **options,
    )


def test_sharded_jax_linker_jits_with_the_shardings_of_inputs_and_outputs_and_places_numpy_inputs():
    need("jax")
    import jax
    from jax.sharding import PartitionSpec as P

    x = pt.dmatrix("x")
    maker = pytensor.function([x], [x * 2, x.sum()], mode=get_mode("JAX")).maker
    placed = []
    linker = _sharded_linker(jax, [P("data")], [P("data"), P()], placed)
    f = _pytensor.relinked(maker, linker).create()
    doubled, total = f(np.ones((2, 3)))
    assert placed == ["ndarray"]  # jax arrays would be passed as they are
    assert doubled.sharding.spec == P("data") and total.sharding.spec == P()
    np.testing.assert_array_equal(np.asarray(doubled), np.full((2, 3), 2.0))


def test_sharded_jax_linker_passes_shape_inputs_as_static_ints():
    need("jax")
    import jax
    from jax.sharding import PartitionSpec as P

    n, x = pt.lscalar("n"), pt.dvector("x")
    maker = pytensor.function([n, x], x.reshape((n, -1)), mode=get_mode("JAX")).maker
    f = _pytensor.relinked(maker, _sharded_linker(jax, [P(), P()], [P()])).create()
    assert np.asarray(f(2, np.ones(6))).shape == (2, 3)
    assert f.maker.linker.scalar_shape_inputs == (0,)


def test_sharded_jax_linker_raises_index_error_where_jax_clamps():
    need("jax")
    import jax
    from jax.sharding import PartitionSpec as P

    x, idx = pt.dvector("x"), pt.lvector("idx")
    maker = pytensor.function([x, idx], x[idx], mode=get_mode("JAX")).maker
    f = _pytensor.relinked(maker, _sharded_linker(jax, [P(), P()], [P()])).create()
    np.testing.assert_array_equal(np.asarray(f(X, np.array([2]))), X[[2]])
    with pytest.raises(IndexError, match="index out of bounds"):
        f(X, np.array([3]))


def test_sharded_jax_linker_waits_for_each_call_when_asked(monkeypatch):
    need("jax")
    import jax
    from jax.sharding import PartitionSpec as P

    waited = []
    monkeypatch.setattr(jax, "block_until_ready", lambda value: waited.append(value) or value)
    x = pt.dvector("x")
    maker = pytensor.function([x], x + 1, mode=get_mode("JAX")).maker
    f = _pytensor.relinked(maker, _sharded_linker(jax, [P()], [P()], wait=True)).create()
    f(X)
    assert len(waited) == 1


def test_relinked_maker_creates_functions_of_the_class_given_with_the_linker_given():
    need("jax")
    import jax
    from jax.sharding import PartitionSpec as P

    class Marked(Function):
        __slots__ = ()

    x = pt.dvector("x")
    maker = symmodule.function([x], x * 3, mode="JAX").maker
    linker = _sharded_linker(jax, [P()], [P()])
    copied = _pytensor.relinked(maker, linker, Marked)
    assert copied.linker is linker and copied.fgraph is maker.fgraph
    f = copied.create()
    assert type(f) is Marked and type(maker.create()) is not Marked
    np.testing.assert_array_equal(np.asarray(f(X)), X * 3)


def test_update_mapping_gives_the_updated_input_of_each_update_output():
    x = pt.dscalar("x")
    a, b = pytensor.shared(np.float64(0.0), name="a"), pytensor.shared(np.float64(0.0), name="b")
    maker = pytensor.function([x], x * 2, updates={b: b + x, a: a - x}, mode="FAST_COMPILE").maker
    mapping = _pytensor.updated_inputs(maker)
    names = {maker.fgraph.inputs[i].name: k for k, i in mapping.items()}
    assert sorted(mapping) == [1, 2]  # after the one declared output
    assert {maker.fgraph.outputs[k].owner.inputs[0].name for k in mapping} == {"a", "b"}
    assert set(names) == {"a", "b"}


def test_importing_pytensor_s_jax_backend_turns_on_x64():
    need("jax")
    code = (
        "import jax; assert not jax.config.jax_enable_x64; "
        "from symmodule._pytensor import load_jax_backend; load_jax_backend(); "
        "assert jax.config.jax_enable_x64"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_indexing_op_is_found_in_graphs_and_inner_graphs():
    x, idx = pt.dvector("x"), pt.lvector("idx")
    assert all(_pytensor.jax._indexes([node]) for node in _indexing_nodes())
    inner = OpFromGraph([x, idx], [x[idx]])
    assert _pytensor.jax._indexes([inner(x, idx).owner])
    assert not _pytensor.jax._indexes(pytensor.function([x], pt.exp(x) * 2).maker.fgraph.apply_nodes)


def test_infer_shape_gets_node_and_shapes_last_and_the_method_raises_no_deprecation():
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Same(Op):
            __props__ = ()

            def make_node(self, x):
                x = pt.as_tensor_variable(x)
                return Apply(self, [x], [x.type()])

            def perform(self, node, inputs, outputs):
                raise AssertionError("the shape should be inferred, not computed")

            @_pytensor.infer_shape_method
            def infer_shape(self, node, input_shapes):
                calls.append(node)
                return input_shapes

    x = pt.dmatrix("x")
    shape = pytensor.function([x], Same()(x).shape, mode=Mode(linker="py", optimizer="fast_run"))
    assert tuple(shape(np.zeros((2, 3)))) == (2, 3)
    assert calls and all(isinstance(node.op, Same) for node in calls)


def test_importing_symmodule_raises_no_deprecation_warning():
    # Class-definition warnings (such as PyTensor 3.3's about infer_shape) are
    # attributed to the interpreter, not to symmodule: check in a fresh process.
    code = "import symmodule, symmodule.rewrites.numba_kernels"
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-W", "error::FutureWarning", "-c", code],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# -- failing calls ----------------------------------------------------------------------------


def _failing_dot(mode):
    """A raw PyTensor function of ``W @ x`` (W is 2x3) called with an x of 2 entries, and the error."""
    x = pt.dvector("x")
    w = pytensor.shared(np.zeros((2, 3)), name="W")
    fn = pytensor.function([x], pt.dot(w, x), mode=mode)
    with pytest.raises(ValueError) as info:
        fn(np.ones(2))
    return fn, info.value


@pytest.mark.parametrize(
    "mode",
    [get_mode("FAST_COMPILE"), Mode(linker=VMLinker(use_cloop=True, c_thunks=True), optimizer="fast_run")],
    ids=["python-vm", "c-vm"],
)
def test_raise_with_op_frame_holds_the_failing_node_and_its_input_values(mode):
    fn, error = _failing_dot(mode)
    failed = _pytensor.failing_node(error)
    assert failed.fgraph is fn.maker.fgraph and failed.node in fn.maker.fgraph.apply_nodes
    assert "Dot" in str(failed.node.op) or "Gemv" in str(failed.node.op)
    assert len(failed.inputs) == len(failed.node.inputs)
    assert (2, 3) in [np.shape(value) for value in failed.inputs]


def test_jit_thunk_reports_its_first_output_node_whatever_failed():
    # Why symmodule runs a JIT-compiled call again to find the failing node.
    fn, error = _failing_dot(get_mode("NUMBA"))
    failed = _pytensor.failing_node(error)
    assert failed.fgraph is fn.maker.fgraph
    assert failed.node is fn.maker.fgraph.outputs[0].owner


def test_release_failure_breaks_the_cycle_through_raise_with_op_frame():
    fn, _ = _failing_dot(get_mode("FAST_COMPILE"))
    gc.disable()
    try:
        try:  # a plain except: pytest.raises holds the error in cycles of its own
            fn(np.ones(2))
        except ValueError as error:
            _pytensor.failing_node(error)  # reads the frame's locals, as symmodule does
            _pytensor.release_failure(error)
            error.probe = _Probe()  # a ValueError takes no weak reference: what it holds does
            freed = weakref.ref(error.probe)
        assert freed() is None  # by reference counting, the collector being off
    finally:
        gc.enable()


class _Probe:
    """An object freed exactly when the exception holding it is."""


def test_release_failure_keeps_the_traceback_lines():
    _, error = _failing_dot(get_mode("FAST_COMPILE"))
    before = [(tb.tb_frame.f_code, tb.tb_lineno) for tb in _tracebacks(error)]
    _pytensor.release_failure(error)
    assert [(tb.tb_frame.f_code, tb.tb_lineno) for tb in _tracebacks(error)] == before


def _tracebacks(error):
    tb = error.__traceback__
    while tb is not None:
        yield tb
        tb = tb.tb_next


def test_empty_storage_empties_what_a_failed_call_left_but_constants():
    x = pt.dvector("x")
    mode = Mode(linker=VMLinker(use_cloop=False, c_thunks=False, allow_gc=False), optimizer=None)
    fn = pytensor.function([x], pt.dot(pt.ones((2, 3)), pt.exp(x)), mode=mode)
    with pytest.raises(ValueError):
        fn(np.ones(2))
    left = [v for v, cell in fn.vm.storage_map.items() if v.owner is not None and cell[0] is not None]
    assert left and fn.input_storage[0].storage[0] is not None  # exp(x), and x itself
    _pytensor.empty_storage(fn)
    assert all(cell[0] is None for v, cell in fn.vm.storage_map.items() if not isinstance(v, pt.TensorConstant))
    np.testing.assert_allclose(fn(np.zeros(3)), [3.0, 3.0])  # the constants are still there


def test_call_inputs_hold_the_converted_arguments_of_a_failed_call():
    fn, _ = _failing_dot(get_mode("NUMBA"))
    given, weights = _pytensor.call_inputs(fn)
    assert given.dtype == np.float64 and given.shape == (2,) and weights.shape == (2, 3)


def _updating_numba_maker():
    x = pt.dvector("x")
    c = pt.dscalar("c")
    return FunctionMaker([In(x), In(c, update=c * 2)], pt.dot(pt.ones((2, 3)), x), get_mode("NUMBA"))


def test_updates_last_order_keeps_the_toposort_constraints_and_puts_updates_last():
    fgraph = _updating_numba_maker().fgraph
    order = _pytensor.updates_last_order(fgraph)
    assert sorted(map(id, order)) == sorted(map(id, fgraph.toposort()))
    update_node = fgraph.outputs[1].owner
    assert order[-1] is update_node and fgraph.toposort().index(update_node) < len(order) - 1
    seen = set()
    for node in order:  # every node after its inputs' nodes and its in-place prerequisites
        assert all(v.owner in seen for v in node.inputs if v.owner is not None)
        assert all(p in seen for p in fgraph.orderings().get(node, ()))
        seen.add(node)


def test_linker_scheduler_is_the_order_numba_code_runs_in():
    maker = _updating_numba_maker()
    _pytensor.schedule_updates_last(maker.linker)
    orders = []
    convert = maker.linker.fgraph_convert

    def recording(fgraph, **kwargs):
        orders.append(kwargs["order"])
        return convert(fgraph, **kwargs)

    maker.linker.fgraph_convert = recording
    fn = maker.create()
    assert orders == [_pytensor.updates_last_order(maker.fgraph)]
    # And the Python code Numba compiles calls each node's function in that order.
    order = orders[0]

    def named_after_its_place(op, node=None, **kwargs):
        def run(*args):
            return args[0]

        run.__name__ = f"node{order.index(node)}"
        return run

    source = pytensor.link.utils.fgraph_to_python(maker.fgraph, named_after_its_place, order=order).__source__
    words = source.split()
    called = [word.split("(")[0] for word in words if word.startswith("node")]
    assert called == [f"node{k}" for k in range(len(order))]
    np.testing.assert_allclose(fn(X, 1.0), [X.sum(), X.sum()])


def test_scan_step_parts_reads_outputs_updates_and_condition():
    from pytensor.scan.utils import until

    from symmodule._pytensor import scan_step_parts

    x = pt.dscalar("x")
    counter = pytensor.shared(0.0)
    stop = x > 1
    assert scan_step_parts(x) == (None, [x], {})
    assert scan_step_parts(([x], {counter: x})) == (None, [x], {counter: x})
    assert scan_step_parts(([x], {counter: x}, until(stop))) == (stop, [x], {counter: x})


def test_jax_generator_is_the_form_pytensors_jax_backend_reads():
    need("jax")
    from pytensor.link.jax.dispatch import jax_typify

    generator = np.random.default_rng(3)
    converted = _pytensor.jax_generator(generator)
    np.testing.assert_array_equal(converted["jax_state"], jax_typify(np.random.default_rng(3))["jax_state"])


def test_numpy_generator_of_a_jax_generator_converts_back_to_the_same_key():
    need("jax")
    jax_form = _pytensor.jax_generator(np.random.default_rng(11))
    jax_form["jax_state"] = np.array([7, 4_000_000_000], dtype=np.uint32)  # as after some draws
    generator = _pytensor.numpy_generator(jax_form)
    assert isinstance(generator, np.random.Generator)
    np.testing.assert_array_equal(_pytensor.jax_generator(generator)["jax_state"], [7, 4_000_000_000])


def test_numpy_generator_leaves_other_values_alone():
    generator, array = np.random.default_rng(1), np.zeros(2)
    assert _pytensor.numpy_generator(generator) is generator
    assert _pytensor.numpy_generator(array) is array


def test_python_elemwise_folds_variadic_says_whether_a_sum_of_three_runs_per_element():
    x = pt.dvector("x")
    node = Elemwise(ps.add)(x, x, x).owner
    node.op.prepare_node(node, None, None, "py")
    # frompyfunc (a NumPy ufunc calling the scalar Op per element), or a function folding NumPy's add.
    per_element = isinstance(getattr(node.tag, "ufunc", None) or node.op.ufunc, np.ufunc)
    assert _pytensor.python_elemwise_folds_variadic() is (not per_element)


def test_donating_jax_linker_donates_the_updated_inputs_of_a_graph_that_indexes_nothing():
    need("jax")
    x = pytensor.shared(np.ones(3), name="x")
    donating = Mode(_pytensor.DonatingJAXLinker(), get_mode("JAX").provided_optimizer)
    f = pytensor.function([], x.sum(), updates={x: x * 2}, mode=donating)
    assert _pytensor.donates(f.maker.linker) == (0,)
    assert float(f()) == 3.0
    held = f.input_storage[0].storage[0]  # a jax array from the first call on
    assert float(f()) == 6.0
    assert held.is_deleted()  # its buffer went to the computation
    np.testing.assert_array_equal(np.asarray(x.get_value()), [4.0, 4.0, 4.0])


def test_donating_jax_linker_donates_nothing_from_a_graph_that_indexes():
    need("jax")
    x, idx = pytensor.shared(np.ones(3), name="x"), pt.lvector("idx")
    donating = Mode(_pytensor.DonatingJAXLinker(), get_mode("JAX").provided_optimizer)
    f = pytensor.function([idx], x[idx].sum(), updates={x: x * 2}, mode=donating)
    assert _pytensor.donates(f.maker.linker) == ()
    with pytest.raises(IndexError, match="index out of bounds"):
        f(np.array([5]))


def test_other_linkers_donate_nothing():
    x = pytensor.shared(np.ones(3), name="x")
    f = pytensor.function([], x.sum(), updates={x: x * 2}, mode="FAST_COMPILE")
    assert _pytensor.donates(f.maker.linker) == ()
