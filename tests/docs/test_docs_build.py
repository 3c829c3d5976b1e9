"""The documentation site builds with ``mkdocs build --strict``: no warning, no broken link.

Skipped only where the 'docs' extra (mkdocs-material, mkdocstrings[python])
is not installed; CI installs it.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest
from extras import need

ROOT = pathlib.Path(__file__).resolve().parents[2]

for package in ("mkdocs", "material", "mkdocstrings_handlers.python"):
    need(package)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    warnings = [line for line in run.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings, "\n".join(warnings)
    return out


def test_the_site_has_every_page_of_the_nav(site):
    for page in ("getting-started", "tutorial", "coming-from-theano", "coming-from-pytorch-flax",
                 "introspection", "example-digits", "decisions", "api", "internals"):
        assert (site / page / "index.html").is_file(), page
    assert (site / "index.html").is_file()


def _ids(page: str) -> list[str]:
    return re.findall(r'<h[1-6] id="([^"]+)"', page)


def test_the_api_reference_renders_the_user_api_under_the_names_users_import(site):
    page = (site / "api" / "index.html").read_text(encoding="utf-8")
    for anchor in ("symmodule.Module", "symmodule.Method", "symmodule.ModuleInstance", "symmodule.introspect.summary",
                   "symmodule.persist.save", "symmodule.tensor.nnet.softmax", "symmodule.models.softmax.SoftmaxXERegression",
                   "symmodule.errors.SymmoduleError", "symmodule.ProfileMode", "symmodule.modes.resolve_mode"):
        assert anchor in _ids(page), anchor
    # numpydoc sections are rendered, and no Sphinx role is left raw.
    assert "Parameters:" in page and "Examples:" in page
    assert ":class:`" not in page and ":func:`" not in page


def test_the_internals_are_on_their_own_page_after_the_user_api(site):
    api_page = (site / "api" / "index.html").read_text(encoding="utf-8")
    api = _ids(api_page)
    internals = _ids((site / "internals" / "index.html").read_text(encoding="utf-8"))
    for internal in ("symmodule.module.plan", "symmodule.module.compiler", "symmodule.module.cache",
                     "symmodule.module.instance.Builder", "symmodule.linkers", "symmodule.rewrites",
                     "symmodule.background"):
        assert internal in internals and internal not in api, internal
    # The sections of the user API come in the order a user meets them.
    sections = [anchor for anchor in re.findall(r'<h2 id="([^".]+)"', api_page) if anchor != "symmodule"]
    assert sections[:4] == ["the-package", "declaring-a-module", "instances", "saving-and-loading"]
    nav = (site / "index.html").read_text(encoding="utf-8")
    assert nav.index("api/") < nav.index("internals/")


def test_the_digits_plot_is_published(site):
    assert (site / "assets" / "digits-curves.png").stat().st_size > 10_000
