"""The examples in the docstrings of symmodule.nn run (in FAST_COMPILE, as tests/conftest.py sets)."""

import doctest
import importlib

import pytest

MODULES = [
    "symmodule.nn",
    "symmodule.nn.activations",
    "symmodule.nn.containers",
    "symmodule.nn.conv",
    "symmodule.nn.dropout",
    "symmodule.nn.embedding",
    "symmodule.nn.layer",
    "symmodule.nn.linear",
    "symmodule.nn.normalization",
    "symmodule.nn.statistics",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_of_each_module_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
