"""Learning-rate schedules: their factors against the oracle and optax, and as Members."""

import math

import numpy as np
import pytest

import symmodule
from optim import harness, oracle
from symmodule.optim import SGD, ConstantSchedule, CosineSchedule, Schedule, StepSchedule, WarmupSchedule
from extras import need

LR = 0.1
STEPS = 150


def rates(schedule, steps=STEPS):
    """The learning rate of each of ``steps`` steps of an SGD with this schedule."""
    m = symmodule.Module()
    m.opt = SGD(LR, schedule=schedule)
    m.tick = symmodule.Method([], m.opt.current_learning_rate(), updates={m.opt.step: m.opt.step + 1})
    inst = m.make()
    return inst, np.array([inst.tick() for _ in range(steps)])


def expected(factor, steps=STEPS):
    return np.array([LR * factor(t) for t in range(steps)])


CASES = {
    "constant": (lambda: ConstantSchedule(), lambda: (lambda t: 1.0)),
    "step": (lambda: StepSchedule(step_size=30, gamma=0.5), lambda: oracle.step_factor(30, 0.5)),
    "cosine": (lambda: CosineSchedule(decay_steps=100, alpha=0.1), lambda: oracle.cosine_factor(100, 0.1)),
    "warmup": (lambda: WarmupSchedule(20, start_factor=0.25), lambda: oracle.warmup_factor(20, 0.25)),
    "warmup_cosine": (
        lambda: WarmupSchedule(10, then=CosineSchedule(90, alpha=0.01)),
        lambda: oracle.warmup_factor(10, 0.0, oracle.cosine_factor(90, 0.01)),
    ),
}


@pytest.mark.parametrize("make_schedule, make_factor", CASES.values(), ids=CASES.keys())
def test_schedule_rates_match_the_oracle(make_schedule, make_factor):
    _, got = rates(make_schedule())
    np.testing.assert_allclose(got, expected(make_factor()), rtol=1e-12, atol=1e-15)


def test_schedules_match_optax():
    optax = need("optax")
    jax = need("jax")
    pairs = [
        (StepSchedule(30, gamma=0.5), lambda: optax.exponential_decay(LR, 30, 0.5, staircase=True)),
        (CosineSchedule(100, alpha=0.1), lambda: optax.cosine_decay_schedule(LR, 100, alpha=0.1)),
        (
            WarmupSchedule(10, then=CosineSchedule(90, alpha=0.01)),
            lambda: optax.warmup_cosine_decay_schedule(0.0, LR, 10, 100, end_value=0.01 * LR),
        ),
    ]
    with jax.enable_x64(True):
        for schedule, make_optax in pairs:
            reference = make_optax()
            _, got = rates(schedule)
            np.testing.assert_allclose(got, [float(reference(t)) for t in range(STEPS)], rtol=1e-10, atol=1e-15)


def test_sgd_with_a_schedule_matches_the_oracle():
    opt = SGD(LR, momentum=0.9, schedule=WarmupSchedule(10, then=CosineSchedule(100)))
    schedule = oracle.warmup_factor(10, 0.0, oracle.cosine_factor(100))
    worst = harness.worst_error_vs_oracle(opt, oracle.SGD, learning_rate=LR, momentum=0.9, schedule=schedule)
    assert worst <= 1e-10


def test_the_first_step_uses_the_factor_at_step_zero():
    _, got = rates(WarmupSchedule(4, start_factor=0.5), steps=1)
    assert got[0] == LR * 0.5


def test_schedule_hyperparameters_are_members_of_the_optimizer():
    m = symmodule.Module()
    m.opt = SGD(LR, schedule=WarmupSchedule(10, then=StepSchedule(5)))
    assert list(m.members("hyperparameter")) == [
        "opt.learning_rate",
        "opt.schedule.warmup_steps",
        "opt.schedule.start_factor",
        "opt.schedule.then.step_size",
        "opt.schedule.then.gamma",
    ]


def test_schedule_hyperparameters_can_be_changed_on_the_instance():
    inst, _ = rates(StepSchedule(step_size=2, gamma=0.5), steps=0)
    inst.opt.schedule.gamma = 0.25
    assert [inst.tick() for _ in range(3)] == [LR, LR, LR * 0.25]


def test_integer_schedule_hyperparameters_are_int64():
    inst, _ = rates(CosineSchedule(decay_steps=7), steps=0)
    assert inst.opt.schedule.decay_steps.dtype == np.int64 and inst.opt.schedule.decay_steps == 7


def test_a_subclass_defines_its_own_factor():
    class Halving(Schedule):
        def factor(self, step):
            return 0.5 ** symmodule.tensor.cast(step, "float64")

    _, got = rates(Halving(), steps=4)
    assert got.tolist() == [LR * 0.5**t for t in range(4)]


def test_cosine_factor_stays_at_alpha_after_decay_steps():
    _, got = rates(CosineSchedule(decay_steps=3, alpha=0.2), steps=6)
    assert got[3:].tolist() == pytest.approx([LR * 0.2] * 3, rel=1e-15)
    assert got[1] == pytest.approx(LR * (0.8 * 0.5 * (1 + math.cos(math.pi / 3)) + 0.2), rel=1e-15)


def test_a_schedule_that_is_not_a_schedule_is_refused():
    with pytest.raises(symmodule.errors.DeclarationError, match=r"SGD\(\.\.\.\): schedule='cosine' is not a schedule"):
        SGD(LR, schedule="cosine")


def test_warmup_then_that_is_not_a_schedule_is_refused():
    with pytest.raises(symmodule.errors.DeclarationError, match=r"WarmupSchedule\(\.\.\.\): schedule=0.5 is not"):
        WarmupSchedule(10, then=0.5)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: StepSchedule(step_size=0), r"step_size=0, but step_size must be an integer >= 1"),
        (lambda: StepSchedule(step_size=2.5), r"step_size=2.5, but step_size must be an integer >= 1"),
        (lambda: StepSchedule(10, gamma=0.0), r"gamma=0.0, but gamma must be a number > 0"),
        (lambda: CosineSchedule(decay_steps=-1), r"decay_steps=-1, but decay_steps must be an integer >= 1"),
        (lambda: CosineSchedule(10, alpha=-0.5), r"alpha=-0.5, but alpha must be a number >= 0"),
        (lambda: WarmupSchedule(0), r"warmup_steps=0, but warmup_steps must be an integer >= 1"),
        (lambda: WarmupSchedule(5, start_factor=2.0), r"start_factor=2.0, but start_factor must be a number in \[0, 1\]"),
    ],
)
def test_out_of_range_schedule_hyperparameters_are_refused(make, match):
    with pytest.raises(symmodule.errors.DeclarationError, match=match):
        make()
