#!/usr/bin/env python
"""An autoencoder with tied weights, as a Module (Theano, 2009).

The hidden code is sigmoid(x w + b); the reconstruction sigmoid(h w' + c) is
scored by its cross-entropy against the input.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.compile import module as M


class AutoEncoder(M.Module):

    def __init__(self, input=None):
        super(AutoEncoder, self).__init__()
        if input is None:
            input = T.dmatrix('input')
        self.input = input

        # parameters and hyper-parameters
        self.w = T.dmatrix()
        self.b = T.dvector()   # hidden biases
        self.c = T.dvector()   # visible biases
        self.lr = T.dscalar()

        self.hidden = NN.sigmoid(T.dot(input, self.w) + self.b)
        self.output = NN.sigmoid(T.dot(self.hidden, self.w.T) + self.c)
        self.reconstruction_cost = - T.sum(input * T.log(self.output)
                                           + (1 - input) * T.log(1 - self.output), axis=1)
        self.cost = T.mean(self.reconstruction_cost)

        self.params = [self.w, self.b, self.c]
        gparams = T.grad(self.cost, self.params)
        updates = dict((p, p - self.lr * gp) for p, gp in zip(self.params, gparams))

        self.update = M.Method([input], self.cost, updates=updates)
        self.encode = M.Method([input], self.hidden)
        self.reconstruct = M.Method([input], self.output)

    def _instance_initialize(self, obj, input_size=None, hidden_size=None, seed=42, **init):
        if input_size and hidden_size:
            rng = N.random.RandomState(seed)
            bound = N.sqrt(6. / (input_size + hidden_size))
            obj.w = rng.uniform(size=(input_size, hidden_size), low=-bound, high=bound)
            obj.b = N.zeros(hidden_size)
            obj.c = N.zeros(input_size)
            obj.lr = 0.1
        M.default_initialize(obj, **init)


def make_data(n_examples=30, n_visible=12, seed=1):
    """Binary patterns made of a few prototypes with some bits flipped."""
    rng = N.random.RandomState(seed)
    prototypes = rng.binomial(n=1, p=0.5, size=(3, n_visible))
    which = rng.randint(0, 3, size=n_examples)
    flips = rng.binomial(n=1, p=0.1, size=(n_examples, n_visible))
    return N.abs(prototypes[which] - flips).astype('float64')


def main(n_epochs=200):
    data = make_data()
    ae = AutoEncoder().make(input_size=data.shape[1], hidden_size=4, lr=0.5)
    costs = []
    for epoch in range(n_epochs):
        costs.append(float(ae.update(data)))
        if epoch % 50 == 0:
            print('epoch', epoch, 'reconstruction cost', costs[-1])
    print('final cost', costs[-1])
    return costs


if __name__ == '__main__':
    main()
