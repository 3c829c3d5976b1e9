"""Theano's ``theano.gradient``: PyTensor's gradient module under symmodule's name.

A door only: ``grad``, ``Lop``, ``Rop``, ``verify_grad``, ``numeric_grad``,
``grad_not_implemented`` and the rest are :mod:`pytensor.gradient`'s own.
"""

import pytensor.gradient as _gradient
from pytensor.gradient import Lop, Rop, grad, grad_not_implemented, numeric_grad, verify_grad

__all__ = ["Lop", "Rop", "grad", "grad_not_implemented", "numeric_grad", "verify_grad"]


def __getattr__(name: str):
    # The rest of pytensor.gradient, then Theano's other names (symmodule.compat).
    try:
        return getattr(_gradient, name)
    except AttributeError:
        from symmodule.compat import theano_attribute

        return theano_attribute(__name__, name)
