"""What ``make demo`` runs: a short tour of the Module system.

Run it with ``python -m symmodule.demo [MODE]`` (default 'FAST_COMPILE', the
quickest to compile). Each part declares a Module, makes an instance and
prints what each call returned and the state it left behind:

1. declare and make: Members are state, Methods read and update it;
2. nest: an outer Method reads the state of two inner Modules;
3. learn: a line fitted by gradient descent, its parameters as Members;
4. inspect: what each Method reads and updates, from the graph alone;
5. save and load: an instance's state in a file, and back into another.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import symmodule
from symmodule import tensor as T


def _step(label: str, result: Any, inst: Any, *paths: str) -> None:
    state = ", ".join(f"{p} = {float(inst[p]):g}" for p in paths)
    shown = "" if result is None else f"-> {float(result):g}"
    print(f"    {label:<22}{shown:<8}  {state}")


def _counter() -> symmodule.Module:
    m = symmodule.Module()
    n = T.dscalar("n")
    m.c = T.dscalar()  # a Member: each instance stores its own c
    m.inc = symmodule.Method(n, [], updates={m.c: m.c + n})
    m.dec = symmodule.Method(n, [], updates={m.c: m.c - n})
    return m


def declare_and_make(mode: Any = None) -> None:
    """A counter: the Member ``c``, Methods that update it and one that reads it."""
    print("1. Declare and make. A Module whose attribute c is a Member (state):")
    print("       m.c = T.dscalar()")
    print("       m.inc = Method(n, [], updates={m.c: m.c + n})    # and dec: m.c - n")
    print("       m.plus10 = Method([], m.c + 10)")
    print("   m.make(c=0) compiles the Methods into an instance that holds its own c:")
    m = _counter()
    m.plus10 = symmodule.Method([], m.c + 10)
    inst = m.make(c=0, mode=mode)
    _step("inst.inc(2)", inst.inc(2), inst, "c")
    _step("inst.dec(3)", inst.dec(3), inst, "c")
    _step("inst.plus10()", inst.plus10(), inst, "c")
    inst.c = 10  # members read and write like attributes
    _step("inst.c = 10", None, inst, "c")
    other = m.make(c=100, mode=mode)
    print(f"    another make(c=100) is independent: other.c = {float(other.c):g}, inst.c = {float(inst.c):g}")
    print()


def nest(mode: Any = None) -> None:
    """Two counters inside one Module; the outer ``total()`` reads both."""
    print("2. Nest. Two counters inside one Module; its total() reads both states.")
    m = symmodule.Module()
    m.left, m.right = _counter(), _counter()
    m.total = symmodule.Method([], m.left.c + m.right.c)
    inst = m.make(left={"c": 0}, right={"c": 0}, mode=mode)
    paths = ("left.c", "right.c")
    _step("inst.left.inc(2)", inst.left.inc(2), inst, *paths)
    _step("inst.right.inc(6)", inst.right.inc(6), inst, *paths)
    _step("inst.total()", inst.total(), inst, *paths)
    print()


def line_module() -> symmodule.Module:
    """y = a * x + b; ``fit(x, y)`` takes one gradient step on ``a`` and ``b``."""
    line = symmodule.Module()
    x, y = T.dvector("x"), T.dvector("y")
    line.a, line.b = T.dscalar(), T.dscalar()
    line.lr = T.dscalar()  # the learning rate is state too: settable per instance
    cost = T.mean((line.a * x + line.b - y) ** 2)
    grad_a, grad_b = T.grad(cost, [line.a, line.b])
    line.fit = symmodule.Method(
        [x, y], cost, updates={line.a: line.a - line.lr * grad_a, line.b: line.b - line.lr * grad_b}
    )
    line.predict = symmodule.Method(x, line.a * x + line.b)
    return line


def learn(mode: Any = None, steps: int = 300) -> Any:
    """Fit the line to ``y = 3x + 0.5``; return the trained instance."""
    print("3. Learn. A line y = a*x + b; fit(x, y) returns the squared error and")
    print("   updates a and b by one gradient step. The data: y = 3x + 0.5.")
    inst = line_module().make(a=0.0, b=0.0, lr=0.1, mode=mode)
    xs = np.linspace(-1.0, 1.0, 50)
    ys = 3.0 * xs + 0.5
    for i in range(1, steps + 1):
        cost = inst.fit(xs, ys)
        if i in (1, 10, 100) or i == steps:
            print(f"    fit #{i:<4d} cost {float(cost):<9.3g}   a = {float(inst.a):.3f}, b = {float(inst.b):.3f}")
    print()
    return inst


def inspect(line: symmodule.Module) -> None:
    """What each Method of the line reads and updates, and what ``check`` finds."""
    print("4. Inspect. What each Method reads and updates, read from its graph:")
    for name in ("fit", "predict"):
        e = line.effects(name)
        print(f"    {name:<8} reads {', '.join(e.reads)}; updates {', '.join(e.updates) or 'nothing'}")
    print(f"    symmodule.check(line): {symmodule.check(line)}")
    print("    (symmodule.summary(inst) tables every member and method, with shapes and bytes)")
    print()


def save_and_load(inst: Any, mode: Any = None) -> None:
    """Save the trained line's state and load it into a fresh instance."""
    print("5. Save and load. The state, as a file of arrays:")
    state = symmodule.state_dict(inst)
    print(f"    symmodule.state_dict(inst) = {{{', '.join(f'{k!r}: {float(v):.3f}' for k, v in state.items())}}}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "line.safetensors"
        symmodule.save(inst, path)
        fresh = line_module().make(mode=mode)
        symmodule.load(path, into=fresh)
    print(f"    symmodule.load(path, into=fresh): fresh.a = {float(fresh.a):.3f}, fresh.b = {float(fresh.b):.3f}")
    print(f"    fresh.predict([0, 1]) -> {np.round(fresh.predict(np.array([0.0, 1.0])), 3)}")
    print()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    mode = argv[0] if argv else "FAST_COMPILE"
    print(f"symmodule {symmodule.__version__}: Modules, symbolic classes with shared state (mode {mode}).")
    print("The code of each part is in symmodule/demo.py.\n")
    declare_and_make(mode)
    nest(mode)
    trained = learn(mode)
    inspect(line_module())
    save_and_load(trained, mode)
    print("Next: the documentation (make docs, then open site/index.html; sources in docs/),")
    print("and examples/digits.py, a network trained on handwritten digits.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
