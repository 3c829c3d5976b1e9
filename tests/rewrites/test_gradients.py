"""Gradients through the speed rewrites pass PyTensor's ``verify_grad`` in each mode that applies them.

Two ways in: the Op itself (its own gradient, compiled in the mode), and the
PyTensor expression the rewrite replaces (PyTensor's gradient, whose graph
the rewrite then changes when the mode compiles it). float64 throughout:
``verify_grad`` compares with finite differences.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import get_mode
from pytensor.gradient import verify_grad
from pytensor.tensor.special import log_softmax, softmax

from symmodule.modes import resolve_mode
from symmodule.rewrites import rules, tune
from symmodule.rewrites.ops import NumPyDot, NumPyUfunc

FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def product_mode(name: str, monkeypatch: pytest.MonkeyPatch):
    """NUMBA with its rewrites, or CVM with the rewrites it gets when PyTensor has no BLAS to link."""
    if name == "CVM":
        monkeypatch.setattr(rules, "config", SimpleNamespace(blas__ldflags=""))
    return tune(get_mode(name))


def operands(transpose_a: bool, transpose_b: bool) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.standard_normal((4, 3) if transpose_a else (3, 4)), rng.standard_normal((5, 4) if transpose_b else (4, 5))]


@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
def test_ufunc_op_gradient(mode_name):
    value = np.random.default_rng(1).standard_normal((3, 4))
    verify_grad(NumPyUfunc("tanh"), [value], rng=np.random.default_rng(2), mode=resolve_mode(mode_name))


@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
def test_tanh_gradient_in_a_rewritten_mode(mode_name):
    value = np.random.default_rng(1).standard_normal((3, 4))
    verify_grad(pt.tanh, [value], rng=np.random.default_rng(2), mode=resolve_mode(mode_name))


@pytest.mark.parametrize(("transpose_a", "transpose_b"), FLAGS)
@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
def test_dot_op_gradient(mode_name, transpose_a, transpose_b, monkeypatch):
    mode = product_mode(mode_name, monkeypatch)
    verify_grad(NumPyDot(transpose_a, transpose_b), operands(transpose_a, transpose_b),
                rng=np.random.default_rng(3), mode=mode)


@pytest.mark.parametrize(("transpose_a", "transpose_b"), FLAGS)
@pytest.mark.parametrize("mode_name", ["NUMBA", "CVM"])
def test_product_gradient_in_a_rewritten_mode(mode_name, transpose_a, transpose_b, monkeypatch):
    mode = product_mode(mode_name, monkeypatch)

    def product(a, b):
        return pt.dot(a.T if transpose_a else a, b.T if transpose_b else b)

    verify_grad(product, operands(transpose_a, transpose_b), rng=np.random.default_rng(3), mode=mode)


@pytest.mark.parametrize("function", [softmax, log_softmax])
@pytest.mark.parametrize("mode_name", ["CVM", "FAST_COMPILE"])
def test_inlined_softmax_gradient(mode_name, function):
    value = np.random.default_rng(4).standard_normal((3, 5)) * 3

    def along_rows(x):
        return function(x, axis=-1)

    verify_grad(along_rows, [value], rng=np.random.default_rng(5), mode=resolve_mode(mode_name))
