"""Measuring: timing by blocks, resident memory, and the record each measurement becomes.

Every implementation is measured by the same code, so the only thing that
differs between two rows of the table is the implementation.
"""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Metric", "Timing", "rss_bytes", "time_calls", "time_once"]


@dataclass
class Timing:
    """Seconds per call: the median of several blocks, and how much the blocks spread."""

    median: float
    q1: float
    q3: float
    min: float
    max: float
    calls_per_block: int
    blocks: list[float] = field(default_factory=list)

    @property
    def spread(self) -> float:
        """The interquartile range relative to the median (0.05 means +-2.5% around it)."""
        return (self.q3 - self.q1) / self.median if self.median else 0.0


@dataclass
class Metric:
    """One number of the results: what was measured, by which implementation, and its check value.

    ``check`` is the value every implementation of a workload must agree on
    (the loss after the training steps, the counter after N calls, ...): the
    runner compares it across implementations before it reports any timing.
    """

    metric: str  #: key of the measured quantity, e.g. "W1" or "W5.cold"
    value: float  #: seconds (per call) or bytes, see ``unit``
    unit: str  #: "s" or "bytes"
    check: float | None = None
    timing: Timing | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.timing is not None:
            data["spread"] = self.timing.spread
        return data


def _noop(_: Any) -> None:
    return None


def _quartiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return samples[0], samples[0]
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q1, q3


def time_calls(
    call: Callable[[], Any],
    *,
    wait: Callable[[Any], Any] = _noop,
    blocks: int = 9,
    calls_per_block: int | None = None,
    warmup_calls: int = 3,
    min_block_seconds: float = 0.2,
) -> Timing:
    """Time ``call()``: warm up, then the median over ``blocks`` blocks of seconds per call.

    Parameters
    ----------
    call
        One step or call of the implementation; its result is passed to
        ``wait`` at the end of each block.
    wait
        Blocks until the result is computed. jax and nnx dispatch
        asynchronously: without it a block would time the dispatch only.
    calls_per_block
        Fixed block size; when None, doubled from 1 until a block lasts at
        least ``min_block_seconds``, so that the clock's resolution and the
        loop's own cost do not matter.

    Notes
    -----
    As in :mod:`timeit`, the garbage collector is off during a block and runs
    between blocks: a collection that lands in one block would otherwise
    show up as noise in whichever implementation allocates the most objects.
    """
    out = None
    for _ in range(warmup_calls):
        out = call()
    wait(out)

    def block(n: int) -> float:
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = None
            for _ in range(n):
                result = call()
            wait(result)
            return time.perf_counter() - start
        finally:
            gc.enable()

    if calls_per_block is None:
        calls_per_block = 1
        while (elapsed := block(calls_per_block)) < min_block_seconds:
            # Jump straight to about the right size once a block is measurable.
            factor = 2 if elapsed < 1e-3 else min_block_seconds / elapsed * 1.2
            calls_per_block = max(calls_per_block + 1, int(calls_per_block * factor))
    samples = [block(calls_per_block) / calls_per_block for _ in range(blocks)]
    q1, q3 = _quartiles(samples)
    return Timing(
        median=statistics.median(samples),
        q1=q1,
        q3=q3,
        min=min(samples),
        max=max(samples),
        calls_per_block=calls_per_block,
        blocks=samples,
    )


def time_once(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by one ``action()`` (for latencies that happen once, such as a cold make())."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def rss_bytes() -> int:
    """This process's resident set size in bytes, after a garbage collection.

    psutil when installed; otherwise Linux's ``/proc/self/statm`` (its second
    field is the resident size in pages), so the quick check needs no extra
    package.
    """
    gc.collect()
    try:
        import psutil
    except ImportError:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return int(psutil.Process().memory_info().rss)


def measure_training(
    key: str,
    step: Callable[[], Any],
    *,
    wait: Callable[[Any], Any],
    to_numpy: Callable[[Any], Any],
    check_steps: int,
    quick: bool,
    calls_per_block: int | None = None,
) -> Metric:
    """Train for ``check_steps`` steps from the initial weights, then time further steps.

    The loss returned by the last of the ``check_steps`` steps is the check
    value; the steps taken before timing also serve as the warm-up.
    """
    out = None
    for _ in range(check_steps):
        out = step()
    loss = float(to_numpy(wait(out)))
    if quick:  # one small block: the code path runs, the number means nothing
        calls_per_block, blocks = calls_per_block or 1, 1
    else:
        blocks = 9
    timing = time_calls(
        step, wait=wait, blocks=blocks, calls_per_block=calls_per_block, warmup_calls=0,
        min_block_seconds=0.25,
    )
    return Metric(metric=key, value=timing.median, unit="s", check=loss, timing=timing)


def merge_rounds(metrics: list[dict[str, Any]]) -> dict[str, Any]:
    """One metric (as JSON) from the same measurement repeated in several processes.

    The blocks of all rounds are pooled and their median taken: a round that
    another process on the machine slowed down moves the median much less
    than it would move a single round's. Each round's own median is kept
    under ``extra["round_medians"]``.
    """
    merged = dict(metrics[0])
    merged["extra"] = {**metrics[0]["extra"], "round_medians": [m["value"] for m in metrics]}
    if metrics[0].get("timing") is None:
        merged["value"] = statistics.median(m["value"] for m in metrics)
        return merged
    blocks = [b for m in metrics for b in m["timing"]["blocks"]]
    q1, q3 = _quartiles(blocks)
    timing = Timing(median=statistics.median(blocks), q1=q1, q3=q3, min=min(blocks), max=max(blocks),
                    calls_per_block=metrics[0]["timing"]["calls_per_block"], blocks=blocks)
    merged.update(value=timing.median, timing=asdict(timing), spread=timing.spread)
    return merged
