"""Ready-made models written with the Module system: starting points for your own.

* :class:`RegressionLayer` — an affine layer ``input @ w + b`` trained by
  gradient descent; subclasses choose the prediction and the cost.
* :class:`SpecifiedRegressionLayer` — sigmoid outputs, squared-error cost,
  optional L2 penalty.
* :class:`SoftmaxXERegression` — softmax (multinomial logistic) regression
  with a cross-entropy cost summed over the batch.

Each is an ordinary :class:`~symmodule.Module` subclass: read its source,
copy it, change what you need.
"""

from symmodule.models.regression import RegressionLayer, SpecifiedRegressionLayer
from symmodule.models.softmax import SoftmaxXERegression

__all__ = ["RegressionLayer", "SpecifiedRegressionLayer", "SoftmaxXERegression"]
