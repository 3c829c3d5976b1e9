"""W1: the 4x10 regression of ``SpecifiedRegressionLayer``, trained for 1000 steps.

A tiny graph (a 4x10 by 10x1 product, a sigmoid, a squared error and its
gradients): the time of a step is almost all per-call overhead, so this is
where a compiled function should beat eager frameworks, and where
symmodule's overhead over raw PyTensor shows. Reported per step; each timed
block is the full 1000-step training run.
"""

from __future__ import annotations

from benchmarks.harness import Metric, measure_training
from benchmarks.problems import regression_problem

KEY = "W1"
TITLE = "4x10 regression (SpecifiedRegressionLayer), per step, 1000 steps"
DTYPES = ("float32", "float64")
METRICS = {"W1": "W1 regression step"}

STEPS = 1000
QUICK_STEPS = 20


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    problem = regression_problem(dtype)
    step = family.regression(problem, mode)()
    steps = QUICK_STEPS if quick else STEPS
    return [
        measure_training(
            KEY, step, wait=family.wait, to_numpy=family.to_numpy,
            check_steps=steps, quick=quick, calls_per_block=steps,
        )
    ]
