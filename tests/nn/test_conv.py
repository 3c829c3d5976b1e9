"""nn.Conv2d, the pools and Flatten against NumPy and SciPy; gradients; refusals."""

import math

import numpy as np
import pytest
import scipy.signal
from extras import need
from pytensor.gradient import verify_grad
from pytensor.graph.replace import graph_replace

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def conv_reference(x, w, b, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1)):
    """Cross-correlation by its definition, one output position at a time."""
    x = np.pad(x, ((0, 0), (0, 0), *padding))
    (sh, sw), (dh, dw), (kh, kw) = stride, dilation, w.shape[2:]
    oh = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.empty((x.shape[0], w.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = np.einsum("bckl,ockl->bo", patch, w)
    return out + b[None, :, None, None]


def pool_reference(x, kernel, stride, reduce):
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
    return out


def test_stride_one_without_padding_is_scipys_valid_cross_correlation(apply, rng):
    x = rng.standard_normal((2, 3, 6, 5))
    out, inst = apply(nn.Conv2d(3, 4, (3, 2)), x, layer=dict(b=[0.0, 1.0, 2.0, 3.0]))
    w = inst.layer.w
    expected = np.array([
        [sum(scipy.signal.correlate2d(x[n, c], w[o, c], mode="valid") for c in range(3)) + o for o in range(4)]
        for n in range(2)
    ])
    np.testing.assert_allclose(out, expected)


@pytest.mark.parametrize(
    "stride, padding, dilation",
    [(2, 0, 1), ((1, 2), 1, 1), (1, (2, 0), 2), (2, 1, (2, 1))],
)
def test_stride_padding_and_dilation_match_the_definition(apply, rng, stride, padding, dilation):
    x = rng.standard_normal((2, 2, 7, 8))
    layer = nn.Conv2d(2, 3, 3, stride=stride, padding=padding, dilation=dilation)
    out, inst = apply(layer, x, layer=dict(b=[0.1, 0.2, 0.3]))
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    ph, pw = pair(padding)
    expected = conv_reference(x, inst.layer.w, inst.layer.b, pair(stride), ((ph, ph), (pw, pw)), pair(dilation))
    np.testing.assert_allclose(out, expected)


def test_same_padding_keeps_the_input_size(apply, rng):
    x = rng.standard_normal((1, 2, 5, 6))
    out, inst = apply(nn.Conv2d(2, 2, (3, 4), padding="same"), x)
    assert out.shape == (1, 2, 5, 6)
    np.testing.assert_allclose(out, conv_reference(x, inst.layer.w, inst.layer.b, padding=((1, 1), (1, 2))))


def test_the_output_has_the_static_shape_the_input_gives():
    y = nn.Conv2d(3, 8, 3, stride=2, padding=1)(T.tensor4(shape=(None, 3, 9, 9)))
    assert y.type.shape == (None, 8, 5, 5)


def test_filters_have_the_out_in_kh_kw_layout_and_glorot_fans():
    w = nn.Conv2d(16, 32, 3).make().w
    assert w.shape == (32, 16, 3, 3)
    limit = math.sqrt(6.0 / ((16 + 32) * 9))
    assert limit * 0.9 < np.abs(w).max() <= limit


def test_lazy_in_channels_come_from_the_first_inputs_channel_axis():
    layer = nn.Conv2d(None, 4, 3)
    layer(T.tensor4(shape=(None, 3, 8, 8)))
    assert layer.in_channels == 3 and layer.make().w.shape == (4, 3, 3, 3)


def test_a_static_channel_count_that_contradicts_in_channels_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"channel axis \(axis 1\) has length 1, but the layer was built for in_channels=3"):
        nn.Conv2d(3, 4, 3)(T.tensor4(shape=(None, 1, 8, 8)))


def test_an_input_that_is_not_a_batch_of_images_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Conv2d: expects an input of 4 dimensions \(batch, channels, height, width\)"):
        nn.Conv2d(1, 1, 3)(T.matrix())


def test_a_window_longer_than_the_input_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"the window spans 5 along axis 2, longer than the input's 4"):
        nn.Conv2d(1, 1, 3, dilation=2)(T.tensor4(shape=(None, 1, 4, 9)))


def test_same_padding_with_a_stride_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"padding='same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


@pytest.mark.parametrize("bad", [0, (3,), (2, -1), "3"])
def test_a_kernel_size_that_is_not_positive_ints_is_refused(bad):
    with pytest.raises(errors.DeclarationError, match=r"kernel_size=.* is not a positive int or a pair of them"):
        nn.Conv2d(1, 1, bad)


def test_an_unknown_padding_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"padding='full' is not an int of 0 or more"):
        nn.Conv2d(1, 1, 3, padding="full")


def test_out_channels_are_required():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Conv2d: out_channels is required"):
        nn.Conv2d(3)


def test_conv_gradient_matches_finite_differences(rng):
    x = rng.standard_normal((2, 2, 4, 4))
    w = rng.standard_normal((2, 2, 2, 2))
    layer = nn.Conv2d(2, 2, 2, stride=(1, 2), padding=1, bias=False)

    def conv(x_, w_):
        return graph_replace(layer(x_), {layer.w: w_})

    verify_grad(conv, [x, w], rng=np.random.default_rng(1))


def test_max_pool_is_the_maximum_of_each_window(apply, rng):
    x = rng.standard_normal((2, 3, 7, 6))
    out, _ = apply(nn.MaxPool2d(2), x)
    np.testing.assert_array_equal(out, pool_reference(x, (2, 2), (2, 2), np.max))


def test_overlapping_windows_with_a_stride(apply, rng):
    x = rng.standard_normal((1, 2, 6, 6))
    out, _ = apply(nn.MaxPool2d((3, 2), stride=1), x)
    np.testing.assert_array_equal(out, pool_reference(x, (3, 2), (1, 1), np.max))


def test_avg_pool_is_the_mean_of_each_window(apply, rng):
    x = rng.standard_normal((2, 1, 6, 4))
    out, _ = apply(nn.AvgPool2d(3, stride=(3, 1)), x)
    np.testing.assert_allclose(out, pool_reference(x, (3, 3), (3, 1), np.mean))


def test_max_pool_gradient_matches_finite_differences(rng):
    verify_grad(nn.MaxPool2d(2, stride=1), [rng.standard_normal((1, 2, 3, 4))], rng=np.random.default_rng(2))


def test_a_pool_window_longer_than_the_input_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.MaxPool2d: the window spans 3 along axis 3"):
        nn.MaxPool2d(3)(T.tensor4(shape=(None, 1, 4, 2)))


def test_flatten_joins_the_trailing_axes_with_a_static_length(apply, rng):
    x = rng.standard_normal((2, 3, 2, 2))
    out, _ = apply(nn.Flatten(), x, shape=(None, 3, 2, 2))
    np.testing.assert_array_equal(out, x.reshape(2, 12))
    assert nn.Flatten()(T.tensor4(shape=(None, 3, 2, 2))).type.shape == (None, 12)


def test_flatten_of_lengths_that_are_not_static(apply, rng):
    x = rng.standard_normal((2, 3, 4))
    out, _ = apply(nn.Flatten(2), x)
    np.testing.assert_array_equal(out, x)


def test_flatten_refuses_a_negative_start_axis():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Flatten: start_axis=-1 is not an int of 0 or more"):
        nn.Flatten(-1)


def test_a_lazy_linear_after_conv_and_flatten_learns_its_n_in():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.relu, nn.MaxPool2d(2), nn.Flatten(), nn.Linear(n_out=10))
    y = model(T.tensor4(shape=(None, 1, 8, 8)))
    assert model[4].n_in == 4 * 4 * 4 and y.type.shape == (None, 10)
    assert symmodule.Module.parameters(model)[-2].type.shape == (64, 10)


def _cnn_training_step(mode):
    from symmodule import optim

    m = symmodule.Module()
    m.model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.relu, nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.relu,
        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(n_out=3),
    )
    m.opt = optim.Adam(1e-2)
    x, y = T.tensor4("x", shape=(None, 1, 10, 10)), T.lvector("y")
    loss = -T.mean(nn.log_softmax(m.model(x))[T.arange(y.shape[0]), y])
    m.train = symmodule.Method([x, y], loss, updates=m.opt.updates(loss, m.parameters()))
    return m.make(mode=mode)


@pytest.mark.filterwarnings("ignore:PyTensor found no BLAS")
@pytest.mark.parametrize("mode", ["NUMBA", "CVM", "JAX"])
def test_a_network_trains_alike_in_every_mode_with_the_batch_length_left_open(mode, rng):
    if mode == "JAX":
        need("jax")
    data = [(rng.standard_normal((n, 1, 10, 10)), np.arange(n) % 3) for n in (8, 130, 5)]
    reference, other = _cnn_training_step("FAST_COMPILE"), _cnn_training_step(mode)
    for x, y in data:  # batches of other lengths, one past int8's range (JAX's arange)
        np.testing.assert_allclose(float(other.train(x, y)), float(reference.train(x, y)), rtol=1e-9)
    others = symmodule.state_dict(other)
    for path, value in symmodule.state_dict(reference).items():
        np.testing.assert_allclose(np.asarray(others[path]), value, rtol=1e-7, atol=1e-12, err_msg=path)
