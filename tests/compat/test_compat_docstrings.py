"""The examples in the docstrings of the Theano-compatibility modules run."""

import doctest
import importlib

import pytest

MODULES = [
    "symmodule.compat.shims",
    "symmodule.compat.rewriting",
    "symmodule.compat.conv",
    "symmodule.compat.ops",
    "symmodule.sandbox.softsign",
    "symmodule.sandbox.wraplinker",
]


@pytest.mark.filterwarnings("ignore:PyTensor found no BLAS")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
