"""Theano's ``theano.compile.module``: ``from symmodule.compile import module as M``.

A door only: everything lives in :mod:`symmodule.module`.
"""

from symmodule.errors import AllocationError
from symmodule.module import (
    Component,
    ComponentDict,
    ComponentList,
    Composite,
    External,
    FancyModule,
    Member,
    Method,
    Module,
    ModuleInstance,
    default_initialize,
    register_wrapper,
)

__all__ = [
    "AllocationError",
    "Component",
    "ComponentDict",
    "ComponentList",
    "Composite",
    "External",
    "FancyModule",
    "Member",
    "Method",
    "Module",
    "ModuleInstance",
    "default_initialize",
    "register_wrapper",
]
