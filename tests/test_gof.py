"""``symmodule.gof``: PyTensor's graph objects, and Theano's linkers with Theano's signatures."""

from __future__ import annotations

import numpy as np
import pytensor.graph.basic
import pytensor.link.basic
import pytest
from modules import counter_module as _module
from pytensor.link.basic import PerformLinker
from pytensor.link.vm import VMLinker

import symmodule
from symmodule import gof
from symmodule import tensor as T
from symmodule.compiled import compile_maker


class PrintEverythingMode(symmodule.Mode):
    # The class of Theano's Module documentation, as written there but for Python 3's print.
    def __init__(self, linker, optimizer=None):
        def print_eval(i, node, fn):
            print(i, node, [input[0] for input in fn.inputs], end=" ")
            fn()
            print([output[0] for output in fn.outputs])

        wrap_linker = symmodule.gof.WrapLinkerMany([linker], [print_eval])
        super(PrintEverythingMode, self).__init__(wrap_linker, optimizer)


def test_graph_objects_are_pytensors():
    assert gof.Variable is pytensor.graph.basic.Variable
    assert gof.Constant is pytensor.graph.basic.Constant
    assert gof.Container is pytensor.link.basic.Container


def test_opwiseclinker_runs_c_code_where_there_is_some_and_python_elsewhere():
    linker = gof.OpWiseCLinker()
    assert isinstance(linker, VMLinker) and not linker.use_cloop and linker.c_thunks
    w = T.dmatrix("w")
    f = compile_maker([w], T.linalg.inv(w) * 2, mode=symmodule.Mode(linker, "fast_run")).create()
    np.testing.assert_allclose(f(np.eye(2) * 4), np.eye(2) / 2)
    kinds = {type(node.op).__name__: hasattr(thunk, "cthunk") for node, thunk in zip(f.vm.nodes, f.vm.thunks)}
    assert kinds == {"MatrixInverse": False, "Elemwise": True}


def test_print_everything_mode_prints_one_line_per_node_per_call(capsys):
    mode = PrintEverythingMode(symmodule.gof.OpWiseCLinker(), "fast_run")
    inst = _module().make(c=2.0, mode=mode)
    capsys.readouterr()
    x = np.array([0.0, 1.0])
    results = [inst.step(x) for _ in range(3)]

    np.testing.assert_allclose(results[2], np.exp(x) * 4 + 1)
    assert float(inst.c) == 5.0
    order = inst.step.maker.linker.linkers[0].schedule(inst.step.maker.fgraph)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 * len(order)
    for k, line in enumerate(lines):
        i = k % len(order)
        # "i node [input values] [output values]"
        assert line.startswith(f"{i} {order[i]} [")
        assert line.count("[") >= 2


def test_print_everything_mode_shows_values_before_and_after_the_node(capsys):
    x = T.dscalar("x")
    mode = PrintEverythingMode(symmodule.gof.OpWiseCLinker(), "fast_compile")
    f = compile_maker([x], x * 3, mode=mode).create()
    assert float(f(2.0)) == 6.0
    assert capsys.readouterr().out == "0 Mul(3.0, x) [array(3.), array(2.)] [array(6.)]\n"


def test_wrapper_gets_index_node_and_one_thunk_per_linker():
    seen = []

    def record(i, node, fn_a, fn_b):
        fn_a()
        fn_b()
        seen.append((i, node, fn_a.outputs[0][0], fn_b.outputs[0][0]))

    x = T.dvector("x")
    linker = gof.WrapLinker([gof.OpWiseCLinker(), PerformLinker()], record)
    f = compile_maker([x], T.exp(x) + x, mode=symmodule.Mode(linker, "fast_compile")).create()
    np.testing.assert_allclose(f(np.zeros(2)), [1.0, 1.0])
    assert [i for i, *_ in seen] == list(range(len(seen)))
    for _, _, a, b in seen:  # both linkers computed every node
        np.testing.assert_allclose(a, b)


def test_wrappers_run_in_order_and_each_must_call_fn():
    calls = []
    x = T.dscalar("x")

    def first(i, node, fn):
        calls.append(("first", i))

    def second(i, node, fn):
        calls.append(("second", i))
        fn()

    linker = gof.WrapLinkerMany([gof.OpWiseCLinker()], [first, second])
    f = compile_maker([x], x + 1, mode=symmodule.Mode(linker, "fast_compile")).create()
    assert float(f(1.0)) == 2.0
    assert calls == [("first", 0), ("second", 0)]


def test_a_wrapping_mode_compiles_many_functions():
    # PyTensor copies and re-accepts the linker for each graph; the wrapper
    # must keep Theano's signature through that.
    lines = []
    linker = gof.WrapLinkerMany([gof.OpWiseCLinker()], [lambda i, node, fn: (fn(), lines.append(i))])
    mode = symmodule.Mode(linker, "fast_compile")
    x = T.dscalar("x")
    f = compile_maker([x], x + 1, mode=mode).create()
    g = compile_maker([x], x * 2 - 1, mode=mode).create()
    assert (float(f(1.0)), float(g(1.0))) == (2.0, 1.0)
    clone = mode.clone()
    assert float(compile_maker([x], x - 1, mode=clone).create()(1.0)) == 0.0
    assert lines and set(lines) <= {0, 1}


def test_wrap_linker_takes_the_rewrite_needs_of_what_it_wraps():
    linker = gof.WrapLinker([PerformLinker()], lambda i, node, fn: fn())
    assert "py_only" in linker.required_rewrites
    assert "cxx_only" in linker.incompatible_rewrites


def test_errors_inside_a_wrapped_node_reach_the_caller():
    def boom(i, node, fn):
        raise RuntimeError("wrapper failed")

    x = T.dscalar("x")
    linker = gof.WrapLinkerMany([gof.OpWiseCLinker()], [boom])
    f = compile_maker([x], x + 1, mode=symmodule.Mode(linker, "fast_compile")).create()
    with pytest.raises(symmodule.SymmoduleError, match="wrapper failed"):
        f(1.0)
