"""Run workloads with one implementation, in this process, and write the measurements as JSON.

The runner starts one worker per (workload, implementation, dtype), so that
imports, compile caches and memory of one measurement never affect another.
It is also usable by hand, to look at one number::

    python -m benchmarks.worker --impl symmodule/NUMBA --dtype float32 --workloads W1

The dtype must also be set in the environment before PyTensor is imported
(``PYTENSOR_FLAGS=floatX=float32``; ``JAX_ENABLE_X64=1`` for float64): the
runner does that. This worker refuses to run when they disagree, rather than
measure a silently upcast model.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from typing import Any

from benchmarks.implementations import Skipped, load, split

#: Workload key -> module, in report order.
WORKLOADS: dict[str, str] = {
    "W1": "benchmarks.w1_regression",
    "W2": "benchmarks.w2_mlp_small",
    "W3": "benchmarks.w3_mlp_large",
    "W4": "benchmarks.w4_scalar_call",
    "W5": "benchmarks.w5_make_latency",
    "W6": "benchmarks.w6_memory",
    "W7": "benchmarks.w7_train",
}


def workload(key: str):
    return importlib.import_module(WORKLOADS[key])


def _check_dtype(dtype: str) -> None:
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    if f"floatX={dtype}" not in flags:
        raise RuntimeError(f"run with PYTENSOR_FLAGS containing floatX={dtype} (got {flags!r})")


def run(impl: str, dtype: str, keys: list[str], quick: bool, phase: str | None) -> list[dict[str, Any]]:
    """Measure each workload of ``keys``; one entry per workload, with a status.

    A family whose packages are missing makes every entry ``skipped``; an
    exception in one workload makes that entry ``error`` with its traceback,
    and the others still run.
    """
    family_name, mode = split(impl)
    base = {"impl": impl, "family": family_name, "mode": mode, "dtype": dtype, "phase": phase}
    try:
        _check_dtype(dtype)
        family = load(family_name, mode)
    except Skipped as exc:
        return [{**base, "workload": key, "status": "skipped", "reason": str(exc)} for key in keys]
    entries = []
    for key in keys:
        entry = {**base, "workload": key}
        start = time.perf_counter()
        try:
            metrics = workload(key).run(family, mode, dtype, quick, phase)
        except Exception:  # noqa: BLE001 -- any failure is reported, and the next workload runs
            entry.update(status="error", error=traceback.format_exc())
        else:
            entry.update(status="ok", metrics=[m.to_json() for m in metrics])
        entry["seconds"] = round(time.perf_counter() - start, 2)
        entries.append(entry)
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", required=True, help="e.g. symmodule/NUMBA, pytensor/CVM, numpy, torch")
    parser.add_argument("--dtype", required=True, choices=("float32", "float64"))
    parser.add_argument("--workloads", required=True, help="comma-separated keys, e.g. W1,W3")
    parser.add_argument("--quick", action="store_true", help="tiny step counts: checks, not timings")
    parser.add_argument("--phase", choices=("cold", "warm"), help="for W5: which cache state this is")
    parser.add_argument("--out", help="write the JSON here instead of standard output")
    args = parser.parse_args(argv)
    entries = run(args.impl, args.dtype, args.workloads.split(","), args.quick, args.phase)
    text = json.dumps(entries, indent=1)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
