"""Storing several values in one step that a signal cannot split.

An instance's state is one storage cell (a one-element list, PyTensor's
``Container.storage``) per Member. A call that updates three Members writes
three cells; loading a checkpoint writes all of them. If a ``KeyboardInterrupt``
could arrive between two of those writes, the instance would be left half
old, half new.

CPython runs a Python-level signal handler (the one that raises
``KeyboardInterrupt`` on Ctrl-C, or any handler installed with
``signal.signal``) in the main thread *between bytecodes*: C code running
inside a call to a built-in is never interrupted by it. A ``for`` loop of
assignments is bytecode, so a signal can land between two of them. The same
assignments driven by built-ins alone cannot be split: :func:`store_all`
writes every cell from inside ``deque.extend``, which drains a ``map`` that
calls ``operator.setitem`` — C code from the first write to the last. A
signal arriving meanwhile is handled at the first bytecode after the last
write, so the interrupted code sees every cell written.

A handler may still run just *before* the step (CPython checks for pending
signals after each call returns, and at a function's entry): then nothing is
written, which is as whole as everything. Code that must write even when
interrupted just before — putting values back in an ``except`` clause —
builds the ``map`` before the risky part and makes :data:`drain` of it the
clause's first call, which runs to its end before any check.

Other threads cannot run in between either: the writes hold the GIL
throughout (on a free-threaded build, the instance's lock is what keeps
other threads out).

One limit, which no Python code can lift: a value being replaced whose
``__del__`` runs Python code runs it during the step, and an exception
raised there (the handler's ``KeyboardInterrupt`` included) is reported by
CPython as ignored. The cells are still all written. NumPy arrays, jax
arrays and NumPy generators have no such ``__del__``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import setitem
from typing import Any

__all__ = ["drain", "store_all"]

#: Consume an iterator in C, keeping nothing: ``drain(map(setitem, cells,
#: repeat(0), values))`` is the step itself, for callers that prepare the
#: ``map`` beforehand (see :func:`store_all`).
drain = deque(maxlen=0).extend


def store_all(cells: Sequence[list[Any]], values: Iterable[Any]) -> None:
    """``cell[0] = value`` for each pair, in one step no signal handler can split.

    Parameters
    ----------
    cells
        Storage cells: one-element lists, such as ``container.storage``.
    values
        One value per cell, in order. It may be a lazy iterator of built-ins
        (``map(outputs.__getitem__, positions)``): it is consumed inside the
        step, so that it runs no bytecode either.

    Examples
    --------
    >>> a, b = [1], [2]
    >>> store_all((a, b), (10, 20))
    >>> a, b
    ([10], [20])
    """
    drain(map(setitem, cells, repeat(0), values))
