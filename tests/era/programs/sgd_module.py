#!/usr/bin/env python
"""A reusable stochastic gradient descent Module wrapped around a model (Theano, 2009).

``StochasticGradientDescent(args, cost, params)`` knows nothing about the
model: it takes the symbolic cost and the parameters, and adds a ``step``
method. The model puts one inside itself as an inner module.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M


class StochasticGradientDescent(M.Module):
    """Fixed stepsize gradient descent, with optional momentum."""

    def __init__(self, args, cost, params, gradients=None, stepsize=None, momentum=None):
        super(StochasticGradientDescent, self).__init__()
        self.stepsize_init = stepsize
        self.momentum_init = momentum

        self.stepsize = T.dscalar()
        self.momentum = T.dscalar()
        self.params = params
        if gradients is None:
            gradients = T.grad(cost, params)
        self.gparams = gradients

        # one velocity per parameter, of the parameter's type
        self.velocities = [p.type() for p in params]

        updates = {}
        for p, g, v in zip(params, gradients, self.velocities):
            new_v = self.momentum * v - self.stepsize * g
            updates[v] = new_v
            updates[p] = p + new_v

        self.step = M.Method(args, [], updates=updates)
        self.step_cost = M.Method(args, cost, updates=updates)

    def _instance_initialize(self, obj, **init):
        if self.stepsize_init is not None:
            obj.stepsize = self.stepsize_init
        obj.momentum = self.momentum_init or 0.0
        M.default_initialize(obj, **init)
        if obj.params[0] is not None:
            obj.reset_velocities()

    def _instance_reset_velocities(self, obj):
        for i, p in enumerate(obj.params):
            obj.velocities[i] = N.zeros_like(p)


class LinearRegression(M.Module):
    """Least squares regression, trained by the SGD module inside it."""

    def __init__(self, stepsize=0.05, momentum=None):
        super(LinearRegression, self).__init__()
        x = T.dmatrix('x')
        y = T.dmatrix('y')
        self.w = T.dmatrix()
        self.b = T.dvector()
        self.prediction = T.dot(x, self.w) + self.b
        self.cost = T.mean(T.sum((self.prediction - y) ** 2, axis=1))
        self.sgd = StochasticGradientDescent([x, y], self.cost, [self.w, self.b],
                                             stepsize=stepsize, momentum=momentum)
        self.predict = M.Method([x], self.prediction)

    def _instance_initialize(self, obj, n_in, n_out, **init):
        obj.w = N.zeros((n_in, n_out))
        obj.b = N.zeros(n_out)
        M.default_initialize(obj, **init)
        obj.sgd.initialize()


def make_data(n_examples=50, n_in=4, n_out=2, seed=3):
    rng = N.random.RandomState(seed)
    x = rng.randn(n_examples, n_in)
    w = rng.randn(n_in, n_out)
    y = N.dot(x, w) + 0.5 + 0.1 * rng.randn(n_examples, n_out)
    return x, y


def main(n_epochs=50, momentum=0.5):
    x, y = make_data()
    model = LinearRegression(stepsize=0.05, momentum=momentum).make(4, 2)
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(model.sgd.step_cost(x, y)))
        if epoch % 10 == 0:
            print('epoch', epoch, 'cost', costs[-1])
    return costs


if __name__ == '__main__':
    main()
