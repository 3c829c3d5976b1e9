"""The W3 training step on a device mesh against the same step on one device.

The W3 Module (MLP 784-1024-1024-10, tanh, softmax cross-entropy, one SGD
step, float32) with a batch of 2048, made three ways:

* on one device (``make(mode='JAX')``);
* data-parallel on every device (``make(mesh=...)``, a ``(n, 1)`` mesh);
* on a ``(n/2, 2)`` mesh whose weight matrices are split over the
  ``'model'`` axis (``sharding={'w*': P(None, 'model')}``), when there are
  at least 4 devices.

The same for a small MLP (16-32-32-4, batch 64), whose step is short
enough for the time of a call on the mesh to show. For each: the median
time per step (blocks timed by :func:`benchmarks.harness.time_calls`),
the bytes of members each device
holds (read from the arrays' shards), the peak bytes each device's
allocator reports where it reports them (GPUs; the CPU does not), and the
loss after the check steps, which must agree with one device's.

On the CPU, ``make bench-mesh`` runs it on 8 host devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=8``): those devices
share the machine's cores, so the ratio measures what splitting the step
costs (the collectives, the partitioned program), not a speed-up. On a
machine with GPUs, run it as it is, without ``XLA_FLAGS``::

    python -m benchmarks.mesh --out benchmarks/results/mesh-gpu.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import sys
from typing import Any

import numpy as np

from benchmarks.harness import time_calls
from benchmarks.implementations.symmodule_module import MLP
from benchmarks.problems import mlp_problem

SIZES, BATCH, DTYPE, CHECK_STEPS = (784, 1024, 1024, 10), 2048, "float32", 3
QUICK_SIZES, QUICK_BATCH = (16, 32, 32, 4), 64
RESULTS = pathlib.Path(__file__).resolve().parent / "results" / "mesh.md"


def members_bytes_per_device(inst: Any, jax: Any) -> dict[Any, int]:
    """``{device: bytes}`` of the members each device holds, from their shards."""
    import symmodule

    held: dict[Any, int] = {}
    for value in symmodule.split(inst)[1].snapshot().values():
        if isinstance(value, jax.Array):
            for shard in value.addressable_shards:
                held[shard.device] = held.get(shard.device, 0) + shard.data.nbytes
    return held


def peak_bytes(device: Any) -> int | None:
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    return None if not stats else stats.get("peak_bytes_in_use")


def measure(label: str, make: Any, problem: Any, jax: Any, quick: bool) -> dict[str, Any]:
    init = {f"w{i}": w.copy() for i, w in enumerate(problem.weights)}
    init.update({f"b{i}": b.copy() for i, b in enumerate(problem.biases)})
    inst = make(init)
    x, y = problem.x, problem.y
    for _ in range(CHECK_STEPS):
        loss = inst.step(x, y)
    loss = float(np.asarray(loss))
    timing = time_calls(
        lambda: inst.step(x, y), wait=jax.block_until_ready, blocks=3 if quick else 9,
        warmup_calls=1, min_block_seconds=0.05 if quick else 0.5,
    )
    held = members_bytes_per_device(inst, jax)
    return {
        "label": label,
        "median": timing.median,
        "q1": timing.q1,
        "q3": timing.q3,
        "calls_per_block": timing.calls_per_block,
        "loss": loss,
        "devices": len(held),
        "member_bytes_max": max(held.values()),
        "member_bytes_total": sum(held.values()),
        "peak_bytes": [peak_bytes(device) for device in held],
    }


def run(quick: bool, sizes: tuple[int, ...], batch: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    import jax
    from jax.sharding import PartitionSpec as P

    problem = mlp_problem(sizes, batch, DTYPE)
    module = MLP(len(problem.weights), problem.stepsize, DTYPE)
    n = len(jax.devices())
    rows = [measure("1 device", lambda init: module.make(mode="JAX", **init), problem, jax, quick)]
    data = jax.make_mesh((n, 1), ("data", "model"))
    rows.append(measure(f"{n}x1 mesh (data)", lambda init: module.make(mesh=data, **init), problem, jax, quick))
    if n >= 4 and n % 2 == 0:
        split = jax.make_mesh((n // 2, 2), ("data", "model"))
        rules = {"w*": P(None, "model")}
        rows.append(measure(
            f"{n // 2}x2 mesh (data x model, weights split)",
            lambda init: module.make(mesh=split, sharding=rules, **init), problem, jax, quick,
        ))
    device = jax.devices()[0]
    machine = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "pytensor": __import__("pytensor").__version__,
        "devices": f"{n} x {device.platform} ({getattr(device, 'device_kind', device.platform)})",
        "cores": str(os.cpu_count()),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "problem": f"MLP {'-'.join(map(str, sizes))}, batch {batch}, {DTYPE}",
        "load": " ".join(f"{load:.1f}" for load in os.getloadavg()),
    }
    return rows, machine


def table(title: str, rows: list[dict[str, Any]], machine: dict[str, str]) -> list[str]:
    one = rows[0]
    lines = [
        f"## {title}",
        "",
        f"{machine['problem']}; one SGD step per call. Measured {machine['date']}"
        f" (load average before the end of the run: {machine['load']}).",
        "",
        "| instance | median ms/step (q1-q3) | vs 1 device | members per device, max | peak per device | loss after 3 steps |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        peaks = [p for p in row["peak_bytes"] if p is not None]
        peak = f"{max(peaks) / 2**20:.1f} MiB" if peaks else "not reported"
        lines.append(
            f"| {row['label']} | {_ms(row['median'])} ({_ms(row['q1'])}-{_ms(row['q3'])}) "
            f"| {row['median'] / one['median']:.2f}x | {row['member_bytes_max'] / 2**20:.2f} MiB "
            f"on {row['devices']} device(s) | {peak} | {row['loss']:.6f} |"
        )
    return lines + [""]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.4g}"


def report(tables: list[tuple[str, list[dict[str, Any]], dict[str, str]]]) -> str:
    machine = tables[0][2]
    lines = [
        "# The W3 step on a device mesh",
        "",
        "Written by `make bench-mesh` (`python -m benchmarks.mesh`) on"
        f" {machine['devices']}, {machine['cores']} CPU cores, Python {machine['python']},"
        f" jax {machine['jax']}, PyTensor {machine['pytensor']}"
        + (f", `XLA_FLAGS={machine['xla_flags']}`." if machine["xla_flags"] else "."),
        "",
    ]
    for title, rows, found in tables:
        lines += table(title, rows, found)
    lines += [_note(machine), ""]
    return "\n".join(lines)


def _note(machine: dict[str, str]) -> str:
    if "cpu" in machine["devices"]:
        return (
            "On the CPU the mesh's devices are threads sharing the machine's cores: the ratio is what "
            "splitting the step costs here (partitioned programs, collectives between the devices, each "
            "call waiting for its result), not a speed-up, which needs devices of their own. On W3 the "
            "work of the step dwarfs that cost; the small step shows it: the time of one call of a "
            "partitioned program on 8 host devices. The losses agree to float32 rounding. The machine "
            "is shared: differences under ~15-30% are noise (see the load average). On a GPU machine run `python -m benchmarks.mesh --out "
            "benchmarks/results/mesh-gpu.md` (no XLA_FLAGS); the peak column then reads each GPU's allocator."
        )
    return "Each device is a device of its own: the ratio is the speed-up or slow-down of the mesh."


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=RESULTS, help="where to write the Markdown table")
    parser.add_argument("--quick", action="store_true", help="a small MLP and few blocks: checks the code path")
    args = parser.parse_args(argv)
    tables = [("A small step: the overhead of a call", *run(args.quick, QUICK_SIZES, QUICK_BATCH))]
    if not args.quick:
        tables.insert(0, ("W3, batch 2048", *run(args.quick, SIZES, BATCH)))
    text = report(tables)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
