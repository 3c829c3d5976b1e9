"""Theano's ``theano.compile`` namespace: Module classes, ``Function``, ``In``/``Out``.

A door only: the Module system lives in :mod:`symmodule.module`, compiled
functions in :mod:`symmodule.compiled`.
"""

from symmodule.compile import io, module
from symmodule.compile.io import In, Out
from symmodule.compile.module import *  # noqa: F403  (the door re-exports all of it)
from symmodule.compile.module import __all__ as _module_all
from symmodule.compiled import Function

# Theano's compile.function is both a module and, as an attribute, the function:
# the module is imported first, so that the attribute ends up the function and a
# later `import symmodule.compile.function` finds the module loaded.
from symmodule.compile import function as _function_module  # noqa: E402, F401
from symmodule.compile import function_module, mode  # noqa: E402, F401
from symmodule.function_interface import function  # noqa: E402

__all__ = ["Function", "In", "Out", "function", "io", "module", *_module_all]


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
