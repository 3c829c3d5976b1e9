"""Stage 2 of make(): walk the Module tree once and write down what it is.

The walk snapshots the tree into :class:`Node` objects (so a Module changed
after ``make()`` does not change the instances already made), names unnamed
Members after their path, and finds every piece of state exactly once: one
Variable reached through several paths is one :class:`StateSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.component import Component, Composite

__all__ = ["Node", "StateSpec", "Plan", "join_path"]

_AUTONAME_TAG = "symmodule_autonamed"


def join_path(prefix: str, key: Any) -> str:
    """``join_path('layers', 0) == 'layers.0'``; the root's prefix is ``''``."""
    return f"{prefix}.{key}" if prefix else str(key)


@dataclass(eq=False)
class Node:
    """One component at its first path in the tree; aliases point to the same Node."""

    component: Component
    path: str
    parent: Node | None
    children: list[tuple[Any, Node]] = field(default_factory=list)

    @property
    def module_node(self) -> Node:
        """The nearest enclosing Module node (the node itself if it is a Module)."""
        from symmodule.module.module import Module

        node: Node | None = self
        while node is not None and not isinstance(node.component, Module):
            node = node.parent
        assert node is not None, "the root of a plan is always a Module"
        return node


@dataclass(eq=False)
class StateSpec:
    """One piece of state: where it first appears, its type, initial value, roles and init rule."""

    key: object  # the member's Variable, or the Constant component
    path: str
    type: Any
    initial: Any = None
    readonly: bool = False
    roles: frozenset[str] = frozenset()
    init: Any = None  # a Member's init= rule (symmodule/module/initializers.py)


class Plan:
    """The snapshot of one Module tree for one ``make()``.

    Attributes
    ----------
    root
        The root :class:`Node`.
    state
        ``{key: StateSpec}`` in first-path order; ``key`` is a Member's
        Variable (or a Constant component).
    methods
        The Method nodes, each once, in first-path order.
    paths
        Every path of the tree, aliases included, to its Node.
    automatic_updates
        ``{state variable: expression}`` that components ask to be applied by
        every method reading that state (a random stream's next generator).
    mode
        The mode requested for ``make()`` (None: the configured default).
    check_finite
        Whether methods refuse to store a non-finite update (unless a Method
        says otherwise with its own ``check_finite``).
    """

    def __init__(self, module: Component, mode: Any = None, *, check_finite: bool = False) -> None:
        self.mode = mode
        self.check_finite = check_finite
        self.state: dict[object, StateSpec] = {}
        self.methods: list[Node] = []
        self.paths: dict[str, Node] = {}
        self.automatic_updates: dict[Variable, Variable] = {}
        self._by_identity: dict[int, Node] = {}
        self._identities: list[object] = []  # keeps identity objects alive while planning
        self.root = self._visit(module, "", None)
        self._name_members()

    # -- what components call from allocate() ---------------------------------------

    def declare_state(
        self,
        key: object,
        path: str,
        type_: Any,
        *,
        initial: Any = None,
        readonly: bool = False,
        roles: frozenset[str] = frozenset(),
        init: Any = None,
    ) -> StateSpec:
        """Declare a piece of state; declaring the same key again returns the first spec.

        Roles given on any path are kept (their union); an ``init`` rule may
        be given on one path only, or the same rule on several.
        """
        spec = self.state.get(key)
        if spec is None:
            spec = self.state[key] = StateSpec(key, path, type_, initial, readonly, frozenset(roles), init)
            return spec
        spec.roles |= roles
        if init is not None:
            if spec.init is not None and spec.init is not init:
                raise errors.DeclarationError(
                    errors.INIT_TWICE.format(first=spec.path, second=path)
                )
            spec.init = init
        return spec

    def add_automatic_update(self, variable: Variable, expression: Variable) -> None:
        """Ask every method that reads ``variable`` (and sets no update of its own) to apply this one."""
        self.automatic_updates[variable] = expression

    def add_method(self, node: Node) -> None:
        """Register a Method node for compilation."""
        self.methods.append(node)

    # -- the walk ----------------------------------------------------------------------

    def _visit(self, component: Component, path: str, parent: Node | None) -> Node:
        identity = component._sm_identity()
        if identity is not None and id(identity) in self._by_identity:
            node = self._by_identity[id(identity)]
            self._alias(node, path, set())
            component._sm_reached_again(self, node, path)
            return node
        node = Node(component, path, parent)
        self.paths[path] = node
        if identity is not None:
            self._by_identity[id(identity)] = node
            self._identities.append(identity)
        if isinstance(component, Composite):
            for key, child in component.components_map():
                node.children.append((key, self._visit(child, join_path(path, key), node)))
        component.allocate(self, node)
        return node

    def _alias(self, node: Node, path: str, seen: set[int]) -> None:
        # A component reached again: every path below it is reachable under the
        # new prefix too ('a1.m0' when a1 is the module first seen as m0's parent).
        self.paths.setdefault(path, node)
        if id(node) in seen:  # a module that contains itself: stop
            return
        seen.add(id(node))
        for key, child in node.children:
            self._alias(child, join_path(path, key), seen)

    def _name_members(self) -> None:
        # A member the user left unnamed is named after its first path in the tree
        # being made; the tag lets a later make() from another root rename it.
        for key, spec in self.state.items():
            if not isinstance(key, Variable):
                continue
            tag = key.tag
            if key.name is None or getattr(tag, _AUTONAME_TAG, False):
                key.name = spec.path
                setattr(tag, _AUTONAME_TAG, True)

    # -- queries ---------------------------------------------------------------------

    def node_at(self, path: str) -> Node | None:
        """The node at ``path`` (any alias), or None.

        Paths recorded during the walk are found directly; any other path
        (through a module that contains one of its ancestors, say) is walked
        down from its longest recorded prefix.
        """
        if path in self.paths:
            return self.paths[path]
        parts = path.split(".")
        for cut in range(len(parts) - 1, -1, -1):
            node = self.paths.get(".".join(parts[:cut])) if cut else self.root
            if node is None:
                continue
            for step in parts[cut:]:
                node = next((child for key, child in node.children if str(key) == step), None)
                if node is None:
                    return None
            return node
        return None

    def describe_known(self, node: Node) -> str:
        """The names directly under ``node``, for error messages."""
        names = [str(key) for key, _ in node.children]
        return ", ".join(names) if names else "(none)"

    def reserved_error(self, where: str, name: str, why: str, kind: str) -> errors.DeclarationError:
        return errors.DeclarationError(
            errors.RESERVED_NAME.format(where=where, name=name, why=why, kind=kind)
        )
