"""Theano's ``theano.compile`` namespace: Module classes, ``Function``, ``In``/``Out``.

A door only: the Module system lives in :mod:`symmodule.module`, compiled
functions in :mod:`symmodule.compiled`.
"""

from symmodule.compile import io, module
from symmodule.compile.io import In, Out
from symmodule.compile.module import *  # noqa: F403  (the door re-exports all of it)
from symmodule.compile.module import __all__ as _module_all
from symmodule.compiled import Function
from symmodule.function_interface import function

__all__ = ["Function", "In", "Out", "function", "io", "module", *_module_all]
