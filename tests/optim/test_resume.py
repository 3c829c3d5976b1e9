"""An optimizer's state is saved with the model: training resumes bit for bit from a checkpoint."""

import numpy as np
import pytest

import symmodule
from optim import harness
from symmodule.optim import SGD, Adagrad, Adam, AdamW, CosineSchedule, RMSProp, WarmupSchedule

BEFORE, AFTER = 40, 40

OPTIMIZERS = {
    "sgd": lambda: SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-3, clip_norm=4.0),
    "adam": lambda: Adam(0.01, weight_decay=1e-3, schedule=WarmupSchedule(10, then=CosineSchedule(100))),
    "adamw": lambda: AdamW(0.01, clip_norm=4.0, schedule=CosineSchedule(60)),
    "rmsprop": lambda: RMSProp(0.01, momentum=0.5),
    "adagrad": lambda: Adagrad(0.1),
}


def bits(inst):
    return {key: value.tobytes() for key, value in symmodule.state_dict(inst).items()}


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_training_resumed_from_a_checkpoint_is_bit_identical(make_optimizer, tmp_path):
    module = harness.model(make_optimizer())
    grads = harness.gradients(BEFORE + AFTER)
    uninterrupted = module.make()
    for g in grads:
        uninterrupted.train(*g)

    first = module.make()
    for g in grads[:BEFORE]:
        first.train(*g)
    symmodule.save(first, tmp_path / "checkpoint.safetensors")
    resumed = module.make()
    symmodule.load(tmp_path / "checkpoint.safetensors", into=resumed)
    for g in grads[BEFORE:]:
        resumed.train(*g)

    assert resumed.opt.step == BEFORE + AFTER
    assert bits(resumed) == bits(uninterrupted)


def test_a_fresh_instance_without_the_checkpoint_does_not_resume(tmp_path):
    # The control of the test above: the optimizer's state is what makes the runs agree.
    module = harness.model(Adam(0.01))
    grads = harness.gradients(2 * BEFORE)
    uninterrupted = module.make()
    for g in grads:
        uninterrupted.train(*g)
    first = module.make()
    for g in grads[:BEFORE]:
        first.train(*g)
    restarted = module.make(w=first.w, b=first.b)  # the parameters alone, fresh moments
    for g in grads[BEFORE:]:
        restarted.train(*g)
    assert not np.array_equal(restarted.w, uninterrupted.w)


def test_a_checkpoint_holds_the_hyperparameters_set_on_the_instance(tmp_path):
    module = harness.model(Adam(0.01))
    inst = module.make()
    inst.opt.learning_rate = 1e-4
    symmodule.save(inst, tmp_path / "checkpoint.safetensors")
    fresh = module.make()
    symmodule.load(tmp_path / "checkpoint.safetensors", into=fresh)
    assert fresh.opt.learning_rate == 1e-4
