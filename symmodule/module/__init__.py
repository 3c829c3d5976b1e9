"""The Module system: declare symbolic classes, ``make()`` live instances.

See ``README.md`` beside this file for the invariants the code keeps, and
``module.py`` for the make() pipeline and the file that owns each stage.
"""

from symmodule.module.blueprint import Blueprint, merge, split
from symmodule.module.component import Component, Composite
from symmodule.module.containers import ComponentDict, ComponentList
from symmodule.module.instance import (
    DictInstance,
    FancyModuleInstance,
    ListInstance,
    ModuleInstance,
    default_initialize,
)
from symmodule.module.member import Constant, External, Member
from symmodule.module.method import Method
from symmodule.module.module import FancyModule, Module, register_wrapper
from symmodule.module.random import RandomStreams, RandomStreamsInstance
from symmodule.module.state import State

__all__ = [
    "Blueprint",
    "Component",
    "Composite",
    "ComponentDict",
    "ComponentList",
    "Constant",
    "DictInstance",
    "External",
    "FancyModule",
    "FancyModuleInstance",
    "ListInstance",
    "Member",
    "Method",
    "Module",
    "ModuleInstance",
    "RandomStreams",
    "RandomStreamsInstance",
    "State",
    "default_initialize",
    "merge",
    "register_wrapper",
    "split",
]
