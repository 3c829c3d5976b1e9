"""Failing calls: the node that failed, and freeing what a failure holds.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from pytensor import config
from pytensor.graph.basic import Apply
from pytensor.graph.fg import FunctionGraph
from pytensor.link.utils import raise_with_op

__all__ = [
    "FailedNode",
    "failing_node",
    "release_failure",
    "empty_storage",
    "call_inputs",
]


class FailedNode(NamedTuple):
    """Where a PyTensor function failed: the graph, the node, and the values the node was given."""

    fgraph: FunctionGraph
    node: Apply
    #: One value per input of ``node``, or None when the VM keeps no storage for them.
    inputs: list[Any] | None


_RAISE_WITH_OP = raise_with_op.__code__


def failing_node(exc: BaseException) -> FailedNode | None:
    """The node a PyTensor function was running when it raised ``exc``, and its input values.

    PyTensor's VMs report the node that failed by calling
    ``pytensor.link.utils.raise_with_op(fgraph, node, thunk, exc_info,
    storage_map)``, which records it on the exception only when
    ``config.exception_verbosity`` is not 'low' (the default) but always
    re-raises from its own frame. Relies on that frame being in ``exc``'s
    traceback with its locals ``fgraph``, ``node``, ``thunk`` and
    ``storage_map``: the node's input values are read from ``storage_map``
    (the C VM passes it) or from ``thunk.inputs`` (a Python thunk's storage
    cells, one per input of the node). The outermost such frame is the
    function that was called; an inner function (Scan's) reports below it.
    The JIT linkers (Numba, JAX) pass their first output's node whatever
    failed: their node is not the failing one. Checked with PyTensor 3.0.7
    and 3.3.8.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _RAISE_WITH_OP:
            found = tb.tb_frame.f_locals
            node, storage_map = found["node"], found["storage_map"]
            # Only some thunks carry their input cells (Python and C thunks do, the JIT thunk
            # has one cell per graph input rather than per node input).
            cells = getattr(found["thunk"], "inputs", None)
            if storage_map is not None:
                values = [storage_map[variable][0] if variable in storage_map else None for variable in node.inputs]
            elif cells is not None and len(cells) == len(node.inputs):
                values = [cell[0] for cell in cells]
            else:
                values = None
            return FailedNode(found["fgraph"], node, values)
        tb = tb.tb_next
    return None


def release_failure(exc: BaseException) -> None:
    """Break the reference cycle ``raise_with_op`` leaves in ``exc``'s traceback.

    ``pytensor.link.utils.raise_with_op`` (see :func:`failing_node`) holds
    the exception it re-raises in its locals (``exc_info``, ``exc_value``):
    its frame, kept by the traceback, refers back to the exception, so a
    failed call's exception, traceback and frames (and every array those
    frames hold) wait for the cyclic garbage collector instead of being
    freed when the last reference goes. This clears the locals of that
    frame, which has finished running; the traceback itself (files, lines)
    is unchanged. Relies on that frame being in ``exc``'s traceback.
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _RAISE_WITH_OP:
            tb.tb_frame.clear()
            # Python 3.11 and 3.12 keep a snapshot dict of the locals once f_locals was
            # read (failing_node reads it); reading it again after clear() empties it.
            tb.tb_frame.f_locals  # noqa: B018
        tb = tb.tb_next


def empty_storage(fn: Any) -> None:
    """Empty every storage cell of ``fn`` but its constants': inputs, intermediate results, outputs.

    After a call that raised, PyTensor's VM keeps the values it computed
    before the failure, and the input storage keeps the arguments, until the
    next call. ``Function.free()`` would empty them, but it also compiles
    the inner function of every ``OpFromGraph`` node (to free it too),
    which fails for inner graphs with in-place operations. Relies on
    ``fn.vm.storage_map`` (every variable of the graph -> its storage cell,
    constants included) of PyTensor's VMs. Checked with PyTensor 3.0.7 and
    3.3.8.
    """
    for container in fn.input_storage:
        container.storage[0] = None
    for variable, cell in fn.vm.storage_map.items():
        if variable.owner is not None:
            cell[0] = None


def call_inputs(fn: Any) -> list[Any]:
    """The values the last call of ``fn`` ran with, one per input, when that call raised.

    Relies on ``Function.__call__`` writing the arguments into
    ``fn.input_storage`` before it runs the VM and emptying that storage
    only after a call that succeeds. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return [container.storage[0] for container in fn.input_storage]
