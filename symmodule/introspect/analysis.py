"""What a method reads and updates, worked out from its declared graph against a Plan."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pytensor import config
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import graph_inputs
from pytensor.tensor.random.type import RandomGeneratorType

from symmodule import errors
from symmodule.introspect.results import Effects
from symmodule.module.compiler import resolve_method
from symmodule.module.member import External
from symmodule.module.method import Method
from symmodule.module.plan import Node, Plan, join_path

# -- the analysis ------------------------------------------------------------------------


@dataclass(frozen=True)
class _MethodFacts:
    path: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    returns: bool
    reads: frozenset[object]  # state keys (members and generators)
    updates: frozenset[object]
    mode: str


class _Scope:
    """A plan, the part of it asked about, and (for instances) a snapshot of the state's values."""

    def __init__(self, obj: Any) -> None:
        from symmodule.module.blueprint import split
        from symmodule.module.instance import ModuleInstance
        from symmodule.module.module import Module

        if isinstance(obj, ModuleInstance):
            blueprint, state = split(obj)
            self.plan: Plan = blueprint.plan
            #: ``{state path: value}``, read at one moment (None before make()).
            self.values: dict[str, Any] | None = state.snapshot()
            self.prefix: str = blueprint.path
            self.title = f"{type(obj).__name__} of {type(obj.component).__name__}" + (
                f" at {blueprint.path!r}" if blueprint.path else ""
            )
        elif isinstance(obj, Module):
            self.plan = Plan(obj)
            self.values = None
            self.prefix = ""
            self.title = f"Module {type(obj).__name__} (not made: shapes from the declared types)"
        else:
            raise TypeError(
                f"Expected a Module or a ModuleInstance, got {type(obj).__name__}. "
                "Pass the module (before make()) or the instance make() returned."
            )
        start = self.plan.node_at(self.prefix) if self.prefix else self.plan.root
        assert start is not None, f"no node at {self.prefix!r} in the plan"
        self.nodes = _reachable(start)
        self.method_nodes = [n for n in self.plan.methods if id(n) in self.nodes]
        self.keys = self._state_keys()
        self._facts: dict[int, _MethodFacts] = {}

    def _state_keys(self) -> list[object]:
        found: set[int] = set()
        for node in self.nodes.values():
            component = node.component
            for key in _keys_of(component):
                if key in self.plan.state:
                    found.add(id(key))
        return [key for key in self.plan.state if id(key) in found]

    def is_random(self, key: object) -> bool:
        return isinstance(self.plan.state[key].type, RandomGeneratorType)

    def path(self, key: object) -> str:
        return self.plan.state[key].path

    def facts(self, node: Node) -> _MethodFacts:
        if id(node) not in self._facts:
            self._facts[id(node)] = _analyse(self.plan, node)
        return self._facts[id(node)]

    def method_node(self, name: Any) -> Node:
        """The Method node named ``name`` (a path relative to the scope, or the Method)."""
        if isinstance(name, Method):
            for node in self.method_nodes:
                if node.component is name:
                    return node
            raise errors.ResolveError(f"{self.title}: that Method is not part of this module.")
        if not isinstance(name, str):
            raise TypeError(f"A method is named by its path (a str), got {type(name).__name__}")
        node = self.plan.node_at(join_path(self.prefix, name))
        if node is not None and isinstance(node.component, Method) and id(node) in self.nodes:
            return node
        names = self.method_names()
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"Did you mean {', '.join(close)}?" if close else f"Its methods: {', '.join(names) or '(none)'}."
        raise errors.ResolveError(f"{self.title}: no method {name!r}. {hint}")

    def method_names(self) -> list[str]:
        cut = len(self.prefix) + 1 if self.prefix else 0
        return [node.path[cut:] if node.path.startswith(self.prefix) else node.path for node in self.method_nodes]

    def effects(self, node: Node) -> Effects:
        facts = self.facts(node)
        members_read = [k for k in self.plan.state if k in facts.reads and not self.is_random(k)]
        members_updated = [k for k in self.plan.state if k in facts.updates and not self.is_random(k)]
        return Effects(
            method=facts.path,
            reads=tuple(self.path(k) for k in members_read),
            updates=tuple(self.path(k) for k in members_updated),
            could_update=tuple(self.path(k) for k in members_read if k not in facts.updates),
            random_streams_read=tuple(
                self.path(k) for k in self.plan.state if k in facts.reads and self.is_random(k)
            ),
            random_streams_advanced=tuple(
                self.path(k) for k in self.plan.state if k in facts.updates and self.is_random(k)
            ),
        )

    def aliases(self, key: object) -> tuple[str, ...]:
        first = self.path(key)
        node = self.plan.node_at(first)
        if node is None:
            return ()
        return tuple(p for p, n in self.plan.paths.items() if n is node and p != first)


def _reachable(start: Node) -> dict[int, Node]:
    seen: dict[int, Node] = {}
    stack = [start]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(child for _, child in node.children)
    return seen


def _keys_of(component: Any) -> Iterable[object]:
    """The state keys a component declares: its Variable, itself (a constant), its generators."""
    from symmodule.module.random import RandomStreams

    variable = getattr(component, "variable", None)
    if isinstance(variable, Variable):
        yield variable
    yield component
    if isinstance(component, RandomStreams):
        for rng, _ in component.updates():
            yield rng


def _resolved(plan: Plan, node: Node) -> tuple[list[Any], Any, dict[Variable, Variable], Any]:
    """``(explicit input specs, outputs, all updates, mode)`` as ``make()`` resolves them."""
    resolved = resolve_method(plan, node)
    return list(resolved.explicit), resolved.outputs, dict(resolved.updates), resolved.mode


def _expressions(outputs: Any) -> list[Variable]:
    if outputs is None:
        return []
    items = outputs if isinstance(outputs, list) else [outputs]
    return [getattr(o, "variable", o) for o in items]


def _analyse(plan: Plan, node: Node) -> _MethodFacts:
    explicit, outputs, updates, mode = _resolved(plan, node)
    explicit_vars = {spec.variable for spec in explicit}
    # What the user's graph reads: outputs and the updates the method declares.
    # The generator updates make() adds read only the generators the graph already reads.
    declared = [
        expr
        for key, expr in updates.items()
        if not (key in plan.automatic_updates and expr is plan.automatic_updates[key])
    ]
    roots = set(graph_inputs(_expressions(outputs) + declared))
    reads = frozenset(k for k in plan.state if k in roots and k not in explicit_vars)
    exprs = _expressions(outputs)
    return _MethodFacts(
        path=node.path,
        inputs=tuple(_input_name(spec, i) for i, spec in enumerate(explicit)),
        outputs=tuple(_output_name(plan, expr) for expr in exprs),
        returns=bool(exprs),
        reads=reads,
        updates=frozenset(k for k in updates if k in plan.state),
        mode=_mode_name(mode),
    )


def _input_name(spec: Any, position: int) -> str:
    return getattr(spec, "name", None) or getattr(spec.variable, "name", None) or f"<input {position}>"


def _output_name(plan: Plan, expr: Variable) -> str:
    if getattr(expr, "name", None):
        return str(expr.name)
    for path, node in plan.paths.items():
        component = node.component
        if isinstance(component, External) and component.variable is expr:
            return path
    if expr in plan.state:
        return plan.state[expr].path
    # pprint writes a shared subexpression out in full at each use, so its text
    # grows exponentially with the depth of a graph (a network's loss); a label
    # of 32 characters comes from a few operations, so larger graphs are not printed.
    text = _pretty(expr) if _operations_within(expr, _PRINTED_OPERATIONS) else None
    if text is not None and len(text) <= 32:
        return text
    return _type_label(expr.type)


#: The most operations an output's graph may have for its printed form to name it.
_PRINTED_OPERATIONS = 12


def _operations_within(expr: Variable, limit: int) -> bool:
    """Whether the graph of ``expr`` has at most ``limit`` operations (stops counting past it)."""
    seen: set[int] = set()
    stack = [expr.owner] if expr.owner is not None else []
    while stack:
        apply = stack.pop()
        if id(apply) in seen:
            continue
        seen.add(id(apply))
        if len(seen) > limit:
            return False
        stack.extend(i.owner for i in apply.inputs if i.owner is not None)
    return True


def _type_label(type_: Any) -> str:
    """``TensorType(float64, shape=(None, None))`` as ``(float64 matrix)``."""
    dtype, ndim = getattr(type_, "dtype", None), getattr(type_, "ndim", None)
    if dtype is None or ndim is None:
        return f"({type_})"
    rank = {0: "scalar", 1: "vector", 2: "matrix"}.get(ndim, f"{ndim}-d tensor")
    return f"({dtype} {rank})"


def _pretty(expr: Variable) -> str | None:
    from pytensor.printing import pprint

    try:
        return str(pprint(expr))
    except Exception:
        return None


def _mode_name(mode: Any) -> str:
    if mode is None:
        # PyTensor's own default is called "Mode" (FAST_RUN's rewrites, Numba's linker).
        return "default" if config.mode == "Mode" else f"default ({config.mode})"
    if isinstance(mode, str):
        return mode
    return type(mode).__name__


