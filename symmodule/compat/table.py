"""The Theano names table of ``docs/coming-from-theano.md``, written from ``theano_names.tsv``.

``scripts/theano-names-table`` puts :func:`markdown` between the page's
two marker lines; a test checks the page holds what it returns.
"""

from __future__ import annotations

from collections import Counter

from symmodule.compat.names import Entry, entries

__all__ = ["BEGIN", "END", "markdown", "counts"]

BEGIN = "<!-- theano-names: begin (written by scripts/theano-names-table) -->"
END = "<!-- theano-names: end -->"


def counts() -> dict[str, tuple[int, int]]:
    """``{namespace: (provided, refused)}``, in the table's order."""
    provided: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for entry in entries():
        (refused if entry.refused else provided)[entry.namespace] += 1
    return {ns: (provided[ns], refused[ns]) for ns in dict.fromkeys(e.namespace for e in entries())}


def _answer(entry: Entry) -> str:
    if entry.refused:
        instead = f" Use `{entry.replacement}`." if entry.replacement else ""
        return f"refused: {entry.why}.{instead}"
    if entry.answer == ".":
        return "yes"
    module, attribute = entry.targets[0]
    if module.startswith("symmodule.compat"):
        return "yes (thin implementation)"
    return f"yes: `{module}{'.' + attribute if attribute else ''}`"


def markdown() -> str:
    """The block of the page: counts per namespace, then every name, namespace by namespace."""
    table = counts()
    lines = [
        BEGIN,
        "",
        "| Theano namespace | symmodule module | names provided | names refused |",
        "| --- | --- | ---: | ---: |",
    ]
    for namespace, (provided, refused) in table.items():
        door = "symmodule" + namespace[len("theano"):]
        lines.append(f"| `{namespace}` | `{door}` | {provided} | {refused} |")
    total_provided = sum(p for p, _ in table.values())
    total_refused = sum(r for _, r in table.values())
    lines += [f"| all | | {total_provided} | {total_refused} |", ""]
    for namespace in table:
        rows = [e for e in entries() if e.namespace == namespace]
        lines += [f'??? note "`{namespace}`: {len(rows)} names"', ""]
        lines += ["    | name | uses | in symmodule |", "    | --- | ---: | --- |"]
        lines += [f"    | `{e.name}` | {e.uses} | {_answer(e).replace('|', '&#124;')} |" for e in rows]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)
