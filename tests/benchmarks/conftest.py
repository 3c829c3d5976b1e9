"""The benchmarks live beside the package, not in it: tests import them from the repository's root."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bench():
    """``bench("benchmarks.report")`` imports a module of the benchmarks.

    The root is on ``sys.path`` only during the import, so that no other test
    can import from it by accident.
    """

    def load(name: str) -> ModuleType:
        sys.path.insert(0, str(ROOT))
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(str(ROOT))

    return load
