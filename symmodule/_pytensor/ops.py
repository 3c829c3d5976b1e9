"""Ops and rewrites: registering Numba code, index axes, inner graphs, rewrite positions.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any
from pytensor.compile.builders import SymbolicOp
from pytensor.graph.basic import Apply, Variable
from pytensor.tensor.subtensor import AdvancedIncSubtensor, AdvancedSubtensor

try:  # PyTensor 3.3 moved it here (pytensor.tensor.rewriting.ofg still imports it)
    from pytensor.compile.rewriting import inline_ofg_node
except ImportError:  # PyTensor 3.0 to 3.2
    from pytensor.tensor.rewriting.ofg import inline_ofg_node


try:  # PyTensor 3.0 to 3.2: integer-vector indexing of the first axis has Ops of its own
    from pytensor.tensor.subtensor import AdvancedIncSubtensor1, AdvancedSubtensor1
except ImportError:  # PyTensor 3.3 folded them into AdvancedSubtensor and AdvancedIncSubtensor
    _FIRST_AXIS_INDEX_OPS: tuple[type, ...] = ()
    _FIRST_AXIS_INC_OPS: tuple[type, ...] = ()
else:
    _FIRST_AXIS_INDEX_OPS = (AdvancedSubtensor1, AdvancedIncSubtensor1)
    _FIRST_AXIS_INC_OPS = (AdvancedIncSubtensor1,)


__all__ = [
    "python_elemwise_folds_variadic",
    "SymbolicOp",
    "register_numba_funcify",
    "numba_njit",
    "NUMBA_UNCHECKED_INDEX_OPS",
    "advanced_index_axes",
    "inline_graph_op",
    "BEFORE_BLAS",
    "AFTER_STABILIZE",
    "BEFORE_ELEMWISE_FUSION",
    "infer_shape_method",
]


def register_numba_funcify(op_type: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering an Op class's Numba code, cached on disk by the Op's props.

    The decorated ``funcify(op, node=None, **kwargs)`` returns
    ``(jitted_function, version)``. Relies on
    ``pytensor.link.numba.dispatch.basic.register_funcify_default_op_cache_key``
    (PyTensor's Numba dispatch, not a public API). Imports Numba. Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

    return register_funcify_default_op_cache_key(op_type)


def numba_njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with PyTensor's settings, for the kernels of :func:`register_numba_funcify`.

    Relies on ``pytensor.link.numba.dispatch.basic.numba_njit``. Imports
    Numba. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.numba.dispatch import basic

    return basic.numba_njit(*args, **kwargs)


#: The Ops indexing an array with integer arrays (``x[rows, cols]``,
#: ``inc_subtensor(x[idx], y)``, and ``x[idx]`` from PyTensor 3.3 on) whose
#: Numba kernels do not check bounds: ``AdvancedSubtensor``,
#: ``AdvancedIncSubtensor`` and, up to PyTensor 3.2,
#: ``AdvancedIncSubtensor1``. Relies on PyTensor's Numba dispatch
#: (``pytensor/link/numba/dispatch/subtensor.py``): these compile without
#: Numba's ``boundscheck``, while the basic ``Subtensor`` and
#: ``IncSubtensor``, and up to 3.2 ``AdvancedSubtensor1`` (``x[idx]``),
#: compile with it. Checked with PyTensor 3.0.7 and 3.3.8.
NUMBA_UNCHECKED_INDEX_OPS: tuple[type, ...] = (AdvancedSubtensor, AdvancedIncSubtensor, *_FIRST_AXIS_INC_OPS)


def advanced_index_axes(node: Apply) -> list[tuple[int, int]]:
    """``(input position, axis)`` of each integer index of an integer-array indexing node.

    ``axis`` is the axis of the indexed array (``node.inputs[0]``) that the
    index input at ``input position`` selects along. Boolean masks are left
    out. Relies on the Ops' inputs (the array, then for the ``Inc`` Ops the
    values written, then the index inputs) and on ``idx_list``: one entry
    per indexed axis, an int standing for the next index input, a slice for
    a slice whose int fields stand for index inputs too (a boolean mask
    covers as many axes as it has dimensions). ``AdvancedSubtensor1`` and
    ``AdvancedIncSubtensor1`` (up to 3.2) index the first axis with their
    last input. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    op = node.op
    if isinstance(op, _FIRST_AXIS_INDEX_OPS):
        return [(len(node.inputs) - 1, 0)]
    start = 2 if isinstance(op, AdvancedIncSubtensor) else 1
    found, axis = [], 0
    for entry in op.idx_list:
        if isinstance(entry, slice):
            axis += 1
            continue
        position = start + entry
        index = node.inputs[position]
        if index.dtype == "bool":
            axis += index.ndim
            continue
        found.append((position, axis))
        axis += 1
    return found


def inline_graph_op(node: Apply) -> list[Variable]:
    """The outputs of an ``OpFromGraph`` node's inner graph, applied to the node's inputs.

    Relies on ``inline_ofg_node``, in ``pytensor.tensor.rewriting.ofg``
    up to PyTensor 3.2 and ``pytensor.compile.rewriting`` from 3.3. Checked
    with PyTensor 3.0.7 and 3.3.8.
    """
    return inline_ofg_node(node)


#: Positions in PyTensor's rewrite database (``pytensor.compile.mode.optdb``)
#: for passes that must run before BLAS specialisation ('BlasOpt', at 1.7),
#: after stabilisation and specialisation ('stabilize' at 1.5, 'specialize'
#: at 2), and before elementwise fusion ('add_mul_fusion' at 48,
#: 'elemwise_fusion' at 49). Relies on that layout. Checked with PyTensor
#: 3.0.7 and 3.3.8.
BEFORE_BLAS = 1.69


AFTER_STABILIZE = 46.5


BEFORE_ELEMWISE_FUSION = 47.0


def infer_shape_method(method: Callable[[Any, Apply, list], list]) -> Callable[..., list]:
    """Make ``method(self, node, input_shapes)`` an ``Op.infer_shape`` for PyTensor 3.0 to 3.3.

    PyTensor up to 3.2 calls ``op.infer_shape(fgraph, node, input_shapes)``;
    3.3 calls ``op.infer_shape(node, input_shapes)`` and warns
    (``DeprecationWarning``) when an Op class defines it with the ``fgraph``
    parameter. The method returned takes both calls, and its signature (the
    one 3.3 inspects) has no ``fgraph``. Relies on PyTensor passing the node
    and the input shapes as the last two positional arguments. Checked with
    PyTensor 3.0.7 and 3.3.8.

    Examples
    --------
    >>> from pytensor.graph.op import Op
    >>> class Same(Op):
    ...     @infer_shape_method
    ...     def infer_shape(self, node, input_shapes):
    ...         return input_shapes
    """

    @functools.wraps(method)
    def infer_shape(self: Any, *args: Any) -> list:
        node, input_shapes = args[-2:]
        return method(self, node, input_shapes)

    return infer_shape


@functools.cache
def python_elemwise_folds_variadic() -> bool:
    """Whether PyTensor's Python ``Elemwise`` already runs sums and products of many terms, and casts, with NumPy.

    PyTensor 3.3's ``Elemwise.prepare_node`` (``impl="py"``) folds a variadic
    ``Add``/``Mul`` with its binary NumPy ufunc, in the output's dtype, and
    casts with ``astype``; PyTensor 3.0 calls the scalar Op once per element
    on Python numbers (``np.frompyfunc``). Read from what ``prepare_node``
    leaves on a probe node: a plain function in ``node.tag.ufunc`` (3.3) or a
    ``frompyfunc`` ufunc on the Op (3.0). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    import pytensor.tensor as pt
    from pytensor.tensor.elemwise import Elemwise

    x = pt.dvector()
    node = (x + x + x).owner
    if not isinstance(node.op, Elemwise) or len(node.inputs) < 3:
        node = Elemwise(node.op.scalar_op)(x, x, x).owner
    node.op.prepare_node(node, None, None, "py")
    return isinstance(getattr(node.tag, "ufunc", None), types.FunctionType)
