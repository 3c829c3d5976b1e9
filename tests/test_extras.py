"""tests/extras.py: an optional extra's tests skip where it is absent and fail where it was installed."""

import extras
import numpy
import pytest

ABSENT = "symmodule_tests_no_such_package"


@pytest.fixture(autouse=True)
def _packages(monkeypatch):
    monkeypatch.setitem(extras.EXTRA_OF, ABSENT, "imaginary")
    monkeypatch.setitem(extras.EXTRA_OF, "numpy", "imaginary")


def test_an_importable_package_is_returned(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "imaginary")
    assert extras.missing("numpy") is None
    assert extras.need("numpy") is numpy


def test_an_absent_package_of_an_absent_extra_names_the_install_command(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "test,docs")
    reason = extras.missing(ABSENT)
    assert reason == f"needs the 'imaginary' extra ({ABSENT} is not installed): pip install 'symmodule[imaginary]'"


def test_an_absent_package_skips_the_test(monkeypatch):
    monkeypatch.delenv("SYMMODULE_EXTRAS", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"needs the 'imaginary' extra"):
        extras.need(ABSENT)


def test_an_absent_package_of_an_installed_extra_fails_the_test(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "test, imaginary")
    with pytest.raises(pytest.fail.Exception, match=r"the 'imaginary' extra was installed .* does not import"):
        extras.need(ABSENT)


def test_installed_extras_reads_the_make_variable(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "test,examples, docs,")
    assert extras.installed_extras() == {"test", "examples", "docs"}
    monkeypatch.delenv("SYMMODULE_EXTRAS")
    assert extras.installed_extras() == frozenset()


def _skip_report(reason: str) -> pytest.TestReport:
    return pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, "skipped", ("t.py", 1, reason), "call")


def test_a_bare_importorskip_fails_under_make_test(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "test")
    report = _skip_report("could not import 'jax': No module named 'jax'")
    extras.fail_bare_importorskip(report)
    assert report.failed
    assert "must use tests/extras.py's need()" in report.longrepr


def test_a_bare_importorskip_only_skips_outside_make_test(monkeypatch):
    monkeypatch.delenv("SYMMODULE_EXTRAS", raising=False)
    report = _skip_report("could not import 'jax': No module named 'jax'")
    extras.fail_bare_importorskip(report)
    assert report.skipped


def test_other_skips_stay_skips(monkeypatch):
    monkeypatch.setenv("SYMMODULE_EXTRAS", "test")
    report = _skip_report("needs the 'jax' extra (jax is not installed): pip install 'symmodule[jax]'")
    extras.fail_bare_importorskip(report)
    assert report.skipped
