"""Rules for a Member's first value: ``Member(var, init=symmodule.init.glorot_uniform())``.

Each function returns a rule, a small picklable object called at ``make()``
with the Member's :class:`~symmodule.module.initializers.InitContext`. The
shape comes from the rule's ``shape=`` or else from the Member's type
(``T.matrix(shape=(784, 100))``); the dtype is the Member's. Random rules
draw from a NumPy Generator seeded by ``seed`` and the Member's path, so a
model is initialised identically at every ``make()`` and two layers never
get the same numbers.

Fans (for the Glorot and He rules) follow the layout of symmodule's layers:
a matrix ``(fan_in, fan_out)`` (``x @ w``), a filter bank
``(out_channels, in_channels, *kernel)`` with fans multiplied by the kernel
size, as PyTorch counts them.

Examples
--------
>>> import symmodule
>>> from symmodule import tensor as T
>>> m = symmodule.Module()
>>> m.w = symmodule.Member(T.dmatrix(shape=(3, 2)), init=symmodule.init.glorot_uniform(seed=1))
>>> m.b = symmodule.Member(T.dvector(shape=(2,)), init=symmodule.init.constant(0.1))
>>> inst = m.make()
>>> inst.w.shape, inst.b
((3, 2), array([0.1, 0.1]))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.initializers import InitContext

__all__ = [
    "InitContext",
    "constant",
    "zeros",
    "ones",
    "zeros_like",
    "uniform",
    "normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
]

Shape = tuple[int, ...]


def _shape(ctx: InitContext, shape: Shape | None, rule: str) -> Shape:
    if shape is not None:
        return tuple(int(n) for n in shape)
    if ctx.shape is not None:
        return ctx.shape
    raise errors.InitializationError(
        errors.INIT_NO_SHAPE.format(path=ctx.path, rule=rule, type=errors.describe_type(ctx.type))
    )


def fans(shape: Shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of this shape (see the module docstring)."""
    if len(shape) < 2:
        raise ValueError(f"fans need a weight of 2 or more dimensions, not the shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


@dataclass(frozen=True)
class _Constant:
    value: float
    shape: Shape | None = None

    def __call__(self, ctx: InitContext) -> np.ndarray:
        return np.full(_shape(ctx, self.shape, f"constant({self.value})"), self.value, dtype=ctx.dtype)


@dataclass(frozen=True)
class _ZerosLike:
    variable: Variable

    def __call__(self, ctx: InitContext) -> np.ndarray:
        value = ctx.value_of(self.variable)
        return np.zeros(value.shape, dtype=ctx.dtype)


@dataclass(frozen=True)
class _Random:
    kind: str  # uniform, normal, glorot_uniform, glorot_normal, he_uniform, he_normal
    a: float
    b: float
    seed: int
    shape: Shape | None = None

    def __call__(self, ctx: InitContext) -> np.ndarray:
        shape = _shape(ctx, self.shape, f"{self.kind}(...)")
        rng = ctx.rng(self.seed)
        if self.kind == "uniform":
            value = rng.uniform(self.a, self.b, size=shape)
        elif self.kind == "normal":
            value = rng.normal(self.a, self.b, size=shape)
        else:
            fan_in, fan_out = _fans_for(ctx, shape)
            gain = self.a
            if self.kind.startswith("glorot"):
                scale = gain * math.sqrt(2.0 / (fan_in + fan_out))
            else:
                scale = gain * math.sqrt(2.0 / fan_in)
            if self.kind.endswith("uniform"):
                limit = math.sqrt(3.0) * scale
                value = rng.uniform(-limit, limit, size=shape)
            else:
                value = rng.normal(0.0, scale, size=shape)
        return value.astype(ctx.dtype)


def _fans_for(ctx: InitContext, shape: Shape) -> tuple[int, int]:
    try:
        return fans(shape)
    except ValueError:
        raise errors.InitializationError(
            errors.INIT_NO_FANS.format(path=ctx.path, shape=shape)
        ) from None


def constant(value: float, shape: Shape | None = None) -> _Constant:
    """Every element ``value``."""
    return _Constant(float(value), shape)


def zeros(shape: Shape | None = None) -> _Constant:
    """Every element 0."""
    return _Constant(0.0, shape)


def ones(shape: Shape | None = None) -> _Constant:
    """Every element 1."""
    return _Constant(1.0, shape)


def zeros_like(variable: Variable) -> _ZerosLike:
    """Zeros of the shape of another Member's value (an optimizer's moments)."""
    return _ZerosLike(variable)


def uniform(low: float = -0.05, high: float = 0.05, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """Uniform on ``[low, high)``."""
    return _Random("uniform", float(low), float(high), int(seed), shape)


def normal(mean: float = 0.0, std: float = 0.05, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """Normal with this mean and standard deviation."""
    return _Random("normal", float(mean), float(std), int(seed), shape)


def glorot_uniform(gain: float = 1.0, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """Glorot & Bengio (2010): uniform with variance ``gain**2 * 2 / (fan_in + fan_out)``."""
    return _Random("glorot_uniform", float(gain), 0.0, int(seed), shape)


def glorot_normal(gain: float = 1.0, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """Glorot & Bengio (2010): normal with variance ``gain**2 * 2 / (fan_in + fan_out)``."""
    return _Random("glorot_normal", float(gain), 0.0, int(seed), shape)


def he_uniform(gain: float = 1.0, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """He et al. (2015), for ReLU layers: uniform with variance ``gain**2 * 2 / fan_in``."""
    return _Random("he_uniform", float(gain), 0.0, int(seed), shape)


def he_normal(gain: float = 1.0, *, seed: int = 0, shape: Shape | None = None) -> _Random:
    """He et al. (2015), for ReLU layers: normal with variance ``gain**2 * 2 / fan_in``."""
    return _Random("he_normal", float(gain), 0.0, int(seed), shape)

