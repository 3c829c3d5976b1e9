"""Run the benchmarks: every workload with every implementation, each in its own process.

Usage::

    python -m benchmarks.run                  # everything (takes a while)
    python -m benchmarks.run --quick          # CI: every implementation runs, losses agree
    python -m benchmarks.run --only W1,W4 --modes NUMBA,CVM --dtypes float64

What it does:

1. Starts one worker process (:mod:`benchmarks.worker`) per workload,
   implementation and dtype, one after the other so that they never compete
   for the two cores. The dtype is set through ``PYTENSOR_FLAGS=floatX=...``
   (and ``JAX_ENABLE_X64``). The timed workloads (W1-W4) run in ``--rounds``
   rounds (3 by default), each measurement in a new process every round, and
   the blocks of all rounds are pooled: a burst of load from elsewhere on
   the machine then moves a median much less. W5 runs twice per
   implementation, cold then warm, with a fresh temporary PyTensor
   compiledir and Numba cache directory; W5 and W6 run once.
2. Checks that all implementations of a workload reached the same loss
   (relative tolerance 1e-4 in float64, 1e-3 in float32), against NumPy's.
3. Writes ``benchmarks/results/<date>.json`` (machine, versions, every
   measurement) and renders ``benchmarks/results/latest.md`` and
   ``docs/benchmarks.png``.

It exits with status 1 when an implementation failed or a loss disagreed;
an implementation whose package is not installed is reported as skipped.

``--quick`` runs each implementation and dtype in a single process over
tiny step counts and 3 instances in W5 (no cold run) and W6: it checks that everything runs and agrees, and its timings mean
nothing. It writes ``results/quick.json`` and ``results/quick.md`` only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.harness import merge_rounds
from benchmarks.implementations import implementations, runs
from benchmarks.implementations.symmodule_module import MODES as DEFAULT_MODES
from benchmarks.worker import WORKLOADS, workload

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PLOT = ROOT / "docs" / "benchmarks.png"

#: Relative tolerance of the loss check, per dtype.
RTOL = {"float32": 1e-3, "float64": 1e-4}
#: The implementation every other one's check value is compared with.
REFERENCE = "numpy"

VERSIONED = ("symmodule", "pytensor", "numpy", "scipy", "numba", "llvmlite",
             "jax", "jaxlib", "torch", "flax", "optax", "matplotlib", "psutil")


@dataclass
class Task:
    """One worker process: an implementation, a dtype, its workloads, and its environment."""

    impl: str
    dtype: str
    workloads: list[str]
    phase: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    round: int = 1

    def describe(self) -> str:
        phase = f" ({self.phase})" if self.phase else ""
        round_ = f" round {self.round}" if self.round > 1 else ""
        return f"{','.join(self.workloads)}{phase} {self.impl} {self.dtype}{round_}"


# -- planning -----------------------------------------------------------------------------


def _dtype_env(dtype: str) -> dict[str, str]:
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    env = {"PYTENSOR_FLAGS": ",".join(f for f in (flags, f"floatX={dtype}") if f)}
    # JAX computes in float32 unless x64 is enabled before any array exists.
    env["JAX_ENABLE_X64"] = "1" if dtype == "float64" else "0"
    return env


def _memory_env() -> dict[str, str]:
    # Make glibc map every large block with mmap and unmap it when freed, so
    # that RSS follows the live arrays: otherwise a 4 MB array can be carved
    # out of heap memory an earlier temporary left behind, and not show.
    return {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024), "MALLOC_TRIM_THRESHOLD_": str(128 * 1024)}


def _cold_cache_env(base: dict[str, str], cache_dir: Path) -> dict[str, str]:
    """``base`` with every compile cache in ``cache_dir`` (empty at first).

    PyTensor keeps its C modules under ``compiledir`` and its Numba code under
    ``base_compiledir/numba``, so the base directory is what must move;
    ``NUMBA_CACHE_DIR`` covers Numba's own ``cache=True`` functions.
    """
    env = dict(base)
    env["PYTENSOR_FLAGS"] += f",base_compiledir={cache_dir / 'pytensor'}"
    env["NUMBA_CACHE_DIR"] = str(cache_dir / "numba")
    return env


#: Workloads measured once per run: W5's cold start cannot be repeated in a
#: warm process, and memory does not suffer from other processes' load.
ONCE = ("W5", "W6")


def plan(keys: list[str], impls: list[str], dtypes: list[str], quick: bool,
         scratch: Path, rounds: int = 1) -> list[list[Task]]:
    """The worker processes to start, as groups that must run in order (W5's cold, then warm).

    Timed workloads are planned ``rounds`` times, one round after the other,
    so that a burst of load from elsewhere on the machine hits one round of
    several implementations rather than every round of one.
    """
    groups: list[list[Task]] = []
    if quick:
        for impl in impls:
            for dtype in dtypes:
                keys_here = [k for k in keys if dtype in workload(k).DTYPES and runs(impl, k)]
                if keys_here:
                    env = {**_dtype_env(dtype), **_memory_env()}
                    groups.append([Task(impl, dtype, keys_here, env=env)])
        return groups
    for round_ in range(1, rounds + 1):
        for key in keys:
            if key in ONCE and round_ > 1:
                continue
            for dtype in (d for d in dtypes if d in workload(key).DTYPES):
                for impl in (i for i in impls if runs(i, key)):
                    env = _dtype_env(dtype)
                    if key == "W6":
                        env.update(_memory_env())
                    if key != "W5":
                        groups.append([Task(impl, dtype, [key], env=env, round=round_)])
                        continue
                    cache = scratch / f"{impl.replace('/', '-')}-{dtype}"
                    env = _cold_cache_env(env, cache)
                    groups.append([Task(impl, dtype, [key], phase, env) for phase in ("cold", "warm")])
    return groups


def merge(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (workload, implementation, dtype, phase), pooling the rounds that succeeded.

    Failed rounds are kept as they are, so that they are reported.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    merged = []
    for entry in entries:
        if entry["status"] != "ok":
            merged.append(entry)
            continue
        groups.setdefault((entry["workload"], entry["impl"], entry["dtype"], entry["phase"]), []).append(entry)
    for same in groups.values():
        entry = dict(same[0])
        entry["rounds"] = len(same)
        entry["metrics"] = [merge_rounds([e["metrics"][i] for e in same]) for i in range(len(same[0]["metrics"]))]
        merged.append(entry)
    return merged


# -- running ------------------------------------------------------------------------------


def run_task(task: Task, quick: bool, timeout: float) -> list[dict[str, Any]]:
    """Start the worker for ``task`` and return its entries (an ``error`` entry if it died)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [sys.executable, "-m", "benchmarks.worker", "--impl", task.impl, "--dtype", task.dtype,
               "--workloads", ",".join(task.workloads), "--out", str(out)]
    if quick:
        command.append("--quick")
    if task.phase:
        command += ["--phase", task.phase]
    env = {**os.environ, **task.env}
    start = time.perf_counter()
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        failure = None if proc.returncode == 0 else f"worker exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
        entries = json.loads(out.read_text()) if failure is None else []
    except subprocess.TimeoutExpired:
        failure, entries = f"worker timed out after {timeout:.0f} s", []
    finally:
        out.unlink(missing_ok=True)
    elapsed = time.perf_counter() - start
    if failure:
        entries = [{"impl": task.impl, "dtype": task.dtype, "workload": key, "phase": task.phase,
                    "status": "error", "error": failure} for key in task.workloads]
    for entry in entries:
        entry["wall_s"] = elapsed
        entry["round"] = task.round
    return entries


def run_groups(groups: list[list[Task]], quick: bool, jobs: int, timeout: float) -> list[dict[str, Any]]:
    total = len(groups)

    def run_group(numbered: tuple[int, list[Task]]) -> list[dict[str, Any]]:
        number, group = numbered
        entries = []
        for task in group:
            got = run_task(task, quick, timeout)
            statuses = sorted({e["status"] for e in got})
            wall = got[0]["wall_s"] if got else 0.0
            print(f"[{number}/{total}] {task.describe()}: {'/'.join(statuses)} in {wall:.1f} s", flush=True)
            for entry in got:
                if entry["status"] == "error":
                    print("    " + entry["error"].strip().splitlines()[-1], flush=True)
            entries += got
        return entries

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [e for got in pool.map(run_group, enumerate(groups, 1)) for e in got]


# -- checking -----------------------------------------------------------------------------


def check_losses(entries: list[dict[str, Any]]) -> list[str]:
    """Compare every check value with the reference implementation's; the disagreements.

    Within one workload and dtype every implementation must reach NumPy's
    value within :data:`RTOL` (or, without NumPy, the first one's).
    """
    by_metric: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for entry in entries:
        for m in entry.get("metrics", []):
            if m["check"] is not None:
                by_metric.setdefault((m["metric"], entry["dtype"]), []).append((entry["impl"], m["check"]))
    problems = []
    for (metric, dtype), values in sorted(by_metric.items()):
        reference = dict(values).get(REFERENCE, values[0][1])
        for impl, value in values:
            if abs(value - reference) > RTOL[dtype] * abs(reference):
                problems.append(f"{metric} {dtype}: {impl} reached {value!r}, "
                                f"{REFERENCE} {reference!r} (rtol {RTOL[dtype]})")
    return problems


# -- recording ----------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _memory_total() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return None


def _pytensor_setup() -> dict[str, Any]:
    """How PyTensor is configured here: it decides what the C and Numba backends link to."""
    import pytensor
    from pytensor.compile.mode import get_mode

    return {
        "default_mode": str(pytensor.config.mode),
        "default_linker": type(get_mode(None).linker).__name__,
        "blas__ldflags": pytensor.config.blas__ldflags,
        "cxx": pytensor.config.cxx,
    }


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _git_commit() -> str | None:
    return _git("rev-parse", "--short", "HEAD")


def _git_uncommitted() -> bool | None:
    """Whether tracked files differ from the commit: then the commit alone does not say what ran."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return None if status is None else bool(status)


def machine_info() -> dict[str, Any]:
    """Where and with what a run measures: the machine, Python, every package's version, the commit.

    The versions are this interpreter's, which the workers share: PyTensor,
    Numba, jax and NumPy decide most of the compile times, so runs on two
    PyTensor versions are told apart by this record alone.
    """
    env_keys = ("PYTENSOR_FLAGS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "XLA_FLAGS")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_bytes": _memory_total(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in VERSIONED},
        "pytensor": _pytensor_setup(),
        "environment": {k: os.environ[k] for k in env_keys if k in os.environ},
        "commit": _git_commit(),
        "uncommitted_changes": _git_uncommitted(),
    }


# -- command line -------------------------------------------------------------------------


def _csv(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                     description="Benchmark symmodule against raw PyTensor and its peers.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny runs that only check every implementation runs and agrees")
    parser.add_argument("--only", help="comma-separated workloads, e.g. W1,W3 (default: all)")
    parser.add_argument("--modes", help=f"symmodule/PyTensor modes (default: {','.join(DEFAULT_MODES)})")
    parser.add_argument("--impls", help="comma-separated families or implementations to keep, "
                                        "e.g. symmodule,numpy,pytensor/CVM (default: all)")
    parser.add_argument("--dtypes", default="float32,float64", help="default: float32,float64")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each timed workload runs, each in a new process (default: 3)")
    parser.add_argument("--jobs", type=int, help="processes at a time (default: 1, so that they do not compete for cores)")
    parser.add_argument("--timeout", type=float, help="seconds per worker (default: 1800; 600 with --quick)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="directory of the results")
    parser.add_argument("--plot", type=Path, default=PLOT, help="where to write the PNG (full runs)")
    parser.add_argument("--no-plot", action="store_true", help="write no PNG (runs of a few workloads)")
    args = parser.parse_args(argv)

    keys = _csv(args.only) or list(WORKLOADS)
    unknown = set(keys) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS)}")
    modes = [m.upper() for m in _csv(args.modes) or DEFAULT_MODES]
    impls = implementations(modes)
    wanted = _csv(args.impls)
    if wanted:
        impls = [i for i in impls if i in wanted or i.split("/")[0] in wanted]
    dtypes = _csv(args.dtypes)
    jobs = args.jobs or 1
    timeout = args.timeout or (600.0 if args.quick else 1800.0)

    started = _dt.datetime.now().astimezone()
    machine = machine_info()  # before the run: the commit and versions measured
    scratch = Path(tempfile.mkdtemp(prefix="symmodule-bench-caches-"))
    try:
        groups = plan(keys, impls, dtypes, args.quick, scratch, 1 if args.quick else args.rounds)
        print(f"{len(groups)} worker groups; implementations: {', '.join(impls)}", flush=True)
        entries = run_groups(groups, args.quick, jobs, timeout)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    mismatches = check_losses(entries)  # every round's loss, before pooling the rounds
    entries = merge(entries)
    errors = [e for e in entries if e["status"] == "error"]
    record = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((_dt.datetime.now().astimezone() - started).total_seconds(), 1),
        "quick": args.quick,
        "workloads": keys,
        "implementations": impls,
        "dtypes": dtypes,
        "rounds": 1 if args.quick else args.rounds,
        "rtol": RTOL,
        "machine": machine,
        "entries": entries,
        "loss_mismatches": mismatches,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    if args.quick:
        json_path, md_path = args.results / "quick.json", args.results / "quick.md"
    else:
        json_path = args.results / f"{started:%Y-%m-%dT%H%M%S}.json"
        md_path = args.results / "latest.md"
    json_path.write_text(json.dumps(record, indent=1))
    md_path.write_text(report.markdown(record))
    print(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}")
    if not (args.quick or args.no_plot):
        if report.plot(record, args.plot):
            print(f"wrote {args.plot}")
        else:
            print("matplotlib is not installed: no plot")

    skipped = sorted({f"{e['impl']} ({e['reason']})" for e in entries if e["status"] == "skipped"})
    for line in skipped:
        print(f"skipped: {line}")
    for line in mismatches:
        print(f"LOSS MISMATCH: {line}")
    for entry in errors:
        print(f"ERROR in {entry['workload']} {entry['impl']} {entry['dtype']}:\n{entry['error']}")
    if mismatches or errors:
        print(f"FAILED: {len(errors)} errors, {len(mismatches)} loss mismatches")
        return 1
    print(f"ok: {sum(e['status'] == 'ok' for e in entries)} runs agree "
          f"({len(skipped)} implementations skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
