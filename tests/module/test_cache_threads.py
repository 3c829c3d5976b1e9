"""The code cache under threads: right code for every make(), counters that add up, one compilation per key.

The interpreter switches threads every 10 microseconds here (instead of every
5 milliseconds), so that threads interleave inside the cache's methods.
"""

import sys
import threading
import time

import numpy as np
import pytest
from pytensor import config

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M

THREADS = 8


@pytest.fixture(autouse=True)
def _fast_thread_switching():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def shifted_module(shift):
    """State ``c``; ``f(x)`` returns ``x * shift + c`` and ``inc()`` adds ``shift`` to ``c``."""
    m = M.Module()
    x = T.dvector("x")
    m.c = T.dscalar()
    m.f = M.Method(x, x * float(shift) + m.c)
    m.inc = M.Method([], [], c=m.c + float(shift))
    return m


def run_in_threads(target, count=THREADS):
    """Run ``target(i)`` in ``count`` threads at once; re-raise the first exception any of them raised."""
    failures = []
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            target(index)
        except BaseException as exc:  # reported in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def check_instance(inst, shift, start):
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_array_equal(inst.f(x), x * shift + start)
    inst.inc()
    assert float(inst.c) == start + shift


def test_concurrent_makes_give_every_instance_right_answers_and_compile_each_key_once():
    cache = symmodule.CodeCache()
    rounds, structures = 6, 4

    def make_many(thread):
        for round_ in range(rounds):
            shift = (thread + round_) % structures
            start = 100.0 * thread + round_
            check_instance(shifted_module(shift).make(c=start, cache=cache), shift, start)

    run_in_threads(make_many)
    lookups = THREADS * rounds * 2  # two methods per make()
    assert cache.stats.compilations == structures * 2
    assert cache.stats.hits == lookups - structures * 2


def test_concurrent_makes_past_maxsize_keep_the_cache_bounded_and_the_counts_right():
    cache = symmodule.CodeCache(maxsize=3)
    rounds, structures = 4, 6
    sizes = []

    def make_many(thread):
        for round_ in range(rounds):
            shift = (thread * rounds + round_) % structures
            check_instance(shifted_module(shift).make(c=1.0, cache=cache), shift, 1.0)
            sizes.append(len(cache))

    run_in_threads(make_many)
    assert max(sizes) <= 3
    assert len(cache) == 3
    assert cache.stats.hits + cache.stats.compilations == THREADS * rounds * 2
    assert cache.stats.compilations >= structures * 2


def test_concurrent_makes_in_two_modes_leave_the_configuration_as_it_was():
    # PyTensor sets config.mode to the Mode being compiled while it rewrites,
    # and restores it after: overlapping compilations would leave one in place.
    modes = ["FAST_COMPILE", symmodule.Mode(linker="py", optimizer="fast_compile")]
    before = (config.mode, config.cxx, config.optdb__max_use_ratio)

    def make_many(thread):
        for round_ in range(4):
            shift = thread * 4 + round_  # a new structure each time: every make() compiles
            inst = shifted_module(shift).make(c=0.0, cache=symmodule.CodeCache(), mode=modes[thread % 2])
            check_instance(inst, shift, 0.0)

    run_in_threads(make_many)
    assert (config.mode, config.cxx, config.optdb__max_use_ratio) == before


def test_one_key_asked_for_by_many_threads_at_once_is_compiled_once():
    cache = symmodule.CodeCache()
    compiled = object()
    calls = []
    results = [None] * THREADS

    def compile_slowly():
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return compiled

    def fetch(thread):
        results[thread] = cache.fetch(("key",), compile_slowly)

    run_in_threads(fetch)
    assert len(calls) == 1
    assert all(result is compiled for result in results)
    assert (cache.stats.compilations, cache.stats.hits) == (1, THREADS - 1)


def test_different_keys_compile_at_the_same_time():
    cache = symmodule.CodeCache()
    both_compiling = threading.Barrier(2, timeout=10)

    def compile_alongside_the_other():
        # Each compilation waits for the other one to be running: they would
        # time out if the cache compiled one key at a time.
        both_compiling.wait()
        return object()

    def fetch(thread):
        cache.fetch((thread,), compile_alongside_the_other)

    run_in_threads(fetch, count=2)
    assert cache.stats.compilations == 2


def test_a_failed_compilation_stores_nothing():
    cache = symmodule.CodeCache()

    def fail():
        raise RuntimeError("no code")

    with pytest.raises(RuntimeError, match="no code"):
        cache.fetch(("key",), fail)
    assert (len(cache), cache.stats.compilations) == (0, 0)


def test_a_thread_waiting_for_a_failed_compilation_compiles_the_key_itself():
    cache = symmodule.CodeCache()
    started, compiled = threading.Event(), object()
    outcome = {}

    def fail_once_the_other_waits():
        started.set()
        time.sleep(0.05)  # the second thread now waits for this compilation
        raise RuntimeError("no code")

    def first():
        try:
            cache.fetch(("key",), fail_once_the_other_waits)
        except RuntimeError as exc:
            outcome["first"] = exc

    def second():
        started.wait()
        outcome["second"] = cache.fetch(("key",), lambda: compiled)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert str(outcome["first"]) == "no code"
    assert outcome["second"] is compiled
    assert (cache.stats.compilations, cache.stats.hits) == (1, 0)
