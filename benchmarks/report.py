"""Render a run's results: a markdown table per workload and a PNG of bars.

Usage: ``python -m benchmarks.report results/<run>.json`` re-renders
``latest.md`` and the plot from a saved run (the runner calls the same functions).

In the tables, *ratio* is the implementation's number divided by
symmodule's best mode's number for the same workload and dtype: above 1 the
implementation is slower (or bigger) than symmodule, below 1 it is faster.
The *vs PyTensor* column gives, for symmodule's rows, symmodule divided by
raw PyTensor in the same mode: symmodule's own overhead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks import targets
from benchmarks.implementations import runs
from benchmarks.worker import workload

__all__ = ["commit_text", "format_value", "markdown", "measurements", "plot", "status_of", "summary",
           "table_rows", "versions_text"]


def _label(metric: str, extra: dict[str, Any]) -> str:
    key = metric.split(".")[0]
    label = workload(key).METRICS[metric]
    n = extra.get("instance") or extra.get("instances")
    if n is not None:  # quick runs make fewer instances than the label's 100
        label = label.replace(str(workload(key).INSTANCES), str(n))
    return label


def measurements(record: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(metric, impl, dtype) -> the metric's JSON, for every successful measurement."""
    found = {}
    for entry in record["entries"]:
        for m in entry.get("metrics", []):
            found[(m["metric"], entry["impl"], entry["dtype"])] = m
    return found


def status_of(record: dict[str, Any], key: str, impl: str, dtype: str) -> str | None:
    """Why workload ``key`` has no numbers for ``impl`` in ``dtype`` (``'error'``, ``'skipped'``), or None."""
    for entry in record["entries"]:
        if entry["workload"] == key and entry["impl"] == impl and entry["dtype"] == dtype \
                and entry["status"] != "ok":
            return entry["status"]
    return None


def format_value(value: float, unit: str) -> str:
    """A number with a readable unit: seconds as s, ms, us or ns (3 digits), bytes as MiB."""
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB"
    for scale, suffix in ((1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {suffix}"
    return f"{value / 1e-9:.3g} ns"


def _metrics_in_order(record: dict[str, Any]) -> list[str]:
    present = {m for (m, _, _) in measurements(record)}
    ordered = [m for key in record["workloads"] for m in workload(key).METRICS]
    return [m for m in ordered if m in present]


def table_rows(record: dict[str, Any], metric: str) -> list[dict[str, Any]]:
    """One row per implementation: per dtype, value, spread, ratio to symmodule's best, vs PyTensor."""
    values = measurements(record)
    key = metric.split(".")[0]
    rows = []
    for impl in (i for i in record["implementations"] if runs(i, key)):
        row: dict[str, Any] = {"impl": impl, "cells": {}}
        for dtype in record["dtypes"]:
            if dtype not in workload(key).DTYPES:
                continue
            m = values.get((metric, impl, dtype))
            if m is None:
                row["cells"][dtype] = {"missing": status_of(record, key, impl, dtype) or "-"}
                continue
            sym = [v["value"] for (mm, i, d), v in values.items()
                   if mm == metric and d == dtype and i.startswith("symmodule/")]
            cell = {"value": m["value"], "unit": m["unit"], "spread": m.get("spread"), "extra": m["extra"]}
            if sym and min(sym) > 0:
                cell["ratio"] = m["value"] / min(sym)
            if impl.startswith(("symmodule/", "symmodule.unchecked/")):
                raw = values.get((metric, "pytensor/" + impl.split("/", 1)[1], dtype))
                if raw and raw["value"] > 0:
                    cell["vs_pytensor"] = m["value"] / raw["value"]
            row["cells"][dtype] = cell
        rows.append(row)
    return rows


#: The columns of the summary: each peer, and raw PyTensor in its best mode.
PEERS = ("pytensor", "numpy", "torch", "jax.jit", "nnx.jit")


def summary(record: dict[str, Any]) -> list[str]:
    """symmodule against each peer, as ratios: the table for the README.

    One row per measured quantity and dtype: symmodule's best mode and its
    number, then each peer's best number divided by it (above 1: symmodule
    is faster or smaller).
    """
    values = measurements(record)

    def best(metric: str, dtype: str, prefix: str) -> tuple[float, str] | None:
        found = [(m["value"], impl) for (mm, impl, d), m in values.items()
                 if mm == metric and d == dtype and (impl == prefix or impl.startswith(prefix + "/"))]
        return min(found) if found else None

    header = ["workload", "dtype", "symmodule (best mode)"] + [f"{p} / symmodule" for p in PEERS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for metric in _metrics_in_order(record):
        for dtype in record["dtypes"]:
            own = best(metric, dtype, "symmodule")
            if own is None:
                continue
            unit = next(m["unit"] for (mm, _, _), m in values.items() if mm == metric)
            first = next(m for (mm, _, _), m in values.items() if mm == metric)
            cells = [_label(metric, first["extra"]), dtype,
                     f"{format_value(own[0], unit)} ({own[1].split('/', 1)[1]})"]
            for peer in PEERS:
                theirs = best(metric, dtype, peer)
                cells.append(f"{theirs[0] / own[0]:.2f}" if theirs and own[0] > 0 else "-")
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell_text(cell: dict[str, Any]) -> list[str]:
    if "missing" in cell:
        return [cell["missing"], "", ""]
    text = format_value(cell["value"], cell["unit"])
    if cell.get("spread"):
        text += f" ±{cell['spread'] * 50:.0f}%"
    if "vs_params" in cell["extra"]:
        text += f" ({cell['extra']['vs_params']:.2f}x params)"
    ratio = f"{cell['ratio']:.2f}" if "ratio" in cell else ""
    overhead = f"{cell['vs_pytensor']:.2f}" if "vs_pytensor" in cell else ""
    return [text, ratio, overhead]


def versions_text(machine: dict[str, Any]) -> str:
    """The installed packages' versions of a run, e.g. ``'symmodule 0.1.0, pytensor 3.0.7, ...'``."""
    return ", ".join(f"{k} {v}" for k, v in machine["versions"].items() if v)


def commit_text(machine: dict[str, Any]) -> str:
    """The commit a run measured, flagged when tracked files had changed since it."""
    text = machine.get("commit") or "?"
    return text + " (with uncommitted changes)" if machine.get("uncommitted_changes") else text


def markdown(record: dict[str, Any]) -> str:
    """The results as markdown: the setup, then one table per measured quantity."""
    machine = record["machine"]
    setup = machine["pytensor"]
    lines = [
        f"# Benchmark results{' (quick check: timings are meaningless)' if record['quick'] else ''}",
        "",
        (f"Run {record['started']} ({record['seconds']:.0f} s), commit {commit_text(machine)}, "
         f"on {machine['cpu']} ({machine['cores']} cores), Python {machine['python']}."),
        "",
        f"Versions: {versions_text(machine)}.",
        "",
        (f"PyTensor default mode: {setup['default_mode']} ({setup['default_linker']}); "
         f"blas__ldflags={setup['blas__ldflags']!r}; environment: {machine['environment'] or 'none set'}."),
        "",
        ("Each number is the median of repeated timed blocks after a warm-up (± half the "
         "interquartile range), per step or call, pooled over the rounds; W5 numbers are single "
         "timings; W6 is resident memory. **ratio** = this implementation / symmodule's best mode "
         "(above 1: symmodule is faster or smaller). **vs PyTensor** = symmodule / raw PyTensor "
         "in the same mode (symmodule's overhead)."),
        "",
    ]
    lines += ["## Summary: each peer's best / symmodule's best", ""] + summary(record) + [""]
    if not record["quick"]:  # quick runs' timings say nothing about the targets
        lines += ["## Targets", ""] + targets.markdown_lines(record) + [""]
    if record["loss_mismatches"]:
        lines += ["**Loss mismatches:**", ""] + [f"- {m}" for m in record["loss_mismatches"]] + [""]
    else:
        lines += [f"All implementations reached the same losses (rtol {record['rtol']}).", ""]
    for metric in _metrics_in_order(record):
        rows = table_rows(record, metric)
        dtypes = [d for d in record["dtypes"] if d in workload(metric.split(".")[0]).DTYPES]
        first = next(m for (mm, _, _), m in measurements(record).items() if mm == metric)
        lines += [f"## {_label(metric, first['extra'])}", ""]
        header = ["implementation"]
        for dtype in dtypes:
            header += [dtype, "ratio", "vs PyTensor"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in rows:
            cells = [row["impl"]]
            for dtype in dtypes:
                cells += _cell_text(row["cells"][dtype])
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot(record: dict[str, Any], path: Path) -> bool:
    """Horizontal bars, one panel per measured quantity, log scale; False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    metrics = _metrics_in_order(record)
    impls = record["implementations"]
    columns = 3
    rows = -(-len(metrics) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 0.32 * len(impls) * rows + 1.5 * rows),
                             squeeze=False)
    colours = {"float32": "tab:blue", "float64": "tab:orange"}
    values = measurements(record)
    for ax, metric in zip(axes.flat, metrics):
        key = metric.split(".")[0]
        here = [impl for impl in impls if runs(impl, key)]
        dtypes = [d for d in record["dtypes"] if d in workload(key).DTYPES]
        height = 0.8 / len(dtypes)
        unit = "s"
        for j, dtype in enumerate(dtypes):
            ys, xs = [], []
            for i, impl in enumerate(here):
                m = values.get((metric, impl, dtype))
                if m:
                    unit = m["unit"]
                    ys.append(i + (j - (len(dtypes) - 1) / 2) * height)
                    xs.append(m["value"] / 2**20 if unit == "bytes" else m["value"])
            ax.barh(ys, xs, height=height, color=colours[dtype], label=dtype)
        ax.set_yticks(range(len(here)), here, fontsize=8)
        ax.invert_yaxis()
        first = next(m for (mm, _, _), m in values.items() if mm == metric)
        if unit == "bytes":
            # Memory on a linear scale, with the parameters' own bytes as the floor to compare with.
            params = first["value"] / first["extra"]["vs_params"] / 2**20
            ax.axvline(params, color="black", linestyle="--", linewidth=1, label="parameters' bytes")
        else:
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels on a log axis overlap
        ax.set_title(_label(metric, first["extra"]), fontsize=10)
        ax.set_xlabel("MiB resident" if unit == "bytes" else "seconds (log scale)", fontsize=8)
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"symmodule benchmarks, {record['started'][:10]}, {record['machine']['cores']} cores "
                 "(shorter is better)", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))  # leave room for the title
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run's JSON in benchmarks/results/")
    parser.add_argument("--markdown", type=Path, help="default: latest.md beside the JSON")
    parser.add_argument("--plot", type=Path, help="default: docs/benchmarks.png")
    args = parser.parse_args(argv)
    record = json.loads(args.run.read_text())
    (args.markdown or args.run.parent / "latest.md").write_text(markdown(record))
    plot(record, args.plot or Path(__file__).resolve().parent.parent / "docs" / "benchmarks.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
