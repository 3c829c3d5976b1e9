"""How the convolution and pooling Ops reach each backend: the Op base class and its registrations.

Each Op has three implementations: ``perform`` (NumPy; FAST_COMPILE, CVM,
C), Numba code (NUMBA, FAST_RUN) in :mod:`~symmodule.nn.ops.numba_kernels`
and JAX code in :mod:`~symmodule.nn.ops.jax_kernels`. PyTensor finds the
latter two through its backends' dispatch, keyed by the Op's class, so they
are registered before any graph holding the Ops is compiled:

* the Numba code when an Op is created or unpickled (importing Numba, which
  PyTensor requires and its default mode compiles with anyway);
* the JAX code when a JAX linker converts a graph holding the Ops (the
  :data:`~symmodule._pytensor.PREPARE_JAX` hook of symmodule's JAX linkers),
  or when an Op is created after PyTensor's JAX backend was loaded, so
  that plain ``pytensor.function(..., mode="JAX")`` finds it too. Creating
  an Op never imports JAX itself (PyTensor's JAX backend turns on
  ``jax_enable_x64`` when imported).
"""

from __future__ import annotations

import sys
from typing import Any

import pytensor
import pytensor.scalar as ps
from pytensor.graph.op import Op

__all__ = ["KernelOp", "common_float_dtype", "register_numba_kernels", "register_jax_kernels"]

_JAX_BACKEND = "pytensor.link.jax.dispatch"


def register_numba_kernels() -> None:
    """Register the Numba code of every Op of :mod:`symmodule.nn.ops` (once; later calls do nothing)."""
    import symmodule.nn.ops.numba_kernels  # noqa: F401  (registers when first imported)


def register_jax_kernels() -> None:
    """Register the JAX code of every Op of :mod:`symmodule.nn.ops` (imports JAX; once)."""
    import symmodule.nn.ops.jax_kernels  # noqa: F401  (registers when first imported)


class KernelOp(Op):
    """An Op with NumPy, Numba and JAX code: registers the latter with PyTensor's backends."""

    def __init__(self) -> None:
        _register_loaded_backends()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        _register_loaded_backends()

    def prepare_jax_dispatch(self) -> None:
        """Called by symmodule's JAX linkers before they convert a graph holding this Op."""
        register_jax_kernels()


def _register_loaded_backends() -> None:
    register_numba_kernels()
    if _JAX_BACKEND in sys.modules:
        register_jax_kernels()


def common_float_dtype(*tensors: Any) -> str:
    """The dtype the Ops compute in: the inputs' upcast, and at least ``floatX`` when they are integers."""
    dtype = ps.upcast(*(t.dtype for t in tensors))
    if dtype not in ("float32", "float64"):
        dtype = ps.upcast(dtype, pytensor.config.floatX)
    if dtype not in ("float32", "float64"):
        raise TypeError(f"convolution and pooling compute in float32 or float64, not {dtype}")
    return str(dtype)
