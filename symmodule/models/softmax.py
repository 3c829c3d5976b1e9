"""SoftmaxXERegression: softmax regression with a cross-entropy cost.

One output column
-----------------
A softmax over a single column is identically 1: its cross-entropy is 0 and
nothing would ever be learnt. With ``target_size=1`` (one column of 0/1
targets, ``[[0], [1], ...]``) the column is therefore read as the
logit ``a`` of class 1 against a reference class whose logit is fixed at 0:
the softmax over ``[0, a]``. Its probability of class 1 is ``sigmoid(a)``,
which is the prediction, and its cross-entropy the binary one,
``-(t log sigmoid(a) + (1 - t) log(1 - sigmoid(a)))``. With two or more
columns the model is the ordinary softmax. The choice is made in the graph
(the number of columns of ``w`` is only known once ``make()`` has run), and
both forms are computed from the logits, so neither can give NaN.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pytensor.graph.basic import Variable

from symmodule import tensor as T
from symmodule.models.regression import RegressionLayer
from symmodule.module import Method
from symmodule.tensor import nnet as NN

__all__ = ["SoftmaxXERegression"]


class SoftmaxXERegression(RegressionLayer):
    """Softmax regression: ``prediction = softmax(input @ w + b)``, cost = cross-entropy summed over rows.

    Parameters
    ----------
    input
        Input matrix, one example per row (a new ``T.matrix('input')`` when None).
    target
        Targets: a matrix of one-hot (or soft) rows, the default; or an
        integer vector of class indices (``T.lvector('y')``).
    regularize
        Whether ``cost`` includes ``l2_coef * sum(w ** 2)``; ``l2_coef`` is a
        member, 0.001 unless set.

    Attributes
    ----------
    cost
        The scalar cost that ``update`` returns and minimises.
    classification_costs
        The cross-entropy of each row.
    update
        ``update(input, target)``: one gradient step on ``w`` and ``b``;
        returns the cost before the step (a 0-d array).
    apply
        ``apply(input)``: the class probabilities (for one output column, the
        probability of class 1; see the module notes).

    Notes
    -----
    ``make(input_size=, target_size=, stepsize=, seed=, **members)``
    initialises as :class:`RegressionLayer` does.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.models import SoftmaxXERegression
    >>> model = SoftmaxXERegression(regularize=False).make(
    ...     input_size=2, target_size=2, stepsize=0.5, seed=0)
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> y = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> costs = [float(model.update(x, y)) for _ in range(20)]
    >>> costs[-1] < costs[0]
    True
    >>> model.apply(x).argmax(axis=1)
    array([0, 1])
    """

    hyperparameter_defaults: ClassVar[dict[str, Any]] = {"stepsize": 0.01, "l2_coef": 0.001}

    def build_prediction(self) -> Variable:
        logits = self.activation
        return T.switch(_one_column(logits), NN.sigmoid(logits), NN.softmax(logits))

    def build_classification_cost(self, target: Variable) -> Variable:
        logits = self.activation
        softmax_xe = NN.categorical_crossentropy(NN.softmax(logits), target)
        # For the one-column form, class indices become the 0/1 target of that column.
        binary_target = target.dimshuffle(0, "x") if target.ndim == 1 else target
        binary_xe = T.sum(NN.binary_crossentropy(NN.sigmoid(logits), binary_target), axis=1)
        self.classification_costs = T.switch(_one_column(logits), binary_xe, softmax_xe)
        return T.sum(self.classification_costs)

    def build_regularization(self) -> Variable:
        self.l2_coef = T.scalar()
        return self.l2_coef * T.sum(self.w * self.w)

    def build_methods(self, input: Variable, target: Variable) -> None:
        self.grad_w, self.grad_b = T.grad(self.cost, [self.w, self.b])
        self.update = Method(
            [input, target], self.cost, updates=self.gradient_step(self.grad_w, self.grad_b)
        )
        self.apply = Method(input, self.prediction)


def _one_column(logits: Variable) -> Variable:
    """True (symbolically) when there is a single output column."""
    return T.eq(logits.shape[-1], 1)
