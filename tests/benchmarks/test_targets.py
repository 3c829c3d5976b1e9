"""The targets table judges a run's numbers against the project's bounds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def targets(bench):
    return bench("benchmarks.targets")


def record(values: dict[tuple[str, str, str], float], w6: dict[str, float] | None = None) -> dict:
    entries = [{"impl": impl, "dtype": dtype, "workload": metric.split(".")[0],
                "metrics": [{"metric": metric, "value": value, "extra": {}}]}
               for (metric, impl, dtype), value in values.items()]
    for mode, ratio in (w6 or {}).items():
        entries.append({"impl": f"symmodule/{mode}", "dtype": "float32", "workload": "W6",
                        "metrics": [{"metric": "W6.each", "value": 1.0, "extra": {"vs_params": ratio}}]})
    impls = sorted({impl for (_, impl, _) in values} | {f"symmodule/{m}" for m in (w6 or {})})
    return {"entries": entries, "implementations": impls, "dtypes": ["float32"],
            "machine": {"pytensor": {"default_linker": "NumbaLinker"}}}


def by_target(targets, rec: dict) -> dict[str, dict]:
    return {row["target"]: row for row in targets.targets(rec)}


def test_step_targets_compare_with_the_fastest_of_jax_and_torch(targets):
    rows = by_target(targets, record({
        ("W3", "symmodule/NUMBA", "float32"): 14.0, ("W3", "symmodule/CVM", "float32"): 20.0,
        ("W3", "jax.jit", "float32"): 15.0, ("W3", "torch", "float32"): 18.0,
        ("W3", "numpy", "float32"): 1.0,  # not one of the peers the target names
    }))
    best = rows["W3 float32 step, best mode / fastest peer <= 1.0"]
    assert best["met"] and best["measured"] == "NUMBA 0.93"
    assert rows["W3 float32 step, default mode / fastest peer <= 1.5"]["met"]


def test_a_default_mode_over_its_bound_is_not_met(targets):
    rows = by_target(targets, record({
        ("W2", "symmodule/NUMBA", "float32"): 2.0, ("W2", "symmodule/JAX", "float32"): 0.9,
        ("W2", "jax.jit", "float32"): 1.0,
    }))
    assert rows["W2 float32 step, best mode / fastest peer <= 1.0"]["met"]
    assert not rows["W2 float32 step, default mode / fastest peer <= 1.5"]["met"]


def test_the_overhead_target_is_judged_on_the_fast_path_only(targets):
    rows = by_target(targets, record({
        ("W4", "pytensor/CVM", "float32"): 1.0,
        ("W4", "symmodule/CVM", "float32"): 1.6,
        ("W4", "symmodule.unchecked/CVM", "float32"): 1.05,
    }))
    assert rows["W4 float32 fast path (unchecked) / raw PyTensor <= 1.10"]["met"] is True
    assert rows["W4 float32 checked call / raw PyTensor <= 1.10"]["met"] is None


def test_instances_are_judged_against_the_first_result_in_the_default_mode(targets):
    rows = by_target(targets, record({
        ("W5.warm", "symmodule/NUMBA", "float32"): 1.0, ("W5.warm", "symmodule/CVM", "float32"): 1.0,
        ("W5.second_make", "symmodule/NUMBA", "float32"): 0.08,
        ("W5.second_make", "symmodule/CVM", "float32"): 0.01,
    }))
    second = rows["W5 2nd instance (make) / first <= 0.05, default mode (NUMBA)"]
    assert second["met"] is False and second["measured"] == "CVM 0.010, NUMBA 0.080"


def test_memory_is_judged_on_what_one_more_instance_costs(targets):
    rows = by_target(targets, record({}, w6={"NUMBA": 1.0, "JAX": 1.02}))
    assert rows["W6 memory of one more instance / its members' bytes <= 1.1, every mode"]["met"]


def test_targets_without_measurements_are_left_out(targets):
    assert targets.targets(record({("W1", "numpy", "float32"): 1.0})) == []
    assert targets.markdown_lines(record({})) == ["| target | measured | met |", "|---|---|---|"]


def test_each_adam_step_of_w7_is_judged_against_the_fastest_peer(targets):
    rows = by_target(targets, record({
        ("W7.mlp", "symmodule/NUMBA", "float32"): 10.0, ("W7.mlp", "torch", "float32"): 12.0,
        ("W7.cnn", "symmodule/NUMBA", "float32"): 3.0, ("W7.cnn", "jax.jit", "float32"): 1.0,
    }))
    assert rows["W7.mlp float32 step, best mode / fastest peer <= 1.0"]["met"]
    cnn = rows["W7.cnn float32 step, default mode / fastest peer <= 1.5"]
    assert not cnn["met"] and cnn["measured"] == "NUMBA 3.00"
