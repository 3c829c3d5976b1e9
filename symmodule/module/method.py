"""Method: the declaration of a function over its inputs plus the module's state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytensor.graph.basic import Variable
from pytensor.printing import pprint

from symmodule import errors
from symmodule.module.component import Component

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node, Plan

__all__ = ["Method"]


class Method(Component):
    """A function of the module: its own inputs, plus every Member it reads.

    ``make()`` compiles each Method into a :class:`symmodule.compile.Function`
    whose implicit inputs are the Members the outputs and updates read, bound
    to the instance's storage, and whose ``updates`` write the new state.

    Parameters
    ----------
    inputs
        A Variable, a list of Variables, or ``In(...)`` objects: the arguments
        of the compiled method. A Member listed here is an ordinary argument:
        the call neither reads nor writes the instance's storage for it.
    outputs
        None or ``[]`` (the call returns None), one expression (the call
        returns its value) or a list of expressions (the call returns a list).
    updates
        ``{member: expression}``; keys are Member variables or their paths
        (``'c'``, ``'incdec1.c'``), resolved from the module that holds the
        method. A plain dict: it may be extended until ``make()``.
    mode
        Compilation mode of this method, overriding the one given to ``make()``.
    **named_updates
        More updates, keyed by member path: ``Method(n, [], c=m.c + n)``.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> n = T.dscalar('n')
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method(n, [], updates={m.c: m.c + n})
    >>> m.plus10 = symmodule.Method([], m.c + 10)
    >>> inst = m.make(c=0)
    >>> inst.inc(2)
    >>> float(inst.plus10())
    12.0
    """

    def __init__(
        self,
        inputs: Any,
        outputs: Any = None,
        updates: Mapping[Any, Any] | None = None,
        mode: Any = None,
        **named_updates: Any,
    ) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.updates: dict[Any, Any] = dict(updates.items() if isinstance(updates, Mapping) else (updates or ()))
        self.updates.update(named_updates)
        self.mode = mode
        #: Refuse to store an update holding NaN or inf (the call then fails and
        #: changes no member). None: as ``make(check_finite=...)`` says.
        self.check_finite: bool | None = None

    def allocate(self, plan: Plan, node: Node) -> None:
        plan.add_method(node)

    def build(self, builder: Builder, node: Node) -> Any:
        return builder.function(node)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise errors.MethodNotCompiledError(
            errors.METHOD_NOT_COMPILED.format(method=repr(self))
        )

    def pretty(self, **kwargs: Any) -> str:
        header = kwargs.get("header", "Method")
        lines = [f"{header}:", f"  inputs:  {_listing(self.inputs)}", f"  outputs: {_listing(self.outputs)}"]
        if self.updates:
            lines.append("  updates:")
            for key, expr in self.updates.items():
                shown = key if isinstance(key, str) else (getattr(key, "name", None) or key)
                lines.append(f"    {shown} <- {_expression(expr)}")
        if self.mode is not None:
            lines.append(f"  mode:    {self.mode}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Method inputs={_listing(self.inputs)} outputs={_listing(self.outputs)}>"


def _listing(value: Any) -> str:
    if value is None:
        return "[]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_expression(v) for v in value) + "]"
    return _expression(value)


def _expression(value: Any) -> str:
    """An expression as readable math (``(c + n)``), shortened for one line."""
    value = getattr(value, "variable", value)
    try:
        text = pprint(value) if isinstance(value, Variable) else str(value)
    except Exception:  # pprint has no printer for some Ops; the plain name will do
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
