"""W2: an MLP 64-256-10 (tanh, softmax cross-entropy), batch 128, one SGD step.

Small matrices (128x64 by 64x256): a step takes a few hundred microseconds,
split between per-op dispatch, the tanh and the matrix products.
"""

from __future__ import annotations

from benchmarks.harness import Metric
from benchmarks.mlp import run_mlp

KEY = "W2"
TITLE = "MLP 64-256-10, batch 128, per SGD step"
DTYPES = ("float32", "float64")
METRICS = {"W2": "W2 MLP 64-256-10 step"}

SIZES, BATCH, CHECK_STEPS = (64, 256, 10), 128, 50


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    return run_mlp(KEY, SIZES, BATCH, CHECK_STEPS, family, mode, dtype, quick)
