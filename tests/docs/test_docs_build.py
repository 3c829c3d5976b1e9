"""The documentation site builds with ``mkdocs build --strict``: no warning, no broken link.

Skipped only where the 'docs' extra (mkdocs-material, mkdocstrings[python])
is not installed; CI installs it.
"""

from __future__ import annotations

import os
import pathlib
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
                 "introspection", "example-digits", "decisions", "api"):
        assert (site / page / "index.html").is_file(), page
    assert (site / "index.html").is_file()


def test_the_api_reference_renders_the_docstrings(site):
    page = (site / "api" / "index.html").read_text(encoding="utf-8")
    for anchor in ('id="symmodule.module.module.Module"', 'id="symmodule.introspect.summary"',
                   'id="symmodule.tensor.nnet.softmax"', 'id="symmodule.models.softmax.SoftmaxXERegression"',
                   'id="symmodule.errors.SymmoduleError"', 'id="symmodule.profiling.ProfileMode"'):
        assert anchor in page, anchor
    # numpydoc sections are rendered, and no Sphinx role is left raw.
    assert "Parameters:" in page and "Examples:" in page
    assert ":class:`" not in page and ":func:`" not in page


def test_the_digits_plot_is_published(site):
    assert (site / "assets" / "digits-curves.png").stat().st_size > 10_000
