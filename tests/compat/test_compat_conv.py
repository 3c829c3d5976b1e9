"""nnet.conv.conv2d and signal.downsample.max_pool_2d against SciPy and NumPy, with Theano's conventions."""

import numpy as np
import pytest
from scipy.signal import convolve2d

from symmodule import tensor as T
from symmodule.compat.errors import ConvShapeError
from symmodule.tensor.nnet import conv
from symmodule.tensor.signal import downsample

rng = np.random.default_rng(0)
IMAGES = rng.normal(size=(2, 3, 6, 5))
FILTERS = rng.normal(size=(4, 3, 3, 2))


def _scipy(mode):
    return np.array(
        [[sum(convolve2d(IMAGES[b, c], FILTERS[k, c], mode=mode) for c in range(3)) for k in range(4)] for b in range(2)]
    )


@pytest.mark.parametrize("border_mode", ["valid", "full"])
def test_conv2d_is_a_true_convolution_summed_over_channels(border_mode):
    assert np.allclose(conv.conv2d(IMAGES, FILTERS, border_mode=border_mode).eval(), _scipy(border_mode))


def test_conv2d_subsample_keeps_every_other_output():
    assert np.allclose(conv.conv2d(IMAGES, FILTERS, subsample=(2, 2)).eval(), _scipy("valid")[:, :, ::2, ::2])


def test_conv2d_takes_the_kernel_size_from_filter_shape():
    w = T.dtensor4("w")
    out = conv.conv2d(IMAGES, w, filter_shape=FILTERS.shape, image_shape=IMAGES.shape)
    assert np.allclose(out.eval({w: FILTERS}), _scipy("valid"))


def test_conv2d_without_a_known_kernel_size_says_to_pass_filter_shape():
    with pytest.raises(ConvShapeError, match="Pass filter_shape="):
        conv.conv2d(IMAGES, T.dtensor4("w"))


def test_conv2d_gradient_matches_numeric_gradient():
    # verify_grad raises when the symbolic and numeric gradients differ.
    T.verify_grad(
        lambda w: conv.conv2d(IMAGES[:1, :, :4, :4], w, filter_shape=(2, 3, 2, 2)),
        [rng.normal(size=(2, 3, 2, 2))],
        rng=np.random.default_rng(1),
    )


def test_max_pool_2d_keeps_partial_blocks_by_default():
    x = np.arange(15.0).reshape(3, 5)
    assert np.array_equal(downsample.max_pool_2d(x, (2, 2)).eval(), [[6.0, 8.0, 9.0], [11.0, 13.0, 14.0]])


def test_max_pool_2d_ignore_border_drops_partial_blocks():
    x = np.arange(15.0).reshape(3, 5)
    assert np.array_equal(downsample.max_pool_2d(x, (2, 2), ignore_border=True).eval(), [[6.0, 8.0]])


def test_max_pool_2d_pools_the_last_two_axes_of_a_batch():
    x = rng.normal(size=(2, 3, 4, 4))
    expected = x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5))
    assert np.allclose(downsample.max_pool_2d(x, (2, 2)).eval(), expected)
