"""Small Modules that many test files build: one definition each.

Importable from any test file as ``from modules import ...`` (pytest puts
``tests/`` on the path, see ``pythonpath`` in pyproject.toml). Each function
returns a new Module, so tests never share declarations.
"""

from symmodule import tensor as T
from symmodule.compile import module as M


def incdec_module() -> M.Module:
    """State ``c``; ``inc(n)`` and ``dec(n)`` add and subtract ``n``."""
    m = M.Module()
    n = T.dscalar("n")
    m.c = T.dscalar()
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n})
    return m


def incdec_plus10_module() -> M.Module:
    """:func:`incdec_module` plus ``plus10()``, which only reads ``c`` (the classic basic example)."""
    m = incdec_module()
    m.plus10 = M.Method([], m.c + 10)
    return m


def counter_module() -> M.Module:
    """State ``c``; ``step(n)`` returns ``exp(n) * c + 1`` and adds 1 to ``c``."""
    m = M.Module()
    m.c = T.dscalar()
    n = T.dvector("n")
    m.step = M.Method(n, T.exp(n) * m.c + 1, c=m.c + 1)
    return m
