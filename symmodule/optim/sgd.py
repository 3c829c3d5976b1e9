"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.optim import messages
from symmodule.optim.members import like
from symmodule.optim.optimizer import Optimizer
from symmodule.optim.schedules import Schedule

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent: ``torch.optim.SGD`` (and ``optax.sgd``).

    With ``g`` the gradient and ``lr`` the scheduled learning rate, a step is::

        g = g + weight_decay * p                # coupled L2, as PyTorch
        velocity = momentum * velocity + g      # with a momentum
        g = g + momentum * velocity if nesterov else velocity
        p = p - lr * g

    Parameters
    ----------
    learning_rate
        The Member ``learning_rate`` (>= 0; PyTorch's default 1e-3).
    momentum
        The Member ``momentum`` (>= 0). With a momentum, the state
        ``velocity`` (one Member per parameter, ``opt.velocity.0``...)
        starts at zeros, which gives PyTorch's first step (``velocity = g``;
        PyTorch's ``dampening`` is 0 here).
    nesterov
        Nesterov momentum, as PyTorch and optax write it; fixed at
        construction, and needs a momentum.
    weight_decay
        The Member ``weight_decay`` (>= 0): PyTorch's coupled L2 penalty,
        added to the gradient (and so to the velocity). optax's ``sgd`` has
        none; ``optax.chain(optax.add_decayed_weights(wd), optax.sgd(...))``
        is the same.
    schedule, clip_norm
        See :class:`~symmodule.optim.Optimizer`.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> from symmodule.optim import SGD
    >>> m = symmodule.Module()
    >>> m.w = symmodule.Member(T.dvector(), roles="param")
    >>> m.opt = SGD(learning_rate=0.1, momentum=0.9)
    >>> loss = T.sum((m.w - 1.0) ** 2)
    >>> m.train = symmodule.Method([], loss, updates=m.opt.updates(loss, m.parameters()))
    >>> inst = m.make(w=[0.0, 3.0])
    >>> for _ in range(200):
    ...     _ = inst.train()
    >>> inst.w.round(3).tolist(), int(inst.opt.step)
    ([1.0, 1.0], 200)
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule=schedule, clip_norm=clip_norm)
        if nesterov and momentum == 0:
            raise errors.DeclarationError(messages.NESTEROV_WITHOUT_MOMENTUM.format(where=self._sm_where()))
        self._sm_nesterov = bool(nesterov)
        if self.optional_hyperparameter("momentum", momentum):
            self.declare_state("velocity")
        self.optional_hyperparameter("weight_decay", weight_decay)

    @property
    def nesterov(self) -> bool:
        """Whether the momentum is Nesterov's."""
        return self._sm_nesterov

    def update_rule(
        self,
        param: Variable,
        grad: Variable,
        state: dict[str, Variable],
        learning_rate: Variable,
        count: Variable,
    ) -> tuple[Variable, dict[str, Variable]]:
        grad = self.coupled_weight_decay(param, grad)
        new_state = {}
        if self.has("momentum"):
            momentum = like(self.momentum, param)
            velocity = new_state["velocity"] = momentum * state["velocity"] + grad
            grad = grad + momentum * velocity if self._sm_nesterov else velocity
        return param - like(learning_rate, param) * grad, new_state
