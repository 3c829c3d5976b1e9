"""Layer: a Module that, called on an expression, returns an expression.

Every layer of ``symmodule.nn`` derives from :class:`Layer`. A layer is a
:class:`~symmodule.Module`: its parameters are Members (with roles and
``init=`` rules), and it has no Methods of its own. ``layer(x)`` builds the
layer's expression on ``x``; calling it again on another expression builds
another expression over the same Members.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Variable
from pytensor.tensor.variable import TensorVariable

from symmodule import errors
from symmodule.module.member import Member
from symmodule.module.module import Module
from symmodule.nn import messages
from symmodule.roles import PARAM

if TYPE_CHECKING:
    from symmodule.module.plan import Node, Plan

__all__ = ["Layer", "Activation"]


class Layer(Module):
    """Base class of the layers: a Module that maps an expression to an expression.

    A subclass implements :meth:`forward` and declares its parameters with
    :meth:`add_member`, in ``__init__`` when their shapes are known, or at
    the first application when a length comes from the input (a *lazy*
    layer: it sets ``self._pending = (argument, what gives it)`` until then,
    so that ``make()`` refuses the layer, with its path, if it was never
    applied).

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> class Scale(nn.Layer):
    ...     def __init__(self, n):
    ...         super().__init__()
    ...         self.add_member("s", T.vector(shape=(n,)), init=symmodule.init.ones())
    ...     def forward(self, x, training=False):
    ...         return x * self.s
    >>> m = symmodule.Module()
    >>> m.scale = Scale(3)
    >>> x = T.matrix("x")
    >>> m.apply = symmodule.Method([x], m.scale(x))
    >>> m.make().apply(np.ones((2, 3), dtype=symmodule.config.floatX)).shape
    (2, 3)
    """

    def __init__(self) -> None:
        super().__init__()
        # The layer that holds this one and the key it is held under: enough to
        # name a layer before make() knows its full path.
        object.__setattr__(self, "_nn_parent", None)
        # What a lazy layer still needs, ('n_in', 'last axis'), until it has every shape.
        self._pending: tuple[str, str] | None = None

    # -- declaring -----------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if not name.startswith("_"):
            for key, child in _layers_in(name, value):
                if child._nn_parent is None and child is not self:
                    object.__setattr__(child, "_nn_parent", (self, key))

    def add_member(
        self,
        name: str,
        variable: Variable,
        *,
        roles: str | Iterable[str] = PARAM,
        init: Any = None,
    ) -> Variable:
        """Declare ``variable`` as the Member ``name`` with these roles and init rule; return it."""
        setattr(self, name, Member(variable, roles=roles, init=init))
        return variable

    # -- applying ------------------------------------------------------------------------

    def __call__(self, x: Any, *, training: bool = False) -> TensorVariable:
        """The layer's expression on ``x``; ``training=True`` gives the training behaviour.

        Training changes what Dropout and BatchNorm compute (a random mask,
        the batch's statistics); every other layer ignores it.
        """
        return self.forward(self.as_input(x), training=training)

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        """The layer's expression on the tensor ``x`` (subclasses implement it)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward()")

    def as_input(self, x: Any) -> TensorVariable:
        """``x`` as a tensor Variable, or a :class:`~symmodule.errors.DeclarationError` naming the layer."""
        try:
            return pt.as_tensor_variable(x)
        except (TypeError, ValueError, NotImplementedError) as exc:
            raise errors.DeclarationError(
                messages.NOT_AN_EXPRESSION.format(layer=self.where(), value=x, reason=exc)
            ) from None

    # -- naming ------------------------------------------------------------------------------

    def where(self) -> str:
        """The layer's class and its path among the layers holding it, for messages.

        ``'nn.Linear at layers.2 of an nn.Sequential'``; the full path in a
        Module tree is only known at ``make()``, whose errors give it.
        """
        keys: list[str] = []
        layer, seen = self, {id(self)}
        while layer._nn_parent is not None and id(layer._nn_parent[0]) not in seen:
            layer, key = layer._nn_parent
            keys.insert(0, key)
            seen.add(id(layer))
        if not keys:
            return label(type(self))
        return f"{label(type(self))} at {'.'.join(keys)} of an {label(type(layer))}"

    # -- make() ----------------------------------------------------------------------------------

    def allocate(self, plan: Plan, node: Node) -> None:
        super().allocate(plan, node)
        if self._pending is not None:
            name, what = self._pending
            raise errors.DeclarationError(
                messages.UNRESOLVED_AT_MAKE.format(
                    layer=label(type(self)),
                    path=repr(node.path) if node.path else "the root",
                    name=name,
                    what=what,
                )
            )

    def extra_repr(self) -> str:
        """The arguments shown between the parentheses of ``repr(layer)``."""
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Activation(Layer):
    """A function of one expression as a layer (``nn.Sequential`` wraps functions in it).

    Parameters
    ----------
    fn
        Called on the input: ``nn.relu``, ``T.tanh`` or any function of one
        expression. A module-level function pickles with the instances; a
        lambda does not.

    Examples
    --------
    >>> from symmodule import nn, tensor as T
    >>> x = T.dvector("x")
    >>> nn.Activation(nn.relu)(x).eval({x: [-1.0, 2.0]})
    array([0., 2.])
    """

    def __init__(self, fn: Any) -> None:
        super().__init__()
        if not callable(fn):
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.Activation", name="fn", value=fn, why="is not callable",
                    fix="Give a function of one expression, such as nn.relu.",
                )
            )
        self._fn = fn

    @property
    def fn(self) -> Any:
        """The function applied."""
        return self._fn

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        return self._fn(x)

    def extra_repr(self) -> str:
        return getattr(self._fn, "__name__", repr(self._fn))


def label(cls: type) -> str:
    """A layer class as messages name it: ``nn.Linear`` for the layers of symmodule.nn, else its name."""
    return f"nn.{cls.__name__}" if cls.__module__.startswith("symmodule.nn") else cls.__name__


def _layers_in(name: str, value: Any) -> Iterable[tuple[str, Layer]]:
    """The layers in an attribute value (itself, or the items of a list, tuple or dict), with their keys."""
    if isinstance(value, Layer):
        yield name, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _layers_in(f"{name}.{index}", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _layers_in(f"{name}.{key}", item)


def float_dtype(dtype: str | None) -> str:
    """``dtype``, or PyTensor's ``floatX`` when None."""
    return str(pytensor.config.floatX if dtype is None else dtype)


def static_length(x: TensorVariable, axis: int) -> int | None:
    """The length of ``x`` along ``axis`` when its type fixes it, else None."""
    length = x.type.shape[axis]
    return None if length is None else int(length)


def check_ndim(layer: Layer, x: TensorVariable, allowed: Iterable[int], layout: str, fix: str = "") -> None:
    """Refuse an input whose number of dimensions is not in ``allowed``."""
    allowed = tuple(allowed)
    if x.ndim not in allowed:
        expected = " or ".join(str(n) for n in allowed) if len(allowed) < 4 else f"{min(allowed)} or more"
        raise errors.DeclarationError(
            messages.WRONG_NDIM.format(
                layer=layer.where(), expected=expected, layout=layout, ndim=x.ndim,
                type=errors.describe_type(x.type), fix=fix,
            )
        )


def require(layer: str, name: str, value: Any, what: str, fix: str) -> None:
    """Refuse a required argument left out (None), saying what it is and how to give it."""
    if value is None:
        raise errors.DeclarationError(messages.MISSING_ARGUMENT.format(layer=layer, name=name, what=what, fix=fix))


def check_positive(layer: str, *, lazy: bool = True, **values: Any) -> None:
    """Refuse a length argument that is not a positive int; None passes (a lazy length) when ``lazy``."""
    for name, value in values.items():
        if value is None and lazy:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            fix = f"Give the length as an int, e.g. {name}=64" + (
                ", or None to take it from the input." if lazy else "."
            )
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(layer=layer, name=name, value=value, why="is not a positive int", fix=fix)
            )


def infer_length(
    layer: Layer, x: TensorVariable, axis: int, name: str, what: str, known: int | None, example: str
) -> int:
    """The length a layer needs from ``x`` along ``axis``: checked against ``known``, or inferred.

    ``known`` is the length given at construction (None: a lazy layer). A
    static length of ``x`` that differs is an error; an input whose length is
    not static is accepted when ``known`` is given (PyTensor checks it when
    the method runs) and refused otherwise.
    """
    got = static_length(x, axis)
    if known is not None:
        if got is not None and got != known:
            raise errors.DeclarationError(
                messages.LENGTH_MISMATCH.format(layer=layer.where(), what=what, got=got, name=name, expected=known)
            )
        return known
    if got is None:
        raise errors.DeclarationError(
            messages.LENGTH_UNKNOWN.format(
                layer=layer.where(), name=name, what=what, type=errors.describe_type(x.type), example=example
            )
        )
    return got
