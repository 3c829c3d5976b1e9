"""Adam and AdamW: adaptive moments, with coupled or decoupled weight decay."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.graph.basic import Variable

from symmodule.optim.members import like
from symmodule.optim.optimizer import Optimizer
from symmodule.optim.schedules import Schedule

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): ``torch.optim.Adam``, ``optax.adam``.

    With ``g`` the gradient, ``lr`` the scheduled learning rate and ``t`` the
    number of this step (``step + 1``)::

        g = g + weight_decay * p                      # coupled L2, as torch.optim.Adam
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        p = p - lr * (m / (1 - beta1 ** t)) / (sqrt(v / (1 - beta2 ** t)) + epsilon)

    ``epsilon`` is added after the square root and the bias correction, as
    in both libraries (optax's ``eps_root`` is 0 here).

    Parameters
    ----------
    learning_rate
        The Member ``learning_rate`` (>= 0; default 1e-3).
    beta1, beta2
        The Members ``beta1`` and ``beta2`` (in [0, 1); defaults 0.9, 0.999).
    epsilon
        The Member ``epsilon`` (>= 0; default 1e-8).
    weight_decay
        The Member ``weight_decay`` (>= 0), PyTorch's coupled L2: added to
        the gradient, so it goes through the moments. For the decoupled
        decay, use :class:`AdamW`.
    schedule, clip_norm
        See :class:`~symmodule.optim.Optimizer`.

    Notes
    -----
    The state is ``m`` and ``v``: one Member each per parameter
    (``opt.m.0``, ``opt.v.0``...), of the parameter's type, zeros at
    ``make()``.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> from symmodule.optim import Adam
    >>> m = symmodule.Module()
    >>> m.w = symmodule.Member(T.dvector(), roles="param")
    >>> m.opt = Adam(learning_rate=0.1)
    >>> loss = T.sum((m.w - 1.0) ** 2)
    >>> m.train = symmodule.Method([], loss, updates=m.opt.updates(loss, [m.w]))
    >>> inst = m.make(w=[0.0, 3.0])
    >>> for _ in range(300):
    ...     _ = inst.train()
    >>> inst.w.round(3).tolist(), sorted(symmodule.state_dict(inst))
    ([1.0, 1.0], ['opt.beta1', 'opt.beta2', 'opt.epsilon', 'opt.learning_rate', 'opt.m.0', 'opt.step', 'opt.v.0', 'w'])
    """

    #: Whether ``weight_decay`` is decoupled from the gradient (AdamW).
    decoupled: bool = False

    def __init__(
        self,
        learning_rate: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(learning_rate, schedule=schedule, clip_norm=clip_norm)
        self.beta1 = self.hyperparameter("beta1", beta1, high=1.0, open_high=True)
        self.beta2 = self.hyperparameter("beta2", beta2, high=1.0, open_high=True)
        self.epsilon = self.hyperparameter("epsilon", epsilon)
        self.optional_hyperparameter("weight_decay", weight_decay)
        self.declare_state("m", "v")

    def update_rule(
        self,
        param: Variable,
        grad: Variable,
        state: dict[str, Variable],
        learning_rate: Variable,
        count: Variable,
    ) -> tuple[Variable, dict[str, Variable]]:
        if not self.decoupled:
            grad = self.coupled_weight_decay(param, grad)
        m = like(self.beta1, param) * state["m"] + like(1.0 - self.beta1, param) * grad
        v = like(self.beta2, param) * state["v"] + like(1.0 - self.beta2, param) * pt.sqr(grad)
        t = pt.cast(count, "float64")
        # The bias corrections are scalars: computed in float64, cast once.
        m_hat = m / like(1.0 - self.beta1**t, param)
        v_hat = v / like(1.0 - self.beta2**t, param)
        direction = m_hat / (pt.sqrt(v_hat) + like(self.epsilon, param))
        if self.decoupled and self.has("weight_decay"):
            direction = direction + like(self.weight_decay, param) * param
        return param - like(learning_rate, param) * direction, {"m": m, "v": v}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``torch.optim.AdamW``, ``optax.adamw``.

    As :class:`Adam` with no weight decay in the gradient, then::

        p = p - lr * (adam_direction + weight_decay * p)

    the decay scaled by the scheduled learning rate, as in both libraries
    (PyTorch multiplies ``p`` by ``1 - lr * weight_decay`` first, which is
    the same arithmetic). The default ``weight_decay`` is PyTorch's, 0.01
    (optax's is 1e-4).

    Examples
    --------
    >>> from symmodule.optim import AdamW
    >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.05)
    >>> opt.weight_decay.type.dtype
    'float64'
    """

    decoupled = True

    def __init__(
        self,
        learning_rate: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 1e-2,
        schedule: Schedule | None = None,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(
            learning_rate,
            beta1=beta1,
            beta2=beta2,
            epsilon=epsilon,
            weight_decay=weight_decay,
            schedule=schedule,
            clip_norm=clip_norm,
        )
