"""What a call that fails inside the compiled code says: the operation, the shapes, the values.

A compiled function that raises is re-raised by
:class:`~symmodule.compiled.Function` as a
:class:`~symmodule.errors.MethodExecutionError` that is also of the
engine's exception class (:func:`~symmodule.errors.execution_error_class`).
This module writes its message: the method, the engine's first line, the
operation that failed with the shapes of its inputs, the arguments given
and the members read (dtypes and shapes), and how to fix it.

The operation comes from PyTensor's VM where it runs the graph node by node
(FAST_COMPILE, CVM, the stand-in of background compilation). The JIT
backends (Numba, JAX) run the whole graph as one function and do not say
which node failed; their message may not even give the shapes. The call is
then run again, only on this error path, by PyTensor's Python VM on the
same compiled graph and the same values: it stores no update (its outputs
are only read), inputs an Op of the graph would overwrite are given
copies, and its storage is emptied afterwards, so it holds no array once
the message is written. Nothing is kept from one failure to the next but
the compiled Python function, one per compiled graph.
"""

from __future__ import annotations

import copy
import threading
import traceback
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np
import pytensor
from pytensor.compile.mode import Mode
from pytensor.compile.builders import OpFromGraph
from pytensor.graph.basic import Constant
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.replace import clone_replace
from pytensor.link.vm import VMLinker
from pytensor.tensor.random.type import RandomGeneratorType
from pytensor.tensor.type import TensorType

from symmodule import errors
from symmodule._pytensor import (
    FailedNode,
    call_inputs,
    empty_storage,
    failing_node,
    inline_graph_op,
    is_jit_linker,
    release_failure,
)

if TYPE_CHECKING:
    from pytensor.compile.maker import FunctionMaker

    from symmodule.compiled import Function

__all__ = ["execution_error"]

#: At most this many members are listed in a message (a large model reads hundreds).
MAX_LISTED = 8
#: Longer descriptions of an Op or an intermediate result are cut to this length.
MAX_TEXT = 60


def execution_error(fn: Function, exc: Exception) -> errors.MethodExecutionError:
    """The error to raise for ``exc``, which a call of ``fn`` raised inside the compiled code.

    Parameters
    ----------
    fn
        The compiled function that was called (a Method of an instance, or
        what :func:`symmodule.function` returned).
    exc
        The engine's exception; it becomes the new error's ``__cause__``.

    Returns
    -------
    MethodExecutionError
        An instance of the subclass that is also ``type(exc)``.
    """
    values = call_inputs(fn)
    layout = _layout(fn)
    labels = layout.labels
    failed, how, shape_error = _locate(fn, exc, values)
    details = []
    if failed is not None and failed.inputs is not None:
        details.append(
            errors.EXECUTION_NODE.format(
                operation=_describe_node(failed, labels),
                shapes=_join([_shape(value) for value in failed.inputs]),
                how=how,
            )
        )
    explicit, members, stored = ([(labels[k], values[k]) for k in kind] for kind in layout.kinds)
    for template, pairs in (
        (errors.EXECUTION_ARGUMENTS, explicit),
        (errors.EXECUTION_MEMBERS, members),
        (errors.EXECUTION_STORED, stored),
    ):
        if pairs:
            details.append(template.format(values=_listing(pairs)))
    text = str(exc).strip()
    error = f"{type(exc).__name__}: {text.splitlines()[0].rstrip('.')}" if text else type(exc).__name__
    members_fix = ""
    if members:  # the example writes a member the failing operation reads, when it reads one
        members_fix = errors.EXECUTION_FIX_MEMBERS.format(
            example=errors.member_attribute(_members_of(failed, labels, members)[0])
        )
    fix = (errors.EXECUTION_FIX_SHAPES if shape_error else errors.EXECUTION_FIX_OTHER).format(members=members_fix)
    message = errors.EXECUTION_FAILED.format(
        where=fn._sm_describe(), error=error, details="".join(details), fix=fix
    )
    return errors.execution_error_class(type(exc))(message)


def _locate(fn: Function, exc: Exception, values: list[Any]) -> tuple[FailedNode | None, str, bool]:
    """The node that failed (None if unknown), how it was found, and whether ``exc`` is a shape error."""
    failed = failing_node(exc)
    shape_error = isinstance(exc, ValueError)  # NumPy's, Numba's and PyTensor's shape errors
    if not is_jit_linker(fn.maker.linker) or (failed is not None and failed.fgraph is not fn.maker.fgraph):
        return failed, "", shape_error  # a VM ran (the stand-in of background compilation is one)
    # The JIT thunk names its first output's node, whichever failed: run the call again.
    failed, replayed = _replay(fn.maker, values)
    # JAX reports shape errors as TypeErrors; PyTensor's Python code, like NumPy, as ValueErrors.
    jax_shape_error = isinstance(exc, TypeError) and issubclass(replayed, ValueError)
    if not (isinstance(exc, replayed) or issubclass(replayed, type(exc)) or jax_shape_error):
        failed = None  # the Python run failed otherwise: its node may not be the one
    return failed, errors.EXECUTION_NODE_REPLAYED, shape_error or jax_shape_error


# -- the inputs, named as the user knows them ----------------------------------------------------


class _Layout:
    """What a function's inputs are, for its messages: a label each, and which are arguments or members."""

    __slots__ = ("labels", "kinds")

    def __init__(self, fn: Function) -> None:
        # PyTensor wraps the containers it is given; the storage cell is what is shared.
        paths = {id(container.storage): path for container, path in fn._sm_state}
        self.labels: list[str] = []
        explicit, members, stored = [], [], []
        for position, (spec, container) in enumerate(zip(fn.maker.inputs, fn.input_storage)):
            path = paths.get(id(container.storage))
            if path is not None:
                self.labels.append(path)
                members.append(position)
            elif not spec.implicit:
                self.labels.append(spec.name or f"<input {position}>")
                explicit.append(position)
            else:
                self.labels.append(spec.name or _cut(str(spec.variable)))
                stored.append(position)
        #: Positions of the arguments, of the members, and of the other stored inputs.
        self.kinds = (tuple(explicit), tuple(members), tuple(stored))


def _layout(fn: Function) -> _Layout:
    """``fn``'s layout, made at its first failure and kept on it (its inputs never change)."""
    if fn._sm_layout is None:
        fn._sm_layout = _Layout(fn)
    return fn._sm_layout


def _listing(pairs: list[tuple[str, Any]]) -> str:
    shown = [f"{label} ({_brief(value)})" for label, value in pairs[:MAX_LISTED]]
    if len(pairs) > MAX_LISTED:
        shown.append(f"and {len(pairs) - MAX_LISTED} more")
    return ", ".join(shown)


def _brief(value: Any) -> str:
    """``float64 array of shape (2, 3)``, ``int64 scalar 7``, or the type's name."""
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if value is None:
        return "no value"
    if shape is None or dtype is None:
        return type(value).__name__
    name = _DTYPE_NAMES.get(dtype)
    if name is None:  # str(dtype) runs Python code in NumPy: worth keeping, one entry per dtype
        name = _DTYPE_NAMES.setdefault(dtype, str(dtype))
    if len(shape) == 0:  # a scalar's value says more than its shape (an index, a step size)
        return f"{name} scalar {_cut(str(value.item()))}"
    return f"{name} array of shape {tuple(shape)}"


_DTYPE_NAMES: dict[Any, str] = {}


def _shape(value: Any) -> str:
    shape = getattr(value, "shape", None)
    return str(tuple(shape)) if shape is not None else type(value).__name__


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _describe_node(failed: FailedNode, labels: list[str]) -> str:
    """``Dot(W, ExpandDims{axis=1}(x))``: the Op, and each input by label, value or producer."""
    named = {variable: labels[k] for k, variable in enumerate(failed.fgraph.inputs)}
    inputs = ", ".join(_variable_name(variable, named, 1) for variable in failed.node.inputs)
    return f"{_cut(str(failed.node.op))}({inputs})"


def _variable_name(variable: Any, named: dict[Any, str], depth: int) -> str:
    if variable in named:
        return named[variable]
    if isinstance(variable, Constant):
        return _cut(str(variable.data))
    if variable.owner is None or depth == 0:
        return _cut(str(variable))
    # One level of producers: the user's names show through ExpandDims, DimShuffle...
    inner = ", ".join(_variable_name(v, named, depth - 1) for v in variable.owner.inputs)
    return _cut(f"{variable.owner.op}({inner})")


def _members_of(failed: FailedNode | None, labels: list[str], members: list[tuple[str, Any]]) -> list[str]:
    """The paths of the members ``failed``'s node reads, then of the other members."""
    read = []
    if failed is not None:
        position = {variable: k for k, variable in enumerate(failed.fgraph.inputs)}
        read = [labels[position[v]] for v in failed.node.inputs if v in position]
    paths = [path for path, _ in members]
    return [path for path in paths if path in read] + [path for path in paths if path not in read]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


# -- running a JIT-compiled graph again, in Python ------------------------------------------------

# maker -> the Python function running its graph (None when it cannot be made).
_REPLAYS: weakref.WeakKeyDictionary[FunctionMaker, _Replay | None] = weakref.WeakKeyDictionary()
_REPLAYS_LOCK = threading.Lock()


class _Replay:
    """A compiled graph, compiled again for PyTensor's Python VM, without rewrites."""

    def __init__(self, maker: FunctionMaker) -> None:
        fgraph = maker.fgraph
        fresh = [variable.type() for variable in fgraph.inputs]
        outputs = clone_replace(list(fgraph.outputs), replace=dict(zip(fgraph.inputs, fresh)))
        outputs = _inlined(fresh, outputs)
        mode = Mode(linker=VMLinker(use_cloop=False, c_thunks=False, lazy=False), optimizer=None)
        self.fn = pytensor.function(fresh, outputs, mode=mode, accept_inplace=True, on_unused_input="ignore")
        # The values were converted for these very types by the failed call (see _given).
        self.fn.trust_input = True
        # Inputs an Op of the graph overwrites get a copy: the values are the caller's and the members'.
        graph = self.fn.maker.fgraph
        destroyed = {
            node.inputs[i]
            for node in graph.apply_nodes
            for positions in node.op.destroy_map.values()
            for i in positions
        }
        self.overwritten = frozenset(k for k, variable in enumerate(graph.inputs) if variable in destroyed)
        self.generators = frozenset(
            k for k, variable in enumerate(fresh) if isinstance(variable.type, RandomGeneratorType)
        )
        self.tensors = frozenset(k for k, variable in enumerate(fresh) if isinstance(variable.type, TensorType))
        self.lock = threading.Lock()

    def _given(self, position: int, value: Any) -> Any:
        if position in self.generators and not isinstance(value, np.random.Generator):
            # JAX keeps a generator as a dict of jax keys, which Python code cannot draw
            # from; a stand-in generator draws numbers of the same shapes, which is all
            # locating a shape error needs.
            return np.random.default_rng(0)
        if position in self.tensors and not isinstance(value, np.ndarray):
            value = np.asarray(value)  # a jax array (JAX mode keeps members on the device)
        return copy.deepcopy(value) if position in self.overwritten else value

    def failing_node(self, values: list[Any]) -> tuple[FailedNode | None, type[BaseException]]:
        with self.lock:
            try:
                self.fn(*[self._given(k, v) for k, v in enumerate(values)])
            except Exception as exc:  # noqa: BLE001 - the failure being located
                found = failing_node(exc)
                # Nothing of the run outlives the message: no cycle through its frames.
                release_failure(exc)
                traceback.clear_frames(exc.__traceback__)
                return found, type(exc)
            finally:
                empty_storage(self.fn)  # no array outlives the message
        return None, type(None)


def _inlined(inputs: list[Any], outputs: list[Any]) -> list[Any]:
    """``outputs`` with every OpFromGraph node (softmax, ...) replaced by its inner graph.

    An OpFromGraph runs in Python by compiling its inner graph at its first
    call, which fails once a backend's rewrites made that graph work in place;
    inlined, its nodes run like the others (and a failure names one of them).
    """
    fgraph = FunctionGraph(inputs, outputs, clone=False)
    while True:
        node = next((n for n in fgraph.toposort() if isinstance(n.op, OpFromGraph)), None)
        if node is None:
            return list(fgraph.outputs)
        fgraph.replace_all(list(zip(node.outputs, inline_graph_op(node))), import_missing=True)


def _replay(maker: FunctionMaker, values: list[Any]) -> tuple[FailedNode | None, type[BaseException]]:
    """The node that fails when ``maker``'s graph runs in Python on ``values``, and what it raised.

    ``(None, NoneType)`` when nothing fails, or the graph cannot run in Python.
    """
    if any(value is None for value in values):
        return None, type(None)
    with _REPLAYS_LOCK:
        if maker not in _REPLAYS:
            _REPLAYS[maker] = _compile_replay(maker)
        replay = _REPLAYS[maker]
    return replay.failing_node(values) if replay is not None else (None, type(None))


def _compile_replay(maker: FunctionMaker) -> _Replay | None:
    from symmodule.compiled import COMPILING  # compiling changes process-wide configuration

    with COMPILING:
        try:
            return _Replay(maker)
        except Exception:  # noqa: BLE001 - an Op with no Python code: the message goes without the node
            return None
