"""RMSProp: gradients divided by a running root mean square."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from symmodule.optim.members import like
from symmodule.optim.optimizer import Optimizer
from symmodule.optim.schedules import Schedule

__all__ = ["RMSProp"]


class RMSProp(Optimizer):
    """RMSProp (Tieleman & Hinton, 2012): ``torch.optim.RMSprop``.

    With ``g`` the gradient and ``lr`` the scheduled learning rate::

        g = g + weight_decay * p                 # coupled L2, as PyTorch
        v = rho * v + (1 - rho) * g ** 2
        d = g / (sqrt(v) + epsilon)              # epsilon outside the root
        velocity = momentum * velocity + d       # with a momentum
        p = p - lr * (velocity or d)

    Conventions: PyTorch's, where they differ from ``optax.rmsprop``.
    ``epsilon`` is added to the root (optax's default ``eps_in_sqrt=True``
    adds it under the root); ``rho`` defaults to PyTorch's ``alpha``, 0.99
    (optax's ``decay`` is 0.9); the velocity accumulates the directions
    before the learning rate (optax's trace follows it, which is the same
    for a constant rate). Not centered; ``v`` starts at zeros.

    Parameters
    ----------
    learning_rate
        The Member ``learning_rate`` (>= 0; default 1e-2).
    rho
        The Member ``rho`` (in [0, 1]): the decay of the mean square.
    epsilon
        The Member ``epsilon`` (>= 0; default 1e-8).
    momentum
        The Member ``momentum`` (>= 0); with one, the state ``velocity``.
    weight_decay
        The Member ``weight_decay`` (>= 0): coupled L2, as PyTorch.
    schedule, clip_norm
        See :class:`~symmodule.optim.Optimizer`.

    Examples
    --------
    >>> from symmodule.optim import RMSProp
    >>> opt = RMSProp(learning_rate=1e-3, rho=0.9, momentum=0.5)
    >>> opt.velocity
    []
    """

    def __init__(
        self,
        learning_rate: float = 1e-2,
        *,
        rho: float = 0.99,
        epsilon: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule=schedule, clip_norm=clip_norm)
        self.rho = self.hyperparameter("rho", rho, high=1.0)
        self.epsilon = self.hyperparameter("epsilon", epsilon)
        self.declare_state("v")
        if self.optional_hyperparameter("momentum", momentum):
            self.declare_state("velocity")
        self.optional_hyperparameter("weight_decay", weight_decay)

    def update_rule(
        self,
        param: Variable,
        grad: Variable,
        state: dict[str, Variable],
        learning_rate: Variable,
        count: Variable,
    ) -> tuple[Variable, dict[str, Variable]]:
        grad = self.coupled_weight_decay(param, grad)
        v = like(self.rho, param) * state["v"] + like(1.0 - self.rho, param) * pt.sqr(grad)
        direction = grad / (pt.sqrt(v) + like(self.epsilon, param))
        new_state = {"v": v}
        if self.has("momentum"):
            direction = new_state["velocity"] = like(self.momentum, param) * state["velocity"] + direction
        return param - like(learning_rate, param) * direction, new_state
