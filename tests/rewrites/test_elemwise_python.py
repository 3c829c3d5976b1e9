"""FAST_COMPILE runs casts, sums and products of many terms, and ``fill`` with NumPy, with the same bits.

PyTensor's Python implementation of an Elemwise calls the scalar Op once per
element, from Python, when the node names no NumPy function taking its
inputs: a cast, a sum or product of three or more terms (which
canonicalisation makes of ``a * b * c`` and of gradients) and ``second``.
symmodule's FAST_COMPILE gives those nodes NumPy's functions
(:func:`symmodule.rewrites.rules.elemwise_to_ufuncs`).
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.scalar as ps
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import get_mode
from pytensor.tensor.elemwise import Elemwise

from symmodule._pytensor import python_elemwise_folds_variadic
from symmodule.modes import resolve_mode


def _per_element_nodes(f) -> list:
    """The Elemwise nodes PyTensor's Python implementation would run element by element."""
    found = []
    for node in f.maker.fgraph.toposort():
        if not isinstance(node.op, Elemwise):
            continue
        if python_elemwise_folds_variadic() and isinstance(node.op.scalar_op, (ps.Add, ps.Mul, ps.Cast)):
            continue  # this PyTensor runs them with NumPy
        spec = node.op.nfunc_spec
        if spec is None or spec[1] != len(node.inputs):
            found.append(node)
    return found


def _both(inputs, outputs):
    """The same graph compiled by raw PyTensor's FAST_COMPILE and by symmodule's."""
    raw = pytensor.function(inputs, outputs, mode=get_mode("FAST_COMPILE"))
    tuned = pytensor.function(inputs, outputs, mode=resolve_mode("FAST_COMPILE"))
    return raw, tuned


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n_terms", [3, 4, 7, 12])
def test_a_product_and_a_sum_of_many_terms_give_raw_pytensors_bits(dtype, n_terms):
    terms = [pt.matrix(f"t{i}", dtype=dtype) for i in range(n_terms)]
    product = terms[0]
    total = terms[0]
    for term in terms[1:]:
        product = product * term
        total = total + term
    raw, tuned = _both(terms, [product, total])
    assert any(len(node.inputs) == n_terms for node in raw.maker.fgraph.toposort())  # what canonicalisation made
    assert _per_element_nodes(tuned) == []
    rng = np.random.default_rng(n_terms)
    values = [(rng.standard_normal((7, 5)) * 3).astype(dtype) for _ in range(n_terms)]
    for got, want in zip(tuned(*values), raw(*values), strict=True):
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want)


def test_terms_that_broadcast_give_raw_pytensors_bits():
    x = pt.tensor4("x", dtype="float32", shape=(None, 3, 4, 4))
    scale = pt.tensor4("scale", dtype="float32", shape=(1, 3, 1, 1))
    out = 0.5 * x * scale * x
    raw, tuned = _both([x, scale], out)
    assert _per_element_nodes(tuned) == []
    rng = np.random.default_rng(1)
    values = rng.standard_normal((2, 3, 4, 4)).astype("float32"), rng.standard_normal((1, 3, 1, 1)).astype("float32")
    np.testing.assert_array_equal(tuned(*values), raw(*values))


def test_fill_in_a_gradient_is_an_alloc_with_raw_pytensors_values():
    x = pt.matrix("x", dtype="float32")
    raw, tuned = _both([x], pytensor.grad(pt.sum(x), x))  # ones, the shape of x
    assert any(isinstance(node.op.scalar_op, ps.Second) for node in _per_element_nodes(raw))
    assert _per_element_nodes(tuned) == []
    value = np.random.default_rng(2).standard_normal((6, 5)).astype("float32")
    np.testing.assert_array_equal(tuned(value), raw(value))


def test_integer_sums_are_left_to_pytensor():
    a, b, c = (pt.lvector(name) for name in "abc")
    tuned = pytensor.function([a, b, c], a + b + c, mode=resolve_mode("FAST_COMPILE"))
    (node,) = tuned.maker.fgraph.toposort()
    assert len(node.inputs) == 3
    np.testing.assert_array_equal(tuned([1], [2], [3]), [6])


@pytest.mark.parametrize(
    ("source", "target"), [("float32", "float64"), ("float64", "float32"), ("int8", "float32"), ("bool", "float64")]
)
def test_a_cast_to_a_float_calls_numpys_type_with_raw_pytensors_bits(source, target):
    x = pt.vector("x", dtype=source)
    raw, tuned = _both([x], pt.cast(x, target))
    assert len(_per_element_nodes(raw)) == (0 if python_elemwise_folds_variadic() else 1)
    assert _per_element_nodes(tuned) == []
    value = (np.random.default_rng(3).standard_normal(50) * 100).astype(source)
    got = tuned(value)
    assert got.dtype == target
    np.testing.assert_array_equal(got, raw(value))
