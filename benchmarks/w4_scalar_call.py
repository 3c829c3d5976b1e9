"""W4: the cost of calling a method that adds 1 to a scalar member.

There is no computation to speak of: this is the pure per-call overhead of
each implementation (argument handling, dispatch, state read and write).
The check is the counter's value after a known number of calls.
"""

from __future__ import annotations

from benchmarks.harness import Metric, time_calls
from benchmarks.problems import counter_problem

KEY = "W4"
TITLE = "method adding 1 to a scalar member, per call"
DTYPES = ("float32", "float64")
METRICS = {"W4": "W4 scalar += 1 call"}

CHECK_CALLS, QUICK_CHECK_CALLS = 1000, 10


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    counter = family.counter(counter_problem(dtype), mode)()
    out = None
    for _ in range(QUICK_CHECK_CALLS if quick else CHECK_CALLS):
        out = counter.inc()
    family.wait(out)
    value = counter.value()
    timing = time_calls(
        counter.inc, wait=family.wait, warmup_calls=0,
        # quick: one small block, only to run the code path
        blocks=1 if quick else 9, calls_per_block=10 if quick else None, min_block_seconds=0.1,
    )
    return [Metric(metric=KEY, value=timing.median, unit="s", check=value, timing=timing)]
