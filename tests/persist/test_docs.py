"""docs/saving.md: its code blocks run, in order, in one namespace."""

import re
from pathlib import Path

import pytest

import symmodule
from symmodule import persist
from symmodule.module.instance import ModuleInstance

DOC = Path(__file__).resolve().parents[2] / "docs" / "saving.md"

# What symmodule/__init__.py and ModuleInstance provide; added here only when missing.
INSTANCE_METHODS = {
    "state_dict": lambda self: persist.state_dict(self),
    "load_state_dict": lambda self, state, strict=True: persist.load_state_dict(self, state, strict=strict),
    "save": lambda self, path: persist.save(self, path),
    "load": lambda self, path, strict=True: persist.load(path, into=self, strict=strict),
}


def test_saving_md_code_blocks_run(monkeypatch, capsys):
    for name, method in INSTANCE_METHODS.items():
        if not hasattr(ModuleInstance, name):
            monkeypatch.setattr(ModuleInstance, name, method, raising=False)
    for name in ("save", "load"):
        if not hasattr(symmodule, name):
            monkeypatch.setattr(symmodule, name, getattr(persist, name), raising=False)
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 5
    namespace: dict = {"__name__": "saving_md"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{DOC.name} block {number}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message says which block
            pytest.fail(f"docs/saving.md code block {number} failed: {exc!r}\n{block}")
    out = capsys.readouterr().out
    assert "['w', 'b', 'steps', 'random.rng0']" in out
    assert "['b'] ['bias'] ['w', 'steps']" in out
    assert "the file is truncated" in out
