"""Adam and AdamW against the NumPy oracle and optax, over more than 100 steps in float64."""

import pytest

from optim import harness, oracle
from symmodule.optim import Adam, AdamW

ADAM = {
    "defaults": dict(learning_rate=0.01),
    "betas_epsilon": dict(learning_rate=0.02, beta1=0.5, beta2=0.9, epsilon=1e-3),
    "weight_decay": dict(learning_rate=0.01, weight_decay=0.1),
}
ADAMW = {
    "defaults": dict(learning_rate=0.01),
    "weight_decay": dict(learning_rate=0.01, beta1=0.8, weight_decay=0.3),
}


@pytest.mark.parametrize("kw", ADAM.values(), ids=ADAM.keys())
def test_adam_matches_the_oracle(kw):
    assert harness.worst_error_vs_oracle(Adam(**kw), oracle.Adam, **kw) <= 1e-10


@pytest.mark.parametrize("kw", ADAMW.values(), ids=ADAMW.keys())
def test_adamw_matches_the_oracle(kw):
    assert harness.worst_error_vs_oracle(AdamW(**kw), oracle.AdamW, **kw) <= 1e-10


def test_adam_matches_the_oracle_in_the_default_mode():
    kw = ADAM["weight_decay"]
    assert harness.worst_error_vs_oracle(Adam(**kw), oracle.Adam, mode="FAST_RUN", **kw) <= 1e-10


def test_adamw_matches_the_oracle_in_the_default_mode():
    kw = ADAMW["weight_decay"]
    assert harness.worst_error_vs_oracle(AdamW(**kw), oracle.AdamW, mode="FAST_RUN", **kw) <= 1e-10


def test_adam_matches_optax():
    def transformation(optax):
        return optax.adam(0.02, b1=0.5, b2=0.9, eps=1e-3)

    opt = Adam(0.02, beta1=0.5, beta2=0.9, epsilon=1e-3)
    assert harness.worst_error_vs_optax(opt, transformation) <= 1e-10


def test_adam_weight_decay_is_optax_decayed_weights_before_adam():
    def transformation(optax):
        return optax.chain(optax.add_decayed_weights(0.1), optax.adam(0.01))

    assert harness.worst_error_vs_optax(Adam(0.01, weight_decay=0.1), transformation) <= 1e-10


def test_adamw_matches_optax():
    def transformation(optax):
        return optax.adamw(0.01, b1=0.8, weight_decay=0.3)

    opt = AdamW(0.01, beta1=0.8, weight_decay=0.3)
    assert harness.worst_error_vs_optax(opt, transformation) <= 1e-10


def test_adamw_default_weight_decay_is_pytorchs():
    inst = harness.model(AdamW()).make()
    assert inst.opt.weight_decay == 0.01


def test_adam_without_weight_decay_has_no_weight_decay_member():
    assert "opt.weight_decay" not in harness.model(Adam()).members()
