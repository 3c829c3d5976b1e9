"""symmodule: Theano's Module system — symbolic classes with shared state — on PyTensor.

>>> import symmodule
>>> from symmodule import tensor as T
>>> m = symmodule.Module()
>>> m.c = T.dscalar()
>>> m.inc = symmodule.Method(T.dscalar('n'), [], c=m.c + 1)
>>> inst = m.make(c=0)
>>> inst.inc(1)
>>> float(inst.c)
1.0
"""

from pytensor import config, shared
from symmodule.introspect import check
from symmodule.modes import Mode
from symmodule.persist import load, save
from symmodule.module.cache import CodeCache, code_cache

from symmodule import gof, introspect, models, persist, tensor
from symmodule.compile.io import In, Out
from symmodule.errors import AllocationError, SymmoduleError
from symmodule.compiled import Function
from symmodule.function_interface import function
from symmodule.profiling import ProfileMode
from symmodule.module import (
    ComponentDict,
    ComponentList,
    External,
    FancyModule,
    Member,
    Method,
    Module,
    ModuleInstance,
    default_initialize,
    register_wrapper,
)

__version__ = "0.1.0"

__all__ = [
    "AllocationError",
    "CodeCache",
    "ComponentDict",
    "ComponentList",
    "External",
    "FancyModule",
    "Function",
    "In",
    "Member",
    "Method",
    "Mode",
    "Module",
    "ModuleInstance",
    "Out",
    "ProfileMode",
    "SymmoduleError",
    "check",
    "code_cache",
    "config",
    "default_initialize",
    "function",
    "gof",
    "introspect",
    "load",
    "models",
    "persist",
    "register_wrapper",
    "save",
    "shared",
    "tensor",
]
