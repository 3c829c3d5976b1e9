"""Mode names and Mode objects: each compiles the same small Module and gives FAST_COMPILE's numbers.

Numba and C compiles are slow when cold, so every mode compiles the one tiny
graph of :func:`counter_module` (the compile caches then serve it warm).
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytensor
import pytensor.scalar as ps
import pytest
from extras import need
from modules import counter_module
from pytensor.compile.mode import get_mode
from pytensor.link.c.basic import CLinker
from pytensor.link.numba.linker import NumbaLinker
from pytensor.link.vm import VMLinker
from pytensor.tensor.elemwise import Elemwise

import symmodule
from symmodule import modes
from symmodule import tensor as T
from symmodule.compiled import compile_maker
from symmodule.errors import ModeError
from symmodule.modes import (
    CMode,
    DebugMode,
    NoCCodeError,
    available_modes,
    resolve_mode,
)

X = np.linspace(0.0, 1.0, 4)


def run(mode: object) -> tuple[symmodule.ModuleInstance, list]:
    inst = counter_module().make(c=2.0, mode=mode)
    first = np.asarray(inst.step(X))
    second = np.asarray(inst.step(X))
    return inst, [first, second, float(np.asarray(inst.c))]


@pytest.fixture(scope="module")
def expected() -> list:
    return run("FAST_COMPILE")[1]


def assert_same(got: list, want: list) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_fast_compile_reference_is_right(expected):
    assert_same(expected, [np.exp(X) * 2 + 1, np.exp(X) * 3 + 1, 4.0])


@pytest.mark.parametrize(
    "mode, linker_type",
    [
        ("FAST_RUN", None),
        ("NUMBA", NumbaLinker),
        ("NUMBA_BACKGROUND", NumbaLinker),
        ("CVM", VMLinker),
        ("C", CLinker),
        ("DEBUG_MODE", None),
        ("fast_compile", VMLinker),  # names are case-insensitive
        ("DebugMode", None),  # PyTensor's spelling
    ],
)
def test_mode_names_give_fast_compile_numbers(mode, linker_type, expected):
    inst, got = run(mode)
    assert_same(got, expected)
    if linker_type is not None:
        assert isinstance(inst.step.maker.linker, linker_type)


def test_cvm_runs_the_c_loop():
    assert resolve_mode("CVM").linker.use_cloop


def test_debug_mode_is_pytensor_debugmode(expected):
    inst, got = run("DEBUG_MODE")
    assert isinstance(inst.step.maker.mode, DebugMode)
    assert_same(got, expected)


def test_debug_mode_checks_a_reduction_of_an_elementwise_expression():
    # sum(exp(n)) is fused into one node by a C-only rewrite whose Python code
    # DebugMode would run and find wrong; DEBUG_MODE leaves that rewrite out.
    m = symmodule.Module()
    m.c = T.dscalar()
    n = T.dvector("n")
    m.total = symmodule.Method(n, (T.exp(n) * m.c).sum(), c=m.c + 1)
    inst = m.make(c=2.0, mode="DEBUG_MODE")
    assert float(inst.total(X)) == pytest.approx(2 * np.exp(X).sum())
    assert float(inst.total(X)) == pytest.approx(3 * np.exp(X).sum())


@pytest.mark.parametrize(
    "mode",
    [
        get_mode("CVM"),
        CMode(),
        symmodule.Mode(symmodule.gof.OpWiseCLinker(), "fast_run"),
        symmodule.Mode("cvm", "fast_compile"),
    ],
    ids=["predefined CVM", "CMode", "OpWiseCLinker", "Mode('cvm', 'fast_compile')"],
)
def test_mode_objects_give_fast_compile_numbers(mode, expected):
    inst, got = run(mode)
    assert inst.step.maker.mode is mode
    assert_same(got, expected)


def test_jax_mode_gives_fast_compile_numbers(expected):
    need("jax")
    assert_same(run("JAX")[1], expected)


def test_compile_maker_takes_mode_names():
    x = T.dvector("x")
    f = compile_maker([x], x * 2, mode="CVM").create()
    np.testing.assert_array_equal(f(X), X * 2)


def test_function_takes_mode_names(expected):
    x = T.dvector("x")
    for mode in ("CVM", "C", "DEBUG_MODE", "NUMBA"):
        f = symmodule.function([x], T.exp(x) * 2 + 1, mode=mode)
        np.testing.assert_allclose(f(X), expected[0])


def test_configured_default_mode_is_resolved_like_a_name():
    with pytensor.config.change_flags(mode="C"):
        assert resolve_mode(None) is resolve_mode("C")
        with pytest.raises(NoCCodeError, match="Use mode='CVM'"):
            _inverse_module().make()
    with pytensor.config.change_flags(mode="NanGuardMode"):
        assert type(resolve_mode(None)).__name__ == "NanGuardMode"


# -- errors -------------------------------------------------------------------------


def test_unknown_mode_name_lists_the_available_ones():
    listed = r"Available modes: FAST_COMPILE, FAST_RUN, NUMBA, CVM, C"
    with pytest.raises(ModeError, match=rf"Unknown mode 'FASTEST'\. {listed}"):
        counter_module().make(mode="FASTEST")


def test_mode_of_a_wrong_type_is_refused():
    hint = r"symmodule\.Mode\(linker, optimizer\)"
    with pytest.raises(ModeError, match=rf"Unknown mode 3\. Available modes: .*{hint}"):
        resolve_mode(3)


@pytest.mark.parametrize("name, package", [("NUMBA", "numba"), ("JAX", "jax")])
def test_missing_backend_names_the_extra_and_the_available_modes(monkeypatch, name, package):
    monkeypatch.setattr(modes, "_installed", lambda pkg: pkg is None)
    assert name not in available_modes()
    message = rf"needs the '{package}' package.*symmodule\[{package}\].*FAST_COMPILE"
    with pytest.raises(ModeError, match=message):
        counter_module().make(mode=name)


def test_available_modes_follow_what_is_installed():
    names = available_modes()
    assert {"FAST_COMPILE", "FAST_RUN", "NUMBA", "CVM", "C", "DEBUG_MODE"} <= set(names)
    assert ("JAX" in names) == modes._installed("jax")


def test_c_mode_without_a_compiler_says_so(monkeypatch):
    monkeypatch.setattr(modes, "config", SimpleNamespace(cxx=""))
    assert "C" not in available_modes()
    with pytest.raises(ModeError, match=r"Mode 'C' needs a C\+\+ compiler.*CVM"):
        resolve_mode("C")


def _inverse_module() -> symmodule.Module:
    m = symmodule.Module()
    m.w = T.dmatrix()
    m.inv = symmodule.Method([], T.linalg.inv(m.w) * 2)
    return m


def test_c_mode_refuses_an_op_without_c_code_and_points_to_cvm():
    with pytest.raises(NoCCodeError, match=r"'inv'.*MatrixInverse.*has none\. Use mode='CVM'") as info:
        _inverse_module().make(mode="C")
    # Code catching PyTensor's own error for this keeps working.
    assert isinstance(info.value, ModeError) and isinstance(info.value, NotImplementedError)


def test_the_advice_works_cvm_runs_that_graph():
    inst = _inverse_module().make(mode="CVM", w=np.eye(2) * 4)
    np.testing.assert_allclose(inst.inv(), np.eye(2) / 2)


class _PyOnlyDouble(ps.UnaryScalarOp):
    """A scalar Op with Python code only: an Elemwise of it is a C Op without C code."""

    def impl(self, x):
        return 2.0 * x


def test_c_mode_names_the_node_whose_c_code_is_missing():
    py_double = Elemwise(_PyOnlyDouble(ps.upgrade_to_float, name="py_only_double"))
    x = T.dvector("x")
    maker = compile_maker([x], py_double(x) + 1, mode="C", name="f")
    message = r"of 'f'.*Py_only_double \(in Py_only_double\(x\)\) has none\. Use mode='CVM'"
    with pytest.raises(NoCCodeError, match=message):
        maker.create()


_DEFAULT_MODE_PROBE = """
import symmodule
from symmodule import tensor as T
from symmodule.modes import resolve_mode
m = symmodule.Module()
m.c = T.dscalar()
m.inc = symmodule.Method([], m.c + 1, c=m.c + 1)
inst = m.make(c=0)
assert inst.inc() == 1.0
mode = inst.inc.maker.mode
names = [n for n in ("FAST_RUN", "NUMBA", "CVM", "FAST_COMPILE") if mode is resolve_mode(n)]
print(names[0] if names else "pytensor:" + type(mode.linker).__name__)
"""


def _default_mode_in_a_clean_process(flags: str | None) -> str:
    """The mode ``make()`` picks with no ``mode=``, in a process without this suite's overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTENSOR", "SYMMODULE"))}
    if flags is not None:
        env["PYTENSOR_FLAGS"] = flags
    proc = subprocess.run(
        [sys.executable, "-c", _DEFAULT_MODE_PROBE], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.split()[-1]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (None, "FAST_RUN"),
        ("mode=FAST_COMPILE", "FAST_COMPILE"),
        ("mode=CVM", "CVM"),
        ("linker=cvm", "CVM"),
        ("optimizer=fast_compile", "pytensor:NumbaLinker"),
    ],
    ids=["no flags", "mode=FAST_COMPILE", "mode=CVM", "linker=cvm", "non-default optimizer"],
)
def test_make_without_a_mode_uses_the_documented_default(flags, expected):
    assert _default_mode_in_a_clean_process(flags) == expected


def test_the_default_mode_has_the_speed_rewrites():
    with pytensor.config.change_flags(mode="Mode"):
        assert resolve_mode(None) is resolve_mode("FAST_RUN")
        assert resolve_mode(None).provided_optimizer.extra_rewrites


# -- JAX_DONATING ---------------------------------------------------------------------------------


def _training_module():
    m = symmodule.Module()
    m.w = T.dvector()
    m.count = T.lscalar()
    x, rows = T.dmatrix("x"), T.lvector("rows")
    loss = T.sum((x @ m.w - 1.0) ** 2)
    m.step = symmodule.Method([x], loss, w=m.w - 0.01 * T.grad(loss, m.w), count=m.count + 1)
    m.pick = symmodule.Method([rows], m.w[rows].sum(), w=m.w * 2)
    return m


def test_jax_donating_is_jax_with_a_donating_linker():
    need("jax")
    mode = resolve_mode("JAX_DONATING")
    assert isinstance(mode, modes.JAXDonatingMode)
    assert isinstance(mode.linker, symmodule._pytensor.DonatingJAXLinker)
    assert resolve_mode("jax_donating") is mode
    assert "JAX_DONATING" in available_modes()


def test_jax_donating_gives_jax_modes_bits():
    need("jax")
    x = np.random.default_rng(0).standard_normal((5, 3))
    runs = {}
    for mode in ("JAX", "JAX_DONATING"):
        inst = _training_module().make(mode=mode, w=np.zeros(3), count=0)
        runs[mode] = [float(inst.step(x)) for _ in range(4)] + list(np.asarray(inst.w))
    assert runs["JAX_DONATING"] == runs["JAX"]


def test_jax_donating_deletes_a_members_array_read_before_a_call_that_updates_it():
    need("jax")
    inst = _training_module().make(mode="JAX_DONATING", w=np.zeros(3), count=0)
    x = np.ones((2, 3))
    inst.step(x)
    before, kept = inst.w, np.array(inst.w)
    inst.step(x)
    assert before.is_deleted()
    assert not np.array_equal(np.asarray(inst.w), kept)


def test_jax_mode_keeps_a_members_array_read_before_a_call():
    need("jax")
    inst = _training_module().make(mode="JAX", w=np.zeros(3), count=0)
    inst.step(np.ones((2, 3)))
    before = inst.w
    inst.step(np.ones((2, 3)))
    assert not before.is_deleted()


def test_jax_donating_donates_nothing_from_a_method_that_indexes_so_an_index_error_keeps_the_state():
    need("jax")
    inst = _training_module().make(mode="JAX_DONATING", w=np.arange(3.0), count=0)
    inst.pick(np.array([0]))
    before = inst.w
    with pytest.raises(IndexError):
        inst.pick(np.array([7]))
    assert not before.is_deleted()
    np.testing.assert_array_equal(np.asarray(inst.w), [0.0, 2.0, 4.0])
    assert inst.step._sm_donating and not inst.pick._sm_donating


def test_jax_donating_instances_save_and_load(tmp_path):
    need("jax")
    inst = _training_module().make(mode="JAX_DONATING", w=np.zeros(3), count=0)
    inst.step(np.ones((2, 3)))
    symmodule.save(inst, tmp_path / "model.safetensors")
    again = _training_module().make(mode="JAX_DONATING", w=np.zeros(3), count=0)
    symmodule.load(tmp_path / "model.safetensors", again)
    np.testing.assert_array_equal(np.asarray(again.w), np.asarray(inst.w))
    assert float(again.step(np.ones((2, 3)))) == float(inst.step(np.ones((2, 3))))


def test_an_interrupt_during_a_donated_computation_surfaces_as_itself_naming_the_deleted_members():
    need("jax")
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers run in the main thread")
    m = symmodule.Module()
    m.a, m.b = T.dscalar(), T.dscalar()
    x = T.dscalar("x")
    m.step = symmodule.Method(x, [], updates={m.a: m.a + x, m.b: m.b + x})
    inst = m.make(mode="JAX_DONATING", a=0.0, b=0.0)
    inst.step(1.0)
    armed, outcomes = [False], {"whole": 0, "lost": 0}
    note = symmodule.errors.DONATED_MEMBERS_LOST.format(method="Method 'step'", members="a, b")

    def interrupt(signum, frame):
        if armed[0]:
            armed[0] = False  # one interrupt per call, as one Ctrl-C
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 100e-6, 100e-6)
    try:
        for _ in range(3000):
            try:
                armed[0] = True
                inst.step(1.0)
                armed[0] = False
            except KeyboardInterrupt as exc:
                armed[0] = False
                if getattr(exc, "__notes__", None):
                    assert exc.__notes__ == [note]
                    assert inst.a.is_deleted() and inst.b.is_deleted()
                    outcomes["lost"] += 1
                    inst.a = inst.b = 0.0
                    continue
            assert float(inst.a) == float(inst.b)  # a call not reported lost is whole
            outcomes["whole"] += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert outcomes["whole"] > 0
