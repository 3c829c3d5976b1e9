"""W6: the memory of 100 instances of a model with 1M float32 parameters (4 MB each).

Each instance is made from its own copy of the same weights and runs both of
its methods once (so that lazily allocated buffers exist), and all are kept
alive. Two numbers, from the process's resident set size (RSS):

``W6.total``
    RSS growth from before the model is declared to after the 100th
    instance, compiled code and one-time costs included;
``W6.each``
    the growth per instance after the first: what one more instance costs.

Each is also given relative to the parameters' own bytes (4 MB per
instance): 1.0x means no copies of the state and no per-instance code.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Metric, rss_bytes
from benchmarks.problems import layer_problem

KEY = "W6"
TITLE = "memory of instances of a 1M float32 parameter model"
DTYPES = ("float32",)
INSTANCES, QUICK_INSTANCES = 100, 3
METRICS = {
    "W6.total": f"W6 {INSTANCES} instances, RSS growth",
    "W6.each": "W6 RSS per extra instance",
}


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    problem = layer_problem(dtype=dtype)
    own = problem.w.nbytes
    before = rss_bytes()
    factory = family.layer(problem, mode)
    instances, check, after_first = [], None, None
    for _ in range(QUICK_INSTANCES if quick else INSTANCES):
        layer = factory()
        layer.scale()
        out = family.to_numpy(family.wait(layer.apply()))
        instances.append(layer)
        if check is None:
            # A sum of squares: positive, so a relative tolerance is meaningful.
            check = float(np.sum(out.astype("float64") ** 2))
            after_first = rss_bytes()
    after = rss_bytes()
    n = len(instances)
    each = (after - after_first) / (n - 1)
    return [
        Metric(metric="W6.total", value=after - before, unit="bytes", check=check,
               extra={"instances": n, "vs_params": (after - before) / (n * own)}),
        Metric(metric="W6.each", value=each, unit="bytes", check=check,
               extra={"vs_params": each / own}),
    ]
