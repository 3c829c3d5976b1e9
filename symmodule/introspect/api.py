"""The three entry points: effects(), check() and summary()."""

from __future__ import annotations

from typing import Any

import numpy as np

from symmodule.introspect.analysis import _Scope
from symmodule.introspect.results import (
    Finding,
    MemberRow,
    MethodRow,
    Report,
    Summary,
    _shape_text,
)

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
        made=scope.values is not None,
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
    if scope.values is not None and not spec.readonly:
        value = scope.values[spec.path]
    else:
        value = spec.initial  # a constant's value, or a member's before make()
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
    if scope.values is not None:
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


