"""symmodule: Theano's Module system — symbolic classes with shared state — on PyTensor.

A :class:`Module` holds Members (symbolic state), Methods (functions of their
own inputs and of the Members, compiled by PyTensor, with update expressions
that write new state) and inner Modules. ``Module.make()`` compiles it into a
:class:`ModuleInstance`: a plain Python object whose attributes are live
values and whose methods are compiled code.

>>> import symmodule
>>> from symmodule import tensor as T
>>> m = symmodule.Module()
>>> m.c = T.dscalar()
>>> m.inc = symmodule.Method(T.dscalar('n'), [], c=m.c + 1)
>>> inst = m.make(c=0)
>>> inst.inc(1)
>>> float(inst.c)
1.0

Where to start
--------------
* Declare: :class:`Module`, :class:`Method`, :class:`Member`,
  :class:`External`, :class:`ComponentList`, :class:`ComponentDict`, and
  ``symmodule.tensor`` (``T``) for symbolic variables and expressions.
* Make and use: ``Module.make(mode=..., **initial_values)`` returns a
  :class:`ModuleInstance`; :func:`save` and :func:`load` keep its state in a
  file, :func:`state_dict` and :func:`load_state_dict` as arrays.
* An instance is a pair: ``blueprint, state = split(inst)`` gives its
  frozen structure (:class:`Blueprint`) and its values (:class:`State`),
  and :func:`merge` makes an instance of them.
* Train: ``symmodule.nn`` layers and ``symmodule.optim`` optimizers are
  Modules; Members carry roles (``symmodule.roles``) and may initialise
  themselves (``Member(var, init=symmodule.init.glorot_uniform())``), and
  ``Module.parameters()`` lists what an optimizer updates.
* Inspect: :func:`summary`, :func:`effects`, :func:`check`.
* Compile one function: :func:`function`, :class:`In`, :class:`Out`; modes
  are names ('FAST_COMPILE', 'NUMBA', 'CVM', 'JAX', ...) or :class:`Mode`
  objects, and :class:`ProfileMode` times them.
* Errors: every mistake symmodule reports is a :class:`SymmoduleError`
  (``symmodule.errors``).

Documentation
-------------
``python -m symmodule.demo`` runs a short tour. In a checkout of the
repository, ``make docs`` builds the documentation (getting started, a
tutorial, guides and the API reference) into ``site/index.html``; its
sources are the Markdown files of ``docs/``, starting at ``docs/index.md``.
``dir(symmodule)`` lists the public names; the other submodules are internals.
"""

from pytensor import config, shared
from symmodule.introspect import check, effects, summary
from symmodule.modes import Mode
from symmodule.persist import load, load_state_dict, save, state_dict
from symmodule.module.cache import CodeCache, code_cache

from symmodule import gof, init, introspect, models, nn, optim, persist, tensor
from symmodule import roles
from symmodule.compile.io import In, Out
from symmodule.errors import AllocationError, SymmoduleError
from symmodule.compiled import Function
from symmodule.function_interface import function
from symmodule.profiling import ProfileMode
from symmodule.module import (
    Blueprint,
    ComponentDict,
    ComponentList,
    External,
    FancyModule,
    Member,
    Method,
    Module,
    ModuleInstance,
    State,
    default_initialize,
    merge,
    register_wrapper,
    split,
)

__version__ = "0.1.0"

__all__ = [
    "AllocationError",
    "Blueprint",
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
    "State",
    "SymmoduleError",
    "check",
    "code_cache",
    "config",
    "default_initialize",
    "effects",
    "function",
    "gof",
    "init",
    "introspect",
    "load",
    "load_state_dict",
    "merge",
    "models",
    "nn",
    "optim",
    "persist",
    "register_wrapper",
    "roles",
    "save",
    "shared",
    "split",
    "state_dict",
    "summary",
    "tensor",
]

# Theano's other names (symmodule.printing, symmodule.dot, symmodule.Param, ...)
# resolve through symmodule.compat without entering __all__ or dir().
from symmodule import compat as _compat  # noqa: E402


def __getattr__(name: str):
    return _compat.theano_attribute(__name__, name)


# Submodules users import besides those in __all__; the others are internals.
_PUBLIC_SUBMODULES = ("compile", "errors", "modes")


def __dir__() -> list[str]:
    # The names above, not every submodule that importing symmodule loaded.
    return sorted({*__all__, *_PUBLIC_SUBMODULES, "__version__"})
