"""Theano's ``theano.compile.function`` module: ``function`` and ``pfunc``.

As in Theano, the attribute ``symmodule.compile.function`` is the function
(:func:`symmodule.function`); this module is what ``from
symmodule.compile.function import pfunc`` reads. Both names are
:func:`symmodule.function`, which takes shared variables and updates.
"""

from symmodule.function_interface import function

pfunc = function

__all__ = ["function", "pfunc"]


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
