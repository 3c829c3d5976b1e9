"""Compiled code shared across ``make()`` calls: compile once per structure and mode.

Compiling a Method (graph rewriting, code generation) is the expensive part
of ``make()``; binding storage to compiled code is cheap (``maker.create``).
A :class:`CodeCache` maps the *structure* of a resolved Method — its graph
with state replaced by positions in the plan, its input specs and its mode —
to the compiled result. A second ``make()`` of a Module, or of an equal Module
built from other Variables, finds its code there and only allocates storage.

The cache is explicit state: ``symmodule.code_cache`` is the default one that
``make()`` uses, with :meth:`CodeCache.clear` and counters in
:attr:`CodeCache.stats`; ``make(cache=None)`` bypasses it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytensor import config
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import io_toposort

from symmodule.modes import resolve_mode

if TYPE_CHECKING:
    from symmodule.module.compiler import CompiledMethod, ResolvedMethod

__all__ = ["CodeCache", "CacheStats", "code_cache"]


@dataclass
class CacheStats:
    """How often compiled code was found, and how often a Method had to be compiled."""

    hits: int = 0
    compilations: int = 0


class CodeCache:
    """A bounded map from a Method's structure and mode to its compiled code.

    Parameters
    ----------
    maxsize
        How many compiled Methods to keep; the least recently used go first.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> cache = symmodule.CodeCache()
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> first = m.make(c=0, cache=cache)
    >>> second = m.make(c=5, cache=cache)
    >>> (cache.stats.compilations, cache.stats.hits)
    (1, 1)
    """

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self.stats = CacheStats()
        self._entries: OrderedDict[tuple, CompiledMethod] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every compiled Method (the counters are kept)."""
        self._entries.clear()

    def key(self, resolved: ResolvedMethod, positions: dict[object, int]) -> tuple | None:
        """The structural key of a resolved Method, or None when it must not be shared."""
        if any(getattr(spec, "value", None) is not None for spec in resolved.explicit):
            # An argument with a default value: the default lives in the maker's
            # specs, so equal structures with other defaults must not share it.
            return None
        tokens: dict[Variable, Any] = {}
        for index, spec in enumerate(resolved.explicit):
            tokens[spec.variable] = ("arg", index, spec.variable.type)
        for variable in resolved.implicit:
            tokens[variable] = ("state", positions[variable], variable.type)
        outputs = resolved.outputs
        output_list = [] if outputs is None else outputs if isinstance(outputs, list) else [outputs]
        output_vars = [getattr(o, "variable", o) for o in output_list]
        update_vars = [resolved.updates[v] for v in resolved.implicit if v in resolved.updates]
        nodes = []
        for apply in io_toposort(list(tokens), output_vars + update_vars):
            inputs = tuple(_token(tokens, v) for v in apply.inputs)
            nodes.append((apply.op, inputs))
            for position, out in enumerate(apply.outputs):
                tokens[out] = ("node", len(nodes) - 1, position)
        specs = tuple(
            (spec.name, spec.strict, spec.allow_downcast, spec.mutable, getattr(spec, "borrow", None))
            for spec in resolved.explicit
        )
        shape = "none" if outputs is None else "list" if isinstance(outputs, list) else "one"
        return (
            resolved.node.path,
            resolve_mode(resolved.mode),
            config.floatX,
            specs,
            tuple(nodes),
            shape,
            tuple(_token(tokens, v) for v in output_vars),
            tuple((positions[v], _token(tokens, resolved.updates[v])) for v in resolved.implicit if v in resolved.updates),
            tuple((positions[v], v.name) for v in resolved.implicit),
        )

    def get(self, key: tuple) -> CompiledMethod | None:
        """The compiled Method stored under ``key``, counting a hit; None if absent."""
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.stats.hits += 1
        return found

    def put(self, key: tuple, compiled: CompiledMethod) -> None:
        """Store newly compiled code, counting one compilation."""
        self.stats.compilations += 1
        self._entries[key] = compiled
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)


def _token(tokens: dict[Variable, Any], variable: Variable) -> Any:
    if variable in tokens:
        return tokens[variable]
    if isinstance(variable, Constant):
        return ("const", variable.signature())
    if isinstance(variable, SharedVariable):
        return ("shared", variable)  # compared by identity: its storage is global
    return ("root", variable)


#: The cache ``make()`` uses unless told otherwise.
code_cache = CodeCache()
