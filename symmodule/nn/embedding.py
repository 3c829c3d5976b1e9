"""Embedding: a table of vectors looked up by integer id."""

from __future__ import annotations

from typing import Any

import pytensor.tensor as pt
from pytensor.tensor.type import integer_dtypes
from pytensor.tensor.variable import TensorVariable

from symmodule import errors, init as initializers
from symmodule.nn import messages
from symmodule.nn.layer import Layer, check_positive, float_dtype
from symmodule.roles import PARAM, REGULARIZABLE

__all__ = ["Embedding"]


class Embedding(Layer):
    """``w[ids]``: row ``i`` of the table ``w`` for each id ``i`` of the input.

    The output has the input's shape plus a last axis of length ``dim``.
    An id outside ``[0, num_embeddings)`` raises ``IndexError`` when the
    Method runs (a negative id counts from the end, as in NumPy).

    Parameters
    ----------
    num_embeddings
        Number of rows (ids ``0 .. num_embeddings - 1``).
    dim
        Length of each vector.
    init
        Rule for the first value of ``w``; default
        ``symmodule.init.normal(0, 1)``.
    dtype
        Of the table; default ``floatX``.

    Attributes
    ----------
    w
        The table ``(num_embeddings, dim)``: roles ``param``, ``regularizable``.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.embed = nn.Embedding(10, 4)
    >>> ids = T.lmatrix("ids")
    >>> m.lookup = symmodule.Method([ids], m.embed(ids))
    >>> inst = m.make()
    >>> inst.lookup([[1, 2, 3]]).shape
    (1, 3, 4)
    >>> bool((inst.lookup([[7]])[0, 0] == inst.embed.w[7]).all())
    True
    """

    def __init__(self, num_embeddings: int, dim: int, *, init: Any = None, dtype: str | None = None) -> None:
        super().__init__()
        check_positive("nn.Embedding", lazy=False, num_embeddings=num_embeddings, dim=dim)
        self._num, self._dim = num_embeddings, dim
        self.add_member(
            "w",
            pt.matrix(dtype=float_dtype(dtype), shape=(num_embeddings, dim)),
            roles=(PARAM, REGULARIZABLE),
            init=init if init is not None else initializers.normal(0.0, 1.0),
        )

    @property
    def num_embeddings(self) -> int:
        """Number of rows of the table."""
        return self._num

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return self._dim

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        if x.dtype not in integer_dtypes:
            raise errors.DeclarationError(messages.IDS_NOT_INTEGER.format(layer=self.where(), dtype=x.dtype))
        return self.w[x]

    def extra_repr(self) -> str:
        return f"{self._num}, {self._dim}"
