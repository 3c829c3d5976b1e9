"""Compilation modes: the names users may pass to ``make(mode=)`` and ``function(mode=)``.

A mode is PyTensor's: a rewriter plus a linker. symmodule only resolves the
names semantics.md lists, checks that the backend a name needs is installed,
and turns PyTensor's terse errors into ones that list what is available.
"""

from __future__ import annotations

import importlib.util

from pytensor.compile.mode import Mode, get_mode

from symmodule.errors import MODE_BACKEND_MISSING, UNKNOWN_MODE, ModeError

__all__ = ["MODE_NAMES", "resolve_mode", "available_modes"]

#: Mode name -> the optional package its backend needs (None: always there).
MODE_NAMES: dict[str, str | None] = {
    "FAST_COMPILE": None,
    "FAST_RUN": None,
    "NUMBA": "numba",
    "CVM": None,
    "C": None,
    "JAX": "jax",
    "DEBUG_MODE": None,
}

# Spellings PyTensor or Theano code use for the same modes.
_ALIASES = {"DEBUGMODE": "DEBUG_MODE", "C_VM": "CVM"}


def available_modes() -> list[str]:
    """The mode names whose backend is installed here."""
    return [
        name
        for name, package in MODE_NAMES.items()
        if package is None or importlib.util.find_spec(package) is not None
    ]


def resolve_mode(mode: str | Mode | None) -> Mode:
    """Turn a mode name, a Mode object or None (the configured default) into a Mode.

    Parameters
    ----------
    mode
        One of :data:`MODE_NAMES` (case-insensitive), a ``Mode`` instance, or
        None for ``symmodule.config.mode``.

    Raises
    ------
    ModeError
        When the name is unknown or its backend package is not installed.
    """
    if mode is None or isinstance(mode, Mode):
        return get_mode(mode)
    if not isinstance(mode, str):
        raise ModeError(UNKNOWN_MODE.format(mode=mode, available=", ".join(available_modes())))
    name = _ALIASES.get(mode.upper(), mode.upper())
    if name not in MODE_NAMES:
        raise ModeError(UNKNOWN_MODE.format(mode=mode, available=", ".join(available_modes())))
    package = MODE_NAMES[name]
    if package is not None and importlib.util.find_spec(package) is None:
        raise ModeError(
            MODE_BACKEND_MISSING.format(
                mode=mode, package=package, extra=package, available=", ".join(available_modes())
            )
        )
    return get_mode(name)
