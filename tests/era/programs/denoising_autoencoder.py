#!/usr/bin/env python
"""A denoising autoencoder on shared variables (Theano, 2012).

Each training step corrupts its minibatch by zeroing a random fraction of
the inputs, drawn from ``shared_randomstreams``, and learns to reconstruct
the clean input from the corrupted one.
"""
import numpy

import symmodule
import symmodule.tensor as T
from symmodule.tensor.shared_randomstreams import RandomStreams


class dA(object):

    def __init__(self, numpy_rng, theano_rng=None, input=None, n_visible=16, n_hidden=6,
                 W=None, bhid=None, bvis=None):
        self.n_visible = n_visible
        self.n_hidden = n_hidden

        if not theano_rng:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))

        if not W:
            initial_W = numpy.asarray(numpy_rng.uniform(
                      low=-4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                      high=4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                      size=(n_visible, n_hidden)), dtype=symmodule.config.floatX)
            W = symmodule.shared(value=initial_W, name='W', borrow=True)
        if not bvis:
            bvis = symmodule.shared(value=numpy.zeros(n_visible, dtype=symmodule.config.floatX),
                                    borrow=True)
        if not bhid:
            bhid = symmodule.shared(value=numpy.zeros(n_hidden, dtype=symmodule.config.floatX),
                                    name='b', borrow=True)

        self.W = W
        self.b = bhid
        self.b_prime = bvis
        self.W_prime = self.W.T
        self.theano_rng = theano_rng
        if input is None:
            self.x = T.dmatrix(name='input')
        else:
            self.x = input

        self.params = [self.W, self.b, self.b_prime]

    def get_corrupted_input(self, input, corruption_level):
        """Keep each input with probability 1 - corruption_level, zero it otherwise."""
        return self.theano_rng.binomial(size=input.shape, n=1, p=1 - corruption_level,
                                        dtype=symmodule.config.floatX) * input

    def get_hidden_values(self, input):
        return T.nnet.sigmoid(T.dot(input, self.W) + self.b)

    def get_reconstructed_input(self, hidden):
        return T.nnet.sigmoid(T.dot(hidden, self.W_prime) + self.b_prime)

    def get_cost_updates(self, corruption_level, learning_rate):
        tilde_x = self.get_corrupted_input(self.x, corruption_level)
        y = self.get_hidden_values(tilde_x)
        z = self.get_reconstructed_input(y)
        L = - T.sum(self.x * T.log(z) + (1 - self.x) * T.log(1 - z), axis=1)
        cost = T.mean(L)
        gparams = T.grad(cost, self.params)
        updates = [(param, param - learning_rate * gparam)
                   for param, gparam in zip(self.params, gparams)]
        return (cost, updates)


def load_data(n_examples=60, n_visible=16, seed=31):
    """Binary images of 4x4 pixels: one full row or one full column lit."""
    rng = numpy.random.RandomState(seed)
    images = numpy.zeros((n_examples, 4, 4))
    for image, kind, where in zip(images, rng.randint(0, 2, n_examples), rng.randint(0, 4, n_examples)):
        if kind:
            image[where, :] = 1
        else:
            image[:, where] = 1
    return symmodule.shared(numpy.asarray(images.reshape(n_examples, n_visible),
                                          dtype=symmodule.config.floatX), borrow=True)


def pretraining_function(da, train_set_x, batch_size):
    """One SGD step on a minibatch; the corruption level and learning rate default to 0.2 and 0.1."""
    index = T.lscalar('index')
    corruption_level = T.scalar('corruption')
    learning_rate = T.scalar('lr')
    cost, updates = da.get_cost_updates(corruption_level, learning_rate)
    return symmodule.function(inputs=[index,
                                      symmodule.Param(corruption_level, default=0.2),
                                      symmodule.Param(learning_rate, default=0.1)],
                              outputs=cost, updates=updates,
                              givens={da.x: train_set_x[index * batch_size:(index + 1) * batch_size]})


def test_dA_training(learning_rate=0.5, training_epochs=20, corruption_level=0.3,
                     batch_size=10, train_set_x=None):
    if train_set_x is None:
        train_set_x = load_data()
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    x = T.matrix('x')
    rng = numpy.random.RandomState(123)
    theano_rng = RandomStreams(rng.randint(2 ** 30))
    da = dA(numpy_rng=rng, theano_rng=theano_rng, input=x, n_visible=16, n_hidden=6)
    train_da = pretraining_function(da, train_set_x, batch_size)

    epoch_costs = []
    for epoch in range(training_epochs):
        c = [train_da(index=batch_index, corruption=corruption_level, lr=learning_rate)
             for batch_index in range(n_train_batches)]
        epoch_costs.append(numpy.mean(c))
        print('Training epoch %d, cost %f' % (epoch, epoch_costs[-1]))
    return da, epoch_costs


if __name__ == '__main__':
    test_dA_training()
