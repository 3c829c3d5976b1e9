"""The benchmarks' quick form: every implementation runs and all reach the same losses.

This checks the benchmark suite, not performance: timings are never asserted
(they live in ``python -m benchmarks.run``'s results). symmodule, raw
PyTensor and NumPy must always run; a peer whose package is not installed
(PyTorch, jax, flax) must be reported as skipped, and must run when it is.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Implementation -> the packages it needs; absent ones make it a legitimate skip.
OPTIONAL = {
    "symmodule/JAX": ("jax",),
    "symmodule/JAX_DONATING": ("jax",),
    "symmodule.unchecked/JAX": ("jax",),
    "pytensor/JAX": ("jax",),
    "torch": ("torch",),
    "jax.jit": ("jax", "optax"),
    "nnx.jit": ("flax", "optax", "jax"),
}


def _installed(packages: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(p) is not None for p in packages)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    results = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    record_path = results / "quick.json"
    assert record_path.exists(), f"no results written:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc, json.loads(record_path.read_text())


@pytest.mark.slow
def test_quick_run_succeeds(quick_run):
    proc, record = quick_run
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert record["loss_mismatches"] == []


@pytest.mark.slow
def test_every_installed_implementation_ran_every_workload(quick_run):
    _, record = quick_run
    statuses = {(e["impl"], e["dtype"], e["workload"]): e for e in record["entries"]}
    assert {w for (_, _, w) in statuses} == set(record["workloads"])
    for impl in record["implementations"]:
        expected = "ok" if _installed(OPTIONAL.get(impl, ())) else "skipped"
        for (name, dtype, key), entry in statuses.items():
            if name == impl:
                assert entry["status"] == expected, (impl, dtype, key, entry.get("error") or entry.get("reason"))


@pytest.mark.slow
def test_symmodule_pytensor_and_numpy_always_run(quick_run):
    _, record = quick_run
    families = {e["impl"].split("/")[0] for e in record["entries"] if e["status"] == "ok"}
    assert {"symmodule", "pytensor", "numpy"} <= families
    modes = {e["mode"] for e in record["entries"] if e["status"] == "ok" and e["impl"].startswith("symmodule/")}
    assert {"FAST_COMPILE", "NUMBA", "CVM"} <= modes


@pytest.mark.slow
def test_the_fast_path_runs_only_the_per_call_workloads(quick_run):
    _, record = quick_run
    ran = {e["workload"] for e in record["entries"] if e["impl"].startswith("symmodule.unchecked/")}
    assert ran == {"W1", "W4"}


@pytest.mark.slow
def test_every_check_value_was_compared(quick_run):
    _, record = quick_run
    # Each workload's measurements carry a value to agree on (the loss, the counter, ...).
    for entry in record["entries"]:
        for metric in entry.get("metrics", []):
            assert metric["check"] is not None, (entry["impl"], metric["metric"])
    counters = [m["check"] for e in record["entries"] for m in e.get("metrics", []) if m["metric"] == "W4"]
    assert counters and all(c == counters[0] for c in counters)


def test_loss_check_catches_a_disagreement(bench):
    """The runner's check itself: a loss off by more than the tolerance is reported."""
    check_losses = bench("benchmarks.run").check_losses

    def entry(impl: str, loss: float) -> dict:
        return {"impl": impl, "dtype": "float64", "metrics": [{"metric": "W1", "check": loss}]}

    assert check_losses([entry("numpy", 1.0), entry("symmodule/NUMBA", 1.0 + 1e-6)]) == []
    problems = check_losses([entry("numpy", 1.0), entry("torch", 1.01)])
    assert len(problems) == 1 and "torch" in problems[0]
