"""RMSProp against the NumPy oracle and optax, over more than 100 steps in float64."""

import pytest

from optim import harness, oracle
from symmodule.optim import RMSProp

CASES = {
    "defaults": dict(learning_rate=0.01),
    "rho_epsilon": dict(learning_rate=0.01, rho=0.9, epsilon=1e-4),
    "momentum": dict(learning_rate=0.01, momentum=0.9),
    "weight_decay": dict(learning_rate=0.01, rho=0.95, momentum=0.5, weight_decay=0.1),
}


@pytest.mark.parametrize("kw", CASES.values(), ids=CASES.keys())
def test_rmsprop_matches_the_oracle(kw):
    assert harness.worst_error_vs_oracle(RMSProp(**kw), oracle.RMSProp, **kw) <= 1e-10


def test_rmsprop_matches_the_oracle_in_the_default_mode():
    kw = CASES["weight_decay"]
    assert harness.worst_error_vs_oracle(RMSProp(**kw), oracle.RMSProp, mode="FAST_RUN", **kw) <= 1e-10


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_matches_optax_with_epsilon_outside_the_root(momentum):
    def transformation(optax):
        return optax.rmsprop(0.01, decay=0.9, eps=1e-4, eps_in_sqrt=False, momentum=momentum or None)

    opt = RMSProp(0.01, rho=0.9, epsilon=1e-4, momentum=momentum)
    assert harness.worst_error_vs_optax(opt, transformation) <= 1e-10


def test_rmsprop_keeps_its_mean_square_and_velocity_per_parameter():
    m = harness.model(RMSProp(momentum=0.9))
    assert list(m.members("optimizer_state")) == ["opt.step", "opt.v.0", "opt.v.1", "opt.velocity.0", "opt.velocity.1"]
