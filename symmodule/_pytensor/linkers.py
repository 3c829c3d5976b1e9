"""Linkers: what kind a linker is, run-once JIT steps, Numba's dispatcher, the order of updates.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any
import numpy as np
from pytensor.compile.maker import FunctionMaker
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.fg import FunctionGraph
from pytensor.link.basic import JITLinker, Linker
from pytensor.link.jax.linker import JAXLinker
from pytensor.link.numba.linker import NumbaLinker
from pytensor.link.vm import VMLinker
from pytensor.tensor.type import TensorType

__all__ = [
    "linker_kind",
    "is_jit_linker",
    "schedule_updates_last",
    "updates_last_order",
    "compile_jit_once",
    "numba_dispatcher",
    "numba_signature",
]


def linker_kind(linker: Linker) -> str:
    """Which backend a linker runs: 'numba', 'jax', 'cvm', 'python' or 'other'.

    'cvm' is the VM's C loop over C thunks, 'python' the VM running Python
    code only; any other VM set-up (such as the Python loop over C thunks)
    is 'other'. Relies on the classes ``NumbaLinker`` and ``JAXLinker``
    (modules of ``pytensor.link``) and on the ``use_cloop`` and ``c_thunks``
    attributes of ``VMLinker``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    if isinstance(linker, NumbaLinker):
        return "numba"
    if isinstance(linker, JAXLinker):
        return "jax"
    if isinstance(linker, VMLinker):
        if linker.use_cloop and linker.c_thunks:
            return "cvm"
        if not linker.c_thunks:
            return "python"
    return "other"


def is_jit_linker(linker: Linker) -> bool:
    """Whether ``linker`` compiles the whole graph into one function (Numba, JAX, ...).

    Relies on ``pytensor.link.basic.JITLinker``, the base class of those
    linkers. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return isinstance(linker, JITLinker)


def schedule_updates_last(linker: Linker) -> None:
    """Make ``linker`` run the nodes a graph's outputs need before those only its updates need.

    A Numba function that raises does not free the arrays it allocated
    before (Numba's documented limitation), and symmodule never lets
    compiled code write into a member, so an update computed before the
    failing node allocates an array the size of its member, lost at each
    failing call. Run after the outputs, updates are not computed at all
    when an output fails: a typical shape error (in the forward pass of a
    step) then loses no more than PyTensor's own function does. The order
    keeps every constraint of the graph's toposort, including those of
    in-place operations (``fgraph.orderings()``).

    Relies on ``Linker._scheduler``, the private attribute ``Linker.schedule``
    calls instead of ``fgraph.toposort()``, on ``JITLinker.make_all`` giving
    that schedule to ``fgraph_convert`` as the order of the generated code,
    and on ``fgraph.update_mapping`` (output position -> updated input
    position). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    linker._scheduler = updates_last_order


def updates_last_order(fgraph: FunctionGraph) -> list[Apply]:
    """``fgraph.toposort()``, with the nodes only updates need moved after all the others."""
    order = fgraph.toposort()
    updates = set(fgraph.update_mapping or ())
    prerequisites = fgraph.orderings()
    needed: set[Apply] = set()
    pending = [out.owner for k, out in enumerate(fgraph.outputs) if k not in updates and out.owner is not None]
    while pending:
        node = pending.pop()
        if node in needed:
            continue
        needed.add(node)
        pending += [v.owner for v in node.inputs if v.owner is not None]
        pending += prerequisites.get(node, ())
    return [node for node in order if node in needed] + [node for node in order if node not in needed]


class _Once:
    """A linker step run once per linker; later calls return the first result.

    Not pickled: a maker restored from a pickle compiles again, once.
    """

    def __init__(self, step: Callable[..., Any]) -> None:
        self.step = step
        self.result: Any = None
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.result is None:
            # Two threads creating functions of one maker at once (two make() of one
            # Module) run the step once; the second waits and takes its result.
            with self.lock:
                if self.result is None:
                    self.result = self.step(*args, **kwargs)
        return self.result

    def __getstate__(self) -> dict[str, Any]:
        return {"step": self.step}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["step"])


def compile_jit_once(linker: JITLinker) -> None:
    """Make every ``maker.create`` of a JIT-compiled graph reuse one compiled function.

    A JIT linker (Numba, JAX) converts and compiles the whole graph at each
    ``make_thunk``, i.e. once per function created from the maker. The
    compiled function takes every input as an argument, so it does not depend
    on the storage it is bound to: the conversion and the compilation are
    kept from the first function and the next ones only bind their storage.

    Relies on ``JITLinker.make_all`` calling ``self.fgraph_convert`` and
    ``self.jit_compile`` (looked up on the instance, so replaced here) at
    every ``make_thunk``, on each ``FunctionMaker`` linking with its own copy
    of the mode's linker (so what is kept is kept for one graph), and on the
    compiled function taking the inputs' values as arguments. Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    if not isinstance(linker.fgraph_convert, _Once):
        linker.fgraph_convert = _Once(linker.fgraph_convert)
        linker.jit_compile = _Once(linker.jit_compile)


def numba_dispatcher(fn: Any) -> Any:
    """The Numba dispatcher a function compiled by ``NumbaLinker`` calls.

    Relies on ``Function.vm`` being, for a JIT linker, the single thunk
    ``JITLinker.make_all`` returns, carrying the compiled function as
    ``jit_fn``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return fn.vm.jit_fn


def numba_signature(inputs: Sequence[Variable]) -> tuple | None:
    """The signature a call of a Numba-compiled graph compiles, for its inputs; None if unknown.

    Calls pass C-ordered, writable arrays. Relies on the function
    ``NumbaLinker`` compiles taking the graph's inputs as ``*args``, which
    Numba's dispatcher receives as one tuple: the signature is that tuple's
    type. Only tensor inputs are typed here. Checked with PyTensor 3.0.7 and
    3.3.8.
    """
    import numba

    examples = []
    for variable in inputs:
        if not isinstance(variable.type, TensorType):
            return None
        examples.append(np.empty((0,) * variable.type.ndim, dtype=variable.type.dtype))
    return (numba.typeof(tuple(examples)),)
