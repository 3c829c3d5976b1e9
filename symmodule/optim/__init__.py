"""Optimizers as Modules: SGD, Adam, AdamW, RMSProp, Adagrad, schedules and clipping.

An optimizer is a Module component whose hyper-parameters (``learning_rate``,
``momentum``, ``beta1``...) and state (the step count ``step``, the moments)
are Members: they live under the optimizer's path, initialise themselves at
``make()``, are saved in the model's checkpoint, and a live instance can
change them. ``opt.updates(loss_or_grads, params)`` returns the updates of a
training Method. The guide is ``docs/optim.md``.

Examples
--------
>>> import numpy as np
>>> import symmodule
>>> from symmodule import tensor as T
>>> from symmodule import optim
>>> m = symmodule.Module()
>>> m.w = symmodule.Member(T.dvector(shape=(3,)), roles="param", init=symmodule.init.zeros())
>>> m.opt = optim.Adam(learning_rate=0.05, clip_norm=1.0)
>>> x, y = T.dmatrix("x"), T.dvector("y")
>>> loss = T.mean((T.dot(x, m.w) - y) ** 2)
>>> m.train = symmodule.Method([x, y], loss, updates=m.opt.updates(loss, m.parameters()))
>>> inst = m.make()
>>> data = np.random.default_rng(0).normal(size=(32, 3))
>>> for _ in range(500):
...     _ = inst.train(data, data @ [1.0, -2.0, 0.5])
>>> inst.w.round(3).tolist()
[1.0, -2.0, 0.5]
>>> symmodule.effects(inst, "train").updates
('w', 'opt.step', 'opt.m.0', 'opt.v.0')
"""

from symmodule.optim.adagrad import Adagrad
from symmodule.optim.adam import Adam, AdamW
from symmodule.optim.clipping import clip_by_global_norm, global_norm
from symmodule.optim.members import HYPERPARAMETER, OPTIMIZER, OPTIMIZER_STATE
from symmodule.optim.optimizer import Optimizer
from symmodule.optim.rmsprop import RMSProp
from symmodule.optim.schedules import (
    ConstantSchedule,
    CosineSchedule,
    Schedule,
    StepSchedule,
    WarmupSchedule,
)
from symmodule.optim.sgd import SGD

__all__ = [
    "Adagrad",
    "Adam",
    "AdamW",
    "ConstantSchedule",
    "CosineSchedule",
    "HYPERPARAMETER",
    "OPTIMIZER",
    "OPTIMIZER_STATE",
    "Optimizer",
    "RMSProp",
    "SGD",
    "Schedule",
    "StepSchedule",
    "WarmupSchedule",
    "clip_by_global_norm",
    "global_norm",
]
