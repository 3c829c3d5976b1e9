"""Thin implementations of Theano names whose PyTensor equivalent has another signature, or is gone.

Each is a few lines over PyTensor; the names table points to them.
``unbroadcast`` and its kin are PyTensor's ``ViewOp`` with another output
type: PyTensor 3 has no Op of its own that forgets a static length of 1.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import pytensor.tensor as pt
from pytensor.compile.ops import ViewOp
from pytensor.graph.basic import Apply, Variable
from pytensor.tensor.special import softmax
from pytensor.tensor.variable import TensorVariable

from symmodule.compile.io import In
from symmodule.modes import Mode, resolve_mode

__all__ = [
    "FAST_RUN",  # noqa: F822 (built on first use by __getattr__)
    "Param",
    "Rebroadcast",
    "Unbroadcast",
    "get_default_mode",
    "patternbroadcast",
    "softmax_with_bias",
    "unbroadcast",
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


class Unbroadcast(ViewOp):
    """The input itself, with no static length on the given axes: Theano's ``unbroadcast``.

    PyTensor records a broadcastable axis as a static length of 1; this Op
    forgets it, so that, say, the initial state of a ``scan`` has the type of
    the states the step computes. At run time it is PyTensor's ``ViewOp``
    (the output is the input array), in every mode.

    Parameters
    ----------
    *axes
        The axes whose static length is forgotten.
    """

    __props__ = ("axes",)

    def __init__(self, *axes: int) -> None:
        self.axes = tuple(sorted(set(axes)))

    def make_node(self, x: Any) -> Apply:
        x = pt.as_tensor_variable(x)
        if any(not -x.ndim <= axis < x.ndim for axis in self.axes):
            raise IndexError(f"unbroadcast: axes {self.axes} out of range for a {x.ndim}-d tensor")
        axes = {axis % x.ndim for axis in self.axes}
        shape = tuple(None if i in axes else length for i, length in enumerate(x.type.shape))
        return Apply(self, [x], [x.type.clone(shape=shape)()])

    def pullback(
        self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]
    ) -> list[Variable]:
        # The gradient gets back the static lengths of 1 of the input, so its type is the input's.
        (x,), (g,) = inputs, output_grads
        return [pt.specify_broadcastable(g, *[i for i, length in enumerate(x.type.shape) if length == 1])]


def unbroadcast(x: Any, *axes: int) -> TensorVariable:
    """Theano's ``unbroadcast(x, *axes)``: ``x`` with the given axes no longer broadcastable.

    Axes whose static length is not 1 are left as they are; when none is, ``x``
    itself is returned.

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> row = T.dmatrix('row', shape=(1, 3))
    >>> T.unbroadcast(row, 0).type.shape
    (None, 3)
    """
    x = pt.as_tensor_variable(x)
    forget = [axis for axis in axes if x.type.shape[axis] == 1]
    return Unbroadcast(*forget)(x) if forget else x


def patternbroadcast(x: Any, broadcastable: Sequence[bool]) -> TensorVariable:
    """Theano's ``patternbroadcast(x, pattern)``: ``x`` broadcastable exactly on the axes marked True.

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> T.patternbroadcast(T.dmatrix('m', shape=(1, None)), (False, True)).type.shape
    (None, 1)
    """
    return Rebroadcast(*enumerate(broadcastable))(x)


class Rebroadcast:
    """Theano's ``Rebroadcast((axis, bool), ...)``: makes axes broadcastable (True) or not (False).

    Calling it on ``x`` gives ``specify_broadcastable`` for the True axes (a
    length other than 1 is refused when the function runs) and
    :class:`Unbroadcast` for the False ones.

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> T.Rebroadcast((0, True), (1, False))(T.dmatrix('m', shape=(None, 1))).type.shape
    (1, None)
    """

    def __init__(self, *axis: tuple[int, bool]) -> None:
        self.axis = dict(axis)

    def __call__(self, x: Any) -> TensorVariable:
        x = pt.as_tensor_variable(x)
        add = [axis for axis, broadcastable in self.axis.items() if broadcastable and x.type.shape[axis] != 1]
        if add:
            x = pt.specify_broadcastable(x, *add)
        return unbroadcast(x, *[axis for axis, broadcastable in self.axis.items() if not broadcastable])


def get_default_mode() -> Mode:
    """Theano's ``compile.mode.get_default_mode()``: the mode of ``config.mode``, as symmodule resolves it."""
    return resolve_mode(None)


def __getattr__(name: str) -> Any:
    # Built on first use: resolving a mode loads its backend.
    if name == "FAST_RUN":
        return resolve_mode("FAST_RUN")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
