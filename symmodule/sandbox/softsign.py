"""Theano's ``theano.sandbox.softsign``: the softsign function ``x / (1 + |x|)``."""

from __future__ import annotations

import pytensor.tensor as pt
from pytensor.tensor import TensorLike
from pytensor.tensor.variable import TensorVariable

__all__ = ["softsign"]


def softsign(x: TensorLike) -> TensorVariable:
    """``x / (1 + |x|)``, elementwise: a smooth step from -1 to 1.

    Parameters
    ----------
    x : tensor-like
        The input.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.sandbox.softsign import softsign
    >>> softsign(np.array([-1.0, 0.0, 3.0])).eval()
    array([-0.5 ,  0.  ,  0.75])
    """
    x = pt.as_tensor_variable(x)
    return x / (1 + pt.abs(x))
