"""Property tests: within a mode, a speed rewrite makes no element's bits depend on its array.

Each rewrite is tested in each mode that applies it, in float32 and float64:

* ``tanh`` (NUMBA, CVM) is NumPy's ufunc at every size: an element of an
  array of any size (1 to 1000, 100 003), layout (C, Fortran, strided) and
  position in a larger array gets the bits ``np.tanh`` gives it in the
  whole array.
* A matrix product (NUMBA: with a transposed operand; CVM without BLAS:
  every one) gets the same bits whatever its operands' layout and position
  in memory; in CVM, ``np.dot``'s bits. Not whatever its shape: BLAS picks
  kernels by shape (``gemv`` for a single row), in every mode, so that is
  no guarantee a rewrite can give.
* Softmax and log-softmax (CVM, FAST_COMPILE) run their defining graph in
  the mode's kernels: a row gets the same bits whatever the rows around it
  (how many, which), in CVM whatever the layout too, and in both modes the
  bits of the graph written out by hand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytensor.compile.builders import OpFromGraph
from pytensor.compile.mode import get_mode
from pytensor.tensor.special import log_softmax, softmax

from symmodule.modes import resolve_mode
from symmodule.rewrites import rules, tune
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

#: Compilation dominates the first examples of each test (one Numba
#: specialisation per layout), so examples have no deadline.
PROPERTY = settings(max_examples=60, deadline=None)

DTYPES = ["float32", "float64"]

#: Sizes on both sides of every threshold NumPy or a kernel could switch at,
#: then one large array.
SIZES = st.one_of(st.integers(1, 1000), st.just(100_003))


def bits(values: np.ndarray) -> np.ndarray:
    """The values' bit patterns, as unsigned integers of their width."""
    return np.ascontiguousarray(values).view(f"uint{8 * values.dtype.itemsize}")


def assert_same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(bits(got), bits(want))


def op_types(fn: pytensor.compile.Function) -> list[type]:
    return [type(node.op) for node in fn.maker.fgraph.toposort()]


# -- tanh ---------------------------------------------------------------------------------------


@functools.cache
def tanh_inputs(dtype: str) -> np.ndarray:
    """Values of every kind tanh meets: ordinary, saturating, tiny, subnormal, zeros, infinities, NaN."""
    rng = np.random.default_rng(11)
    info = np.finfo(dtype)
    values = rng.standard_normal(200_000) * rng.choice([0.01, 1.0, 5.0, 30.0], size=200_000)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, info.tiny, -info.tiny, info.smallest_subnormal, info.max, 9.1, 1e-5]
    values[rng.choice(values.size, size=2_000, replace=False)] = rng.choice(special, size=2_000)
    return values.astype(dtype)


@functools.cache
def tanh_functions(mode_name: str, dtype: str) -> tuple[Callable, Callable]:
    """``tanh`` of a vector and of a matrix, compiled in ``mode_name``."""
    functions = []
    for x in (pt.vector(dtype=dtype), pt.matrix(dtype=dtype)):
        fn = pytensor.function([x], pt.tanh(x), mode=resolve_mode(mode_name))
        assert NumPyUfunc in op_types(fn)
        functions.append(fn)
    return tuple(functions)


@st.composite
def views(draw, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An array drawn from ``base`` (size, layout, position) and the positions of its elements in ``base``."""
    size = draw(SIZES)
    layout = draw(st.sampled_from(["C", "strided", "F", "strided 2-D"]))
    positions = np.arange(base.size)
    if layout == "strided":  # a view into base itself
        step = draw(st.integers(2, 5))
        size = min(size, (base.size - 1) // step)
        start = draw(st.integers(0, base.size - 1 - step * size))
        picked = slice(start, start + step * size, step)
        return base[picked], positions[picked]
    start = draw(st.integers(0, base.size - size))
    where = positions[start : start + size]
    if layout == "C":
        return base[where], where
    rows = draw(st.sampled_from([d for d in range(1, 33) if size % d == 0]))
    where = where.reshape(rows, size // rows)
    if layout == "F":
        return np.asfortranarray(base[where]), where
    # Every other column of a C array: neither C- nor Fortran-contiguous.
    spaced = np.zeros((rows, 2 * (size // rows)), dtype=base.dtype)
    spaced[:, ::2] = base[where]
    return spaced[:, ::2], where


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
@PROPERTY
@given(data=st.data())
def test_tanh_gives_an_element_numpy_bits_whatever_the_array(mode_name, dtype, data):
    base = tanh_inputs(dtype)
    value, where = data.draw(views(base))
    vector_fn, matrix_fn = tanh_functions(mode_name, dtype)
    got = (vector_fn if value.ndim == 1 else matrix_fn)(value)
    assert_same_bits(got, np.tanh(base)[where])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
def test_tanh_of_a_view_taken_inside_the_graph_gives_numpy_bits(mode_name, dtype):
    # The Op then receives a strided view the graph made, not an input.
    value = tanh_inputs(dtype)[:60_000].reshape(200, 300)
    x = pt.matrix(dtype=dtype)
    fn = pytensor.function([x], pt.tanh(x.T[::3, 1::2]), mode=resolve_mode(mode_name))
    assert NumPyUfunc in op_types(fn)
    assert_same_bits(fn(value), np.tanh(value)[1::2, ::3].T)


# -- matrix products ------------------------------------------------------------------------------


#: The products each mode rewrites: (transpose_a, transpose_b).
REWRITTEN_PRODUCTS = {
    "NUMBA": [(False, True), (True, False), (True, True)],
    "CVM": [(False, False), (False, True), (True, False), (True, True)],
}


@functools.cache
def product_mode(name: str) -> pytensor.compile.Mode:
    """NUMBA with its rewrites, or CVM with the rewrites it gets when PyTensor has no BLAS to link."""
    if name == "NUMBA":
        return tune(get_mode("NUMBA"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(rules, "config", SimpleNamespace(blas__ldflags=""))
        return tune(get_mode("CVM"))


@functools.cache
def dot_function(mode_name: str, dtype: str, transpose_a: bool, transpose_b: bool) -> Callable:
    x, y = pt.matrix(dtype=dtype), pt.matrix(dtype=dtype)
    out = pt.dot(x.T if transpose_a else x, y.T if transpose_b else y)
    fn = pytensor.function([x, y], out, mode=product_mode(mode_name))
    assert NumPyDot in op_types(fn)
    return fn


def lay_out(rng: np.random.Generator, values: np.ndarray, layout: str) -> np.ndarray:
    """``values`` in the memory layout ``layout``, at a drawn offset in a larger array when strided."""
    if layout == "C":
        return values.copy()
    if layout == "F":
        return np.asfortranarray(values)
    rows, cols = values.shape
    step = int(rng.integers(2, 4))
    row0, col0 = (int(i) for i in rng.integers(0, 5, size=2))
    larger = rng.standard_normal((row0 + step * rows, col0 + step * cols)).astype(values.dtype)
    view = larger[row0::step, col0::step][:rows, :cols]
    view[...] = values
    return view


@st.composite
def products(draw, mode_name: str, dtype: str) -> tuple[Callable, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A compiled product, its operands in drawn layouts, and the same operands C-ordered."""
    transpose_a, transpose_b = draw(st.sampled_from(REWRITTEN_PRODUCTS[mode_name]))
    small = st.integers(1, 70)
    m, k, n = draw(st.one_of(st.tuples(small, small, small), st.tuples(*[st.integers(100, 300)] * 3)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if transpose_b else (k, n)).astype(dtype)
    laid_a = lay_out(rng, a, draw(st.sampled_from(["C", "F", "strided"])))
    laid_b = lay_out(rng, b, draw(st.sampled_from(["C", "F", "strided"])))
    return dot_function(mode_name, dtype, transpose_a, transpose_b), laid_a, laid_b, a, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
@PROPERTY
@given(data=st.data())
def test_a_rewritten_product_has_the_same_bits_whatever_the_operands_layout(mode_name, dtype, data):
    fn, laid_a, laid_b, a, b = data.draw(products(mode_name, dtype))
    assert_same_bits(fn(laid_a, laid_b), fn(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_a_rewritten_product_in_cvm_gives_numpy_dot_bits(dtype, data):
    fn, laid_a, laid_b, a, b = data.draw(products("CVM", dtype))
    op = next(node.op for node in fn.maker.fgraph.toposort() if isinstance(node.op, NumPyDot))
    want = np.dot(a.T if op.transpose_a else a, b.T if op.transpose_b else b)
    assert_same_bits(fn(laid_a, laid_b), want)


# -- softmax and log-softmax ------------------------------------------------------------------------


@functools.cache
def softmax_function(mode_name: str, dtype: str, log: bool) -> Callable:
    x = pt.matrix(dtype=dtype)
    fn = pytensor.function([x], (log_softmax if log else softmax)(x, axis=-1), mode=resolve_mode(mode_name))
    assert not any(issubclass(t, OpFromGraph) for t in op_types(fn))
    return fn


@functools.cache
def softmax_inputs(dtype: str, columns: int) -> np.ndarray:
    return (np.random.default_rng(columns).standard_normal((700, columns)) * 5).astype(dtype)


@functools.cache
def softmax_reference(mode_name: str, dtype: str, log: bool, columns: int) -> np.ndarray:
    return softmax_function(mode_name, dtype, log)(softmax_inputs(dtype, columns))


@st.composite
def batches(draw, base: np.ndarray, layouts: list[str]) -> tuple[np.ndarray, slice]:
    """Rows of ``base`` (how many, which, in which layout) and where they are in ``base``."""
    rows = draw(st.integers(1, 300))
    layout = draw(st.sampled_from(layouts))
    step = 2 if layout == "every other row" else 1
    start = draw(st.integers(0, base.shape[0] - step * rows))
    picked = slice(start, start + step * rows, step)
    if layout == "C":
        return base[picked].copy(), picked
    if layout == "F":
        return np.asfortranarray(base[picked]), picked
    return base[picked], picked  # a view into base


def softmax_case(draw, dtype: str) -> tuple[np.ndarray, int]:
    columns = draw(st.sampled_from([1, 2, 7, 8, 9, 16, 17, 100, 1000]))
    return softmax_inputs(dtype, columns), columns


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode_name", ["CVM", "FAST_COMPILE"])
@PROPERTY
@given(data=st.data())
def test_a_softmax_row_gets_the_same_bits_whatever_the_rows_around_it(mode_name, dtype, log, data):
    base, columns = softmax_case(data.draw, dtype)
    value, picked = data.draw(batches(base, ["C", "every other row"]))
    got = softmax_function(mode_name, dtype, log)(value)
    assert_same_bits(got, softmax_reference(mode_name, dtype, log, columns)[picked])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@PROPERTY
@given(data=st.data())
def test_a_softmax_row_in_cvm_gets_the_same_bits_in_fortran_order(dtype, log, data):
    base, columns = softmax_case(data.draw, dtype)
    value, picked = data.draw(batches(base, ["F"]))
    got = softmax_function("CVM", dtype, log)(value)
    assert_same_bits(got, softmax_reference("CVM", dtype, log, columns)[picked])


@functools.cache
def written_out_function(mode_name: str, dtype: str, log: bool) -> Callable:
    """Softmax's defining graph written out by hand, compiled in ``mode_name``."""
    x = pt.matrix(dtype=dtype)
    shifted = x - x.max(axis=-1, keepdims=True)
    if log:
        out = shifted - pt.log(pt.exp(shifted).sum(axis=-1, keepdims=True))
    else:
        out = pt.exp(shifted) / pt.exp(shifted).sum(axis=-1, keepdims=True)
    return pytensor.function([x], out, mode=resolve_mode(mode_name))


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode_name", ["CVM", "FAST_COMPILE"])
@PROPERTY
@given(data=st.data())
def test_an_inlined_softmax_gives_the_bits_of_its_graph_written_out(mode_name, dtype, log, data):
    # In FAST_COMPILE a sum over a Fortran-ordered float64 array adds in
    # memory order (NumPy's reduction), so there the layout does change a
    # row's bits, for softmax as for any sum: the rewrite adds nothing to it.
    base, _ = softmax_case(data.draw, dtype)
    value, _ = data.draw(batches(base, ["C", "F", "every other row"]))
    got = softmax_function(mode_name, dtype, log)(value)
    assert_same_bits(got, written_out_function(mode_name, dtype, log)(value))
