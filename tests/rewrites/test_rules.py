"""Which modes get which speed rewrites, and that rewritten graphs give FAST_COMPILE's numbers."""

from __future__ import annotations

import pickle
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from extras import need
from pytensor.compile.builders import OpFromGraph
from pytensor.compile.mode import get_mode
from pytensor.tensor.special import log_softmax
from pytensor.tensor.blas import Dot22, Gemm
from pytensor.tensor.math import Dot

import symmodule
from symmodule import tensor as T
from symmodule.bounds import INDEX_CHECK_PASS
from symmodule.modes import resolve_mode
from symmodule.rewrites import backend_of, rewrites_for, rules, tune
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

def tanh_layer() -> symmodule.Module:
    """``step(x)``: one SGD step on ``sum(tanh(x @ w) @ w.T)``, which has a tanh and a transposed dot."""
    m = symmodule.Module()
    m.w = T.matrix()
    x = T.matrix("x")
    cost = T.sum(T.dot(T.tanh(T.dot(x, m.w)), m.w.T))
    m.step = symmodule.Method(x, cost, updates={m.w: m.w - 0.01 * T.grad(cost, m.w)})
    return m


def ops_in(inst: symmodule.ModuleInstance) -> list:
    return [node.op for node in inst.step.maker.fgraph.toposort()]


def run(mode: str) -> tuple[symmodule.ModuleInstance, list]:
    rng = np.random.default_rng(5)
    w, x = rng.standard_normal((6, 6)), rng.standard_normal((20, 6))
    inst = tanh_layer().make(w=w, mode=mode)
    return inst, [np.asarray(inst.step(x)), np.asarray(inst.step(x)), inst.w.copy()]


@pytest.fixture(scope="module")
def expected() -> list:
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        return run("FAST_COMPILE")[1]


def assert_same(got: list, want: list) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10)


def test_numba_runs_tanh_and_transposed_dots_through_numpy(expected):
    inst, got = run("NUMBA")
    ops = ops_in(inst)
    assert NumPyUfunc("tanh") in ops
    assert any(isinstance(op, NumPyDot) and (op.transpose_a or op.transpose_b) for op in ops)
    # Plain products stay Numba's own.
    assert any(isinstance(op, Dot) for op in ops)
    assert_same(got, expected)


def test_cvm_without_blas_runs_every_matrix_product_through_numpy(expected, monkeypatch):
    monkeypatch.setattr(rules, "config", SimpleNamespace(blas__ldflags=""))
    inst, got = run(tune(get_mode("CVM")))
    ops = ops_in(inst)
    assert NumPyUfunc("tanh") in ops
    assert not any(isinstance(op, Dot | Dot22 | Gemm) for op in ops)
    assert_same(got, expected)


def test_cvm_with_blas_keeps_pytensor_gemm(monkeypatch):
    monkeypatch.setattr(rules, "config", SimpleNamespace(blas__ldflags="-lopenblas"))
    assert rewrites_for("cvm") == [rules.INLINE_PASS, rules.UFUNC_PASS]


def test_a_rewrite_named_in_the_environment_is_left_out(monkeypatch):
    monkeypatch.setenv(rules.OFF_VARIABLE, "ufunc")
    assert rewrites_for("numba") == [rules.NUMBA_KERNELS_PASS, rules.TRANSPOSED_DOT_PASS]


def test_several_rewrites_named_in_the_environment_are_left_out(monkeypatch):
    monkeypatch.setattr(rules, "config", SimpleNamespace(blas__ldflags=""))
    monkeypatch.setenv(rules.OFF_VARIABLE, " inline, dot ")
    assert rewrites_for("cvm") == [rules.UFUNC_PASS]


def test_an_unknown_rewrite_named_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv(rules.OFF_VARIABLE, "tanh")
    with pytest.raises(ValueError, match=r"unknown rewrites \['tanh'\]; the rewrites are \['dot', 'elemwise', 'inline', "):
        rewrites_for("numba")


@pytest.mark.parametrize("name", ["C", "DEBUG_MODE"])
def test_other_modes_get_no_speed_rewrites(name):
    mode = resolve_mode(name)
    assert backend_of(mode) == "other"
    assert tune(mode) is mode


def test_jax_mode_gets_the_arange_correction_only():
    need("jax")
    mode = resolve_mode("JAX")
    assert backend_of(mode) == "jax"
    assert rewrites_for("jax") == [rules.JAX_ARANGE_PASS]
    assert rules.JAX_ARANGE_PASS in mode.provided_optimizer.extra_rewrites


def test_jax_mode_computes_an_arange_of_128_or_more_from_an_input_length():
    need("jax")
    y = pt.lvector("y")
    f = symmodule.function([y], pt.arange(y.shape[0]) * 2, mode="JAX")
    np.testing.assert_array_equal(f(np.zeros(300, dtype="int64")), np.arange(300) * 2)


def test_the_arange_correction_widens_constant_arguments_to_the_output_dtype():
    n = pt.lscalar("n")
    out = pt.arange(1, n, 2)
    (rewritten,) = rules.arange_in_its_dtype.transform(None, out.owner)
    assert [v.dtype for v in rewritten.owner.inputs] == ["int64", "int64", "int64"]
    assert rewritten.owner.inputs[1] is n
    assert rules.arange_in_its_dtype.transform(None, rewritten.owner) is None


@pytest.mark.parametrize(
    ("name", "backend"),
    [("NUMBA", "numba"), ("FAST_RUN", "numba"), ("CVM", "cvm"), ("FAST_COMPILE", "python")],
)
def test_named_modes_are_tuned_for_their_backend(name, backend):
    mode = resolve_mode(name)
    assert backend_of(mode) == backend
    checks = [INDEX_CHECK_PASS] if backend == "numba" else []  # symmodule.bounds, after the speed rewrites
    assert mode.provided_optimizer.extra_rewrites == [*rewrites_for(backend), *checks]


def test_a_name_resolves_to_one_mode_object_so_compiled_code_is_shared():
    assert resolve_mode("NUMBA") is resolve_mode("numba")


def test_a_mode_object_is_used_as_given():
    mode = get_mode("NUMBA")
    assert resolve_mode(mode) is mode


def test_integer_products_and_tanh_are_left_to_pytensor():
    x, y = pt.matrix(dtype="int64"), pt.matrix(dtype="int64")
    f = pytensor.function([x, y], [pt.dot(x, y.T), pt.tanh(x)], mode=tune(get_mode("NUMBA")))
    ops = [node.op for node in f.maker.fgraph.toposort()]
    assert not any(isinstance(op, NumPyDot | NumPyUfunc) for op in ops)
    a = np.arange(6).reshape(2, 3)
    got = f(a, a)
    np.testing.assert_array_equal(got[0], a @ a.T)
    np.testing.assert_allclose(got[1], np.tanh(a))


@pytest.mark.parametrize("name", ["FAST_COMPILE", "CVM"])
def test_softmax_runs_as_its_graph_not_as_a_separately_compiled_function(name):
    # Left as a node, log-softmax would compile its graph in the configured
    # mode (Numba) at the first call, whatever mode this function has.
    x = pt.matrix("x")
    cost = pt.sum(log_softmax(x, axis=-1) * pt.arange(3.0))
    f = pytensor.function([x], [cost, pytensor.grad(cost, x)], mode=resolve_mode(name))
    assert not any(isinstance(node.op, OpFromGraph) for node in f.maker.fgraph.toposort())
    value = np.random.default_rng(6).standard_normal((4, 3))
    logp = value - value.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    weights = np.arange(3.0)
    want_grad = weights - np.exp(logp) * weights.sum()
    got_cost, got_grad = f(value)
    np.testing.assert_allclose(got_cost, np.sum(logp * weights))
    np.testing.assert_allclose(got_grad, want_grad)


@pytest.mark.parametrize("name", ["NUMBA", "CVM", "FAST_COMPILE"])
def test_functions_compiled_with_the_speed_rewrites_pickle(name):
    x = T.dmatrix("x")
    fn = symmodule.function([x], T.tanh(T.dot(x, x.T)), mode=name)
    back = pickle.loads(pickle.dumps(fn))
    value = np.arange(6.0).reshape(2, 3) / 10
    np.testing.assert_allclose(back(value), np.tanh(value @ value.T))


def test_a_pickled_numba_mode_registers_the_kernels_in_a_new_process():
    code = (
        "import pickle, sys, numpy as np; fn = pickle.loads(sys.stdin.buffer.read()); fn(np.ones((300, 2))); "
        "print('symmodule.rewrites.numba_kernels' in sys.modules)"
    )
    x = T.dmatrix("x")
    fn = symmodule.function([x], T.tanh(T.dot(x, x.T)), mode="NUMBA")
    run = subprocess.run([sys.executable, "-c", code],
                         input=pickle.dumps(fn), capture_output=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert run.stdout.decode().strip().splitlines()[-1] == "True"
