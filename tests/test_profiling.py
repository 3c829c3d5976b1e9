"""ProfileMode: PyTensor's ProfileStats for every function compiled with one mode, printed together."""

from __future__ import annotations

import io
import pickle
import re

import numpy as np
import pytensor
import pytest
from pytensor.compile.debug.profiling import ProfileStats

import symmodule
from symmodule import tensor as T
from symmodule.compiled import compile_maker
from symmodule.profiling import ProfileMode
from symmodule.tensor import nnet as NN


def regression_module() -> symmodule.Module:
    """A small regression layer: update and apply."""
    m = symmodule.Module()
    x, y = T.dmatrix("input"), T.dmatrix("target")
    m.stepsize = T.dscalar()
    m.w = T.dmatrix()
    m.b = T.dvector()
    prediction = NN.sigmoid(T.dot(x, m.w) + m.b)
    cost = T.sum((y - prediction) ** 2)
    gw, gb = T.grad(cost, [m.w, m.b])
    m.update = symmodule.Method([x, y], cost, w=m.w - m.stepsize * gw, b=m.b - m.stepsize * gb)
    m.apply = symmodule.Method(x, prediction)
    return m


@pytest.fixture(scope="module")
def profiled():
    """A ProfileMode after 5 calls of update and 2 of apply."""
    profmode = ProfileMode(optimizer="fast_run", linker=symmodule.gof.OpWiseCLinker())
    rng = np.random.default_rng(0)
    model = regression_module().make(
        mode=profmode, w=rng.uniform(-0.5, 0.5, (3, 1)), b=np.zeros(1), stepsize=0.1
    )
    data_x, data_y = rng.normal(size=(4, 3)), np.array([[1.0], [0.0], [1.0], [0.0]])
    costs = [float(model.update(data_x, data_y)) for _ in range(5)]
    model.apply(data_x)
    model.apply(data_x)
    return profmode, model, costs


def test_each_function_gets_its_own_pytensor_profilestats(profiled):
    profmode, model, _ = profiled
    by_name = {s.message: s for s in profmode.profile_stats}
    assert set(by_name) == {"update", "apply"}
    assert all(isinstance(s, ProfileStats) for s in by_name.values())
    assert (by_name["update"].fct_callcount, by_name["apply"].fct_callcount) == (5, 2)
    assert model.update.profile is by_name["update"]
    # Per-node counts come from PyTensor's VM, one per node per call.
    assert set(by_name["update"].apply_callcount.values()) == {5}
    assert set(by_name["apply"].apply_callcount.values()) == {2}


def test_profiling_does_not_change_results(profiled):
    _, _, costs = profiled
    reference = regression_module()
    rng = np.random.default_rng(0)
    plain = reference.make(mode="FAST_COMPILE", w=rng.uniform(-0.5, 0.5, (3, 1)), b=np.zeros(1), stepsize=0.1)
    data_x, data_y = rng.normal(size=(4, 3)), np.array([[1.0], [0.0], [1.0], [0.0]])
    np.testing.assert_allclose(costs, [float(plain.update(data_x, data_y)) for _ in range(5)])


def test_print_summary_names_functions_and_ops_with_call_counts(profiled):
    profmode, _, _ = profiled
    out = io.StringIO()
    profmode.print_summary(file=out)
    text = out.getvalue()

    functions = text.split("Functions", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"^\s+5\s.*\supdate$", functions, re.M)
    assert re.search(r"^\s+2\s.*\sapply$", functions, re.M)
    assert "Time in 7 calls to Function.__call__" in text

    ops = text.split("\nOps\n", 1)[1].split("\n\n", 1)[0]
    total = profmode.total()
    calls, applies = total.op_callcount(), total.op_nodes()
    for op in calls:
        row = rf"\s{calls[op]}\s+{applies[op]}\s+{re.escape(str(op)[:30])}"
        assert re.search(row, ops), (row, ops)
    # Both functions compute dot(input, w): that Op's row adds up their calls.
    assert re.search(r"\s7\s+2\s+\S", ops), ops
    assert "\nApply\n" in text and "\nClass\n" in text


def test_print_summary_goes_to_stdout_by_default(profiled, capsys):
    profiled[0].print_summary()
    assert "ProfileMode.print_summary()" in capsys.readouterr().out


def test_functions_sharing_compiled_code_share_their_stats():
    profmode = ProfileMode(optimizer="fast_compile")
    m = symmodule.Module()
    m.c = T.dscalar()
    n = T.dscalar("n")
    m.inc = symmodule.Method(n, [], c=m.c + n)
    first = m.make(c=0, mode=profmode)
    first.inc(1)
    first.inc(1)
    assert [(s.message, s.fct_callcount) for s in profmode.profile_stats] == [("inc", 2)]


def test_pytensor_function_and_compile_maker_both_record():
    profmode = ProfileMode()
    x = T.dvector("x")
    f = pytensor.function([x], x + 1, mode=profmode, name="plain")
    g = compile_maker([x], x * 2, mode=profmode).create()
    f(np.ones(2))
    g(np.ones(2))
    assert [s.message for s in profmode.profile_stats] == ["plain", "<unnamed function 1>"]
    assert [s.fct_callcount for s in profmode.profile_stats] == [1, 1]


def test_explicit_profilestats_is_kept_and_listed():
    profmode = ProfileMode()
    mine = ProfileStats(atexit_print=False, message="mine")
    x = T.dvector("x")
    compile_maker([x], x + 1, mode=profmode, profile=mine).create()(np.ones(1))
    assert profmode.profile_stats == [mine] and mine.fct_callcount == 1


def test_a_linker_that_does_not_time_nodes_says_so():
    profmode = ProfileMode(linker="py", optimizer="fast_compile")
    x = T.dvector("x")
    compile_maker([x], x + 1, mode=profmode, name="f").create()(np.ones(1))
    out = io.StringIO()
    profmode.print_summary(file=out)
    assert "No per-Op times" in out.getvalue()


def test_clones_start_empty():
    profmode = ProfileMode()
    x = T.dvector("x")
    compile_maker([x], x + 1, mode=profmode).create()
    clone = profmode.including("fast_run")
    assert isinstance(clone, ProfileMode) and clone.profile_stats == []


def test_symmodule_exports_profilemode():
    assert symmodule.ProfileMode is ProfileMode


def test_a_pickled_profilemode_comes_back_empty_and_usable():
    profmode = ProfileMode(optimizer="fast_compile")
    x = T.dvector("x")
    compile_maker([x], x + 1, mode=profmode).create()
    restored = pickle.loads(pickle.dumps(profmode))
    assert isinstance(restored, ProfileMode) and restored.profile_stats == []
    compile_maker([x], x + 1, mode=restored, name="again").create()(np.ones(1))
    assert [s.message for s in restored.profile_stats] == ["again"]
