"""Compiled functions: the one class every compiled Method is, and the way to build it.

:class:`Function` *is* a PyTensor ``Function`` (a subclass), so everything
PyTensor users know keeps working on a compiled method: ``.maker``,
``.maker.fgraph`` (also ``.maker.env``, as Theano named it), ``.maker.mode``,
``.input_storage``, ``.dprint()``, ``.trust_input``. symmodule adds three things:

* errors raised by a call are re-raised as symmodule errors that name the
  method and the argument, with the engine's exception chained below; an
  error of the compiled code keeps the engine's class too (a shape error is
  a ``ValueError``), and its message gives the operation that failed and
  the shapes (:mod:`symmodule.failures`);
* Theano's storage access: ``fn.container[var]``, ``fn[var]``, ``fn[var] = v``;
* in the mode 'NUMBA_BACKGROUND', a FAST_COMPILE stand-in for the calls
  made while Numba compiles on a thread (:mod:`symmodule.background`).

:func:`compile_maker` is the single door from symmodule into PyTensor's
compiler; Methods and :func:`symmodule.function` both go through it.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import threading
from collections.abc import Callable, Sequence
from types import MethodType
from typing import Any

import numpy as np
from pytensor import config
from pytensor.compile.debug.profiling import ProfileStats
from pytensor.compile.executor import Function as _PyTensorFunction
from pytensor.compile.maker import FunctionMaker
from pytensor.link.basic import Container

from symmodule import errors
from symmodule._pytensor import (
    compile_jit_once,
    donates,
    find_input,
    function_inputs_outputs,
    has_input,
    is_jit_linker,
    linker_kind,
    register_function_pickling,
    release_failure,
    schedule_updates_last,
    set_return_none,
    store_updates_at_once,
)
from symmodule.background import BackgroundCompile
from symmodule.failures import execution_error
from symmodule.modes import NumbaBackgroundMode, resolve_mode

__all__ = ["Function", "compile_maker", "fresh_storage"]


def fresh_storage(held: Container) -> Container:
    """A new Container like ``held`` (type, flags) starting from a copy of its value.

    How a default made by ``In(x, value=1.0)`` is given to each function (and
    each instance) that uses it, so that none of them share it.
    """
    return Container(
        held.type,
        [copy.copy(held.storage[0])],
        strict=held.strict,
        allow_downcast=held.allow_downcast,
        name=held.name,
    )


_pytensor_call = _PyTensorFunction.__call__


def _is_deleted(value: Any) -> bool:
    """Whether ``value`` is a jax array whose buffer was given away (donated) and deleted."""
    is_deleted = getattr(value, "is_deleted", None)
    return bool(is_deleted()) if callable(is_deleted) else False


_NO_LOCK = contextlib.nullcontext()


class _ContainerView:
    """``fn.container[key]``: the storage object of one input, by variable, name or index."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Function) -> None:
        self._fn = fn

    def __getitem__(self, key: Any) -> Container:
        return self._fn._sm_find(key)

    def __contains__(self, key: Any) -> bool:
        return has_input(self._fn, key)


class Function(_PyTensorFunction):
    """A compiled PyTensor function with symmodule's error messages and storage access.

    Every compiled :class:`~symmodule.Method` on an instance is one of these,
    and so is what :func:`symmodule.function` returns. It is a subclass of
    ``pytensor.compile.Function``: drop down to PyTensor at any time through
    ``fn.maker`` (its ``fgraph``, ``mode``, ``inputs``, ``outputs``).

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method(T.dscalar('n'), [], c=m.c + 1)
    >>> inst = m.make(c=0, mode='FAST_COMPILE')
    >>> isinstance(inst.inc, symmodule.compile.Function)
    True
    >>> [i.variable.name for i in inst.inc.maker.inputs]
    ['n', 'c']
    """

    __slots__ = (
        "_sm_where",
        "_sm_state",
        "_sm_arity",
        "_sm_implicit_names",
        "_sm_defaults",
        "_sm_lock",
        "_sm_background",
        "_sm_standin",
        "_sm_layout",
        "_sm_donating",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # All of a call's updates are stored in one step, so that a KeyboardInterrupt
        # leaves every member as before the call or as after it (symmodule/_atomic.py).
        store_updates_at_once(self)
        self._sm_where = None
        self._sm_state = ()
        # Calls of one instance's methods are serialised by the instance's lock
        # (set when the instance is built): PyTensor functions keep arguments
        # and results in shared storage, so two threads must not run them at once.
        self._sm_lock = _NO_LOCK
        # In mode 'JAX_DONATING' a call gives the arrays of the members it updates to the computation.
        self._sm_donating = bool(donates(self.maker.linker))
        # PyTensor writes positional arguments into input storage in order, and
        # implicit (member) storage comes after the explicit inputs: a call with
        # too many arguments must be refused *before* it reaches PyTensor, or
        # it would overwrite a member before failing.
        self._sm_arity = sum(1 for i in self.maker.inputs if not i.implicit)
        self._sm_implicit_names = frozenset(
            i.name for i in self.maker.inputs if i.implicit and i.name is not None
        )
        # Storage of arguments with a plain default value (symmodule's In(x, value=1.0)):
        # PyTensor leaves a caller's value in it, Theano restored the default after the call.
        self._sm_defaults = tuple(
            container.storage
            for spec, container in zip(self.maker.inputs, self.input_storage)
            if getattr(spec, "owns_value", False) and spec.update is None and not spec.implicit
        )
        # Numba code compiling on a thread, and the function run until it is ready
        # (symmodule/background.py); both None once it is.
        self._sm_background: BackgroundCompile | None = getattr(self.maker, "_sm_background", None)
        self._sm_standin: Function | None = None
        # What the inputs are called in error messages, worked out at the first failure.
        self._sm_layout: Any = None
        if self._sm_background is not None:
            self._sm_background.start(self)

    def _sm_describe(self) -> str:
        where = self._sm_where
        if where:
            return where
        return f"function {self.name!r}" if self.name else "function"

    # -- Theano's storage access -------------------------------------------------

    def _sm_find(self, key: Any) -> Container:
        try:
            found = find_input(self, key)
        except (KeyError, TypeError):
            names = [i.name for i in self.maker.inputs if i.name]
            raise KeyError(
                f"{self._sm_describe()} has no input {key!r}; its inputs are {names}"
            ) from None
        if not isinstance(found, Container):
            raise KeyError(
                f"{self._sm_describe()}: the name {key!r} is ambiguous (several inputs "
                "carry it); use the variable itself as the key"
            )
        return found

    @property
    def container(self) -> _ContainerView:
        """The storage of each input, indexed by variable, name or position."""
        return _ContainerView(self)

    def __getitem__(self, key: Any) -> Any:
        with self._sm_lock:
            return self._sm_find(key).value

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._sm_lock:  # a member's storage: not while a call of its instance runs
            self._sm_find(key).value = value

    # -- calls ---------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The hot path of every method call: keep it to two checks and one call.
        if len(args) > self._sm_arity or (kwargs and not self._sm_implicit_names.isdisjoint(kwargs)):
            raise self._sm_explain(None, args, kwargs)
        if self._sm_defaults:
            return self._sm_call_restoring_defaults(args, kwargs)
        with self._sm_lock:
            try:
                target = self if self._sm_background is None else self._sm_target()
                return _pytensor_call(target, *args, **kwargs)
            except BaseException as exc:
                if self._sm_donating:
                    self._sm_note_deleted_members(exc)
                if not isinstance(exc, Exception):
                    raise  # an interrupt surfaces as itself
                errors.raise_interrupt_behind(exc)
                raise self._sm_explain(exc, args, kwargs) from exc

    def _sm_note_deleted_members(self, exc: BaseException) -> None:
        """Tell, on a failed call, which donated members the interrupted computation took with it.

        The note goes on the interrupt itself (``exc`` or the one it reports,
        which :func:`~symmodule.errors.raise_interrupt_behind` raises).
        """
        deleted = [path for container, path in self._sm_state if _is_deleted(container.storage[0])]
        if not deleted:
            return
        note = errors.DONATED_MEMBERS_LOST.format(method=self._sm_describe(), members=", ".join(deleted))
        for reported in (exc, exc.__cause__, exc.__context__):
            if reported is not None and not isinstance(reported, Exception):
                reported.add_note(note)
                return
        exc.add_note(note)

    def _sm_target(self) -> Function:
        """The function to run while Numba compiles in the background: the stand-in, or self once ready."""
        background = self._sm_background
        if not background.done.is_set():
            if self._sm_standin is None:
                self._sm_standin = background.standin_for(self)
            if self._sm_standin is not None:
                return self._sm_standin
        self._sm_background = self._sm_standin = None
        return self

    @property
    def unchecked(self) -> Callable[..., Any]:
        """The call without symmodule's argument checks and error messages: the fast path.

        ``step = inst.update.unchecked`` then ``step(x, y)`` in a hot loop runs
        PyTensor's own ``Function.__call__`` directly (about 0.1-0.3 us less per
        call). A mistaken call then gets PyTensor's errors, passing too many
        arguments can overwrite a member before failing, and the call does not
        take the instance's lock: do not use it from several threads at once.
        Its updates are still stored all at once (an interrupted call stores
        all or none), but an interrupt surfaces as the engine reports it (in
        Numba modes, often as a ``SystemError`` caused by the
        ``KeyboardInterrupt``). Setting
        ``inst.update.trust_input = True`` also skips PyTensor's conversion of
        the arguments (they must then already have the right dtype and shape).
        """
        return MethodType(_pytensor_call, self)

    def _sm_call_restoring_defaults(self, args: tuple, kwargs: dict) -> Any:
        with self._sm_lock:
            return self._sm_restoring_defaults(args, kwargs)

    def _sm_restoring_defaults(self, args: tuple, kwargs: dict) -> Any:
        saved = [storage[0] for storage in self._sm_defaults]
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            errors.raise_interrupt_behind(exc)
            raise self._sm_explain(exc, args, kwargs) from exc
        finally:
            for storage, value in zip(self._sm_defaults, saved):
                storage[0] = value

    def _sm_explain(self, exc: Exception | None, args: tuple, kwargs: dict) -> Exception:
        """Work out which of the caller's mistakes (if any) ``exc`` comes from."""
        try:
            return self._sm_diagnose(exc, args, kwargs)
        finally:
            if exc is not None:
                # Once read, the engine's exception is freed with the error chaining it rather
                # than by the cyclic collector: failing calls in a loop pile nothing up.
                release_failure(exc)

    def _sm_diagnose(self, exc: Exception | None, args: tuple, kwargs: dict) -> Exception:
        where = self._sm_describe()
        explicit = [i for i in self.maker.inputs if not i.implicit]
        names = ", ".join(_input_name(i, k) for k, i in enumerate(explicit))
        is_method = bool(self._sm_state)
        if len(args) > len(explicit):
            return errors.MethodArgumentError(
                errors.TOO_MANY_ARGUMENTS.format(
                    where=where, expected=len(explicit), names=names, given=len(args),
                    hint=self._sm_implicit_hint(None),
                )
            )
        for key in kwargs:
            if key in self._sm_implicit_names:
                return errors.MethodArgumentError(
                    errors.IMPLICIT_KEYWORD.format(
                        where=where, name=key, hint=self._sm_implicit_hint(key),
                        what=errors.IMPLICIT_MEMBER if is_method else errors.IMPLICIT_STORAGE,
                    )
                )
        position_of = {spec.name: k for k, spec in enumerate(explicit) if spec.name is not None}
        given = list(enumerate(zip(explicit, args)))
        for key, value in kwargs.items():
            position = position_of.get(key) if isinstance(key, str) else next(
                (k for k, spec in enumerate(explicit) if spec.variable is key), None
            )
            if position is None:
                return errors.MethodArgumentError(
                    errors.UNKNOWN_KEYWORD.format(where=where, name=key, names=names)
                )
            if position < len(args):
                return errors.MethodArgumentError(
                    errors.ARGUMENT_TWICE.format(where=where, name=key, position=position)
                )
            given.append((position, (explicit[position], value)))
        for position, (spec, value) in given:
            problem = _argument_problem(spec, value, self._sm_where is not None)
            if problem is not None:
                return errors.MethodArgumentError(
                    errors.BAD_ARGUMENT.format(
                        where=where,
                        name=_input_name(spec, position),
                        position=position,
                        expected=errors.describe_type(spec.variable.type),
                        given=errors.describe_value(value),
                        detail=problem,
                    )
                )
        given_by_name = set(kwargs)
        for position, spec in enumerate(explicit):
            if position >= len(args) and spec.name not in given_by_name and spec.variable not in given_by_name:
                return errors.MethodArgumentError(
                    errors.MISSING_ARGUMENT.format(
                        where=where, name=_input_name(spec, position), names=names
                    )
                )
        for container, path in self._sm_state:
            if container.storage[0] is None:
                return errors.UnsetMemberError(
                    errors.UNSET_MEMBER.format(where=where, member=path, attribute=errors.member_attribute(path))
                )
        if isinstance(exc, FloatingPointError) and errors.NON_FINITE_MARK in str(exc):
            member = str(exc).split(errors.NON_FINITE_MARK, 1)[1].split()[0]
            return errors.NonFiniteUpdateError(errors.NON_FINITE_UPDATE.format(where=where, member=member))
        if exc is None:  # refused before the call, for a reason found above
            return errors.MethodArgumentError(f"{where}: invalid call")
        return execution_error(self, exc)

    def _sm_implicit_hint(self, key: str | None) -> str:
        """How to change the implicit input named ``key`` (or any, for None) instead of passing it."""
        if self._sm_state:
            # The member's path, not the input's name: a Variable named 'foo' may be
            # the member at path 'c', and inst.foo = value would not reach it.
            # PyTensor wraps the containers it is given; the storage cell is what is shared.
            paths = {id(container.storage): path for container, path in self._sm_state}
            path = paths.get(id(find_input(self, key).storage)) if key is not None else None
            return errors.SET_MEMBER_HINT.format(
                attribute=errors.member_attribute(path or self._sm_state[0][1])
            )
        if not self._sm_implicit_names:
            return ""
        return errors.SET_STORAGE_HINT.format(name=key or min(self._sm_implicit_names))


def _input_name(spec: Any, position: int) -> str:
    return spec.name or f"<input {position}>"


def _argument_problem(spec: Any, value: Any, in_method: bool) -> str | None:
    """Why ``value`` is refused for the input ``spec``, or None when it is fine."""
    type_ = spec.variable.type
    try:
        type_.filter(value, strict=spec.strict, allow_downcast=spec.allow_downcast)
    except Exception as exc:
        if not spec.strict and _converts_with_a_loss(type_, value):
            # PyTensor's own text says to pass allow_input_downcast to function(), which a Method does not take.
            return errors.ARGUMENT_DOWNCAST.format(
                got=np.asarray(value).dtype,
                dtype=type_.dtype,
                option=errors.ARGUMENT_DOWNCAST_METHOD if in_method else errors.ARGUMENT_DOWNCAST_FUNCTION,
            )
        text = str(exc).strip().splitlines()  # the engine's own reason, first line only
        return text[0] if text else type(exc).__name__
    return None


def _converts_with_a_loss(type_: Any, value: Any) -> bool:
    try:
        type_.filter(value, strict=False, allow_downcast=True)
    except Exception:  # noqa: BLE001 - refused for another reason than precision
        return False
    return True


#: Held while PyTensor compiles (every :func:`compile_maker`, so Methods, ``symmodule.function``
#: and the stand-ins of background compilation alike) and while a code-cache key reads the
#: configuration. PyTensor's compiler changes process-wide configuration while it runs
#: (``config.mode`` while rewriting, ``cxx`` and ``optdb__max_use_ratio`` while inferring
#: shapes) and restores it after: two compilations at once can leave another thread's
#: temporary value in place for good, and a key read meanwhile would see a temporary value.
#: It also makes the first resolution of a mode name build one Mode object.
COMPILING = threading.RLock()


def compile_maker(
    inputs: Sequence[Any],
    outputs: Any = None,
    *,
    mode: Any = None,
    updates: Any = None,
    givens: Any = None,
    name: str | None = None,
    on_unused_input: str | None = None,
    allow_input_downcast: bool | None = None,
    profile: Any = None,
) -> FunctionMaker:
    """Rewrite a graph and prepare it for linking; the compile step shared by all of symmodule.

    The returned ``FunctionMaker`` produces :class:`Function` objects: call
    ``maker.create(input_storage)`` once per set of storage containers. Doing
    the expensive part (graph rewriting, linker set-up) once and ``create``
    many times is how instances of one Module share compiled code.

    No input is ever overwritten by the compiled code, whatever its
    ``mutable`` flag says (:func:`_kept_intact`). In the mode
    'NUMBA_BACKGROUND', Numba's compilation starts on a thread when the
    first function is created, and calls run a FAST_COMPILE stand-in until
    it is done (``symmodule/background.py``).
    """
    ins, outs = function_inputs_outputs(
        inputs, outputs, updates=updates, givens=givens, allow_input_downcast=allow_input_downcast
    )
    ins = [_kept_intact(spec) for spec in ins]
    with COMPILING:
        resolved = resolve_mode(mode)
        profile = _profile_stats(profile, name)
        maker = resolved.function_maker(
            ins,
            outs,
            resolved,
            accept_inplace=False,
            profile=profile,
            on_unused_input=on_unused_input,
            name=name,
            function_class=Function,
        )
    # function_inputs_outputs turns outputs=None into []; a call of a
    # function declared with no outputs returns None, as in Theano.
    set_return_none(maker, outputs is None)
    # Theano called the maker's graph its env: era code reads fn.maker.env.toposort().
    maker.env = maker.fgraph
    if is_jit_linker(maker.linker):
        compile_jit_once(maker.linker)
    if linker_kind(maker.linker) == "numba":
        # A failing Numba call loses what it allocated: no update before the outputs.
        schedule_updates_last(maker.linker)
    if isinstance(resolved, NumbaBackgroundMode) and linker_kind(maker.linker) == "numba":
        maker._sm_background = BackgroundCompile(
            functools.partial(
                compile_maker, inputs, outputs, mode="FAST_COMPILE", updates=updates, givens=givens,
                name=name, on_unused_input=on_unused_input, allow_input_downcast=allow_input_downcast,
            )
        )
    return maker


def _kept_intact(spec: Any) -> Any:
    """``spec`` without ``mutable``: compiled code may never overwrite an input's array.

    PyTensor lets a function overwrite the array passed for an input marked
    ``mutable`` (and the stored value of an input with an update, which is
    mutable by default), but whether it does depends on the mode: Numba and
    C write into it, FAST_COMPILE and JAX never do. So that a call leaves
    the caller's arrays as they were in every mode (and a failed call
    leaves stored values intact), every input is compiled as immutable;
    outputs then go to new arrays.
    """
    if not spec.mutable:
        return spec
    spec = copy.copy(spec)  # the caller's In is left as given
    spec.mutable = False
    return spec


def _profile_stats(profile: bool | str | ProfileStats | None, name: str | None) -> ProfileStats | None:
    """``profile=`` as ``pytensor.function`` reads it: None follows ``config.profile``."""
    if profile is None:
        profile = bool(config.profile or config.print_global_stats)
    if profile is True:
        return ProfileStats(message=name)
    if isinstance(profile, str):
        return ProfileStats(message=profile)
    return profile or None


# PyTensor registers its pickling of compiled functions for its own class only;
# ours pickles the same way (the maker and the input storage, recompiled on load).
register_function_pickling(Function)
