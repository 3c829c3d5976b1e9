"""The two errors a refused Theano name raises: one for attributes, one for imports."""

from __future__ import annotations

from symmodule.errors import SymmoduleError

__all__ = ["ConvShapeError", "GradArgumentError", "TheanoModuleGone", "TheanoNameGone"]


class TheanoNameGone(SymmoduleError, AttributeError):
    """A Theano name read as an attribute (``symmodule.tensor.Tile``) that symmodule does not provide.

    The message names the replacement, or says why there is none.
    """


class TheanoModuleGone(SymmoduleError, ImportError):
    """A Theano module imported under symmodule (``import symmodule.sandbox.cuda``) that does not exist.

    The message names the replacement, or says why there is none.
    """


class ConvShapeError(SymmoduleError, ValueError):
    """``conv2d`` cannot tell the size of its filters when the graph is built."""


class GradArgumentError(SymmoduleError, TypeError):
    """``T.grad`` was given a list where Theano's signature has ``g_cost``."""
