"""Test-wide settings: compile in FAST_COMPILE unless a test is about modes."""

import pytensor
import pytest


@pytest.fixture(autouse=True)
def _fast_compile_mode():
    with pytensor.config.change_flags(mode="FAST_COMPILE"):
        yield
