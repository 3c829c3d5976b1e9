"""The examples of the API reference run: doctest every module docs/api.md renders.

The reference pages are generated from the docstrings, so their ``>>>``
examples are code blocks of the docs too. Each module named in a ``:::``
entry of ``docs/api.md`` is imported and its docstrings are run by doctest
(in FAST_COMPILE, as tests/conftest.py sets).
"""

from __future__ import annotations

import doctest
import importlib
import pathlib
import re

import pytest

API = pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.md"
ENTRY = re.compile(r"^:::\s+(?P<name>[\w.]+)\s*$", re.MULTILINE)
MODULES = ENTRY.findall(API.read_text(encoding="utf-8"))

# Examples known to be wrong, with the reason; strict, so a fix is noticed and
# the entry removed. Keep this empty: every entry is a page of the docs that lies.
KNOWN_FAILURES: dict[str, str] = {}


def test_the_reference_lists_the_public_modules():
    for name in ("symmodule", "symmodule.module.module", "symmodule.models", "symmodule.tensor.nnet",
                 "symmodule.modes", "symmodule.profiling", "symmodule.errors", "symmodule.introspect"):
        assert name in MODULES, name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[name], strict=True))
        if name in KNOWN_FAILURES else name
        for name in MODULES
    ],
)
def test_the_docstring_examples_of_the_module_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see the output above)"
