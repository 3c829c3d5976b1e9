"""Theano's public names and what symmodule answers for each, read from ``theano_names.tsv``.

Every door module named after a Theano namespace (``symmodule``,
``symmodule.tensor``, ``symmodule.gof``, ...) ends its attribute lookup in
:func:`theano_attribute`: a Theano name the door does not hold itself is
either an alias, imported on first use, or refused with
:class:`~symmodule.compat.errors.TheanoNameGone`. The same table drives the
name walk of the tests and the table of ``docs/coming-from-theano.md``.
"""

from __future__ import annotations

import functools
import importlib
import pathlib
from dataclasses import dataclass
from typing import Any

from symmodule.compat import messages
from symmodule.compat.errors import TheanoModuleGone, TheanoNameGone

__all__ = ["Entry", "entries", "lookup", "theano_attribute", "gone_module_error", "door_of"]

_TABLE = pathlib.Path(__file__).with_name("theano_names.tsv")


@dataclass(frozen=True)
class Entry:
    """One Theano name: where Theano had it, how era code used it, what symmodule answers.

    Attributes
    ----------
    namespace
        The Theano namespace (``'theano.tensor'``).
    name
        The name in it; dotted for a path below it (``'cuda.basic_ops'``).
    kind
        What the object was in Theano (``'class'``, ``'Op instance'``, ...).
    uses
        How many times era code uses it.
    release
        ``'2009'``, ``'0.4.1'``, ``'both'``, or ``'docs'`` (named by the 2009 docs only).
    answer
        ``'.'``, ``'=module:attr|...'`` or ``'!why>replacement'`` (see the table's header).
    """

    namespace: str
    name: str
    kind: str
    uses: int
    release: str
    answer: str

    @property
    def door(self) -> str:
        """The symmodule module standing for :attr:`namespace`."""
        return door_of(self.namespace)

    @property
    def refused(self) -> bool:
        """Whether symmodule refuses the name."""
        return self.answer.startswith("!")

    @property
    def why(self) -> str:
        """Why the name is gone (refused names only)."""
        return messages.WHY[self.answer[1:].partition(">")[0]]

    @property
    def replacement(self) -> str | None:
        """What to use instead (refused names only), if anything."""
        return self.answer.partition(">")[2] or None

    @property
    def targets(self) -> list[tuple[str, str]]:
        """``(module, attribute)`` alternatives of an alias, first match wins."""
        if not self.answer.startswith("="):
            return []
        return [tuple(alt.split(":", 1)) for alt in self.answer[1:].split("|")]  # type: ignore[misc]

    def refusal(self, error: type[Exception], template: str) -> Exception:
        """The error raised for this refused name, built from ``template``."""
        where = f"{self.door}.{self.name}"
        instead = (
            messages.USE_INSTEAD.format(replacement=self.replacement)
            if self.replacement
            else messages.NOTHING_INSTEAD
        )
        theano = f"{self.namespace}.{self.name}"
        return error(template.format(theano=theano, where=where, why=self.why, instead=instead))


def door_of(namespace: str) -> str:
    """``'theano.tensor.nnet'`` -> ``'symmodule.tensor.nnet'``."""
    return "symmodule" + namespace[len("theano"):]


@functools.cache
def entries() -> tuple[Entry, ...]:
    """Every Theano name of the table, in its order (by namespace, most used first)."""
    rows = []
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        namespace, name, kind, uses, release, answer = line.split("\t")
        rows.append(Entry(namespace, name, kind, int(uses), release, answer))
    return tuple(rows)


@functools.cache
def _by_door() -> dict[tuple[str, str], Entry]:
    # Only the first step of a dotted name is an attribute of the door.
    table: dict[tuple[str, str], Entry] = {}
    for entry in entries():
        head = entry.name.split(".", 1)[0]
        table.setdefault((entry.door, head), entry)
    return table


def lookup(door: str, name: str) -> Entry | None:
    """The entry for attribute ``name`` of the symmodule module ``door``, if Theano had it."""
    return _by_door().get((door, name))


def _load(entry: Entry) -> Any:
    if entry.answer == ".":
        # A submodule of the door, imported on first use.
        return importlib.import_module(f"{entry.door}.{entry.name.split('.', 1)[0]}")
    for module, attribute in entry.targets:
        try:
            value: Any = importlib.import_module(module)
            for step in filter(None, attribute.split(".")):
                value = getattr(value, step)
        except (ImportError, AttributeError):
            continue  # moved in this PyTensor version: try the next place
        return value
    raise LookupError(f"{entry.namespace}.{entry.name}: none of {entry.answer[1:]} exists")


def theano_attribute(door: str, name: str) -> Any:
    """Attribute ``name`` of module ``door`` when the module does not hold it itself.

    Parameters
    ----------
    door
        The module's ``__name__`` (``'symmodule.tensor'``).
    name
        The attribute asked for.

    Returns
    -------
    The object a Theano name stands for.

    Raises
    ------
    symmodule.compat.errors.TheanoNameGone
        For a Theano name symmodule refuses; the message says why and what to use.
    AttributeError
        For a name Theano did not have there either.
    """
    entry = lookup(door, name)
    if entry is None:
        raise AttributeError(f"module {door!r} has no attribute {name!r}")
    if entry.refused:
        raise entry.refusal(TheanoNameGone, messages.NAME_GONE)
    return _load(entry)


def gone_module_error(fullname: str) -> TheanoModuleGone | None:
    """The error for ``import fullname`` when it is a refused Theano module, else None."""
    door, _, name = fullname.rpartition(".")
    entry = lookup(door, name)
    if entry is None or not entry.refused:
        return None
    return entry.refusal(TheanoModuleGone, messages.MODULE_GONE)  # type: ignore[return-value]
