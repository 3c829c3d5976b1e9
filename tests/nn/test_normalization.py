"""nn.BatchNorm and nn.LayerNorm against NumPy: batch and running statistics, roles, refusals."""

import numpy as np
import pytest
from pytensor.gradient import verify_grad

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def batchnorm_module(layer, ndim=2):
    """Methods train (batch statistics, updating the running ones) and infer (running statistics)."""
    m = symmodule.Module()
    m.bn = layer
    x = T.tensor(dtype="float64", shape=(None,) * ndim, name="x")
    y = m.bn(x, training=True)
    m.train = symmodule.Method([x], y, updates=nn.statistics_updates(y))
    m.infer = symmodule.Method([x], m.bn(x))
    return m


def test_training_normalises_each_feature_with_the_batch_statistics(rng):
    x = rng.normal(3.0, 2.0, size=(8, 3))
    inst = batchnorm_module(nn.BatchNorm(3, eps=1e-3)).make(bn=dict(scale=[1.0, 2.0, 3.0], shift=[0.0, 1.0, -1.0]))
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) * [1.0, 2.0, 3.0] + [0.0, 1.0, -1.0]
    np.testing.assert_allclose(inst.train(x), expected)


def test_the_training_method_moves_the_running_statistics_toward_the_batch(rng):
    x = rng.normal(3.0, 2.0, size=(8, 3))
    inst = batchnorm_module(nn.BatchNorm(3, momentum=0.25)).make()
    inst.train(x)
    np.testing.assert_allclose(inst.bn.running_mean, 0.25 * x.mean(0))
    np.testing.assert_allclose(inst.bn.running_var, 0.75 + 0.25 * x.var(0, ddof=1))


def test_evaluation_reads_the_running_statistics_and_changes_nothing(rng):
    x = rng.standard_normal((4, 2))
    inst = batchnorm_module(nn.BatchNorm(2, eps=0.0)).make(bn=dict(running_mean=[1.0, 2.0], running_var=[4.0, 9.0]))
    np.testing.assert_allclose(inst.infer(x), (x - [1.0, 2.0]) / [2.0, 3.0])
    assert inst.bn.running_mean.tolist() == [1.0, 2.0] and inst.bn.running_var.tolist() == [4.0, 9.0]


def test_images_are_normalised_per_channel_over_batch_and_space(rng):
    x = rng.normal(1.0, 3.0, size=(2, 3, 4, 5))
    inst = batchnorm_module(nn.BatchNorm(3, eps=0.0), ndim=4).make()
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(inst.train(x), (x - mean) / np.sqrt(var))
    np.testing.assert_allclose(inst.bn.running_var, 0.9 + 0.1 * x.var((0, 2, 3), ddof=1))


def test_training_in_numba_mode_matches_numpy(rng):
    x = rng.standard_normal((6, 2))
    inst = batchnorm_module(nn.BatchNorm(2, eps=0.0)).make(mode="NUMBA")
    np.testing.assert_allclose(inst.train(x), (x - x.mean(0)) / x.std(0))
    np.testing.assert_allclose(inst.bn.running_mean, 0.1 * x.mean(0))


def test_running_statistics_are_buffers_and_not_parameters():
    layer = nn.BatchNorm(4)
    assert list(layer.members("buffer")) == ["running_mean", "running_var"]
    assert [v.name for v in layer.parameters()] == ["scale", "shift"]


def test_affine_false_has_no_parameters():
    assert nn.BatchNorm(4, affine=False).parameters() == []


def test_lazy_num_features_come_from_the_feature_axis():
    layer = nn.BatchNorm()
    layer(T.tensor4(shape=(None, 5, 2, 2)))
    assert layer.num_features == 5 and layer.make().running_mean.shape == (5,)


def test_a_static_feature_length_that_contradicts_num_features_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"feature axis \(axis 1\) has length 3, but the layer was built for num_features=4"):
        nn.BatchNorm(4)(T.matrix(shape=(None, 3)))


def test_a_vector_input_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.BatchNorm: expects an input of 2 or more dimensions"):
        nn.BatchNorm(4)(T.vector())


@pytest.mark.parametrize("momentum", [0.0, 1.5])
def test_a_momentum_outside_zero_one_is_refused(momentum):
    with pytest.raises(errors.DeclarationError, match=r"nn\.BatchNorm: momentum=.* is not in \(0, 1\]"):
        nn.BatchNorm(2, momentum=momentum)


def test_a_negative_eps_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.BatchNorm: eps=-1 is not a number of 0 or more"):
        nn.BatchNorm(2, eps=-1)


def test_layernorm_normalises_each_example_over_its_last_axis(apply, rng):
    x = rng.normal(2.0, 3.0, size=(4, 5))
    out, inst = apply(nn.LayerNorm(5, eps=1e-3), x, layer=dict(scale=np.arange(5.0), shift=np.ones(5)))
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * np.arange(5.0) + 1.0)


def test_layernorm_over_two_trailing_axes(apply, rng):
    x = rng.standard_normal((2, 3, 4))
    out, inst = apply(nn.LayerNorm((3, 4), eps=0.0), x)
    assert inst.layer.scale.shape == (3, 4)
    np.testing.assert_allclose(out, (x - x.mean((1, 2), keepdims=True)) / x.std((1, 2), keepdims=True))


def test_layernorm_is_the_same_in_training_and_evaluation(apply, rng):
    x = rng.standard_normal((2, 3))
    np.testing.assert_array_equal(apply(nn.LayerNorm(3), x)[0], apply(nn.LayerNorm(3), x, training=True)[0])


def test_lazy_layernorm_takes_the_last_length():
    layer = nn.LayerNorm()
    layer(T.matrix(shape=(None, 6)))
    assert layer.normalized_shape == (6,)


def test_layernorm_refuses_a_shape_that_is_not_positive_ints():
    with pytest.raises(errors.DeclarationError, match=r"nn\.LayerNorm: normalized_shape\[1\]=0 is not a positive int"):
        nn.LayerNorm((3, 0))


def test_layernorm_refuses_an_empty_shape():
    with pytest.raises(errors.DeclarationError, match=r"nn\.LayerNorm: normalized_shape=\(\) is not a positive int or a tuple of them"):
        nn.LayerNorm(())


def test_batchnorm_training_gradient_matches_finite_differences(rng):
    layer = nn.BatchNorm(3, affine=False)
    verify_grad(lambda x: layer(x, training=True) * [1.0, 2.0, 3.0], [rng.standard_normal((4, 3))], rng=np.random.default_rng(3))


def test_layernorm_refuses_an_input_with_fewer_axes_than_its_shape():
    with pytest.raises(errors.DeclarationError, match=r"nn\.LayerNorm: expects an input of 2 or more dimensions"):
        nn.LayerNorm((2, 2))(T.vector())
