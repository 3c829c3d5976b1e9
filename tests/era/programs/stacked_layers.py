#!/usr/bin/env python
"""A multi-layer perceptron made of stacked layer Modules in a ComponentList (Theano, 2009).

Each hidden layer is a Module of its own, fed the output of the layer below;
the network module keeps them in ``self.layers`` and trains all their
parameters with one Method.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.compile import module as M


class TanhLayer(M.Module):

    def __init__(self, input=None):
        super(TanhLayer, self).__init__()
        # Theano code often wrote "if not input:"; a PyTensor variable has no
        # truth value (see "Coming from Theano"), so test for None.
        if input is None:
            input = T.dmatrix('input')
        self.w = T.dmatrix()
        self.b = T.dvector()
        self.output = T.tanh(T.dot(input, self.w) + self.b)

    def _instance_initialize(self, obj, n_in, n_out, rng):
        bound = N.sqrt(6. / (n_in + n_out))
        obj.w = rng.uniform(low=-bound, high=bound, size=(n_in, n_out))
        obj.b = N.zeros(n_out)


class StackedNetwork(M.Module):

    def __init__(self, n_hidden_layers=2):
        super(StackedNetwork, self).__init__()
        x = T.dmatrix('x')
        y = T.lvector('y')

        self.layers = M.ComponentList()
        input = x
        for i in range(n_hidden_layers):
            layer = TanhLayer(input)
            self.layers.append(layer)
            input = layer.output

        # softmax output layer
        self.v = T.dmatrix()
        self.c = T.dvector()
        self.p_y_given_x = NN.softmax(T.dot(input, self.v) + self.c)
        self.nll = -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

        self.lr = T.dscalar()
        params = [self.v, self.c]
        for layer in self.layers:
            params += [layer.w, layer.b]
        gparams = T.grad(self.nll, params)
        self.update = M.Method([x, y], self.nll,
                               updates=dict((p, p - self.lr * g) for p, g in zip(params, gparams)))
        self.predict = M.Method([x], T.argmax(self.p_y_given_x, axis=1))

    def _instance_initialize(self, obj, sizes, lr=0.1, seed=2009):
        rng = N.random.RandomState(seed)
        for layer, n_in, n_out in zip(obj.layers, sizes[:-2], sizes[1:-1]):
            layer.initialize(n_in, n_out, rng)
        obj.v = N.zeros((sizes[-2], sizes[-1]))
        obj.c = N.zeros(sizes[-1])
        obj.lr = lr


def make_data(n_examples=48, seed=4):
    """Two noisy rings in the plane: class 0 inside, class 1 outside."""
    rng = N.random.RandomState(seed)
    y = rng.randint(0, 2, size=n_examples)
    radius = 0.5 + y + 0.2 * rng.randn(n_examples)
    angle = rng.uniform(0, 2 * N.pi, size=n_examples)
    x = N.column_stack([radius * N.cos(angle), radius * N.sin(angle)])
    return x, y


def main(n_epochs=150):
    x, y = make_data()
    net = StackedNetwork(n_hidden_layers=2).make([2, 6, 6, 2], lr=0.3)
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(net.update(x, y)))
        if epoch % 30 == 0:
            print('epoch %3d  nll %.4f  errors %d' % (epoch, costs[-1], (net.predict(x) != y).sum()))
    return costs


if __name__ == '__main__':
    main()
