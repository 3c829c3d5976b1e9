"""``import symmodule.gof.graph`` and the like: Theano's module paths, provided or refused clearly.

The finder sits at the end of ``sys.meta_path``, so it is asked only about
modules no other finder found, and answers only for names under
``symmodule.`` that the names table lists as modules:

* a refused one raises :class:`~symmodule.compat.errors.TheanoModuleGone`
  (an ``ImportError``) saying why and what replaces it;
* a provided one that is not a file of symmodule (``symmodule.gof.graph``
  is PyTensor's ``pytensor.graph.basic``, ``symmodule.tensor.nnet.conv`` is
  :mod:`symmodule.compat.conv`) is imported as that module, so that
  ``import symmodule.gof.graph`` and ``from symmodule.tensor.nnet.conv
  import conv2d`` work as they did under ``theano``. A door that is a single
  file declares an empty ``__path__`` for that: Python looks for submodules
  only in packages.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.abc import Loader
from importlib.machinery import ModuleSpec
from types import ModuleType

from symmodule.compat.names import gone_module_error, lookup

__all__ = ["GoneModuleFinder", "install"]


class _Alias(Loader):
    """Loads a Theano module path as the module that stands for it."""

    def __init__(self, target: ModuleType) -> None:
        self.target = target

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # a placeholder, replaced in exec_module

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns what sys.modules holds once the module ran,
        # so the path names the target itself and the target's own spec is left as it is.
        sys.modules[module.__name__] = self.target


class GoneModuleFinder:
    """Meta path finder for Theano's module paths under ``symmodule``: aliases, or refusals."""

    @classmethod
    def find_spec(
        cls, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith("symmodule."):
            return None
        error = gone_module_error(fullname)
        if error is not None:
            raise error
        module = _module_standing_for(fullname)
        return None if module is None else ModuleSpec(fullname, _Alias(module))


def _module_standing_for(fullname: str) -> ModuleType | None:
    """The module a provided Theano module path stands for, or None."""
    door, _, name = fullname.rpartition(".")
    entry = lookup(door, name)
    if entry is None or entry.refused or entry.kind != "submodule" or "." in entry.name:
        return None
    value = getattr(importlib.import_module(door), name, None)
    return value if isinstance(value, ModuleType) else None


def install() -> None:
    """Put the finder at the end of ``sys.meta_path`` (once)."""
    if GoneModuleFinder not in sys.meta_path:
        sys.meta_path.append(GoneModuleFinder)
