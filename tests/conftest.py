"""Test-wide settings: compile in FAST_COMPILE unless a test is about modes.

Optional extras: see tests/extras.py (a bare importorskip fails under make test).

Functions of a named Numba mode run a FAST_COMPILE stand-in while Numba
compiles (symmodule/background.py); tests of a mode must test that mode, so
calls wait for Numba here. tests/test_background.py tests the stand-in.
"""

import extras
import pytensor
import pytest

from symmodule import background


@pytest.fixture(autouse=True)
def _fast_compile_mode():
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield


@pytest.fixture(autouse=True)
def _numba_from_the_first_call(monkeypatch):
    monkeypatch.setattr(background, "WAIT_S", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    extras.fail_bare_importorskip(outcome.get_result())
