"""What a Module's methods do to its state: effects, summaries and checks.

Everything here is read from the *declared* symbolic graphs, the way
``make()`` reads them (see ``symmodule/module/compiler.py``): nothing is
compiled, and the answers do not depend on the mode or on graph rewrites.

* :func:`effects` — for one method, the members and random streams it reads,
  the ones it updates, and the ones it *could* update but does not.
* :func:`summary` — a table of every member (path, kind, dtype, shape, number
  of values, bytes, which methods read and update it) and every method
  (inputs, outputs, what it reads and updates, mode), with totals. Printed,
  it is plain text; in a notebook it renders as HTML (``_repr_html_``).
* :func:`check` — members no method reads or updates, random draws no method
  uses, and methods that update nothing and return nothing.

Each takes a :class:`~symmodule.Module` (before ``make()``) or a
:class:`~symmodule.ModuleInstance` (after), or an inner module or inner
instance, which limits the answer to that part of the tree.

Definitions
-----------
A method **reads** a member when the member's Variable is an input of the
graph of one of the method's outputs or update expressions, and is not one
of the method's explicit inputs (an explicit input is an ordinary argument:
the call does not touch the instance's storage for it).

A method **updates** a member when its updates (``updates=`` or keyword
updates) have an entry for it.

A method **could update** the members it reads but does not update: each is
an implicit input bound to the instance's writable storage, so the method
could have an update for it. Constants are never in this set (they are
read-only and graphs embed their values), nor are random streams (reading a
draw always advances its stream).

A method **draws from** (``random_streams_read``) the random streams whose
draws its graphs use, and **advances** (``random_streams_advanced``) the
streams it updates; ``make()`` adds the update of every stream a method
draws from, so the two sets are equal unless an update was written by hand.

For an instance, the Methods' declarations are read as they are now, with
the plan the instance was made from; a Method changed after ``make()``
(``method.updates`` extended) is reported as changed, though the instance
still runs the code compiled before.

Paths are the paths of the plan's root: for an inner instance
(``inst.incdec1``) they start with ``incdec1.``. A member reached through
several paths is reported at its first path; the others are its aliases.

Examples
--------
>>> import symmodule
>>> from symmodule import tensor as T
>>> m = symmodule.Module()
>>> n = T.dscalar('n')
>>> m.c = T.dscalar()
>>> m.step = T.dscalar()
>>> m.inc = symmodule.Method(n, [], c=m.c + n * m.step)
>>> from symmodule import introspect
>>> e = introspect.effects(m, 'inc')
>>> e.reads, e.updates, e.could_update
(('c', 'step'), ('c',), ('step',))
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pytensor import config
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import graph_inputs
from pytensor.tensor.random.type import RandomGeneratorType

from symmodule import errors
from symmodule.module.compiler import resolve_method
from symmodule.module.member import External
from symmodule.module.method import Method
from symmodule.module.plan import Node, Plan, join_path

__all__ = [
    "Effects",
    "Finding",
    "MemberRow",
    "MethodRow",
    "Report",
    "Summary",
    "check",
    "effects",
    "summary",
]


# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Effects:
    """What one method does to the state, read from its symbolic graph.

    Attributes
    ----------
    method
        The method's path.
    reads
        Members the method's outputs or updates read (implicit inputs).
    updates
        Members the method updates.
    could_update
        Members the method reads but does not update (``reads`` minus
        ``updates``): writable state it leaves as it is.
    random_streams_read
        Random streams whose draws the method uses (paths such as
        ``random.rng0``).
    random_streams_advanced
        Random streams whose generator the method advances.
    """

    method: str
    reads: tuple[str, ...]
    updates: tuple[str, ...]
    could_update: tuple[str, ...]
    random_streams_read: tuple[str, ...] = ()
    random_streams_advanced: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"Method {self.method!r}:"]
        for label, paths in (
            ("reads", self.reads),
            ("updates", self.updates),
            ("could update (reads, does not update)", self.could_update),
            ("draws from", self.random_streams_read),
            ("advances", self.random_streams_advanced),
        ):
            lines.append(f"  {label}: {', '.join(paths) if paths else '-'}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Finding:
    """One thing :func:`check` noticed.

    Attributes
    ----------
    severity
        ``'warning'`` (probably a mistake) or ``'note'`` (worth knowing).
    kind
        ``'unused-member'``, ``'unused-random-stream'``,
        ``'no-effect-method'`` (warnings); ``'never-updated'``,
        ``'never-read'`` (notes).
    path
        The member, stream or method concerned.
    message
        A sentence saying what was found and what to do.
    """

    severity: str
    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


class Report(list):
    """The findings of :func:`check`: a list of :class:`Finding`, printed one per line."""

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are probably mistakes."""
        return [f for f in self if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        """The informational findings (only present with ``notes=True``)."""
        return [f for f in self if f.severity == "note"]

    def __str__(self) -> str:
        if not self:
            return "No findings."
        return "\n".join(str(f) for f in self)

    def __repr__(self) -> str:
        return f"<Report: {len(self.warnings)} warning(s), {len(self.notes)} note(s)>\n{self}"


@dataclass(frozen=True)
class MemberRow:
    """One row of a :class:`Summary`'s member table."""

    path: str
    kind: str  # 'member', 'constant' or 'random stream'
    dtype: str
    shape: str
    size: int | None
    nbytes: int | None
    read_by: tuple[str, ...]
    updated_by: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodRow:
    """One row of a :class:`Summary`'s method table."""

    path: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    reads: tuple[str, ...]
    updates: tuple[str, ...]
    draws_from: tuple[str, ...]
    mode: str


@dataclass(frozen=True)
class Summary:
    """Every member and method of a Module or instance, with totals.

    ``str(summary)`` (and ``print``) gives a plain-text table; Jupyter shows
    the HTML of :meth:`_repr_html_`.

    Attributes
    ----------
    title
        What was summarised (``"Module SoftmaxXERegression"`` or
        ``"instance of SoftmaxXERegression"``).
    made
        Whether values come from an instance (True) or only from the
        declared types (False: shapes are the static ones, ``?`` unknown).
    members, methods
        The rows of the two tables.
    findings
        The warnings of :func:`check` for the same object.
    """

    title: str
    made: bool
    members: tuple[MemberRow, ...]
    methods: tuple[MethodRow, ...]
    findings: tuple[Finding, ...] = field(default=())

    # -- totals ------------------------------------------------------------------

    @property
    def n_members(self) -> int:
        """Members and constants (random streams are counted apart)."""
        return sum(1 for row in self.members if row.kind != "random stream")

    @property
    def n_random_streams(self) -> int:
        return sum(1 for row in self.members if row.kind == "random stream")

    @property
    def n_values(self) -> int:
        """Values held by the members whose size is known."""
        return sum(row.size for row in self.members if row.size is not None)

    @property
    def nbytes(self) -> int:
        """Bytes held by the members whose size is known."""
        return sum(row.nbytes for row in self.members if row.nbytes is not None)

    @property
    def n_unknown(self) -> int:
        """Members whose size is not known (unset, or not made yet)."""
        return sum(1 for row in self.members if row.kind != "random stream" and row.size is None)

    def totals(self) -> str:
        """One line: how many members, values, bytes, methods and streams."""
        text = (
            f"{self.n_members} member(s), {self.n_values:,} value(s), {_bytes(self.nbytes)}; "
            f"{len(self.methods)} method(s); {self.n_random_streams} random stream(s)"
        )
        if self.n_unknown:
            text += f"; size unknown for {self.n_unknown} member(s) ({'unset' if self.made else 'not made yet'})"
        return text

    # -- rendering ---------------------------------------------------------------

    def _member_table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["member", "kind", "dtype", "shape", "values", "bytes", "read by", "updated by"]
        rows = [
            [
                row.path + (f" (= {', '.join(row.aliases)})" if row.aliases else ""),
                row.kind,
                row.dtype,
                row.shape,
                "-" if row.size is None else f"{row.size:,}",
                "-" if row.nbytes is None else _bytes(row.nbytes),
                ", ".join(row.read_by) or "-",
                ", ".join(row.updated_by) or "-",
            ]
            for row in self.members
        ]
        return headers, rows

    def _method_table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["method", "inputs", "outputs", "reads", "updates", "draws from", "mode"]
        rows = [
            [
                row.path,
                ", ".join(row.inputs) or "-",
                ", ".join(row.outputs) or "-",
                ", ".join(row.reads) or "-",
                ", ".join(row.updates) or "-",
                ", ".join(row.draws_from) or "-",
                row.mode,
            ]
            for row in self.methods
        ]
        return headers, rows

    def __str__(self) -> str:
        lines = [self.title, ""]
        headers, rows = self._member_table()
        lines += ["Members"] + _text_table(headers, rows) if rows else ["Members: none"]
        lines.append("")
        headers, rows = self._method_table()
        lines += ["Methods"] + _text_table(headers, rows) if rows else ["Methods: none"]
        lines += ["", "Total: " + self.totals()]
        if self.findings:
            lines += ["", "Checks"] + [f"  {f}" for f in self.findings]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<div class='symmodule-summary'><strong>{html.escape(self.title)}</strong>"]
        for caption, (headers, rows) in (
            ("Members", self._member_table()),
            ("Methods", self._method_table()),
        ):
            parts.append(_html_table(caption, headers, rows))
        parts.append(f"<p><em>Total:</em> {html.escape(self.totals())}</p>")
        if self.findings:
            items = "".join(
                f"<li><strong>{html.escape(f.severity)}</strong> ({html.escape(f.kind)}): "
                f"{html.escape(f.message)}</li>"
                for f in self.findings
            )
            parts.append(f"<p><em>Checks</em></p><ul>{items}</ul>")
        parts.append("</div>")
        return "".join(parts)


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
    """A plan, the part of it asked about, and (for instances) the live storage."""

    def __init__(self, obj: Any) -> None:
        from symmodule.module.instance import ModuleInstance
        from symmodule.module.module import Module

        if isinstance(obj, ModuleInstance):
            root = obj._sm_root()
            self.plan: Plan = root._sm_blueprint.plan
            self.storage: dict[object, Any] | None = root._sm_storage
            self.prefix: str = obj._sm_path
            self.title = f"{type(obj).__name__} of {type(obj.component).__name__}" + (
                f" at {obj._sm_path!r}" if obj._sm_path else ""
            )
        elif isinstance(obj, Module):
            self.plan = Plan(obj)
            self.storage = None
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
    text = _pretty(expr)
    if text is not None and len(text) <= 32:
        return text
    return _type_label(expr.type)


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


# -- the three functions ----------------------------------------------------------------


def effects(obj: Any, method: Any = None) -> Any:
    """What a method reads and updates, from its symbolic graph.

    Parameters
    ----------
    obj
        A Module (nothing is compiled) or a ModuleInstance; an inner module
        or inner instance limits the lookup to its own methods.
    method
        The method's name or dotted path from ``obj`` (``'update'``,
        ``'incdec1.inc'``), or the ``Method`` object. None: every method.

    Returns
    -------
    Effects or dict
        The :class:`Effects` of that method; with ``method=None``, a dict
        ``{method path: Effects}`` in declaration order.

    Raises
    ------
    symmodule.errors.ResolveError
        No method has that name (the message lists the nearest names).

    Examples
    --------
    >>> from symmodule.models import SoftmaxXERegression
    >>> from symmodule import introspect
    >>> print(introspect.effects(SoftmaxXERegression(), 'update'))
    Method 'update':
      reads: stepsize, w, b, l2_coef
      updates: w, b
      could update (reads, does not update): stepsize, l2_coef
      draws from: -
      advances: -
    """
    scope = _Scope(obj)
    if method is None:
        return {node.path: scope.effects(node) for node in scope.method_nodes}
    return scope.effects(scope.method_node(method))


def check(obj: Any, notes: bool = False) -> Report:
    """Look for state no method uses and methods that do nothing.

    Warnings:

    * ``unused-member`` — a member that no method reads or updates;
    * ``unused-random-stream`` — a random draw that no method uses;
    * ``no-effect-method`` — a method that updates nothing and returns nothing.

    With ``notes=True``, also:

    * ``never-updated`` — a member methods read but none updates (it changes
      only when set from Python: a hyper-parameter, for instance);
    * ``never-read`` — a member methods update but none reads (its value is
      only for Python to read).

    Constants are never reported: they are values for Python code.

    Parameters
    ----------
    obj
        A Module or a ModuleInstance (or an inner one: then only its part of
        the tree is checked, so members used only by an outer module's
        methods count as unused).
    notes
        Whether to add the informational findings.

    Returns
    -------
    Report
        A list of :class:`Finding`, warnings first; empty when all is well.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.forgotten = T.dvector()
    >>> m.noop = symmodule.Method(T.dscalar('n'), [])
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> from symmodule import introspect
    >>> print(introspect.check(m))
    warning: member 'forgotten' is neither read nor updated by any method: remove it, or use it in a Method.
    warning: method 'noop' updates nothing and returns nothing: calling it has no effect.
    """
    return _check(_Scope(obj), notes)


def _check(scope: _Scope, notes: bool) -> Report:
    warnings: list[Finding] = []
    infos: list[Finding] = []
    readers, updaters = _users(scope)
    for key in scope.keys:
        spec = scope.plan.state[key]
        if spec.readonly:
            continue
        path = spec.path
        read_by, updated_by = readers[id(key)], updaters[id(key)]
        if scope.is_random(key):
            if not read_by and not updated_by:
                warnings.append(
                    Finding(
                        "warning",
                        "unused-random-stream",
                        path,
                        f"random stream {path!r} is drawn from by no method: "
                        "a draw was made but no Method uses it.",
                    )
                )
            continue
        if not read_by and not updated_by:
            warnings.append(
                Finding(
                    "warning",
                    "unused-member",
                    path,
                    f"member {path!r} is neither read nor updated by any method: "
                    "remove it, or use it in a Method.",
                )
            )
        elif not updated_by:
            infos.append(
                Finding(
                    "note",
                    "never-updated",
                    path,
                    f"member {path!r} is read by {', '.join(read_by)} but updated by no method: "
                    "it changes only when set from Python.",
                )
            )
        elif not read_by:
            infos.append(
                Finding(
                    "note",
                    "never-read",
                    path,
                    f"member {path!r} is updated by {', '.join(updated_by)} but read by no method: "
                    "its value is only for Python to read.",
                )
            )
    for node in scope.method_nodes:
        facts = scope.facts(node)
        if not facts.returns and not facts.updates:
            warnings.append(
                Finding(
                    "warning",
                    "no-effect-method",
                    facts.path,
                    f"method {facts.path!r} updates nothing and returns nothing: calling it has no effect.",
                )
            )
    return Report(warnings + (infos if notes else []))


def _users(scope: _Scope) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    readers: dict[int, list[str]] = {id(k): [] for k in scope.keys}
    updaters: dict[int, list[str]] = {id(k): [] for k in scope.keys}
    for node in scope.method_nodes:
        facts = scope.facts(node)
        for key in scope.keys:
            if key in facts.reads:
                readers[id(key)].append(facts.path)
            if key in facts.updates:
                updaters[id(key)].append(facts.path)
    return readers, updaters


def summary(obj: Any) -> Summary:
    """A table of every member and method, with totals and the warnings of :func:`check`.

    Parameters
    ----------
    obj
        A Module (shapes and sizes come from the declared types, so they may
        be unknown) or a ModuleInstance (they come from the stored values).
        An inner module or inner instance summarises its part of the tree.

    Returns
    -------
    Summary
        Print it for a text table; a notebook renders it as HTML.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.models import SoftmaxXERegression
    >>> from symmodule import introspect
    >>> inst = SoftmaxXERegression(regularize=False).make(input_size=4, target_size=3)
    >>> s = introspect.summary(inst)
    >>> for row in s.members:
    ...     print(row.path, row.kind, row.shape, row.read_by, row.updated_by)
    regularize constant () () ()
    stepsize member () ('update',) ()
    w member (4, 3) ('update', 'apply') ('update',)
    b member (3,) ('update', 'apply') ('update',)
    l2_coef member () () ()
    >>> s.n_values, s.nbytes
    (18, 137)
    >>> [f.kind for f in s.findings]
    ['unused-member']
    """
    scope = _Scope(obj)
    readers, updaters = _users(scope)
    members = tuple(
        _member_row(scope, key, tuple(readers[id(key)]), tuple(updaters[id(key)])) for key in scope.keys
    )
    methods = []
    for node in scope.method_nodes:
        facts = scope.facts(node)
        eff = scope.effects(node)
        methods.append(
            MethodRow(
                path=facts.path,
                inputs=facts.inputs,
                outputs=facts.outputs,
                reads=eff.reads,
                updates=eff.updates,
                draws_from=tuple(dict.fromkeys(eff.random_streams_read + eff.random_streams_advanced)),
                mode=facts.mode,
            )
        )
    return Summary(
        title=scope.title,
        made=scope.storage is not None,
        members=members,
        methods=tuple(methods),
        findings=tuple(_check(scope, notes=False)),
    )


def _member_row(scope: _Scope, key: object, read_by: tuple[str, ...], updated_by: tuple[str, ...]) -> MemberRow:
    spec = scope.plan.state[key]
    aliases = scope.aliases(key)
    if scope.is_random(key):
        return MemberRow(spec.path, "random stream", "Generator", "-", None, None, read_by, updated_by, aliases)
    kind = "constant" if spec.readonly else "member"
    type_ = spec.type
    dtype = str(getattr(type_, "dtype", type_))
    if scope.storage is not None:
        value = scope.storage[key].storage[0]
    else:
        value = spec.initial
    if value is not None:
        try:
            array = np.asarray(value)
        except Exception:
            array = None
        if array is not None and array.dtype != object:
            return MemberRow(
                spec.path, kind, str(array.dtype) if spec.readonly else dtype, str(tuple(array.shape)),
                int(array.size), int(array.nbytes), read_by, updated_by, aliases,
            )
    static = getattr(type_, "shape", None)
    if scope.storage is not None:
        shape = "unset"
        size = nbytes = None
    elif static is not None:
        shape = _shape_text(static)
        size = int(np.prod(static)) if all(s is not None for s in static) else None
        itemsize = np.dtype(dtype).itemsize if hasattr(type_, "dtype") else None
        nbytes = size * itemsize if size is not None and itemsize is not None else None
    else:
        shape, size, nbytes = "?", None, None
    return MemberRow(spec.path, kind, dtype, shape, size, nbytes, read_by, updated_by, aliases)


def _shape_text(shape: tuple[Any, ...]) -> str:
    parts = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
    return f"{n} B"  # not reached


def _text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    numeric = {"values", "bytes"}

    def line(cells: Iterator[str] | list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if headers[i] in numeric else cell.ljust(widths[i]))
        return ("  " + "  ".join(out)).rstrip()

    return [line(headers), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def _html_table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return f"<p><em>{html.escape(caption)}:</em> none</p>"
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(c)}</code></td>" for c in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption style='text-align:left'><em>{html.escape(caption)}</em></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
