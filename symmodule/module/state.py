"""One instance tree's state: a storage cell per piece of state, and the lock that guards them.

An instance is a pair (see :mod:`symmodule.module.blueprint`): a frozen
*blueprint* (what ``make()`` planned and compiled) and a :class:`State`,
every value the instance holds. This file owns the state half.

Every access to an instance's state goes through its :class:`State` and
its lock: a method call (``symmodule.compiled.Function`` takes the lock),
reading or writing a member, ``state_dict``, ``load_state_dict``, ``save``,
``load``, pickle and deepcopy. So each of them sees the state between two
calls, never in the middle of one; the lock is re-entrant, so an
``_instance_initialize`` may call methods, and an uncontended lock costs
well under a microsecond.

Writes of several values are *all or nothing*: :meth:`State.restore`
converts every value first, then stores them all in one step that neither
an exception nor a ``KeyboardInterrupt`` can split
(:mod:`symmodule._atomic`); :meth:`State.atomically` undoes every write of
a block that raises.

Values are never written into: a call, a load or ``inst.x = v`` replaces the
stored object. An array read from the state (or kept by a snapshot) thus
keeps its value, and a snapshot taken under the lock stays consistent after
the lock is released. Only in-place edits by the user (``inst.w[0] = 1``)
change an array behind the lock's back.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import setitem
from typing import Any, TypeVar

from symmodule import errors
from symmodule._atomic import drain, store_all
from symmodule.module.member import convert_value
from symmodule.module.storage import MemberStorage

__all__ = ["State"]

T = TypeVar("T")


class State:
    """The state of one instance tree: every Member's value, RandomStreams generators included.

    Get it with :func:`symmodule.split` (``blueprint, state = split(inst)``).
    It is the instance's own storage, not a copy: what is written to it is
    what the instance's methods read next. Keys are the paths where each
    piece of state first appears in the tree (``'layer.w'``,
    ``'random.rng0'``); a member reached through several paths has one
    entry. Constants are part of the blueprint, not of the state.

    Every operation takes the instance's lock (:attr:`lock`), the one its
    method calls take: a read or a snapshot never sees a call half done.
    Hold the lock yourself for a consistent sequence of operations (read,
    compute, write back).

    A copy (``copy.deepcopy(state)``) or an unpickled state is *detached*:
    it holds the values with a lock of its own, and belongs to no instance.
    :func:`symmodule.merge` makes an instance from a blueprint and a state.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> inst = m.make(c=0)
    >>> blueprint, state = symmodule.split(inst)
    >>> state.paths
    ('c',)
    >>> inst.inc()
    >>> float(state['c'])
    1.0
    >>> state['c'] = 10
    >>> float(inst.c)
    10.0
    >>> {path: float(value) for path, value in state.snapshot().items()}
    {'c': 10.0}
    """

    __slots__ = ("_containers", "_cells", "_by_path", "_lock", "__weakref__")

    def __init__(self, containers: Sequence[MemberStorage], lock: threading.RLock | None = None) -> None:
        self._containers = tuple(containers)
        self._cells = tuple(container.storage for container in self._containers)
        self._by_path = {container.name: container for container in self._containers if not container.readonly}
        self._lock = threading.RLock() if lock is None else lock

    # -- what the instance and its compiled methods share -------------------------------

    @property
    def lock(self) -> Any:
        """The instance's re-entrant lock (a ``threading.RLock``), taken by every call and access."""
        return self._lock

    @property
    def containers(self) -> tuple[MemberStorage, ...]:
        """The PyTensor ``Container`` of each piece of storage, in the plan's order, constants included.

        These are what the compiled methods are bound to. Read and write
        values through the State (its lock keeps them consistent); the
        containers are here for code that binds further functions to them.
        """
        return self._containers

    @property
    def paths(self) -> tuple[str, ...]:
        """The path of each piece of state (constants excluded), in the plan's order."""
        return tuple(self._by_path)

    def __len__(self) -> int:
        return len(self._by_path)

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path)

    def __contains__(self, path: object) -> bool:
        return path in self._by_path

    # -- reading ---------------------------------------------------------------------------

    def __getitem__(self, path: str) -> Any:
        """The value stored at ``path`` (the object itself, not a copy; None when unset)."""
        container = self._container(path)
        with self._lock:
            return container.storage[0]

    def snapshot(self) -> dict[str, Any]:
        """``{path: value}`` for every piece of state, all read at one moment.

        The values are the stored objects, not copies: since nothing writes
        into them (see the module's docstring), the snapshot keeps its values
        while the instance moves on. None marks a member with no value.
        """
        with self._lock:
            return {path: container.storage[0] for path, container in self._by_path.items()}

    # -- writing ---------------------------------------------------------------------------

    def __setitem__(self, path: str, value: Any) -> None:
        """Store ``value`` at ``path``, converted to the member's type (None unsets it)."""
        self.restore({path: value})

    def restore(self, values: Mapping[str, Any], *, convert: bool = True) -> None:
        """Store ``{path: value}``, all or nothing; the paths not given keep their values.

        Every value is converted to its member's type first (unless
        ``convert=False``: the values already are, as this state's own
        snapshots are); if any conversion fails, nothing is written. Then all
        are stored in one step, which a ``KeyboardInterrupt`` cannot split.

        Raises
        ------
        symmodule.errors.StateArgumentError
            A path that is not a piece of this state.
        symmodule.errors.MemberValueError
            A value that does not convert to its member's type.
        """
        containers = [self._container(path) for path in values]
        prepared = [
            container.prepare(
                value if not convert or value is None else convert_value(container.type, value, container.name)
            )
            for container, value in zip(containers, values.values())
        ]
        with self._lock:
            store_all([container.storage for container in containers], prepared)

    def atomically(self, block: Callable[[], T]) -> T:
        """Run ``block()`` holding the lock; if it raises, put every value back as it was.

        This is how operations that write several members one by one
        (``inst.initialize(...)``, assigning a whole list of members) are made
        all or nothing, even when interrupted.
        """
        with self._lock:
            # Prepared before the block runs, so that the handler makes one call to a
            # built-in that no second interrupt can precede (symmodule/_atomic.py).
            undo = map(setitem, self._cells, repeat(0), [cell[0] for cell in self._cells])
            try:
                return block()
            except BaseException:
                drain(undo)
                raise

    # -- copies -------------------------------------------------------------------------------

    def detached(self, copy_value: Callable[[Any], Any] = copy.deepcopy) -> State:
        """A State of its own (new containers, a new lock) holding copies of these values."""
        with self._lock:
            values = [container.storage[0] for container in self._containers]
        return State(
            [
                MemberStorage(
                    container.type,
                    value if container.readonly else copy_value(value),
                    place=container.place,
                    readonly=container.readonly,
                    name=container.name,
                )
                for container, value in zip(self._containers, values)
            ]
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> State:
        return self.detached(lambda value: copy.deepcopy(value, memo))

    def __reduce__(self) -> tuple[Any, ...]:
        with self._lock:
            layout = [
                (container.type, container.readonly, container.name, container.place, container.storage[0])
                for container in self._containers
            ]
        return (_rebuild, (layout,))

    def __repr__(self) -> str:
        shown = ", ".join(self._by_path) or "nothing"
        return f"<State of {shown}>"

    def _container(self, path: str) -> MemberStorage:
        try:
            return self._by_path[path]
        except (KeyError, TypeError):
            raise errors.StateArgumentError(
                errors.STATE_UNKNOWN_PATH.format(path=path, paths=", ".join(self._by_path) or "(none)")
            ) from None


def _rebuild(layout: list[tuple[Any, bool, str, Any, Any]]) -> State:
    return State(
        [
            MemberStorage(type_, value, place=place, readonly=readonly, name=name)
            for type_, readonly, name, place, value in layout
        ]
    )
