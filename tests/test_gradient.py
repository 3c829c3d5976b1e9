"""symmodule.gradient.grad (T.grad): PyTensor's gradient with Theano 0.4's signature and disconnected inputs."""

import doctest

import numpy as np
import pytest
from pytensor.gradient import DisconnectedInputError

import symmodule
import symmodule.gradient
from symmodule import tensor as T
from symmodule.compat.errors import GradArgumentError

MODE = "FAST_COMPILE"


def test_t_grad_is_symmodules_grad():
    assert T.grad is symmodule.gradient.grad


def test_a_disconnected_input_gets_zeros_of_its_shape():
    x, w = T.dvector("x"), T.dmatrix("w")
    gradient = T.grad(T.sum(x**2), w)
    np.testing.assert_array_equal(gradient.eval({w: np.ones((2, 3))}), np.zeros((2, 3)))


def test_connected_and_disconnected_inputs_in_one_list():
    x, b = T.dvector("x"), T.dvector("b")
    gx, gb = T.grad(T.sum(x**3), [x, b])
    f = symmodule.function([x, b], [gx, gb], mode=MODE, on_unused_input="ignore")
    data = np.array([1.0, -2.0, 0.5])
    got_x, got_b = f(data, np.ones(4))
    np.testing.assert_allclose(got_x, 3 * data**2)
    np.testing.assert_array_equal(got_b, np.zeros(4))


def test_a_gradient_through_a_model_matches_numpy():
    x, w = T.dmatrix("x"), T.dvector("w")
    cost = T.mean((T.dot(x, w) - 1.0) ** 2)
    f = symmodule.function([x, w], T.grad(cost, w), mode=MODE)
    xs, ws = np.arange(6.0).reshape(3, 2), np.array([0.5, -0.25])
    np.testing.assert_allclose(f(xs, ws), 2 * xs.T @ (xs @ ws - 1.0) / 3)


def test_g_cost_scales_the_gradient():
    x, scale = T.dscalar("x"), T.dscalar("scale")
    f = symmodule.function([x, scale], T.grad(x**2, x, scale), mode=MODE)
    assert f(3.0, 0.5) == pytest.approx(3.0)


def test_consider_constant_is_the_fourth_argument():
    x = T.dscalar("x")
    y = x**2
    f = symmodule.function([x], T.grad(y * x, x, None, [y]), mode=MODE)
    assert f(3.0) == pytest.approx(9.0)


def test_a_list_as_third_argument_is_refused_with_the_keyword_to_use():
    x = T.dscalar("x")
    with pytest.raises(GradArgumentError, match=r"pass consider_constant=\[\.\.\.\] by keyword"):
        T.grad(x**2, x, [x])


def test_pytensors_refusal_is_still_available():
    x, w = T.dscalar("x"), T.dscalar("w")
    with pytest.raises(DisconnectedInputError):
        T.grad(x**2, w, disconnected_inputs="raise")


def test_docstring_examples_run():
    result = doctest.testmod(symmodule.gradient, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_a_cost_that_is_not_a_scalar_stands_for_its_sum():
    x = T.dmatrix("x")
    f = symmodule.function([x], T.grad(x**3, x), mode=MODE)
    data = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(f(data), 3 * data**2)
