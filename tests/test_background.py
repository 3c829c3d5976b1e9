"""'NUMBA_BACKGROUND': a FAST_COMPILE stand-in runs while Numba compiles on a thread, then Numba.

Background compilation is opt-in: 'NUMBA', 'FAST_RUN' and Mode objects run
Numba's code from the first call. What every mode guarantees, this one
included (errors, inputs, exit, fork), is tested in test_same_answers.py.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from pytensor.compile.mode import get_mode

import symmodule
from symmodule import background
from symmodule import tensor as T
from symmodule.background import BackgroundCompile
from symmodule.modes import NumbaBackgroundMode

W0 = np.array([1.0, 2.0, 3.0])
X = np.array([0.5, -1.0, 2.0])


def module() -> symmodule.Module:
    """``step(x)`` returns ``sum(tanh(w * x))`` and adds ``x`` to ``w``."""
    m = symmodule.Module()
    m.w = T.dvector()
    x = T.dvector("x")
    m.step = symmodule.Method([x], T.sum(T.tanh(m.w * x)), updates={m.w: m.w + x})
    return m


@pytest.fixture
def cache() -> symmodule.CodeCache:
    """A code cache of the test's own: its makers start their background compilation afresh."""
    return symmodule.CodeCache()


def expected(steps: int) -> list[float]:
    w, outs = W0.copy(), []
    for _ in range(steps):
        outs.append(float(np.sum(np.tanh(w * X))))
        w = w + X
    return outs


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_RUN", None])
def test_numba_modes_compile_nothing_in_the_background(mode):
    with symmodule.config.change_flags(mode="Mode"):  # PyTensor's default: FAST_RUN
        inst = module().make(w=W0.copy(), mode=mode)
    assert inst.step._sm_background is None
    np.testing.assert_allclose(float(inst.step(X)), expected(1)[0])


def test_a_mode_object_runs_numba_from_the_first_call():
    inst = module().make(w=W0.copy(), mode=get_mode("NUMBA"))
    assert inst.step._sm_background is None
    np.testing.assert_allclose(float(inst.step(X)), expected(1)[0])


def test_a_background_mode_object_opts_in(held_background, cache):
    numba = get_mode("NUMBA")
    inst = module().make(w=W0.copy(), mode=NumbaBackgroundMode(numba.linker, numba.provided_optimizer), cache=cache)
    inst.step(X)
    assert inst.step._sm_standin is not None


def test_calls_run_the_stand_in_while_numba_compiles(held_background, cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    got = [float(inst.step(X)) for _ in range(2)]
    standin = inst.step._sm_standin
    assert standin is not None
    assert get_mode("FAST_COMPILE").linker.__class__ is type(standin.maker.mode.linker)
    np.testing.assert_allclose(got, expected(2))
    np.testing.assert_allclose(inst.w, W0 + 2 * X)


def test_calls_switch_to_numba_once_it_is_ready_and_keep_the_state(held_background, cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    first = float(inst.step(X))
    held_background.set()
    assert background.finish(60)
    second = float(inst.step(X))
    assert inst.step._sm_background is None and inst.step._sm_standin is None
    np.testing.assert_allclose([first, second], expected(2))
    np.testing.assert_allclose(inst.w, W0 + 2 * X)


def test_numba_is_compiled_once_for_every_instance(held_background, cache):
    m = module()
    a = m.make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    b = m.make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    assert a.step._sm_background is b.step._sm_background


def test_the_compile_thread_never_keeps_the_interpreter_alive(held_background, cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    assert inst.step._sm_background._thread.daemon


def test_finish_waits_for_compilations_in_progress(held_background, cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    assert not background.finish(timeout=0.1)
    held_background.set()
    assert background.finish()
    assert inst.step._sm_background.done.is_set()


def test_the_fast_path_always_runs_numba(held_background, cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    step = inst.step.unchecked
    held_background.set()  # the fast path waits for Numba's compilation rather than run a stand-in
    np.testing.assert_allclose(float(step(X)), expected(1)[0])
    assert inst.step._sm_standin is None


def test_a_failed_background_compilation_is_redone_by_the_first_call(monkeypatch, cache):
    def fail(self, dispatcher, signature):
        self.done.set()  # as _compile does when Numba raises

    monkeypatch.setattr(BackgroundCompile, "_compile", fail)
    monkeypatch.setattr(background, "WAIT_S", 0.0)
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    np.testing.assert_allclose(float(inst.step(X)), expected(1)[0])
    assert inst.step._sm_background is None


def test_graphs_with_non_tensor_inputs_compile_at_the_first_call(cache):
    m = symmodule.Module()
    m.random = symmodule.module.random.RandomStreams(seed=1)
    m.draw = symmodule.Method([], m.random.uniform(size=(2,)))
    inst = m.make(mode="NUMBA_BACKGROUND", cache=cache)
    assert inst.draw._sm_background is None or inst.draw._sm_background.done.is_set()
    assert inst.draw().shape == (2,)


def test_functions_pickle_without_their_compile_thread():
    x = T.dvector("x")
    fn = symmodule.function([x], T.tanh(x), mode="NUMBA_BACKGROUND")
    back = pickle.loads(pickle.dumps(fn))
    np.testing.assert_allclose(back(X), np.tanh(X))


def test_the_background_compiles_the_signature_calls_use(cache):
    inst = module().make(w=W0.copy(), mode="NUMBA_BACKGROUND", cache=cache)
    assert background.finish(120)
    compiled = list(inst.step.vm.jit_fn.signatures)
    inst.step(X)
    assert list(inst.step.vm.jit_fn.signatures) == compiled
