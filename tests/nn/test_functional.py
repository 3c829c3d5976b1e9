"""nn.conv2d, nn.max_pool2d and nn.avg_pool2d: the layers' computations for filters held elsewhere."""

import numpy as np
import pytest

from symmodule import errors, nn
from symmodule import tensor as T
from symmodule.nn.ops import Conv2dOp, Pool2dOp


def test_conv2d_with_stride_and_padding_is_the_cross_correlation_by_its_definition(rng):
    x, w = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    X = T.dtensor4("x")
    out = nn.conv2d(X, w, stride=2, padding=(1, 0)).eval({X: x})
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    expected = np.empty((2, 4, 3, 2))
    for r in range(3):
        for q in range(2):
            patch = padded[:, :, 2 * r:2 * r + 3, 2 * q:2 * q + 2]
            expected[:, :, r, q] = np.einsum("bcij,ocij->bo", patch, w)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_conv2d_same_padding_keeps_the_input_size():
    out = nn.conv2d(T.tensor4(shape=(None, 2, 7, 6)), T.tensor4(shape=(5, 2, 3, 4)), padding="same")
    assert out.type.shape == (None, 5, 7, 6)


@pytest.mark.parametrize(("function", "reduce"), [(nn.max_pool2d, np.max), (nn.avg_pool2d, np.mean)])
def test_pooling_reduces_each_window(function, reduce, rng):
    x = rng.standard_normal((1, 2, 5, 4))
    X = T.dtensor4("x")
    out = function(X, (2, 2), stride=(3, 2)).eval({X: x})
    expected = np.stack([[reduce(x[:, :, r:r + 2, q:q + 2], axis=(2, 3)) for q in (0, 2)] for r in (0, 3)])
    np.testing.assert_allclose(out, expected.transpose(2, 3, 0, 1), rtol=1e-12)


def test_the_functions_build_the_ops_of_the_layers():
    x = T.tensor4("x")
    assert isinstance(nn.conv2d(x, T.tensor4("w")).owner.op, Conv2dOp)
    assert nn.max_pool2d(x).owner.op == Pool2dOp((2, 2), (2, 2), "max")
    assert nn.avg_pool2d(x, 3, stride=1).owner.op == Pool2dOp((3, 3), (1, 1), "mean")


@pytest.mark.parametrize("function", [nn.max_pool2d, nn.avg_pool2d])
def test_pooling_an_input_that_is_not_4_d_is_refused(function):
    with pytest.raises(errors.DeclarationError, match=r"nn\.\w+_pool2d: expects an input of 4 dimensions"):
        function(T.matrix("x"))


def test_convolving_an_input_that_is_not_4_d_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.conv2d: expects an input of 4 dimensions \(batch, "):
        nn.conv2d(T.tensor3("x"), T.tensor4("w"))


def test_filters_that_are_not_4_d_are_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.conv2d: w=.* is not a 4-d tensor"):
        nn.conv2d(T.tensor4("x"), T.matrix("w"))


def test_a_static_input_shorter_than_the_filters_is_refused_with_the_function_named():
    with pytest.raises(errors.DeclarationError, match=r"nn\.conv2d: the window spans 3 along axis 3, longer than the "):
        nn.conv2d(T.tensor4(shape=(1, 1, 5, 2)), T.tensor4(shape=(1, 1, 3, 3)))


def test_a_static_input_shorter_than_the_pooling_window_is_refused_with_the_function_named():
    with pytest.raises(errors.DeclarationError, match=r"nn\.max_pool2d: the window spans 2 along axis 2"):
        nn.max_pool2d(T.tensor4(shape=(1, 1, 1, 4)), 2)


@pytest.mark.parametrize(("argument", "value"), [("stride", 0), ("dilation", (1, 2, 3)), ("padding", -1)])
def test_bad_geometry_arguments_are_refused(argument, value):
    with pytest.raises(errors.DeclarationError, match=rf"nn\.conv2d: {argument}="):
        nn.conv2d(T.tensor4("x"), T.tensor4(shape=(1, 1, 3, 3)), **{argument: value})


def test_same_padding_needs_filters_of_static_size():
    with pytest.raises(errors.DeclarationError, match="needs filters of static size"):
        nn.conv2d(T.tensor4("x"), T.tensor4("w"), padding="same")
