"""Texts of the errors ``symmodule.optim`` raises.

Each says what went wrong, where (the optimizer's class and the call, since
an optimizer's path in a tree is known only at ``make()``) and how to fix it.
"""

from __future__ import annotations

BAD_HYPERPARAMETER = (
    "{where}: {name}={value!r}, but {name} must be {expected}. "
    "Give a value in that range, e.g. {name}={example}."
)

NOT_A_SCHEDULE = (
    "{where}: schedule={value!r} is not a schedule. Give one of symmodule.optim's "
    "schedules, e.g. schedule=symmodule.optim.CosineSchedule(decay_steps=1000)."
)

NESTEROV_WITHOUT_MOMENTUM = (
    "{where}: nesterov=True needs a momentum, but momentum=0. "
    "Give a momentum (momentum=0.9) or drop nesterov=True."
)

PARAMS_NOT_A_LIST = (
    "{where}: params must be a list of parameters, got {value!r}. "
    "Pass a list, e.g. opt.updates(loss, model.parameters()) or opt.updates(loss, [w, b])."
)

NO_PARAMETERS = (
    "{where}: the list of parameters is empty, so there is nothing to update. "
    "Declare trained Members with roles=symmodule.roles.PARAM so that "
    "module.parameters() finds them, or pass the Members to update ([w, b])."
)

NOT_A_PARAMETER = (
    "{where}: parameter {index} ({value!r}) is {what}, so no update can be stored for it. "
    "Pass the Members themselves (the Variables assigned to the Module, such as m.w), "
    "not expressions computed from them."
)

NOT_FLOAT = (
    "{where}: parameter {index} ({value}) has dtype {dtype}, and only floating-point "
    "parameters have gradients. Declare it with a float dtype (T.dmatrix(), T.fvector()) "
    "or leave it out of the list."
)

BAD_LOSS_OR_GRADS = (
    "{where}: the first argument must be a scalar loss (a Variable) or a list of "
    "gradients, one per parameter; got {value!r}."
)

LOSS_NOT_SCALAR = (
    "{where}: the loss must be a scalar, but it has {ndim} dimension(s) ({type}). "
    "Reduce it first, e.g. T.mean(losses) or T.sum(losses)."
)

GRADS_LENGTH = (
    "{where}: {n_grads} gradient(s) for {n_params} parameter(s). Give one gradient per "
    "parameter, in the same order, or pass the loss and let the optimizer differentiate it."
)

GRAD_NOT_A_VARIABLE = (
    "{where}: gradient {index} ({value!r}) cannot be made a tensor: {reason}. "
    "Give symbolic expressions (e.g. the results of pytensor.grad(loss, params))."
)

TWO_GRADIENTS = (
    "{where}: parameter {value} is listed twice with two different gradients. A tied "
    "parameter gets one update: list it once with its whole gradient (for a loss, "
    "pytensor.grad already adds up every use of the parameter)."
)
