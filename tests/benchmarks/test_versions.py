"""Runs record the versions they measured, and two runs' first results render side by side."""

from __future__ import annotations

import json
import platform

import pytest

IMPLS = ["symmodule/FAST_COMPILE", "symmodule/NUMBA", "symmodule.unchecked/NUMBA",
         "pytensor/FAST_COMPILE", "pytensor/NUMBA"]


@pytest.fixture(scope="module")
def versions(bench):
    return bench("benchmarks.versions")


def record(pytensor: str, python: str, values: dict[tuple[str, str], float],
           errors: dict[str, str] | None = None, losses: float = 2.3, uncommitted: bool = False) -> dict:
    """A run's record as ``benchmarks.run`` writes it, with W5 numbers only: (impl, metric) -> seconds."""
    entries = []
    for impl in IMPLS:
        for phase in ("cold", "warm"):
            metric = f"W5.{phase}"
            base = {"impl": impl, "dtype": "float32", "workload": "W5", "phase": phase}
            if impl in (errors or {}):
                entries.append({**base, "status": "error", "error": f"Traceback ...\n{errors[impl]}\n"})
            elif (impl, metric) in values:
                entries.append({**base, "status": "ok", "metrics": [
                    {"metric": metric, "value": values[impl, metric], "unit": "s", "check": losses, "extra": {}}]})
    return {
        "started": "2026-11-26T10:00:00+00:00", "seconds": 300.0, "quick": False, "workloads": ["W5"],
        "implementations": IMPLS, "dtypes": ["float32"], "rtol": {"float32": 1e-3, "float64": 1e-4},
        "loss_mismatches": [], "entries": entries,
        "machine": {"cpu": "Test CPU", "cores": 2, "python": python, "commit": "abc1234",
                    "uncommitted_changes": uncommitted,
                    "versions": {"symmodule": "0.1.0", "pytensor": pytensor, "numba": "0.65.1", "jax": None},
                    "pytensor": {"default_mode": "Mode", "default_linker": "NumbaLinker", "blas__ldflags": ""},
                    "environment": {}},
    }


OLDER = {("symmodule/NUMBA", "W5.cold"): 20.0, ("symmodule/NUMBA", "W5.warm"): 1.0,
         ("pytensor/NUMBA", "W5.cold"): 27.0, ("pytensor/NUMBA", "W5.warm"): 0.9,
         ("symmodule/FAST_COMPILE", "W5.cold"): 1.0, ("symmodule/FAST_COMPILE", "W5.warm"): 0.25,
         ("pytensor/FAST_COMPILE", "W5.cold"): 7.4, ("pytensor/FAST_COMPILE", "W5.warm"): 0.8}
NEWER = {("symmodule/NUMBA", "W5.cold"): 10.0, ("symmodule/NUMBA", "W5.warm"): 0.8,
         ("pytensor/NUMBA", "W5.cold"): 13.2, ("pytensor/NUMBA", "W5.warm"): 0.9,
         ("symmodule/FAST_COMPILE", "W5.cold"): 0.5, ("symmodule/FAST_COMPILE", "W5.warm"): 0.3,
         ("pytensor/FAST_COMPILE", "W5.cold"): 5.6, ("pytensor/FAST_COMPILE", "W5.warm"): 0.4}


def test_rows_pair_each_mode_and_implementation_with_the_newer_over_the_older(versions):
    rows = versions.rows(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER))
    # Grouped by mode; the fast path does not run W5.
    assert [(r["mode"], r["impl"]) for r in rows] == [
        ("FAST_COMPILE", "symmodule"), ("FAST_COMPILE", "pytensor"), ("NUMBA", "symmodule"), ("NUMBA", "pytensor")]
    numba = rows[3]["cells"]
    assert numba["W5.cold"]["older"]["value"] == 27.0 and numba["W5.cold"]["newer"]["value"] == 13.2
    assert numba["W5.cold"]["ratio"] == pytest.approx(13.2 / 27.0)
    assert numba["W5.warm"]["ratio"] == pytest.approx(1.0)


def test_the_table_gives_both_versions_and_their_ratio(versions):
    text = versions.markdown(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER))
    assert ("| mode | implementation | cold, 3.0.7 | cold, 3.3.8 | ratio | warm, 3.0.7 | warm, 3.3.8 | ratio |"
            in text)
    assert "| NUMBA | pytensor | 27 s | 13.2 s | 0.49 | 900 ms | 900 ms | 1.00 |" in text
    assert "| NUMBA | symmodule | 20 s | 10 s | 0.50 | 1 s | 800 ms | 0.80 |" in text
    assert "| FAST_COMPILE | pytensor | 7.4 s | 5.6 s | 0.76 | 800 ms | 400 ms | 0.50 |" in text
    assert "**ratio** = 3.3.8 / 3.0.7" in text
    assert "Every first loss of both runs agrees" in text


def test_each_run_is_described_by_its_versions_and_commit(versions):
    text = versions.markdown(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER, uncommitted=True))
    older, newer = (line for line in text.splitlines() if line.startswith("- PyTensor"))
    assert older.startswith("- PyTensor 3.0.7 on Python 3.11.7: run 2026-11-26T10:00:00+00:00 (300 s), "
                            "commit abc1234, on Test CPU (2 cores); ")
    assert "pytensor 3.0.7, numba 0.65.1" in older and "jax" not in older  # not installed: not listed
    assert newer.startswith("- PyTensor 3.3.8 on Python 3.13.0:")
    assert "commit abc1234 (with uncommitted changes)" in newer


def test_runs_of_different_code_are_flagged(versions):
    same = versions.markdown(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER))
    assert "different code" not in same
    changed = versions.markdown(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER, uncommitted=True))
    assert "**The two runs measured different code**" in changed


def test_a_failure_on_one_version_is_shown_and_explained(versions):
    older = record("3.0.7", "3.11.7", OLDER, errors={"pytensor/NUMBA": "NotImplementedError: no Numba conversion"})
    text = versions.markdown(older, record("3.3.8", "3.13.0", NEWER))
    assert "| NUMBA | pytensor | error | 13.2 s | - | error | 900 ms | - |" in text
    assert "- pytensor/NUMBA (cold) on PyTensor 3.0.7: error: NotImplementedError: no Numba conversion" in text


def test_different_first_losses_across_versions_are_reported(versions):
    text = versions.markdown(record("3.0.7", "3.11.7", OLDER), record("3.3.8", "3.13.0", NEWER, losses=2.5))
    assert "**Loss mismatches:**" in text
    assert "on PyTensor 3.3.8 reached 2.5" in text


def test_the_command_writes_the_table(versions, tmp_path):
    paths = []
    for name, rec in (("old", record("3.0.7", "3.11.7", OLDER)), ("new", record("3.3.8", "3.13.0", NEWER))):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(rec))
    out = tmp_path / "pytensor-versions.md"
    assert versions.main([str(paths[0]), str(paths[1]), "--out", str(out)]) == 0
    assert "| NUMBA | symmodule | 20 s | 10 s | 0.50 |" in out.read_text()


@pytest.mark.filterwarnings("ignore:PyTensor could not link to a BLAS")  # read for the record, not used
def test_a_run_records_python_and_the_versions_that_decide_compile_times(bench):
    import pytensor

    run = bench("benchmarks.run")
    assert {"pytensor", "numba", "llvmlite", "jax", "jaxlib", "numpy", "symmodule"} <= set(run.VERSIONED)
    machine = run.machine_info()
    assert machine["versions"]["pytensor"] == pytensor.__version__
    assert machine["python"] == platform.python_version()


def test_the_report_header_shows_python_and_the_versions(bench):
    report = bench("benchmarks.report")
    rec = {**record("3.3.8", "3.13.0", NEWER), "quick": True}
    header = report.markdown(rec).split("## Summary")[0]
    assert "Python 3.13.0" in header
    assert "pytensor 3.3.8" in header and "numba 0.65.1" in header
    assert "commit abc1234, on Test CPU" in header
