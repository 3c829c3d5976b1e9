"""A Theano-era model: a denoising autoencoder feeding a softmax classifier.

Several inner modules share the encoder's weights, and the autoencoder's
corruption is drawn from a RandomStreams member with ``random.binomial``.
Written the way such models were written for Theano's Module system.
"""

import copy

import numpy as np

from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.tensor import nnet as NN


class DenoisingAutoencoder(M.Module):
    """Tied weights; the input is corrupted by zeroing a random fraction of it."""

    def __init__(self, input=None, seed=None):
        super().__init__()
        x = T.matrix("x") if input is None else input
        self.random = T.randomstreams.RandomStreams(seed)
        self.corruption = T.scalar()
        self.stepsize = T.scalar()
        self.w = T.matrix()
        self.b_hidden = T.vector()
        self.b_visible = T.vector()

        keep = self.random.binomial(size=T.shape(x), n=1, p=1 - self.corruption, dtype=x.dtype)
        self.keep = keep
        hidden = NN.sigmoid(T.dot(x * keep, self.w) + self.b_hidden)
        reconstruction = NN.sigmoid(T.dot(hidden, self.w.T) + self.b_visible)
        self.cost = T.sum(NN.binary_crossentropy(reconstruction, x))

        params = [self.w, self.b_hidden, self.b_visible]
        grads = T.grad(self.cost, params)
        step = {p: p - self.stepsize * g for p, g in zip(params, grads, strict=True)}
        self.update = M.Method(x, self.cost, updates=step)
        self.encode = M.Method(x, NN.sigmoid(T.dot(x, self.w) + self.b_hidden))


class EncoderClassifier(M.Module):
    """Softmax on the encoder's clean features; fine-tuning also moves the encoder."""

    def __init__(self, encoder_w, encoder_b, x, y):
        super().__init__()
        self.encoder_w = encoder_w  # the autoencoder's own Variables: shared state
        self.encoder_b = encoder_b
        self.w = T.matrix()
        self.b = T.vector()
        self.stepsize = T.scalar()
        features = NN.sigmoid(T.dot(x, self.encoder_w) + self.encoder_b)
        self.prediction = NN.softmax(T.dot(features, self.w) + self.b)
        self.cost = T.sum(NN.categorical_crossentropy(self.prediction, y))

        params = [self.w, self.b, self.encoder_w, self.encoder_b]
        grads = T.grad(self.cost, params)
        step = {p: p - self.stepsize * g for p, g in zip(params, grads, strict=True)}
        self.finetune = M.Method([x, y], self.cost, updates=step)
        self.predict = M.Method(x, T.argmax(self.prediction, axis=1))


class Stack(M.Module):
    def __init__(self, seed=None):
        super().__init__()
        x, y = T.matrix("x"), T.matrix("y")
        self.dae = DenoisingAutoencoder(input=x, seed=seed)
        self.classifier = EncoderClassifier(self.dae.w, self.dae.b_hidden, x, y)
        self.layers = [self.dae, self.classifier]  # the same modules through a second path

    def _instance_initialize(self, inst, n_visible=8, n_hidden=4, n_classes=2, seed=0, **init):
        rng = np.random.default_rng(seed)
        bound = 4 * np.sqrt(6.0 / (n_visible + n_hidden))
        inst.dae.w = rng.uniform(-bound, bound, size=(n_visible, n_hidden))
        inst.dae.b_hidden = np.zeros(n_hidden)
        inst.dae.b_visible = np.zeros(n_visible)
        inst.dae.corruption = 0.25
        inst.dae.stepsize = 0.02
        inst.classifier.w = np.zeros((n_hidden, n_classes))
        inst.classifier.b = np.zeros(n_classes)
        inst.classifier.stepsize = 0.05
        M.default_initialize(inst, **init)


def dataset(n=40, seed=1):
    # Two noisy binary prototypes over 8 pixels; the class is the prototype.
    rng = np.random.default_rng(seed)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], dtype=float)
    labels = rng.integers(0, 2, size=n)
    flips = rng.random((n, 8)) < 0.1
    x = np.abs(prototypes[labels] - flips)
    return x, np.eye(2)[labels], labels


def test_pretraining_and_finetuning_lower_the_costs():
    x, y, labels = dataset()
    inst = Stack(seed=42).make()

    pretrain = [float(inst.dae.update(x)) for _ in range(300)]
    assert np.isfinite(pretrain).all()
    assert np.mean(pretrain[-20:]) < 0.8 * np.mean(pretrain[:20])

    w_before = inst.dae.w.copy()
    finetune = [float(inst.classifier.finetune(x, y)) for _ in range(100)]
    assert finetune[-1] < 0.5 * finetune[0]
    assert (inst.classifier.predict(x) == labels).mean() > 0.9
    assert not np.array_equal(inst.dae.w, w_before)  # fine-tuning moved the shared encoder


def test_inner_modules_share_the_encoder_state():
    inst = Stack(seed=0).make()
    assert inst.layers[0] is inst.dae and inst.layers[1] is inst.classifier
    assert inst.classifier.encoder_w is inst.dae.w
    inst.dae.w = np.ones((8, 4))
    np.testing.assert_array_equal(inst.classifier.encoder_w, np.ones((8, 4)))


def test_corruption_is_redrawn_at_each_call_and_reproducible_from_the_seed():
    x, _, _ = dataset(n=10)
    inst = Stack(seed=3).make()
    stepsize = float(inst.dae.stepsize)
    inst.dae.stepsize = 0.0  # costs then differ only through the corruption drawn
    costs = [float(inst.dae.update(x)) for _ in range(3)]
    assert len(set(costs)) == 3
    inst.dae.random.seed(3)
    assert [float(inst.dae.update(x)) for _ in range(3)] == costs
    inst.dae.stepsize = stepsize


def test_a_deep_copy_trains_like_the_original():
    x, y, _ = dataset(n=20)
    inst = Stack(seed=5).make()
    inst.dae.update(x)
    twin = copy.deepcopy(inst)
    assert twin.classifier.encoder_w is twin.dae.w and twin.dae.w is not inst.dae.w
    for _ in range(5):
        np.testing.assert_array_equal(inst.dae.update(x), twin.dae.update(x))
        np.testing.assert_array_equal(inst.classifier.finetune(x, y), twin.classifier.finetune(x, y))
