"""Storing a call's updates all at once (the VM wrappers behind invariant 11).

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from itertools import chain, repeat
from operator import itemgetter, setitem
from typing import Any
from pytensor.link.vm import UpdatingVM
from symmodule._atomic import drain

from symmodule._pytensor.functions import DebugFunctionMaker

__all__ = [
    "store_updates_at_once",
]


def store_updates_at_once(fn: Any) -> None:
    """Make each call of ``fn`` change its inputs' storage all at once or not at all.

    PyTensor writes a call's updates into the updated inputs' storage one
    after the other, in a Python loop: a ``KeyboardInterrupt`` arriving
    between two writes leaves some updated and the others not. Who writes
    them depends on the function's VM, and each case is taken over here so
    that the writes of a call happen in one built-in call, a step no signal
    handler can split (:mod:`symmodule._atomic`; one update is one write):

    * ``Function.__call__`` writes them (``fn._update_input_storage`` lists
      ``(output position, container)`` pairs) when the VM leaves them to it:
      the JIT linkers' single thunk (Numba, JAX), mode 'C' (a ``_CThunk``),
      DebugMode. ``fn.vm`` is replaced by a VM that runs the original, then
      stores the updates and returns every output; the pairs are emptied,
      so ``Function.__call__`` no longer writes and only drops the update
      values from what it returns (``fn._has_updates`` stays true).
    * A Python VM (``pytensor.link.vm.UpdatingVM``: ``Loop``, ``Stack``)
      writes them in its ``perform_updates`` from
      ``inp_storage_and_out_idx``; the method is replaced on the instance.
    * The C VM (``pytensor.link.c.cvm.CVM``) writes them in C, with no
      bytecode in between: nothing to do.

    DebugMode's VM also moves every input's value out of its storage while
    it runs, and puts them back (and empties the storage of intermediate
    results, which its next call checks) only when the call raises an
    ``Exception``: an interrupt would leave the inputs empty and the next call
    failing. Its replacement VM does both on any exception.

    Relies on ``Function.vm``, ``Function._update_input_storage``,
    ``Function.input_storage``, ``Function.output_storage``, DebugMode's
    VM's ``storage_map``,
    ``UpdatingVM.perform_updates``, ``UpdatingVM.inp_storage_and_out_idx``
    and ``UpdatingVM.output_storage`` (storage cells), on ``Function.__call__``
    using the list a VM returns as the outputs, and on DebugMode's makers
    being :data:`DebugFunctionMaker`. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    pairs = fn._update_input_storage
    vm = fn.vm
    debug = isinstance(fn.maker, DebugFunctionMaker)
    if pairs or debug:
        cells = tuple(container.storage for _, container in pairs)
        positions = tuple(position for position, _ in pairs)
        output_cells = tuple(container.storage for container in fn.output_storage)
        fn.vm = _vm_storing_updates(vm, cells, positions, output_cells, _debug_cells(fn) if debug else None)
        fn._update_input_storage = ()
    elif isinstance(vm, UpdatingVM) and vm.inp_storage_and_out_idx:
        cells = tuple(cell for cell, _ in vm.inp_storage_and_out_idx)
        positions = tuple(position for _, position in vm.inp_storage_and_out_idx)
        vm.perform_updates = functools.partial(
            _perform_updates, tuple(vm.output_storage), cells, (0,) * len(cells), _picker(positions)
        )


def _picker(positions: tuple[int, ...]) -> Callable[[list[Any]], tuple[Any, ...]]:
    """``outputs -> tuple of outputs[position]``, in C."""
    if len(positions) == 1:
        (position,) = positions
        return lambda outputs: (outputs[position],)  # itemgetter of one position gives no tuple
    return itemgetter(*positions) if positions else lambda outputs: ()


def _perform_updates(output_cells: tuple, cells: tuple, zeros: tuple, pick: Callable) -> list[Any]:
    # UpdatingVM.perform_updates, with the writes in one step.
    outputs = [cell[0] for cell in output_cells]
    drain(map(setitem, cells, zeros, pick(outputs)))
    return outputs


def _debug_cells(fn: Any) -> tuple[tuple, tuple]:
    # DebugMode's inputs, and the cells of every intermediate result its VM uses.
    inputs = tuple(container.storage for container in fn.input_storage)
    scratch = tuple(cell for variable, cell in fn.vm.storage_map.items() if variable.owner is not None)
    return inputs, scratch


def _vm_storing_updates(
    vm: Any, cells: tuple, positions: tuple, output_cells: tuple, debug: tuple[tuple, tuple] | None
) -> Any:
    if len(cells) == 1:
        ((cell,), (position,)) = cells, positions

        def run() -> list[Any]:
            outputs = vm()
            if outputs is None:  # as Function.__call__ reads them when a VM returns nothing
                outputs = [cell[0] for cell in output_cells]
            cell[0] = outputs[position]  # a single write: there is nothing to split
            return outputs

    else:
        zeros, pick = (0,) * len(cells), _picker(positions)

        def run() -> list[Any]:
            outputs = vm()
            if outputs is None:
                outputs = [cell[0] for cell in output_cells]
            drain(map(setitem, cells, zeros, pick(outputs)))
            return outputs

    def run_restoring_inputs() -> list[Any]:
        # The restoring writes are prepared before the call, so that the handler
        # below makes a single call to a built-in: a second interrupt cannot
        # land between the first one and the writes (symmodule/_atomic.py).
        restore = map(setitem, restored, repeat(0), chain([cell[0] for cell in inputs], repeat(None)))
        try:
            return run()
        except BaseException:
            drain(restore)
            raise

    if debug is None:
        chosen = run
    else:
        inputs, scratch = debug
        restored = inputs + scratch
        chosen = run_restoring_inputs
    if isinstance(vm, types.FunctionType):
        # The JIT linkers' thunk: a plain function whose attributes (jit_fn,
        # allow_gc, storage_map) callers read through fn.vm.
        chosen.__dict__.update(vm.__dict__)
        chosen.__wrapped__ = vm  # type: ignore[attr-defined]
        return chosen
    return _ForwardingVM(vm, chosen)


class _ForwardingVM:
    """A VM object (mode 'C''s ``_CThunk``) run by ``run``, its attributes read from the original."""

    def __init__(self, vm: Any, run: Callable[[], list[Any]]) -> None:
        object.__setattr__(self, "__wrapped__", vm)
        object.__setattr__(self, "_run", run)

    def __call__(self) -> list[Any]:
        return self._run()

    def __getattr__(self, name: str) -> Any:
        # position_of_error is set on the original when a call fails.
        return getattr(self.__wrapped__, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__wrapped__, name, value)
