"""Gradient clipping by global norm.

The global norm of a list of gradients is the 2-norm of all their elements
together. Clipping rescales every gradient by one factor, so that the global
norm is at most ``max_norm``; the gradients keep their direction. This is
``optax.clip_by_global_norm``: gradients with a norm below ``max_norm`` are
left exactly as they are. (``torch.nn.utils.clip_grad_norm_`` divides by
``norm + 1e-6`` instead of ``norm``, so it shrinks the gradients by a relative
``1e-6 / norm`` more, and scales them slightly even just below ``max_norm``.)

Examples
--------
>>> import numpy as np
>>> import pytensor.tensor as pt
>>> import symmodule
>>> from symmodule.optim import clip_by_global_norm
>>> a, b = pt.dvector("a"), pt.dvector("b")
>>> f = symmodule.function([a, b], clip_by_global_norm([a, b], 1.0))
>>> [g.tolist() for g in f(np.array([3.0]), np.array([4.0]))]
[[0.6], [0.8]]
"""

from __future__ import annotations

from collections.abc import Sequence

import pytensor.tensor as pt
from pytensor.graph.basic import Variable

__all__ = ["global_norm", "clip_by_global_norm"]


def global_norm(grads: Sequence[Variable]) -> Variable:
    """The 2-norm of every element of ``grads`` together (a scalar of the widest dtype)."""
    return pt.sqrt(sum((pt.sum(pt.sqr(g)) for g in grads), start=pt.constant(0.0, dtype="float32")))


def clip_by_global_norm(grads: Sequence[Variable], max_norm: float | Variable) -> list[Variable]:
    """``grads`` scaled by ``max_norm / max(global_norm(grads), max_norm)``.

    Parameters
    ----------
    grads
        The gradients, any dtypes; each result keeps its gradient's dtype.
    max_norm
        A positive number or scalar Variable (an optimizer's ``clip_norm``
        Member, which can then be changed on a live instance).

    Returns
    -------
    list of Variable
        The clipped gradients, in order. Below ``max_norm`` the factor is
        exactly 1, so the gradients are unchanged bit for bit.
    """
    norm = global_norm(grads)
    max_norm = pt.as_tensor_variable(max_norm)
    factor = max_norm / pt.maximum(norm, max_norm)
    return [g * pt.cast(factor, g.dtype) for g in grads]
