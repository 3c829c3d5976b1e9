"""Named Numba modes: a FAST_COMPILE stand-in runs while Numba compiles on a thread, then Numba."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest
from pytensor.compile.mode import get_mode

import symmodule
from symmodule import background
from symmodule import tensor as T
from symmodule.background import BackgroundCompile

W0 = np.array([1.0, 2.0, 3.0])
X = np.array([0.5, -1.0, 2.0])


def module() -> symmodule.Module:
    """``step(x)`` returns ``sum(tanh(w * x))`` and adds ``x`` to ``w``."""
    m = symmodule.Module()
    m.w = T.dvector()
    x = T.dvector("x")
    m.step = symmodule.Method([x], T.sum(T.tanh(m.w * x)), updates={m.w: m.w + x})
    return m


def expected(steps: int) -> list[float]:
    w, outs = W0.copy(), []
    for _ in range(steps):
        outs.append(float(np.sum(np.tanh(w * X))))
        w = w + X
    return outs


@pytest.fixture
def held(monkeypatch):
    """Background compilations wait for ``release.set()``; calls do not wait for them."""
    release = threading.Event()
    compile_ = BackgroundCompile._compile

    def held_compile(self, dispatcher, signature):
        release.wait(30)
        compile_(self, dispatcher, signature)

    monkeypatch.setattr(BackgroundCompile, "_compile", held_compile)
    monkeypatch.setattr(background, "WAIT_S", 0.0)
    yield release
    release.set()


def test_calls_run_the_stand_in_while_numba_compiles(held):
    inst = module().make(w=W0.copy(), mode="NUMBA")
    got = [float(inst.step(X)) for _ in range(2)]
    standin = inst.step._sm_standin
    assert standin is not None
    assert get_mode("FAST_COMPILE").linker.__class__ is type(standin.maker.mode.linker)
    np.testing.assert_allclose(got, expected(2))
    np.testing.assert_allclose(inst.w, W0 + 2 * X)


def test_calls_switch_to_numba_once_it_is_ready_and_keep_the_state(held):
    inst = module().make(w=W0.copy(), mode="NUMBA")
    first = float(inst.step(X))
    held.set()
    inst.step._sm_background.done.wait(60)
    second = float(inst.step(X))
    assert inst.step._sm_background is None and inst.step._sm_standin is None
    np.testing.assert_allclose([first, second], expected(2))
    np.testing.assert_allclose(inst.w, W0 + 2 * X)


def test_numba_is_compiled_once_for_every_instance(held):
    m = module()
    a, b = m.make(w=W0.copy(), mode="NUMBA"), m.make(w=W0.copy(), mode="NUMBA")
    assert a.step._sm_background is b.step._sm_background


def test_a_mode_object_runs_numba_from_the_first_call():
    inst = module().make(w=W0.copy(), mode=get_mode("NUMBA"))
    assert inst.step._sm_background is None
    np.testing.assert_allclose(float(inst.step(X)), expected(1)[0])


def test_the_fast_path_always_runs_numba(held):
    inst = module().make(w=W0.copy(), mode="NUMBA")
    step = inst.step.unchecked
    held.set()  # the fast path waits for Numba's compilation rather than run a stand-in
    np.testing.assert_allclose(float(step(X)), expected(1)[0])
    assert inst.step._sm_standin is None


def test_a_failed_background_compilation_is_redone_by_the_first_call(monkeypatch):
    def fail(self, dispatcher, signature):
        self.done.set()  # as _compile does when Numba raises

    monkeypatch.setattr(BackgroundCompile, "_compile", fail)
    monkeypatch.setattr(background, "WAIT_S", 0.0)
    inst = module().make(w=W0.copy(), mode="NUMBA")
    np.testing.assert_allclose(float(inst.step(X)), expected(1)[0])
    assert inst.step._sm_background is None


def test_graphs_with_non_tensor_inputs_compile_at_the_first_call():
    m = symmodule.Module()
    m.random = symmodule.module.random.RandomStreams(seed=1)
    m.draw = symmodule.Method([], m.random.uniform(size=(2,)))
    inst = m.make(mode="NUMBA")
    assert inst.draw._sm_background is None or inst.draw._sm_background.done.is_set()
    assert inst.draw().shape == (2,)


def test_functions_pickle_without_their_compile_thread():
    x = T.dvector("x")
    fn = symmodule.function([x], T.tanh(x), mode="NUMBA")
    back = pickle.loads(pickle.dumps(fn))
    np.testing.assert_allclose(back(X), np.tanh(X))


def test_the_background_compiles_the_signature_calls_use():
    inst = module().make(w=W0.copy(), mode="NUMBA")
    inst.step._sm_background.done.wait(120)
    compiled = list(inst.step.vm.jit_fn.signatures)
    inst.step(X)
    assert list(inst.step.vm.jit_fn.signatures) == compiled
