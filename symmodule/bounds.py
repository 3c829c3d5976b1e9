"""Index bounds: an out-of-range index raises ``IndexError`` in every named mode, as in NumPy.

NumPy, and PyTensor's Python and C code, refuse an index outside ``-n`` to
``n - 1`` on an axis of size ``n`` (negative indices count from the end).
Two backends do not check:

* **Numba.** PyTensor compiles indexing by integer arrays (``x[rows, cols]``,
  ``take_along_axis``, the label lookup of a cross-entropy, ``x[idx]`` from
  PyTensor 3.3 on, ``inc_subtensor`` of those) into kernels without bounds
  checks: an index of 12 on 10 classes reads whatever lies in memory after
  the array, and returns it as a number (the Ops are
  :data:`~symmodule._pytensor.NUMBA_UNCHECKED_INDEX_OPS`).
* **JAX.** XLA clamps an index into range (``x[10]`` of 10 elements reads
  ``x[9]``).

symmodule's named modes close both gaps. In the Numba modes ('NUMBA',
'FAST_RUN', 'NUMBA_BACKGROUND'), a rewrite puts a check in front of every
integer index of those Ops, ``CheckAndRaise(IndexError)`` of
``all((index >= -n) & (index < n))``, which PyTensor compiles like any node
(an elementwise comparison fused into one loop over the indices, and a
reduction); the indexing kernel itself is unchanged. In 'JAX' the graph is
compiled under JAX's own index checks (:class:`~symmodule._pytensor.IndexCheckedJAXLinker`).
The other modes need nothing: their kernels check. A Mode object passed to
``make(mode=...)`` is used as given; :func:`check_indices` gives one the
checks.
"""

from __future__ import annotations

from typing import Any

from pytensor.compile.mode import Mode
from pytensor.graph.rewriting.basic import in2out, node_rewriter
from pytensor.raise_op import CheckAndRaise
from pytensor.tensor.math import all as pt_all
from pytensor.tensor.math import ge, lt
from pytensor.tensor.shape import Shape_i

from symmodule._pytensor import (
    NUMBA_UNCHECKED_INDEX_OPS,
    BEFORE_ELEMWISE_FUSION,
    IndexCheckedJAXLinker,
    advanced_index_axes,
    linker_kind,
)
from symmodule.errors import INDEX_OUT_OF_BOUNDS

__all__ = ["INDEX_CHECK_PASS", "check_indices", "index_check"]


def index_check(axis: int) -> CheckAndRaise:
    """The Op that passes an index of ``axis`` through, or raises ``IndexError`` when one is out of range."""
    return CheckAndRaise(IndexError, INDEX_OUT_OF_BOUNDS.format(where=f"for axis {axis}"))


def _is_checked(index: Any) -> bool:
    owner = index.owner
    return owner is not None and isinstance(owner.op, CheckAndRaise) and owner.op.exc_type is IndexError


def _check_indices(fgraph: Any, node: Any) -> list | None:
    """``x[index]`` -> ``x[check(index, all(-n <= index < n))]`` for each integer index of the node."""
    inputs = list(node.inputs)
    array, changed = inputs[0], False
    for position, axis in advanced_index_axes(node):
        index = inputs[position]
        if _is_checked(index):  # this rewrite's own output: never check twice
            continue
        size = Shape_i(axis)(array)
        inside = pt_all(ge(index, -size) & lt(index, size))
        inputs[position], changed = index_check(axis)(index, inside), True
    if not changed:
        return None
    return node.clone_with_new_inputs(inputs).outputs


check_index_ops = node_rewriter(list(NUMBA_UNCHECKED_INDEX_OPS))(_check_indices)

#: The rewrite as the ``(rewriter, position)`` pair ``Mode.register`` takes:
#: after PyTensor has settled which indexing Ops the graph uses (its
#: specialisations), before elementwise fusion, so that the comparisons
#: become one loop.
INDEX_CHECK_PASS = (in2out(check_index_ops), BEFORE_ELEMWISE_FUSION + 0.5)


def check_indices(mode: Mode) -> Mode:
    """A copy of ``mode`` whose compiled code raises ``IndexError`` for an out-of-range index.

    Numba modes get :data:`INDEX_CHECK_PASS`; JAX modes link with
    :class:`~symmodule._pytensor.IndexCheckedJAXLinker`; other modes (whose
    kernels check) are returned as they are. The named modes are built with
    it.

    Examples
    --------
    >>> import numpy as np
    >>> import pytensor
    >>> import pytensor.tensor as pt
    >>> from pytensor.compile.mode import get_mode
    >>> x, rows, cols = pt.dmatrix("x"), pt.lvector("rows"), pt.lvector("cols")
    >>> f = pytensor.function([x, rows, cols], x[rows, cols], mode=check_indices(get_mode("NUMBA")))
    >>> f(np.zeros((2, 10)), np.array([0, 1]), np.array([12, 0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    IndexError: index out of bounds for axis 1: an axis of size n takes the indices -n to n - 1...
    """
    kind = linker_kind(mode.linker)
    if kind == "numba":
        return mode.register(INDEX_CHECK_PASS)
    if kind == "jax" and not isinstance(mode.linker, IndexCheckedJAXLinker):
        return type(mode)(IndexCheckedJAXLinker(), mode.provided_optimizer)
    return mode
