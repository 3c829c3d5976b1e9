"""Building a function the way ``pytensor.function`` does, and reaching its inputs.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import copyreg
from collections.abc import Collection, Sequence
from typing import Any
from pytensor.compile.debug.debugmode import _Maker
from pytensor.compile.executor import _pickle_Function
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.rebuild import construct_function_ins_and_outs
from pytensor.graph.basic import Apply, Variable
from pytensor.link.basic import Container
from pytensor.scan.basic import get_updates_and_outputs

__all__ = [
    "function_inputs_outputs",
    "set_return_none",
    "register_function_pickling",
    "scan_step_parts",
    "find_input",
    "has_input",
    "add_input_key",
    "DebugFunctionMaker",
    "node_being_compiled",
]


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
