"""Conv2dOp and its gradient Ops against NumPy oracles written by the definition; shapes, dtypes, refusals.

The oracles loop over output positions and contract each window with
``einsum``; the Ops' NumPy code (their ``perform``, run in FAST_COMPILE) is
checked against them here, and the other modes against that in
``test_backends.py``.
"""

import re

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
import scipy.signal
from extras import need
from pytensor.compile.mode import Mode
from pytensor.gradient import DisconnectedInputError, verify_grad

import symmodule
from symmodule.nn.ops import Conv2dFilterGrad, Conv2dInputGrad, Conv2dOp, Geometry

# (geometry, x shape, w shape)
CASES = {
    "plain": (Geometry(), (2, 3, 5, 6), (4, 3, 3, 2)),
    # rows 7 and column 8 are in no window: they get no gradient
    "stride": (Geometry(stride=(2, 3)), (2, 2, 8, 9), (3, 2, 3, 2)),
    "asymmetric-padding": (Geometry(padding=((2, 0), (1, 3))), (1, 2, 4, 5), (2, 2, 3, 3)),
    "dilation": (Geometry(dilation=(2, 3)), (2, 2, 7, 9), (2, 2, 2, 3)),
    "everything": (Geometry((2, 1), ((1, 2), (0, 1)), (1, 2)), (2, 3, 7, 6), (2, 3, 3, 2)),
    "non-square-kernel": (Geometry(), (1, 2, 4, 7), (3, 2, 1, 4)),
    "batch-1-channel-1": (Geometry(stride=(1, 2)), (1, 1, 5, 5), (1, 1, 2, 3)),
    "kernel-fills-the-input": (Geometry(), (2, 2, 3, 4), (3, 2, 3, 4)),
}
MODES = ["FAST_COMPILE", "CVM", "NUMBA", "JAX"]
SHAPE_MODE = Mode(linker="py", optimizer="fast_run")  # the shape rewrites, without compiling kernels


# -- oracles --------------------------------------------------------------------------------


def padded(x, geometry):
    (top, bottom), (left, right) = geometry.padding
    out = np.zeros(x.shape[:2] + (x.shape[2] + top + bottom, x.shape[3] + left + right), dtype=x.dtype)
    out[:, :, top:top + x.shape[2], left:left + x.shape[3]] = x
    return out


def output_lengths(x_shape, w_shape, geometry):
    """The number of window positions that fit along each axis, by trying each one."""
    lengths = []
    for axis in (0, 1):
        size = x_shape[2 + axis] + sum(geometry.padding[axis])
        span = geometry.dilation[axis] * (w_shape[2 + axis] - 1) + 1
        lengths.append(sum(1 for o in range(size + 1) if o * geometry.stride[axis] + span <= size))
    return tuple(lengths)


def window(array, r, q, kernel, geometry):
    """The window of output position (r, q) of a padded array: ``(batch, channels, kh, kw)``."""
    (sh, sw), (dh, dw), (kh, kw) = geometry.stride, geometry.dilation, kernel
    return array[:, :, r * sh:r * sh + dh * (kh - 1) + 1:dh, q * sw:q * sw + dw * (kw - 1) + 1:dw]


def conv_oracle(x, w, geometry):
    """``out[b, o, r, q] = sum of window(r, q)[b, c, i, j] * w[o, c, i, j]``."""
    xp = padded(x, geometry)
    out_h, out_w = output_lengths(x.shape, w.shape, geometry)
    out = np.zeros((x.shape[0], w.shape[0], out_h, out_w))
    for r in range(out_h):
        for q in range(out_w):
            out[:, :, r, q] = np.einsum("bcij,ocij->bo", window(xp, r, q, w.shape[2:], geometry), w)
    return out


def input_grad_oracle(g, w, x_shape, geometry):
    """d<conv(x, w), g>/dx: each output position's gradient sent back through its window."""
    gxp = padded(np.zeros(x_shape), geometry)
    for r in range(g.shape[2]):
        for q in range(g.shape[3]):
            window(gxp, r, q, w.shape[2:], geometry)[...] += np.einsum("bo,ocij->bcij", g[:, :, r, q], w)
    (top, _), (left, _) = geometry.padding
    return gxp[:, :, top:top + x_shape[2], left:left + x_shape[3]]


def filter_grad_oracle(x, g, w_shape, geometry):
    """d<conv(x, w), g>/dw: each window weighted by its output position's gradient."""
    xp = padded(x, geometry)
    gw = np.zeros(w_shape)
    for r in range(g.shape[2]):
        for q in range(g.shape[3]):
            gw += np.einsum("bo,bcij->ocij", g[:, :, r, q], window(xp, r, q, w_shape[2:], geometry))
    return gw


def test_the_oracle_is_scipys_correlation_for_stride_one_without_padding():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 2))
    expected = np.array([
        [sum(scipy.signal.correlate2d(x[b, c], w[o, c], mode="valid") for c in range(3)) for o in range(4)]
        for b in range(2)
    ])
    np.testing.assert_allclose(conv_oracle(x, w, Geometry()), expected, rtol=1e-12)


# -- helpers --------------------------------------------------------------------------------


def values(case, seed=0, dtype="float64"):
    geometry, x_shape, w_shape = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    g = rng.standard_normal((x_shape[0], w_shape[0], *output_lengths(x_shape, w_shape, geometry))).astype(dtype)
    return x, w, g


def dynamic(dtype="float64", name=None):
    return pt.tensor(dtype=dtype, shape=(None,) * 4, name=name)


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request):
    return CASES[request.param]


# -- forward --------------------------------------------------------------------------------


def test_forward_is_the_correlation_of_each_window_with_the_filters(case):
    geometry, _, _ = case
    x_value, w_value, _ = values(case)
    x, w = dynamic(), dynamic()
    out = pytensor.function([x, w], Conv2dOp(geometry)(x, w))(x_value, w_value)
    np.testing.assert_allclose(out, conv_oracle(x_value, w_value, geometry), rtol=1e-12, atol=1e-12)


def test_filters_are_not_flipped():
    x, w = dynamic(), dynamic()
    image = np.zeros((1, 1, 3, 3))
    image[0, 0, 0, 0] = 1.0  # the top-left entry meets the top-left tap only
    filters = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    out = pytensor.function([x, w], Conv2dOp(Geometry())(x, w))(image, filters)
    np.testing.assert_array_equal(out[0, 0], [[1.0, 0.0], [0.0, 0.0]])


# -- gradients ------------------------------------------------------------------------------


def test_gradient_of_a_convolution_is_its_input_and_filter_gradient_ops():
    x, w = dynamic(), dynamic()
    gx, gw = pytensor.grad(Conv2dOp(Geometry(stride=(2, 1)))(x, w).sum(), [x, w])
    assert isinstance(gx.owner.op, Conv2dInputGrad) and gx.owner.op.geometry == Geometry(stride=(2, 1))
    assert isinstance(gw.owner.op, Conv2dFilterGrad) and gw.owner.op.geometry == Geometry(stride=(2, 1))


def test_input_gradient_sends_each_output_gradient_back_through_its_window(case):
    geometry, x_shape, _ = case
    x_value, w_value, g_value = values(case)
    x, w, g = dynamic(), dynamic(), dynamic()
    gx = pytensor.grad((Conv2dOp(geometry)(x, w) * g).sum(), x)
    got = pytensor.function([x, w, g], gx)(x_value, w_value, g_value)
    np.testing.assert_allclose(got, input_grad_oracle(g_value, w_value, x_shape, geometry), rtol=1e-12, atol=1e-12)


def test_filter_gradient_weighs_each_window_by_its_output_gradient(case):
    geometry, _, w_shape = case
    x_value, w_value, g_value = values(case)
    x, w, g = dynamic(), dynamic(), dynamic()
    gw = pytensor.grad((Conv2dOp(geometry)(x, w) * g).sum(), w)
    got = pytensor.function([x, w, g], gw)(x_value, w_value, g_value)
    np.testing.assert_allclose(got, filter_grad_oracle(x_value, g_value, w_shape, geometry), rtol=1e-12, atol=1e-12)


def test_the_gradient_ops_are_the_adjoints_of_the_convolution(case):
    # <conv(x, w), g> == <x, input_grad(g, w)> == <w, filter_grad(x, g)>
    geometry, _, _ = case
    x_value, w_value, g_value = values(case, seed=3)
    x, w, g = dynamic(), dynamic(), dynamic()
    outputs = [Conv2dOp(geometry)(x, w), Conv2dInputGrad(geometry)(g, w, x), Conv2dFilterGrad(geometry)(x, g, w)]
    y, gx, gw = pytensor.function([x, w, g], outputs)(x_value, w_value, g_value)
    forward = np.vdot(y, g_value)
    np.testing.assert_allclose(np.vdot(x_value, gx), forward, rtol=1e-12)
    np.testing.assert_allclose(np.vdot(w_value, gw), forward, rtol=1e-12)


def test_the_input_gradient_of_a_strided_convolution_is_zero_where_no_window_reads():
    x_value, w_value, g_value = values(CASES["stride"])
    x, w, g = dynamic(), dynamic(), dynamic()
    gx = pytensor.function([x, w, g], Conv2dInputGrad(Geometry(stride=(2, 3)))(g, w, x))(x_value, w_value, g_value)
    # Windows of 3 rows, 2 apart, cover rows 0-6; windows of 2 columns, 3 apart, columns 0, 1, 3, 4, 6, 7.
    read = np.zeros(x_value.shape, dtype=bool)
    read[:, :, :7, [0, 1, 3, 4, 6, 7]] = True
    assert gx.shape == x_value.shape
    assert (gx[~read] == 0).all() and (gx[read] != 0).all()


@pytest.mark.parametrize("case_id", ["plain", "everything", "asymmetric-padding", "dilation"])
def test_gradient_matches_finite_differences(case_id):
    geometry, _, _ = CASES[case_id]
    x_value, w_value, _ = values(CASES[case_id], seed=4)
    verify_grad(lambda x, w: Conv2dOp(geometry)(x, w), [x_value, w_value], rng=np.random.default_rng(5))


@pytest.mark.parametrize("case_id", ["plain", "everything", "dilation"])
@pytest.mark.parametrize("wrt", ["x", "w"])
def test_gradient_of_the_gradient_matches_finite_differences(case_id, wrt):
    # The gradient of 0.5 * |conv(x, w)|^2 depends on x and on w: its own gradient
    # runs through the pullbacks of both gradient Ops.
    geometry, _, _ = CASES[case_id]
    x_value, w_value, _ = values(CASES[case_id], seed=6)

    def gradient(x, w):
        y = Conv2dOp(geometry)(x, w)
        return pytensor.grad(0.5 * (y**2).sum(), x if wrt == "x" else w)

    verify_grad(gradient, [x_value, w_value], rng=np.random.default_rng(7))


@pytest.mark.parametrize("op", [Conv2dInputGrad, Conv2dFilterGrad])
def test_the_gradient_ops_do_not_differentiate_the_input_they_read_the_shape_of(op):
    a, b, shape_of = dynamic(), dynamic(), dynamic()
    out = op(Geometry())(a, b, shape_of)
    assert op(Geometry()).connection_pattern(out.owner) == [[True], [True], [False]]
    with pytest.raises(DisconnectedInputError):
        pytensor.grad(out.sum(), shape_of)


# -- shapes ---------------------------------------------------------------------------------


def test_static_output_shape_follows_from_static_input_shapes(case):
    geometry, x_shape, w_shape = case
    y = Conv2dOp(geometry)(pt.tensor(dtype="float64", shape=x_shape), pt.tensor(dtype="float64", shape=w_shape))
    assert y.type.shape == (x_shape[0], w_shape[0], *output_lengths(x_shape, w_shape, geometry))


def test_static_output_shape_leaves_unknown_what_the_inputs_leave_unknown():
    geometry = Geometry(stride=(2, 1))
    x = pt.tensor(dtype="float64", shape=(None, 3, 8, None))
    assert Conv2dOp(geometry)(x, pt.tensor(dtype="float64", shape=(4, 3, 3, 2))).type.shape == (None, 4, 3, None)
    assert Conv2dOp(geometry)(x, pt.tensor(dtype="float64", shape=(None, 3, None, 2))).type.shape == (
        None, None, None, None,
    )


def test_padding_lets_a_static_input_shorter_than_the_kernel_through():
    geometry = Geometry(padding=((1, 0), (0, 1)))
    x, w = pt.tensor(dtype="float64", shape=(1, 1, 2, 2)), pt.tensor(dtype="float64", shape=(1, 1, 3, 3))
    y = Conv2dOp(geometry)(x, w)
    assert y.type.shape == (1, 1, 1, 1)


def test_gradient_ops_have_the_static_shape_of_the_input_they_read_the_shape_of():
    g = pt.tensor(dtype="float64", shape=(None, 4, None, None))
    x = pt.tensor(dtype="float64", shape=(2, 3, 8, None))
    w = pt.tensor(dtype="float64", shape=(4, 3, None, 2))
    assert Conv2dInputGrad(Geometry())(g, w, x).type.shape == (2, 3, 8, None)
    assert Conv2dFilterGrad(Geometry())(x, g, w).type.shape == (4, 3, None, 2)


def test_the_shape_of_a_convolution_is_computed_without_running_it(case):
    geometry, x_shape, w_shape = case
    x, w = dynamic(), dynamic()
    f = pytensor.function([x, w], Conv2dOp(geometry)(x, w).shape, mode=SHAPE_MODE)
    assert not [node for node in f.maker.fgraph.apply_nodes if isinstance(node.op, Conv2dOp)]
    x_value, w_value, _ = values(case)
    assert tuple(f(x_value, w_value)) == (x_shape[0], w_shape[0], *output_lengths(x_shape, w_shape, geometry))


@pytest.mark.parametrize("op", [Conv2dInputGrad, Conv2dFilterGrad])
def test_the_shape_of_a_gradient_op_is_computed_without_running_it(op):
    geometry, x_shape, w_shape = CASES["everything"]
    x_value, w_value, g_value = values(CASES["everything"])
    x, w, g = dynamic(), dynamic(), dynamic()
    out = Conv2dInputGrad(geometry)(g, w, x) if op is Conv2dInputGrad else Conv2dFilterGrad(geometry)(x, g, w)
    f = pytensor.function([x, w, g], out.shape, mode=SHAPE_MODE, on_unused_input="ignore")
    assert not [node for node in f.maker.fgraph.apply_nodes if isinstance(node.op, op)]
    assert tuple(f(x_value, w_value, g_value)) == (x_shape if op is Conv2dInputGrad else w_shape)


# -- dtypes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x_dtype, w_dtype, expected",
    [
        ("float32", "float32", "float32"),
        ("float64", "float32", "float64"),
        ("float32", "float64", "float64"),
        ("int8", "float32", "float32"),
        ("int64", "float32", "float64"),
    ],
)
def test_the_convolution_computes_in_the_inputs_upcast_float_dtype(x_dtype, w_dtype, expected):
    x, w, g = dynamic(x_dtype), dynamic(w_dtype), dynamic(expected)
    y = Conv2dOp(Geometry())(x, w)
    assert y.dtype == expected
    assert Conv2dInputGrad(Geometry())(g, w, x).dtype == expected
    assert Conv2dFilterGrad(Geometry())(x, g, w).dtype == expected


def test_float32_gradients_stay_float32():
    x, w = dynamic("float32"), dynamic("float32")
    gx, gw = pytensor.grad(Conv2dOp(Geometry())(x, w).sum(), [x, w])
    assert gx.dtype == gw.dtype == "float32"
    values_ = pytensor.function([x, w], [gx, gw])(np.ones((1, 1, 3, 3), "float32"), np.ones((1, 1, 2, 2), "float32"))
    assert [v.dtype for v in values_] == [np.float32, np.float32]


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_integer_inputs_become_floatx(floatx):
    with pytensor.config.change_flags(floatX=floatx):
        x, w = dynamic("int8"), dynamic("int8")
        y = Conv2dOp(Geometry())(x, w)
        assert y.dtype == floatx
        x_value = np.arange(16, dtype="int8").reshape(1, 1, 4, 4)
        w_value = np.array([[[[1, -1], [2, 0]]]], dtype="int8")
        out = pytensor.function([x, w], y)(x_value, w_value)
    assert out.dtype == floatx
    np.testing.assert_array_equal(out, conv_oracle(x_value.astype(float), w_value.astype(float), Geometry()))


# -- refusals -------------------------------------------------------------------------------


CHANNELS = (
    "the input has 2 channels (axis 1) but the filters expect 3 (their axis 1): "
    "give images of 3 channels, or filters of shape (out, 2, kh, kw)"
)
SHORT_HEIGHT = (
    "the input's height is 2 (2 padded), shorter than one window's span of 3: "
    "pad the input or use a smaller kernel or dilation"
)
SHORT_WIDTH = (
    "the input's width is 3 (4 padded), shorter than one window's span of 5: "
    "pad the input or use a smaller kernel or dilation"
)
SHORT_WIDTH_GEOMETRY = Geometry(padding=((0, 0), (1, 0)), dilation=(1, 2))  # kernel 3 spans 5
# refusal -> (geometry, x shape, w shape, message)
REFUSALS = {
    "channels": (Geometry(), (1, 2, 5, 5), (1, 3, 2, 2), CHANNELS),
    "short-height": (Geometry(), (1, 1, 2, 9), (1, 1, 3, 3), SHORT_HEIGHT),
    "short-width": (SHORT_WIDTH_GEOMETRY, (1, 1, 9, 3), (1, 1, 3, 3), SHORT_WIDTH),
}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_static_shapes_that_cannot_be_convolved_are_refused_when_the_graph_is_built(refusal):
    geometry, x_shape, w_shape, message = REFUSALS[refusal]
    x = pt.tensor(dtype="float64", shape=(None, x_shape[1], *x_shape[2:]))
    w = pt.tensor(dtype="float64", shape=(None, *w_shape[1:]))
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Conv2dOp(geometry)(x, w)


@pytest.fixture(scope="module", params=MODES)
def compiled(request):
    """``{geometry: function of (x, w)}`` over dynamic shapes, compiled once per mode."""
    if request.param == "JAX":
        need("jax")
    x, w = dynamic(name="x"), dynamic(name="w")
    geometries = {geometry for geometry, *_ in REFUSALS.values()}
    return request.param, {g: symmodule.function([x, w], Conv2dOp(g)(x, w), mode=request.param) for g in geometries}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_shapes_that_cannot_be_convolved_are_refused_when_the_function_runs(compiled, refusal):
    mode, functions = compiled
    geometry, x_shape, w_shape, message = REFUSALS[refusal]
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        functions[geometry](np.ones(x_shape), np.ones(w_shape))
    # symmodule explains the error; the Op's own error, raised by the mode's kernel, is its cause.
    assert type(raised.value.__cause__) is ValueError and str(raised.value.__cause__) == message, mode


@pytest.mark.parametrize("position", [0, 1])
@pytest.mark.parametrize("ndim", [3, 5])
def test_an_input_that_is_not_4_d_is_a_type_error(position, ndim):
    inputs = [dynamic(), dynamic()]
    inputs[position] = pt.tensor(dtype="float64", shape=(None,) * ndim)
    with pytest.raises(TypeError, match="Conv2dOp takes 4-d tensors"):
        Conv2dOp(Geometry())(*inputs)


@pytest.mark.parametrize("op", [Conv2dInputGrad, Conv2dFilterGrad])
def test_a_gradient_op_input_that_is_not_4_d_is_a_type_error(op):
    with pytest.raises(TypeError, match=f"{op.__name__} takes 4-d tensors"):
        op(Geometry())(dynamic(), pt.dmatrix(), dynamic())


def test_a_complex_input_is_a_type_error():
    with pytest.raises(TypeError, match="compute in float32 or float64, not complex128"):
        Conv2dOp(Geometry())(dynamic("complex128"), dynamic())


def test_a_geometry_of_lists_makes_the_same_op_as_one_of_tuples():
    op = Conv2dOp(Geometry(stride=[2, 2], padding=[[1, 0], [0, 1]], dilation=[1, 2]))
    assert op == Conv2dOp(Geometry((2, 2), ((1, 0), (0, 1)), (1, 2)))
    assert hash(op) == hash(Conv2dOp(Geometry((2, 2), ((1, 0), (0, 1)), (1, 2))))
