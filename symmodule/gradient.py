"""Theano's ``theano.gradient``: PyTensor's gradient module, with Theano 0.4's ``grad``.

``Lop``, ``Rop``, ``verify_grad``, ``numeric_grad``, ``grad_not_implemented``
and the rest are :mod:`pytensor.gradient`'s own. :func:`grad` (also
``symmodule.tensor.grad``) is PyTensor's with Theano 0.4's signature and its
answers where PyTensor raises by default: zeros for an input the cost does
not depend on, and the gradient of the sum for a cost that is not a scalar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pytensor.gradient as _gradient
from pytensor.gradient import Lop, Rop, grad_not_implemented, numeric_grad, verify_grad
from pytensor.graph.basic import Variable
from pytensor.tensor import ones_like

from symmodule.compat import messages
from symmodule.compat.errors import GradArgumentError

__all__ = ["Lop", "Rop", "grad", "grad_not_implemented", "numeric_grad", "verify_grad"]


def grad(
    cost: Variable | None,
    wrt: Variable | Sequence[Variable],
    g_cost: Variable | None = None,
    consider_constant: Sequence[Variable] | None = None,
    warn_type: bool = False,
    *,
    disconnected_inputs: Literal["ignore", "warn", "raise"] = "ignore",
    add_names: bool = True,
    known_grads: Mapping[Variable, Variable] | None = None,
    return_disconnected: Literal["none", "zero", "disconnected"] = "zero",
    null_gradients: Literal["raise", "return"] = "raise",
) -> Any:
    """The gradient of ``cost`` with respect to ``wrt``, as Theano 0.4's ``T.grad`` gave it.

    Parameters
    ----------
    cost
        A scalar expression (None when ``known_grads`` gives the gradients).
        A cost of higher rank stands for the sum of its elements, as in
        Theano 0.4 (PyTensor refuses it).
    wrt
        A Variable, or a list of them; the result has the same form.
    g_cost
        The gradient flowing into ``cost`` (Theano's third argument); default
        ``ones_like(cost)``.
    consider_constant
        Expressions the gradient does not flow through.
    warn_type
        Accepted for Theano's signature; PyTensor checks the type of every
        gradient itself.
    disconnected_inputs, add_names, known_grads, return_disconnected, null_gradients
        As for ``pytensor.gradient.grad``, whose default
        ``disconnected_inputs='raise'`` becomes ``'ignore'``: a ``wrt`` the
        cost does not depend on gets zeros of its shape, as in Theano 0.4.

    Returns
    -------
    Variable or list of Variables
        One gradient per element of ``wrt``.

    Raises
    ------
    symmodule.compat.errors.GradArgumentError
        When the third argument is a list: it is Theano's ``g_cost``, where
        PyTensor has ``consider_constant``.

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> x, unused = T.dscalars('x', 'unused')
    >>> gx, gu = T.grad(x ** 2, [x, unused])
    >>> float(gx.eval({x: 3.0})), float(gu.eval({unused: 1.0}))
    (6.0, 0.0)
    """
    if isinstance(g_cost, list | tuple):
        raise GradArgumentError(messages.GRAD_G_COST_IS_A_LIST)
    if g_cost is None and getattr(cost, "ndim", 0) > 0:
        # Theano 0.4 took a cost of any rank as the sum of its elements; PyTensor wants a scalar.
        g_cost = ones_like(cost)
    if g_cost is not None:
        known_grads = {cost: g_cost, **(known_grads or {})}
        cost = None
    return _gradient.grad(
        cost,
        wrt,
        consider_constant=consider_constant,
        disconnected_inputs=disconnected_inputs,
        add_names=add_names,
        known_grads=known_grads,
        return_disconnected=return_disconnected,
        null_gradients=null_gradients,
    )


def __getattr__(name: str):
    # The rest of pytensor.gradient, then Theano's other names (symmodule.compat).
    try:
        return getattr(_gradient, name)
    except AttributeError:
        from symmodule.compat import theano_attribute

        return theano_attribute(__name__, name)
