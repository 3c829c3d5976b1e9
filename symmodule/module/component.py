"""Component and Composite: the protocol every part of a Module tree follows.

``make()`` turns a tree of components into a tree of instance objects in two
passes (see ``module.py`` for the whole pipeline):

* ``allocate(plan, node)`` — during planning. A component declares the state
  it needs (``plan.declare_state``), the updates it contributes to every
  method that reads that state (``plan.add_automatic_update``), or registers
  itself for compilation (``plan.add_method``). Nothing holds values yet.
* ``build(builder, node)`` — once per instance. A component returns the object
  that stands for it on the instance: the value cell of a Member, the compiled
  function of a Method, the ``ModuleInstance`` of a Module, ...

Custom components (registered with :func:`~symmodule.register_wrapper`, or
assigned directly to a Module) implement these two methods and ``pretty``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node, Plan

__all__ = ["Component", "Composite"]


class Component:
    """Base class of everything ``make()`` knows how to put on an instance.

    Subclasses implement :meth:`allocate`, :meth:`build` and :meth:`pretty`;
    on this base class they raise ``NotImplementedError``, whatever they are
    called with: Theano's signatures (``allocate(memo)``, ``build(mode,
    memo)``) as well as symmodule's.
    """

    def allocate(self, plan: Plan, node: Node | None = None) -> None:
        """Declare, on ``plan``, the storage and compilation this component needs.

        Theano called it ``allocate(memo)``; ``make()`` passes the plan and
        this component's node in it.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement allocate()")

    def build(self, builder: Builder, node: Node) -> Any:
        """Return the object that stands for this component on a new instance.

        Theano called it ``build(mode, memo)``; ``make()`` passes the
        instance's builder and this component's node.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement build()")

    def pretty(self, **kwargs: Any) -> str:
        """A human-readable description of this component."""
        raise NotImplementedError(f"{type(self).__name__} does not implement pretty()")

    def _sm_identity(self) -> object:
        """What makes two paths reach the *same* component (one object on the instance)."""
        return self

    def _sm_reached_again(self, plan: Plan, node: Node, path: str) -> None:
        """Called for this component, reached at ``path``, when its identity was planned at ``node``.

        A Member declared again with roles of its own adds them here.
        """
        return None


class Composite(Component):
    """A component made of named or numbered sub-components.

    ``components()`` and ``components_map()`` list the children as components
    (classified: a Variable comes back as a :class:`~symmodule.Member`);
    ``get`` and ``set`` read and write the raw values the user assigned.
    """

    def components(self) -> list[Component]:
        """The sub-components, in declaration order."""
        # A list, not a generator: a Composite that lists nothing raises here, as in Theano.
        return [component for _, component in self.components_map()]

    def components_map(self) -> Iterator[tuple[Any, Component]]:
        """``(key, component)`` pairs, in declaration order."""
        raise NotImplementedError(f"{type(self).__name__} does not implement components_map()")

    def get(self, item: Any) -> Any:
        """The raw value stored under ``item``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get()")

    def set(self, item: Any, value: Any) -> None:
        """Store a raw value under ``item``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement set()")

    def allocate(self, plan: Plan, node: Node | None = None) -> None:
        # Children are visited by the plan itself; a composite owns no state.
        return None
