"""The objects introspection returns: Effects, Finding, Report, Summary and their rows."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# -- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Effects:
    """What one method does to the state, read from its symbolic graph.

    Attributes
    ----------
    method
        The method's path.
    reads
        Members the method's outputs or updates read (implicit inputs).
    updates
        Members the method updates.
    could_update
        Members the method reads but does not update (``reads`` minus
        ``updates``): writable state it leaves as it is.
    random_streams_read
        Random streams whose draws the method uses (paths such as
        ``random.rng0``).
    random_streams_advanced
        Random streams whose generator the method advances.
    """

    method: str
    reads: tuple[str, ...]
    updates: tuple[str, ...]
    could_update: tuple[str, ...]
    random_streams_read: tuple[str, ...] = ()
    random_streams_advanced: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"Method {self.method!r}:"]
        for label, paths in (
            ("reads", self.reads),
            ("updates", self.updates),
            ("could update (reads, does not update)", self.could_update),
            ("draws from", self.random_streams_read),
            ("advances", self.random_streams_advanced),
        ):
            lines.append(f"  {label}: {', '.join(paths) if paths else '-'}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Finding:
    """One thing :func:`check` noticed.

    Attributes
    ----------
    severity
        ``'warning'`` (probably a mistake) or ``'note'`` (worth knowing).
    kind
        ``'unused-member'``, ``'unused-random-stream'``,
        ``'no-effect-method'`` (warnings); ``'never-updated'``,
        ``'never-read'`` (notes).
    path
        The member, stream or method concerned.
    message
        A sentence saying what was found and what to do.
    """

    severity: str
    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


class Report(list):
    """The findings of :func:`check`: a list of :class:`Finding`, printed one per line."""

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are probably mistakes."""
        return [f for f in self if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        """The informational findings (only present with ``notes=True``)."""
        return [f for f in self if f.severity == "note"]

    def __str__(self) -> str:
        if not self:
            return "No findings."
        return "\n".join(str(f) for f in self)

    def __repr__(self) -> str:
        return f"<Report: {len(self.warnings)} warning(s), {len(self.notes)} note(s)>\n{self}"


@dataclass(frozen=True)
class MemberRow:
    """One row of a :class:`Summary`'s member table."""

    path: str
    kind: str  # 'member', 'constant' or 'random stream'
    dtype: str
    shape: str
    size: int | None
    nbytes: int | None
    read_by: tuple[str, ...]
    updated_by: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodRow:
    """One row of a :class:`Summary`'s method table."""

    path: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    reads: tuple[str, ...]
    updates: tuple[str, ...]
    draws_from: tuple[str, ...]
    mode: str


@dataclass(frozen=True)
class Summary:
    """Every member and method of a Module or instance, with totals.

    ``str(summary)`` (and ``print``) gives a plain-text table; Jupyter shows
    the HTML of :meth:`_repr_html_`.

    Attributes
    ----------
    title
        What was summarised (``"Module SoftmaxXERegression"`` or
        ``"instance of SoftmaxXERegression"``).
    made
        Whether values come from an instance (True) or only from the
        declared types (False: shapes are the static ones, ``?`` unknown).
    members, methods
        The rows of the two tables.
    findings
        The warnings of :func:`check` for the same object.
    """

    title: str
    made: bool
    members: tuple[MemberRow, ...]
    methods: tuple[MethodRow, ...]
    findings: tuple[Finding, ...] = field(default=())

    # -- totals ------------------------------------------------------------------

    @property
    def n_members(self) -> int:
        """Members and constants (random streams are counted apart)."""
        return sum(1 for row in self.members if row.kind != "random stream")

    @property
    def n_random_streams(self) -> int:
        return sum(1 for row in self.members if row.kind == "random stream")

    @property
    def n_values(self) -> int:
        """Values held by the members whose size is known."""
        return sum(row.size for row in self.members if row.size is not None)

    @property
    def nbytes(self) -> int:
        """Bytes held by the members whose size is known."""
        return sum(row.nbytes for row in self.members if row.nbytes is not None)

    @property
    def n_unknown(self) -> int:
        """Members whose size is not known (unset, or not made yet)."""
        return sum(1 for row in self.members if row.kind != "random stream" and row.size is None)

    def totals(self) -> str:
        """One line: how many members, values, bytes, methods and streams."""
        text = (
            f"{self.n_members} member(s), {self.n_values:,} value(s), {_bytes(self.nbytes)}; "
            f"{len(self.methods)} method(s); {self.n_random_streams} random stream(s)"
        )
        if self.n_unknown:
            text += f"; size unknown for {self.n_unknown} member(s) ({'unset' if self.made else 'not made yet'})"
        return text

    # -- rendering ---------------------------------------------------------------

    def _member_table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["member", "kind", "dtype", "shape", "values", "bytes", "read by", "updated by"]
        rows = [
            [
                row.path + (f" (= {', '.join(row.aliases)})" if row.aliases else ""),
                row.kind,
                row.dtype,
                row.shape,
                "-" if row.size is None else f"{row.size:,}",
                "-" if row.nbytes is None else _bytes(row.nbytes),
                ", ".join(row.read_by) or "-",
                ", ".join(row.updated_by) or "-",
            ]
            for row in self.members
        ]
        return headers, rows

    def _method_table(self) -> tuple[list[str], list[list[str]]]:
        headers = ["method", "inputs", "outputs", "reads", "updates", "draws from", "mode"]
        rows = [
            [
                row.path,
                ", ".join(row.inputs) or "-",
                ", ".join(row.outputs) or "-",
                ", ".join(row.reads) or "-",
                ", ".join(row.updates) or "-",
                ", ".join(row.draws_from) or "-",
                row.mode,
            ]
            for row in self.methods
        ]
        return headers, rows

    def __str__(self) -> str:
        lines = [self.title, ""]
        headers, rows = self._member_table()
        lines += ["Members"] + _text_table(headers, rows) if rows else ["Members: none"]
        lines.append("")
        headers, rows = self._method_table()
        lines += ["Methods"] + _text_table(headers, rows) if rows else ["Methods: none"]
        lines += ["", "Total: " + self.totals()]
        if self.findings:
            lines += ["", "Checks"] + [f"  {f}" for f in self.findings]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        parts = [f"<div class='symmodule-summary'><strong>{html.escape(self.title)}</strong>"]
        for caption, (headers, rows) in (
            ("Members", self._member_table()),
            ("Methods", self._method_table()),
        ):
            parts.append(_html_table(caption, headers, rows))
        parts.append(f"<p><em>Total:</em> {html.escape(self.totals())}</p>")
        if self.findings:
            items = "".join(
                f"<li><strong>{html.escape(f.severity)}</strong> ({html.escape(f.kind)}): "
                f"{html.escape(f.message)}</li>"
                for f in self.findings
            )
            parts.append(f"<p><em>Checks</em></p><ul>{items}</ul>")
        parts.append("</div>")
        return "".join(parts)



def _shape_text(shape: tuple[Any, ...]) -> str:
    parts = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
    return f"{n} B"  # not reached


def _text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    numeric = {"values", "bytes"}

    def line(cells: Iterator[str] | list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if headers[i] in numeric else cell.ljust(widths[i]))
        return ("  " + "  ".join(out)).rstrip()

    return [line(headers), "  " + "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


def _html_table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return f"<p><em>{html.escape(caption)}:</em> none</p>"
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'><code>{html.escape(c)}</code></td>" for c in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table><caption style='text-align:left'><em>{html.escape(caption)}</em></caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )

