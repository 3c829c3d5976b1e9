"""Tests of an optional extra: skipped where it is absent, failed where it was installed.

``make test`` exports the extras it installed in ``SYMMODULE_EXTRAS`` (a
comma-separated list, e.g. ``test,examples,docs,jax``). A test that needs an
extra calls :func:`need`: when the extra's package does not import, the test
is skipped with a reason naming the extra and the install command, unless the
extra is in ``SYMMODULE_EXTRAS`` -- then the package should be there, and the
test fails instead, so CI (which installs every extra) never stops testing a
backend silently. ``conftest.py`` fails any plain ``pytest.importorskip`` skip
under ``make test`` for the same reason: every optional import goes through here.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

#: The importable package -> the extra of pyproject.toml that installs it.
EXTRA_OF = {
    "jax": "jax",
    "jaxlib": "jax",
    "sklearn": "examples",
    "tqdm": "examples",
    "matplotlib": "examples",
    "mkdocs": "docs",
    "material": "docs",
    "mkdocstrings_handlers.python": "docs",
    "torch": "bench",
    "flax": "bench",
    "optax": "bench",
    "psutil": "bench",
    "pymc": "pymc",
}


def installed_extras() -> frozenset[str]:
    """The extras ``make test`` installed (``SYMMODULE_EXTRAS``); empty outside make."""
    return frozenset(e.strip() for e in os.environ.get("SYMMODULE_EXTRAS", "").split(",") if e.strip())


def missing(package: str) -> str | None:
    """Why ``package`` cannot be used by a test: None when it imports, else the skip reason.

    Fails the test (via ``pytest.fail``) when the package's extra was installed.
    """
    extra = EXTRA_OF[package]
    try:
        importlib.import_module(package)
    except ImportError as exc:
        if extra in installed_extras():
            pytest.fail(
                f"the {extra!r} extra was installed (SYMMODULE_EXTRAS) but {package!r} does not import: {exc}",
                pytrace=False,
            )
        return f"needs the {extra!r} extra ({package} is not installed): pip install 'symmodule[{extra}]'"
    return None


def need(package: str) -> ModuleType:
    """Import ``package`` for a test, or skip the test (or module) naming the extra to install."""
    reason = missing(package)
    if reason is not None:
        pytest.skip(reason, allow_module_level=True)
    return importlib.import_module(package)


def fail_bare_importorskip(report: pytest.TestReport) -> None:
    """Under ``make test``, turn a bare ``pytest.importorskip`` skip into a failure.

    Called from ``conftest.py`` on every report: an optional import must go
    through :func:`need`, which names its extra and knows whether it was
    installed; a bare importorskip would let a backend stop being tested
    without anyone noticing.
    """
    if not (report.skipped and installed_extras() and isinstance(report.longrepr, tuple)):
        return
    reason = report.longrepr[2]
    if "could not import" in reason:
        report.outcome = "failed"
        report.longrepr = f"{reason}\n(an optional import must use tests/extras.py's need(), which names its extra)"
