"""The example scripts under examples/, imported as modules for their tests."""

from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@contextlib.contextmanager
def _example_module(filename: str) -> Iterator[ModuleType]:
    name = f"{pathlib.Path(filename).stem}_example"
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / filename)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


@pytest.fixture(scope="session")
def example_module():
    """``with example_module("digits.py") as module:`` imports ``examples/digits.py`` for the block."""
    return _example_module
