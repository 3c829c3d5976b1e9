"""The first result (W5) on two PyTensor versions, side by side.

Usage::

    python -m benchmarks.versions OLDER.json NEWER.json --out benchmarks/results/pytensor-versions.md

``make bench-versions`` runs W5 in the venvs of the test matrix's two ends
(Python 3.11 with PyTensor 3.0.x, the newest Python with PyTensor 3.3.x),
one after the other, and renders their two records with this module: one
row per mode and implementation, the first result from cold and from warm
compile caches on each version, and the ratio of the two.

The versions are read from the records (``machine.versions``), so the
columns say what was measured whatever the venvs held.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.implementations import runs, split
from benchmarks.run import RTOL, check_losses

__all__ = ["markdown", "rows"]

KEY = "W5"
#: The measured quantities of the table, with their column labels.
METRICS = {"W5.cold": "cold", "W5.warm": "warm"}


def pytensor_version(record: dict[str, Any]) -> str:
    """The PyTensor version a run measured, e.g. ``'3.0.7'``."""
    return record["machine"]["versions"]["pytensor"]


def _implementations(older: dict[str, Any], newer: dict[str, Any]) -> list[str]:
    """The implementations of either run that measure W5, grouped by mode in the runs' order."""
    impls = [i for i in older["implementations"] if runs(i, KEY)]
    impls += [i for i in newer["implementations"] if runs(i, KEY) and i not in impls]
    modes = list(dict.fromkeys(split(i)[1] for i in impls))
    return sorted(impls, key=lambda i: (modes.index(split(i)[1]), impls.index(i)))


def _cell(record: dict[str, Any], metric: str, impl: str, dtype: str) -> dict[str, Any]:
    found = report.measurements(record).get((metric, impl, dtype))
    if found is None:
        return {"missing": report.status_of(record, KEY, impl, dtype) or "-"}
    return {"value": found["value"], "unit": found["unit"]}


def rows(older: dict[str, Any], newer: dict[str, Any], dtype: str = "float32") -> list[dict[str, Any]]:
    """One row per mode and implementation, with both runs' cold and warm first results.

    Parameters
    ----------
    older, newer
        Two records written by ``python -m benchmarks.run`` with W5, on the
        older and on the newer PyTensor.
    dtype
        The dtype of the rows (W5 runs in float32 only).

    Returns
    -------
    list of dict
        ``{"mode", "impl", "cells"}``, where ``cells[metric]`` is
        ``{"older", "newer", "ratio"}``: each side ``{"value", "unit"}`` or
        ``{"missing": status}``, and ``ratio`` newer / older, or None when
        either side is missing.
    """
    table = []
    for impl in _implementations(older, newer):
        family, mode = split(impl)
        cells = {}
        for metric in METRICS:
            old, new = _cell(older, metric, impl, dtype), _cell(newer, metric, impl, dtype)
            ratio = new["value"] / old["value"] if "value" in old and "value" in new and old["value"] > 0 else None
            cells[metric] = {"older": old, "newer": new, "ratio": ratio}
        table.append({"mode": mode or "-", "impl": family, "cells": cells})
    return table


def _text(cell: dict[str, Any]) -> str:
    return cell["missing"] if "missing" in cell else report.format_value(cell["value"], cell["unit"])


def _run_line(record: dict[str, Any]) -> str:
    machine = record["machine"]
    return (f"PyTensor {pytensor_version(record)} on Python {machine['python']}: run {record['started']} "
            f"({record['seconds']:.0f} s), commit {report.commit_text(machine)}, on {machine['cpu']} "
            f"({machine['cores']} cores); {report.versions_text(machine)}.")


def _failures(record: dict[str, Any]) -> list[str]:
    lines = []
    for entry in record["entries"]:
        if entry["workload"] == KEY and entry["status"] != "ok":
            # A traceback's last line names the exception; a skip's reason is one line.
            text = (entry.get("reason") or entry.get("error") or "").strip()
            why = text.splitlines()[-1] if text else ""
            lines.append(f"- {entry['impl']} ({entry.get('phase') or 'all phases'}) on PyTensor "
                         f"{pytensor_version(record)}: {entry['status']}: {why}")
    return lines


def _loss_check(older: dict[str, Any], newer: dict[str, Any], dtype: str) -> list[str]:
    """Every first loss of both runs against each other: the two versions must compute the same model."""
    entries = [{**entry, "impl": f"{entry['impl']} on PyTensor {pytensor_version(record)}"}
               for record in (older, newer) for entry in record["entries"] if entry["workload"] == KEY]
    mismatches = check_losses(entries)
    if mismatches:
        return ["**Loss mismatches:**", ""] + [f"- {m}" for m in mismatches]
    return [f"Every first loss of both runs agrees within a relative {RTOL[dtype]:g}."]


def markdown(older: dict[str, Any], newer: dict[str, Any], dtype: str = "float32") -> str:
    """The table of :func:`rows` as markdown, with what each run measured on.

    Meant to be included in a page: it starts with a paragraph, not a title.
    """
    old_v, new_v = pytensor_version(older), pytensor_version(newer)
    lines = [
        (f"Time to the first result of the W3 MLP (W5: declare the model, make an instance, run one "
         f"training step; {dtype}), from empty compile caches (**cold**) and from the caches the cold "
         f"run filled (**warm**), on PyTensor {old_v} and {new_v}. Single timings; **ratio** = "
         f"{new_v} / {old_v} (below 1: faster on {new_v})."),
        "",
    ]
    header = ["mode", "implementation"]
    for label in METRICS.values():
        header += [f"{label}, {old_v}", f"{label}, {new_v}", "ratio"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows(older, newer, dtype):
        cells = [row["mode"], row["impl"]]
        for metric in METRICS:
            pair = row["cells"][metric]
            ratio = pair["ratio"]
            cells += [_text(pair["older"]), _text(pair["newer"]), "-" if ratio is None else f"{ratio:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"- {_run_line(record)}" for record in (older, newer)] + [""]
    if len({report.commit_text(record["machine"]) for record in (older, newer)}) > 1:
        # symmodule's rows then compare two versions of symmodule too, not PyTensor's alone.
        lines += ["**The two runs measured different code** (see their commits above).", ""]
    failures = _failures(older) + _failures(newer)
    if failures:
        lines += ["Failed or skipped:", ""] + failures + [""]
    lines += _loss_check(older, newer, dtype) + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.versions", description=__doc__.splitlines()[0])
    parser.add_argument("older", type=Path, help="the record (JSON) of the run on the older PyTensor")
    parser.add_argument("newer", type=Path, help="the record (JSON) of the run on the newer PyTensor")
    parser.add_argument("--out", type=Path, required=True, help="the markdown file to write")
    args = parser.parse_args(argv)
    older, newer = (json.loads(path.read_text()) for path in (args.older, args.newer))
    args.out.write_text(markdown(older, newer))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
