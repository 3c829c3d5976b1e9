"""Pieces of messages: how a type, a value, a member's attribute or an update's fix are written."""

from __future__ import annotations

import keyword
from typing import Any

import numpy as np

from symmodule.errors.module_messages import (
    UPDATE_FIX_CAST_TOO,
    UPDATE_FIX_DTYPE,
    UPDATE_FIX_FEWER_DIMS,
    UPDATE_FIX_MORE_DIMS,
    UPDATE_FIX_OTHER,
)

__all__ = [
    "update_type_fix",
    "member_attribute",
    "describe_type",
    "describe_value",
]


def update_type_fix(got: Any, expected: Any, what: str) -> str:
    """How to fix an update of type ``got`` for a ``what`` ("member", "variable") of type ``expected``.

    A cast only for a dtype that differs; reducing or adding dimensions for a
    number of dimensions that differs (a cast cannot change it).
    """
    dtype, got_dtype = getattr(expected, "dtype", None), getattr(got, "dtype", None)
    ndim, got_ndim = getattr(expected, "ndim", None), getattr(got, "ndim", None)
    cast = UPDATE_FIX_CAST_TOO.format(dtype=dtype) if dtype != got_dtype else ""
    if ndim is not None and got_ndim is not None and ndim != got_ndim:
        template = UPDATE_FIX_FEWER_DIMS if got_ndim > ndim else UPDATE_FIX_MORE_DIMS
        return template.format(what=what, ndim=ndim, got_ndim=got_ndim, cast=cast)
    if dtype is not None and got_dtype is not None and dtype != got_dtype:
        return UPDATE_FIX_DTYPE.format(what=what, dtype=dtype, got_dtype=got_dtype)
    return UPDATE_FIX_OTHER.format(what=what)

def member_attribute(path: str) -> str:
    """How to reach a member from the root instance: ``inst.c``, or ``inst['layers.0']`` for a nested path.

    Writing ``inst[path] = value`` works for any path; a plain name reads
    better as an attribute.
    """
    return f"inst.{path}" if path.isidentifier() and not keyword.iskeyword(path) else f"inst[{path!r}]"

def describe_type(type_: Any) -> str:
    """``TensorType(float64, shape=(None, 3))`` as "a float64 array with 2 dimension(s) ..."."""
    dtype = getattr(type_, "dtype", None)
    ndim = getattr(type_, "ndim", None)
    if dtype is None or ndim is None:
        return str(type_)
    shape = getattr(type_, "shape", None)
    if shape is not None and any(s is not None for s in shape):
        shown = ", ".join("?" if s is None else str(s) for s in shape)
        return f"a {dtype} array with {ndim} dimension(s) and shape ({shown})"
    return f"a {dtype} array with {ndim} dimension(s)"

def describe_value(value: Any) -> str:
    """A short description of a runtime value: its type, dtype and shape."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array with {value.ndim} dimension(s) and shape {value.shape}"
    try:
        array = np.asarray(value)
    except Exception:
        return f"a {type(value).__name__}"
    if array.dtype == object:
        return f"a {type(value).__name__}"
    return f"a {type(value).__name__} ({array.dtype}, {array.ndim} dimension(s), shape {array.shape})"
