"""Roles: what a Member is for, and finding Members by role, tag or path.

A Member carries a set of strings, its *roles*, given where it is declared
(``Member(T.matrix(), roles=(PARAM, REGULARIZABLE))``) or by the layer or
component that creates it. Four are known to symmodule; any other string is
a user tag and is matched the same way.

=================  ==================================================================
role               meaning
=================  ==================================================================
``PARAM``          a trainable parameter: what an optimizer updates
``REGULARIZABLE``  a parameter a weight penalty applies to (weights, not biases)
``BUFFER``         a statistic a method maintains (running means): state, not trained
``RNG``            a random generator's state (every ``RandomStreams`` member has it)
=================  ==================================================================

:meth:`Module.members <symmodule.Module.members>` and
:meth:`Module.parameters <symmodule.Module.parameters>` select by these
roles; both list a Member once however many paths reach it (a tied weight is
one parameter), in the order of first paths.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pytensor.graph.basic import Variable

from symmodule import errors

if TYPE_CHECKING:
    from symmodule.module.plan import Plan

__all__ = ["PARAM", "REGULARIZABLE", "BUFFER", "RNG", "KNOWN_ROLES", "as_roles", "select"]

PARAM = "param"
REGULARIZABLE = "regularizable"
BUFFER = "buffer"
RNG = "rng"
KNOWN_ROLES = (PARAM, REGULARIZABLE, BUFFER, RNG)


def as_roles(roles: str | Iterable[str], where: str) -> frozenset[str]:
    """``roles`` as a frozen set of non-empty strings; a single string is one role."""
    if isinstance(roles, str):
        roles = (roles,)
    try:
        result = frozenset(roles)
    except TypeError:
        result = None
    if result is None or not all(isinstance(role, str) and role for role in result):
        raise errors.DeclarationError(errors.BAD_ROLES.format(where=where, roles=roles))
    return result


def select(plan: Plan, roles: Iterable[str], path: str | None) -> dict[str, Variable]:
    """``{first path: Variable}`` of the plan's Members having every role, at a path matching ``path``.

    ``path`` is a glob (``'encoder.*'``, ``'layers.?.w'``) matched against
    every path that reaches a Member, aliases included; the Member is listed
    under its first path.
    """
    wanted = as_roles(tuple(roles), "members()")
    reached: dict[object, list[str]] = {}
    for where, node in plan.paths.items():
        key = getattr(node.component, "variable", None)
        if key is not None and key in plan.state:
            reached.setdefault(key, []).append(where)
    found: dict[str, Variable] = {}
    for key, spec in plan.state.items():
        if not isinstance(key, Variable) or not wanted <= spec.roles:
            continue
        paths = reached.get(key, [spec.path])
        if path is None or any(fnmatch.fnmatchcase(p, path) for p in paths):
            found[spec.path] = key
    return found
