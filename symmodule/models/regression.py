"""RegressionLayer and SpecifiedRegressionLayer: a regression layer whose subclasses choose the cost.

The layer computes ``activation = input @ w + b`` and leaves four choices to
subclasses, each a method building part of the graph in ``__init__``:

=================================  ============================================
``build_prediction()``             the output from ``self.activation``
``build_classification_cost(t)``   a scalar cost of the prediction against ``t``
``build_regularization()``         a scalar penalty (default: none)
``build_methods(input, target)``   the Methods (default: ``update`` and ``apply``)
=================================  ============================================
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pytensor.graph.basic import Variable

from symmodule import tensor as T
from symmodule.module import Method, Module, ModuleInstance, default_initialize
from symmodule.tensor import nnet as NN

__all__ = ["RegressionLayer", "SpecifiedRegressionLayer"]


class RegressionLayer(Module):
    """An affine layer trained by gradient descent; subclass it to choose prediction and cost.

    Parameters
    ----------
    input
        The input matrix (one example per row); a new ``T.matrix('input')``
        when None.
    target
        The targets the cost compares the prediction with; a new
        ``T.matrix('target')`` when None.
    regularize
        Whether ``cost`` includes ``regularization``.

    Attributes
    ----------
    w, b, stepsize
        Members: weights ``(input_size, target_size)``, biases
        ``(target_size,)`` and the gradient-descent step.
    activation, prediction, classification_cost, regularization, cost
        The expressions of the model (Externals).
    update
        ``update(input, target)`` takes one gradient step on ``w`` and ``b``
        and returns ``[cost, grad_w, grad_b, grad_prediction]`` (the gradients
        at the parameters before the step).
    apply
        ``apply(input)`` returns the prediction.

    Notes
    -----
    ``make(input_size=, target_size=, seed=, **members)`` draws ``w``
    uniformly in ``[-0.5, 0.5)`` from ``seed`` and zeroes ``b`` when both
    sizes are given; every name of :attr:`hyperparameter_defaults` gets its
    default; then ``members`` are set, overriding all of the above.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import tensor as T
    >>> from symmodule.models import RegressionLayer
    >>> class Linear(RegressionLayer):
    ...     def build_prediction(self):
    ...         return self.activation
    ...     def build_classification_cost(self, target):
    ...         return T.sum((self.prediction - target) ** 2)
    >>> model = Linear().make(input_size=2, target_size=1, stepsize=0.05)
    >>> x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0], [-1.0]])
    >>> first = model.update(x, y)[0]
    >>> for _ in range(50):
    ...     cost = model.update(x, y)[0]
    >>> bool(cost < first)
    True
    """

    #: Values every instance's hyper-parameter members start with.
    hyperparameter_defaults: ClassVar[dict[str, Any]] = {"stepsize": 0.01}

    def __init__(
        self, input: Variable | None = None, target: Variable | None = None, regularize: bool = True
    ) -> None:
        super().__init__()
        self.regularize = regularize
        input = T.matrix("input") if input is None else input
        target = T.matrix("target") if target is None else target
        self.stepsize = T.scalar()
        self.w = T.matrix()
        self.b = T.vector()
        self.activation = T.dot(input, self.w) + self.b
        self.prediction = self.build_prediction()
        self.classification_cost = self.build_classification_cost(target)
        self.regularization = self.build_regularization()
        self.cost = self.classification_cost
        if self.regularize:
            self.cost = self.cost + self.regularization
        self.build_methods(input, target)

    # -- what subclasses choose ----------------------------------------------------

    def build_prediction(self) -> Variable:
        """The model's output, computed from ``self.activation``."""
        raise NotImplementedError(f"{type(self).__name__} must define build_prediction()")

    def build_classification_cost(self, target: Variable) -> Variable:
        """A scalar cost of ``self.prediction`` against ``target``."""
        raise NotImplementedError(f"{type(self).__name__} must define build_classification_cost(target)")

    def build_regularization(self) -> Variable:
        """A scalar penalty on the parameters; none by default."""
        return T.zero()

    def build_methods(self, input: Variable, target: Variable) -> None:
        """Declare ``update`` (a gradient step returning cost and gradients) and ``apply``."""
        self.grad_w, self.grad_b, self.grad_prediction = T.grad(
            self.cost, [self.w, self.b, self.prediction]
        )
        self.update = Method(
            [input, target],
            [self.cost, self.grad_w, self.grad_b, self.grad_prediction],
            updates=self.gradient_step(self.grad_w, self.grad_b),
        )
        self.apply = Method(input, self.prediction)

    def gradient_step(self, grad_w: Variable, grad_b: Variable) -> dict[Variable, Variable]:
        """The updates of one gradient-descent step of size ``stepsize``."""
        return {self.w: self.w - self.stepsize * grad_w, self.b: self.b - self.stepsize * grad_b}

    def params(self) -> tuple[Variable, Variable]:
        """The trained parameters ``(w, b)``."""
        return self.w, self.b

    # -- instances -------------------------------------------------------------------

    def _instance_initialize(
        self,
        inst: ModuleInstance,
        input_size: int | None = None,
        target_size: int | None = None,
        seed: int | None = 1827,
        **init: Any,
    ) -> None:
        if input_size is not None and target_size is not None:
            rng = np.random.default_rng(seed)
            inst.w = rng.uniform(-0.5, 0.5, size=(input_size, target_size))
            inst.b = np.zeros(target_size)
        for name, value in self.hyperparameter_defaults.items():
            setattr(inst, name, value)
        default_initialize(inst, **init)


class SpecifiedRegressionLayer(RegressionLayer):
    """Sigmoid outputs, squared-error cost summed over the batch, L2 penalty ``l2_coef * sum(w**2)``.

    The penalty is part of ``cost`` when ``regularize`` is true (the default);
    ``l2_coef`` is a member, 0.001 unless set.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.models import SpecifiedRegressionLayer
    >>> model = SpecifiedRegressionLayer(regularize=False).make(
    ...     input_size=3, target_size=1, stepsize=0.1)
    >>> x = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    >>> y = np.array([[1.0], [0.0]])
    >>> cost, grad_w, grad_b, grad_prediction = model.update(x, y)
    >>> grad_w.shape, grad_b.shape, grad_prediction.shape
    ((3, 1), (1,), (2, 1))
    >>> model.apply(x).shape
    (2, 1)
    """

    hyperparameter_defaults: ClassVar[dict[str, Any]] = {"stepsize": 0.01, "l2_coef": 0.001}

    def build_prediction(self) -> Variable:
        return NN.sigmoid(self.activation)

    def build_classification_cost(self, target: Variable) -> Variable:
        self.classification_cost_matrix = (target - self.prediction) ** 2
        self.classification_costs = T.sum(self.classification_cost_matrix, axis=1)
        return T.sum(self.classification_costs)

    def build_regularization(self) -> Variable:
        self.l2_coef = T.scalar()
        return self.l2_coef * T.sum(self.w * self.w)
