"""symmodule.nn: neural-network layers as Modules.

A layer is a :class:`~symmodule.Module` whose parameters are Members
(carrying roles and ``init=`` rules) and which, called on an expression,
returns an expression: ``h = layer(x)``. Nothing is hidden from PyTensor:
the result is an ordinary graph, to be used in Methods, differentiated with
``T.grad`` and combined with any other expression. Calling a layer again,
on another expression, builds another graph over the same Members.

>>> import numpy as np
>>> import symmodule
>>> from symmodule import nn, tensor as T
>>> m = symmodule.Module()
>>> m.model = nn.Sequential(nn.Linear(4, 16), nn.relu, nn.Dropout(0.5), nn.Linear(16, 3))
>>> x, y = T.matrix("x"), T.lvector("y")
>>> logits = m.model(x, training=True)
>>> loss = -T.mean(nn.log_softmax(logits)[T.arange(y.shape[0]), y])
>>> params = m.parameters()
>>> updates = {p: p - 0.1 * g for p, g in zip(params, T.grad(loss, params))}
>>> m.train = symmodule.Method([x, y], loss, updates={**updates, **nn.statistics_updates(loss)})
>>> m.predict = symmodule.Method([x], T.argmax(m.model(x), axis=-1))
>>> inst = m.make()
>>> inst.predict(np.zeros((2, 4), dtype=symmodule.config.floatX)).shape
(2,)

Design
------
Training and evaluation
    ``layer(x)`` is the evaluation graph (deterministic);
    ``layer(x, training=True)`` the training graph, where
    :class:`Dropout` draws masks and :class:`BatchNorm` normalises with the
    batch's statistics. Build the training Method from the one and the
    evaluation Methods from the other; both read the same Members.
Running statistics
    A training graph of :class:`BatchNorm` carries the new values of its
    running statistics (recorded on the graph's batch mean), and
    :func:`statistics_updates` collects them from a loss or output, for the
    training Method: ``updates={**sgd, **nn.statistics_updates(loss)}``.
    They are ordinary, explicit updates of that Method only; no other
    Method changes the statistics, and nothing is global. The statistics
    have the role ``buffer``, so ``parameters()`` leaves them out.
Shapes
    Parameters have static shapes (``T.matrix(shape=(n_in, n_out))``), so
    their ``init=`` rules know them and wrong values are refused. A length
    left out (``nn.Linear(n_out=10)``, ``nn.Conv2d(None, 16, 3)``) is read
    from the static shape of the first input the layer is applied to, and
    the parameters are created then: a Variable's type cannot change, so
    they do not exist before. A layer whose input does not give that length
    is refused when applied, and one never applied is refused by ``make()``,
    each time with the layer's path and the fix. A static shape that
    contradicts the layer is refused when the layer is applied.
Paths
    A layer knows its path only at ``make()``. Errors raised before (when a
    layer is applied) name it by its path among the layers holding it
    (``nn.Linear at layers.2 of an nn.Sequential``); those of ``make()``
    give its full path (``'model.layers.2'``).
Sharing
    One layer applied several times, or reached by several paths, is one
    set of Members: ``parameters()`` lists each once, and an optimizer
    updates it once. ``nn.Linear(w=encoder.w.T)`` ties a weight.
Convolution and pooling
    :class:`Conv2d` (a cross-correlation, filters ``(out, in, kh, kw)``),
    :class:`MaxPool2d` and :class:`AvgPool2d`, and the functions
    :func:`conv2d`, :func:`max_pool2d` and :func:`avg_pool2d`, are Ops of
    symmodule's own (:mod:`symmodule.nn.ops`; PyTensor 3 has none): NumPy
    code for FAST_COMPILE and the C modes, Numba code for NUMBA, XLA's for
    JAX, and gradients that are Ops too, so every mode runs one kernel per
    layer and its gradient.
Initialisation
    Weights default to ``symmodule.init.glorot_uniform()``, biases to zeros,
    embeddings to a standard normal; each layer takes ``init=`` (and
    ``bias_init=``) rules. Random rules are seeded by their ``seed`` and the
    Member's path, so a model starts from the same values at every
    ``make()``, and two layers never from the same numbers.
"""

from symmodule.nn.activations import gelu, log_softmax, relu, sigmoid, softmax, tanh
from symmodule.nn.containers import MLP, Sequential
from symmodule.nn.conv import AvgPool2d, Conv2d, Flatten, MaxPool2d
from symmodule.nn.dropout import Dropout
from symmodule.nn.embedding import Embedding
from symmodule.nn.functional import avg_pool2d, conv2d, max_pool2d
from symmodule.nn.layer import Activation, Layer
from symmodule.nn.linear import Linear
from symmodule.nn.normalization import BatchNorm, LayerNorm
from symmodule.nn.statistics import statistics_updates

__all__ = [
    "Activation",
    "AvgPool2d",
    "BatchNorm",
    "Conv2d",
    "Dropout",
    "Embedding",
    "Flatten",
    "Layer",
    "LayerNorm",
    "Linear",
    "MLP",
    "MaxPool2d",
    "Sequential",
    "avg_pool2d",
    "conv2d",
    "gelu",
    "log_softmax",
    "max_pool2d",
    "relu",
    "sigmoid",
    "softmax",
    "statistics_updates",
    "tanh",
]
