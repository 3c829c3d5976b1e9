"""What ``make demo`` runs: the examples of the Module document, step by step.

Run it with ``python -m symmodule.demo``. Each step prints the call made and
the state of the instance after it, so the effect of every method is visible.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.models import SoftmaxXERegression


def _step(label: str, result: Any, inst: Any, *paths: str) -> None:
    state = ", ".join(f"{p} = {float(inst[p]):g}" for p in paths)
    shown = "" if result is None else f" -> {float(result):g}"
    print(f"  {label:<24}{shown:<10} state: {state}")


def basic_example(mode: Any = None) -> None:
    """module.md, "Basic example", with Module: inc, dec and plus10 sharing c."""
    print("Basic example: inc(n) and dec(n) share the state c; plus10() reads it.")
    m = M.Module()
    n = T.scalar("n")
    m.c = T.scalar()
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n})
    m.plus10 = M.Method([], m.c + 10)
    inst = m.make(c=0, mode=mode)
    _step("make(c=0)", None, inst, "c")
    _step("inst.inc(2)", inst.inc(2), inst, "c")
    _step("inst.dec(3)", inst.dec(3), inst, "c")
    _step("inst.plus10()", inst.plus10(), inst, "c")
    print()


def _incdec_module() -> M.Module:
    m = M.Module()
    n = T.scalar("n")
    m.c = T.scalar()
    m.inc = M.Method(n, [], updates={m.c: m.c + n})
    m.dec = M.Method(n, [], updates={m.c: m.c - n})
    return m


def nesting_example(mode: Any = None) -> None:
    """module.md, "Nesting example": two inner inc/dec modules and a sum over both."""
    print("Nesting example: two inner inc/dec modules; sum() reads both states.")
    m = M.Module()
    m.incdec1 = _incdec_module()
    m.incdec2 = _incdec_module()
    m.sum = M.Method([], m.incdec1.c + m.incdec2.c)
    inst = m.make(incdec1=dict(c=0), incdec2=dict(c=0), mode=mode)
    paths = ("incdec1.c", "incdec2.c")
    _step("make(...)", None, inst, *paths)
    _step("inst.incdec1.inc(2)", inst.incdec1.inc(2), inst, *paths)
    _step("inst.incdec1.dec(4)", inst.incdec1.dec(4), inst, *paths)
    _step("inst.incdec2.inc(6)", inst.incdec2.inc(6), inst, *paths)
    _step("inst.sum()", inst.sum(), inst, *paths)
    print()
    print("The instance as str() shows it:")
    print(inst)
    print()


def advanced_example(mode: Any = None, steps: int = 1000) -> None:
    """module.md, "Advanced example": train a regression model, then profile it."""
    print("Advanced example: SoftmaxXERegression trained by gradient descent (module.md).")
    rng = np.random.default_rng(0)
    data_x = rng.standard_normal((4, 10))
    data_y = [[int(x)] for x in rng.standard_normal(4) > 0]
    model = SoftmaxXERegression(regularize=False).make(
        input_size=10, target_size=1, stepsize=0.1, mode=mode
    )
    for i in range(steps):
        xe = model.update(data_x, data_y)
        if i % 100 == 0:
            print(f"  step {i:4d}  cost {float(xe):.6f}")
    print("  final weights:", np.round(model.w.ravel(), 3))
    print("  final biases: ", np.round(model.b, 3))
    print()
    print("The same model under ProfileMode (200 steps), and its summary:")
    profmode = symmodule.ProfileMode(optimizer="fast_run", linker=symmodule.gof.OpWiseCLinker())
    model = SoftmaxXERegression(regularize=False).make(
        input_size=10, target_size=1, stepsize=0.1, mode=profmode
    )
    for _ in range(200):
        model.update(data_x, data_y)
    profmode.print_summary(n_ops_to_print=8, n_apply_to_print=0)
    print()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    mode = argv[0] if argv else "FAST_COMPILE"
    print(f"symmodule demo (mode {mode})\n")
    basic_example(mode)
    nesting_example(mode)
    advanced_example(mode)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
