"""A griffe extension: the reStructuredText in numpydoc docstrings, as Markdown.

symmodule's docstrings are numpydoc, written for Sphinx. mkdocstrings reads
them as Markdown, so once every module of a package is loaded this extension
rewrites, in each docstring:

* Sphinx roles (``:class:`~symmodule.ModuleInstance```, ``:func:`wrap```)
  into *optional* cross-references: a link when the target is documented on
  the site, plain code otherwise (an object of PyTensor, say), so
  ``mkdocs build --strict`` never fails because of one;
* simple tables (rows between ``=====  =====`` rules) into Markdown tables;
* a paragraph ending in ``::`` (a literal block follows) into one ending in ``:``;
* ``>>>`` examples outside an ``Examples`` section (Markdown would read
  them as quotes) into ``pycon`` code blocks;
* the numpydoc type ``tensor-like`` into ``TensorLike`` (so that it is not read
  as the expression ``tensor - like``).

It runs when mkdocstrings loads the package (``extensions:`` in mkdocs.yml)
and changes nothing in the sources.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj|const):`(?P<body>[^`]+)`")
_RULE = re.compile(r"^(?P<indent>\s*)=+(?:\s+=+)+\s*$")
_TENSOR_LIKE = re.compile(r"^(\s*\**\w+\s*:\s*)tensor-like", re.MULTILINE)


def _target(body: str) -> tuple[str, str]:
    """``'~a.b.C'`` -> (``'a.b.C'``, ``'C'``); ``'title <a.b>'`` -> (``'a.b'``, ``'title'``)."""
    explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", body)
    if explicit:
        return explicit["target"].lstrip("~.!"), explicit["title"]
    target = body.lstrip("!")
    if target.startswith("~"):
        target = target[1:].lstrip(".")
        return target, target.rsplit(".", 1)[-1]
    target = target.lstrip(".")
    return target, target


def _qualify(target: str, obj: Any) -> str:
    """A bare name is looked up from the object outwards: its class, then its module."""
    head = target.split(".", 1)[0]
    if head in ("symmodule", "pytensor", "numpy", "np"):
        return target
    scope = obj if (obj.is_class or obj.is_module) else obj.parent
    while scope is not None:
        if head in scope.members:
            return f"{scope.path}.{target}"
        scope = scope.parent
    return target


def convert_roles(text: str, obj: Any) -> str:
    def replace(match: re.Match[str]) -> str:
        target, title = _target(match["body"])
        identifier = html.escape(_qualify(target, obj), quote=True)
        return f'<autoref identifier="{identifier}" optional><code>{html.escape(title)}</code></autoref>'

    return _ROLE.sub(replace, text)


def convert_tables(text: str) -> str:
    """reST simple tables (``===  ===`` rules above, below and under the header) to Markdown."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        rule = _RULE.match(lines[i])
        # A table: rule, header line(s), rule, rows, rule.
        if rule and i + 2 < len(lines):
            ends = [j for j in range(i + 1, len(lines)) if _RULE.match(lines[j]) and lines[j].strip() == lines[i].strip()]
            if len(ends) >= 2:
                spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[i])]
                header, body = lines[i + 1:ends[0]], lines[ends[0] + 1:ends[1]]

                def cells(line: str, spans: list[tuple[int, int]] = spans) -> list[str]:
                    found = []
                    for k, (start, end) in enumerate(spans):
                        stop = spans[k + 1][0] if k + 1 < len(spans) else len(line)
                        found.append(line[start:stop].strip().replace("|", "\\|"))
                    return found

                indent = rule["indent"]
                rows = [cells(line) for line in body if line.strip()]
                head = [" ".join(col) for col in zip(*(cells(line) for line in header))]
                out.append("")
                out.append(indent + "| " + " | ".join(head) + " |")
                out.append(indent + "|" + "|".join(" --- " for _ in head) + "|")
                out.extend(indent + "| " + " | ".join(row) + " |" for row in rows)
                out.append("")
                i = ends[1] + 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def convert_literal_markers(text: str) -> str:
    # "specs::" followed by an indented block: Markdown shows the block as code already.
    return re.sub(r"(\S)::[ \t]*$", r"\1:", text, flags=re.MULTILINE)


def fence_doctests(text: str) -> str:
    """Put ``>>>`` runs in code blocks, except in the Examples section (mkdocstrings reads those)."""
    lines = text.splitlines()
    out: list[str] = []
    in_examples = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            in_examples = line.strip() == "Examples"
        if not in_examples and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            run = []
            while i < len(lines) and lines[i].strip():
                run.append(lines[i])
                i += 1
            out += [indent + "```pycon", *run, indent + "```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def convert(text: str, obj: Any) -> str:
    text = fence_doctests(text)
    text = convert_tables(text)
    text = convert_literal_markers(text)
    text = _TENSOR_LIKE.sub(r"\1TensorLike", text)
    return convert_roles(text, obj)


class SphinxRoles(griffe.Extension):
    """Rewrite the docstrings of a package once all of it is loaded."""

    def __init__(self) -> None:
        super().__init__()
        self._done: set[str] = set()

    def on_package(self, *, pkg: Any, **kwargs: Any) -> None:  # griffe 2
        self._walk(pkg, self._done)

    def on_package_loaded(self, *, pkg: Any, **kwargs: Any) -> None:  # griffe 1
        self._walk(pkg, self._done)

    def _walk(self, obj: Any, seen: set[str]) -> None:
        if obj.is_alias or obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value, obj)
        for member in list(obj.members.values()):
            self._walk(member, seen)
