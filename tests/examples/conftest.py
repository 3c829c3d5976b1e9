"""The example scripts under examples/, imported as modules for their tests."""

from __future__ import annotations

import contextlib
import importlib.util
import pathlib
import struct
import sys
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

import symmodule

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


def _png_size(path: pathlib.Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND", "PNG not terminated"
    return width, height, len(data)


@pytest.fixture(scope="session")
def png_size():
    """``png_size(path)``: the width, height and byte count of a complete PNG file (asserts it is one)."""
    return _png_size


def _assert_same_state(got: symmodule.ModuleInstance, want: symmodule.ModuleInstance) -> None:
    got_state, want_state = symmodule.state_dict(got), symmodule.state_dict(want)
    assert list(got_state) == list(want_state)
    for path, value in want_state.items():
        assert got_state[path].dtype == value.dtype, path
        np.testing.assert_array_equal(got_state[path], value, err_msg=path, strict=True)
        assert got_state[path].tobytes() == value.tobytes(), f"{path}: equal values, other bits (a zero's sign)"


@pytest.fixture(scope="session")
def assert_same_state():
    """``assert_same_state(a, b)``: every entry of the two instances' state dicts is equal, bit for bit."""
    return _assert_same_state
