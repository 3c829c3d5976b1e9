"""Linear: the affine layer ``x @ w + b`` over the input's last axis."""

from __future__ import annotations

from typing import Any

import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.variable import TensorVariable

from symmodule import errors, init as initializers
from symmodule.nn import messages
from symmodule.nn.layer import Layer, check_ndim, check_positive, float_dtype, infer_length, require, static_length
from symmodule.roles import PARAM, REGULARIZABLE

__all__ = ["Linear"]


class Linear(Layer):
    """``x @ w + b``: an affine map of the input's last axis, from ``n_in`` to ``n_out`` features.

    Parameters
    ----------
    n_in
        Length of the input's last axis; None takes it from the first input
        (its type must give that length: ``T.matrix(shape=(None, 64))``).
    n_out
        Number of outputs.
    bias
        Whether to add the bias ``b``.
    init, bias_init
        Rules for the first values of ``w`` (default
        ``symmodule.init.glorot_uniform()``) and ``b`` (default zeros),
        run at ``make()``; see ``symmodule.init``.
    w
        A weight to use instead of a new one, to tie weights: another
        layer's Member (``encoder.w``) or an expression of one
        (``encoder.w.T``). Its static shape gives ``n_in`` and ``n_out``
        when they are left out.
    dtype
        Of the parameters; default ``floatX``.

    Attributes
    ----------
    w
        The weight, shape ``(n_in, n_out)``: roles ``param`` and ``regularizable``.
    b
        The bias, shape ``(n_out,)``: role ``param`` (absent with ``bias=False``).

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.layer = nn.Linear(3, 2)
    >>> x = T.matrix("x")
    >>> m.apply = symmodule.Method([x], m.layer(x))
    >>> inst = m.make()
    >>> inst.layer.w.shape, inst.layer.b
    ((3, 2), array([0., 0.]))
    >>> inst.apply(np.ones((4, 3), dtype=symmodule.config.floatX)).shape
    (4, 2)

    ``n_in`` left out is read from the first input's static shape:

    >>> lazy = nn.Linear(n_out=5)
    >>> h = lazy(T.matrix(shape=(None, 7)))
    >>> lazy.n_in, h.type.shape
    (7, (None, 5))
    """

    def __init__(
        self,
        n_in: int | None = None,
        n_out: int | None = None,
        *,
        bias: bool = True,
        init: Any = None,
        bias_init: Any = None,
        w: Variable | None = None,
        dtype: str | None = None,
    ) -> None:
        super().__init__()
        check_positive("nn.Linear", n_in=n_in, n_out=n_out)
        if w is not None:
            n_in, n_out = self._tie(w, n_in, n_out)
        require(
            "nn.Linear", "n_out", n_out, "the number of outputs",
            "Give it: nn.Linear(64, 10), or nn.Linear(n_out=10) to take n_in from the input.",
        )
        self._n_in, self._n_out = n_in, n_out
        self._bias, self._init, self._bias_init = bias, init, bias_init
        self._dtype = float_dtype(dtype)
        if w is not None:
            self.w = w
            self._add_bias()
        elif n_in is None:
            self._pending = ("n_in", "last axis")
        else:
            self._build(n_in)

    @property
    def n_in(self) -> int | None:
        """Length of the input's last axis (None until a lazy layer's first application)."""
        return self._n_in

    @property
    def n_out(self) -> int:
        """Number of outputs."""
        return self._n_out

    def _tie(self, w: Variable, n_in: int | None, n_out: int | None) -> tuple[int | None, int | None]:
        if not isinstance(w, Variable) or getattr(w.type, "ndim", None) != 2:
            raise errors.DeclarationError(messages.NOT_A_WEIGHT.format(layer="nn.Linear", value=w, ndim=2))
        for name, given, static in (("n_in", n_in, w.type.shape[0]), ("n_out", n_out, w.type.shape[1])):
            if given is not None and static is not None and given != static:
                raise errors.DeclarationError(
                    messages.BAD_ARGUMENT.format(
                        layer="nn.Linear", name=name, value=given, why=f"differs from the weight's length {static}",
                        fix=f"Leave {name} out: the weight gives it.",
                    )
                )
        return (n_in if n_in is not None else static_length(w, 0), n_out if n_out is not None else static_length(w, 1))

    def _build(self, n_in: int) -> None:
        self._n_in, self._pending = n_in, None
        self.add_member(
            "w",
            pt.matrix(dtype=self._dtype, shape=(n_in, self._n_out)),
            roles=(PARAM, REGULARIZABLE),
            init=self._init if self._init is not None else initializers.glorot_uniform(),
        )
        self._add_bias()

    def _add_bias(self) -> None:
        if self._bias:
            self.add_member(
                "b",
                pt.vector(dtype=self._dtype, shape=(self._n_out,)),
                init=self._bias_init if self._bias_init is not None else initializers.zeros(),
            )

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(self, x, range(1, 33), "features on the last axis", "Give at least a vector.")
        n_in = infer_length(self, x, -1, "n_in", "last axis", self._n_in, "T.matrix(shape=(None, 64))")
        if self._pending is not None:
            self._build(n_in)
        out = pt.dot(x, self.w)
        return out + self.b if self._bias else out

    def extra_repr(self) -> str:
        return f"{self._n_in}, {self._n_out}" + ("" if self._bias else ", bias=False")

