"""NumPy oracles of the optimizers, schedules and clipping, written from the papers' formulas.

Each optimizer holds its parameters and takes the same constructor keywords
as its symmodule class (a schedule is a function of the step count here):
``oracle.Adam(params, learning_rate=0.1).step(grads)`` returns the
parameters after one step. Plain float64 NumPy, one parameter at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def clip_by_global_norm(grads: list[np.ndarray], max_norm: float) -> list[np.ndarray]:
    norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]


def step_factor(step_size: int, gamma: float) -> Callable[[int], float]:
    return lambda t: gamma ** (t // step_size)


def cosine_factor(decay_steps: int, alpha: float = 0.0) -> Callable[[int], float]:
    def factor(t: int) -> float:
        progress = min(t, decay_steps) / decay_steps
        return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * progress)) + alpha

    return factor


def warmup_factor(
    warmup_steps: int, start_factor: float = 0.0, then: Callable[[int], float] | None = None
) -> Callable[[int], float]:
    def factor(t: int) -> float:
        if t < warmup_steps:
            return start_factor + (1 - start_factor) * t / warmup_steps
        return 1.0 if then is None else then(t - warmup_steps)

    return factor


class Optimizer:
    """Schedule, clipping and the step count; subclasses write ``rule``."""

    def __init__(self, params, learning_rate, *, schedule=None, clip_norm=None, weight_decay=0.0):
        self.params = [np.array(p, dtype=np.float64) for p in params]
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.weight_decay = weight_decay
        self.count = 0
        self.state = [{} for _ in self.params]

    def step(self, grads):
        grads = [np.array(g, dtype=np.float64) for g in grads]
        if self.clip_norm is not None:
            grads = clip_by_global_norm(grads, self.clip_norm)
        lr = self.learning_rate * (1.0 if self.schedule is None else self.schedule(self.count))
        self.count += 1
        self.params = [self.rule(p, g, s, lr, self.count) for p, g, s in zip(self.params, grads, self.state)]
        return self.params

    def zeros(self, state, name, like):
        return state.get(name, np.zeros_like(like))


class SGD(Optimizer):
    def __init__(self, params, learning_rate=1e-3, *, momentum=0.0, nesterov=False, **kw):
        super().__init__(params, learning_rate, **kw)
        self.momentum, self.nesterov = momentum, nesterov

    def rule(self, p, g, state, lr, t):
        g = g + self.weight_decay * p
        if self.momentum:
            buf = state["velocity"] = self.momentum * self.zeros(state, "velocity", p) + g
            g = g + self.momentum * buf if self.nesterov else buf
        return p - lr * g


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, learning_rate=1e-3, *, beta1=0.9, beta2=0.999, epsilon=1e-8, **kw):
        super().__init__(params, learning_rate, **kw)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon

    def rule(self, p, g, state, lr, t):
        if not self.decoupled:
            g = g + self.weight_decay * p
        m = state["m"] = self.beta1 * self.zeros(state, "m", p) + (1 - self.beta1) * g
        v = state["v"] = self.beta2 * self.zeros(state, "v", p) + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        direction = m_hat / (np.sqrt(v_hat) + self.epsilon)
        if self.decoupled:
            direction = direction + self.weight_decay * p
        return p - lr * direction


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, learning_rate=1e-3, *, weight_decay=1e-2, **kw):
        super().__init__(params, learning_rate, weight_decay=weight_decay, **kw)


class RMSProp(Optimizer):
    def __init__(self, params, learning_rate=1e-2, *, rho=0.99, epsilon=1e-8, momentum=0.0, **kw):
        super().__init__(params, learning_rate, **kw)
        self.rho, self.epsilon, self.momentum = rho, epsilon, momentum

    def rule(self, p, g, state, lr, t):
        g = g + self.weight_decay * p
        v = state["v"] = self.rho * self.zeros(state, "v", p) + (1 - self.rho) * g * g
        direction = g / (np.sqrt(v) + self.epsilon)
        if self.momentum:
            direction = state["velocity"] = self.momentum * self.zeros(state, "velocity", p) + direction
        return p - lr * direction


class Adagrad(Optimizer):
    def __init__(self, params, learning_rate=1e-2, *, epsilon=1e-10, **kw):
        super().__init__(params, learning_rate, **kw)
        self.epsilon = epsilon

    def rule(self, p, g, state, lr, t):
        g = g + self.weight_decay * p
        s = state["accumulator"] = self.zeros(state, "accumulator", p) + g * g
        return p - lr * g / (np.sqrt(s) + self.epsilon)
