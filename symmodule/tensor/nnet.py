"""Neural-network helpers under their Theano names (``NN`` in the examples).

``from symmodule.tensor import nnet as NN`` gives the activation and
cross-entropy functions that Theano's ``theano.tensor.nnet`` offered, with the
same signatures and return values, built from PyTensor ops
(:func:`pytensor.tensor.special.softmax`, :func:`~pytensor.tensor.special.log_softmax`,
:func:`pytensor.tensor.math.sigmoid`, :func:`~pytensor.tensor.math.softplus`).
The graphs, gradients and compiled code are PyTensor's.

Numerical stability
-------------------
Every cross-entropy is computed from logits in log space (``log_softmax``,
``softplus``), never as ``log(softmax(x))`` or ``log(sigmoid(x))``, so values
and gradients stay finite for large logits (the tests use magnitudes of 1e3,
where the naive forms give ``inf`` and ``nan``).

:func:`binary_crossentropy` and :func:`categorical_crossentropy` take
*probabilities*, as in Theano. When the probability argument is itself the
output of a sigmoid (resp. softmax) node, the functions look through that node
(``output.owner.op``) and work on its input logits instead; so
``binary_crossentropy(sigmoid(z), t)`` is as stable as a loss written on ``z``.
Probabilities that come from anywhere else are used as given: a probability
of exactly 0 where the target puts mass gives ``inf`` (the true value), while
a class or element whose target is 0 contributes 0 to the value and to the
gradient even where its probability is exactly 0 (Theano gave NaN there).

Differences from Theano
-----------------------
* :func:`softmax` takes an ``axis`` argument (default ``-1``, Theano's
  row-wise behaviour for matrices). A vector gives a vector; Theano returned
  a one-row matrix.
* The one-hot functions, and :func:`categorical_crossentropy` with class
  indices, accept any rank with the indices one rank lower than the scores
  (Theano required a matrix and a vector).
* ``crossentropy_softmax_1hot`` takes no ``**kwargs`` (Theano passed them to
  its op, which ignored them).
* :func:`relu` is exactly ``x`` for ``x > 0`` and ``alpha * x`` otherwise; its
  gradient at 0 is ``alpha`` (Theano's formula gave ``(1 + alpha) / 2``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.scalar.math import Sigmoid
from pytensor.tensor import TensorLike
from pytensor.tensor.elemwise import Elemwise
from pytensor.tensor.special import Softmax, log_softmax
from pytensor.tensor.special import softmax as _pt_softmax
from pytensor.tensor.type import integer_dtypes
from pytensor.tensor.variable import TensorVariable

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "crossentropy_softmax_1hot",
    "crossentropy_softmax_1hot_with_bias",
    "crossentropy_softmax_argmax_1hot_with_bias",
    "crossentropy_softmax_max_and_argmax_1hot",
    "crossentropy_softmax_max_and_argmax_1hot_with_bias",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
]

# A package without files of its own: ``import symmodule.tensor.nnet.conv`` is
# symmodule.compat.conv, found by symmodule.compat.importer.
__path__: list[str] = []


# ---------------------------------------------------------------- activations


def sigmoid(x: TensorLike) -> TensorVariable:
    """Logistic function ``1 / (1 + exp(-x))``, elementwise.

    Parameters
    ----------
    x : tensor-like
        Logits.

    Returns
    -------
    TensorVariable
        Values in ``[0, 1]``, same shape as `x`. Passing this result to
        :func:`binary_crossentropy` lets it work on `x` directly.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x = pt.dvector("x")
    >>> NN.sigmoid(x).eval({x: np.array([0.0, 1000.0, -1000.0])})
    array([0.5, 1. , 0. ])
    """
    return pt.sigmoid(x)


def softplus(x: TensorLike) -> TensorVariable:
    """``log(1 + exp(x))``, elementwise, without overflow for large `x`.

    Parameters
    ----------
    x : tensor-like

    Returns
    -------
    TensorVariable
        Same shape as `x`; its gradient is ``sigmoid(x)``.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x = pt.dvector("x")
    >>> NN.softplus(x).eval({x: np.array([0.0, 1000.0])})
    array([6.93147181e-01, 1.00000000e+03])
    """
    return pt.softplus(x)


def relu(x: TensorLike, alpha: TensorLike = 0) -> TensorVariable:
    """Rectifier: `x` where ``x > 0``, ``alpha * x`` elsewhere (leaky if ``alpha != 0``).

    Parameters
    ----------
    x : tensor-like
    alpha : tensor-like, default 0
        Slope for non-positive inputs; may be symbolic.

    Returns
    -------
    TensorVariable
        Same shape as `x`.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x = pt.dvector("x")
    >>> NN.relu(x).eval({x: np.array([-2.0, 3.0])})
    array([0., 3.])
    >>> NN.relu(x, alpha=0.1).eval({x: np.array([-2.0, 3.0])})
    array([-0.2,  3. ])
    """
    x = pt.as_tensor_variable(x)
    return pt.switch(pt.gt(x, 0), x, alpha * x)


def softmax(c: TensorLike, axis: int | None = -1) -> TensorVariable:
    """Softmax along `axis`: ``exp(c) / sum(exp(c))``, computed stably.

    Parameters
    ----------
    c : tensor-like
        Logits. For a matrix the default normalises each row, as Theano did.
    axis : int or None, default -1
        Axis to normalise over; None normalises over all elements.

    Returns
    -------
    TensorVariable
        Same shape as `c`, summing to 1 along `axis`. Passing this result to
        :func:`categorical_crossentropy` lets it work on `c` directly.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x = pt.dmatrix("x")
    >>> NN.softmax(x).eval({x: np.array([[0.0, 0.0], [0.0, 1000.0]])})
    array([[0.5, 0.5],
           [0. , 1. ]])
    """
    return _pt_softmax(c, axis=axis)


# ------------------------------------------------- looking through to logits


def _sigmoid_logits(p: Variable) -> Variable | None:
    """The input of `p` if `p` is the output of a sigmoid, else None."""
    node = p.owner
    if node is not None and isinstance(node.op, Elemwise):
        if isinstance(node.op.scalar_op, Sigmoid):
            return node.inputs[0]
    return None


def _log_softmax_of(p: Variable) -> Variable | None:
    """``log(p)`` from logits if `p` is the output of a softmax, else None.

    The softmax's own axis is reused, so the result equals ``log(p)`` whatever
    axis the softmax normalised over.
    """
    node = p.owner
    if node is not None and isinstance(node.op, Softmax):
        return log_softmax(node.inputs[0], axis=node.op.axis)
    return None


def _masked_xlog(
    weight: Variable, arg: Variable, log: Callable[[Variable], Variable], neutral: float
) -> Variable:
    """``weight * log(arg)``, exactly 0 in value *and gradient* where weight is 0.

    PyTensor's ``xlogy`` fixes the value but its gradient at ``arg = 0`` is
    still ``0 / 0``; a lone ``switch`` does no better, as its untaken branch
    still sends ``0 * inf`` back. So the argument itself is replaced by a
    harmless `neutral` value wherever its weight is 0.
    """
    unused = pt.eq(weight, 0)
    return pt.switch(unused, 0, weight * log(pt.switch(unused, neutral, arg)))


def _class_indices(y_idx: TensorLike, scores: Variable) -> TensorVariable:
    """`y_idx` as a tensor, checked to index the last axis of `scores`."""
    y_idx = pt.as_tensor_variable(y_idx)
    if y_idx.dtype not in integer_dtypes:
        raise TypeError(f"class indices must be integers, got dtype {y_idx.dtype}")
    if y_idx.ndim != scores.ndim - 1:
        raise TypeError(
            f"class indices must have one dimension fewer than the scores "
            f"({scores.ndim}), got {y_idx.ndim}"
        )
    return y_idx


def _pick_last_axis(scores: Variable, y_idx: Variable) -> TensorVariable:
    """``scores[..., y_idx]`` taken row by row: one entry per leading index."""
    picked = pt.take_along_axis(scores, pt.expand_dims(y_idx, -1), axis=-1)
    return pt.squeeze(picked, axis=-1)


# -------------------------------------------------------------- cross-entropy


def binary_crossentropy(output: TensorLike, target: TensorLike) -> TensorVariable:
    """Elementwise ``-(target * log(output) + (1 - target) * log(1 - output))``.

    Parameters
    ----------
    output : tensor-like
        Predicted probabilities in ``[0, 1]``. If this is the output of
        :func:`sigmoid`, the loss is computed from the sigmoid's input ``z`` as
        ``target * softplus(-z) + (1 - target) * softplus(z)``, which is finite
        (and has gradient ``sigmoid(z) - target``) for any ``z``.
    target : tensor-like
        Target probabilities (usually 0 or 1), broadcastable against `output`.

    Returns
    -------
    TensorVariable
        The loss for each element (not summed).

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> z, t = pt.dvectors("zt")
    >>> xe = NN.binary_crossentropy(NN.sigmoid(z), t)
    >>> xe.eval({z: np.array([0.0, 1000.0]), t: np.array([1.0, 0.0])})
    array([6.93147181e-01, 1.00000000e+03])
    """
    output = pt.as_tensor_variable(output)
    target = pt.as_tensor_variable(target)
    z = _sigmoid_logits(output)
    if z is not None:
        # log(sigmoid(z)) = -softplus(-z) and log(1 - sigmoid(z)) = -softplus(z)
        return target * softplus(-z) + (1 - target) * softplus(z)
    return -(
        _masked_xlog(target, output, pt.log, 1)
        + _masked_xlog(1 - target, -output, pt.log1p, 0)
    )


def categorical_crossentropy(
    coding_dist: TensorLike, true_dist: TensorLike
) -> TensorVariable:
    """Cross-entropy between each row of `coding_dist` and its target.

    Parameters
    ----------
    coding_dist : tensor-like
        Predicted distributions, one per row (last axis = classes). If this
        is the output of :func:`softmax`, the logarithm is taken with
        ``log_softmax`` on the softmax's input, so large logits stay finite.
    true_dist : tensor-like
        Either distributions of the same shape as `coding_dist` (one-hot or
        soft targets), giving ``-sum(true_dist * log(coding_dist), axis=-1)``;
        or integer class indices with one dimension fewer, giving
        ``-log(coding_dist[i, true_dist[i]])`` for each row ``i``.

    Returns
    -------
    TensorVariable
        One loss per row: shape ``coding_dist.shape[:-1]``.

    Raises
    ------
    TypeError
        If the ranks do not match either form, or indices are not integers.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, y = pt.dmatrix("x"), pt.lvector("y")
    >>> xe = NN.categorical_crossentropy(NN.softmax(x), y)
    >>> xe.eval({x: np.array([[0.0, 0.0], [0.0, 1000.0]]), y: np.array([0, 0])})
    array([6.93147181e-01, 1.00000000e+03])
    """
    coding_dist = pt.as_tensor_variable(coding_dist)
    true_dist = pt.as_tensor_variable(true_dist)
    log_p = _log_softmax_of(coding_dist)
    if true_dist.ndim == coding_dist.ndim:
        if log_p is None:
            return -pt.sum(_masked_xlog(true_dist, coding_dist, pt.log, 1), axis=-1)
        return -pt.sum(true_dist * log_p, axis=-1)
    if true_dist.ndim == coding_dist.ndim - 1:
        y_idx = _class_indices(true_dist, coding_dist)
        if log_p is None:
            log_p = pt.log(coding_dist)
        return -_pick_last_axis(log_p, y_idx)
    raise TypeError(
        f"true_dist must have the rank of coding_dist ({coding_dist.ndim}) or "
        f"one less, got {true_dist.ndim}"
    )


def crossentropy_softmax_1hot_with_bias(
    x: TensorLike, b: TensorLike, y_idx: TensorLike
) -> tuple[TensorVariable, TensorVariable]:
    """Negative log-likelihood of classes `y_idx` under ``softmax(x + b)``.

    Parameters
    ----------
    x : tensor-like
        Logits, one row per example (last axis = classes).
    b : tensor-like
        Bias added to every row of `x` (a vector of length ``n_classes``).
    y_idx : tensor-like of integers
        Target class of each row; one dimension fewer than `x`.

    Returns
    -------
    nll : TensorVariable
        ``-log(softmax(x + b)[i, y_idx[i]])`` per row, from ``log_softmax``.
    sm : TensorVariable
        ``softmax(x + b)`` along the last axis.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    >>> nll, sm = NN.crossentropy_softmax_1hot_with_bias(x, b, y)
    >>> nll.eval({x: np.zeros((1, 2)), b: np.array([0.0, 1000.0]), y: np.array([0])})
    array([1000.])
    """
    return crossentropy_softmax_1hot(pt.add(x, b), y_idx)


def crossentropy_softmax_1hot(
    x: TensorLike, y_idx: TensorLike
) -> tuple[TensorVariable, TensorVariable]:
    """Negative log-likelihood of classes `y_idx` under ``softmax(x)``.

    Parameters
    ----------
    x : tensor-like
        Logits, one row per example (last axis = classes).
    y_idx : tensor-like of integers
        Target class of each row; one dimension fewer than `x`.

    Returns
    -------
    nll : TensorVariable
        ``-log(softmax(x)[i, y_idx[i]])`` per row, from ``log_softmax``.
    sm : TensorVariable
        ``softmax(x)`` along the last axis.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, y = pt.dmatrix("x"), pt.lvector("y")
    >>> nll, sm = NN.crossentropy_softmax_1hot(x, y)
    >>> nll.eval({x: np.array([[0.0, 0.0], [-1000.0, 0.0]]), y: np.array([1, 0])})
    array([6.93147181e-01, 1.00000000e+03])
    """
    x = pt.as_tensor_variable(x)
    y_idx = _class_indices(y_idx, x)
    nll = -_pick_last_axis(log_softmax(x, axis=-1), y_idx)
    return nll, softmax(x, axis=-1)


def crossentropy_softmax_argmax_1hot_with_bias(
    x: TensorLike, b: TensorLike, y_idx: TensorLike
) -> tuple[TensorVariable, TensorVariable, TensorVariable]:
    """:func:`crossentropy_softmax_1hot_with_bias`, plus each row's predicted class.

    Parameters
    ----------
    x : tensor-like
        Logits, one row per example (last axis = classes).
    b : tensor-like
        Bias added to every row of `x`.
    y_idx : tensor-like of integers
        Target class of each row; one dimension fewer than `x`.

    Returns
    -------
    nll : TensorVariable
        Negative log-likelihood of `y_idx` per row.
    sm : TensorVariable
        ``softmax(x + b)`` along the last axis.
    am : TensorVariable
        ``argmax(x + b, axis=-1)`` (int64), the most probable class per row.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    >>> nll, sm, am = NN.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    >>> am.eval({x: np.array([[3.0, 1.0]]), b: np.array([0.0, 5.0])})
    array([1])
    """
    logits = pt.add(x, b)
    nll, sm = crossentropy_softmax_1hot(logits, y_idx)
    # argmax of the logits, not of sm: same answer, but rows whose softmax
    # underflows to several exact zeros cannot produce a spurious tie.
    return nll, sm, pt.argmax(logits, axis=-1)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(
    x: TensorLike, b: TensorLike, y_idx: TensorLike
) -> tuple[TensorVariable, TensorVariable, TensorVariable, TensorVariable]:
    """:func:`crossentropy_softmax_1hot_with_bias`, plus each row's top class and its probability.

    Parameters
    ----------
    x : tensor-like
        Logits, one row per example (last axis = classes).
    b : tensor-like
        Bias added to every row of `x`.
    y_idx : tensor-like of integers
        Target class of each row; one dimension fewer than `x`.

    Returns
    -------
    nll : TensorVariable
        Negative log-likelihood of `y_idx` per row.
    sm : TensorVariable
        ``softmax(x + b)`` along the last axis.
    max_pr : TensorVariable
        The largest probability in each row of `sm`.
    am : TensorVariable
        The class (int64) holding that probability.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, b, y = pt.dmatrix("x"), pt.dvector("b"), pt.lvector("y")
    >>> nll, sm, max_pr, am = NN.crossentropy_softmax_max_and_argmax_1hot_with_bias(
    ...     x, b, y
    ... )
    >>> max_pr.eval({x: np.zeros((1, 2)), b: np.array([0.0, 1000.0])})
    array([1.])
    """
    return crossentropy_softmax_max_and_argmax_1hot(pt.add(x, b), y_idx)


def crossentropy_softmax_max_and_argmax_1hot(
    x: TensorLike, y_idx: TensorLike
) -> tuple[TensorVariable, TensorVariable, TensorVariable, TensorVariable]:
    """:func:`crossentropy_softmax_1hot`, plus each row's top class and its probability.

    Parameters
    ----------
    x : tensor-like
        Logits, one row per example (last axis = classes).
    y_idx : tensor-like of integers
        Target class of each row; one dimension fewer than `x`.

    Returns
    -------
    xent : TensorVariable
        Negative log-likelihood of `y_idx` per row.
    softmax : TensorVariable
        ``softmax(x)`` along the last axis.
    max_pr : TensorVariable
        The largest probability in each row of `softmax`.
    argmax : TensorVariable
        The class (int64) holding that probability.

    Examples
    --------
    >>> import numpy as np, pytensor.tensor as pt
    >>> from symmodule.tensor import nnet as NN
    >>> x, y = pt.dmatrix("x"), pt.lvector("y")
    >>> xent, sm, max_pr, am = NN.crossentropy_softmax_max_and_argmax_1hot(x, y)
    >>> max_pr.eval({x: np.array([[0.0, 1000.0]])})
    array([1.])
    """
    x = pt.as_tensor_variable(x)
    nll, sm = crossentropy_softmax_1hot(x, y_idx)
    return nll, sm, pt.max(sm, axis=-1), pt.argmax(x, axis=-1)


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
