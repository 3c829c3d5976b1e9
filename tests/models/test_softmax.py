"""SoftmaxXERegression: the examples of Theano's Module documentation as written, a NumPy oracle, training."""

import numpy as np
import pytest

from symmodule import tensor as T
from symmodule.models import SoftmaxXERegression


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# ------------------------------ Theano's Module documentation, copied as written


def test_module_md_how_we_use_the_model():
    import numpy as N

    data_x = N.random.randn(4, 10)
    data_y = [ [int(x)] for x in N.random.randn(4) > 0]

    model = SoftmaxXERegression(regularize = False).make(input_size = 10,
                                                         target_size = 1,
                                                         stepsize = 0.1)

    for i in range(1000):
        xe = model.update(data_x, data_y)
        if i % 100 == 0:
            print(i, xe)
            pass
        #for inputs, targets in my_training_set():
            #print("cost:", model.update(inputs, targets))

    print("final weights:", model.w)
    print("final biases:", model.b)

    # Checks added to the example: it learnt, without NaN.
    assert np.isfinite(xe) and xe < 0.1
    assert np.isfinite(model.w).all() and np.isfinite(model.b).all()


def test_module_md_extending_methods():
    model_module = SoftmaxXERegression(regularize = False)
    model_module.sum = T.scalar() # we add a module member to hold the sum
    model_module.update.updates.update(sum = model_module.sum + model_module.cost) # now update will also update sum!

    model = model_module.make(input_size = 4,
                              target_size = 2,
                              stepsize = 0.1,
                              sum = 0) # we mustn't forget to initialize the sum

    test = model.update([[0,0,1,0]], [[0,1]]) + model.update([[0,1,0,0]], [[1,0]])
    assert model.sum == test


def test_extending_methods_holds_in_fast_run():
    model_module = SoftmaxXERegression(regularize=False)
    model_module.sum = T.scalar()
    model_module.update.updates.update(sum=model_module.sum + model_module.cost)
    model = model_module.make(input_size=4, target_size=2, stepsize=0.1, sum=0, mode="FAST_RUN")
    test = model.update([[0, 0, 1, 0]], [[0, 1]]) + model.update([[0, 1, 0, 0]], [[1, 0]])
    assert model.sum == test


# ---------------------------------------------------------------------- oracle


@pytest.mark.parametrize("regularize", [False, True])
@pytest.mark.parametrize("k", [2, 3])
def test_one_softmax_step_matches_numpy(k, regularize):
    rng = np.random.default_rng(k)
    x = rng.normal(size=(5, 4))
    y = np.eye(k)[rng.integers(0, k, size=5)]
    w0, b0 = rng.normal(size=(4, k)), rng.normal(size=k)
    step, l2 = 0.2, 0.05
    model = SoftmaxXERegression(regularize=regularize).make(
        w=w0.copy(), b=b0.copy(), stepsize=step, l2_coef=l2
    )
    cost = model.update(x, y)

    p = softmax(x @ w0 + b0)
    penalty = l2 * np.sum(w0 ** 2) if regularize else 0.0
    grad_a = p - y
    grad_w = x.T @ grad_a + (2 * l2 * w0 if regularize else 0.0)
    assert np.ndim(cost) == 0
    np.testing.assert_allclose(cost, -np.sum(y * np.log(p)) + penalty, rtol=1e-10)
    np.testing.assert_allclose(model.w, w0 - step * grad_w, rtol=1e-10)
    np.testing.assert_allclose(model.b, b0 - step * grad_a.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(model.apply(x), softmax(x @ model.w + model.b), rtol=1e-10)


def test_one_column_step_is_binary_cross_entropy():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(6, 3))
    y = (rng.normal(size=(6, 1)) > 0).astype(float)
    w0, b0 = rng.normal(size=(3, 1)), rng.normal(size=1)
    model = SoftmaxXERegression(regularize=False).make(w=w0.copy(), b=b0.copy(), stepsize=0.3)
    cost = model.update(x, y)

    p = sigmoid(x @ w0 + b0)
    np.testing.assert_allclose(cost, -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-10)
    np.testing.assert_allclose(model.w, w0 - 0.3 * x.T @ (p - y), rtol=1e-10)
    np.testing.assert_allclose(model.b, b0 - 0.3 * (p - y).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(model.apply(x), sigmoid(x @ model.w + model.b), rtol=1e-10)


def test_one_column_is_the_two_class_softmax_with_a_zero_logit():
    # The documented reading of target_size=1: softmax over [0, a].
    rng = np.random.default_rng(8)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 1)), rng.normal(size=1)
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    one = SoftmaxXERegression(regularize=False).make(w=w, b=b, stepsize=0.0)
    two = SoftmaxXERegression(regularize=False).make(
        w=np.hstack([np.zeros_like(w), w]), b=np.concatenate([[0.0], b]), stepsize=0.0
    )
    np.testing.assert_allclose(one.update(x, y), two.update(x, np.hstack([1 - y, y])), rtol=1e-12)
    np.testing.assert_allclose(one.apply(x)[:, 0], two.apply(x)[:, 1], rtol=1e-12)


def test_class_index_targets():
    rng = np.random.default_rng(9)
    x, labels = rng.normal(size=(5, 4)), rng.integers(0, 3, size=5)
    w0, b0 = rng.normal(size=(4, 3)), np.zeros(3)
    by_index = SoftmaxXERegression(target=T.lvector("y"), regularize=False).make(w=w0, b=b0, stepsize=0.1)
    one_hot = SoftmaxXERegression(regularize=False).make(w=w0, b=b0, stepsize=0.1)
    np.testing.assert_allclose(by_index.update(x, labels), one_hot.update(x, np.eye(3)[labels]), rtol=1e-12)
    np.testing.assert_allclose(by_index.w, one_hot.w, rtol=1e-12)


# -------------------------------------------------------------------- training


@pytest.mark.parametrize("k", [1, 2, 3])
def test_training_lowers_the_cost_without_nan(k):
    rng = np.random.default_rng(k)
    x = rng.normal(size=(12, 5))
    labels = np.argmax(x @ rng.normal(size=(5, max(k, 2))), axis=1)  # linearly separable
    y = labels[:, None].astype(float) if k == 1 else np.eye(k)[labels]
    model = SoftmaxXERegression().make(input_size=5, target_size=k, stepsize=0.05, seed=k)
    costs = [float(model.update(x, y)) for _ in range(300)]
    assert np.isfinite(costs).all()
    assert costs[-1] < 0.5 * costs[0]


def test_huge_inputs_give_no_nan():
    x = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    for k, y in [(1, np.array([[0.0], [1.0]])), (2, np.array([[0.0, 1.0], [1.0, 0.0]]))]:
        model = SoftmaxXERegression(regularize=False).make(input_size=2, target_size=k, stepsize=0.01)
        for _ in range(3):
            cost = model.update(x, y)
        assert np.isfinite(cost) and np.isfinite(model.w).all()
        assert np.isfinite(model.apply(x)).all()


def test_softmax_rows_are_probabilities():
    model = SoftmaxXERegression().make(input_size=3, target_size=4)
    p = model.apply(np.random.default_rng(0).normal(size=(5, 3)))
    assert p.shape == (5, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
