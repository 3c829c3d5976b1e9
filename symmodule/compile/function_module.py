"""Theano's ``theano.compile.function_module``: ``Function``, ``FunctionMaker`` and friends.

A door only: ``Function`` is :class:`symmodule.Function`, ``function`` is
:func:`symmodule.function`, ``FunctionMaker`` and the input/output specs are
PyTensor's.
"""

from symmodule.compiled import Function
from symmodule.function_interface import function

__all__ = ["Function", "function"]


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
