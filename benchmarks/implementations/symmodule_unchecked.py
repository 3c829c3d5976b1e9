"""symmodule's fast path for hot loops: the same Modules, called through ``inst.method.unchecked``.

Only the per-call workloads (W1, W4) run it: on the MLP steps the call
overhead is lost in the compute.
"""

from __future__ import annotations

from functools import partial

from benchmarks.implementations import symmodule_module
from benchmarks.implementations.symmodule_module import MODES, to_numpy, wait

__all__ = ["MODES", "NAME", "REQUIRES", "counter", "regression", "to_numpy", "wait"]

NAME = "symmodule.unchecked"
REQUIRES = ("symmodule",)

regression = partial(symmodule_module.regression, unchecked=True)
counter = partial(symmodule_module.counter, unchecked=True)
