#!/usr/bin/env python
"""A restricted Boltzmann machine on shared variables, its Gibbs chain run by scan (Theano, 2012).

Training is contrastive divergence with k Gibbs steps (or persistent CD when
given a shared chain); the cost whose gradient is taken is the difference of
free energies, with the chain's end held constant. Sampling afterwards runs
a persistent chain, again through scan.
"""
import numpy

import symmodule
import symmodule.tensor as T
from symmodule.tensor.shared_randomstreams import RandomStreams


class RBM(object):

    def __init__(self, input=None, n_visible=16, n_hidden=8, W=None, hbias=None, vbias=None,
                 numpy_rng=None, theano_rng=None):
        self.n_visible = n_visible
        self.n_hidden = n_hidden

        if numpy_rng is None:
            numpy_rng = numpy.random.RandomState(1234)
        if theano_rng is None:
            theano_rng = RandomStreams(numpy_rng.randint(2 ** 30))

        if W is None:
            initial_W = numpy.asarray(numpy_rng.uniform(
                      low=-4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                      high=4 * numpy.sqrt(6. / (n_hidden + n_visible)),
                      size=(n_visible, n_hidden)), dtype=symmodule.config.floatX)
            W = symmodule.shared(value=initial_W, name='W', borrow=True)
        if hbias is None:
            hbias = symmodule.shared(value=numpy.zeros(n_hidden, dtype=symmodule.config.floatX),
                                     name='hbias', borrow=True)
        if vbias is None:
            vbias = symmodule.shared(value=numpy.zeros(n_visible, dtype=symmodule.config.floatX),
                                     name='vbias', borrow=True)

        self.input = input
        if input is None:
            self.input = T.matrix('input')
        self.W = W
        self.hbias = hbias
        self.vbias = vbias
        self.theano_rng = theano_rng
        self.params = [self.W, self.hbias, self.vbias]

    def free_energy(self, v_sample):
        wx_b = T.dot(v_sample, self.W) + self.hbias
        vbias_term = T.dot(v_sample, self.vbias)
        hidden_term = T.sum(T.log(1 + T.exp(wx_b)), axis=1)
        return -hidden_term - vbias_term

    def propup(self, vis):
        pre_sigmoid_activation = T.dot(vis, self.W) + self.hbias
        return [pre_sigmoid_activation, T.nnet.sigmoid(pre_sigmoid_activation)]

    def sample_h_given_v(self, v0_sample):
        pre_sigmoid_h1, h1_mean = self.propup(v0_sample)
        h1_sample = self.theano_rng.binomial(size=h1_mean.shape, n=1, p=h1_mean,
                                             dtype=symmodule.config.floatX)
        return [pre_sigmoid_h1, h1_mean, h1_sample]

    def propdown(self, hid):
        pre_sigmoid_activation = T.dot(hid, self.W.T) + self.vbias
        return [pre_sigmoid_activation, T.nnet.sigmoid(pre_sigmoid_activation)]

    def sample_v_given_h(self, h0_sample):
        pre_sigmoid_v1, v1_mean = self.propdown(h0_sample)
        v1_sample = self.theano_rng.binomial(size=v1_mean.shape, n=1, p=v1_mean,
                                             dtype=symmodule.config.floatX)
        return [pre_sigmoid_v1, v1_mean, v1_sample]

    def gibbs_hvh(self, h0_sample):
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h0_sample)
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v1_sample)
        return [pre_sigmoid_v1, v1_mean, v1_sample, pre_sigmoid_h1, h1_mean, h1_sample]

    def gibbs_vhv(self, v0_sample):
        pre_sigmoid_h1, h1_mean, h1_sample = self.sample_h_given_v(v0_sample)
        pre_sigmoid_v1, v1_mean, v1_sample = self.sample_v_given_h(h1_sample)
        return [pre_sigmoid_h1, h1_mean, h1_sample, pre_sigmoid_v1, v1_mean, v1_sample]

    def get_cost_updates(self, lr=0.1, persistent=None, k=1):
        pre_sigmoid_ph, ph_mean, ph_sample = self.sample_h_given_v(self.input)
        if persistent is None:
            chain_start = ph_sample
        else:
            chain_start = persistent

        [pre_sigmoid_nvs, nv_means, nv_samples, pre_sigmoid_nhs, nh_means, nh_samples], updates = \
            symmodule.scan(self.gibbs_hvh,
                           outputs_info=[None, None, None, None, None, chain_start],
                           n_steps=k)

        chain_end = nv_samples[-1]
        cost = T.mean(self.free_energy(self.input)) - T.mean(self.free_energy(chain_end))
        gparams = T.grad(cost, self.params, consider_constant=[chain_end])
        for gparam, param in zip(gparams, self.params):
            updates[param] = param - gparam * T.cast(lr, dtype=symmodule.config.floatX)

        # Theano code wrote "if persistent:"; a shared variable has no truth value
        # (see "Coming from Theano"), so test for None.
        if persistent is not None:
            updates[persistent] = nh_samples[-1]
        monitoring_cost = self.get_reconstruction_cost(pre_sigmoid_nvs[-1])
        return monitoring_cost, updates

    def get_reconstruction_cost(self, pre_sigmoid_nv):
        cross_entropy = T.mean(T.sum(
                self.input * T.log(T.nnet.sigmoid(pre_sigmoid_nv)) +
                (1 - self.input) * T.log(1 - T.nnet.sigmoid(pre_sigmoid_nv)), axis=1))
        return -cross_entropy


def load_data(n_examples=60, seed=41):
    """Binary 4x4 images, each one of three patterns with 5% of its pixels flipped."""
    rng = numpy.random.RandomState(seed)
    patterns = numpy.array([[1, 1, 0, 0] * 4, [0, 0, 1, 1] * 4, [1] * 8 + [0] * 8])
    which = rng.randint(0, 3, size=n_examples)
    flips = rng.binomial(n=1, p=0.05, size=(n_examples, 16))
    data = numpy.abs(patterns[which] - flips)
    return symmodule.shared(numpy.asarray(data, dtype=symmodule.config.floatX), borrow=True)


def test_rbm(learning_rate=0.1, training_epochs=15, batch_size=10, n_hidden=8, k=1,
             train_set_x=None, rbm=None):
    if train_set_x is None:
        train_set_x = load_data()
    n_train_batches = train_set_x.get_value(borrow=True).shape[0] // batch_size

    index = T.lscalar()
    x = T.matrix('x')
    if rbm is None:
        rng = numpy.random.RandomState(123)
        theano_rng = RandomStreams(rng.randint(2 ** 30))
        rbm = RBM(input=x, n_visible=16, n_hidden=n_hidden, numpy_rng=rng, theano_rng=theano_rng)
    else:
        x = rbm.input

    cost, updates = rbm.get_cost_updates(lr=learning_rate, persistent=None, k=k)
    train_rbm = symmodule.function([index], cost, updates=updates,
            givens={x: train_set_x[index * batch_size:(index + 1) * batch_size]},
            name='train_rbm')

    epoch_costs = []
    for epoch in range(training_epochs):
        mean_cost = [train_rbm(batch_index) for batch_index in range(n_train_batches)]
        epoch_costs.append(numpy.mean(mean_cost))
        print('Training epoch %d, cost is %f' % (epoch, epoch_costs[-1]))
    return rbm, epoch_costs


def sample_rbm(rbm, start, plot_every=5, n_samples=3):
    """Run a persistent Gibbs chain from ``start``, keeping every plot_every-th visible sample."""
    persistent_vis_chain = symmodule.shared(numpy.asarray(start, dtype=symmodule.config.floatX))
    [presig_hids, hid_mfs, hid_samples, presig_vis, vis_mfs, vis_samples], updates = \
        symmodule.scan(rbm.gibbs_vhv,
                       outputs_info=[None, None, None, None, None, persistent_vis_chain],
                       n_steps=plot_every)
    updates.update({persistent_vis_chain: vis_samples[-1]})
    sample_fn = symmodule.function([], [vis_mfs[-1], vis_samples[-1]], updates=updates,
                                   name='sample_fn')
    samples = []
    for idx in range(n_samples):
        vis_mf, vis_sample = sample_fn()
        samples.append(vis_sample)
    return samples


if __name__ == '__main__':
    trained, costs = test_rbm()
    print(sample_rbm(trained, load_data().get_value()[:4]))
