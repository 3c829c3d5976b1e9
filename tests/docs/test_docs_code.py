"""Every code block of the documentation runs, so the docs cannot rot.

For each page of ``docs/`` (and for ``README.md``), the ```` ```python ````
blocks run in order in one namespace per page, as a reader would paste them
one after the other. A failure is reported at the block's line in the
Markdown file.

The only way out is an explicit marker on the line before the fence, for
code that needs a package symmodule does not install (PyTorch, Flax)::

    <!-- docs-test: requires torch -->

Such a block runs in a namespace of its own when the package is importable
and is skipped otherwise; it is always compiled, so its syntax is checked.
Blocks in other languages (``sh``, ``text``) are not Python and are not run,
but every fenced block must say its language.

A ```` ```text ```` block that follows a Python block with nothing but blank
lines between them is that block's output: what the Python block prints
must be exactly that text (trailing spaces aside).

A line ``--8<-- "path:section"`` inside a Python block includes that section
of a file, as ``pymdownx.snippets`` does when the site is built: the test
runs the very code the page shows.
"""

from __future__ import annotations

import ast
import contextlib
import io
import pathlib
import re
from dataclasses import dataclass

import extras
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<what>.*?)\s*-->\s*$")
SNIPPET = re.compile(r'^\s*--8<--\s+"(?P<path>[^"]+?)(?::(?P<section>[\w-]+))?"\s*$')
PYTHON = {"python", "py", "python3"}


@dataclass
class Block:
    page: pathlib.Path
    line: int  # 1-based line of the first line of code
    language: str
    code: str
    requires: tuple[str, ...] = ()
    end: int = 0  # 1-based line of the closing fence
    expected_output: str | None = None  # the text block right after it, if any

    @property
    def label(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks_of(page: pathlib.Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match["fence"], match["indent"]
        language = match["info"].strip().split(" ", 1)[0].split("{", 1)[0].lower() if match["info"].strip() else ""
        marker = MARKER.match(lines[i - 1]) if i > 0 else None
        requires: tuple[str, ...] = ()
        if marker:
            words = marker["what"].split()
            if words[:1] != ["requires"] or len(words) < 2:
                raise AssertionError(
                    f"{page.name}:{i}: unknown docs-test marker {marker['what']!r}; "
                    "the only one is 'requires PACKAGE ...'"
                )
            requires = tuple(words[1:])
        end = i + 1
        while end < len(lines) and not (
            lines[end].strip().startswith(fence) and lines[end].strip().strip(fence[0]) == ""
        ):
            end += 1
        body = [line.removeprefix(indent) for line in lines[i + 1:end]]
        block = Block(page, i + 2, language, "\n".join(body) + "\n", requires, end + 1)
        previous = found[-1] if found else None
        if (
            language == "text"
            and previous is not None
            and previous.language in PYTHON
            and all(not line.strip() for line in lines[previous.end:i])
        ):
            previous.expected_output = block.code
        found.append(block)
        i = end + 1
    return found


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def expand_snippets(block: Block) -> str:
    """Replace ``--8<-- "file:section"`` lines by that section of the file."""
    out = []
    for line in block.code.splitlines():
        match = SNIPPET.match(line)
        if not match:
            out.append(line)
            continue
        source = (ROOT / match["path"]).read_text(encoding="utf-8").splitlines()
        if match["section"]:
            start = f"--8<-- [start:{match['section']}]"
            stop = f"--8<-- [end:{match['section']}]"
            inside = [k for k, text in enumerate(source) if start in text or stop in text]
            assert len(inside) == 2, f"{block.label}: section {match['section']!r} not found in {match['path']}"
            source = source[inside[0] + 1:inside[1]]
        out.extend(text for text in source if "--8<-- [" not in text)
    return "\n".join(out) + "\n"


def compile_block(block: Block) -> object:
    code = expand_snippets(block)
    if code.count("\n") != block.code.count("\n"):
        # Included code has no lines of its own in the page: report it at the block.
        return compile(code, f"{block.label} (with included snippets)", "exec")
    # Pad so that tracebacks give the line numbers of the Markdown file.
    return compile("\n" * (block.line - 1) + code, str(block.page), "exec")


ALL_BLOCKS = [block for page in PAGES if page.exists() for block in blocks_of(page)]


def _page_id(page: pathlib.Path) -> str:
    return str(page.relative_to(ROOT))


def _runnable(page: pathlib.Path) -> list[Block]:
    return [b for b in blocks_of(page) if b.language in PYTHON and not b.requires]


# Pages with no Python at all (the API reference, whose examples are the
# docstrings' and run in test_api_examples.py) have nothing to run here.
PAGES_WITH_CODE = [p for p in PAGES if p.exists() and _runnable(p)]


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=_page_id)
def test_python_blocks_of_the_page_run_in_order(page, tmp_path, monkeypatch):
    blocks = _runnable(page)
    monkeypatch.chdir(tmp_path)  # files a page writes land in a temporary directory
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for block in blocks:
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile_block(block), namespace)
        except Exception as exc:
            raise AssertionError(f"the code block at {block.label} failed: {type(exc).__name__}: {exc}") from exc
        if block.expected_output is not None:
            assert _normalise(printed.getvalue()) == _normalise(block.expected_output), (
                f"the code block at {block.label} printed\n{printed.getvalue()}\n"
                f"but the page shows\n{block.expected_output}"
            )


OPTIONAL = [b for b in ALL_BLOCKS if b.language in PYTHON and b.requires]


@pytest.mark.parametrize("block", OPTIONAL, ids=[b.label for b in OPTIONAL])
def test_blocks_that_need_another_framework_run_where_it_is_installed(block, tmp_path, monkeypatch):
    code = compile_block(block)  # the syntax is checked everywhere
    reasons = [reason for reason in map(extras.missing, block.requires) if reason is not None]
    if reasons:
        pytest.skip(f"{block.label} {'; '.join(reasons)}")
    monkeypatch.chdir(tmp_path)
    exec(code, {"__name__": "docs_optional_block"})


def test_every_fenced_block_names_its_language():
    unnamed = [b.label for b in ALL_BLOCKS if not b.language]
    assert not unnamed, f"code blocks without a language (write ```python, ```sh, ```text): {unnamed}"


def test_python_blocks_are_python():
    # A block whose language says Python must parse, even the optional ones.
    for block in ALL_BLOCKS:
        if block.language in PYTHON:
            ast.parse(expand_snippets(block), filename=block.label)


def test_the_collector_finds_the_blocks_of_the_pages():
    assert any(b.page.name == "README.md" and b.language in PYTHON for b in ALL_BLOCKS)
    for name in ("index.md", "getting-started.md", "tutorial.md", "coming-from-theano.md",
                 "coming-from-pytorch-flax.md", "introspection.md", "example-digits.md"):
        assert any(b.page.name == name and b.language in PYTHON and not b.requires for b in ALL_BLOCKS), name
