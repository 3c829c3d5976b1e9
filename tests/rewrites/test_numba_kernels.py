"""The Numba code of the NumPy-backed Ops gives NumPy's numbers, on either side of the size switch."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from symmodule.rewrites.numba_kernels import OBJMODE_MIN_SIZE
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("size", [7, OBJMODE_MIN_SIZE, 4 * OBJMODE_MIN_SIZE])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ufunc_in_numba_matches_numpy(size, dtype):
    x = pt.vector(dtype=dtype)
    value = RNG.standard_normal(size).astype(dtype)
    got = pytensor.function([x], NumPyUfunc("tanh")(x), mode="NUMBA")(value)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, np.tanh(value), rtol=2e-6)


def test_ufunc_in_numba_reads_a_strided_view():
    x = pt.matrix(dtype="float64")
    value = RNG.standard_normal((40, 30))
    got = pytensor.function([x], NumPyUfunc("tanh")(x.T[::2]), mode="NUMBA")(value)
    np.testing.assert_allclose(got, np.tanh(value.T[::2]))


@pytest.mark.parametrize(("transpose_a", "transpose_b"), [(False, False), (True, False), (False, True), (True, True)])
def test_dot_in_numba_matches_numpy(transpose_a, transpose_b):
    a = RNG.standard_normal((4, 3) if transpose_a else (3, 4)).astype("float32")
    b = RNG.standard_normal((5, 4) if transpose_b else (4, 5)).astype("float32")
    x, y = pt.matrix(dtype="float32"), pt.matrix(dtype="float32")
    got = pytensor.function([x, y], NumPyDot(transpose_a, transpose_b)(x, y), mode="NUMBA")(a, b)
    want = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_dot_in_numba_reads_operands_of_any_layout():
    a = RNG.standard_normal((8, 6))
    b = RNG.standard_normal((10, 12))
    x, y = pt.matrix(dtype="float64"), pt.matrix(dtype="float64")
    # Sliced operands have Numba's 'A' layout: they are copied, not misread.
    out = NumPyDot(False, True)(x[::2], y[:, ::2])
    got = pytensor.function([x, y], out, mode="NUMBA")(a, b)
    np.testing.assert_allclose(got, a[::2] @ b[:, ::2].T)
