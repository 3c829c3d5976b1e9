"""ComponentList and ComponentDict: lists, tuples and dicts of components.

A list, tuple or dict assigned to a Module, whose every element is something
:func:`~symmodule.module.member.wrap` can classify, becomes one of these at
``make()``. The raw container stays the user's object (``module.layers`` is
the very list assigned, and what is appended to it later is seen by
``make()``); these classes are the views the planner walks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from symmodule.module.component import Component, Composite
from symmodule.module.member import Wrappers, wrap

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node

__all__ = ["ComponentList", "ComponentDict"]


class ComponentList(Composite):
    """A list or tuple of components; on instances, a list-like (or tuple-like) object.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.l = [T.dscalar(), T.dscalar()]
    >>> inst = m.make(l=[1, 2])
    >>> [float(v) for v in inst.l]
    [1.0, 2.0]
    """

    def __init__(self, items: list[Any] | tuple[Any, ...] | None = None, *, wrappers: Wrappers = ()) -> None:
        # ComponentList() is an empty list that append() grows, as in Theano.
        if items is None:
            items = []
        self._sm_items = items if isinstance(items, (list, tuple)) else list(items)
        self._sm_wrappers = wrappers

    @property
    def is_tuple(self) -> bool:
        """Whether the user assigned a tuple (the instance side is then tuple-like)."""
        return isinstance(self._sm_items, tuple)

    def _sm_identity(self) -> object:
        return self._sm_items

    def components_map(self) -> Iterator[tuple[int, Component]]:
        for index, item in enumerate(self._sm_items):
            component = wrap(item, self._sm_wrappers)
            if component is not None:
                yield index, component

    def get(self, item: int) -> Any:
        return self._sm_items[item]

    def set(self, item: int, value: Any) -> None:
        self._sm_items[item] = value  # type: ignore[index]

    def __getitem__(self, item: int) -> Any:
        return self._sm_items[item]

    def __len__(self) -> int:
        return len(self._sm_items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._sm_items)

    def append(self, value: Any) -> None:
        """Add an element (lists only)."""
        self._sm_items.append(value)  # type: ignore[union-attr]

    def build(self, builder: Builder, node: Node) -> Any:
        from symmodule.module.instance import ListInstance

        return ListInstance(builder.children(node), node.path, as_tuple=self.is_tuple)

    def pretty(self, **kwargs: Any) -> str:
        return "[" + ", ".join(c.pretty() for c in self.components()) + "]"

    def __repr__(self) -> str:
        return f"ComponentList({self._sm_items!r})"


class ComponentDict(Composite):
    """A dict of components; on instances, a dict-like object.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.d = {'x': T.dscalar(), 'y': T.dscalar()}
    >>> inst = m.make(d=dict(x=1, y=2))
    >>> inst.d['y'] = 5
    >>> sorted((k, float(v)) for k, v in inst.d.items())
    [('x', 1.0), ('y', 5.0)]
    """

    def __init__(self, items: Mapping[Any, Any] | None = None, *, wrappers: Wrappers = ()) -> None:
        self._sm_items = items if isinstance(items, dict) else dict(items or {})
        self._sm_wrappers = wrappers

    def _sm_identity(self) -> object:
        return self._sm_items

    def components_map(self) -> Iterator[tuple[Any, Component]]:
        for key, item in self._sm_items.items():
            component = wrap(item, self._sm_wrappers)
            if component is not None:
                yield key, component

    def get(self, item: Any) -> Any:
        return self._sm_items[item]

    def set(self, item: Any, value: Any) -> None:
        self._sm_items[item] = value

    def __getitem__(self, item: Any) -> Any:
        return self._sm_items[item]

    def __setitem__(self, item: Any, value: Any) -> None:
        self._sm_items[item] = value

    def __len__(self) -> int:
        return len(self._sm_items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._sm_items)

    def build(self, builder: Builder, node: Node) -> Any:
        from symmodule.module.instance import DictInstance

        return DictInstance(dict(builder.children(node)), node.path)

    def pretty(self, **kwargs: Any) -> str:
        return "{" + ", ".join(f"{k!r}: {c.pretty()}" for k, c in self.components_map()) + "}"

    def __repr__(self) -> str:
        return f"ComponentDict({self._sm_items!r})"
