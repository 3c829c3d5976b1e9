"""Calls of one instance's methods from several threads never lose an update."""

import threading

import numpy as np

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M


def counter_module():
    m = M.Module()
    n = T.dscalar('n')
    m.c = T.dscalar()
    m.v = T.dvector()
    m.inc = M.Method(n, [], updates={m.c: m.c + n, m.v: m.v + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n, m.v: m.v - n})
    return m


def run_in_threads(inst, threads=8, calls=10_000):
    per_thread = calls // threads

    def work(k):
        for i in range(per_thread):
            (inst.inc if (i + k) % 3 else inst.dec)(1.0)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def expected_total(threads=8, calls=10_000):
    per_thread = calls // threads
    return sum(1.0 if (i + k) % 3 else -1.0 for k in range(threads) for i in range(per_thread))


def test_eight_threads_ten_thousand_calls_equal_the_sequential_result():
    inst = counter_module().make(c=0, v=np.zeros(4), mode="CVM")
    run_in_threads(inst)
    assert float(inst.c) == expected_total()
    np.testing.assert_array_equal(inst.v, np.full(4, expected_total()))


def test_state_is_never_torn_between_two_members():
    # c and v are updated by the same calls: a reader holding the instance's
    # lock always sees them agree.
    inst = counter_module().make(c=0, v=np.zeros(4), mode="CVM")
    seen = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            with symmodule.split(inst)[1].lock:
                seen.append((float(inst.c), float(inst.v[0])))

    watcher = threading.Thread(target=reader)
    watcher.start()
    run_in_threads(inst, threads=4, calls=4_000)
    stop.set()
    watcher.join()
    assert seen and all(c == v for c, v in seen)


def test_instances_have_their_own_lock_and_inner_instances_share_the_roots():
    outer = M.Module()
    outer.inner = counter_module()
    outer.total = M.Method([], outer.inner.c * 2)
    a, b = outer.make(inner=dict(c=0, v=np.zeros(1))), outer.make(inner=dict(c=0, v=np.zeros(1)))
    assert symmodule.split(a.inner)[1].lock is symmodule.split(a)[1].lock
    assert symmodule.split(a)[1].lock is not symmodule.split(b)[1].lock
