"""Where a Member's value lives: one storage cell per Member per instance, and its placement.

Every method of an instance reads and writes a Member through the same
:class:`MemberStorage` (a PyTensor ``Container``). What the cell holds
depends on the backend the instance's methods were compiled for:

* NumPy arrays for every backend but JAX, which is what PyTensor's
  Python, C and Numba code read;
* in JAX mode, ``jax.Array`` values already on JAX's device: the compiled
  function takes them without a copy and its updates come back as jax
  arrays, so the state never crosses to NumPy between calls. Values written
  by the user (at ``make()``, by ``inst.x = ...``, by loading a state dict)
  are converted once, when written.

Buffers are not donated to the compiled function: donation would delete
every jax array a user still holds (``before = inst.w``), and a call that
fails could no longer leave the old state in place. The mode
'JAX_DONATING' (:class:`symmodule.modes.JAXDonatingMode`) donates them on
request, with those costs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from pytensor.link.basic import Container

from symmodule._pytensor import jax_generator, linker_kind

__all__ = ["MemberStorage", "keep", "placement", "to_host", "to_jax_device"]

Place = Callable[[Any], Any]


def keep(value: Any) -> Any:
    """Store values as they are (NumPy arrays)."""
    return value


def to_jax_device(value: Any) -> Any:
    """A numeric NumPy array as a jax array on JAX's default device, a numpy Generator in
    PyTensor's JAX form; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        import jax

        return jax.device_put(value)
    if isinstance(value, np.random.Generator):
        return jax_generator(value)
    return value


def to_host(value: Any) -> Any:
    """``value`` in a form this process can read whole: a jax array split over several processes is gathered.

    Only an instance on a mesh spanning several processes
    (``jax.distributed``) holds such arrays. Gathering them is a collective:
    every process must read the state at the same point of the program, as
    each runs the same script. Anything else is returned as it is.
    """
    jax = sys.modules.get("jax")  # never imported here: a value can only be a jax array once jax is
    if jax is None or not isinstance(value, jax.Array) or value.is_fully_addressable or value.is_fully_replicated:
        return value
    from jax.experimental import multihost_utils

    return multihost_utils.process_allgather(value, tiled=True)


def placement(makers: Iterable[Any]) -> Place:
    """How an instance keeps its Members, given the makers of its compiled methods.

    Values go to the JAX device only when every method runs in JAX mode: a
    method compiled for another backend could not read a jax array.
    """
    linkers = [maker.mode.linker for maker in makers]
    if linkers and all(linker_kind(linker) == "jax" for linker in linkers):
        return to_jax_device
    return keep


class MemberStorage(Container):
    """One Member's storage cell in an instance, with the instance's placement of values."""

    def __init__(self, type_: Any, value: Any, *, place: Place, readonly: bool, name: str) -> None:
        super().__init__(type_, [None], readonly=readonly, name=name)
        self._sm_place = place
        self.store(value)

    @property
    def place(self) -> Place:
        """How values are placed when written: :func:`keep` or :func:`to_jax_device`."""
        return self._sm_place

    def prepare(self, value: Any) -> Any:
        """An already converted value as this cell stores it (placed on the device in JAX mode)."""
        if value is not None and not self.readonly:
            return self._sm_place(value)
        return value

    def store(self, value: Any) -> None:
        """Keep an already converted value (None clears the Member; constants stay as given)."""
        self.storage[0] = self.prepare(value)
