"""Adagrad against the NumPy oracle and optax, over more than 100 steps in float64."""

import pytest

from optim import harness, oracle
from symmodule.optim import Adagrad

CASES = {
    "defaults": dict(learning_rate=0.1),
    "epsilon": dict(learning_rate=0.1, epsilon=1e-3),
    "weight_decay": dict(learning_rate=0.1, weight_decay=0.1),
}


@pytest.mark.parametrize("kw", CASES.values(), ids=CASES.keys())
def test_adagrad_matches_the_oracle(kw):
    assert harness.worst_error_vs_oracle(Adagrad(**kw), oracle.Adagrad, **kw) <= 1e-10


def test_adagrad_matches_the_oracle_in_the_default_mode():
    kw = CASES["weight_decay"]
    assert harness.worst_error_vs_oracle(Adagrad(**kw), oracle.Adagrad, mode="FAST_RUN", **kw) <= 1e-10


def test_adagrad_matches_optax_with_a_zero_accumulator_and_no_epsilon():
    # optax adds its epsilon under the root and starts at 0.1: with 0 for both, the arithmetic is one.
    def transformation(optax):
        return optax.adagrad(0.1, initial_accumulator_value=0.0, eps=0.0)

    assert harness.worst_error_vs_optax(Adagrad(0.1, epsilon=0.0), transformation) <= 1e-10
