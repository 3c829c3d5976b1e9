"""Theano's ``theano.compile.mode``: ``Mode``, the predefined modes and their registries.

A door only: ``Mode`` is :class:`symmodule.Mode`; the registries
(``predefined_modes``, ``predefined_linkers``, ``predefined_optimizers``,
``register_mode``, ...) are PyTensor's; ``get_mode`` resolves a mode name
as ``make(mode=...)`` does.
"""

from symmodule.modes import Mode

__all__ = ["Mode"]


def __getattr__(name: str):
    # Theano's other names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
