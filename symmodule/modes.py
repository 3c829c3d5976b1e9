"""Compilation modes: the names users may pass to ``make(mode=)`` and ``function(mode=)``.

A mode is PyTensor's: a rewriter plus a linker. symmodule only resolves the
names of :data:`MODE_NAMES`, checks that the backend a name needs is installed,
and turns PyTensor's terse errors into ones that list what is available.
The names 'NUMBA', 'FAST_RUN', 'CVM' and 'FAST_COMPILE' also get the speed
rewrites of :mod:`symmodule.rewrites`, and every name raises ``IndexError``
for an out-of-range index (:mod:`symmodule.bounds`; a Mode object passed in
is used as it is). 'NUMBA_BACKGROUND' is 'NUMBA' with background compilation
(:mod:`symmodule.background`): the only mode whose first calls may run
other kernels than its later ones. 'JAX_DONATING' is 'JAX' donating the
buffers of updated members to the computation (:class:`JAXDonatingMode`):
the only mode in which an array read from a member can be deleted by a
later call.

The 'C' mode links the whole graph into one C module, which PyTensor can only
do when every Op has C code; :class:`CMode` reports the Op that has none
and points to 'CVM', through PyTensor's own hook for that
(``Mode.function_maker``), so it works for any caller of the compiler.
'DEBUG_MODE' is PyTensor's DebugMode, through the same hook with a work-around
for a PyTensor bug (see :class:`DebugMode`).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
import warnings
from typing import Any

from pytensor import config
from pytensor.compile.debug.debugmode import DebugMode as _PyTensorDebugMode
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.mode import Mode as _PyTensorMode
from pytensor.compile.mode import get_mode
from pytensor.graph.utils import MethodNotDefined
from pytensor.link.basic import PerformLinker
from pytensor.link.c.basic import CLinker
from pytensor.link.c.interface import CLinkerOp

from symmodule._pytensor import (
    DebugFunctionMaker,
    DonatingJAXLinker,
    is_missing_blas_warning,
    linker_kind,
    node_being_compiled,
    read_blas_flags,
)
from symmodule.bounds import check_indices
from symmodule.errors import MODE_BACKEND_MISSING, NO_BLAS, UNKNOWN_MODE, ModeError
from symmodule.rewrites import tune

__all__ = [
    "MODE_NAMES",
    "CMode",
    "DebugMode",
    "JAXDonatingMode",
    "Mode",
    "NoCCodeError",
    "NumbaBackgroundMode",
    "available_modes",
    "resolve_mode",
]

#: Mode name -> the optional package its backend needs (None: always there).
MODE_NAMES: dict[str, str | None] = {
    "FAST_COMPILE": None,
    "FAST_RUN": None,
    "NUMBA": "numba",
    "CVM": None,
    "C": None,
    "JAX": "jax",
    "DEBUG_MODE": None,
    "NUMBA_BACKGROUND": "numba",
    "JAX_DONATING": "jax",
}

# Spellings PyTensor or Theano code use for the same modes.
_ALIASES = {"DEBUGMODE": "DEBUG_MODE", "C_VM": "CVM"}

NO_C_CODE = (
    "Mode 'C' compiles the whole graph{where} into one C module, so every Op needs "
    "C code: {reason}. Use mode='CVM' instead: it runs each Op's C code when there "
    "is some and its Python code otherwise."
)

NO_COMPILER = (
    "Mode 'C' needs a C++ compiler, and PyTensor has none configured "
    "(symmodule.config.cxx is empty). Install one (g++ or clang++) or pick one "
    "of: {available}."
)


class Mode(_PyTensorMode):
    """PyTensor's ``Mode`` (a linker and a rewriter), with Theano's ``print_summary``.

    ``symmodule.Mode(linker, optimizer)`` is what Theano-era code subclasses to
    build its own modes (such as a mode that prints every node it runs). Every mode can
    ``print_summary()``; only :class:`~symmodule.ProfileMode` records timings,
    so on other modes it says how to get them.

    Examples
    --------
    >>> import symmodule
    >>> mode = symmodule.Mode(symmodule.gof.OpWiseCLinker(), 'fast_run')
    >>> mode.print_summary()  # doctest: +ELLIPSIS
    Mode(linker=OpWiseCLinker..., optimizer=fast_run): no timings recorded...
    """

    def __init__(self, linker: Any = None, optimizer: Any = "default", db: Any = None) -> None:
        super().__init__(linker=linker, optimizer=optimizer, db=db)
        # PyTensor replaces the optimizer's name by a query object; keep it for display.
        self._sm_optimizer_name = optimizer if isinstance(optimizer, str) else type(optimizer).__name__

    def print_summary(self, file: Any = None) -> None:
        """Say what this mode is; timings need a :class:`~symmodule.ProfileMode`."""
        import sys

        linker = type(self.linker).__name__ if not isinstance(self.linker, str) else self.linker
        optimizer = getattr(self, "_sm_optimizer_name", None) or self.provided_optimizer
        print(
            f"{type(self).__name__}(linker={linker}, optimizer={optimizer}): "
            "no timings recorded. Compile with symmodule.ProfileMode(optimizer=..., "
            "linker=...) to get per-function and per-Op times and call counts.",
            file=sys.stdout if file is None else file,
        )



class NoCCodeError(ModeError, NotImplementedError):
    """Mode 'C' was asked to compile a graph with an Op that has no C code.

    Also a ``NotImplementedError``: PyTensor raises that for the same cause.
    """


def _installed(package: str | None) -> bool:
    return package is None or importlib.util.find_spec(package) is not None


def _has_backend(name: str) -> bool:
    if name == "C" and not config.cxx:
        return False
    return _installed(MODE_NAMES[name])


def available_modes() -> list[str]:
    """The mode names whose backend is installed here."""
    return [name for name in MODE_NAMES if _has_backend(name)]


class _CFunctionMaker(FunctionMaker):
    """PyTensor's FunctionMaker, reporting Ops without C code as :class:`NoCCodeError`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ops outside the C interface are known before any C is generated: say so
        # now rather than when the first function is created.
        for node in self.fgraph.toposort():
            if not isinstance(node.op, CLinkerOp):
                raise NoCCodeError(self._message(f"{node.op} (in {node}) has none"))

    def create(self, *args: Any, **kwargs: Any) -> Any:
        # An Op can be a C Op yet have no C code for this node (an Elemwise of a
        # scalar Op without any); that only shows while generating the module.
        try:
            return super().create(*args, **kwargs)
        except (NotImplementedError, MethodNotDefined) as exc:
            node = node_being_compiled(exc, self.fgraph.apply_nodes)
            reason = _first_line(exc) if node is None else f"{node.op} (in {node}) has none"
            raise NoCCodeError(self._message(reason)) from exc

    def _message(self, reason: str) -> str:
        name = getattr(self, "name", None)
        return NO_C_CODE.format(where=f" of {name!r}" if name else "", reason=reason)


class CMode(Mode):
    """PyTensor's pure C mode: the whole graph becomes one compiled C function.

    Only graphs whose every Op has C code compile; any other raises
    :class:`NoCCodeError`, which says to use 'CVM'. ``mode='C'`` is this mode
    with the 'fast_run' rewrites.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import tensor as T
    >>> from symmodule.compiled import compile_maker
    >>> x = T.dvector('x')
    >>> f = compile_maker([x], x * 2 + 1, mode=CMode()).create()
    >>> f(np.arange(3.0))
    array([1., 3., 5.])
    """

    def __init__(self, linker: Any = None, optimizer: Any = "fast_run", db: Any = None) -> None:
        super().__init__(CLinker() if linker is None else linker, optimizer, db)

    @property
    def function_maker(self) -> type[FunctionMaker]:
        return _CFunctionMaker


_C_MODE = CMode()


class _DebugMaker(DebugFunctionMaker):
    """DebugMode's FunctionMaker, compiling without in-place rewrites when they would crash it."""

    def __init__(self, inputs: Any, outputs: Any, mode: Any, *args: Any, **kwargs: Any) -> None:
        if any(_scalar_updated_in_place(spec) for spec in inputs):
            mode = mode.excluding("inplace")
        super().__init__(inputs, outputs, mode, *args, **kwargs)


def _scalar_updated_in_place(spec: Any) -> bool:
    # Only mutable inputs (those with an update) may be destroyed by an in-place Op.
    variable = getattr(spec, "variable", None)
    ndim = getattr(getattr(variable, "type", None), "ndim", None)
    return bool(getattr(spec, "mutable", False)) and ndim == 0


class DebugMode(_PyTensorDebugMode):
    """PyTensor's DebugMode ('DEBUG_MODE'): every node is run by its C and Python code and checked.

    One difference: a function that updates a 0-d input (a scalar Member
    or shared variable with an update, such as ``c = c + n``) is compiled
    without PyTensor's in-place rewrites. PyTensor 3.0.7's DebugMode crashes
    on such a function when an in-place Op overwrites that input (it calls
    ``ndarray.itemset``, which NumPy 2 removed). Values and the other checks
    are unchanged; only in-place Ops on those functions go unchecked.
    And ``mode='DEBUG_MODE'`` leaves out the C-only rewrite that fuses an
    elementwise expression into the reduction over it (``sum(exp(x))``):
    the fused node's Python code, which DebugMode runs to compare, is wrong
    in PyTensor 3.0.7 (it skips the expression on the first element).

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> n = T.dscalar('n')
    >>> m.inc = symmodule.Method(n, m.c + n, c=m.c + n)
    >>> inst = m.make(c=1.0, mode='DEBUG_MODE')
    >>> float(inst.inc(2.0)), float(inst.c)
    (3.0, 3.0)
    """

    @property
    def function_maker(self) -> type[FunctionMaker]:
        return _DebugMaker


# The fused CAReduce{Composite} made by "local_careduce_fusion" (a C-only
# rewrite) has a wrong Python implementation, which DebugMode runs and
# compares: every sum of an elementwise expression would fail its check.
_DEBUG_MODE = DebugMode(optimizer="fast_run").excluding("local_careduce_fusion")


# PyTensor's own default, config.mode='Mode', means Mode(linker=config.linker,
# optimizer=config.optimizer); left at their defaults that is FAST_RUN, and the
# default mode gets FAST_RUN's treatment (the speed rewrites) like the name.
_DEFAULT_LINKERS = {"auto": "FAST_RUN", "numba": "FAST_RUN", "cvm": "CVM"}
_DEFAULT_OPTIMIZERS = ("o4", "fast_run")


def _configured_mode_name() -> str | None:
    """The mode name ``config.mode`` stands for, or None when it is none of :data:`MODE_NAMES`.

    None sends ``make()`` to PyTensor's configured mode as it is (e.g.
    'NanGuardMode', or 'Mode' with a non-default linker or optimizer).
    """
    configured = str(config.mode)
    if configured == "Mode":
        if str(config.optimizer) not in _DEFAULT_OPTIMIZERS:
            return None
        return _DEFAULT_LINKERS.get(str(config.linker))
    name = _ALIASES.get(configured.upper(), configured.upper())
    return configured if name in MODE_NAMES else None


def resolve_mode(mode: str | Mode | None) -> Mode:
    """Turn a mode name, a Mode object or None (the configured default) into a Mode.

    Parameters
    ----------
    mode
        One of :data:`MODE_NAMES` (case-insensitive), a ``Mode`` instance, or
        None for the configured default, ``config.mode`` (``PYTENSOR_FLAGS=mode=...``):
        a name of :data:`MODE_NAMES` is resolved like that name, and PyTensor's
        own default 'Mode' with the default optimizer is 'FAST_RUN' (or 'CVM'
        with ``linker=cvm``), speed rewrites included. Names map to PyTensor's predefined
        modes, except 'C' (:class:`CMode`) and 'DEBUG_MODE' (:class:`DebugMode`).

    Raises
    ------
    ModeError
        When the name is unknown or its backend package is not installed.
    """
    if mode is None:
        # The configured default gets the same treatment as the name passed
        # explicitly (config.mode='C' reports missing C code the same way);
        # PyTensor's other names ('Mode', 'NanGuardMode') go to PyTensor.
        configured = _configured_mode_name()
        if configured is None:
            return _explain_missing_blas(get_mode(None))
        mode = configured
    if isinstance(mode, _PyTensorMode):
        return _explain_missing_blas(mode)
    if not isinstance(mode, str):
        raise ModeError(UNKNOWN_MODE.format(mode=mode, available=", ".join(available_modes())))
    name = _ALIASES.get(mode.upper(), mode.upper())
    if name not in MODE_NAMES:
        raise ModeError(UNKNOWN_MODE.format(mode=mode, available=", ".join(available_modes())))
    if not _has_backend(name):
        available = ", ".join(available_modes())
        package = MODE_NAMES[name]
        if package is None:
            raise ModeError(NO_COMPILER.format(available=available))
        raise ModeError(
            MODE_BACKEND_MISSING.format(mode=mode, package=package, extra=package, available=available)
        )
    if name in _C_NAMES:
        # Before _named_mode: its rewrites read the BLAS flags.
        _explain_missing_blas()
    if name == "C":
        return _C_MODE
    if name == "DEBUG_MODE":
        return _DEBUG_MODE
    return _named_mode(name)


class NumbaBackgroundMode(Mode):
    """'NUMBA_BACKGROUND': Numba compiles on a thread while a FAST_COMPILE stand-in runs the first calls.

    The compiled code is 'NUMBA''s; only when it runs differs. See
    :mod:`symmodule.background` for what the stand-in changes (the last
    bits of the first results) and what it does not (errors, inputs, exit,
    ``fork()``).
    """


class JAXDonatingMode(Mode):
    """'JAX_DONATING': 'JAX' whose methods donate the buffers of the members they update.

    XLA then writes a training step's new parameters and optimizer state
    into the old ones' memory instead of allocating new arrays, as
    ``jax.jit(..., donate_argnums=...)`` does. The price, which 'JAX' does
    not pay: a member's array read before a call that updates it is deleted
    by the call (read ``np.array(inst.w)`` to keep a copy), and a call
    interrupted (Ctrl-C) while its computation holds the donated arrays, or
    failing inside XLA, loses them: an interrupt surfaces as itself, with a
    note naming the deleted members, which must then be loaded from a
    checkpoint or set again. A method whose graph indexes arrays donates
    nothing, so that an out-of-range index still raises ``IndexError`` with
    every member as it was.
    """


@functools.cache
def _named_mode(name: str) -> _PyTensorMode:
    # One Mode object per name, so that compiled code keyed by mode is shared.
    if name == "NUMBA_BACKGROUND":
        numba = get_mode("NUMBA")
        return check_indices(tune(NumbaBackgroundMode(type(numba.linker)(), numba.provided_optimizer)))
    if name == "JAX_DONATING":
        return tune(JAXDonatingMode(DonatingJAXLinker(), get_mode("JAX").provided_optimizer))
    return check_indices(tune(get_mode(name)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# -- BLAS ----------------------------------------------------------------------------------

#: The mode names whose functions compile C code, and so link PyTensor's BLAS.
_C_NAMES = ("CVM", "C", "DEBUG_MODE")

_blas_lock = threading.Lock()
_blas_read = False


def compiles_c(mode: _PyTensorMode) -> bool:
    """Whether functions compiled with ``mode`` may compile C code (and link a BLAS).

    False for the Numba, JAX and Python-only linkers ('NUMBA', 'FAST_RUN',
    'JAX', 'FAST_COMPILE'); True for the others, DebugMode included.
    """
    # DebugMode runs every node's C code whatever its linker; PerformLinker and
    # the JIT linkers built on it compile none, nor does the VM without C thunks.
    if isinstance(mode, _PyTensorDebugMode):
        return True
    return not (isinstance(mode.linker, PerformLinker) or linker_kind(mode.linker) == "python")


def _explain_missing_blas(mode: _PyTensorMode | None = None) -> _PyTensorMode | None:
    """Return ``mode``, having read the BLAS flags first if it compiles C code (None: it does).

    PyTensor looks for a BLAS library the first time ``config.blas__ldflags``
    is read and, finding none, warns in five lines, advising another installer
    or the Numba backend. That only matters to modes that compile C code, so
    the flags are read here, when such a mode is resolved and before its
    rewrites or linker read them, and PyTensor's warning becomes one line that
    says what a missing BLAS means (:data:`~symmodule.errors.NO_BLAS`). Modes
    without C code never read them.
    """
    global _blas_read
    if _blas_read or (mode is not None and not compiles_c(mode)):
        return mode
    with _blas_lock:
        if _blas_read:
            return mode
        # Warnings another thread raises meanwhile are recorded too: raised again below.
        _, caught = read_blas_flags()
        _blas_read = True
    for caught_warning in caught:
        if is_missing_blas_warning(caught_warning):
            warnings.warn(NO_BLAS, UserWarning, stacklevel=_caller_stacklevel())
        else:
            warnings.warn_explicit(
                caught_warning.message,
                caught_warning.category,
                caught_warning.filename,
                caught_warning.lineno,
                source=caught_warning.source,
            )
    return mode


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside symmodule and PyTensor: the user's call."""
    ours = (__name__.partition(".")[0], "pytensor")
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] in ours:
        frame, level = frame.f_back, level + 1
    return level
