"""Same program, same answers, at every moment and in every mode.

* An out-of-range index raises ``IndexError`` (negative indices count from
  the end, as in NumPy).
* An argument's array is never overwritten, ``mutable`` or not.
* A method's outputs are bit for bit the same at its first and its 1000th
  call from the same state.
* No thread keeps the interpreter alive at exit, and ``os.fork()`` after
  ``make()`` gives a child that can call methods and exit.

'NUMBA_BACKGROUND' runs with its compilation held back, so that its calls
run the stand-in: it gives the same errors and leaves arguments alone too.
Its stand-in runs other kernels than Numba, so its first results may differ
from later ones in the last bits: the bit-for-bit test leaves it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytensor
import pytest
from extras import need
from scipy.special import log_softmax as np_log_softmax

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN

N = 10  # the size of every indexed axis
X = np.arange(N, dtype="float64") * 1.5 - 4.0

MODES = ["FAST_COMPILE", "NUMBA", "CVM", "JAX", "NUMBA_BACKGROUND"]


@pytest.fixture(params=MODES)
def mode(request) -> str:
    """Each mode; 'NUMBA_BACKGROUND' with its compilation held back (calls run the stand-in)."""
    if request.param == "JAX":
        need("jax")
    if request.param == "NUMBA_BACKGROUND":
        request.getfixturevalue("held_background")
    return request.param


def make(module: symmodule.Module, mode: str, **init) -> symmodule.ModuleInstance:
    # 'NUMBA_BACKGROUND' compiles afresh, so that its background compilation is held back.
    cache = None if mode == "NUMBA_BACKGROUND" else symmodule.code_cache
    return module.make(mode=mode, cache=cache, **init)


def raised_index_error(excinfo: pytest.ExceptionInfo) -> bool:
    """Whether the error raised is an IndexError, or explains one (symmodule names the method)."""
    error = excinfo.value
    return isinstance(error, IndexError) or isinstance(error.__cause__, IndexError)


# -- index bounds ---------------------------------------------------------------------------


def indexing_module(case: str) -> symmodule.Module:
    """``x`` (N values) and one method indexing it, or indexing a batch of logits by labels."""
    m = symmodule.Module()
    m.x = T.dvector()
    i, idx = T.lscalar("i"), T.lvector("idx")
    if case == "x[i]":
        m.f = symmodule.Method([i], m.x[i])
    elif case == "x[idx]":
        m.f = symmodule.Method([idx], m.x[idx])
    elif case == "cross-entropy":
        logits, labels = T.dmatrix("logits"), T.lvector("labels")
        m.f = symmodule.Method([logits, labels], NN.categorical_crossentropy(NN.softmax(logits), labels))
    elif case == "x[rows, cols]":
        m.table = T.dmatrix()
        rows, cols = T.lvector("rows"), T.lvector("cols")
        m.f = symmodule.Method([rows, cols], m.table[rows, cols])
    else:  # "inc_subtensor(x[idx], y)"
        y = T.dvector("y")
        m.f = symmodule.Method([idx, y], T.inc_subtensor(m.x[idx], y))
    return m


LOGITS = np.linspace(-1.0, 1.0, 2 * N).reshape(2, N)
TABLE = np.arange(2 * N, dtype="float64").reshape(2, N)


def arguments(case: str, index: int) -> tuple:
    """The arguments of ``case`` that use ``index`` on an axis of size N."""
    return {
        "x[i]": (index,),
        "x[idx]": (np.array([0, index]),),
        "cross-entropy": (LOGITS, np.array([index, 0])),
        "x[rows, cols]": (np.array([1, 0]), np.array([index, 2])),
        "inc_subtensor(x[idx], y)": (np.array([index, 1]), np.array([1.0, 2.0])),
    }[case]


def numpy_result(case: str, index: int) -> np.ndarray:
    """What NumPy computes for ``case`` with ``index``."""
    if case == "x[i]":
        return X[index]
    if case == "x[idx]":
        return X[[0, index]]
    if case == "cross-entropy":
        return -np_log_softmax(LOGITS, axis=1)[[0, 1], [index, 0]]
    if case == "x[rows, cols]":
        return TABLE[[1, 0], [index, 2]]
    added = X.copy()
    np.add.at(added, [index, 1], [1.0, 2.0])
    return added


CASES = ["x[i]", "x[idx]", "cross-entropy", "x[rows, cols]", "inc_subtensor(x[idx], y)"]


@pytest.mark.parametrize("index", [N, N + 2, -N - 1], ids=["n", "n+2", "-n-1"])
@pytest.mark.parametrize("case", CASES)
def test_an_out_of_range_index_raises_index_error(mode, case, index):
    inst = make(indexing_module(case), mode, x=X.copy(), **({"table": TABLE} if "rows" in case else {}))
    with pytest.raises(Exception) as excinfo:
        inst.f(*arguments(case, index))
    assert raised_index_error(excinfo)


@pytest.mark.parametrize("index", [-1, -N, N - 1], ids=["-1", "-n", "n-1"])
@pytest.mark.parametrize("case", CASES)
def test_an_index_in_range_gives_numpy_result(mode, case, index):
    inst = make(indexing_module(case), mode, x=X.copy(), **({"table": TABLE} if "rows" in case else {}))
    np.testing.assert_allclose(np.asarray(inst.f(*arguments(case, index))), numpy_result(case, index))


# -- mutable inputs -------------------------------------------------------------------------


def mutable_module() -> symmodule.Module:
    """``f(x)`` with ``x`` declared mutable, computing ``exp(x) * 2 + c`` (a candidate for in-place)."""
    m = symmodule.Module()
    m.c = T.dvector()
    x = T.dvector("x")
    m.f = symmodule.Method([symmodule.In(x, mutable=True)], T.exp(x) * 2 + m.c)
    return m


def test_a_mutable_argument_is_left_as_the_caller_passed_it(mode):
    inst = make(mutable_module(), mode, c=np.ones(3))
    given = np.array([0.0, 1.0, 2.0])
    inst.f(given)
    inst.f(given)
    np.testing.assert_array_equal(given, [0.0, 1.0, 2.0])


def test_a_mutable_argument_gives_numpy_results_at_every_call(mode):
    inst = make(mutable_module(), mode, c=np.ones(3))
    given = np.array([0.0, 1.0, 2.0])
    got = [np.asarray(inst.f(given)) for _ in range(2)]
    np.testing.assert_allclose(got, [np.exp([0.0, 1.0, 2.0]) * 2 + 1] * 2)


def test_a_function_leaves_the_array_of_a_mutable_input_alone(mode):
    x = T.dvector("x")
    f = symmodule.function([symmodule.In(x, mutable=True)], T.exp(x) * 2, mode=mode)
    given = np.array([0.0, 1.0, 2.0])
    f(given)
    np.testing.assert_array_equal(given, [0.0, 1.0, 2.0])


def test_an_update_never_writes_into_the_array_a_shared_variable_held(mode):
    s = pytensor.shared(np.array([1.0, 2.0]))
    held = s.get_value(borrow=True)
    f = symmodule.function([], [], updates={s: s * 2 + 1}, mode=mode)
    f()
    np.testing.assert_array_equal(held, [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(s.get_value()), [3.0, 5.0])


# -- the same bits at every call ------------------------------------------------------------


def step_module() -> symmodule.Module:
    """``step(x)`` returns a loss and a softmax of ``w @ x`` and moves ``w``: reductions, exp, tanh, a product."""
    m = symmodule.Module()
    m.w = T.dmatrix()
    x = T.dmatrix("x")
    h = T.tanh(T.dot(x, m.w))
    loss = T.sum(NN.softmax(h) * T.log1p(T.exp(h)))
    m.step = symmodule.Method([x], [loss, NN.softmax(h)], w=m.w - 0.01 * pytensor.grad(loss, m.w))
    return m


@pytest.mark.parametrize("mode", [m for m in MODES if m != "NUMBA_BACKGROUND"], indirect=True)
def test_outputs_are_bit_identical_at_the_first_and_the_1000th_call_from_the_same_state(mode):
    rng = np.random.default_rng(5)
    w0, x = rng.standard_normal((7, 5)), rng.standard_normal((3, 7))
    inst = make(step_module(), mode, w=w0)
    first = [np.asarray(out).tobytes() for out in inst.step(x)] + [np.asarray(inst.w).tobytes()]
    for _ in range(999):
        inst.w = w0
        outputs = inst.step(x)
    last = [np.asarray(out).tobytes() for out in outputs] + [np.asarray(inst.w).tobytes()]
    assert last == first


# -- exit and fork ---------------------------------------------------------------------------

# The preamble of the scripts below: a module in the mode sys.argv[1]; with
# sys.argv[2] == "held", its background compilation waits HOLD_S seconds first.
PREAMBLE = """
import os, sys, threading, time
import numpy as np
import symmodule
from symmodule import background
from symmodule import tensor as T
from symmodule.background import BackgroundCompile

mode, held = sys.argv[1], sys.argv[2] == "held"
if held:
    compile_ = BackgroundCompile._compile

    def held_compile(self, dispatcher, signature):
        time.sleep(float(sys.argv[3]))
        compile_(self, dispatcher, signature)

    BackgroundCompile._compile = held_compile
    background.WAIT_S = 0.0
m = symmodule.Module()
m.w = T.dvector()
x = T.dvector("x")
m.step = symmodule.Method([x], T.sum(T.tanh(m.w * x)), w=m.w + x)
X = np.array([0.5, -1.0, 2.0])
inst = m.make(w=np.array([1.0, 2.0, 3.0]), mode=mode, cache=None)
"""

EXIT_SCRIPT = PREAMBLE + """
inst.step(X)
alive = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
print("printed", alive, flush=True)
"""


@pytest.mark.parametrize(("mode", "held"), [("NUMBA", "now"), ("NUMBA_BACKGROUND", "held")])
def test_a_script_exits_right_after_its_last_line(mode, held):
    script = subprocess.Popen(
        [sys.executable, "-c", EXIT_SCRIPT, mode, held, "600"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = script.stdout.readline()
        printed = time.monotonic()
        script.wait(timeout=120)
    finally:
        script.kill()
    assert line.strip() == "printed []"
    assert script.returncode == 0
    assert time.monotonic() - printed < 10


FORK_SCRIPT = PREAMBLE + """
calls = int(sys.argv[4])
for _ in range(calls):
    inst.step(X)
w = np.array([1.0, 2.0, 3.0]) + calls * X
pid = os.fork()
if pid == 0:
    got = float(inst.step(X))
    numba_ran = inst.step._sm_standin is None
    sys.exit(0 if got == float(np.sum(np.tanh(w * X))) and numba_ran else 3)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


@pytest.mark.parametrize(
    ("mode", "held", "calls"),
    [("NUMBA", "now", 0), ("NUMBA_BACKGROUND", "held", 0), ("NUMBA_BACKGROUND", "held", 1)],
    ids=["NUMBA", "NUMBA_BACKGROUND-compiling", "NUMBA_BACKGROUND-after-a-stand-in-call"],
)
def test_a_child_forked_after_make_calls_methods_and_exits(mode, held, calls):
    # Held 3 s: the fork comes while Numba compiles; the child runs Numba's code.
    result = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT, mode, held, "3", str(calls)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["0"]
