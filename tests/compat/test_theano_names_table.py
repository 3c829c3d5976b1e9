"""The table of docs/coming-from-theano.md is the one the names table gives (scripts/theano-names-table)."""

import pathlib

from symmodule.compat.table import BEGIN, END, counts, markdown

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "coming-from-theano.md"


def test_the_docs_table_is_written_from_the_names_table():
    text = PAGE.read_text(encoding="utf-8")
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == markdown(), "run scripts/theano-names-table"


def test_the_docs_table_lists_every_name_once():
    assert sum(p + r for p, r in counts().values()) == markdown().count("\n    | `")
