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

from symmodule.introspect.api import check, effects, summary
from symmodule.introspect.results import (
    Effects,
    Finding,
    MemberRow,
    MethodRow,
    Report,
    Summary,
)

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
