"""The Members an optimizer declares: hyper-parameters and state, with their roles.

Every Member an optimizer (or a learning-rate schedule) declares has the role
:data:`OPTIMIZER`, and one more that says what it is:

=====================  ================================================================
role                   Members
=====================  ================================================================
``HYPERPARAMETER``     ``learning_rate``, ``momentum``, ``beta1``, ... and the
                       schedule's: float64 scalars (integer ones int64) a user may set
                       on a live instance (``inst.opt.learning_rate = 1e-4``)
``OPTIMIZER_STATE``    the step count ``step`` (int64) and the per-parameter moments:
                       what a training step updates and a checkpoint must keep
=====================  ================================================================

None of them has the role ``'param'``, so ``module.parameters()`` never lists
them, whether the optimizer is an inner module of the model or not.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule import init as initial
from symmodule.module.member import Member
from symmodule.optim import messages

__all__ = [
    "OPTIMIZER",
    "HYPERPARAMETER",
    "OPTIMIZER_STATE",
    "hyperparameter",
    "step_counter",
    "moment_like",
    "like",
]

#: Every Member of an optimizer or schedule.
OPTIMIZER = "optimizer"
#: A hyper-parameter Member: a scalar the update reads, never writes.
HYPERPARAMETER = "hyperparameter"
#: A state Member: the step count and the moments, written by every step.
OPTIMIZER_STATE = "optimizer_state"


def hyperparameter(
    where: str,
    name: str,
    value: Any,
    *,
    low: float = 0.0,
    high: float = math.inf,
    open_low: bool = False,
    open_high: bool = False,
    integer: bool = False,
) -> Member:
    """A scalar hyper-parameter Member holding ``value`` from ``make()`` on.

    ``value`` is checked against the range ``[low, high]`` (ends excluded
    where ``open_low`` / ``open_high``), as ``torch.optim`` checks its
    arguments; ``where`` names the constructor in the error.
    """
    if not _in_range(value, low, high, open_low, open_high, integer):
        raise errors.DeclarationError(
            messages.BAD_HYPERPARAMETER.format(
                where=where,
                name=name,
                value=value,
                expected=_describe_range(low, high, open_low, open_high, integer),
                example=_example(low, high, open_low, integer),
            )
        )
    variable = pt.lscalar() if integer else pt.dscalar()
    return Member(variable, roles=(OPTIMIZER, HYPERPARAMETER), init=initial.constant(value))


def step_counter() -> Member:
    """The int64 count of steps taken, 0 at ``make()``."""
    return Member(pt.lscalar(), roles=(OPTIMIZER, OPTIMIZER_STATE), init=initial.zeros())


def moment_like(param: Variable) -> Member:
    """A Member of ``param``'s type (dtype, static shape), zeros of its value's shape at ``make()``."""
    # Calling the type makes a fresh Variable with no owner: a new piece of state.
    return Member(param.type(), roles=(OPTIMIZER, OPTIMIZER_STATE), init=initial.zeros_like(param))


def like(value: Variable, param: Variable) -> Variable:
    """``value`` (a float64 hyper-parameter or a scalar of them) in ``param``'s dtype.

    An update must keep its parameter's type: a float64 hyper-parameter in the
    expression of a float32 weight would make it float64, and the Method
    would refuse the update. Scalars are cast once, as ``torch.optim`` turns
    its Python floats into the tensor's dtype.
    """
    return pt.cast(value, param.dtype)


def _in_range(value: Any, low: float, high: float, open_low: bool, open_high: bool, integer: bool) -> bool:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return False
    if integer and value != int(value):
        return False
    if math.isnan(value):
        return False
    above = value > low if open_low else value >= low
    below = value < high if open_high else value <= high
    return above and below


def _describe_range(low: float, high: float, open_low: bool, open_high: bool, integer: bool) -> str:
    kind = "an integer" if integer else "a number"
    if high == math.inf:
        return f"{kind} {'>' if open_low else '>='} {low:g}"
    left = "(" if open_low else "["
    right = ")" if open_high else "]"
    return f"{kind} in {left}{low:g}, {high:g}{right}"


def _example(low: float, high: float, open_low: bool, integer: bool) -> str:
    if integer:
        return str(int(low) + (1 if open_low else 0) or 1)
    if high == math.inf:
        return f"{low + 0.1 if open_low else low:g}" if low else "0.1"
    return f"{(low + high) / 2:g}"
