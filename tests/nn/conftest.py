"""Fixtures of the layer tests: a layer put in a Module, applied by a compiled Method."""

import numpy as np
import pytest

import symmodule
from symmodule import tensor as T


def _apply(layer_, value, *, training=False, mode=None, shape=None, dtype=None, **init):
    """``layer(x)`` computed on ``value`` by a Method of a fresh instance; returns (output, instance)."""
    value = np.asarray(value)
    x = T.tensor(dtype=dtype or value.dtype, shape=shape if shape is not None else (None,) * value.ndim, name="x")
    m = symmodule.Module()
    m.layer = layer_
    m.apply = symmodule.Method([x], layer_(x, training=training))
    inst = m.make(mode=mode, **init)
    return inst.apply(value), inst


@pytest.fixture
def apply():
    return _apply


@pytest.fixture
def rng():
    return np.random.default_rng(0)
