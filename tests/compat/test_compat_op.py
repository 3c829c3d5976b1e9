"""Theano's ``Op``: a subclass's ``grad(inputs, output_gradients)`` is its gradient, without PyTensor's warning."""

import warnings

import numpy as np

import symmodule
from symmodule import tensor as T
from symmodule.compat.ops import Op


class Square(Op):
    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return symmodule.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] ** 2

    def grad(self, inputs, output_gradients):
        return [2 * inputs[0] * output_gradients[0]]


class Scale(Op):
    """x * k with an integer k whose gradient Theano code gave as None."""

    __props__ = ()

    def make_node(self, x, k):
        x, k = T.as_tensor_variable(x), T.as_tensor_variable(k)
        return symmodule.Apply(self, [x, k], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * inputs[1]

    def grad(self, inputs, output_gradients):
        return [output_gradients[0] * inputs[1], None]


class Triple(Op):
    """Gradient given as L_op, the later Theano form."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return symmodule.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = 3 * inputs[0]

    def L_op(self, inputs, outputs, output_gradients):
        return [3 * output_gradients[0]]


def gradient_of(op_output, x, values):
    return symmodule.function([x], T.grad(op_output.sum(), x))(values)


def test_symmodule_tensor_and_gof_op_are_the_theano_op():
    assert symmodule.Op is Op
    assert T.Op is Op
    assert symmodule.gof.Op is Op
    assert symmodule.gof.PureOp is Op


def test_grad_of_a_subclass_is_its_gradient():
    x = T.dvector("x")
    np.testing.assert_array_equal(gradient_of(Square()(x), x, np.arange(3.0)), [0.0, 2.0, 4.0])


def test_grad_of_a_subclass_gives_no_pytensor_warning():
    x = T.dvector("x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        T.grad(Square()(x).sum(), x)


def test_a_none_gradient_means_zeros():
    x, k = T.dvector("x"), T.lscalar("k")
    out = Scale()(x, k)
    f = symmodule.function([x, k], T.grad(out.sum(), [x, k]))
    gx, gk = f(np.arange(3.0), 4)
    np.testing.assert_array_equal(gx, [4.0, 4.0, 4.0])
    assert gk == 0


def test_an_l_op_of_a_subclass_is_its_gradient():
    x = T.dvector("x")
    np.testing.assert_array_equal(gradient_of(Triple()(x), x, np.zeros(2)), [3.0, 3.0])
