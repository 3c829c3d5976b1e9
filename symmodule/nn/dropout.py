"""Dropout: random units set to zero while training, the identity otherwise."""

from __future__ import annotations

from collections.abc import Sequence

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from symmodule import errors
from symmodule.module.random import RandomStreams
from symmodule.nn import messages
from symmodule.nn.layer import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Inverted dropout: with ``training=True``, each value is zeroed with probability ``p``
    and the others are divided by ``1 - p``, so the expected output is the input.

    With ``training=False`` (the default) the layer is the identity. The
    masks come from the layer's own RandomStreams member ``random`` (its
    generator states have the role ``rng``), seeded by ``seed`` and the
    layer's path: two Dropout layers draw independent masks, and a model
    draws the same masks at every ``make()``. Each training application
    draws from its own stream, advanced by every call of the Method using it.

    Parameters
    ----------
    p
        Probability of zeroing a value, in ``[0, 1)``.
    seed
        Seed of the masks (mixed with the layer's path); None draws fresh
        entropy at each ``make()``.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.drop = nn.Dropout(0.5)
    >>> x = T.matrix("x")
    >>> m.train = symmodule.Method([x], m.drop(x, training=True))
    >>> m.infer = symmodule.Method([x], m.drop(x))
    >>> inst = m.make()
    >>> ones = np.ones((2, 4), dtype=symmodule.config.floatX)
    >>> sorted(set(inst.train(ones).ravel().tolist()))    # zeros and 1 / (1 - p)
    [0.0, 2.0]
    >>> bool((inst.infer(ones) == ones).all())
    True
    """

    def __init__(self, p: float = 0.5, *, seed: int | Sequence[int] | None = 0) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.Dropout", name="p", value=p, why="is not a probability in [0, 1)",
                    fix="Give the probability of zeroing a value, e.g. p=0.5 (p=0 keeps every value).",
                )
            )
        self._p = float(p)
        self.random = RandomStreams(seed, seed_by_path=True)

    @property
    def p(self) -> float:
        """Probability of zeroing a value while training."""
        return self._p

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        if not training or self._p == 0.0:
            return x
        keep = 1.0 - self._p
        # A uniform draw below ``keep`` keeps a value: every backend draws uniforms natively
        # (PyTensor's JAX backend draws binomials only with NumPyro installed).
        kept = self.random.uniform(size=x.shape, dtype=x.dtype) < keep
        return pt.switch(kept, x / keep, pt.zeros((), dtype=x.dtype))

    def extra_repr(self) -> str:
        return f"p={self._p}"
