"""Adagrad: gradients divided by the root of their summed squares."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from symmodule.optim.members import like
from symmodule.optim.optimizer import Optimizer
from symmodule.optim.schedules import Schedule

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): ``torch.optim.Adagrad``.

    With ``g`` the gradient and ``lr`` the scheduled learning rate::

        g = g + weight_decay * p                  # coupled L2, as PyTorch
        accumulator = accumulator + g ** 2
        p = p - lr * g / (sqrt(accumulator) + epsilon)

    Conventions: PyTorch's, where they differ from ``optax.adagrad``. The
    accumulator starts at 0 (optax's ``initial_accumulator_value`` is 0.1),
    ``epsilon`` is added to the root and defaults to 1e-10 (optax adds its
    1e-7 under the root). PyTorch's ``lr_decay`` is a schedule here.

    Parameters
    ----------
    learning_rate
        The Member ``learning_rate`` (>= 0; default 1e-2).
    epsilon
        The Member ``epsilon`` (>= 0; default 1e-10).
    weight_decay
        The Member ``weight_decay`` (>= 0): coupled L2, as PyTorch.
    schedule, clip_norm
        See :class:`~symmodule.optim.Optimizer`.

    Examples
    --------
    >>> from symmodule.optim import Adagrad
    >>> opt = Adagrad(learning_rate=0.1)
    >>> opt.accumulator
    []
    """

    def __init__(
        self,
        learning_rate: float = 1e-2,
        *,
        epsilon: float = 1e-10,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule=schedule, clip_norm=clip_norm)
        self.epsilon = self.hyperparameter("epsilon", epsilon)
        self.optional_hyperparameter("weight_decay", weight_decay)
        self.declare_state("accumulator")

    def update_rule(
        self,
        param: Variable,
        grad: Variable,
        state: dict[str, Variable],
        learning_rate: Variable,
        count: Variable,
    ) -> tuple[Variable, dict[str, Variable]]:
        grad = self.coupled_weight_decay(param, grad)
        accumulator = state["accumulator"] + pt.sqr(grad)
        step = like(learning_rate, param) * grad / (pt.sqrt(accumulator) + like(self.epsilon, param))
        return param - step, {"accumulator": accumulator}
