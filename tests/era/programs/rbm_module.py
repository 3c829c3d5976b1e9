#!/usr/bin/env python
"""A binary RBM trained by contrastive divergence (CD-1), as a Module (Theano, 2009).

The Gibbs step draws from the module's RandomStreams; every call of ``cd1``
advances the streams.
"""
import numpy as N

import symmodule
from symmodule import tensor as T
from symmodule.tensor import nnet as NN
from symmodule.tensor.randomstreams import RandomStreams
from symmodule.compile import module as M


class RBM(M.Module):

    def __init__(self, seed=123):
        super(RBM, self).__init__()
        self.random = RandomStreams(seed)

        self.w = T.dmatrix()
        self.hbias = T.dvector()
        self.vbias = T.dvector()
        self.lr = T.dscalar()

        v0 = T.dmatrix('v0')
        # positive phase
        h0_mean = NN.sigmoid(T.dot(v0, self.w) + self.hbias)
        h0_sample = self.random.binomial(T.shape(h0_mean), 1, h0_mean)
        # negative phase: one Gibbs step
        v1_mean = NN.sigmoid(T.dot(h0_sample, self.w.T) + self.vbias)
        v1_sample = self.random.binomial(T.shape(v1_mean), 1, v1_mean)
        h1_mean = NN.sigmoid(T.dot(v1_sample, self.w) + self.hbias)

        n = T.cast(v0.shape[0], 'float64')
        dw = (T.dot(v0.T, h0_mean) - T.dot(v1_sample.T, h1_mean)) / n
        dhbias = T.mean(h0_mean - h1_mean, axis=0)
        dvbias = T.mean(v0 - v1_sample, axis=0)

        self.reconstruction_error = T.mean(T.sum((v0 - v1_mean) ** 2, axis=1))

        self.cd1 = M.Method([v0], [self.reconstruction_error, h0_sample, v1_sample],
                            updates={self.w: self.w + self.lr * dw,
                                     self.hbias: self.hbias + self.lr * dhbias,
                                     self.vbias: self.vbias + self.lr * dvbias})
        self.hidden_probabilities = M.Method([v0], h0_mean)

    def _instance_initialize(self, obj, n_visible=None, n_hidden=None, seed=1234, **init):
        obj.random.initialize()
        if n_visible and n_hidden:
            rng = N.random.RandomState(seed)
            obj.w = rng.normal(loc=0., scale=0.01, size=(n_visible, n_hidden))
            obj.hbias = N.zeros(n_hidden)
            obj.vbias = N.zeros(n_visible)
            obj.lr = 0.1
        M.default_initialize(obj, **init)


def make_data(n_examples=40, n_visible=10, seed=2):
    """Two binary prototypes, each bit flipped with probability 0.05."""
    rng = N.random.RandomState(seed)
    prototypes = N.array([[1] * 5 + [0] * 5, [0] * 5 + [1] * 5])
    which = rng.randint(0, 2, size=n_examples)
    flips = rng.binomial(n=1, p=0.05, size=(n_examples, n_visible))
    return N.abs(prototypes[which] - flips).astype('float64')


def main(n_epochs=100):
    data = make_data()
    rbm = RBM().make(n_visible=10, n_hidden=3, lr=0.5)
    errors = []
    for epoch in range(n_epochs):
        error, h0, v1 = rbm.cd1(data)
        errors.append(float(error))
        if epoch % 20 == 0:
            print('epoch %d, reconstruction error %.4f' % (epoch, error))
    return errors


if __name__ == '__main__':
    main()
