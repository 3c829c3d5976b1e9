"""W5: how long until a new instance of the W3 MLP gives its first result.

"make() latency" is measured as the time to the first result: declaring the
model, making an instance and running its first training step. The first
call is included because some backends compile lazily then (Numba, jax.jit),
so make() alone would flatter them. The runner starts this workload twice,
each time in a new process:

``cold``
    with empty compile caches (a fresh PyTensor compiledir and Numba cache
    directory): what a user waits for the very first time;
``warm``
    with the caches the cold run filled: every later run of the script. The
    warm process then makes further instances of the *same* declared model
    and times each one, make() alone and make() with the first step: the
    second, the last (100th), and all of them together. A further instance's
    first step compiles nothing in symmodule (tests/module/test_cache.py
    counts the compilations), so make() alone is its time to be ready; the
    step is reported as well because other implementations compile lazily.

Each number happens once, so there is no median: these are single timings.
"""

from __future__ import annotations

import time

from benchmarks.harness import Metric
from benchmarks.problems import mlp_problem
from benchmarks.w3_mlp_large import BATCH, SIZES

KEY = "W5"
TITLE = "time to first result of the W3 MLP (declare, make, first step)"
DTYPES = ("float32",)
INSTANCES, QUICK_INSTANCES = 100, 3
METRICS = {
    "W5.cold": "W5 first result (declare, make, step), cold caches",
    "W5.warm": "W5 first result (declare, make, step), warm caches",
    "W5.second": "W5 2nd instance (make, step)",
    "W5.last": f"W5 instance #{INSTANCES} (make, step)",
    "W5.total": f"W5 {INSTANCES} instances, total",
    "W5.second_make": "W5 2nd instance (make only)",
    "W5.total_make": f"W5 {INSTANCES} instances (first result, then 99 make only)",
}
PHASES = ("cold", "warm")


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    phase = phase or "warm"
    problem = mlp_problem(SIZES, BATCH, dtype)

    start = time.perf_counter()
    factory = family.mlp(problem, mode)
    declared = time.perf_counter()
    step = factory()
    made = time.perf_counter()
    loss = float(family.to_numpy(family.wait(step())))
    first = time.perf_counter() - start
    split = {"declare_s": declared - start, "make_s": made - declared, "first_step_s": first - (made - start)}
    metrics = [Metric(metric=f"W5.{phase}", value=first, unit="s", check=loss, extra=split)]
    if phase == "cold":
        return metrics

    instances = [step]  # kept alive: 100 live instances, as a user would have them
    times, makes = [], []
    for _ in range((QUICK_INSTANCES if quick else INSTANCES) - 1):
        start = time.perf_counter()
        step = factory()
        made = time.perf_counter()
        family.wait(step())
        times.append(time.perf_counter() - start)
        makes.append(made - start)
        instances.append(step)
    n = len(instances)
    total, total_make = first + sum(times), first + sum(makes)
    metrics += [
        Metric(metric="W5.second", value=times[0], unit="s", check=loss,
               extra={"vs_first": times[0] / first}),
        Metric(metric="W5.last", value=times[-1], unit="s", check=loss, extra={"instance": n}),
        Metric(metric="W5.total", value=total, unit="s", check=loss,
               extra={"instances": n, "vs_first": total / first}),
        Metric(metric="W5.second_make", value=makes[0], unit="s", check=loss,
               extra={"vs_first": makes[0] / first}),
        Metric(metric="W5.total_make", value=total_make, unit="s", check=loss,
               extra={"instances": n, "vs_first": total_make / first}),
    ]
    return metrics
