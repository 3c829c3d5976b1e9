"""Graph rewrites that route hot spots to :mod:`symmodule.rewrites.ops`, and the modes that use them.

Which rewrite a mode gets follows measurements of the W2/W3 training steps
with each rewrite on and off (docs/performance.md; :data:`OFF_VARIABLE` turns
one off):

* Numba and C compile ``tanh`` to a scalar loop (no vector math library):
  NUMBA and CVM get :func:`ufunc_to_numpy` (not 'C', which links only Ops
  with C code; JAX and the Python VM already use vectorised kernels);
* Numba copies a transposed operand before a matrix product:
  NUMBA gets :func:`transposed_dot_to_numpy`;
* without a BLAS library to link, PyTensor's C ``Gemm`` runs a slow
  portable loop while NumPy carries its own BLAS: CVM then gets
  :func:`dot_to_numpy`, placed before PyTensor turns dots into Gemm;
* softmax and log-softmax are Ops defined by a graph, which the Python VM
  and CVM run by compiling that graph in PyTensor's configured mode (Numba:
  ~10 s with a cold cache): FAST_COMPILE and CVM get
  :func:`inline_symbolic_ops`, which puts the graph in place of the node;
* the Python VM runs casts, sums and products of three or more terms
  (which canonicalisation makes of ``a * b * c`` and of many gradients)
  and ``second`` (``fill``) by calling the scalar Op from Python once per
  element, 30-100x slower than NumPy: FAST_COMPILE gets
  :func:`elemwise_to_ufuncs`.

The rewrites run after canonicalisation and before elementwise fusion (or,
for dots, before BLAS specialisation), so the rest of PyTensor's pipeline is
untouched.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytensor.scalar as ps
import pytensor.tensor as pt
from pytensor import config
from pytensor.compile.builders import OpFromGraph
from pytensor.graph.rewriting.basic import GraphRewriter, in2out, node_rewriter
from pytensor.tensor.basic import ARange
from pytensor.tensor.elemwise import DimShuffle, Elemwise
from pytensor.tensor.math import Dot
from pytensor.tensor.variable import TensorConstant

from symmodule._pytensor import (
    AFTER_STABILIZE,
    BEFORE_BLAS,
    BEFORE_ELEMWISE_FUSION,
    SymbolicOp,
    inline_graph_op,
    python_elemwise_folds_variadic,
)
from symmodule.rewrites.ops import UFUNCS, NumPyDot, NumPyUfunc, register_numba_kernels

__all__ = [
    "DOT_PASS",
    "ELEMWISE_PASS",
    "INLINE_PASS",
    "JAX_ARANGE_PASS",
    "NUMBA_KERNELS_PASS",
    "OFF_VARIABLE",
    "REWRITES",
    "TRANSPOSED_DOT_PASS",
    "UFUNC_PASS",
    "arange_in_its_dtype",
    "dot_to_numpy",
    "elemwise_to_ufuncs",
    "inline_symbolic_ops",
    "rewrites_for",
    "rewrites_off",
    "transposed_dot_to_numpy",
    "ufunc_to_numpy",
]

_FLOATS = ("float32", "float64")
# Casts NumPy's types do exactly as PyTensor's element-wise cast (through a
# Python number) does: to a float, from a float or an integer that a float64 holds exactly.
_CAST_FROM = frozenset({"bool", *_FLOATS, *(f"{kind}{bits}" for kind in ("int", "uint") for bits in (8, 16, 32))})


# The scalar Op inside each Elemwise that NumPyUfunc replaces -> the ufunc's name.
_BY_SCALAR_OP = {function.scalar_op: name for name, function in UFUNCS.items()}


def _ufunc_to_numpy(fgraph: Any, node: Any) -> list | None:
    """``Elemwise{tanh}(x)`` -> :class:`NumPyUfunc` ``('tanh')(x)`` on float tensors."""
    name = _BY_SCALAR_OP.get(node.op.scalar_op)
    if name is None or len(node.inputs) != 1:
        return None
    (x,), (out,) = node.inputs, node.outputs
    if out.dtype not in _FLOATS or x.dtype != out.dtype:
        return None
    return [NumPyUfunc(name)(x)]


ufunc_to_numpy = node_rewriter([Elemwise])(_ufunc_to_numpy)


def _untransposed(variable: Any) -> tuple[Any, bool]:
    """``(m, True)`` when ``variable`` is ``m.T`` of a matrix ``m``, else ``(variable, False)``."""
    owner = variable.owner
    if owner is not None and isinstance(owner.op, DimShuffle) and owner.op.new_order == (1, 0):
        return owner.inputs[0], True
    return variable, False


def _numpy_dot(node: Any, transposed_only: bool) -> list | None:
    a, b = node.inputs
    (out,) = node.outputs
    if a.ndim != 2 or b.ndim != 2 or not (a.dtype == b.dtype == out.dtype) or out.dtype not in _FLOATS:
        return None
    (a, transpose_a), (b, transpose_b) = _untransposed(a), _untransposed(b)
    if transposed_only and not (transpose_a or transpose_b):
        return None
    return [NumPyDot(transpose_a, transpose_b)(a, b)]


def _transposed_dot_to_numpy(fgraph: Any, node: Any) -> list | None:
    """``dot(a, b.T)`` (or ``a.T``) -> :class:`NumPyDot` with the transpose as a flag."""
    return _numpy_dot(node, transposed_only=True)


transposed_dot_to_numpy = node_rewriter([Dot])(_transposed_dot_to_numpy)


def _dot_to_numpy(fgraph: Any, node: Any) -> list | None:
    """Every matrix-matrix ``dot`` -> :class:`NumPyDot` (for C backends without BLAS)."""
    return _numpy_dot(node, transposed_only=False)


dot_to_numpy = node_rewriter([Dot])(_dot_to_numpy)


def _inline_symbolic_ops(fgraph: Any, node: Any) -> list | None:
    """PyTensor's graph-defined Ops (softmax, log-softmax, ...) -> their inner graph.

    Left as nodes, their Python implementation compiles the inner graph at
    the first call in PyTensor's *configured* mode, whatever mode the
    function itself was compiled in: with the default (Numba) and a cold
    cache, that is seconds spent in a function compiled for FAST_COMPILE.
    """
    if not isinstance(node.op, SymbolicOp):
        return None
    return inline_graph_op(node)


inline_symbolic_ops = node_rewriter([OpFromGraph])(_inline_symbolic_ops)


def _elemwise_to_ufuncs(fgraph: Any, node: Any) -> list | None:
    """Elemwise nodes the Python VM would run one element at a time -> NumPy's functions.

    PyTensor's Python implementation of an Elemwise calls a NumPy function
    only when the node names one taking as many inputs as the node has;
    otherwise it calls the scalar Op on each element, from Python, on Python
    numbers, and converts the results to the output's dtype. Three kinds of
    nodes of ordinary models are in that case, and get NumPy's functions
    with the same result, element by element:

    * a cast to a float (a dropout mask, float32 to float64): the same Op,
      told to call NumPy's type (``np.float32(array)``), which converts as
      the element-wise conversion does;
    * a sum or product of three or more float terms, which canonicalisation
      makes of ``a * b * c`` and of gradients, computed on Python floats
      (float64): a chain of binary ``add`` or ``mul`` in float64, left to
      right (float32 terms cast up first, the result down at the end);
    * ``second(x, y)`` (``fill``: ``y`` broadcast to the shape of ``x`` and
      ``y``), which has no NumPy function: ``alloc``, which copies ``y``.

    A PyTensor that already runs the first two with NumPy in Python
    (3.3: :func:`~symmodule._pytensor.python_elemwise_folds_variadic`) keeps
    its own, whose bits are then the reference.
    """
    scalar_op = node.op.scalar_op
    (out,) = node.outputs
    if isinstance(scalar_op, (ps.Cast, ps.Add, ps.Mul)) and python_elemwise_folds_variadic():
        return None  # this PyTensor runs them with NumPy itself: its bits are the reference
    if isinstance(scalar_op, ps.Cast):
        (x,) = node.inputs
        if node.op.nfunc_spec is not None or x.dtype not in _CAST_FROM or out.dtype not in _FLOATS:
            return None
        return [Elemwise(scalar_op, nfunc_spec=(out.dtype, 1, 1))(x)]
    if isinstance(scalar_op, ps.Second):
        x, y = node.inputs
        filled = pt.alloc(pt.cast(y, out.dtype), *pt.broadcast_shape(x, y))
        return [filled] if out.type.is_super(filled.type) or filled.type.is_super(out.type) else None
    if not isinstance(scalar_op, (ps.Add, ps.Mul)) or len(node.inputs) <= 2:
        return None
    if out.dtype not in _FLOATS or any(term.dtype != out.dtype for term in node.inputs):
        return None
    binary = pt.add if isinstance(scalar_op, ps.Add) else pt.mul
    result = pt.cast(node.inputs[0], "float64")
    for term in node.inputs[1:]:
        result = binary(result, pt.cast(term, "float64"))
    return [pt.cast(result, out.dtype)]


elemwise_to_ufuncs = node_rewriter([Elemwise])(_elemwise_to_ufuncs)


def _arange_in_its_dtype(fgraph: Any, node: Any) -> list | None:
    # PyTensor's JAX code for ARange computes the length with NumPy scalars of the inputs' own
    # dtypes: ``T.arange(n)`` has an int8 start, and ``n - start`` overflows from n = 128 on.
    # JAX needs the arguments as constants or shapes, so only the constants are replaced.
    op = node.op
    narrow = [isinstance(v, TensorConstant) and v.dtype != op.dtype for v in node.inputs]
    if not any(narrow):
        return None
    inputs = [pt.constant(np.asarray(v.data, dtype=op.dtype)) if n else v for v, n in zip(node.inputs, narrow)]
    return [ARange(op.dtype)(*inputs)]


arange_in_its_dtype = node_rewriter([ARange])(_arange_in_its_dtype)


class _RegisterNumbaKernels(GraphRewriter):
    """Makes sure the Numba code of the NumPy-backed Ops is registered before Numba links a graph.

    A pass rather than an import in :func:`rewrites_for`, so that it also
    happens for a mode restored from a pickle (a restored function's Ops
    register themselves).
    """

    def apply(self, fgraph: Any) -> None:
        register_numba_kernels()


# Graph-wide passes of the rewrites above, as (pass, position) pairs. The
# rewriters wrap functions of other names (``_ufunc_to_numpy``...) so that a
# compiled function's mode pickles: pickle finds a function by its name.
UFUNC_PASS = (in2out(ufunc_to_numpy), BEFORE_ELEMWISE_FUSION)
TRANSPOSED_DOT_PASS = (in2out(transposed_dot_to_numpy), BEFORE_ELEMWISE_FUSION + 0.1)
DOT_PASS = (in2out(dot_to_numpy), BEFORE_BLAS)
# Graph-defined Ops are inlined after PyTensor's stabilisation, which would
# recognise softmax in the inlined graph and put the node back.
INLINE_PASS = (in2out(inline_symbolic_ops), AFTER_STABILIZE)
# After the inlined graphs are in place, so that their nodes are rewritten too.
ELEMWISE_PASS = (in2out(elemwise_to_ufuncs), AFTER_STABILIZE + 0.1)
NUMBA_KERNELS_PASS = (_RegisterNumbaKernels(), BEFORE_ELEMWISE_FUSION - 0.1)
# A correction, not a speed rewrite: JAX mode always has it (OFF_VARIABLE does not name it).
JAX_ARANGE_PASS = (in2out(arange_in_its_dtype), AFTER_STABILIZE)


#: The speed rewrites by the name :data:`OFF_VARIABLE` turns one off with.
REWRITES = {
    "ufunc": UFUNC_PASS,
    "transposed_dot": TRANSPOSED_DOT_PASS,
    "dot": DOT_PASS,
    "inline": INLINE_PASS,
    "elemwise": ELEMWISE_PASS,
}

#: Environment variable naming rewrites to leave out (comma-separated names of
#: :data:`REWRITES`), so that a benchmark can measure a mode with and without one.
OFF_VARIABLE = "SYMMODULE_REWRITES_OFF"


def rewrites_off() -> frozenset[str]:
    """The names of the rewrites :data:`OFF_VARIABLE` turns off (none when it is unset).

    Raises
    ------
    ValueError
        When it names a rewrite that does not exist: a misspelt name would
        otherwise measure the rewrite it meant to leave out.
    """
    names = {name.strip() for name in os.environ.get(OFF_VARIABLE, "").split(",") if name.strip()}
    unknown = sorted(names - REWRITES.keys())
    if unknown:
        raise ValueError(f"{OFF_VARIABLE} names unknown rewrites {unknown}; the rewrites are {sorted(REWRITES)}")
    return frozenset(names)


def _passes(names: list[str]) -> list[tuple]:
    off = rewrites_off()
    return [REWRITES[name] for name in names if name not in off]


def rewrites_for(backend: str) -> list[tuple]:
    """The ``(rewriter, position)`` pairs ``Mode.register`` takes for a backend.

    Rewrites named in the environment variable :data:`OFF_VARIABLE` are left
    out; symmodule's named modes read it once, when each is first resolved.

    Parameters
    ----------
    backend
        'numba', 'cvm', 'python' (the Python VM of FAST_COMPILE) or 'jax'
        (which gets :data:`JAX_ARANGE_PASS`, a correction); any other
        backend gets none.
    """
    if backend == "numba":
        return [NUMBA_KERNELS_PASS, *_passes(["ufunc", "transposed_dot"])]
    if backend == "cvm":
        return _passes(["inline", "ufunc"] if config.blas__ldflags else ["inline", "ufunc", "dot"])
    if backend == "python":
        return _passes(["inline", "elemwise"])
    if backend == "jax":
        return [JAX_ARANGE_PASS]
    return []
