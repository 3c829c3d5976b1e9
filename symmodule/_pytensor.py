"""Every PyTensor internal symmodule relies on, in one place.

symmodule builds on PyTensor's public API (``pytensor.function``, ``Mode``,
``In``/``Out``, ``Container``, ``Op``, graph traversal, ``config``) and, in a
few places, on what PyTensor does not promise to keep: private attributes,
module-level helpers, the layout of its rewrite database, what its linkers
and tracebacks hold. Each such touch point is one name below; the rest of
symmodule reaches them only through this module, and
``tests/test__pytensor.py`` checks each one directly (one test per name), so
a PyTensor release that changes one of them fails that test by name.

Every docstring says which internal the name relies on. All were checked
against PyTensor 3.0.7 and 3.3.8 (symmodule supports 3.0.7 to 3.3.x).
"""

from __future__ import annotations

import copy
import copyreg
import functools
import threading
import types
import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from itertools import chain, repeat
from operator import itemgetter, setitem
from typing import Any, NamedTuple

import numpy as np
from pytensor import config
from pytensor.compile.builders import SymbolicOp
from pytensor.compile.debug.debugmode import _Maker
from pytensor.compile.debug.profiling import ProfileStats
from pytensor.compile.executor import _pickle_Function
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.rebuild import construct_function_ins_and_outs
from pytensor.graph.basic import Apply, Variable
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.op import HasInnerGraph
from pytensor.graph.traversal import applys_between
from pytensor.link.basic import Container, JITLinker, Linker
from pytensor.link.jax.linker import JAXLinker
from pytensor.link.numba.linker import NumbaLinker
from pytensor.link.utils import raise_with_op
from pytensor.link.vm import UpdatingVM, VMLinker
from pytensor.scan.basic import get_updates_and_outputs
from pytensor.tensor.blockwise import Blockwise
from pytensor.tensor.subtensor import AdvancedIncSubtensor, AdvancedSubtensor, BaseSubtensor
from pytensor.tensor.type import TensorType

from symmodule._atomic import drain
from symmodule.errors import INDEX_OUT_OF_BOUNDS

try:  # PyTensor 3.3 moved it here (pytensor.tensor.rewriting.ofg still imports it)
    from pytensor.compile.rewriting import inline_ofg_node
except ImportError:  # PyTensor 3.0 to 3.2
    from pytensor.tensor.rewriting.ofg import inline_ofg_node

try:  # PyTensor 3.0 to 3.2: integer-vector indexing of the first axis has Ops of its own
    from pytensor.tensor.subtensor import AdvancedIncSubtensor1, AdvancedSubtensor1
except ImportError:  # PyTensor 3.3 folded them into AdvancedSubtensor and AdvancedIncSubtensor
    _FIRST_AXIS_INDEX_OPS: tuple[type, ...] = ()
    _FIRST_AXIS_INC_OPS: tuple[type, ...] = ()
else:
    _FIRST_AXIS_INDEX_OPS = (AdvancedSubtensor1, AdvancedIncSubtensor1)
    _FIRST_AXIS_INC_OPS = (AdvancedIncSubtensor1,)

__all__ = [
    "AFTER_STABILIZE",
    "BEFORE_BLAS",
    "BEFORE_ELEMWISE_FUSION",
    "MERGED_PROFILE_TABLES",
    "NUMBA_UNCHECKED_INDEX_OPS",
    "SUMMED_PROFILE_FIELDS",
    "DebugFunctionMaker",
    "FailedNode",
    "IndexCheckedJAXLinker",
    "ShardedJAXLinker",
    "SymbolicOp",
    "add_input_key",
    "advanced_index_axes",
    "call_inputs",
    "compile_jit_once",
    "empty_storage",
    "failing_node",
    "find_input",
    "function_inputs_outputs",
    "has_input",
    "infer_shape_method",
    "inline_graph_op",
    "is_jit_linker",
    "is_missing_blas_warning",
    "linker_kind",
    "load_jax_backend",
    "node_being_compiled",
    "numba_dispatcher",
    "numba_njit",
    "numba_signature",
    "numpy_generator",
    "jax_generator",
    "read_blas_flags",
    "relinked",
    "register_function_pickling",
    "register_numba_funcify",
    "release_failure",
    "schedule_updates_last",
    "scan_step_parts",
    "set_return_none",
    "store_updates_at_once",
    "sum_profile_stats",
    "updated_inputs",
    "updates_last_order",
]


# -- building a function ----------------------------------------------------------------


def function_inputs_outputs(
    inputs: Sequence[Any],
    outputs: Any,
    *,
    updates: Any = None,
    givens: Any = None,
    allow_input_downcast: bool | None = None,
) -> tuple[list[Any], Any]:
    """The ``(input specs, outputs)`` a ``FunctionMaker`` takes, as ``pytensor.function`` builds them.

    Relies on ``pytensor.compile.rebuild.construct_function_ins_and_outs``
    (an undocumented helper of ``pytensor.function``): it clones the graph,
    applies ``givens``, turns every input into an ``In``, appends one ``In``
    per shared variable the graph reads *after* the given inputs (in that
    order), and returns ``[]`` for ``outputs=None``. Checked with PyTensor
    3.0.7 and 3.3.8.
    """
    return construct_function_ins_and_outs(
        list(inputs),
        outputs,
        updates=updates,
        givens=givens,
        allow_input_downcast=allow_input_downcast,
    )


def set_return_none(maker: FunctionMaker, return_none: bool) -> None:
    """Make the functions ``maker`` creates return None rather than a list of outputs.

    Relies on the ``return_none`` attribute of ``FunctionMaker``, which
    ``maker.create`` hands to each ``Function`` it makes (PyTensor sets it
    only when the maker itself was given ``outputs=None``). Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    maker.return_none = return_none


def register_function_pickling(function_class: type) -> None:
    """Pickle instances of a ``Function`` subclass as PyTensor pickles its own functions.

    Relies on ``pytensor.compile.executor._pickle_Function``, the reducer
    PyTensor registers with ``copyreg`` for its ``Function`` class only: it
    pickles the maker and the input storage, and unpickling calls
    ``maker.create`` again (so the subclass, the maker's ``function_class``,
    comes back). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    copyreg.pickle(function_class, _pickle_Function)


def scan_step_parts(result: Any) -> tuple[Variable | None, list[Variable], dict[Variable, Variable]]:
    """``(stopping condition or None, outputs, updates)`` of what a scan step returned.

    The step may return outputs, updates, an ``until`` condition, or a tuple
    of them, in the forms ``pytensor.scan`` accepts. Relies on
    ``pytensor.scan.basic.get_updates_and_outputs``, the parser scan itself
    uses. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return get_updates_and_outputs(result)


# -- storing a call's updates -----------------------------------------------------------------


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


# The writes below are one built-in call (symmodule/_atomic.py explains why that is one
# step for signals); they are spelled out rather than calling store_all, to save a Python
# call on every call of a compiled function.


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


# -- a function's inputs, by variable, name or position ------------------------------------


def find_input(fn: Any, key: Any) -> Any:
    """The entry of ``fn``'s input table for ``key`` (a variable, a name or a position).

    A Container; for a name that several inputs carry, PyTensor's marker for
    an ambiguous name (not a Container). Raises ``KeyError`` (or
    ``TypeError`` for an unhashable key) when ``key`` is not there.

    Relies on ``Function._finder``, the private dict from which PyTensor's
    ``Function.__call__`` resolves keyword arguments. Checked with PyTensor
    3.0.7 and 3.3.8.
    """
    return fn._finder[key]


def has_input(fn: Any, key: Any) -> bool:
    """Whether ``key`` is in ``fn``'s input table (see :func:`find_input`)."""
    return key in fn._finder


def add_input_key(fn: Any, key: Any, container: Container) -> None:
    """Make ``fn`` find ``container`` under ``key`` too (see :func:`find_input`).

    Relies on ``Function._finder`` being a plain dict that PyTensor does not
    rebuild after ``Function.__init__``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    fn._finder[key] = container


# -- makers and modes -------------------------------------------------------------------------

#: DebugMode's FunctionMaker, to subclass (``DebugMode.function_maker`` returns it).
#: Relies on ``pytensor.compile.debug.debugmode._Maker``, a private class whose
#: ``__init__`` takes ``(inputs, outputs, mode, ...)`` as ``FunctionMaker``'s
#: does. Checked with PyTensor 3.0.7 and 3.3.8.
DebugFunctionMaker = _Maker


def node_being_compiled(exc: BaseException, nodes: Collection[Apply]) -> Apply | None:
    """The node of ``nodes`` whose C code generation raised ``exc``, if the traceback shows it.

    PyTensor's message is often empty (a bare NotImplementedError from an
    Elemwise whose scalar Op has no C code). Relies on PyTensor's C code
    generator (``CLinker``) and the Ops' ``c_code`` methods holding the node
    in a local variable named ``node``: the deepest frame holding one of the
    graph's nodes names the culprit. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    found = None
    tb = exc.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("node")
        if isinstance(candidate, Apply) and candidate in nodes:
            found = candidate
        tb = tb.tb_next
    return found


# -- failing calls ----------------------------------------------------------------------------


class FailedNode(NamedTuple):
    """Where a PyTensor function failed: the graph, the node, and the values the node was given."""

    fgraph: FunctionGraph
    node: Apply
    #: One value per input of ``node``, or None when the VM keeps no storage for them.
    inputs: list[Any] | None


_RAISE_WITH_OP = raise_with_op.__code__


def failing_node(exc: BaseException) -> FailedNode | None:
    """The node a PyTensor function was running when it raised ``exc``, and its input values.

    PyTensor's VMs report the node that failed by calling
    ``pytensor.link.utils.raise_with_op(fgraph, node, thunk, exc_info,
    storage_map)``, which records it on the exception only when
    ``config.exception_verbosity`` is not 'low' (the default) but always
    re-raises from its own frame. Relies on that frame being in ``exc``'s
    traceback with its locals ``fgraph``, ``node``, ``thunk`` and
    ``storage_map``: the node's input values are read from ``storage_map``
    (the C VM passes it) or from ``thunk.inputs`` (a Python thunk's storage
    cells, one per input of the node). The outermost such frame is the
    function that was called; an inner function (Scan's) reports below it.
    The JIT linkers (Numba, JAX) pass their first output's node whatever
    failed: their node is not the failing one. Checked with PyTensor 3.0.7
    and 3.3.8.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _RAISE_WITH_OP:
            found = tb.tb_frame.f_locals
            node, storage_map = found["node"], found["storage_map"]
            # Only some thunks carry their input cells (Python and C thunks do, the JIT thunk
            # has one cell per graph input rather than per node input).
            cells = getattr(found["thunk"], "inputs", None)
            if storage_map is not None:
                values = [storage_map[variable][0] if variable in storage_map else None for variable in node.inputs]
            elif cells is not None and len(cells) == len(node.inputs):
                values = [cell[0] for cell in cells]
            else:
                values = None
            return FailedNode(found["fgraph"], node, values)
        tb = tb.tb_next
    return None


def release_failure(exc: BaseException) -> None:
    """Break the reference cycle ``raise_with_op`` leaves in ``exc``'s traceback.

    ``pytensor.link.utils.raise_with_op`` (see :func:`failing_node`) holds
    the exception it re-raises in its locals (``exc_info``, ``exc_value``):
    its frame, kept by the traceback, refers back to the exception, so a
    failed call's exception, traceback and frames (and every array those
    frames hold) wait for the cyclic garbage collector instead of being
    freed when the last reference goes. This clears the locals of that
    frame, which has finished running; the traceback itself (files, lines)
    is unchanged. Relies on that frame being in ``exc``'s traceback.
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is _RAISE_WITH_OP:
            tb.tb_frame.clear()
            # Python 3.11 and 3.12 keep a snapshot dict of the locals once f_locals was
            # read (failing_node reads it); reading it again after clear() empties it.
            tb.tb_frame.f_locals  # noqa: B018
        tb = tb.tb_next


def empty_storage(fn: Any) -> None:
    """Empty every storage cell of ``fn`` but its constants': inputs, intermediate results, outputs.

    After a call that raised, PyTensor's VM keeps the values it computed
    before the failure, and the input storage keeps the arguments, until the
    next call. ``Function.free()`` would empty them, but it also compiles
    the inner function of every ``OpFromGraph`` node (to free it too),
    which fails for inner graphs with in-place operations. Relies on
    ``fn.vm.storage_map`` (every variable of the graph -> its storage cell,
    constants included) of PyTensor's VMs. Checked with PyTensor 3.0.7 and
    3.3.8.
    """
    for container in fn.input_storage:
        container.storage[0] = None
    for variable, cell in fn.vm.storage_map.items():
        if variable.owner is not None:
            cell[0] = None


def call_inputs(fn: Any) -> list[Any]:
    """The values the last call of ``fn`` ran with, one per input, when that call raised.

    Relies on ``Function.__call__`` writing the arguments into
    ``fn.input_storage`` before it runs the VM and emptying that storage
    only after a call that succeeds. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return [container.storage[0] for container in fn.input_storage]


#: Totals of ``ProfileStats`` that add up over functions. Relies on the
#: attribute names of ``pytensor.compile.debug.profiling.ProfileStats``:
#: these are every int or float field it declares but ``nb_nodes``. Checked
#: with PyTensor 3.0.7 and 3.3.8.
SUMMED_PROFILE_FIELDS = (
    "compile_time",
    "fct_call_time",
    "fct_callcount",
    "vm_call_time",
    "rewriting_time",
    "validate_time",
    "linker_time",
    "preload_cache_time",
    "import_time",
    "linker_node_make_thunks",
)
#: Per-node tables of ``ProfileStats`` (dicts keyed by node, so the nodes of
#: distinct functions never collide), which its ``summary_*`` tables read.
MERGED_PROFILE_TABLES = ("apply_time", "apply_callcount", "apply_cimpl", "linker_make_thunk_time")


def sum_profile_stats(stats: Iterable[ProfileStats], message: str) -> ProfileStats:
    """One ``ProfileStats`` adding up ``stats``, for PyTensor's summary tables.

    Relies on the fields in :data:`SUMMED_PROFILE_FIELDS` and
    :data:`MERGED_PROFILE_TABLES`, and on ``nb_nodes`` (-1 when unknown).
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    total = ProfileStats(atexit_print=False, flag_time_thunks=True, message=message)
    total.nb_nodes = 0
    for one in stats:
        for attr in SUMMED_PROFILE_FIELDS:
            setattr(total, attr, getattr(total, attr) + getattr(one, attr))
        total.nb_nodes += max(one.nb_nodes, 0)
        for attr in MERGED_PROFILE_TABLES:
            # copy() keeps the table's type (defaultdict, Counter) and never
            # writes into a dict ProfileStats shares at class level.
            merged = getattr(total, attr).copy()
            merged.update(getattr(one, attr))
            setattr(total, attr, merged)
    return total


# -- BLAS -------------------------------------------------------------------------------------


def read_blas_flags() -> tuple[str, list[warnings.WarningMessage]]:
    """``config.blas__ldflags``, and the warnings reading it raised (recorded, not shown).

    Relies on PyTensor looking for a BLAS library the first time the flag is
    read, warning then when it finds none, and keeping the value for later
    reads (which warn no more). ``catch_warnings`` is process-wide: a warning
    another thread raises meanwhile is recorded too. Checked with PyTensor
    3.0.7 and 3.3.8.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flags = config.blas__ldflags
    return flags, caught


def is_missing_blas_warning(warning: warnings.WarningMessage) -> bool:
    """Whether ``warning`` is PyTensor's warning that it found no BLAS library to link.

    Relies on the text it starts with. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return str(warning.message).startswith("PyTensor could not link to a BLAS")


# -- configuration ----------------------------------------------------------------------------


def config_flag_is_read(name: str) -> bool:
    """Whether ``config.<name>`` has a value yet, found without reading it.

    Relies on ``config._config_var_dict`` holding each flag's ``ConfigParam``,
    which keeps the value in its ``val`` attribute once the flag is read or
    set (its first read computes a lazy default, such as ``blas__ldflags``'s
    search for BLAS). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return "val" in vars(config._config_var_dict[name])


# -- linkers ----------------------------------------------------------------------------------


def linker_kind(linker: Linker) -> str:
    """Which backend a linker runs: 'numba', 'jax', 'cvm', 'python' or 'other'.

    'cvm' is the VM's C loop over C thunks, 'python' the VM running Python
    code only; any other VM set-up (such as the Python loop over C thunks)
    is 'other'. Relies on the classes ``NumbaLinker`` and ``JAXLinker``
    (modules of ``pytensor.link``) and on the ``use_cloop`` and ``c_thunks``
    attributes of ``VMLinker``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    if isinstance(linker, NumbaLinker):
        return "numba"
    if isinstance(linker, JAXLinker):
        return "jax"
    if isinstance(linker, VMLinker):
        if linker.use_cloop and linker.c_thunks:
            return "cvm"
        if not linker.c_thunks:
            return "python"
    return "other"


def is_jit_linker(linker: Linker) -> bool:
    """Whether ``linker`` compiles the whole graph into one function (Numba, JAX, ...).

    Relies on ``pytensor.link.basic.JITLinker``, the base class of those
    linkers. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return isinstance(linker, JITLinker)


def schedule_updates_last(linker: Linker) -> None:
    """Make ``linker`` run the nodes a graph's outputs need before those only its updates need.

    A Numba function that raises does not free the arrays it allocated
    before (Numba's documented limitation), and symmodule never lets
    compiled code write into a member, so an update computed before the
    failing node allocates an array the size of its member, lost at each
    failing call. Run after the outputs, updates are not computed at all
    when an output fails: a typical shape error (in the forward pass of a
    step) then loses no more than PyTensor's own function does. The order
    keeps every constraint of the graph's toposort, including those of
    in-place operations (``fgraph.orderings()``).

    Relies on ``Linker._scheduler``, the private attribute ``Linker.schedule``
    calls instead of ``fgraph.toposort()``, on ``JITLinker.make_all`` giving
    that schedule to ``fgraph_convert`` as the order of the generated code,
    and on ``fgraph.update_mapping`` (output position -> updated input
    position). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    linker._scheduler = updates_last_order


def updates_last_order(fgraph: FunctionGraph) -> list[Apply]:
    """``fgraph.toposort()``, with the nodes only updates need moved after all the others."""
    order = fgraph.toposort()
    updates = set(fgraph.update_mapping or ())
    prerequisites = fgraph.orderings()
    needed: set[Apply] = set()
    pending = [out.owner for k, out in enumerate(fgraph.outputs) if k not in updates and out.owner is not None]
    while pending:
        node = pending.pop()
        if node in needed:
            continue
        needed.add(node)
        pending += [v.owner for v in node.inputs if v.owner is not None]
        pending += prerequisites.get(node, ())
    return [node for node in order if node in needed] + [node for node in order if node not in needed]


class _Once:
    """A linker step run once per linker; later calls return the first result.

    Not pickled: a maker restored from a pickle compiles again, once.
    """

    def __init__(self, step: Callable[..., Any]) -> None:
        self.step = step
        self.result: Any = None
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.result is None:
            # Two threads creating functions of one maker at once (two make() of one
            # Module) run the step once; the second waits and takes its result.
            with self.lock:
                if self.result is None:
                    self.result = self.step(*args, **kwargs)
        return self.result

    def __getstate__(self) -> dict[str, Any]:
        return {"step": self.step}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["step"])


def compile_jit_once(linker: JITLinker) -> None:
    """Make every ``maker.create`` of a JIT-compiled graph reuse one compiled function.

    A JIT linker (Numba, JAX) converts and compiles the whole graph at each
    ``make_thunk``, i.e. once per function created from the maker. The
    compiled function takes every input as an argument, so it does not depend
    on the storage it is bound to: the conversion and the compilation are
    kept from the first function and the next ones only bind their storage.

    Relies on ``JITLinker.make_all`` calling ``self.fgraph_convert`` and
    ``self.jit_compile`` (looked up on the instance, so replaced here) at
    every ``make_thunk``, on each ``FunctionMaker`` linking with its own copy
    of the mode's linker (so what is kept is kept for one graph), and on the
    compiled function taking the inputs' values as arguments. Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    if not isinstance(linker.fgraph_convert, _Once):
        linker.fgraph_convert = _Once(linker.fgraph_convert)
        linker.jit_compile = _Once(linker.jit_compile)


def numba_dispatcher(fn: Any) -> Any:
    """The Numba dispatcher a function compiled by ``NumbaLinker`` calls.

    Relies on ``Function.vm`` being, for a JIT linker, the single thunk
    ``JITLinker.make_all`` returns, carrying the compiled function as
    ``jit_fn``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return fn.vm.jit_fn


def numba_signature(inputs: Sequence[Variable]) -> tuple | None:
    """The signature a call of a Numba-compiled graph compiles, for its inputs; None if unknown.

    Calls pass C-ordered, writable arrays. Relies on the function
    ``NumbaLinker`` compiles taking the graph's inputs as ``*args``, which
    Numba's dispatcher receives as one tuple: the signature is that tuple's
    type. Only tensor inputs are typed here. Checked with PyTensor 3.0.7 and
    3.3.8.
    """
    import numba

    examples = []
    for variable in inputs:
        if not isinstance(variable.type, TensorType):
            return None
        examples.append(np.empty((0,) * variable.type.ndim, dtype=variable.type.dtype))
    return (numba.typeof(tuple(examples)),)


class IndexCheckedJAXLinker(JAXLinker):
    """PyTensor's JAX linker, whose compiled graphs raise ``IndexError`` for an out-of-range index.

    XLA clamps an out-of-range index (``x[10]`` of 10 elements reads
    ``x[9]``) rather than failing. This linker compiles each graph under
    JAX's own index checks (``jax.experimental.checkify`` with
    ``index_checks``): every gather and scatter of the graph also reports
    whether an index was out of range, and the call raises ``IndexError``
    when one was. Reading that report makes each call wait for its result
    (about 5 us), so a graph without any indexing Op (inner graphs
    included) is compiled as it is.

    Relies on ``JITLinker.make_all`` passing the converted graph to
    ``jit_compile`` (``self.fgraph`` being the graph) and calling what it
    returns with the inputs' values (expecting the outputs), on
    ``JAXLinker.jit_compile`` keeping the positions of its arguments, on
    ``Linker.accept`` building a new linker as ``type(self)(allow_gc=...)``,
    and on every indexing Op being a ``BaseSubtensor`` (or, up to 3.2, an
    ``AdvancedSubtensor1``). Checked with PyTensor 3.0.7 and 3.3.8.
    """

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not _indexes(self.fgraph.apply_nodes):
            return super().jit_compile(fn)
        from jax.experimental import checkify

        jitted = super().jit_compile(checkify.checkify(fn, errors=checkify.index_checks))

        def checked(*args: Any) -> Any:
            error, outputs = jitted(*args)
            message = error.get()
            if message is not None:
                raise IndexError(INDEX_OUT_OF_BOUNDS.format(where=f"({message.strip()})"))
            return outputs

        return checked


class ShardedJAXLinker(JAXLinker):
    """PyTensor's JAX linker, compiling a graph into one computation over a device mesh.

    The converted graph is jitted with an explicit sharding for each input
    and each output (``jax.jit``'s ``in_shardings`` and ``out_shardings``),
    so that XLA partitions it over the mesh and inserts the collectives
    itself. Before each call, an input that is not yet a ``jax.Array`` (a
    NumPy argument, a generator's state on its first call) goes through
    ``place(value, sharding)``, which builds the global array; with
    ``wait``, each call waits for its results (XLA's CPU collectives can
    deadlock when several calls are in flight on few cores). With
    ``check_indices``, an out-of-range index raises ``IndexError`` as in
    :class:`IndexCheckedJAXLinker`.

    Relies on what :class:`IndexCheckedJAXLinker` relies on, and on
    ``JAXLinker.fgraph_convert`` setting ``scalar_shape_inputs`` (positions
    of inputs only used as shapes, which ``JAXLinker.jit_compile`` makes
    static arguments, converted to ``int``) before ``jit_compile`` runs.
    Checked with PyTensor 3.0.7 and 3.3.8.

    Examples
    --------
    >>> import jax, numpy as np, pytensor, pytensor.tensor as pt
    >>> from jax.sharding import NamedSharding, PartitionSpec as P
    >>> mesh = jax.make_mesh((len(jax.devices()),), ('data',))
    >>> split, whole = NamedSharding(mesh, P('data')), NamedSharding(mesh, P())
    >>> x = pt.dvector('x')
    >>> maker = pytensor.function([x], x.sum(), mode='JAX').maker
    >>> linker = ShardedJAXLinker(input_shardings=[split], output_shardings=[whole],
    ...                           replicated=whole, place=jax.device_put)
    >>> f = relinked(maker, linker).create()
    >>> float(f(np.arange(8.0)))
    28.0
    """

    def __init__(
        self,
        *args: Any,
        input_shardings: Sequence[Any] = (),
        output_shardings: Sequence[Any] = (),
        replicated: Any = None,
        place: Callable[[Any, Any], Any] | None = None,
        wait: bool = False,
        check_indices: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.input_shardings = tuple(input_shardings)
        self.output_shardings = tuple(output_shardings)
        self.replicated = replicated
        self.place = place
        self.wait = wait
        self.check_indices = check_indices

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import jax

        static = frozenset(self.scalar_shape_inputs)
        dynamic = tuple(k for k in range(len(self.input_shardings)) if k not in static)
        checked = self.check_indices and _indexes(self.fgraph.apply_nodes)

        def as_tuple(*args: Any) -> tuple[Any, ...]:
            # out_shardings is a tuple: the outputs must be one too (a list is another pytree).
            return tuple(fn(*args))

        target: Callable[..., Any] = as_tuple
        out_shardings: Any = self.output_shardings
        if checked:
            from jax.experimental import checkify

            target = checkify.checkify(as_tuple, errors=checkify.index_checks)
            out_shardings = (self.replicated, out_shardings)
        jitted = jax.jit(
            target,
            static_argnums=tuple(sorted(static)),
            in_shardings=tuple(self.input_shardings[k] for k in dynamic),
            out_shardings=out_shardings,
        )
        shardings, place, wait, array = self.input_shardings, self.place, self.wait, jax.Array

        def run(*args: Any) -> Any:
            values = [
                int(value) if k in static
                else value if isinstance(value, array) or value is None
                else place(value, shardings[k])
                for k, value in enumerate(args)
            ]
            outputs = jitted(*values)
            if wait:
                jax.block_until_ready(outputs)
            if checked:
                error, outputs = outputs
                message = error.get()
                if message is not None:
                    raise IndexError(INDEX_OUT_OF_BOUNDS.format(where=f"({message.strip()})"))
            return outputs

        return run


def load_jax_backend() -> None:
    """Load PyTensor's JAX backend, which turns on ``jax_enable_x64``, before any value is placed.

    Values placed on JAX's devices before then would be cut to 32 bits.
    Relies on ``pytensor.link.jax.dispatch`` setting JAX's ``jax_enable_x64``
    flag when imported (its first JAX compilation imports it). Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    import pytensor.link.jax.dispatch  # noqa: F401


def relinked(maker: FunctionMaker, linker: Linker, function_class: type | None = None) -> FunctionMaker:
    """A copy of ``maker`` whose functions are linked by ``linker`` (and are ``function_class``).

    The graph is not rewritten again: the copy shares the maker's rewritten
    graph and input and output specs. Relies on ``FunctionMaker.create``
    linking with ``self.linker`` (a linker that has accepted the maker's
    ``fgraph``) and building ``self.function_class``, and on
    ``PerformLinker.no_recycling``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    copied = copy.copy(maker)
    copied.linker = linker.accept(maker.fgraph, no_recycling=maker.linker.no_recycling)
    if function_class is not None:
        copied.function_class = function_class
    return copied


def updated_inputs(maker: FunctionMaker) -> dict[int, int]:
    """``{output position: input position}`` for the updates among a maker's graph outputs.

    The graph's inputs are the maker's input specs in order, its outputs the
    declared outputs followed by one update per updated input. Relies on
    ``FunctionGraph.update_mapping``, which ``FunctionMaker`` fills. Checked
    with PyTensor 3.0.7 and 3.3.8.
    """
    return dict(maker.fgraph.update_mapping or {})


def _indexes(nodes: Iterable[Apply]) -> bool:
    """Whether any of ``nodes`` indexes an array, in its own graph or in an inner one."""
    for node in nodes:
        op = node.op.core_op if isinstance(node.op, Blockwise) else node.op
        if isinstance(op, (BaseSubtensor, *_FIRST_AXIS_INDEX_OPS)):
            return True
        if isinstance(op, HasInnerGraph) and _indexes(applys_between(op.inner_inputs, op.inner_outputs)):
            return True
    return False


# -- Ops and rewrites -------------------------------------------------------------------------


def register_numba_funcify(op_type: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering an Op class's Numba code, cached on disk by the Op's props.

    The decorated ``funcify(op, node=None, **kwargs)`` returns
    ``(jitted_function, version)``. Relies on
    ``pytensor.link.numba.dispatch.basic.register_funcify_default_op_cache_key``
    (PyTensor's Numba dispatch, not a public API). Imports Numba. Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key

    return register_funcify_default_op_cache_key(op_type)


def numba_njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with PyTensor's settings, for the kernels of :func:`register_numba_funcify`.

    Relies on ``pytensor.link.numba.dispatch.basic.numba_njit``. Imports
    Numba. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.numba.dispatch import basic

    return basic.numba_njit(*args, **kwargs)


#: The Ops indexing an array with integer arrays (``x[rows, cols]``,
#: ``inc_subtensor(x[idx], y)``, and ``x[idx]`` from PyTensor 3.3 on) whose
#: Numba kernels do not check bounds: ``AdvancedSubtensor``,
#: ``AdvancedIncSubtensor`` and, up to PyTensor 3.2,
#: ``AdvancedIncSubtensor1``. Relies on PyTensor's Numba dispatch
#: (``pytensor/link/numba/dispatch/subtensor.py``): these compile without
#: Numba's ``boundscheck``, while the basic ``Subtensor`` and
#: ``IncSubtensor``, and up to 3.2 ``AdvancedSubtensor1`` (``x[idx]``),
#: compile with it. Checked with PyTensor 3.0.7 and 3.3.8.
NUMBA_UNCHECKED_INDEX_OPS: tuple[type, ...] = (AdvancedSubtensor, AdvancedIncSubtensor, *_FIRST_AXIS_INC_OPS)


def advanced_index_axes(node: Apply) -> list[tuple[int, int]]:
    """``(input position, axis)`` of each integer index of an integer-array indexing node.

    ``axis`` is the axis of the indexed array (``node.inputs[0]``) that the
    index input at ``input position`` selects along. Boolean masks are left
    out. Relies on the Ops' inputs (the array, then for the ``Inc`` Ops the
    values written, then the index inputs) and on ``idx_list``: one entry
    per indexed axis, an int standing for the next index input, a slice for
    a slice whose int fields stand for index inputs too (a boolean mask
    covers as many axes as it has dimensions). ``AdvancedSubtensor1`` and
    ``AdvancedIncSubtensor1`` (up to 3.2) index the first axis with their
    last input. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    op = node.op
    if isinstance(op, _FIRST_AXIS_INDEX_OPS):
        return [(len(node.inputs) - 1, 0)]
    start = 2 if isinstance(op, AdvancedIncSubtensor) else 1
    found, axis = [], 0
    for entry in op.idx_list:
        if isinstance(entry, slice):
            axis += 1
            continue
        position = start + entry
        index = node.inputs[position]
        if index.dtype == "bool":
            axis += index.ndim
            continue
        found.append((position, axis))
        axis += 1
    return found


def inline_graph_op(node: Apply) -> list[Variable]:
    """The outputs of an ``OpFromGraph`` node's inner graph, applied to the node's inputs.

    Relies on ``inline_ofg_node``, in ``pytensor.tensor.rewriting.ofg``
    up to PyTensor 3.2 and ``pytensor.compile.rewriting`` from 3.3. Checked
    with PyTensor 3.0.7 and 3.3.8.
    """
    return inline_ofg_node(node)


# SymbolicOp (re-exported): the OpFromGraph subclass of PyTensor's graph-defined
# Ops (softmax, log-softmax, ...). Relies on pytensor.compile.builders.SymbolicOp,
# which pytensor.compile does not export. Checked with PyTensor 3.0.7 and 3.3.8.

#: Positions in PyTensor's rewrite database (``pytensor.compile.mode.optdb``)
#: for passes that must run before BLAS specialisation ('BlasOpt', at 1.7),
#: after stabilisation and specialisation ('stabilize' at 1.5, 'specialize'
#: at 2), and before elementwise fusion ('add_mul_fusion' at 48,
#: 'elemwise_fusion' at 49). Relies on that layout. Checked with PyTensor
#: 3.0.7 and 3.3.8.
BEFORE_BLAS = 1.69
AFTER_STABILIZE = 46.5
BEFORE_ELEMWISE_FUSION = 47.0


def infer_shape_method(method: Callable[[Any, Apply, list], list]) -> Callable[..., list]:
    """Make ``method(self, node, input_shapes)`` an ``Op.infer_shape`` for PyTensor 3.0 to 3.3.

    PyTensor up to 3.2 calls ``op.infer_shape(fgraph, node, input_shapes)``;
    3.3 calls ``op.infer_shape(node, input_shapes)`` and warns
    (``DeprecationWarning``) when an Op class defines it with the ``fgraph``
    parameter. The method returned takes both calls, and its signature (the
    one 3.3 inspects) has no ``fgraph``. Relies on PyTensor passing the node
    and the input shapes as the last two positional arguments. Checked with
    PyTensor 3.0.7 and 3.3.8.

    Examples
    --------
    >>> from pytensor.graph.op import Op
    >>> class Same(Op):
    ...     @infer_shape_method
    ...     def infer_shape(self, node, input_shapes):
    ...         return input_shapes
    """

    @functools.wraps(method)
    def infer_shape(self: Any, *args: Any) -> list:
        node, input_shapes = args[-2:]
        return method(self, node, input_shapes)

    return infer_shape


def numpy_generator(value: Any) -> Any:
    """A generator member's value as a numpy ``Generator``; other values unchanged.

    PyTensor's JAX backend keeps a generator as a dict (``jax_typify`` of a
    ``Generator``): the numpy state it came from, packed, and a ``"jax_state"``
    key of two ``uint32`` words, from which every later draw is made (the
    numpy state is never advanced). The Generator returned here has a PCG64
    state whose low 64 bits are that key, and whose top bit is set so that
    its state always spans four words: ``jax_typify`` of it gives back the
    same key, so an instance restored from it draws the same numbers in JAX
    mode (its increment spans four words too, as ``jax_typify`` reads two). Relies on ``jax_typify_Generator`` taking ``"jax_state"`` from the
    low words of the state (``_coerce_to_uint32_array(state)[0:2]``).
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    if not isinstance(value, dict) or "jax_state" not in value:
        return value
    low, high = (int(word) for word in np.asarray(value["jax_state"], dtype=np.uint32))
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (1 << 127) | (high << 32) | low, "inc": (1 << 127) | 1},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return np.random.Generator(bit_generator)


def jax_generator(generator: np.random.Generator) -> Any:
    """A numpy ``Generator`` in the form PyTensor's JAX backend reads a generator input in.

    ``JAXLinker.create_thunk_inputs`` converts the Generators it finds in
    storage once, when a function is created; a Generator stored later (a
    reseed, a load) must be converted where it is stored. Relies on
    ``pytensor.link.jax.dispatch.jax_typify`` accepting a Generator.
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.jax.dispatch import jax_typify

    return jax_typify(generator)
