#!/usr/bin/env python
"""A multilayer perceptron trained by minibatch SGD, on shared variables (Theano, 2012).

The data sit in shared variables; ``givens`` replaces the symbolic input and
labels by one minibatch of them, picked by the index given to ``train_model``.
"""
import numpy

import symmodule
import symmodule.tensor as T


class LogisticRegression(object):
    """Softmax output layer, its weights and biases starting at zero."""

    def __init__(self, input, n_in, n_out):
        self.W = symmodule.shared(value=numpy.zeros((n_in, n_out), dtype=symmodule.config.floatX),
                                  name='W', borrow=True)
        self.b = symmodule.shared(value=numpy.zeros((n_out,), dtype=symmodule.config.floatX),
                                  name='b', borrow=True)
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        if y.ndim != self.y_pred.ndim:
            raise TypeError('y should have the same shape as self.y_pred',
                            ('y', y.type, 'y_pred', self.y_pred.type))
        if y.dtype.startswith('int'):
            return T.mean(T.neq(self.y_pred, y))
        else:
            raise NotImplementedError()


class HiddenLayer(object):

    def __init__(self, rng, input, n_in, n_out, W=None, b=None, activation=T.tanh):
        self.input = input
        if W is None:
            W_values = numpy.asarray(rng.uniform(
                    low=-numpy.sqrt(6. / (n_in + n_out)),
                    high=numpy.sqrt(6. / (n_in + n_out)),
                    size=(n_in, n_out)), dtype=symmodule.config.floatX)
            if activation == T.nnet.sigmoid:
                W_values *= 4
            W = symmodule.shared(value=W_values, name='W', borrow=True)
        if b is None:
            b_values = numpy.zeros((n_out,), dtype=symmodule.config.floatX)
            b = symmodule.shared(value=b_values, name='b', borrow=True)
        self.W = W
        self.b = b

        lin_output = T.dot(input, self.W) + self.b
        self.output = (lin_output if activation is None else activation(lin_output))
        self.params = [self.W, self.b]


class MLP(object):

    def __init__(self, rng, input, n_in, n_hidden, n_out):
        self.hiddenLayer = HiddenLayer(rng=rng, input=input, n_in=n_in, n_out=n_hidden,
                                       activation=T.tanh)
        self.logRegressionLayer = LogisticRegression(input=self.hiddenLayer.output,
                                                     n_in=n_hidden, n_out=n_out)
        self.L1 = abs(self.hiddenLayer.W).sum() + abs(self.logRegressionLayer.W).sum()
        self.L2_sqr = (self.hiddenLayer.W ** 2).sum() + (self.logRegressionLayer.W ** 2).sum()
        self.negative_log_likelihood = self.logRegressionLayer.negative_log_likelihood
        self.errors = self.logRegressionLayer.errors
        self.params = self.hiddenLayer.params + self.logRegressionLayer.params


def shared_dataset(data_xy, borrow=True):
    """Keep a dataset in shared variables; the labels are used as ints."""
    data_x, data_y = data_xy
    shared_x = symmodule.shared(numpy.asarray(data_x, dtype=symmodule.config.floatX), borrow=borrow)
    shared_y = symmodule.shared(numpy.asarray(data_y, dtype=symmodule.config.floatX), borrow=borrow)
    return shared_x, T.cast(shared_y, 'int32')


def load_data(n_train=120, n_valid=40, n_in=6, n_out=3, seed=12):
    """Random points around three centres, split into training and validation sets."""
    rng = numpy.random.RandomState(seed)
    centres = rng.randn(n_out, n_in) * 2
    def draw(n):
        labels = rng.randint(0, n_out, size=n)
        return centres[labels] + rng.randn(n, n_in), labels
    return [shared_dataset(draw(n_train)), shared_dataset(draw(n_valid))]


def train_mlp(learning_rate=0.05, L1_reg=0.001, L2_reg=0.0001, n_epochs=20,
              batch_size=20, n_hidden=10, datasets=None):
    if datasets is None:
        datasets = load_data()
    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size
    n_in = train_set_x.get_value(borrow=True).shape[1]

    print('... building the model')
    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')
    rng = numpy.random.RandomState(1234)
    classifier = MLP(rng=rng, input=x, n_in=n_in, n_hidden=n_hidden, n_out=3)

    cost = classifier.negative_log_likelihood(y) \
        + L1_reg * classifier.L1 \
        + L2_reg * classifier.L2_sqr

    validate_model = symmodule.function(inputs=[index],
            outputs=classifier.errors(y),
            givens={
                x: valid_set_x[index * batch_size:(index + 1) * batch_size],
                y: valid_set_y[index * batch_size:(index + 1) * batch_size]})

    gparams = []
    for param in classifier.params:
        gparam = T.grad(cost, param)
        gparams.append(gparam)

    updates = []
    for param, gparam in zip(classifier.params, gparams):
        updates.append((param, param - learning_rate * gparam))

    train_model = symmodule.function(inputs=[index], outputs=cost,
            updates=updates,
            givens={
                x: train_set_x[index * batch_size:(index + 1) * batch_size],
                y: train_set_y[index * batch_size:(index + 1) * batch_size]})

    print('... training')
    epoch_costs = []
    validation_errors = []
    for epoch in range(1, n_epochs + 1):
        costs = [train_model(minibatch_index) for minibatch_index in range(n_train_batches)]
        epoch_costs.append(numpy.mean(costs))
        this_validation_loss = numpy.mean([validate_model(i) for i in range(n_valid_batches)])
        validation_errors.append(this_validation_loss)
        print('epoch %i, cost %f, validation error %f %%' %
              (epoch, epoch_costs[-1], this_validation_loss * 100.))
    return classifier, epoch_costs, validation_errors


if __name__ == '__main__':
    train_mlp()
