"""Test-wide settings: compile in FAST_COMPILE unless a test is about modes.

Optional extras: see tests/extras.py (a bare importorskip fails under make test).

The mode 'NUMBA_BACKGROUND' runs a FAST_COMPILE stand-in while Numba
compiles on a thread (symmodule/background.py); the fixture
:func:`held_background` holds that compilation back, so that a test sees
the stand-in run.
"""

import threading

import extras
import pytensor
import pytest

from symmodule import background
from symmodule.background import BackgroundCompile


@pytest.fixture(autouse=True)
def _fast_compile_mode():
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield


@pytest.fixture
def held_background(monkeypatch):
    """Background compilations wait for ``release.set()``; calls run the stand-in meanwhile."""
    release = threading.Event()
    compile_ = BackgroundCompile._compile

    def held_compile(self, dispatcher, signature):
        release.wait(60)
        compile_(self, dispatcher, signature)

    monkeypatch.setattr(BackgroundCompile, "_compile", held_compile)
    monkeypatch.setattr(background, "WAIT_S", 0.0)
    yield release
    release.set()
    background.finish()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    extras.fail_bare_importorskip(outcome.get_result())
