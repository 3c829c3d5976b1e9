"""The exception classes: one base, each also a built-in exception a Python user expects.

The classes are shown and pickled as ``symmodule.errors.<Name>``; the
subclasses that combine :class:`MethodExecutionError` with an engine's own
exception class are made at run time (:func:`execution_error_class`).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "SymmoduleError",
    "AllocationError",
    "DeclarationError",
    "UpdateError",
    "InitializationError",
    "MemberValueError",
    "ReadonlyMemberError",
    "UnsetMemberError",
    "MethodArgumentError",
    "MethodExecutionError",
    "NonFiniteUpdateError",
    "MethodNotCompiledError",
    "ResolveError",
    "ModeError",
    "execution_error_class",
    "raise_interrupt_behind",
    "InputSpecError",
    "RandomDrawError",
    "UnknownStreamError",
    "StateDictError",
    "UnsupportedStateError",
    "StateArgumentError",
    "CheckpointError",
    "CheckpointWriteError",
]


class SymmoduleError(Exception):
    """Base class of every error symmodule raises on purpose."""

class AllocationError(SymmoduleError, TypeError):
    """A value cannot be given storage (it is not a symbolic Variable or a constant)."""

class DeclarationError(SymmoduleError, ValueError):
    """The Module's declaration is inconsistent; raised by ``make()``."""

class UpdateError(DeclarationError):
    """A Method's ``updates`` names something that is not a Member it can write."""

class InitializationError(SymmoduleError, TypeError):
    """``make(**init)`` or ``inst.initialize(**init)`` got a key that is not a member."""

class MemberValueError(SymmoduleError, TypeError):
    """A value written to a Member cannot be converted to the Member's type."""

class ReadonlyMemberError(SymmoduleError, AttributeError):
    """A constant Member was written to."""

class UnsetMemberError(SymmoduleError, ValueError):
    """A method was called while one of the Members it reads has no value."""

class MethodArgumentError(SymmoduleError, TypeError):
    """A compiled method was called with the wrong arguments."""

class MethodExecutionError(SymmoduleError):
    """The compiled code of a method failed while running.

    What a call raises is an instance of a subclass that also derives from
    the class of the engine's own exception: a shape error is a
    ``MethodValueError``, both a ``MethodExecutionError`` and a
    ``ValueError``, so that ``except ValueError`` written for the engine's
    errors keeps catching it (:func:`execution_error_class`). The engine's
    exception is chained as ``__cause__``.

    Attributes
    ----------
    engine_class : type or None
        The engine's exception class this one derives from (None for this
        base class itself).
    """

    engine_class: type[Exception] | None = None

    def __init__(self, message: str) -> None:
        # Only BaseException's initialisation: the engine class's own __init__
        # may require other arguments (UnicodeDecodeError takes five).
        Exception.__init__(self, message)

    def __str__(self) -> str:
        # The message as given, whichever __str__ the engine class has (KeyError's shows a repr).
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple:
        # The subclasses are made at run time, so they are not importable by name:
        # a pickle names the engine class and the subclass is made again on load.
        return (_execution_error, (self.engine_class, str(self)))

class NonFiniteUpdateError(SymmoduleError, FloatingPointError):
    """With ``check_finite``, a method computed a NaN or inf for a member; nothing was stored."""

class MethodNotCompiledError(SymmoduleError, TypeError):
    """A :class:`~symmodule.Method` declaration was called before ``make()``."""

class ResolveError(SymmoduleError, LookupError):
    """``Module.resolve`` found nothing at a path, or found the wrong kind of thing."""

class ModeError(SymmoduleError, ValueError):
    """A compilation mode name is unknown, or its backend is not installed."""

# One subclass per engine exception class, made at the first error of that class.
_EXECUTION_ERROR_CLASSES: dict[type, type[MethodExecutionError]] = {}

def execution_error_class(engine_class: type[BaseException]) -> type[MethodExecutionError]:
    """The :class:`MethodExecutionError` subclass that also derives from ``engine_class``.

    ``execution_error_class(ValueError)`` is ``MethodValueError``, a subclass
    of both; one class per engine class, made once. When ``engine_class``
    cannot be a base next to ``MethodExecutionError`` (its instances have a
    memory layout another base conflicts with, its metaclass differs, it is
    final, or it cannot be made with a message alone), the nearest of its
    bases that can is used: a message is never lost for want of a class.
    Only ``Exception`` subclasses are combined; for anything else (and for
    ``Exception`` itself) the answer is ``MethodExecutionError``.

    Parameters
    ----------
    engine_class
        The class of the exception the compiled code raised.

    Returns
    -------
    type
        A subclass of :class:`MethodExecutionError` (and of ``engine_class``
        or its nearest base that allows it).
    """
    found = _EXECUTION_ERROR_CLASSES.get(engine_class)
    if found is None:
        # setdefault: two threads meeting the same new class get the same subclass.
        found = _EXECUTION_ERROR_CLASSES.setdefault(engine_class, _combined_class(engine_class))
    return found

def _combined_class(engine_class: type[BaseException]) -> type[MethodExecutionError]:
    for base in engine_class.__mro__:
        if base is Exception or not issubclass(base, Exception):
            break
        if issubclass(base, MethodExecutionError):
            return base
        name = f"Method{base.__name__}"
        try:
            combined = type(
                name,
                (MethodExecutionError, base),
                {
                    "__module__": "symmodule.errors",
                    "__qualname__": name,
                    "__doc__": f"A MethodExecutionError that is also a {base.__module__}.{base.__qualname__}.",
                    "engine_class": base,
                },
            )
            str(combined("probe"))
        except Exception:  # noqa: BLE001 - this base cannot be combined: try the next one up
            continue
        return combined
    return MethodExecutionError

def _execution_error(engine_class: type[BaseException] | None, message: str) -> MethodExecutionError:
    """Rebuild a pickled :class:`MethodExecutionError` (see its ``__reduce__``)."""
    cls = MethodExecutionError if engine_class is None else execution_error_class(engine_class)
    return cls(message)

def raise_interrupt_behind(exc: BaseException) -> None:
    """Raise the ``KeyboardInterrupt`` (or ``SystemExit``...) that ``exc`` only reports, if any.

    A signal handler raising ``KeyboardInterrupt`` while compiled code runs
    Python code on its behalf (Numba calls back into Python to unpickle a
    constant, for one) can reach the caller as another exception: the compiled
    code ignores the handler's exception and CPython then raises
    ``SystemError: ... returned a result with an exception set``, with the
    ``KeyboardInterrupt`` as its cause. A call interrupted by the user must
    surface as the interrupt itself, so that ``except KeyboardInterrupt:``
    catches it: this walks ``exc``'s causes and contexts, and raises the
    first exception found that is not an ``Exception``. It returns when there
    is none.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc.__cause__, exc.__context__]
    while pending:
        found = pending.pop()
        if found is None or id(found) in seen:
            continue
        if not isinstance(found, Exception):
            raise found.with_traceback(found.__traceback__) from None
        seen.add(id(found))
        pending += [found.__cause__, found.__context__]

class InputSpecError(SymmoduleError, TypeError):
    """An input of ``symmodule.function`` or an ``In(...)`` is malformed, or its value or update does not fit."""

class RandomDrawError(SymmoduleError, ValueError):
    """A ``RandomStreams`` draw was declared with arguments that contradict each other."""

class UnknownStreamError(SymmoduleError, KeyError):
    """``inst.random[key]`` was given something that is not a generator of that RandomStreams."""

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of the message; show the text.
        return str(self.args[0]) if self.args else ""

class StateDictError(SymmoduleError, ValueError):
    """A state dict does not fit the instance it is loaded into (strict load).

    Raised once for all the problems found, before anything is written: the
    instance is unchanged. ``missing``, ``unexpected`` and ``mismatched`` list
    the keys of each kind of problem.
    """

    def __init__(
        self,
        message: str,
        missing: Any = (),
        unexpected: Any = (),
        mismatched: Any = (),
    ) -> None:
        super().__init__(message)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mismatched = list(mismatched)

class UnsupportedStateError(SymmoduleError, TypeError):
    """A member holds a value that has no array form, so it cannot go in a state dict or file."""

class StateArgumentError(SymmoduleError, TypeError):
    """A persistence function got the wrong kind of argument (no ``into=``, not an instance, not a dict)."""

class CheckpointError(SymmoduleError, ValueError):
    """A file cannot be loaded as a symmodule checkpoint: not one, truncated, corrupt or too new."""

    def __init__(self, message: str, path: Any = None) -> None:
        super().__init__(message)
        self.path = path

class CheckpointWriteError(SymmoduleError, OSError):
    """``save()`` could not write the checkpoint; any previous file at that path is intact."""


# Shown and pickled under the name users import them by: symmodule.errors.<Name>.
for _name in __all__:
    if isinstance(globals()[_name], type):
        globals()[_name].__module__ = "symmodule.errors"
