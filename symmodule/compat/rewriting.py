"""Theano's graph-rewriting names (``gof.TopoOptimizer``, ``gof.OpRemove``, ``gof.Env``) on PyTensor's rewriters.

``gof.PatternSub``, ``gof.OpSub`` and ``gof.local_optimizer`` are PyTensor's
``PatternNodeRewriter``, ``SubstitutionNodeRewriter`` and ``node_rewriter``
themselves (same arguments). What this module adds is Theano's spelling where
PyTensor's differs: a graph rewriter's ``optimize(env)`` (PyTensor calls it
``rewrite``), and an ``Env`` that, like Theano's, works on the very variables
it is given instead of a copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pytensor.graph.basic import Apply, Variable
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.op import Op
from pytensor.graph.rewriting.basic import NodeRewriter, WalkingGraphRewriter

__all__ = ["Env", "OpRemove", "TopoOptimizer"]


class Env(FunctionGraph):
    """Theano's ``Env``: PyTensor's ``FunctionGraph`` over the given variables, not a copy of them.

    Parameters
    ----------
    inputs, outputs
        The graph's inputs and outputs.
    features
        PyTensor features to attach.
    clone
        Whether to work on a copy of the graph (PyTensor's default); False, as
        in Theano, so that rewriting the Env rewrites the graph the caller holds.

    Examples
    --------
    >>> from symmodule import gof, tensor as T
    >>> x = T.dscalar('x')
    >>> e = gof.Env([x], [x * 2])
    >>> e.inputs[0] is x
    True
    """

    def __init__(
        self,
        inputs: Sequence[Variable],
        outputs: Sequence[Variable],
        features: Sequence[Any] | None = None,
        clone: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(list(inputs), list(outputs), features, clone=clone, **kwargs)


class TopoOptimizer(WalkingGraphRewriter):
    """Theano's ``TopoOptimizer``: PyTensor's ``WalkingGraphRewriter``, also callable as ``optimize(env)``.

    Applies a node rewriter (a :class:`~pytensor.graph.rewriting.basic.PatternNodeRewriter`
    such as ``gof.PatternSub``, an ``OpSub``, a ``@gof.local_optimizer``) to
    every node of the graph, in topological order (``order='in_to_out'``) or
    the reverse. Arguments are PyTensor's, which are Theano's.

    Examples
    --------
    >>> from symmodule import gof, tensor as T
    >>> x, y = T.dscalars('x', 'y')
    >>> e = gof.Env([x, y], [(x * y) / y])
    >>> simplify = gof.TopoOptimizer(gof.PatternSub((T.true_div, (T.mul, 'a', 'b'), 'b'), 'a'))
    >>> _ = simplify.optimize(e)
    >>> e.outputs[0] is x
    True
    """

    def optimize(self, env: FunctionGraph, *args: Any, **kwargs: Any) -> Any:
        """Rewrite ``env`` in place (PyTensor's ``rewrite``)."""
        return self.rewrite(env, *args, **kwargs)


class OpRemove(NodeRewriter):
    """Theano's ``OpRemove(op)``: replace every node of ``op`` by its first input.

    For Ops that pass their input through (a debugging print, an identity).

    Examples
    --------
    >>> from pytensor.compile.ops import view_op
    >>> from symmodule import gof, tensor as T
    >>> x = T.dvector('x')
    >>> e = gof.Env([x], [view_op(x) + 1])
    >>> _ = gof.TopoOptimizer(gof.OpRemove(view_op)).optimize(e)
    >>> e.outputs[0].owner.inputs[0] is x
    True
    """

    def __init__(self, op: Op) -> None:
        self.op = op

    def tracks(self) -> list[Op]:
        return [self.op]

    def transform(self, fgraph: FunctionGraph, node: Apply, enforce_tracks: bool = True) -> list[Variable] | bool:
        if node.op != self.op:
            return False
        return [node.inputs[0]]

    def __str__(self) -> str:
        return f"{self.op}(x) -> x"
