"""Theano's linkers, as PyTensor linkers: ``OpWiseCLinker``, ``WrapLinker``, ``WrapLinkerMany``.

A linker turns a rewritten graph into something callable. PyTensor has all
the machinery; this module only restores the two things Theano code relies on:

* ``OpWiseCLinker()`` — run each node with its C code when it has some,
  with its Python code otherwise, one node after the other;
* ``WrapLinker`` / ``WrapLinkerMany`` — call user functions around each node,
  with Theano's signature ``wrapper(i, node, *fns)``. PyTensor's own wrappers
  also receive the graph first (``wrapper(fgraph, i, node, *fns)``).

They are reached as ``symmodule.gof.OpWiseCLinker`` and so on, like Theano's
``theano.gof``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pytensor.link.basic import Linker
from pytensor.link.basic import WrapLinker as _PyTensorWrapLinker
from pytensor.link.vm import VMLinker

__all__ = ["OpWiseCLinker", "WrapLinker", "WrapLinkerMany"]


class OpWiseCLinker(VMLinker):
    """Theano's per-Op C linker: each node runs its C code if it has some, else its Python code.

    Mapping to PyTensor: this is PyTensor's ``VMLinker`` with C thunks and the
    Python loop (``VMLinker(use_cloop=False, c_thunks=True)``). Each node gets
    a thunk from ``op.make_thunk``, which compiles the node's C code and falls
    back to the Op's ``perform`` when there is none (or when no C compiler is
    configured), and a Python loop calls the thunks in order. That is what
    Theano's ``OpWiseCLinker`` did. PyTensor still has a class of that name
    (``pytensor.link.c.basic.OpWiseCLinker``) with the same thunks, but its
    loop records no per-node timings, so a :class:`~symmodule.ProfileMode`
    built on it could not report per-Op times; the VM's loop does, and it
    also runs lazy Ops such as ``ifelse``.

    Parameters
    ----------
    allow_gc
        Free intermediate results as soon as they are used (None: PyTensor's
        ``config.allow_gc``).
    fallback_on_perform, nice_errors
        Theano's arguments, accepted for its code: a node without C code
        always runs its Python code, and errors always name the node.
    **kwargs
        Any other ``VMLinker`` argument (``lazy``, ``callback``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> x = T.dvector('x')
    >>> mode = symmodule.Mode(symmodule.gof.OpWiseCLinker(), 'fast_run')
    >>> f = symmodule.compiled.compile_maker([x], T.exp(x) + 1, mode=mode).create()
    >>> f(np.zeros(2))
    array([2., 2.])
    """

    def __init__(
        self,
        fallback_on_perform: bool = True,
        allow_gc: bool | None = None,
        nice_errors: bool = True,
        **kwargs: Any,
    ) -> None:
        # VMLinker.accept rebuilds the linker with every argument spelled out,
        # so both settings are only defaults here.
        kwargs.setdefault("use_cloop", False)
        kwargs.setdefault("c_thunks", True)
        super().__init__(allow_gc=allow_gc, **kwargs)


class _TheanoWrapper:
    """Call a Theano-style wrapper ``f(i, node, *fns)`` from PyTensor's ``(fgraph, i, node, *fns)``."""

    __slots__ = ("wrapper",)

    def __init__(self, wrapper: Callable[..., Any]) -> None:
        self.wrapper = wrapper

    def __call__(self, fgraph: Any, i: int, node: Any, *fns: Any) -> None:
        self.wrapper(i, node, *fns)


class WrapLinker(_PyTensorWrapLinker):
    """Run several linkers side by side and hand each node's thunks to ``wrapper``.

    ``wrapper(i, node, *fns)`` is called once per node per call of the
    compiled function: ``i`` is the node's index in the execution order,
    ``fns`` holds one thunk per linker. Each thunk has ``inputs`` and
    ``outputs`` (lists of one-element storage lists: ``fn.inputs[0][0]`` is
    the first input's value) and runs the node when called; the wrapper must
    call it. The function returns what the first linker computed.

    This is PyTensor's ``WrapLinker`` with Theano's wrapper signature
    (PyTensor passes the graph first; that argument is dropped here).
    Linkers must give every node its own thunk, as :class:`OpWiseCLinker`
    and ``pytensor.link.basic.PerformLinker`` do; whole-graph linkers (C,
    Numba, JAX) do not run the graph node by node and are not for wrapping.

    Parameters
    ----------
    linkers
        The linkers to run, all executing nodes in the same order.
    wrapper
        Called as ``wrapper(i, node, *fns)``.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> def trace(i, node, fn):
    ...     fn()
    ...     print(i, node.op, fn.outputs[0][0])
    >>> linker = symmodule.gof.WrapLinker([symmodule.gof.OpWiseCLinker()], trace)
    >>> x = T.dvector('x')
    >>> mode = symmodule.Mode(linker, 'fast_compile')
    >>> f = symmodule.compiled.compile_maker([x], 2 * x, mode=mode).create()
    >>> f(np.ones(2))
    0 Mul [2. 2.]
    array([2., 2.])
    """

    def __init__(self, linkers: Sequence[Linker], wrapper: Callable[..., Any]) -> None:
        # PyTensor re-creates the linker through type(self)(linkers, self.wrapper)
        # when copying or accepting a graph: an already adapted wrapper is kept.
        if not isinstance(wrapper, _TheanoWrapper):
            wrapper = _TheanoWrapper(wrapper)
        super().__init__(list(linkers), wrapper)
        # The wrapped linkers decide which rewrites a graph needs (a Python-only
        # linker excludes C-only rewrites); Mode reads these from the outer linker.
        self.required_rewrites = _union(getattr(lk, "required_rewrites", ()) for lk in linkers)
        self.incompatible_rewrites = _union(getattr(lk, "incompatible_rewrites", ()) for lk in linkers)


def WrapLinkerMany(linkers: Sequence[Linker], wrappers: Sequence[Callable[..., Any]]) -> WrapLinker:
    """A :class:`WrapLinker` calling each of ``wrappers`` in turn, as ``wrapper(i, node, *fns)``.

    Every wrapper that should run the node calls ``fn()`` itself; two
    wrappers that both call it run the node twice (as in Theano).

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> def print_eval(i, node, fn):
    ...     print(i, node, [input[0] for input in fn.inputs], end=' ')
    ...     fn()
    ...     print([output[0] for output in fn.outputs])
    >>> linker = symmodule.gof.WrapLinkerMany([symmodule.gof.OpWiseCLinker()], [print_eval])
    >>> x = T.dscalar('x')
    >>> mode = symmodule.Mode(linker, 'fast_compile')
    >>> f = symmodule.compiled.compile_maker([x], x * 3, mode=mode).create()
    >>> print(f(2.0))
    0 Mul(3.0, x) [array(3.), array(2.)] [array(6.)]
    6.0
    """
    calls = list(wrappers)

    def wrapper(i: int, node: Any, *fns: Any) -> None:
        for call in calls:
            call(i, node, *fns)

    return WrapLinker(linkers, wrapper)


def _union(groups: Any) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)
