#!/usr/bin/env python
"""A new Op written in Python, with its gradient, used inside a Module's Method (Theano, 2009).

``PseudoAbs`` computes sqrt(x**2 + eps), a smooth absolute value; a robust
regression Module minimises its mean over the residuals.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M


class PseudoAbs(symmodule.Op):
    """Elementwise sqrt(x ** 2 + eps)."""

    def __init__(self, eps=1e-2):
        self.eps = eps

    def __eq__(self, other):
        return type(self) == type(other) and self.eps == other.eps

    def __hash__(self):
        return hash(type(self)) ^ hash(self.eps)

    def __str__(self):
        return '%s{eps=%s}' % (self.__class__.__name__, self.eps)

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return symmodule.Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        x, = inputs
        z, = output_storage
        z[0] = N.sqrt(x * x + self.eps)

    def grad(self, inputs, output_gradients):
        x, = inputs
        gz, = output_gradients
        return [gz * x / self(x)]


pseudo_abs = PseudoAbs()


class RobustRegression(M.Module):

    def __init__(self):
        super(RobustRegression, self).__init__()
        x = T.dmatrix('x')
        y = T.dvector('y')
        self.w = T.dvector()
        self.b = T.dscalar()
        self.lr = T.dscalar()
        residual = T.dot(x, self.w) + self.b - y
        self.cost = T.mean(pseudo_abs(residual))
        gw, gb = T.grad(self.cost, [self.w, self.b])
        self.update = M.Method([x, y], self.cost,
                               updates={self.w: self.w - self.lr * gw,
                                        self.b: self.b - self.lr * gb})
        self.loss = M.Method([x, y], self.cost)
        self.gradient = M.Method([x, y], [gw, gb])

    def _instance_initialize(self, obj, n_in=None, **init):
        if n_in:
            obj.w = N.zeros(n_in)
            obj.b = 0.
            obj.lr = 0.1
        M.default_initialize(obj, **init)


def make_data(n_examples=40, n_in=3, seed=5):
    """A linear target with a few gross outliers."""
    rng = N.random.RandomState(seed)
    x = rng.randn(n_examples, n_in)
    y = N.dot(x, N.array([1.5, -2., 0.5])) + 1. + 0.05 * rng.randn(n_examples)
    y[::10] += 20.
    return x, y


def main(n_epochs=100):
    x, y = make_data()
    model = RobustRegression().make(n_in=3, lr=0.2)
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(model.update(x, y)))
        if epoch % 25 == 0:
            print('epoch', epoch, 'cost', costs[-1], 'w', model.w)
    return costs


if __name__ == '__main__':
    main()
