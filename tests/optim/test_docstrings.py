"""The examples in symmodule.optim's docstrings run and print what they show."""

import doctest
import importlib

import pytest

MODULES = ["", ".optimizer", ".sgd", ".adam", ".rmsprop", ".adagrad", ".schedules", ".clipping"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module("symmodule.optim" + name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
