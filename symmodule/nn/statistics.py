"""Running statistics: the updates a training graph asks for, found by walking it.

A layer that keeps statistics (:class:`~symmodule.nn.BatchNorm`) computes,
when applied with ``training=True``, the new values of its running
statistics, and records them on the batch statistic of the graph it builds
(:func:`mark`: a tag on that Variable, nothing global). They are not
applied by themselves: :func:`statistics_updates` walks a training output's
ancestors and returns them, for the training Method's ``updates``. An
evaluation graph (``training=False``) reads the running statistics and
carries no updates, so no other Method changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pytensor.graph.basic import Variable
from pytensor.graph.traversal import ancestors

from symmodule import errors
from symmodule.nn import messages

__all__ = ["statistics_updates", "mark"]

# The tag attribute holding a _Mark on a batch statistic.
_TAG = "symmodule_nn_statistics"


@dataclass(frozen=True)
class _Mark:
    """What one training application of a layer updates: the layer, and ``(member, new value)`` pairs."""

    layer: str
    names: tuple[str, ...]
    updates: tuple[tuple[Variable, Variable], ...]


def mark(statistic: Variable, layer: str, updates: Mapping[str, tuple[Variable, Variable]]) -> None:
    """Record on ``statistic`` (a Variable of the training graph) the updates its layer asks for.

    ``updates`` maps each member's attribute name to ``(member, new value)``.
    """
    setattr(statistic.tag, _TAG, _Mark(layer, tuple(updates), tuple(updates.values())))


def statistics_updates(*outputs: Variable | Iterable[Variable]) -> dict[Variable, Variable]:
    """``{running statistic: new value}`` for every layer applied in training mode in these graphs.

    Give it what the training Method computes (the loss, or the model's
    output, or several) and put the result in that Method's ``updates``;
    the evaluation Method, built with ``training=False``, reads the running
    statistics and gets no such updates.

    Parameters
    ----------
    *outputs
        Expressions, or lists of them, whose ancestors are searched.

    Returns
    -------
    A dict, empty when no layer in the graphs keeps statistics.

    Raises
    ------
    symmodule.errors.UpdateError
        When one layer is applied in training mode more than once in the
        graphs: its statistics would get two updates.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.norm = nn.BatchNorm(2)
    >>> x = T.matrix("x")
    >>> y = m.norm(x, training=True)
    >>> m.train = symmodule.Method([x], y, updates=nn.statistics_updates(y))
    >>> m.infer = symmodule.Method([x], m.norm(x))
    >>> inst = m.make()
    >>> _ = inst.train(np.array([[0.0, 1.0], [2.0, 3.0]], dtype=symmodule.config.floatX))
    >>> inst.norm.running_mean        # 0.9 * 0 + 0.1 * the batch mean
    array([0.1, 0.2])
    """
    roots: list[Variable] = []
    for item in outputs:
        roots.extend([item] if isinstance(item, Variable) else _variables(item))
    found: dict[Variable, Variable] = {}
    applications: dict[Variable, list[_Mark]] = {}
    for variable in ancestors(roots):
        found_mark = getattr(variable.tag, _TAG, None)
        if not isinstance(found_mark, _Mark):
            continue
        first = found_mark.updates[0][0]
        applications.setdefault(first, []).append(found_mark)
        for member, value in found_mark.updates:
            found[member] = value
    for marks in applications.values():
        if len(marks) > 1:
            raise errors.UpdateError(
                messages.STATISTICS_TWICE.format(
                    layer=marks[0].layer,
                    count=len(marks),
                    members=", ".join(marks[0].names),
                )
            )
    return found


def _variables(item: Any) -> list[Variable]:
    items = list(item.values()) if isinstance(item, Mapping) else list(item)
    return [value for value in items if isinstance(value, Variable)]
