"""SGD against the NumPy oracle and optax, over more than 100 steps in float64."""

import pytest

import symmodule
from optim import harness, oracle
from symmodule.optim import SGD

CASES = {
    "plain": dict(learning_rate=0.05),
    "momentum": dict(learning_rate=0.05, momentum=0.9),
    "nesterov": dict(learning_rate=0.05, momentum=0.9, nesterov=True),
    "weight_decay": dict(learning_rate=0.05, weight_decay=0.1),
    "all": dict(learning_rate=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
}


@pytest.mark.parametrize("kw", CASES.values(), ids=CASES.keys())
def test_sgd_matches_the_oracle(kw):
    assert harness.worst_error_vs_oracle(SGD(**kw), oracle.SGD, **kw) <= 1e-10


def test_sgd_matches_the_oracle_in_the_default_mode():
    kw = CASES["all"]
    assert harness.worst_error_vs_oracle(SGD(**kw), oracle.SGD, mode="FAST_RUN", **kw) <= 1e-10


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_optax(nesterov):
    def transformation(optax):
        return optax.sgd(0.05, momentum=0.9, nesterov=nesterov)

    opt = SGD(0.05, momentum=0.9, nesterov=nesterov)
    assert harness.worst_error_vs_optax(opt, transformation) <= 1e-10


def test_sgd_weight_decay_is_optax_decayed_weights_before_sgd():
    def transformation(optax):
        return optax.chain(optax.add_decayed_weights(0.1), optax.sgd(0.05, momentum=0.9))

    opt = SGD(0.05, momentum=0.9, weight_decay=0.1)
    assert harness.worst_error_vs_optax(opt, transformation) <= 1e-10


def test_sgd_without_momentum_keeps_no_velocity():
    m = harness.model(SGD(0.1))
    assert list(m.members("optimizer_state")) == ["opt.step"]


def test_sgd_with_momentum_keeps_one_velocity_per_parameter():
    m = harness.model(SGD(0.1, momentum=0.9))
    assert list(m.members("optimizer_state")) == ["opt.step", "opt.velocity.0", "opt.velocity.1"]


def test_sgd_momentum_can_be_changed_on_the_instance():
    inst = harness.model(SGD(0.1, momentum=0.9)).make()
    inst.opt.momentum = 0.0
    w = inst.w.copy()
    gw, gb = harness.gradients(1)[0]
    inst.train(gw, gb)
    inst.train(gw, gb)
    # With no momentum left, two equal steps move the weight by twice one step.
    assert abs(inst.w - (w - 2 * 0.1 * gw)).max() < 1e-12


def test_nesterov_without_momentum_is_refused():
    with pytest.raises(symmodule.errors.DeclarationError, match=r"SGD\(\.\.\.\): nesterov=True needs a momentum"):
        SGD(0.1, nesterov=True)
