"""Learning-rate schedules: Modules whose Members are their hyper-parameters.

A schedule multiplies an optimizer's ``learning_rate`` Member by a factor
that depends on the optimizer's step count, the Member ``step`` (the number
of steps taken before the current one: 0 at the first step). Passed as
``schedule=``, it becomes the inner module ``opt.schedule``, so its own
hyper-parameters (``opt.schedule.decay_steps``...) are Members too: they are
saved with the model and can be changed on a live instance.

The factors are those of ``torch.optim.lr_scheduler`` (stepped once per
optimizer step) and of optax's schedules with ``init_value`` (or
``peak_value``) equal to ``learning_rate``:

=========================================  ===============================================
schedule                                   factor at step ``t``
=========================================  ===============================================
``ConstantSchedule()``                     1
``StepSchedule(step_size, gamma)``         ``gamma ** (t // step_size)`` (``StepLR``;
                                           optax ``exponential_decay(staircase=True)``)
``CosineSchedule(decay_steps, alpha)``     ``(1 - alpha) * (1 + cos(pi * min(t, decay_steps)
                                           / decay_steps)) / 2 + alpha``
                                           (``optax.cosine_decay_schedule``;
                                           ``CosineAnnealingLR`` with ``eta_min = alpha * lr``)
``WarmupSchedule(n, f0, then)``            ``f0 + (1 - f0) * t / n`` while ``t < n``
                                           (``f0`` is ``start_factor``), then ``then``'s
                                           factor at ``t - n`` (1 with no ``then``)
=========================================  ===============================================

``WarmupSchedule(w, then=CosineSchedule(d - w, alpha))`` is
``optax.warmup_cosine_decay_schedule(0, lr, w, d, alpha * lr)``.

Examples
--------
>>> import symmodule
>>> from symmodule import tensor as T
>>> from symmodule.optim import SGD, WarmupSchedule, CosineSchedule
>>> m = symmodule.Module()
>>> m.opt = SGD(learning_rate=0.1, schedule=WarmupSchedule(2, then=CosineSchedule(2)))
>>> m.lr = symmodule.Method([], m.opt.current_learning_rate(), updates={m.opt.step: m.opt.step + 1})
>>> inst = m.make()
>>> [round(float(inst.lr()), 6) for _ in range(5)]
[0.0, 0.05, 0.1, 0.05, 0.0]
"""

from __future__ import annotations

import math

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.module import Module
from symmodule.optim import messages
from symmodule.optim.members import hyperparameter

__all__ = ["Schedule", "ConstantSchedule", "StepSchedule", "CosineSchedule", "WarmupSchedule"]


class Schedule(Module):
    """Base class of learning-rate schedules: a factor of the step count.

    A subclass declares its hyper-parameters as Members in ``__init__`` and
    defines :meth:`factor`.

    Examples
    --------
    >>> import pytensor.tensor as pt
    >>> from symmodule.optim import Schedule, SGD
    >>> class Halving(Schedule):
    ...     def factor(self, step):
    ...         return 0.5 ** pt.cast(step, "float64")
    >>> opt = SGD(0.1, schedule=Halving())
    """

    def factor(self, step: Variable) -> Variable:
        """The float64 factor of the learning rate at ``step`` (an int64 scalar Variable)."""
        raise NotImplementedError(f"{type(self).__name__} must define factor(step)")


class ConstantSchedule(Schedule):
    """The learning rate itself, at every step.

    Examples
    --------
    >>> from symmodule.optim import Adam, ConstantSchedule
    >>> opt = Adam(1e-3, schedule=ConstantSchedule())
    """

    def factor(self, step: Variable) -> Variable:
        return pt.constant(np.float64(1.0))


class StepSchedule(Schedule):
    """The learning rate times ``gamma`` every ``step_size`` steps.

    Parameters
    ----------
    step_size
        Steps between two decays (an int64 Member, >= 1).
    gamma
        The factor of each decay (a Member, > 0).

    Examples
    --------
    >>> from symmodule.optim import SGD, StepSchedule
    >>> opt = SGD(0.1, schedule=StepSchedule(step_size=30, gamma=0.1))
    """

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        super().__init__()
        where = f"{type(self).__name__}(...)"
        self.step_size = hyperparameter(where, "step_size", step_size, low=1, integer=True)
        self.gamma = hyperparameter(where, "gamma", gamma, open_low=True)

    def factor(self, step: Variable) -> Variable:
        # A step_size set to 0 on a live instance holds the rate rather than dividing by zero.
        return self.gamma ** (step // pt.maximum(self.step_size, 1))


class CosineSchedule(Schedule):
    """Half a cosine from the learning rate down to ``alpha`` times it, over ``decay_steps``.

    Parameters
    ----------
    decay_steps
        Steps of the decay (an int64 Member, >= 1); the factor stays at
        ``alpha`` after them.
    alpha
        The final factor (a Member, >= 0).

    Examples
    --------
    >>> from symmodule.optim import Adam, CosineSchedule
    >>> opt = Adam(1e-3, schedule=CosineSchedule(decay_steps=10_000, alpha=0.01))
    """

    def __init__(self, decay_steps: int, alpha: float = 0.0) -> None:
        super().__init__()
        where = f"{type(self).__name__}(...)"
        self.decay_steps = hyperparameter(where, "decay_steps", decay_steps, low=1, integer=True)
        self.alpha = hyperparameter(where, "alpha", alpha)

    def factor(self, step: Variable) -> Variable:
        steps = pt.cast(pt.maximum(self.decay_steps, 1), "float64")
        progress = pt.minimum(pt.cast(step, "float64"), steps) / steps
        cosine = 0.5 * (1.0 + pt.cos(math.pi * progress))
        return (1.0 - self.alpha) * cosine + self.alpha


class WarmupSchedule(Schedule):
    """A linear warm-up from ``start_factor`` to 1 over ``warmup_steps``, then ``then``.

    Parameters
    ----------
    warmup_steps
        Steps of the warm-up (an int64 Member, >= 1).
    start_factor
        The factor at step 0 (a Member in [0, 1]); 0, as in optax, makes the
        first step a step of size 0.
    then
        The schedule after the warm-up, counting its steps from the end of
        the warm-up (an inner module ``then``); None keeps the factor at 1.

    Examples
    --------
    >>> from symmodule.optim import AdamW, CosineSchedule, WarmupSchedule
    >>> opt = AdamW(1e-3, schedule=WarmupSchedule(100, then=CosineSchedule(900)))
    """

    def __init__(self, warmup_steps: int, start_factor: float = 0.0, then: Schedule | None = None) -> None:
        super().__init__()
        where = f"{type(self).__name__}(...)"
        self.warmup_steps = hyperparameter(where, "warmup_steps", warmup_steps, low=1, integer=True)
        self.start_factor = hyperparameter(where, "start_factor", start_factor, high=1.0)
        if then is not None:
            self.then = check_schedule(then, where)
        self._sm_then = then

    def factor(self, step: Variable) -> Variable:
        steps = pt.maximum(self.warmup_steps, 1)
        ramp = self.start_factor + (1.0 - self.start_factor) * (
            pt.cast(step, "float64") / pt.cast(steps, "float64")
        )
        after = pt.constant(np.float64(1.0)) if self._sm_then is None else self._sm_then.factor(step - steps)
        return pt.switch(pt.lt(step, steps), ramp, after)


def check_schedule(value: object, where: str) -> Schedule:
    """``value`` if it is a :class:`Schedule`, else the error saying what to give."""
    if not isinstance(value, Schedule):
        raise errors.DeclarationError(messages.NOT_A_SCHEDULE.format(where=where, value=value))
    return value
