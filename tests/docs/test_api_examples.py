"""The examples of the API reference run: doctest everything the reference pages render.

The reference pages (``docs/api.md``, the user API, and ``docs/internals.md``)
are generated from the docstrings, so their ``>>>`` examples are code blocks of
the docs too. Each ``:::`` entry names a module (whose docstrings are run by
doctest) or an object users import (``symmodule.Module``: its docstring and
its members' are run). Examples run in FAST_COMPILE, as tests/conftest.py sets.
"""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re

import pytest
from extras import need

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
PAGES = ("api.md", "internals.md")
ENTRY = re.compile(r"^:::\s+(?P<name>[\w.]+)\s*$", re.MULTILINE)
ENTRIES = [name for page in PAGES for name in ENTRY.findall((DOCS / page).read_text(encoding="utf-8"))]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Examples known to be wrong, with the reason; strict, so a fix is noticed and
# the entry removed. Keep this empty: every entry is a page of the docs that lies.
KNOWN_FAILURES: dict[str, str] = {}

# Entries whose examples run an optional backend: skipped (with the extra named) where it is absent.
NEEDS: dict[str, tuple[str, ...]] = {"symmodule.module.mesh": ("jax",)}


def test_the_reference_lists_the_public_modules():
    for name in ("symmodule", "symmodule.Module", "symmodule.ModuleInstance", "symmodule.models",
                 "symmodule.tensor.nnet", "symmodule.modes", "symmodule.ProfileMode", "symmodule.errors",
                 "symmodule.introspect", "symmodule.persist", "symmodule.module.plan"):
        assert name in ENTRIES, name


def _resolve(name: str) -> tuple[object, object]:
    """The object a ``:::`` entry names, and the module whose globals its examples see."""
    try:
        module = importlib.import_module(name)
        return module, module
    except ModuleNotFoundError:
        owner, _, attribute = name.rpartition(".")
        obj = getattr(importlib.import_module(owner), attribute)
        return obj, importlib.import_module(getattr(obj, "__module__", None) or owner)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[name], strict=True))
        if name in KNOWN_FAILURES else name
        for name in ENTRIES
    ],
)
def test_the_docstring_examples_of_each_entry_run(name):
    for package in NEEDS.get(name, ()):
        need(package)
    obj, module = _resolve(name)
    if obj is module:
        result = doctest.testmod(module, optionflags=OPTIONS)
        failed = result.failed
    else:
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        for test in doctest.DocTestFinder().find(obj, name, module=module, globs=vars(module)):
            runner.run(test)
        failed = runner.summarize(verbose=False).failed
    assert failed == 0, f"{failed} docstring example(s) of {name} failed (see the output above)"
