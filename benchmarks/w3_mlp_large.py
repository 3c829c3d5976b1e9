"""W3: the MLP 784-1024-1024-10 (tanh, softmax cross-entropy), batch 256, one SGD step.

About 1.9M parameters and 2.4 GFLOP per step: the time is in the matrix
products (BLAS) and the 256x1024 tanh, so this measures the kernels each
backend generates or calls, not the overhead around them.
"""

from __future__ import annotations

from benchmarks.harness import Metric
from benchmarks.mlp import run_mlp

KEY = "W3"
TITLE = "MLP 784-1024-1024-10, batch 256, per SGD step"
DTYPES = ("float32", "float64")
METRICS = {"W3": "W3 MLP 784-1024-1024-10 step"}

SIZES, BATCH, CHECK_STEPS = (784, 1024, 1024, 10), 256, 5


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    return run_mlp(KEY, SIZES, BATCH, CHECK_STEPS, family, mode, dtype, quick)
