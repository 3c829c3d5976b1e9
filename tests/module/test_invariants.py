"""One test per invariant of ``symmodule/module/README.md``, named after it.

A change that breaks a promise of the Module system fails the test bearing
the promise's name. Each test checks the promise itself, on the smallest
module that shows it; the behaviour around each is tested in detail beside
the code that keeps it.
"""

from __future__ import annotations

import copy
import pickle
import signal
import threading

import numpy as np
import pytest
from extras import need
from pytensor.compile.executor import Function as PyTensorFunction

import symmodule
from symmodule import errors
from symmodule import tensor as T


def counter() -> symmodule.Module:
    m = symmodule.Module()
    n = T.dscalar("n")
    m.c = T.dscalar()
    m.d = T.dscalar()
    m.inc = symmodule.Method(n, [], c=m.c + n, d=m.d + n)
    return m


def test_invariant_1_declaring_is_storing():
    m = symmodule.Module()
    value, listing = T.dscalar(), [T.dscalar(), 3]
    m.c, m.items, m.flag = value, listing, True
    assert (m.c, m.items, m.flag) == (value, listing, True) and m.items is listing


def test_invariant_2_one_variable_one_storage():
    m = symmodule.Module()
    m.c = T.dscalar()
    m.again = [m.c]
    m.inc = symmodule.Method([], [], c=m.c + 1)
    inst = m.make(c=0)
    inst.again[0] = 5.0
    inst.inc()
    assert float(inst.c) == float(inst.again[0]) == 6.0


def test_invariant_3_nothing_is_shared_between_make_calls_except_compiled_code():
    m = counter()
    first, second = m.make(c=0, d=0), m.make(c=0, d=0)
    first.inc(1)
    assert float(second.c) == 0.0 and first.inc.maker is second.inc.maker


def test_invariant_4_a_compiled_method_is_a_pytensor_function():
    inst = counter().make(c=0, d=0)
    implicit = [spec for spec in inst.inc.maker.inputs if spec.implicit]
    assert isinstance(inst.inc, PyTensorFunction)
    assert [spec.name for spec in implicit] == ["c", "d"] and all(spec.update is not None for spec in implicit)


def test_invariant_5_plans_are_snapshots():
    m = counter()
    inst = m.make(c=0, d=0)
    m.inc = symmodule.Method(T.dscalar("n"), [], c=m.c - 100)  # changed after make()
    for made in (inst, copy.deepcopy(inst), pickle.loads(pickle.dumps(inst))):
        made.inc(1)
        assert float(made.c) == float(inst.c)


def test_invariant_6_internal_names_start_with_sm():
    m = counter()
    inst = m.make(c=0, d=0)
    internal = {name for obj in (m, inst, inst.inc) for name in vars_of(obj) if name.startswith("_")}
    assert internal and all(name.startswith("_sm_") for name in internal)


def vars_of(obj: object) -> list[str]:
    names = list(getattr(obj, "__dict__", {}))
    names += [name for cls in type(obj).__mro__ if cls.__module__.startswith("symmodule") for name in getattr(cls, "__slots__", ())]
    return names


def test_invariant_7_errors_are_explained_where_they_happen():
    inst = counter().make(c=0, d=0)
    with pytest.raises(errors.SymmoduleError, match=r"Method 'inc'.* 2 were given.*set them on the instance"):
        inst.inc(1.0, 2.0)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "JAX"])
def test_invariant_8_storage_follows_the_backend_and_only_at_the_edges(mode):
    array_type = need("jax").Array if mode == "JAX" else np.ndarray
    inst = counter().make(c=0, d=0, mode=mode)
    inst.c = 1  # converted where it enters...
    assert isinstance(inst.c, array_type)
    inst.inc(1.0)  # ...and calls keep it so
    assert isinstance(inst.c, array_type) and isinstance(inst.d, array_type)


def test_invariant_9_an_instance_is_a_blueprint_and_a_state():
    inst = counter().make(c=1, d=2)
    blueprint, state = symmodule.split(inst)
    twin = symmodule.merge(blueprint, state)
    assert (twin.inc.maker, state.snapshot()) == (inst.inc.maker, symmodule.split(twin)[1].snapshot())


def test_invariant_10_one_lock_per_instance_tree():
    inst = counter().make(c=0, d=0)
    done = threading.Event()
    with symmodule.split(inst)[1].lock:
        threading.Thread(target=lambda: (inst.inc(1), done.set())).start()
        assert not done.wait(0.2)  # the call waits for the lock this thread holds
    assert done.wait(5) and float(inst.c) == 1.0


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals")
def test_invariant_11_a_call_changes_the_state_all_at_once_or_not_at_all():
    inst = counter().make(c=0, d=0, mode="FAST_COMPILE")
    armed = [False]

    def interrupt(signum, frame):
        if armed[0]:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    interrupted = 0
    signal.setitimer(signal.ITIMER_REAL, 50e-6, 50e-6)
    try:
        while interrupted < 500:
            try:
                armed[0] = True
                inst.inc(1.0)
                armed[0] = False
            except KeyboardInterrupt:
                armed[0] = False
                interrupted += 1
                assert float(inst.c) == float(inst.d)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)


def test_invariant_12_an_instance_s_namespace_is_what_its_module_declared():
    m = symmodule.Module()
    m.save = T.dscalar()
    m.summary = symmodule.Method([], m.save * 2)
    inst = m.make(save=3.0)
    assert float(inst.save) == 3.0 and float(inst.summary()) == 6.0
