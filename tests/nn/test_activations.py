"""The activation functions of nn against NumPy and SciPy."""

import numpy as np
import pytest
import scipy.special

from symmodule import nn
from symmodule import tensor as T

VALUES = np.array([[-3.0, -0.5, 0.0], [0.5, 2.0, 40.0]])


@pytest.mark.parametrize(
    "fn, reference",
    [
        (nn.relu, lambda v: np.maximum(v, 0.0)),
        (nn.tanh, np.tanh),
        (nn.sigmoid, scipy.special.expit),
        (nn.softmax, lambda v: scipy.special.softmax(v, axis=-1)),
        (nn.log_softmax, lambda v: scipy.special.log_softmax(v, axis=-1)),
        (nn.gelu, lambda v: v * scipy.special.ndtr(v)),
    ],
    ids=["relu", "tanh", "sigmoid", "softmax", "log_softmax", "gelu"],
)
def test_each_activation_matches_its_reference(fn, reference):
    x = T.dmatrix("x")
    np.testing.assert_allclose(fn(x).eval({x: VALUES}), reference(VALUES), rtol=1e-12, atol=1e-12)


def test_softmax_and_log_softmax_take_an_axis():
    x = T.dmatrix("x")
    np.testing.assert_allclose(nn.softmax(x, axis=0).eval({x: VALUES}), scipy.special.softmax(VALUES, axis=0))
    np.testing.assert_allclose(nn.log_softmax(x, axis=0).eval({x: VALUES}), scipy.special.log_softmax(VALUES, axis=0))


def test_an_activation_in_a_sequential_is_an_activation_layer(apply):
    model = nn.Sequential(nn.gelu)
    assert isinstance(model[0], nn.Activation) and model[0].fn is nn.gelu
    out, _ = apply(model, VALUES)
    np.testing.assert_allclose(out, VALUES * scipy.special.ndtr(VALUES))
