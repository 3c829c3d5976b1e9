"""Theano's ``Op``: PyTensor's, with the gradient written as Theano wrote it.

An Op of Theano's era defines ``make_node``, ``perform`` and
``grad(inputs, output_gradients)``. PyTensor 3 asks an Op for its gradient
through ``pullback(inputs, outputs, cotangents)``; it still falls back to a
``grad`` it finds, but warns (``FutureWarning``) that it will stop doing so.
:class:`Op` is PyTensor's Op whose ``pullback`` is the subclass's ``grad``
(or its ``L_op``, the later Theano form), so such Ops keep their gradient,
without the warning.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytensor
import pytensor.tensor as pt
from pytensor.gradient import disconnected_type
from pytensor.graph.basic import Variable
from pytensor.graph.op import Op as _PyTensorOp
from pytensor.tensor.type import discrete_dtypes
from pytensor.tensor.variable import TensorVariable

__all__ = ["Op"]


class Op(_PyTensorOp):
    """PyTensor's ``Op``, taking its gradient from a Theano-style ``grad``.

    Subclass it as Theano's ``Op``: ``make_node(*inputs)`` returns an
    ``Apply``, ``perform(node, inputs, output_storage)`` computes, and
    ``grad(inputs, output_gradients)`` returns one gradient per input;
    ``None`` for an input means no gradient flows to it, as in Theano: it
    becomes zeros (floatX zeros for an integer input), where PyTensor
    refuses None.
    An Op may define PyTensor's ``pullback`` itself instead.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> class Twice(symmodule.Op):
    ...     __props__ = ()
    ...     def make_node(self, x):
    ...         x = T.as_tensor_variable(x)
    ...         return symmodule.Apply(self, [x], [x.type()])
    ...     def perform(self, node, inputs, output_storage):
    ...         output_storage[0][0] = 2 * inputs[0]
    ...     def grad(self, inputs, output_gradients):
    ...         return [2 * output_gradients[0]]
    >>> x = T.dvector('x')
    >>> T.grad(Twice()(x).sum(), x).eval({x: np.zeros(3)})
    array([2., 2., 2.])
    """

    def L_op(
        self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]
    ) -> list[Variable]:
        # A subclass's own L_op replaces this one; calling it through super() comes here.
        grads = self.grad(inputs, output_grads)
        return [_no_gradient(x) if g is None else g for x, g in zip(inputs, grads, strict=True)]

    def pullback(
        self, inputs: Sequence[Variable], outputs: Sequence[Variable], cotangents: Sequence[Variable]
    ) -> list[Variable]:
        return self.L_op(inputs, outputs, cotangents)


def _no_gradient(x: Variable) -> Variable:
    """What Theano's None gradient meant for input `x`: zeros of a float dtype."""
    if not isinstance(x, TensorVariable):
        return disconnected_type()
    return pt.zeros_like(x, dtype=pytensor.config.floatX if x.dtype in discrete_dtypes else x.dtype)
