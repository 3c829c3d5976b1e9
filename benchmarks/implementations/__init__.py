"""The implementation families, and the interface each one provides.

Each family is a module of this package with:

``NAME``
    Its label in the results.
``MODES``
    The compilation modes it runs in (``None`` when it has none).
``REQUIRES``
    The packages it imports; when one is missing the family is *skipped*.
``regression(problem, mode)``, ``mlp(problem, mode)``
    Declare the model (everything a user writes once) and return a factory:
    each call of the factory makes one new instance and returns its training
    step, a function of no arguments that takes one SGD step on the
    problem's data and returns the loss in the family's own array type.
``counter(problem, mode)``
    A factory of :class:`Counter`: a scalar state and a call that adds 1.
``layer(problem, mode)``
    A factory of :class:`Layer`: 1M float32 parameters and two methods.
``wait(out)``
    Blocks until ``out`` is computed (jax dispatches asynchronously).
``to_numpy(out)``
    ``out`` as a NumPy array.

The factories take the problem's data and weights as they are: each family
converts them to its own array type once, when an instance is made, and
copies the initial weights so that instances never share storage.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["FAMILIES", "MODAL", "MODE_ONLY", "ONLY", "Counter", "Layer", "Skipped", "implementations", "load", "runs"]

#: Family name -> module of this package, in the order of the tables.
FAMILIES: dict[str, str] = {
    "symmodule": "symmodule_module",
    "symmodule.unchecked": "symmodule_unchecked",
    "pytensor": "pytensor_function",
    "numpy": "numpy_by_hand",
    "torch": "torch_eager",
    "jax.jit": "jax_jit",
    "nnx.jit": "flax_nnx",
}


class Skipped(Exception):
    """The family cannot run here because a package it needs is not installed."""


@dataclass
class Counter:
    """One instance of the counter workload (W4)."""

    inc: Callable[[], Any]  #: adds 1 to the state; returns what ``wait`` accepts
    value: Callable[[], float]  #: the state's current value


@dataclass
class Layer:
    """One instance of the memory workload (W6)."""

    apply: Callable[[], Any]  #: ``tanh(x @ w)`` on the problem's ``x``
    scale: Callable[[], Any]  #: ``w = factor * w``


#: Families that run only some workloads (the others run all of them).
ONLY: dict[str, tuple[str, ...]] = {"symmodule.unchecked": ("W1", "W4")}

#: Families with one implementation per compilation mode.
MODAL = ("symmodule", "symmodule.unchecked", "pytensor")


#: Modes only some modal families have, and the workloads they run in them: symmodule's
#: 'JAX_DONATING' changes how training steps store their updates, so it runs those.
MODE_ONLY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "JAX_DONATING": (("symmodule",), ("W3", "W7")),
}


def runs(impl: str, key: str) -> bool:
    """Whether implementation ``impl`` (``family`` or ``family/MODE``) runs workload ``key``."""
    family, _, mode = impl.partition("/")
    return key in ONLY.get(family, (key,)) and key in MODE_ONLY.get(mode, ((), (key,)))[1]


#: Compilation modes whose backend is an optional package.
MODE_PACKAGES = {"NUMBA": "numba", "FAST_RUN": "numba", "JAX": "jax", "JAX_DONATING": "jax"}


def load(family: str, mode: str | None = None) -> ModuleType:
    """Import a family's module; :class:`Skipped` when a package it or its mode requires is missing."""
    package = MODE_PACKAGES.get(mode or "")
    if package and importlib.util.find_spec(package) is None:
        raise Skipped(f"mode {mode} needs {package!r}, which is not installed")
    module_name = f"{__name__}.{FAMILIES[family]}"
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        missing = exc.name or str(exc)
        # Only a missing third-party package is a skip; a broken import of
        # our own code must fail loudly.
        if missing.startswith(("benchmarks", "symmodule")):
            raise
        raise Skipped(f"{family} needs {missing!r}, which is not installed") from exc


def implementations(modes: list[str]) -> list[str]:
    """Every implementation name, ``family`` or ``family/MODE``, for the given modes.

    The families with modes (symmodule and raw PyTensor) get one
    implementation per mode; the list does not depend on what is installed:
    a family that cannot be loaded is reported as skipped, not dropped.
    """
    names = []
    for family in FAMILIES:
        if family in MODAL:
            names.extend(
                f"{family}/{mode}" for mode in modes if family in MODE_ONLY.get(mode, ((family,), ()))[0]
            )
        else:
            names.append(family)
    return names


def split(name: str) -> tuple[str, str | None]:
    """``'symmodule/NUMBA'`` -> ``('symmodule', 'NUMBA')``; ``'numpy'`` -> ``('numpy', None)``."""
    family, _, mode = name.partition("/")
    return family, mode or None
