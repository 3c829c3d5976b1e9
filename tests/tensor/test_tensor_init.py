"""The ``T`` namespace: pytensor.tensor plus the Theano-era names."""

import doctest
import importlib
import sys
import types

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from symmodule import tensor as T

FLOATX = pytensor.config.floatX


def test_docstring_examples_run():
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        result = doctest.testmod(T)
    assert result.attempted > 0
    assert result.failed == 0


def test_scalars_makes_one_floatx_scalar_per_letter():
    n, c = T.scalars("nc")
    assert [n.name, c.name] == ["n", "c"]
    assert all(v.ndim == 0 and v.dtype == FLOATX for v in (n, c))


def test_scalars_returns_distinct_variables():
    a, b = T.scalars("ab")
    assert a is not b


def test_scalars_with_one_letter_returns_the_variable_itself():
    x = T.scalars("x")
    assert isinstance(x, pt.TensorVariable)
    assert x.name == "x"


def test_scalars_accepts_comma_separated_names():
    names = [v.name for v in T.scalars("lr, momentum,decay")]
    assert names == ["lr", "momentum", "decay"]


def test_scalars_accepts_one_name_per_argument():
    names = [v.name for v in T.scalars("lr", "momentum")]
    assert names == ["lr", "momentum"]


def test_scalars_with_int_makes_that_many_unnamed():
    made = T.scalars(3)
    assert len(made) == 3
    assert all(v.name is None for v in made)


@pytest.mark.parametrize(
    "plural, dtype, ndim",
    [
        ("dscalars", "float64", 0),
        ("fscalars", "float32", 0),
        ("iscalars", "int32", 0),
        ("lvectors", "int64", 1),
        ("dmatrices", "float64", 2),
        ("fmatrices", "float32", 2),
        ("irows", "int32", 2),
        ("dcols", "float64", 2),
        ("ltensor3s", "int64", 3),
        ("dtensor4s", "float64", 4),
    ],
)
def test_prefixed_plural_constructor_gives_prefix_dtype(plural, dtype, ndim):
    made = getattr(T, plural)("x, y")
    assert [v.name for v in made] == ["x", "y"]
    assert all(v.dtype == dtype and v.ndim == ndim for v in made)


@pytest.mark.parametrize(
    "name, dtype, ndim",
    [
        ("dscalar", "float64", 0),
        ("fscalar", "float32", 0),
        ("iscalar", "int32", 0),
        ("lscalar", "int64", 0),
        ("bscalar", "int8", 0),
        ("cscalar", "complex64", 0),
        ("zscalar", "complex128", 0),
        ("dvector", "float64", 1),
        ("lvector", "int64", 1),
        ("fmatrix", "float32", 2),
        ("wmatrix", "int16", 2),
        ("dtensor3", "float64", 3),
    ],
)
def test_prefixed_constructor_gives_prefix_dtype(name, dtype, ndim):
    v = getattr(T, name)("v")
    assert (v.name, v.dtype, v.ndim) == ("v", dtype, ndim)


def test_zero_is_floatx_scalar_constant_zero():
    z = T.zero()
    assert isinstance(z, pt.TensorConstant)
    assert (z.ndim, z.dtype) == (0, FLOATX)
    assert z.data == 0


def test_zero_added_to_a_cost_changes_neither_value_nor_gradient():
    w = T.dvector("w")
    cost = T.sum(w**2)
    total = cost + T.zero()
    f = pytensor.function(
        [w], [total, T.grad(total, w)], mode="FAST_COMPILE"
    )
    value, grad = f(np.array([1.0, 2.0]))
    assert value == 5.0
    np.testing.assert_array_equal(grad, [2.0, 4.0])


@pytest.mark.parametrize(
    "name",
    ["dot", "sum", "matrix", "scalar", "vector", "shape", "cast",
     "switch", "exp", "log", "mean", "argmax", "concatenate", "arange",
     "TensorType", "TensorVariable", "as_tensor_variable", "jacobian"],
)
def test_pytensor_tensor_name_is_the_same_object(name):
    assert getattr(T, name) is getattr(pt, name)


def test_names_attached_to_pytensor_tensor_later_are_reachable():
    nlinalg = importlib.import_module("pytensor.tensor.nlinalg")
    assert T.nlinalg is nlinalg


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        T.no_such_name


@pytest.mark.parametrize(
    "theano_name, pytensor_object",
    [
        ("abs_", pt.abs),
        ("inv", pt.reciprocal),
        ("Rop", pytensor.gradient.Rop),
        ("Lop", pytensor.gradient.Lop),
        ("verify_grad", pytensor.gradient.verify_grad),
        ("numeric_grad", pytensor.gradient.numeric_grad),
    ],
)
def test_theano_alias_is_the_pytensor_equivalent(theano_name, pytensor_object):
    assert getattr(T, theano_name) is pytensor_object


def test_nnet_is_an_attribute_of_t():
    from symmodule.tensor import nnet

    assert T.nnet is nnet


def test_randomstreams_is_an_attribute_of_t():
    assert isinstance(T.randomstreams, types.ModuleType)


def test_randomstreams_looks_up_randomstreams_at_access_time(monkeypatch):
    stand_in = types.ModuleType("symmodule.module.random")

    class RandomStreams:
        pass

    stand_in.RandomStreams = RandomStreams
    monkeypatch.setitem(sys.modules, "symmodule.module.random", stand_in)
    assert T.randomstreams.RandomStreams is RandomStreams


def test_randomstreams_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="Nope"):
        T.randomstreams.Nope
