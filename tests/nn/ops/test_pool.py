"""Pool2dOp and Pool2dGrad against NumPy oracles written by the definition; ties, NaN, shapes, refusals.

The oracles loop over the windows; the Ops' NumPy code (FAST_COMPILE) is
checked against them here, the other modes against that in ``test_backends.py``.
"""

import re

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from extras import need
from pytensor.compile.mode import Mode
from pytensor.gradient import verify_grad

import symmodule
from symmodule.nn.ops import MaxPool2dGradGrad, Pool2dGrad, Pool2dOp

# (kernel, stride, x shape)
CASES = {
    "non-overlapping": ((2, 2), (2, 2), (2, 3, 4, 6)),
    "overlapping": ((3, 3), (1, 1), (1, 2, 5, 6)),
    "not-a-multiple-of-the-stride": ((3, 2), (2, 1), (2, 2, 8, 5)),  # the last row is in no window
    "stride-past-the-kernel": ((2, 1), (3, 2), (1, 2, 7, 6)),  # rows and columns between windows
    "one-window": ((3, 4), (1, 1), (2, 1, 3, 4)),
}
REDUCTIONS = ["max", "mean"]
MODES = ["FAST_COMPILE", "CVM", "NUMBA", "JAX"]
SHAPE_MODE = Mode(linker="py", optimizer="fast_run")


# -- oracles --------------------------------------------------------------------------------


def output_lengths(x_shape, kernel, stride):
    """The number of windows that fit along each axis, by trying each start."""
    return tuple(
        sum(1 for o in range(x_shape[2 + a] + 1) if o * stride[a] + kernel[a] <= x_shape[2 + a]) for a in (0, 1)
    )


def window(kernel, stride, r, q):
    (kh, kw), (sh, sw) = kernel, stride
    return slice(r * sh, r * sh + kh), slice(q * sw, q * sw + kw)


def pool_oracle(x, kernel, stride, reduction):
    """``np.max`` or ``np.mean`` of each window."""
    out_h, out_w = output_lengths(x.shape, kernel, stride)
    reduce = np.max if reduction == "max" else np.mean
    out = np.empty(x.shape[:2] + (out_h, out_w), dtype=x.dtype)
    for r in range(out_h):
        for q in range(out_w):
            out[:, :, r, q] = reduce(x[(slice(None), slice(None), *window(kernel, stride, r, q))], axis=(2, 3))
    return out


def pool_grad_oracle(x, g, kernel, stride, reduction):
    """Each window's gradient, added to every input equal to its maximum, or shared by its inputs."""
    gx = np.zeros_like(x)
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            for r in range(g.shape[2]):
                for q in range(g.shape[3]):
                    rows, cols = window(kernel, stride, r, q)
                    entries = x[b, c, rows, cols]
                    if reduction == "max":
                        gx[b, c, rows, cols] += np.where(entries == entries.max(), g[b, c, r, q], 0.0)
                    else:
                        gx[b, c, rows, cols] += g[b, c, r, q] / entries.size
    return gx


# -- helpers --------------------------------------------------------------------------------


def dynamic(dtype="float64", name=None):
    return pt.tensor(dtype=dtype, shape=(None,) * 4, name=name)


def distinct(shape, seed=0):
    """Values without ties, at least 0.1 apart (finite differences keep each window's maximum)."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01)


def gradient_values(case, seed=1):
    kernel, stride, x_shape = case
    return np.random.default_rng(seed).standard_normal(x_shape[:2] + output_lengths(x_shape, kernel, stride))


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request):
    return CASES[request.param]


@pytest.fixture(params=REDUCTIONS)
def reduction(request):
    return request.param


# -- forward --------------------------------------------------------------------------------


def test_forward_is_the_reduction_of_each_window(case, reduction):
    kernel, stride, x_shape = case
    x_value = np.random.default_rng(0).standard_normal(x_shape)
    x = dynamic()
    out = pytensor.function([x], Pool2dOp(kernel, stride, reduction)(x))(x_value)
    np.testing.assert_allclose(out, pool_oracle(x_value, kernel, stride, reduction), rtol=1e-12, atol=1e-15)


def test_nan_propagates_through_max_as_in_numpys_max():
    x_value = np.random.default_rng(0).standard_normal((1, 2, 4, 5))
    x_value[0, 0, 0, 0] = np.nan  # the first entry of its window
    x_value[0, 0, 3, 4] = np.nan  # the last entry of its window
    x_value[0, 1, 1, 2] = np.nan  # in two overlapping windows
    x = dynamic()
    out = pytensor.function([x], Pool2dOp((2, 2), (1, 1), "max")(x))(x_value)
    expected = pool_oracle(x_value, (2, 2), (1, 1), "max")
    assert np.isnan(expected).sum() == 1 + 1 + 4
    np.testing.assert_array_equal(out, expected)


# -- gradients ------------------------------------------------------------------------------


def test_gradient_of_pooling_is_the_pool_gradient_op(reduction):
    x = dynamic()
    out = Pool2dOp((2, 3), (1, 2), reduction)(x)
    gx = pytensor.grad(out.sum(), x)
    assert gx.owner.op == Pool2dGrad((2, 3), (1, 2), reduction)
    assert gx.owner.inputs[:2] == [x, out]


def test_gradient_adds_each_windows_gradient_where_it_came_from(case, reduction):
    kernel, stride, x_shape = case
    # Few distinct values: most windows of the maximum hold ties.
    x_value = np.random.default_rng(2).integers(0, 3, x_shape).astype("float64")
    g_value = gradient_values(case)
    x, g = dynamic(), dynamic()
    gx = pytensor.grad((Pool2dOp(kernel, stride, reduction)(x) * g).sum(), x)
    got = pytensor.function([x, g], gx)(x_value, g_value)
    np.testing.assert_allclose(got, pool_grad_oracle(x_value, g_value, kernel, stride, reduction), rtol=1e-12)


def test_every_input_tied_for_a_windows_maximum_gets_the_full_gradient():
    x_value = np.array([[[[1.0, 3.0], [3.0, 2.0]]]])
    x = dynamic()
    gx = pytensor.grad(3.0 * Pool2dOp((2, 2), (2, 2), "max")(x).sum(), x)
    np.testing.assert_array_equal(pytensor.function([x], gx)(x_value), [[[[0.0, 3.0], [3.0, 0.0]]]])


def test_an_input_in_overlapping_windows_gets_the_sum_of_their_gradients(reduction):
    # 2x2 windows, stride 1, over 3x3: the centre is in all four windows, and their maximum.
    x_value = np.zeros((1, 1, 3, 3))
    x_value[0, 0, 1, 1] = 5.0
    g_value = np.array([[[[1.0, 2.0], [4.0, 8.0]]]])
    x, g = dynamic(), dynamic()
    gx = pytensor.grad((Pool2dOp((2, 2), (1, 1), reduction)(x) * g).sum(), x)
    got = pytensor.function([x, g], gx)(x_value, g_value)
    if reduction == "max":
        np.testing.assert_array_equal(got[0, 0], [[0.0, 0.0, 0.0], [0.0, 15.0, 0.0], [0.0, 0.0, 0.0]])
    else:
        np.testing.assert_allclose(got[0, 0], [[1, 3, 2], [5, 15, 10], [4, 12, 8]] / np.float64(4), rtol=1e-15)


def test_inputs_in_no_window_get_no_gradient(reduction):
    kernel, stride, x_shape = CASES["stride-past-the-kernel"]  # windows of rows 0-1, 3-4; of columns 0, 2, 4
    x = dynamic()
    gx = pytensor.grad(Pool2dOp(kernel, stride, reduction)(x).sum(), x)
    got = pytensor.function([x], gx)(distinct(x_shape))
    read = np.zeros(x_shape, dtype=bool)
    read[:, :, [0, 1, 3, 4], ::2] = True
    assert not got[~read].any()


@pytest.mark.parametrize("case_id", ["overlapping", "not-a-multiple-of-the-stride", "stride-past-the-kernel"])
def test_gradient_matches_finite_differences(case_id, reduction):
    kernel, stride, x_shape = CASES[case_id]
    verify_grad(lambda x: Pool2dOp(kernel, stride, reduction)(x), [distinct(x_shape)], rng=np.random.default_rng(3))


@pytest.mark.parametrize("case_id", ["overlapping", "not-a-multiple-of-the-stride"])
def test_gradient_of_the_gradient_matches_finite_differences(case_id, reduction):
    # The gradient is linear in the output gradient g (and flat in x away from ties).
    kernel, stride, x_shape = CASES[case_id]

    def gradient(x, g):
        return pytensor.grad((Pool2dOp(kernel, stride, reduction)(x) * g).sum(), x)

    x_value, g_value = distinct(x_shape), gradient_values(CASES[case_id])
    verify_grad(gradient, [x_value, g_value], rng=np.random.default_rng(4))


def test_gradient_of_the_max_gradient_sums_the_cotangent_at_each_windows_maxima():
    x_value = np.array([[[[1.0, 3.0, 0.0], [3.0, 2.0, 3.0]]]])  # windows 2x2, stride 1: maxima 3 (twice), 3 (twice)
    v_value = np.array([[[[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]]])
    x, g, v = dynamic(), dynamic(), dynamic()
    gx = pytensor.grad((Pool2dOp((2, 2), (1, 1), "max")(x) * g).sum(), x)
    gg = pytensor.grad((gx * v).sum(), g)
    got = pytensor.function([x, g, v], gg)(x_value, np.ones((1, 1, 1, 2)), v_value)
    np.testing.assert_array_equal(got, [[[[20.0 + 40.0, 20.0 + 60.0]]]])


def _ops_between(inputs, output):
    return {type(node.op) for node in pytensor.graph.traversal.applys_between(inputs, [output])}


def test_the_max_gradients_pullback_is_an_op_whose_pullback_is_the_max_gradient_again():
    x, g, v, c = dynamic(), dynamic(), dynamic(), dynamic()
    gx = pytensor.grad((Pool2dOp((2, 2), (1, 1), "max")(x) * g).sum(), x)
    assert MaxPool2dGradGrad in _ops_between([x, g, v], pytensor.grad((gx * v).sum(), g))
    out, cotangent = dynamic(), dynamic()
    summed = MaxPool2dGradGrad((2, 2), (1, 1))(x, out, cotangent)
    assert Pool2dGrad in _ops_between([x, out, cotangent, c], pytensor.grad((summed * c).sum(), cotangent))


# -- shapes and dtypes ----------------------------------------------------------------------


def test_static_output_shape_follows_from_the_static_input_shape(case):
    kernel, stride, x_shape = case
    out = Pool2dOp(kernel, stride, "max")(pt.tensor(dtype="float64", shape=x_shape))
    assert out.type.shape == x_shape[:2] + output_lengths(x_shape, kernel, stride)
    partial = Pool2dOp(kernel, stride, "max")(pt.tensor(dtype="float64", shape=(None, 3, x_shape[2], None)))
    assert partial.type.shape == (None, 3, output_lengths(x_shape, kernel, stride)[0], None)


def test_the_shape_of_a_pooling_is_computed_without_running_it(case):
    kernel, stride, x_shape = case
    x = dynamic()
    f = pytensor.function([x], Pool2dOp(kernel, stride, "max")(x).shape, mode=SHAPE_MODE)
    assert not [node for node in f.maker.fgraph.apply_nodes if isinstance(node.op, Pool2dOp)]
    assert tuple(f(np.zeros(x_shape))) == x_shape[:2] + output_lengths(x_shape, kernel, stride)


def test_the_shape_of_a_pool_gradient_is_computed_without_running_it():
    x, out, g = dynamic(), dynamic(), dynamic()
    f = pytensor.function(
        [x, out, g], Pool2dGrad((2, 2), (1, 1), "max")(x, out, g).shape, mode=SHAPE_MODE, on_unused_input="ignore"
    )
    assert not [node for node in f.maker.fgraph.apply_nodes if isinstance(node.op, Pool2dGrad)]
    assert tuple(f(np.zeros((1, 2, 3, 4)), np.zeros((1, 2, 2, 3)), np.zeros((1, 2, 2, 3)))) == (1, 2, 3, 4)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_inputs_keep_their_dtype(dtype, reduction):
    x = dynamic(dtype)
    out = Pool2dOp((2, 2), (2, 2), reduction)(x)
    gx = pytensor.grad(out.sum(), x)
    assert out.dtype == gx.dtype == dtype
    values = pytensor.function([x], [out, gx])(np.ones((1, 1, 2, 2), dtype))
    assert [v.dtype for v in values] == [dtype, dtype]


@pytest.mark.parametrize("floatx", ["float64", "float32"])
def test_integer_inputs_become_floatx(floatx, reduction):
    with pytensor.config.change_flags(floatX=floatx):
        x = dynamic("int8")
        out = Pool2dOp((2, 2), (2, 2), reduction)(x)
        assert out.dtype == floatx
        x_value = np.array([[[[1, 2], [4, 4]]]], dtype="int8")
        got = pytensor.function([x], out)(x_value)
    np.testing.assert_array_equal(got, [[[[4.0 if reduction == "max" else 2.75]]]])


# -- refusals -------------------------------------------------------------------------------


SHORT_HEIGHT = (
    "the input's height is 2 (2 padded), shorter than one window's span of 3: "
    "pad the input or use a smaller kernel or dilation"
)
SHORT_WIDTH = (
    "the input's width is 1 (1 padded), shorter than one window's span of 2: "
    "pad the input or use a smaller kernel or dilation"
)
# refusal -> (kernel, x shape, message)
REFUSALS = {
    "short-height": ((3, 1), (1, 1, 2, 5), SHORT_HEIGHT),
    "short-width": ((1, 2), (1, 1, 4, 1), SHORT_WIDTH),
}


def test_an_unknown_reduction_is_refused():
    with pytest.raises(ValueError, match=re.escape("reduction must be one of ('max', 'mean'), not 'sum'")):
        Pool2dOp((2, 2), (2, 2), "sum")


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_a_static_input_shorter_than_one_window_is_refused_when_the_graph_is_built(refusal):
    kernel, x_shape, message = REFUSALS[refusal]
    x = pt.tensor(dtype="float64", shape=(None, None, *x_shape[2:]))
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        Pool2dOp(kernel, (1, 1), "max")(x)


@pytest.fixture(scope="module", params=MODES)
def compiled(request):
    """``{(kernel, reduction): function of x}`` over dynamic shapes, compiled once per mode."""
    if request.param == "JAX":
        need("jax")
    x = dynamic(name="x")
    ops = {(kernel, r): Pool2dOp(kernel, (1, 1), r) for kernel, _, _ in REFUSALS.values() for r in REDUCTIONS}
    return request.param, {key: symmodule.function([x], op(x), mode=request.param) for key, op in ops.items()}


@pytest.mark.parametrize("refusal", list(REFUSALS))
def test_an_input_shorter_than_one_window_is_refused_when_the_function_runs(compiled, refusal, reduction):
    mode, functions = compiled
    kernel, x_shape, message = REFUSALS[refusal]
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        functions[kernel, reduction](np.ones(x_shape))
    # symmodule explains the error; the Op's own error, raised by the mode's kernel, is its cause.
    assert type(raised.value.__cause__) is ValueError and str(raised.value.__cause__) == message, mode


@pytest.mark.parametrize("ndim", [2, 3, 5])
def test_an_input_that_is_not_4_d_is_a_type_error(ndim):
    with pytest.raises(TypeError, match="Pool2dOp takes a 4-d tensor"):
        Pool2dOp((2, 2), (2, 2), "max")(pt.tensor(dtype="float64", shape=(None,) * ndim))
