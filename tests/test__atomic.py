"""symmodule._atomic: a store that no signal handler can split, and a loop that one can.

A timer signal raises ``KeyboardInterrupt`` every few tens of microseconds
while cells are rewritten from one generation of values to the next; after
each interrupt, the cells must hold one generation only.
"""

from __future__ import annotations

import signal
import threading

import pytest

from symmodule._atomic import drain, store_all

CELLS = 2_000
INTERRUPTS = 300

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signal handlers run in the main thread"
)


def _torn_after_interrupts(store) -> tuple[int, int]:
    """(interrupts seen, stores left half done) while ``store(cells, values)`` runs under a timer."""
    cells = [[0] for _ in range(CELLS)]
    generations = [[k] * CELLS for k in range(2)]
    armed = [False]  # the handler raises only while a store may be running

    def interrupt(signum, frame):
        if armed[0]:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    seen = torn = generation = 0
    signal.setitimer(signal.ITIMER_REAL, 20e-6, 20e-6)
    try:
        while seen < INTERRUPTS:
            generation = 1 - generation
            try:
                armed[0] = True
                store(cells, generations[generation])
                armed[0] = False
            except KeyboardInterrupt:
                armed[0] = False
                seen += 1
                if len({cell[0] for cell in cells}) > 1:
                    torn += 1
                    store_all(cells, generations[0])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    return seen, torn


def test_store_all_is_never_split_by_a_signal():
    assert _torn_after_interrupts(store_all) == (INTERRUPTS, 0)


def test_a_python_loop_of_the_same_writes_is_split_by_signals():
    # The control: the same harness catches the tearing store_all prevents.
    def loop(cells, values):
        for cell, value in zip(cells, values):
            cell[0] = value

    seen, torn = _torn_after_interrupts(loop)
    assert seen == INTERRUPTS and torn > 0


def test_store_all_writes_each_cell_its_value():
    cells = [[None], [None], [None]]
    store_all(cells, iter("abc"))
    assert cells == [["a"], ["b"], ["c"]]


def test_drain_consumes_an_iterator_and_keeps_nothing():
    seen = []
    assert drain(map(seen.append, range(3))) is None
    assert seen == [0, 1, 2]
