"""The base class of optimizers: a Module that writes a Method's updates.

An optimizer is a Module component: assign it to the model
(``model.opt = Adam(1e-3)``) and give a training Method the updates it
returns (``updates=model.opt.updates(loss, model.parameters())``). Its
hyper-parameters and its state are Members of its own (see
``symmodule/optim/members.py`` for their roles), so they live under the
optimizer's path (``opt.learning_rate``, ``opt.step``, ``opt.m.0``), are
saved in the model's checkpoint and can be read and set on the instance.

A subclass declares its hyper-parameters in ``__init__``, names its
per-parameter state with :meth:`Optimizer.declare_state`, and defines
:meth:`Optimizer.update_rule`: the arithmetic of one parameter. Everything
else (gradients, clipping, the schedule, one update per tied parameter, the
step count, state shared by every Method) is done here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Constant, Variable

from symmodule import errors
from symmodule.module.module import Module
from symmodule.optim import messages
from symmodule.optim.clipping import clip_by_global_norm
from symmodule.optim.members import hyperparameter, like, moment_like, step_counter
from symmodule.optim.schedules import Schedule, check_schedule

__all__ = ["Optimizer"]

Updates = dict[Variable, Variable]


class Optimizer(Module):
    """Base class of optimizers; see :class:`~symmodule.optim.SGD`, :class:`~symmodule.optim.Adam`.

    Parameters
    ----------
    learning_rate
        The Member ``learning_rate`` (float64, >= 0): the step size, or the
        peak the schedule scales.
    schedule
        A :class:`~symmodule.optim.Schedule` of the learning rate, driven by
        the step count; it becomes the inner module ``schedule``.
    clip_norm
        When given, the Member ``clip_norm`` (> 0): the gradients of a step
        are scaled together so that their global norm is at most this
        (:func:`~symmodule.optim.clip_by_global_norm`), before any other
        arithmetic (weight decay included).

    Attributes
    ----------
    step
        Member: the number of steps taken (int64, 0 at ``make()``); every
        Method given this optimizer's updates adds 1 to it.

    Notes
    -----
    A hyper-parameter the subclass leaves out when it is 0 at construction
    (``momentum``, ``weight_decay``) is not a Member: set a non-zero value
    when building the optimizer to be able to change it on the instance.

    Examples
    --------
    A subclass: plain gradient descent on the sign of the gradient.

    >>> import pytensor.tensor as pt
    >>> from symmodule.optim import Optimizer
    >>> from symmodule.optim.members import like
    >>> class SignSGD(Optimizer):
    ...     def update_rule(self, param, grad, state, learning_rate, count):
    ...         return param - like(learning_rate, param) * pt.sign(grad), {}
    >>> opt = SignSGD(0.01)
    """

    def __init__(
        self,
        learning_rate: float,
        *,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__()
        self.learning_rate = self.hyperparameter("learning_rate", learning_rate)
        self.step = step_counter()
        self._sm_schedule = None
        if schedule is not None:
            self.schedule = self._sm_schedule = check_schedule(schedule, self._sm_where())
        self._sm_clip = clip_norm is not None
        if clip_norm is not None:
            self.clip_norm = self.hyperparameter("clip_norm", clip_norm, open_low=True)
        self._sm_state_names: tuple[str, ...] = ()
        self._sm_states: dict[Variable, dict[str, Variable]] = {}

    # -- declaring, for subclasses --------------------------------------------------------

    def hyperparameter(self, name: str, value: Any, **bounds: Any) -> Any:
        """A hyper-parameter Member for ``self.<name> = ...``; ``bounds`` as for ``members.hyperparameter``."""
        return hyperparameter(self._sm_where(), name, value, **bounds)

    def optional_hyperparameter(self, name: str, value: Any, **bounds: Any) -> bool:
        """Declare ``self.<name>`` when ``value`` is not 0; whether it was declared.

        A hyper-parameter that is 0 (no momentum, no weight decay) is left out
        of the graph, as ``torch.optim`` skips its arithmetic, and out of the
        state (no velocity to store).
        """
        member = self.hyperparameter(name, value, **bounds)
        if value == 0:
            return False
        setattr(self, name, member)
        return True

    def declare_state(self, *names: str) -> None:
        """Name the per-parameter state: ``self.<name>`` becomes a list of Members, one per parameter.

        The Member for a parameter is made the first time :meth:`updates`
        sees the parameter, with the parameter's type and zeros of its shape
        at ``make()``; its path is ``<optimizer>.<name>.<i>``.
        """
        self._sm_state_names = (*self._sm_state_names, *names)
        for name in names:
            setattr(self, name, [])

    def has(self, name: str) -> bool:
        """Whether the hyper-parameter ``name`` was declared (a Member of this optimizer)."""
        return name in self.__dict__

    # -- the update ---------------------------------------------------------------------------

    def update_rule(
        self,
        param: Variable,
        grad: Variable,
        state: dict[str, Variable],
        learning_rate: Variable,
        count: Variable,
    ) -> tuple[Variable, dict[str, Variable]]:
        """One parameter's new value and its state's, for a subclass to define.

        Parameters
        ----------
        param, grad
            The parameter and its gradient (clipped if ``clip_norm``), of one dtype.
        state
            ``{name: Member}`` of the parameter's state (:meth:`declare_state`).
        learning_rate
            The scheduled learning rate, a float64 scalar: cast it with
            :func:`~symmodule.optim.members.like` before using it with ``param``.
        count
            The number of this step, ``step + 1`` (int64): 1 at the first step.

        Returns
        -------
        ``(new value of param, {name: new value})``, each of its Member's type.
        """
        raise NotImplementedError(f"{type(self).__name__} must define update_rule")

    def updates(self, loss_or_grads: Variable | Sequence[Variable], params: Iterable[Variable]) -> Updates:
        """The updates of one optimization step, for a Method's ``updates=``.

        Parameters
        ----------
        loss_or_grads
            A scalar loss, differentiated with ``pytensor.grad``, or a list
            of gradients, one per parameter, used as given.
        params
            The Members to train, e.g. ``model.parameters()``. A parameter
            listed twice (a tied weight) gets one update.

        Returns
        -------
        dict
            ``{member: new value}`` for each parameter, its state and the
            step count. Calling this again with the same parameters (for a
            second training Method) reuses the same state Members.
        """
        params, grads = self._sm_gradients(loss_or_grads, params)
        if self._sm_clip:
            grads = clip_by_global_norm(grads, self.clip_norm)
        learning_rate = self.current_learning_rate()
        count = self.step + 1
        result: Updates = {}
        for param, grad in zip(params, grads):
            state = self.state_for(param)
            new_param, new_state = self.update_rule(param, grad, state, learning_rate, count)
            result[param] = new_param
            for name, value in new_state.items():
                result[state[name]] = value
        result[self.step] = count
        return result

    def current_learning_rate(self) -> Variable:
        """The learning rate of the next step: ``learning_rate`` times the schedule's factor (float64)."""
        if self._sm_schedule is None:
            return self.learning_rate
        return self.learning_rate * self._sm_schedule.factor(self.step)

    def state_for(self, param: Variable) -> dict[str, Variable]:
        """``{name: Member}`` of ``param``'s state, made at the first request and kept."""
        state = self._sm_states.get(param)
        if state is None:
            state = self._sm_states[param] = {}
            for name in self._sm_state_names:
                member = moment_like(param)
                getattr(self, name).append(member)
                state[name] = member.variable
        return state

    def coupled_weight_decay(self, param: Variable, grad: Variable) -> Variable:
        """``grad + weight_decay * param`` (an L2 penalty's gradient), or ``grad`` with no decay."""
        if not self.has("weight_decay"):
            return grad
        return grad + like(self.weight_decay, param) * param

    # -- checks -------------------------------------------------------------------------------

    def _sm_where(self, call: str = "") -> str:
        return f"{type(self).__name__}{'.' + call if call else ''}(...)"

    def _sm_gradients(self, loss_or_grads: Any, params: Any) -> tuple[list[Variable], list[Variable]]:
        where = self._sm_where("updates")
        if isinstance(params, (Variable, str, bytes)) or not isinstance(params, Iterable):
            raise errors.DeclarationError(messages.PARAMS_NOT_A_LIST.format(where=where, value=params))
        params = list(params)
        if not params:
            raise errors.DeclarationError(messages.NO_PARAMETERS.format(where=where))
        for index, param in enumerate(params):
            _check_param(param, index, where)
        if isinstance(loss_or_grads, Variable):
            if loss_or_grads.type.ndim != 0:
                raise errors.DeclarationError(
                    messages.LOSS_NOT_SCALAR.format(
                        where=where, ndim=loss_or_grads.type.ndim, type=loss_or_grads.type
                    )
                )
            unique = list(dict.fromkeys(params))
            return unique, list(pytensor.grad(loss_or_grads, unique))
        if isinstance(loss_or_grads, (str, bytes)) or not isinstance(loss_or_grads, Iterable):
            raise errors.DeclarationError(messages.BAD_LOSS_OR_GRADS.format(where=where, value=loss_or_grads))
        grads = list(loss_or_grads)
        if len(grads) != len(params):
            raise errors.DeclarationError(
                messages.GRADS_LENGTH.format(where=where, n_grads=len(grads), n_params=len(params))
            )
        # Compared as given: a cast to the parameter's dtype makes a new Variable each time.
        given: dict[Variable, tuple[Any, Variable]] = {}
        for index, (param, grad) in enumerate(zip(params, grads)):
            if param in given:
                if given[param][0] is not grad:
                    raise errors.DeclarationError(messages.TWO_GRADIENTS.format(where=where, value=param))
                continue
            given[param] = (grad, _as_gradient(grad, param, index, where))
        return list(given), [converted for _, converted in given.values()]


def _check_param(param: Any, index: int, where: str) -> None:
    if not isinstance(param, Variable):
        what = "not a symbolic Variable"
    elif isinstance(param, Constant):
        what = "a constant"
    elif param.owner is not None:
        what = "computed from other variables"
    else:
        dtype = str(getattr(param.type, "dtype", "none"))
        if not dtype.startswith("float"):
            raise errors.DeclarationError(
                messages.NOT_FLOAT.format(where=where, index=index, value=param, dtype=dtype)
            )
        return
    raise errors.DeclarationError(
        messages.NOT_A_PARAMETER.format(where=where, index=index, value=param, what=what)
    )


def _as_gradient(grad: Any, param: Variable, index: int, where: str) -> Variable:
    try:
        grad = pt.as_tensor_variable(grad)
    except Exception as exc:
        reason = str(exc).strip().splitlines()
        raise errors.DeclarationError(
            messages.GRAD_NOT_A_VARIABLE.format(
                where=where, index=index, value=grad, reason=reason[0] if reason else type(exc).__name__
            )
        ) from None
    # A gradient given in another dtype is brought to the parameter's, as every update must be.
    return pt.cast(grad, param.dtype)
