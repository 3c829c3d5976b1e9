"""``NN``: values against NumPy, gradients against finite differences, and
finiteness of both for logits of magnitude 1e3, for every public function."""

import doctest

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.gradient import verify_grad

from symmodule.tensor import nnet as NN

MODE = "FAST_COMPILE"

# Rows mixing huge positive, huge negative and ordinary logits; the targets
# pick classes the softmax gives almost no mass to, the worst case for a loss.
LARGE_LOGITS = np.array(
    [[1e3, -1e3, 0.0], [-1e3, 1e3, 999.0], [0.0, 0.0, -1e3]]
)
LARGE_TARGETS = np.array([1, 0, 2])


# ----------------------------------------------------------------- helpers


def compile_(inputs, outputs):
    return pytensor.function(inputs, outputs, mode=MODE)


def check_grad(fun, *points):
    verify_grad(fun, list(points), rng=np.random.default_rng(1234), mode=MODE)


def _projection(out):
    # Uneven weights, so that a sum that is constant (a softmax row) still
    # sends a non-zero gradient back.
    weights = pt.cos(pt.arange(out.size)).reshape(out.shape)
    return pt.sum(out * weights)


def assert_finite_value_and_gradient(inputs, outputs, wrt, values):
    wrt = wrt if isinstance(wrt, list) else [wrt]
    cost = sum(_projection(o) for o in outputs)
    grads = pt.grad(cost, wrt)
    for result in compile_(inputs, [*outputs, *grads])(*values):
        assert np.all(np.isfinite(result)), result


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_nll(x, y):
    return -np.log(np_softmax(x))[np.arange(len(y)), y]


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)


@pytest.fixture
def logits(rng):
    return rng.normal(size=(4, 5))


@pytest.fixture
def classes(rng):
    return rng.integers(0, 5, size=4)


# ----------------------------------------------------------------- module


def test_all_lists_callable_public_functions():
    assert all(callable(getattr(NN, name)) for name in NN.__all__)


def test_docstring_examples_run():
    with pytensor.config.change_flags(mode=MODE):
        result = doctest.testmod(NN, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------- sigmoid


def test_sigmoid_matches_numpy(logits):
    x = pt.dmatrix()
    np.testing.assert_allclose(compile_([x], NN.sigmoid(x))(logits), np_sigmoid(logits))


def test_sigmoid_gradient_matches_finite_differences(logits):
    check_grad(NN.sigmoid, logits)


def test_sigmoid_is_finite_with_finite_gradient_for_large_logits():
    x = pt.dmatrix()
    assert_finite_value_and_gradient([x], [NN.sigmoid(x)], x, [LARGE_LOGITS])


# ---------------------------------------------------------------- softplus


def test_softplus_matches_numpy(logits):
    x = pt.dmatrix()
    np.testing.assert_allclose(
        compile_([x], NN.softplus(x))(logits), np.log1p(np.exp(logits))
    )


def test_softplus_gradient_matches_finite_differences(logits):
    check_grad(NN.softplus, logits)


def test_softplus_is_finite_with_finite_gradient_for_large_logits():
    x = pt.dmatrix()
    assert_finite_value_and_gradient([x], [NN.softplus(x)], x, [LARGE_LOGITS])


def test_softplus_of_large_logit_is_the_logit():
    x = pt.dvector()
    np.testing.assert_allclose(compile_([x], NN.softplus(x))(np.array([1e3])), [1e3])


# -------------------------------------------------------------------- relu


def test_relu_matches_numpy(logits):
    x = pt.dmatrix()
    np.testing.assert_allclose(compile_([x], NN.relu(x))(logits), np.maximum(logits, 0))


def test_leaky_relu_matches_numpy(logits):
    x = pt.dmatrix()
    expected = np.where(logits > 0, logits, 0.1 * logits)
    np.testing.assert_allclose(compile_([x], NN.relu(x, alpha=0.1))(logits), expected)


def test_relu_gradient_matches_finite_differences(logits):
    # Keep every point well away from the kink at 0.
    away_from_zero = logits + np.sign(logits) * 0.1
    check_grad(lambda x: NN.relu(x, alpha=0.1), away_from_zero)


def test_relu_is_finite_with_finite_gradient_for_large_logits():
    x = pt.dmatrix()
    assert_finite_value_and_gradient([x], [NN.relu(x)], x, [LARGE_LOGITS])


# ----------------------------------------------------------------- softmax


def test_softmax_of_matrix_normalises_each_row(logits):
    x = pt.dmatrix()
    np.testing.assert_allclose(compile_([x], NN.softmax(x))(logits), np_softmax(logits))


def test_softmax_normalises_along_given_axis(logits):
    x = pt.dmatrix()
    np.testing.assert_allclose(
        compile_([x], NN.softmax(x, axis=0))(logits), np_softmax(logits, axis=0)
    )


def test_softmax_gradient_matches_finite_differences(logits):
    check_grad(NN.softmax, logits)


def test_softmax_is_finite_with_finite_gradient_for_large_logits():
    x = pt.dmatrix()
    assert_finite_value_and_gradient([x], [NN.softmax(x)], x, [LARGE_LOGITS])


def test_softmax_of_large_logits_matches_stable_numpy():
    x = pt.dmatrix()
    np.testing.assert_allclose(
        compile_([x], NN.softmax(x))(LARGE_LOGITS), np_softmax(LARGE_LOGITS)
    )


# ----------------------------------------------------- binary_crossentropy


def np_binary_crossentropy(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def test_binary_crossentropy_of_sigmoid_matches_numpy(logits, rng):
    z, t = pt.dmatrices("zt")
    target = rng.uniform(size=logits.shape)
    f = compile_([z, t], NN.binary_crossentropy(NN.sigmoid(z), t))
    np.testing.assert_allclose(
        f(logits, target), np_binary_crossentropy(np_sigmoid(logits), target)
    )


def test_binary_crossentropy_of_probabilities_matches_numpy(rng):
    p, t = pt.dmatrices("pt")
    prob = rng.uniform(0.05, 0.95, size=(4, 5))
    target = rng.uniform(size=(4, 5))
    f = compile_([p, t], NN.binary_crossentropy(p, t))
    np.testing.assert_allclose(f(prob, target), np_binary_crossentropy(prob, target))


def test_binary_crossentropy_gradient_through_sigmoid_matches_finite_differences(
    logits, rng
):
    target = rng.uniform(size=logits.shape)
    check_grad(lambda z: NN.binary_crossentropy(NN.sigmoid(z), target), logits)


def test_binary_crossentropy_gradient_wrt_probabilities_matches_finite_differences(
    rng,
):
    prob = rng.uniform(0.05, 0.95, size=(4, 5))
    target = rng.uniform(size=(4, 5))
    check_grad(lambda p: NN.binary_crossentropy(p, target), prob)


def test_binary_crossentropy_of_sigmoid_is_finite_with_finite_gradient_for_large_logits():
    z = pt.dmatrix()
    targets = np.array([[0.0, 1.0, 0.5]] * 3)
    loss = NN.binary_crossentropy(NN.sigmoid(z), targets)
    assert_finite_value_and_gradient([z], [loss], z, [LARGE_LOGITS])


def test_binary_crossentropy_of_saturated_sigmoid_is_the_logit():
    # log(1 - sigmoid(1000)) computed naively is log(0) = -inf.
    z, t = pt.dvectors("zt")
    f = compile_([z, t], NN.binary_crossentropy(NN.sigmoid(z), t))
    np.testing.assert_allclose(f(np.array([1e3, -1e3]), np.array([0.0, 1.0])), [1e3, 1e3])


def test_binary_crossentropy_of_certain_correct_probability_is_zero_not_nan():
    p, t = pt.dvectors("pt")
    f = compile_([p, t], NN.binary_crossentropy(p, t))
    np.testing.assert_array_equal(f(np.array([0.0, 1.0]), np.array([0.0, 1.0])), [0.0, 0.0])


def test_binary_crossentropy_gradient_at_certain_correct_probability_is_finite():
    p, t = pt.dvectors("pt")
    loss = NN.binary_crossentropy(p, t)
    assert_finite_value_and_gradient(
        [p, t], [loss], p, [np.array([0.0, 1.0]), np.array([0.0, 1.0])]
    )


# ------------------------------------------------ categorical_crossentropy


def one_hot(y, n):
    return np.eye(n)[y]


def test_categorical_crossentropy_with_distributions_matches_numpy(logits, rng):
    p, t = pt.dmatrices("pt")
    prob = np_softmax(logits)
    target = np_softmax(rng.normal(size=logits.shape))
    f = compile_([p, t], NN.categorical_crossentropy(p, t))
    np.testing.assert_allclose(f(prob, target), -(target * np.log(prob)).sum(axis=1))


def test_categorical_crossentropy_with_class_indices_matches_numpy(logits, classes):
    p, y = pt.dmatrix("p"), pt.lvector("y")
    prob = np_softmax(logits)
    f = compile_([p, y], NN.categorical_crossentropy(p, y))
    np.testing.assert_allclose(f(prob, classes), -np.log(prob[np.arange(4), classes]))


def test_categorical_crossentropy_of_softmax_with_class_indices_matches_numpy(
    logits, classes
):
    x, y = pt.dmatrix("x"), pt.lvector("y")
    f = compile_([x, y], NN.categorical_crossentropy(NN.softmax(x), y))
    np.testing.assert_allclose(f(logits, classes), np_nll(logits, classes))


def test_categorical_crossentropy_one_hot_and_index_targets_agree(logits, classes):
    x, y, t = pt.dmatrix("x"), pt.lvector("y"), pt.dmatrix("t")
    sm = NN.softmax(x)
    f = compile_(
        [x, y, t],
        [NN.categorical_crossentropy(sm, y), NN.categorical_crossentropy(sm, t)],
    )
    by_index, by_one_hot = f(logits, classes, one_hot(classes, 5))
    np.testing.assert_allclose(by_index, by_one_hot)


def test_categorical_crossentropy_gradient_through_softmax_with_indices_matches_finite_differences(
    logits, classes
):
    check_grad(lambda x: NN.categorical_crossentropy(NN.softmax(x), classes), logits)


def test_categorical_crossentropy_gradient_through_softmax_with_distributions_matches_finite_differences(
    logits, rng
):
    target = np_softmax(rng.normal(size=logits.shape))
    check_grad(lambda x: NN.categorical_crossentropy(NN.softmax(x), target), logits)


def test_categorical_crossentropy_gradient_wrt_probabilities_matches_finite_differences(
    logits, classes, rng
):
    target = np_softmax(rng.normal(size=logits.shape))
    check_grad(lambda p: NN.categorical_crossentropy(p, target), np_softmax(logits))
    check_grad(lambda p: NN.categorical_crossentropy(p, classes), np_softmax(logits))


def test_categorical_crossentropy_of_softmax_is_finite_with_finite_gradient_for_large_logits():
    x, y, t = pt.dmatrix("x"), pt.lvector("y"), pt.dmatrix("t")
    sm = NN.softmax(x)
    losses = [NN.categorical_crossentropy(sm, y), NN.categorical_crossentropy(sm, t)]
    values = [LARGE_LOGITS, LARGE_TARGETS, one_hot(LARGE_TARGETS, 3)]
    assert_finite_value_and_gradient([x, y, t], losses, x, values)


def test_categorical_crossentropy_of_softmax_of_large_logits_matches_logit_gap():
    x, y = pt.dmatrix("x"), pt.lvector("y")
    f = compile_([x, y], NN.categorical_crossentropy(NN.softmax(x), y))
    # Row 0: target logit -1e3 against a maximum of 1e3.
    np.testing.assert_allclose(f(LARGE_LOGITS, LARGE_TARGETS)[0], 2e3)


def test_categorical_crossentropy_of_zero_probability_outside_target_is_finite():
    p, t = pt.dmatrices("pt")
    f = compile_([p, t], NN.categorical_crossentropy(p, t))
    np.testing.assert_array_equal(f(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])), [0.0])


def test_categorical_crossentropy_gradient_at_zero_probability_outside_target_is_finite():
    p, t = pt.dmatrices("pt")
    loss = NN.categorical_crossentropy(p, t)
    values = [np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]])]
    assert_finite_value_and_gradient([p, t], [loss], p, values)


def test_categorical_crossentropy_rejects_rank_mismatch():
    with pytest.raises(TypeError, match="rank"):
        NN.categorical_crossentropy(pt.dmatrix(), pt.dtensor3())


def test_categorical_crossentropy_rejects_float_class_indices():
    with pytest.raises(TypeError, match="integers"):
        NN.categorical_crossentropy(pt.dmatrix(), pt.dvector())


# ----------------------------------------------- crossentropy_softmax_1hot


def test_crossentropy_softmax_1hot_matches_numpy(logits, classes):
    x, y = pt.dmatrix("x"), pt.lvector("y")
    nll, sm = compile_([x, y], list(NN.crossentropy_softmax_1hot(x, y)))(logits, classes)
    np.testing.assert_allclose(nll, np_nll(logits, classes))
    np.testing.assert_allclose(sm, np_softmax(logits))


def test_crossentropy_softmax_1hot_gradient_matches_finite_differences(logits, classes):
    check_grad(lambda x: NN.crossentropy_softmax_1hot(x, classes)[0], logits)
    check_grad(lambda x: NN.crossentropy_softmax_1hot(x, classes)[1], logits)


def test_crossentropy_softmax_1hot_is_finite_with_finite_gradient_for_large_logits():
    x, y = pt.dmatrix("x"), pt.lvector("y")
    outs = list(NN.crossentropy_softmax_1hot(x, y))
    assert_finite_value_and_gradient([x, y], outs, x, [LARGE_LOGITS, LARGE_TARGETS])


def test_crossentropy_softmax_1hot_rejects_float_class_indices():
    with pytest.raises(TypeError, match="integers"):
        NN.crossentropy_softmax_1hot(pt.dmatrix(), pt.dvector())


# ------------------------------------- crossentropy_softmax_1hot_with_bias


def test_crossentropy_softmax_1hot_with_bias_matches_numpy(logits, classes, rng):
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    bias = rng.normal(size=5)
    f = compile_([x, b, y], list(NN.crossentropy_softmax_1hot_with_bias(x, b, y)))
    nll, sm = f(logits, bias, classes)
    np.testing.assert_allclose(nll, np_nll(logits + bias, classes))
    np.testing.assert_allclose(sm, np_softmax(logits + bias))


def test_crossentropy_softmax_1hot_with_bias_gradient_matches_finite_differences(
    logits, classes, rng
):
    bias = rng.normal(size=5)
    check_grad(
        lambda x, b: NN.crossentropy_softmax_1hot_with_bias(x, b, classes)[0], logits, bias
    )


def test_crossentropy_softmax_1hot_with_bias_is_finite_with_finite_gradient_for_large_logits():
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    outs = list(NN.crossentropy_softmax_1hot_with_bias(x, b, y))
    values = [LARGE_LOGITS, np.array([0.0, 1e3, -1e3]), LARGE_TARGETS]
    assert_finite_value_and_gradient([x, b, y], outs, [x, b], values)


# ------------------------------ crossentropy_softmax_argmax_1hot_with_bias


def test_crossentropy_softmax_argmax_1hot_with_bias_matches_numpy(logits, classes, rng):
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    bias = rng.normal(size=5)
    f = compile_([x, b, y], list(NN.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)))
    nll, sm, am = f(logits, bias, classes)
    np.testing.assert_allclose(nll, np_nll(logits + bias, classes))
    np.testing.assert_allclose(sm, np_softmax(logits + bias))
    np.testing.assert_array_equal(am, np.argmax(logits + bias, axis=1))


def test_crossentropy_softmax_argmax_1hot_with_bias_gradient_matches_finite_differences(
    logits, classes, rng
):
    bias = rng.normal(size=5)

    def nll(x, b):
        return NN.crossentropy_softmax_argmax_1hot_with_bias(x, b, classes)[0]

    check_grad(nll, logits, bias)


def test_crossentropy_softmax_argmax_1hot_with_bias_is_finite_with_finite_gradient_for_large_logits():
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    nll, sm, am = NN.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    values = [LARGE_LOGITS, np.array([0.0, 1e3, -1e3]), LARGE_TARGETS]
    assert_finite_value_and_gradient([x, b, y], [nll, sm], [x, b], values)


# -------------------------------- crossentropy_softmax_max_and_argmax_1hot


def test_crossentropy_softmax_max_and_argmax_1hot_matches_numpy(logits, classes):
    x, y = pt.dmatrix("x"), pt.lvector("y")
    f = compile_([x, y], list(NN.crossentropy_softmax_max_and_argmax_1hot(x, y)))
    xent, sm, max_pr, am = f(logits, classes)
    np.testing.assert_allclose(xent, np_nll(logits, classes))
    np.testing.assert_allclose(sm, np_softmax(logits))
    np.testing.assert_allclose(max_pr, np_softmax(logits).max(axis=1))
    np.testing.assert_array_equal(am, np.argmax(logits, axis=1))


def test_crossentropy_softmax_max_and_argmax_1hot_gradient_matches_finite_differences(
    logits, classes
):
    check_grad(lambda x: NN.crossentropy_softmax_max_and_argmax_1hot(x, classes)[0], logits)
    check_grad(lambda x: NN.crossentropy_softmax_max_and_argmax_1hot(x, classes)[2], logits)


def test_crossentropy_softmax_max_and_argmax_1hot_is_finite_with_finite_gradient_for_large_logits():
    x, y = pt.dmatrix("x"), pt.lvector("y")
    xent, sm, max_pr, am = NN.crossentropy_softmax_max_and_argmax_1hot(x, y)
    values = [LARGE_LOGITS, LARGE_TARGETS]
    assert_finite_value_and_gradient([x, y], [xent, sm, max_pr], x, values)


# ---------------------- crossentropy_softmax_max_and_argmax_1hot_with_bias


def test_crossentropy_softmax_max_and_argmax_1hot_with_bias_matches_numpy(
    logits, classes, rng
):
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    bias = rng.normal(size=5)
    outs = NN.crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y)
    xent, sm, max_pr, am = compile_([x, b, y], list(outs))(logits, bias, classes)
    np.testing.assert_allclose(xent, np_nll(logits + bias, classes))
    np.testing.assert_allclose(sm, np_softmax(logits + bias))
    np.testing.assert_allclose(max_pr, np_softmax(logits + bias).max(axis=1))
    np.testing.assert_array_equal(am, np.argmax(logits + bias, axis=1))


def test_crossentropy_softmax_max_and_argmax_1hot_with_bias_gradient_matches_finite_differences(
    logits, classes, rng
):
    bias = rng.normal(size=5)

    def max_pr(x, b):
        return NN.crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, classes)[2]

    check_grad(max_pr, logits, bias)


def test_crossentropy_softmax_max_and_argmax_1hot_with_bias_is_finite_with_finite_gradient_for_large_logits():
    x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    xent, sm, max_pr, am = NN.crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y)
    values = [LARGE_LOGITS, np.array([0.0, 1e3, -1e3]), LARGE_TARGETS]
    assert_finite_value_and_gradient([x, b, y], [xent, sm, max_pr], [x, b], values)
