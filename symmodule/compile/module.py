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
    FancyModuleInstance,
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


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
