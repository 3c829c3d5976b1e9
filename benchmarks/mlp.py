"""The training workloads' shared protocol: one instance, the checked steps, then timed steps (W2, W3, W7)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from benchmarks.harness import Metric, measure_training
from benchmarks.problems import mlp_problem


def run_mlp(key: str, sizes: tuple[int, ...], batch: int, check_steps: int,
            family, mode, dtype: str, quick: bool) -> list[Metric]:
    """Build one instance, train ``check_steps`` steps (the loss check), then time steps."""
    return [measure_family_training(key, family.mlp(mlp_problem(sizes, batch, dtype), mode), family,
                                    check_steps, quick)]


def measure_family_training(key: str, make: Callable[[], Callable[[], Any]], family: ModuleType,
                            check_steps: int, quick: bool) -> Metric:
    """One instance from ``make()``, trained ``check_steps`` steps (2 when ``quick``), then timed."""
    return measure_training(
        key, make(), wait=family.wait, to_numpy=family.to_numpy,
        check_steps=2 if quick else check_steps, quick=quick,
    )
