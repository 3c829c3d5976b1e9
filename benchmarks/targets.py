"""The performance targets of the project, checked against a run's results.

Each target names the quantity, the bound and the modes it applies to; the
report lists the measured value and whether it is met, so that a run says by
itself which targets hold on the machine it ran on.

* W5, default mode: first result at most 5 s from cold caches, 1 s warm;
* W5, default mode: a second instance in at most 5% of the first one's
  time, and 100 instances in less than 2x the time of one (make() only for
  the further instances: their first step compiles nothing); the other
  modes are listed beside it;
* W2/W3 steps, and W7's Adam steps (the W3 MLP, a small CNN): at most
  1.0x the fastest of jax.jit and PyTorch eager in symmodule's best mode,
  at most 1.5x in the default mode;
* W1/W4: at most 10% over raw PyTensor in the same mode, for the documented
  fast path (``inst.method.unchecked``); the checked call is listed too;
* W6: state memory at most 1.1x the members' own bytes, judged on what one
  more instance costs (the total also holds the compilers' one-time memory).
"""

from __future__ import annotations

from typing import Any

__all__ = ["default_mode", "markdown_lines", "targets"]

#: The peers whose steps run near the machine's BLAS peak (the issue's "fastest peer").
FASTEST_PEERS = ("jax.jit", "torch")

_LINKER_MODES = {"NumbaLinker": "NUMBA", "JAXLinker": "JAX"}


def default_mode(record: dict[str, Any]) -> str:
    """The mode symmodule compiles in when none is given, as a benchmark mode name."""
    linker = record["machine"]["pytensor"]["default_linker"]
    return _LINKER_MODES.get(linker, "CVM")


def _index(record: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    return {(m["metric"], e["impl"], e["dtype"]): m["value"]
            for e in record["entries"] for m in e.get("metrics", [])}


def _modes(record: dict[str, Any], family: str = "symmodule") -> list[str]:
    return [i.split("/", 1)[1] for i in record["implementations"] if i.startswith(family + "/")]


def _row(target: str, bound: float, measured: dict[str, float], judged: list[str], fmt: str) -> dict[str, Any] | None:
    """One target: the measured value per label, met when every judged label is within the bound.

    None when nothing was measured for it (that workload or mode did not run).
    """
    judged = [label for label in judged if label in measured]
    return None if not measured else {
        "target": target,
        "measured": ", ".join(f"{label} {format(value, fmt)}" for label, value in measured.items()),
        "met": bool(judged) and all(measured[label] <= bound for label in judged),
    }


def targets(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured values (per mode or dtype) and whether it is met."""
    got = _index(record)
    default = default_mode(record)
    modes = _modes(record)
    rows = []

    def per_mode(metric: str, family: str = "symmodule", dtype: str = "float32") -> dict[str, float]:
        return {mode: got[(metric, f"{family}/{mode}", dtype)] for mode in modes
                if (metric, f"{family}/{mode}", dtype) in got}

    cold, warm = per_mode("W5.cold"), per_mode("W5.warm")
    if cold or warm:
        rows.append(_row(f"W5 first result, cold caches, default mode ({default}) <= 5 s", 5.0,
                         cold, [default], ".2f"))
        rows.append(_row(f"W5 first result, warm caches, default mode ({default}) <= 1 s", 1.0,
                         warm, [default], ".2f"))
    for metric, label, bound in (("W5.second_make", "2nd instance (make) / first", 0.05),
                                 ("W5.total_make", "100 instances / first", 2.0)):
        ratio = {mode: value / warm[mode] for mode, value in per_mode(metric).items() if mode in warm}
        if ratio:
            rows.append(_row(f"W5 {label} <= {bound:g}, default mode ({default})", bound, ratio, [default], ".3f"))

    for key in ("W2", "W3", "W7.mlp", "W7.cnn"):
        for dtype in record["dtypes"]:
            peers = [got[(key, peer, dtype)] for peer in FASTEST_PEERS if (key, peer, dtype) in got]
            own = per_mode(key, dtype=dtype)
            if not peers or not own:
                continue
            ratio = {mode: value / min(peers) for mode, value in own.items()}
            best = min(ratio, key=ratio.get)
            rows.append(_row(f"{key} {dtype} step, best mode / fastest peer <= 1.0", 1.0,
                             {best: ratio[best]}, [best], ".2f"))
            rows.append(_row(f"{key} {dtype} step, default mode / fastest peer <= 1.5", 1.5,
                             {default: ratio[default]} if default in ratio else {}, [default], ".2f"))

    for key in ("W1", "W4"):
        for dtype in record["dtypes"]:
            raw = per_mode(key, "pytensor", dtype)
            for family, name in (("symmodule.unchecked", "fast path (unchecked)"), ("symmodule", "checked call")):
                ratio = {mode: value / raw[mode] for mode, value in per_mode(key, family, dtype).items()
                         if mode in raw}
                if ratio:
                    judged = list(ratio) if family == "symmodule.unchecked" else []
                    row = _row(f"{key} {dtype} {name} / raw PyTensor <= 1.10", 1.10, ratio, judged, ".2f")
                    if row and not judged:
                        row["met"] = None  # listed for information: the target is on the fast path
                    rows.append(row)

    vs_params = {(m["metric"], e["impl"].split("/", 1)[1]): m["extra"]["vs_params"]
                 for e in record["entries"] if e["workload"] == "W6" and e["impl"].startswith("symmodule/")
                 for m in e.get("metrics", [])}
    each = {mode: v for (metric, mode), v in vs_params.items() if metric == "W6.each"}
    total = {mode: v for (metric, mode), v in vs_params.items() if metric == "W6.total"}
    if each:
        rows.append(_row("W6 memory of one more instance / its members' bytes <= 1.1, every mode", 1.1,
                         each, list(each), ".2f"))
    if total:
        row = _row("W6 100 instances, compiled code and compilers included / members' bytes", 1.1,
                   total, [], ".2f")
        row["met"] = None  # for information: includes the compilers' own one-time memory
        rows.append(row)
    return [row for row in rows if row is not None]


def markdown_lines(record: dict[str, Any]) -> list[str]:
    """The targets as a markdown table."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    for row in targets(record):
        met = "-" if row["met"] is None else "yes" if row["met"] else "**no**"
        lines.append(f"| {row['target']} | {row['measured']} | {met} |")
    return lines
