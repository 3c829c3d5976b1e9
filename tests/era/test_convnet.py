"""The 2012 convolutional network with conv2d and max_pool_2d (programs/convnet.py) against NumPy."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import symmodule.tensor as T
from era.programs import convnet as program


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def conv_valid(x, w):
    """Theano's conv2d: a true convolution (flipped filters), 'valid' borders."""
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("ncijuv,kcuv->nkij", windows, w[:, :, ::-1, ::-1])


def max_pool(maps, size):
    """Non-overlapping max-pooling that drops the border, and the mask of each window's maximum."""
    n, k, rows, columns = maps.shape
    blocks = maps[:, :, : rows // size * size, : columns // size * size]
    blocks = blocks.reshape(n, k, rows // size, size, columns // size, size)
    pooled = blocks.max(axis=(3, 5))
    mask = blocks == pooled[:, :, :, None, :, None]
    return pooled, mask


def numpy_step(params, lr, images, y, pool=3):
    """One SGD step of conv-pool-tanh, tanh hidden, softmax; returns (cost, params)."""
    v, c, wh, bh, wc, bc = params
    x = images.reshape(len(images), 1, 8, 8)
    maps = conv_valid(x, wc)
    pooled, mask = max_pool(maps, pool)
    a0 = np.tanh(pooled + bc[None, :, None, None])
    flat = a0.reshape(len(x), -1)
    h = np.tanh(flat @ wh + bh)
    p = softmax(h @ v + c)
    cost = -np.mean(np.log(p[np.arange(len(y)), y]))
    d = p.copy()
    d[np.arange(len(y)), y] -= 1
    d /= len(y)
    dh = d @ v.T * (1 - h**2)
    d_pre = (dh @ wh.T).reshape(a0.shape) * (1 - a0**2)
    d_maps = np.zeros_like(maps)
    n, k, rows, columns = maps.shape
    d_blocks = mask * d_pre[:, :, :, None, :, None]
    d_maps[:, :, : rows // pool * pool, : columns // pool * pool] = d_blocks.reshape(n, k, rows // pool * pool, -1)
    windows = sliding_window_view(x, wc.shape[2:], axis=(2, 3))
    d_wc = np.einsum("ncijuv,nkij->kcuv", windows, d_maps)[:, :, ::-1, ::-1]
    grads = [h.T @ d, d.sum(axis=0), flat.T @ dh, dh.sum(axis=0), d_wc, d_pre.sum(axis=(0, 2, 3))]
    return cost, [param - lr * g for param, g in zip(params, grads)]


def initial_layers(x=None):
    """The layers as the program builds them, before any training."""
    return program.build_lenet(np.random.RandomState(23455), T.matrix("x") if x is None else x, batch_size=10)


def test_conv_pool_layer_output_matches_numpy():
    images = program.load_data()[0][0].get_value()[:10]
    x = T.matrix("x")
    conv_layer = initial_layers(x)[0]
    expected = np.tanh(
        max_pool(conv_valid(images.reshape(10, 1, 8, 8), conv_layer.W.get_value()), 3)[0]
        + conv_layer.b.get_value()[None, :, None, None]
    )
    np.testing.assert_allclose(conv_layer.output.eval({x: images}), expected, rtol=1e-12)


def test_trained_parameters_match_numpy_minibatch_sgd():
    datasets = program.load_data()
    x, y = datasets[0][0].get_value(), datasets[0][1].eval()
    params = [p.get_value() for layer in reversed(initial_layers()) for p in layer.params]
    trained, _, _ = program.evaluate_lenet(n_epochs=1, datasets=datasets)
    for start in range(0, 40, 10):
        _, params = numpy_step(params, 0.2, x[start:start + 10], y[start:start + 10])
    values = [p.get_value() for layer in reversed(trained) for p in layer.params]
    for value, expected in zip(values, params):
        np.testing.assert_allclose(value, expected, rtol=1e-10, atol=1e-13)


def test_training_lowers_the_cost():
    _, costs, _ = program.evaluate_lenet(n_epochs=10)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.6 * costs[0]
