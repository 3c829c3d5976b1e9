"""Gradient clipping by global norm, alone and inside an optimizer."""

import numpy as np
import pytensor.tensor as pt
import pytest

import symmodule
from optim import harness, oracle
from symmodule.optim import SGD, Adam, clip_by_global_norm, global_norm


def clip_function(max_norm, dtype="float64"):
    a, b = pt.tensor("a", dtype=dtype, shape=(None,)), pt.tensor("b", dtype=dtype, shape=(None, None))
    return symmodule.function([a, b], [global_norm([a, b]), *clip_by_global_norm([a, b], max_norm)])


def test_clipping_above_the_norm_matches_the_oracle():
    a, b = np.array([3.0, -1.0]), np.array([[4.0, 2.0], [0.5, -7.0]])
    norm, *clipped = clip_function(2.0)(a, b)
    assert norm == pytest.approx(np.sqrt(np.sum(a * a) + np.sum(b * b)), rel=1e-15)
    for got, want in zip(clipped, oracle.clip_by_global_norm([a, b], 2.0)):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_clipping_below_the_norm_leaves_the_gradients_bit_for_bit():
    a, b = np.array([0.3, -0.1]), np.array([[0.4, 0.2], [0.05, -0.7]])
    _, got_a, got_b = clip_function(10.0)(a, b)
    assert got_a.tobytes() == a.tobytes() and got_b.tobytes() == b.tobytes()


def test_clipping_keeps_each_gradients_dtype():
    _, got_a, got_b = clip_function(1.0, dtype="float32")(np.ones(2, "float32"), np.ones((2, 2), "float32"))
    assert got_a.dtype == got_b.dtype == np.float32


def test_sgd_with_clipping_matches_the_oracle():
    # Gradients of norm about 4 around a bound of 4: some steps are clipped, some are not.
    kw = dict(learning_rate=0.05, momentum=0.9, weight_decay=0.1, clip_norm=4.0)
    assert harness.worst_error_vs_oracle(SGD(**kw), oracle.SGD, **kw) <= 1e-10


def test_adam_with_clipping_matches_optax():
    def transformation(optax):
        return optax.chain(optax.clip_by_global_norm(4.0), optax.adam(0.01))

    assert harness.worst_error_vs_optax(Adam(0.01, clip_norm=4.0), transformation) <= 1e-10


def test_clip_norm_can_be_changed_on_the_instance():
    inst = harness.model(SGD(1.0, clip_norm=1e6)).make()
    inst.opt.clip_norm = 1.0
    w, b = inst.w.copy(), inst.b.copy()
    inst.train(*harness.gradients(1)[0])
    assert np.sqrt(np.sum((inst.w - w) ** 2) + np.sum((inst.b - b) ** 2)) == pytest.approx(1.0, rel=1e-12)


def test_a_non_positive_clip_norm_is_refused():
    with pytest.raises(symmodule.errors.DeclarationError, match=r"Adam\(\.\.\.\): clip_norm=0, but clip_norm must be a number > 0"):
        Adam(clip_norm=0)
