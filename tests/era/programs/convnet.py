#!/usr/bin/env python
"""A small convolutional network (LeNet style) on 8x8 images (Theano, 2012).

One convolution + max-pooling layer with tanh, a tanh hidden layer and a
softmax, trained by minibatch SGD through ``givens``. The images are noisy
horizontal (class 0) or vertical (class 1) bars.
"""
import numpy

import symmodule
import symmodule.tensor as T
from symmodule.tensor.nnet import conv
from symmodule.tensor.signal import downsample


class LogisticRegression(object):

    def __init__(self, input, n_in, n_out):
        self.W = symmodule.shared(numpy.zeros((n_in, n_out), dtype=symmodule.config.floatX),
                                  name='W', borrow=True)
        self.b = symmodule.shared(numpy.zeros((n_out,), dtype=symmodule.config.floatX),
                                  name='b', borrow=True)
        self.p_y_given_x = T.nnet.softmax(T.dot(input, self.W) + self.b)
        self.y_pred = T.argmax(self.p_y_given_x, axis=1)
        self.params = [self.W, self.b]

    def negative_log_likelihood(self, y):
        return -T.mean(T.log(self.p_y_given_x)[T.arange(y.shape[0]), y])

    def errors(self, y):
        return T.mean(T.neq(self.y_pred, y))


class HiddenLayer(object):

    def __init__(self, rng, input, n_in, n_out, activation=T.tanh):
        bound = numpy.sqrt(6. / (n_in + n_out))
        self.W = symmodule.shared(numpy.asarray(rng.uniform(low=-bound, high=bound, size=(n_in, n_out)),
                                                dtype=symmodule.config.floatX), name='W', borrow=True)
        self.b = symmodule.shared(numpy.zeros((n_out,), dtype=symmodule.config.floatX),
                                  name='b', borrow=True)
        self.output = activation(T.dot(input, self.W) + self.b)
        self.params = [self.W, self.b]


class LeNetConvPoolLayer(object):
    """Convolution, then max-pooling, then tanh of the pooled maps plus a bias per map."""

    def __init__(self, rng, input, filter_shape, image_shape, poolsize=(2, 2)):
        assert image_shape[1] == filter_shape[1]
        self.input = input

        fan_in = numpy.prod(filter_shape[1:])
        fan_out = filter_shape[0] * numpy.prod(filter_shape[2:]) / numpy.prod(poolsize)
        W_bound = numpy.sqrt(6. / (fan_in + fan_out))
        self.W = symmodule.shared(numpy.asarray(
            rng.uniform(low=-W_bound, high=W_bound, size=filter_shape),
            dtype=symmodule.config.floatX), borrow=True)
        b_values = numpy.zeros((filter_shape[0],), dtype=symmodule.config.floatX)
        self.b = symmodule.shared(value=b_values, borrow=True)

        conv_out = conv.conv2d(input=input, filters=self.W,
                               filter_shape=filter_shape, image_shape=image_shape)
        pooled_out = downsample.max_pool_2d(input=conv_out, ds=poolsize, ignore_border=True)
        self.output = T.tanh(pooled_out + self.b.dimshuffle('x', 0, 'x', 'x'))
        self.params = [self.W, self.b]


def load_data(n_train=40, n_valid=20, seed=21):
    rng = numpy.random.RandomState(seed)
    def draw(n):
        labels = rng.randint(0, 2, size=n)
        images = 0.3 * rng.rand(n, 8, 8)
        for image, label, where in zip(images, labels, rng.randint(1, 7, size=n)):
            if label == 0:
                image[where, 1:7] += 1.
            else:
                image[1:7, where] += 1.
        x = symmodule.shared(numpy.asarray(images.reshape(n, 64), dtype=symmodule.config.floatX),
                             borrow=True)
        y = symmodule.shared(numpy.asarray(labels, dtype=symmodule.config.floatX), borrow=True)
        return x, T.cast(y, 'int32')
    return [draw(n_train), draw(n_valid)]


def build_lenet(rng, x, batch_size, nkerns=3):
    layer0_input = x.reshape((batch_size, 1, 8, 8))
    # 8x8 images, 3x3 filters: 6x6 maps, pooled to 2x2
    layer0 = LeNetConvPoolLayer(rng, input=layer0_input,
                                image_shape=(batch_size, 1, 8, 8),
                                filter_shape=(nkerns, 1, 3, 3), poolsize=(3, 3))
    layer1 = HiddenLayer(rng, input=layer0.output.flatten(2), n_in=nkerns * 2 * 2,
                         n_out=8, activation=T.tanh)
    layer2 = LogisticRegression(input=layer1.output, n_in=8, n_out=2)
    return layer0, layer1, layer2


def evaluate_lenet(learning_rate=0.2, n_epochs=10, nkerns=3, batch_size=10, datasets=None):
    rng = numpy.random.RandomState(23455)
    if datasets is None:
        datasets = load_data()
    train_set_x, train_set_y = datasets[0]
    valid_set_x, valid_set_y = datasets[1]
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size
    n_valid_batches = valid_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    y = T.ivector('y')

    print('... building the model')
    layer0, layer1, layer2 = build_lenet(rng, x, batch_size, nkerns)
    cost = layer2.negative_log_likelihood(y)

    validate_model = symmodule.function([index], layer2.errors(y),
            givens={
                x: valid_set_x[index * batch_size: (index + 1) * batch_size],
                y: valid_set_y[index * batch_size: (index + 1) * batch_size]})

    params = layer2.params + layer1.params + layer0.params
    grads = T.grad(cost, params)
    updates = [(param_i, param_i - learning_rate * grad_i)
               for param_i, grad_i in zip(params, grads)]

    train_model = symmodule.function([index], cost, updates=updates,
            givens={
                x: train_set_x[index * batch_size: (index + 1) * batch_size],
                y: train_set_y[index * batch_size: (index + 1) * batch_size]})

    print('... training')
    epoch_costs = []
    validation_errors = []
    for epoch in range(n_epochs):
        epoch_costs.append(numpy.mean([train_model(i) for i in range(n_train_batches)]))
        validation_errors.append(numpy.mean([validate_model(i) for i in range(n_valid_batches)]))
        print('epoch %i, cost %f, validation error %f %%'
              % (epoch + 1, epoch_costs[-1], validation_errors[-1] * 100.))
    return [layer0, layer1, layer2], epoch_costs, validation_errors


if __name__ == '__main__':
    evaluate_lenet()
