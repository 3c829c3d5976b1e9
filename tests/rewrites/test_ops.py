"""The NumPy-backed Ops compute what the Ops they replace compute, gradients included."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ufunc_tanh_matches_numpy_and_keeps_the_dtype(dtype):
    x = pt.tensor(dtype=dtype, shape=(None, None))
    value = RNG.standard_normal((3, 5)).astype(dtype)
    got = pytensor.function([x], NumPyUfunc("tanh")(x))(value)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, np.tanh(value), rtol=1e-6)


def test_ufunc_on_a_scalar_returns_an_array():
    x = pt.scalar(dtype="float64")
    got = pytensor.function([x], NumPyUfunc("tanh")(x))(0.5)
    assert isinstance(got, np.ndarray) and got.shape == ()
    np.testing.assert_allclose(got, np.tanh(0.5))


def test_ufunc_gradient_is_tanh_gradient():
    x = pt.vector(dtype="float64")
    value = np.linspace(-2.0, 2.0, 7)
    grad = pytensor.function([x], pytensor.grad(NumPyUfunc("tanh")(x).sum(), x))(value)
    np.testing.assert_allclose(grad, 1.0 - np.tanh(value) ** 2)
    verify_grad(NumPyUfunc("tanh"), [value], rng=np.random.default_rng(1))


def test_ufunc_refuses_a_function_it_does_not_know():
    with pytest.raises(ValueError, match="supports \\['tanh'\\], not 'sqrt'"):
        NumPyUfunc("sqrt")


def test_ufunc_infers_its_shape_without_computing():
    x = pt.matrix(dtype="float64")
    shape = pytensor.function([x], NumPyUfunc("tanh")(x).shape)
    assert tuple(shape(np.zeros((2, 3)))) == (2, 3)


FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def operands(transpose_a: bool, transpose_b: bool, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray]:
    a = RNG.standard_normal((4, 3) if transpose_a else (3, 4)).astype(dtype)
    b = RNG.standard_normal((5, 4) if transpose_b else (4, 5)).astype(dtype)
    return a, b


@pytest.mark.parametrize(("transpose_a", "transpose_b"), FLAGS)
def test_dot_applies_its_transpose_flags(transpose_a, transpose_b):
    a, b = operands(transpose_a, transpose_b)
    x, y = pt.matrix(dtype="float64"), pt.matrix(dtype="float64")
    out = NumPyDot(transpose_a, transpose_b)(x, y)
    got = pytensor.function([x, y], [out, out.shape])(a, b)
    want = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    np.testing.assert_allclose(got[0], want)
    assert tuple(got[1]) == (3, 5)


@pytest.mark.parametrize(("transpose_a", "transpose_b"), FLAGS)
def test_dot_gradient_matches_numeric_differences(transpose_a, transpose_b):
    a, b = operands(transpose_a, transpose_b)
    verify_grad(NumPyDot(transpose_a, transpose_b), [a, b], rng=np.random.default_rng(2))


def test_dot_keeps_static_shapes():
    a, b = pt.tensor(dtype="float32", shape=(4, 3)), pt.tensor(dtype="float32", shape=(5, 4))
    assert NumPyDot(True, True)(a, b).type.shape == (3, 5)


def test_dot_refuses_operands_of_two_dtypes():
    with pytest.raises(TypeError, match="two matrices of one dtype"):
        NumPyDot()(pt.matrix(dtype="float32"), pt.matrix(dtype="float64"))
