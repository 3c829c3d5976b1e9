#!/usr/bin/env python
"""Where does the time go? A small network made with a ProfileMode (Theano, 2009).

Every method of the instance is compiled with the same ProfileMode, which
counts the calls and times each Op; ``print_summary()`` prints the tables.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.compile import module as M


class TwoLayerRegression(M.Module):

    def __init__(self):
        super(TwoLayerRegression, self).__init__()
        x = T.dmatrix('x')
        y = T.dmatrix('y')
        self.w1 = T.dmatrix()
        self.b1 = T.dvector()
        self.w2 = T.dmatrix()
        self.b2 = T.dvector()
        self.lr = T.dscalar()

        hidden = NN.sigmoid(T.dot(x, self.w1) + self.b1)
        self.output = T.dot(hidden, self.w2) + self.b2
        self.cost = T.mean(T.sum((self.output - y) ** 2, axis=1))

        params = [self.w1, self.b1, self.w2, self.b2]
        gparams = T.grad(self.cost, params)
        self.update = M.Method([x, y], self.cost,
                               updates=dict((p, p - self.lr * g) for p, g in zip(params, gparams)))
        self.apply = M.Method([x], self.output)

    def _instance_initialize(self, obj, n_in, n_hidden, n_out, lr=0.1, seed=99):
        rng = N.random.RandomState(seed)
        obj.w1 = rng.uniform(low=-1, high=1, size=(n_in, n_hidden)) / N.sqrt(n_in)
        obj.b1 = N.zeros(n_hidden)
        obj.w2 = rng.uniform(low=-1, high=1, size=(n_hidden, n_out)) / N.sqrt(n_hidden)
        obj.b2 = N.zeros(n_out)
        obj.lr = lr


def make_data(n_examples=32, seed=8):
    rng = N.random.RandomState(seed)
    x = rng.uniform(low=-2, high=2, size=(n_examples, 3))
    y = N.column_stack([N.sin(x[:, 0]) + x[:, 1] * x[:, 2], N.cos(x[:, 1])])
    return x, y


def main(n_epochs=50):
    profmode = symmodule.ProfileMode(optimizer='fast_run', linker=symmodule.gof.OpWiseCLinker())
    x, y = make_data()
    model = TwoLayerRegression().make(3, 8, 2, lr=0.1, mode=profmode)
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(model.update(x, y)))
    print('cost went from %f to %f' % (costs[0], costs[-1]))
    profmode.print_summary()
    return costs, profmode


if __name__ == '__main__':
    main()
