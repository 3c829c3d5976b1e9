"""Theano's 2009 ``theano.sandbox.wraplinker``: ``WrapLinkerMany``, ``run_all`` and ``ProfileMode``.

A door only: ``WrapLinkerMany`` is :func:`symmodule.gof.WrapLinkerMany` and
``ProfileMode`` is :class:`symmodule.ProfileMode`, where Theano's 2009 docs
imported them from.
"""

from __future__ import annotations

from typing import Any

from symmodule.linkers import WrapLinkerMany
from symmodule.profiling import ProfileMode

__all__ = ["ProfileMode", "WrapLinkerMany", "run_all"]


def run_all(i: int, node: Any, *thunks: Any) -> None:
    """A wrapper for :func:`WrapLinkerMany` that runs the node with each linker's thunk.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> from symmodule.sandbox import wraplinker
    >>> linker = wraplinker.WrapLinkerMany([symmodule.gof.PerformLinker()], [wraplinker.run_all])
    >>> x = T.dvector('x')
    >>> f = symmodule.function([x], x * 2, mode=symmodule.Mode(linker, 'fast_compile'))
    >>> f(np.ones(2))
    array([2., 2.])
    """
    for thunk in thunks:
        thunk()


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
