"""The Numba code of the NumPy-backed Ops gives NumPy's numbers (tests/rewrites/test_bits.py: bit for bit)."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

import symmodule.rewrites.numba_kernels  # noqa: F401 - registers the kernels tested here with PyTensor's mode
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("size", [1, 7, 255, 256, 1024])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ufunc_in_numba_gives_numpy_bits_at_every_size(size, dtype):
    # Below 256 elements the kernel used to run Numba's own loop, which rounds differently.
    x = pt.vector(dtype=dtype)
    value = RNG.standard_normal(size).astype(dtype)
    got = pytensor.function([x], NumPyUfunc("tanh")(x), mode="NUMBA")(value)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.view(f"uint{8 * got.itemsize}"), np.tanh(value).view(f"uint{8 * got.itemsize}"))


def test_ufunc_in_numba_of_a_scalar():
    x = pt.scalar(dtype="float64")
    got = pytensor.function([x], NumPyUfunc("tanh")(x), mode="NUMBA")(0.5)
    assert got.shape == ()
    assert got == np.tanh(0.5)


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
