#!/usr/bin/env python
"""Multi-class logistic regression written as a Module (Theano, 2009).

The instance type has its own ``initialize``, so the sizes are given to
``make()`` positionally: ``LogisticRegression().make(n_in, n_out)``.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.compile import module as M


class LogisticRegressionInstance(M.ModuleInstance):
    """What make() returns: members w, b, lr and the compiled methods."""

    def initialize(self, n_in, n_out, lr=0.1, seed=1234):
        rng = N.random.RandomState(seed)
        self.w = rng.uniform(low=-0.1, high=0.1, size=(n_in, n_out))
        self.b = N.zeros(n_out)
        self.lr = lr

    def error_rate(self, x, y):
        return N.mean(self.classify(x) != y)


class LogisticRegression(M.Module):
    InstanceType = LogisticRegressionInstance

    def __init__(self, x=None, y=None):
        super(LogisticRegression, self).__init__()
        if x is None:
            x = T.dmatrix('x')
        if y is None:
            y = T.lvector('y')

        # state
        self.w = T.dmatrix()
        self.b = T.dvector()
        self.lr = T.dscalar()

        # model: negative log-likelihood of each row, softmax, argmax
        xent, self.p_y_given_x, self.y_pred = \
            NN.crossentropy_softmax_argmax_1hot_with_bias(T.dot(x, self.w), self.b, y)
        self.cost = T.mean(xent)
        gw, gb = T.grad(self.cost, [self.w, self.b])

        # methods
        self.update = M.Method([x, y], self.cost,
                               updates={self.w: self.w - self.lr * gw,
                                        self.b: self.b - self.lr * gb})
        self.classify = M.Method([x], self.y_pred)
        self.predict = M.Method([x], self.p_y_given_x)


def make_data(n_examples=60, n_in=5, n_out=3, seed=0):
    rng = N.random.RandomState(seed)
    x = rng.randn(n_examples, n_in)
    teacher = rng.randn(n_in, n_out)
    y = N.argmax(N.dot(x, teacher), axis=1)
    return x, y


def main(n_epochs=100):
    x, y = make_data()
    model = LogisticRegression().make(x.shape[1], 3)
    costs = []
    for epoch in range(n_epochs):
        cost = model.update(x, y)
        costs.append(float(cost))
        if epoch % 20 == 0:
            print('epoch %i, cost %f, error %f' % (epoch, cost, model.error_rate(x, y)))
    print('final error %f' % model.error_rate(x, y))
    return costs


if __name__ == '__main__':
    main()
