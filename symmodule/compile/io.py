"""Theano's ``theano.compile.io``: the input and output specs ``In`` and ``Out``.

``Out`` is PyTensor's own class. ``In`` is a subclass of PyTensor's ``In`` that
restores one Theano feature PyTensor 3 dropped: a *plain* default value,
``In(x, value=1.0)``. PyTensor only accepts storage objects as a value (a
``Container``, or a shared variable); symmodule's ``In`` turns a number or an
array into such storage, a ``Container`` holding the value converted to the
variable's type. Everything else is PyTensor's behaviour, unchanged.
"""

from __future__ import annotations

import reprlib
from typing import Any

from pytensor.compile.io import In as _PyTensorIn
from pytensor.compile.io import Out, SymbolicInput
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.link.basic import Container

from symmodule import errors

__all__ = ["In", "Out", "private_storage"]


class In(_PyTensorIn):
    """An input of a compiled function: PyTensor's ``In``, plus plain default values.

    Parameters are PyTensor's (see ``pytensor.compile.io.In``); only ``value``
    and ``implicit`` differ:

    Parameters
    ----------
    variable : Variable
        The symbolic variable this input feeds (not a constant).
    name : str, optional
        Keyword name of the input; defaults to ``variable.name``.
    value : number, array, Container or shared variable, optional
        A number or an array is converted to ``variable``'s type and stored in
        a new :class:`~pytensor.link.basic.Container` (the input's own,
        private storage); every function compiled with this ``In`` starts from
        that value. A ``Container`` (e.g. another function's
        ``fn.container[var]``) or a shared variable is storage already: the
        input then *shares* it.
    update : Variable, optional
        Expression whose value replaces the stored value after each call; its
        type must match ``variable``'s.
    implicit : bool, optional
        Whether the caller is forbidden to pass this input. By default
        (``None``): ``False`` for a plain value (a default the caller may
        override, as in Theano) and for no value; ``True`` for a Container or a
        shared variable (PyTensor's rule).
    mutable, strict, allow_downcast, autoname, borrow, shared
        As in PyTensor. ``strict`` and ``allow_downcast`` also govern the
        conversion of a plain ``value``. ``mutable`` is accepted and changes
        nothing: symmodule compiles every input as immutable, so that no
        mode overwrites the array a caller passes.

    Attributes
    ----------
    owns_value : bool
        True when this ``In`` made the storage itself from a plain value.

    Raises
    ------
    symmodule.errors.InputSpecError
        When ``variable`` is not a symbolic variable (or is a constant), ``value`` cannot be
        converted to its type (or is a storage of another type, or a symbolic
        expression), or ``update`` is not an expression of its type.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> x = T.dscalar('x')
    >>> f = symmodule.function([symmodule.In(x, value=1.0)], x * 2)
    >>> float(f()), float(f(5))
    (2.0, 10.0)
    >>> symmodule.In(x, value=1.0).value.value
    array(1.)
    """

    def __init__(
        self,
        variable: Variable,
        name: str | None = None,
        value: Any = None,
        update: Variable | None = None,
        mutable: bool | None = None,
        strict: bool = False,
        allow_downcast: bool | None = None,
        autoname: bool = True,
        implicit: bool | None = None,
        borrow: bool | None = None,
        shared: bool = False,
    ) -> None:
        where = _describe_input(variable, name)
        if not isinstance(variable, Variable) or isinstance(variable, Constant):
            raise errors.InputSpecError(
                errors.IN_NOT_A_VARIABLE.format(where=where, given=reprlib.repr(variable))
            )
        owns_value = value is not None and not isinstance(value, Container | SharedVariable)
        if owns_value:
            storage_name = name if name is not None or not autoname else variable.name
            value = private_storage(
                variable,
                value,
                strict=strict,
                allow_downcast=allow_downcast,
                name=storage_name,
                where=where,
            )
            if implicit is None:
                implicit = False
        elif value is not None:
            _check_storage_type(variable, value, where)
        if update is not None:
            _check_update(variable, update, where)
        super().__init__(
            variable,
            name=name,
            value=value,
            update=update,
            mutable=mutable,
            strict=strict,
            allow_downcast=allow_downcast,
            autoname=autoname,
            implicit=implicit,
            borrow=borrow,
            shared=shared,
        )
        self.owns_value = owns_value


def private_storage(
    variable: Variable,
    value: Any,
    *,
    strict: bool = False,
    allow_downcast: bool | None = None,
    name: str | None = None,
    where: str | None = None,
) -> Container:
    """A new Container for ``variable`` holding ``value`` converted to its type.

    The conversion is the type's ``filter`` (the one a call applies to its
    arguments): a Python ``0`` becomes a 0-d float64 array for a ``dscalar``;
    an array whose dtype already matches is stored as it is, without a copy.

    Parameters
    ----------
    variable
        The variable whose type the value must have.
    value
        A number, a nested sequence of numbers or an array.
    strict, allow_downcast
        As for PyTensor inputs: ``strict`` forbids any conversion,
        ``allow_downcast`` allows a lossy one.
    name
        Name of the Container (defaults to the variable's name).
    where
        How error messages name the input (defaults to the variable).

    Raises
    ------
    symmodule.errors.InputSpecError
        When ``value`` is symbolic or cannot be converted to the type.

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> from symmodule.compile.io import private_storage
    >>> c = T.dscalar('c')
    >>> private_storage(c, 0).value
    array(0.)
    """
    where = where or _describe_input(variable, name)
    if isinstance(value, Variable | SymbolicInput):
        raise errors.InputSpecError(
            errors.INPUT_VALUE_SYMBOLIC.format(where=where, variable=variable, value=value)
        )
    try:
        converted = variable.type.filter(value, strict=strict, allow_downcast=allow_downcast)
    except Exception as exc:
        reason = str(exc).strip().splitlines()
        raise errors.InputSpecError(
            errors.INPUT_VALUE_NOT_CONVERTIBLE.format(
                where=where,
                value=_show_value(value),
                variable=variable,
                expected=errors.describe_type(variable.type),
                reason=reason[0] if reason else type(exc).__name__,
            )
        ) from exc
    return Container(
        variable,
        [converted],
        strict=strict,
        allow_downcast=allow_downcast,
        name=name if name is not None else variable.name,
    )


def _describe_input(variable: Any, name: str | None) -> str:
    label = name if name is not None else getattr(variable, "name", None)
    return f"input {label!r}" if label is not None else f"input {variable}"


def _show_value(value: Any) -> str:
    return f"{reprlib.repr(value)} ({errors.describe_value(value)})"


def _check_storage_type(variable: Variable, storage: Container | SharedVariable, where: str) -> None:
    """Refuse to share storage that holds values of another type than ``variable``'s."""
    held = storage.type
    if not variable.type.in_same_class(held):
        raise errors.InputSpecError(
            errors.INPUT_STORAGE_TYPE_MISMATCH.format(
                where=where,
                variable=variable,
                expected=errors.describe_type(variable.type),
                got=errors.describe_type(held),
            )
        )


def _check_update(variable: Variable, update: Any, where: str) -> None:
    """The checks PyTensor makes on an update, with symmodule's messages."""
    if not isinstance(update, Variable):
        raise errors.InputSpecError(
            errors.INPUT_UPDATE_NOT_SYMBOLIC.format(where=where, variable=variable, update=update)
        )
    if not variable.type.in_same_class(update.type):
        raise errors.InputSpecError(
            errors.INPUT_UPDATE_TYPE_MISMATCH.format(
                where=where,
                variable=variable,
                got=errors.describe_type(update.type),
                expected=errors.describe_type(variable.type),
                fix=errors.update_type_fix(update.type, variable.type, "variable"),
            )
        )


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
