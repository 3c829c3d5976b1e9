"""``import symmodule.sandbox.cuda`` and the like: a clear error for Theano modules that are gone.

The finder sits at the end of ``sys.meta_path``, so it is asked only about
modules no other finder found; it answers only for names under
``symmodule.`` that the names table refuses, by raising
:class:`~symmodule.compat.errors.TheanoModuleGone` (an ``ImportError``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

from symmodule.compat.names import gone_module_error

__all__ = ["GoneModuleFinder", "install"]


class GoneModuleFinder:
    """Meta path finder that refuses the Theano modules symmodule does not have."""

    @classmethod
    def find_spec(
        cls, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith("symmodule."):
            return None
        error = gone_module_error(fullname)
        if error is not None:
            raise error
        return None


def install() -> None:
    """Put the finder at the end of ``sys.meta_path`` (once)."""
    if GoneModuleFinder not in sys.meta_path:
        sys.meta_path.append(GoneModuleFinder)
