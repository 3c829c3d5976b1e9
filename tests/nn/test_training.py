"""A model of layers in a Module: trained by hand-written SGD, saved, loaded and pickled."""

import copy
import pickle

import numpy as np
import pytest

import symmodule
from symmodule import nn
from symmodule import tensor as T


def classifier():
    """Linear -> BatchNorm -> relu -> Dropout -> Linear, with train, loss and predict Methods."""
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm(16), nn.relu, nn.Dropout(0.2), nn.Linear(16, 3))
    x, y = T.dmatrix("x"), T.lvector("y")

    def cross_entropy(logits):
        return -T.mean(nn.log_softmax(logits)[T.arange(y.shape[0]), y])

    train_loss = cross_entropy(m.model(x, training=True))
    params = m.parameters()
    sgd = {p: p - 0.2 * g for p, g in zip(params, T.grad(train_loss, params))}
    m.train = symmodule.Method([x, y], train_loss, updates={**sgd, **nn.statistics_updates(train_loss)})
    m.loss = symmodule.Method([x, y], cross_entropy(m.model(x)))
    m.predict = symmodule.Method([x], T.argmax(m.model(x), axis=-1))
    return m


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    centres = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    y = rng.integers(0, 3, size=96)
    return centres[y] + rng.standard_normal((96, 4)), y


def test_sgd_over_the_parameters_lowers_the_loss(data):
    x, y = data
    inst = classifier().make()
    before = float(inst.loss(x, y))
    for _ in range(40):
        inst.train(x, y)
    after = float(inst.loss(x, y))
    assert after < 0.5 * before


def test_the_parameters_are_the_linear_and_batchnorm_parameters_once_each():
    assert [v.name for v in classifier().parameters()] == [
        "model.layers.0.w", "model.layers.0.b", "model.layers.1.scale", "model.layers.1.shift",
        "model.layers.4.w", "model.layers.4.b",
    ]


def test_training_moves_the_running_statistics_and_evaluation_does_not(data):
    x, y = data
    inst = classifier().make()
    inst.loss(x, y)
    assert inst.model.layers[1].running_mean.tolist() == [0.0] * 16
    inst.train(x, y)
    assert np.abs(inst.model.layers[1].running_mean).sum() > 0


def _trained(data, steps=3):
    inst = classifier().make()
    for _ in range(steps):
        inst.train(*data)
    return inst


def test_save_and_load_restore_parameters_statistics_and_dropout_state(data, tmp_path):
    trained = _trained(data)
    symmodule.save(trained, tmp_path / "model.safetensors")
    fresh = classifier().make()
    symmodule.load(tmp_path / "model.safetensors", into=fresh)
    np.testing.assert_array_equal(fresh.loss(*data), trained.loss(*data))
    np.testing.assert_array_equal(fresh.model.layers[1].running_var, trained.model.layers[1].running_var)
    np.testing.assert_array_equal(fresh.train(*data), trained.train(*data))  # the same dropout masks


def test_a_pickled_instance_continues_training_identically(data):
    trained = _trained(data)
    copied = pickle.loads(pickle.dumps(trained))
    np.testing.assert_array_equal(copied.train(*data), trained.train(*data))
    np.testing.assert_array_equal(copied.model.layers[4].w, trained.model.layers[4].w)


def test_a_deep_copy_is_independent_of_the_original(data):
    trained = _trained(data, steps=1)
    copied = copy.deepcopy(trained)
    copied.train(*data)
    assert not np.array_equal(copied.model.layers[0].w, trained.model.layers[0].w)


def test_a_convolutional_model_trains():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 1, 4, 4))
    y = (x[:, 0, :2].sum((1, 2)) > x[:, 0, 2:].sum((1, 2))).astype("int64")
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.relu, nn.MaxPool2d(3), nn.Flatten(), nn.Linear(n_out=2))
    xs, ys = T.tensor4("x", dtype="float64", shape=(None, 1, 4, 4)), T.lvector("y")
    loss = -T.mean(nn.log_softmax(m.model(xs, training=True))[T.arange(ys.shape[0]), ys])
    params = m.parameters()
    m.train = symmodule.Method([xs, ys], loss, updates={p: p - 0.3 * g for p, g in zip(params, T.grad(loss, params))})
    inst = m.make()
    losses = [float(inst.train(x, y)) for _ in range(30)]
    assert losses[-1] < 0.7 * losses[0]
