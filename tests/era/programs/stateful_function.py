#!/usr/bin/env python
"""A binary logistic classifier driven through function() with stateful inputs (Theano, 2009).

The weights live in the inputs of ``train``: ``((w, new_w), initial_value)``
keeps w between calls and replaces it by new_w after each one. ``predict``
reads the same storage through ``train.container``.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN


def build(n_in, lr=0.5):
    x = T.dmatrix('x')
    y = T.dvector('y')
    w = T.dvector('w')
    b = T.dscalar('b')
    rate = T.dscalar('rate')

    p = NN.sigmoid(T.dot(x, w) + b)
    cost = T.mean(NN.binary_crossentropy(p, y))
    gw, gb = T.grad(cost, [w, b])
    print('cost:', symmodule.printing.pprint(cost))

    train = symmodule.function(
        [x, y,
         symmodule.In(rate, value=lr),
         ((w, w - rate * gw), N.zeros(n_in)),
         ((b, b - rate * gb), 0.)],
        cost)
    predict = symmodule.function([x, (w, train.container[w]), (b, train.container[b])],
                                 p > 0.5)
    probability = symmodule.function([x, (w, train.container[w]), (b, train.container[b])], p)
    return train, predict, probability, w, b


def make_data(n_examples=50, n_in=4, seed=6):
    rng = N.random.RandomState(seed)
    x = rng.randn(n_examples, n_in)
    y = (N.dot(x, rng.randn(n_in)) + 0.3 * rng.randn(n_examples) > 0).astype('float64')
    return x, y


def main(n_epochs=60):
    x, y = make_data()
    train, predict, probability, w, b = build(x.shape[1])
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(train(x, y)))
        if epoch % 20 == 0:
            print('epoch', epoch, 'cost', costs[-1], 'errors', (predict(x) != y).sum())
    print('w', train[w], 'b', train[b])
    return costs


if __name__ == '__main__':
    main()
