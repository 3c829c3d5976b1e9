"""Thin implementations of Theano names whose PyTensor equivalent has another signature.

Each is a few lines over PyTensor; the names table points to them.
"""

from __future__ import annotations

import functools
from typing import Any

import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.special import softmax
from pytensor.tensor.variable import TensorVariable

from symmodule.compile.io import In
from symmodule.modes import Mode, resolve_mode

__all__ = [
    "FAST_RUN",  # noqa: F822 (built on first use by __getattr__)
    "Param",
    "get_default_mode",
    "softmax_with_bias",
    *(f"convert_to_{dtype}" for dtype in ("int8", "int16", "int32", "int64", "float32", "float64", "complex64", "complex128")),
]


class Param(In):
    """Theano 0.4's ``Param``: an input of :func:`symmodule.function` with a default value.

    ``Param(x, default=1.0)`` is ``In(x, value=1.0)``: the caller may omit
    the argument, and each call starts from the default again.

    Parameters
    ----------
    variable
        The symbolic input.
    default
        Its default value (None: the argument is required).
    name, mutable, strict, allow_downcast, implicit, borrow
        As for :class:`symmodule.In`.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> x, y = T.dscalars('x', 'y')
    >>> f = symmodule.function([x, symmodule.Param(y, default=1.0)], x + y)
    >>> float(f(2)), float(f(2, 5))
    (3.0, 7.0)
    """

    def __init__(
        self,
        variable: Variable,
        default: Any = None,
        name: str | None = None,
        mutable: bool = False,
        strict: bool = False,
        allow_downcast: bool | None = None,
        implicit: bool | None = None,
        borrow: bool | None = None,
    ) -> None:
        super().__init__(
            variable,
            name=name,
            value=default,
            mutable=mutable,
            strict=strict,
            allow_downcast=allow_downcast,
            implicit=implicit,
            borrow=borrow,
        )
        self.default = default


def _convert_to(dtype: str) -> Any:
    convert = functools.partial(pt.cast, dtype=dtype)
    functools.update_wrapper(convert, pt.cast)
    convert.__name__ = convert.__qualname__ = f"convert_to_{dtype}"  # type: ignore[attr-defined]
    convert.__doc__ = f"Theano 2009's ``convert_to_{dtype}(x)``: ``T.cast(x, '{dtype}')``."
    return convert


convert_to_int8 = _convert_to("int8")
convert_to_int16 = _convert_to("int16")
convert_to_int32 = _convert_to("int32")
convert_to_int64 = _convert_to("int64")
convert_to_float32 = _convert_to("float32")
convert_to_float64 = _convert_to("float64")
convert_to_complex64 = _convert_to("complex64")
convert_to_complex128 = _convert_to("complex128")


def softmax_with_bias(x: Any, b: Any) -> TensorVariable:
    """Theano's ``softmax_with_bias(x, b)``: the row-wise softmax of ``x + b``.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.tensor import nnet as NN
    >>> NN.softmax_with_bias(np.zeros((1, 2)), np.zeros(2)).eval()
    array([[0.5, 0.5]])
    """
    return softmax(pt.as_tensor_variable(x) + b, axis=-1)


def get_default_mode() -> Mode:
    """Theano's ``compile.mode.get_default_mode()``: the mode of ``config.mode``, as symmodule resolves it."""
    return resolve_mode(None)


def __getattr__(name: str) -> Any:
    # Built on first use: resolving a mode loads its backend.
    if name == "FAST_RUN":
        return resolve_mode("FAST_RUN")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
