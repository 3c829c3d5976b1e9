"""Members that initialise themselves: the ``init=`` rule of a Member, run at make().

``Member(var, init=rule)`` gives a Member a rule for its first value: a
callable taking an :class:`InitContext` and returning the value. After
``make()`` has run the Module's ``_instance_initialize`` (the values the user
passed), every Member that still holds no value and has a rule gets
``rule(context)``. A rule may read other Members through
:meth:`InitContext.value_of` (an optimizer's moments take their parameter's
shape), which initialises those first; a cycle of rules is an error.

A rule is part of the instance's blueprint, so it must pickle: use a
module-level function or an object of a module-level class (the rules of
``symmodule.init``), not a lambda, if instances are to be pickled.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.member import convert_value

if TYPE_CHECKING:
    from symmodule.module.plan import StateSpec
    from symmodule.module.storage import MemberStorage

__all__ = ["InitContext", "Initializer", "run_initializers"]

#: A Member's ``init=`` rule.
Initializer = Callable[["InitContext"], Any]


class InitContext:
    """What an ``init=`` rule is told about the Member it initialises.

    Attributes
    ----------
    path
        The Member's first path in the instance tree (``'layers.0.w'``).
    type
        Its PyTensor type (``.dtype``, ``.ndim``, ``.shape`` with ``None``
        for a length the type leaves open).
    """

    def __init__(self, spec: StateSpec, run: _Run) -> None:
        self.path: str = spec.path
        self.type: Any = spec.type
        self._run = run

    @property
    def dtype(self) -> str:
        """The Member's dtype, e.g. ``'float64'``."""
        return str(self.type.dtype)

    @property
    def shape(self) -> tuple[int, ...] | None:
        """The Member's shape when its type fixes every length, else None."""
        shape = getattr(self.type, "shape", None)
        if shape is None or any(length is None for length in shape):
            return None
        return tuple(int(length) for length in shape)

    def rng(self, seed: int = 0) -> np.random.Generator:
        """A NumPy Generator for this Member: the same for the same seed and path.

        Two Members of one tree draw different numbers for one seed, and a
        rule draws the same numbers at every ``make()``.
        """
        return np.random.default_rng([int(seed), zlib.crc32(self.path.encode())])

    def value_of(self, variable: Variable) -> Any:
        """The value of another Member of the tree, initialising it first if needed."""
        return self._run.value_of(variable, self.path)


class _Run:
    """One pass over a new instance's state: fill every empty cell that has a rule."""

    def __init__(self, specs: dict[object, StateSpec], storage: dict[object, MemberStorage]) -> None:
        self.specs = specs
        self.storage = storage
        self.active: list[str] = []

    def fill(self, key: object) -> None:
        spec = self.specs[key]
        cell = self.storage[key]
        if spec.init is None or cell.storage[0] is not None:
            return
        if spec.path in self.active:
            cycle = " -> ".join([*self.active[self.active.index(spec.path):], spec.path])
            raise errors.InitializationError(errors.INIT_CYCLE.format(cycle=cycle))
        self.active.append(spec.path)
        try:
            value = spec.init(InitContext(spec, self))
        finally:
            self.active.pop()
        if value is None:
            raise errors.InitializationError(
                errors.INIT_RETURNED_NONE.format(path=spec.path, rule=_describe(spec.init))
            )
        cell.store(convert_value(spec.type, value, spec.path))

    def value_of(self, variable: Variable, asking: str) -> Any:
        if variable not in self.specs:
            raise errors.InitializationError(
                errors.INIT_UNKNOWN_MEMBER.format(path=asking, variable=variable)
            )
        self.fill(variable)
        value = self.storage[variable].storage[0]
        if value is None:
            raise errors.InitializationError(
                errors.INIT_DEPENDS_ON_UNSET.format(path=asking, other=self.specs[variable].path)
            )
        return np.asarray(value)


def run_initializers(specs: dict[object, StateSpec], storage: dict[object, MemberStorage]) -> None:
    """Give every empty Member that has an ``init=`` rule its first value, in plan order."""
    run = _Run(specs, storage)
    for key, spec in specs.items():
        if spec.init is not None:
            run.fill(key)


def _describe(rule: Any) -> str:
    return getattr(rule, "__qualname__", None) or repr(rule)
