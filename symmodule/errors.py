"""Every exception symmodule raises, and the texts of their messages.

All errors derive from :class:`SymmoduleError`, so ``except
symmodule.SymmoduleError`` catches everything the library raises on purpose.
Each class also derives from the built-in exception a Python user would expect
(``TypeError`` for a bad call, ``ValueError`` for a bad declaration, ...), so
code written for Theano that caught those keeps working.

Messages are kept here as templates, next to each other, so that they stay
consistent: each says *what* went wrong, *where* (the module path and method
name) and *how* to fix it.
"""

from __future__ import annotations

import keyword
from typing import Any

import numpy as np

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
    "MethodNotCompiledError",
    "NonFiniteUpdateError",
    "ResolveError",
    "ModeError",
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
                    "__module__": __name__,
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


# --- message templates -------------------------------------------------------
# Placeholders are filled with str.format; keep each template self-contained.

UNKNOWN_INIT_KEY = (
    "{where}: unknown initial value {key!r}. It is not a member, container or "
    "inner module of this module; existing ones are: {known}. "
    "Fix the key, or handle it in an _instance_initialize override "
    "(def _instance_initialize(self, inst, {key}=None, **init): ...)."
)

UPDATE_NOT_A_MEMBER = (
    "Method {method!r}: the update key {key} is not a Member of the module tree "
    "being made ({reason}). Only state can be updated: declare it as a Member "
    "(module.x = T.scalar()) and key the update by that variable or its path."
)

UPDATE_OF_CONSTANT = (
    "Method {method!r}: cannot update {key!r}, a read-only constant member. "
    "Declare it as a symbolic Member (e.g. T.scalar()) to make it state."
)

UPDATE_TYPE_MISMATCH = (
    "Method {method!r}: the update of member {key!r} has type {got} but the "
    "member has type {expected}. {fix}"
)

# The fix an update of the wrong type needs (see update_type_fix); ``what`` is
# "member" or "variable".
UPDATE_FIX_DTYPE = (
    "Cast the expression (T.cast(expr, {dtype!r})), or declare the {what} with "
    "the dtype {got_dtype!r}."
)
UPDATE_FIX_FEWER_DIMS = (
    "An update keeps its {what}'s number of dimensions ({ndim}), and the "
    "expression has {got_ndim}: reduce it (e.g. T.sum(expr, axis=0)) or index "
    "it{cast}, or declare the {what} with {got_ndim} dimension(s)."
)
UPDATE_FIX_MORE_DIMS = (
    "An update keeps its {what}'s number of dimensions ({ndim}), and the "
    "expression has {got_ndim}: add dimensions (e.g. T.shape_padleft(expr)) "
    "or broadcast it (T.broadcast_to(expr, shape)){cast}, or declare the "
    "{what} with {got_ndim} dimension(s)."
)
UPDATE_FIX_CAST_TOO = " and cast it (T.cast(expr, {dtype!r}))"
UPDATE_FIX_OTHER = "Give the expression the {what}'s type, or declare the {what} with the expression's type."

INPUT_AND_UPDATE = (
    "Method {method!r}: {key!r} is both an explicit input and updated. An "
    "explicit input is an ordinary argument, so there is no state to update: "
    "remove it from the inputs (it then becomes an implicit Member input) or "
    "drop the update."
)

MISSING_GRAPH_INPUT = (
    "Method {method!r}: the computation reads {variable}, which is neither one "
    "of the method's inputs nor a Member of the module tree being made. Add it "
    "to the method's inputs, or assign it to a module attribute to make it a Member."
)

BAD_METHOD_INPUT = (
    "Method {method!r}: input {value!r} is not a symbolic Variable or In(...). "
    "Inputs are Variables such as T.matrix('x'), or a list of them."
)

BAD_METHOD_OUTPUT = (
    "Method {method!r}: output {value!r} is not a symbolic expression. "
    "Outputs are None, one expression, or a list of expressions."
)

TOO_MANY_ARGUMENTS = (
    "{where} takes {expected} argument(s) ({names}) but {given} were given. {hint}"
)

IMPLICIT_KEYWORD = "{where}: {name!r} is {what}; it cannot be passed as an argument. {hint}"
IMPLICIT_MEMBER = "a Member, an implicit input read from the instance"
IMPLICIT_STORAGE = "an implicit input that holds its own value"

# How to change an implicit input, for a compiled Method and for a plain function.
SET_MEMBER_HINT = (
    "Members are implicit inputs read from the instance: set them on the "
    "instance ({attribute} = value) instead of passing them."
)
SET_STORAGE_HINT = "Implicit inputs hold their own value: set it with fn[{name!r}] = value."

BAD_ARGUMENT = (
    "{where}: argument {name!r} (position {position}) expects {expected}, "
    "got {given}. {detail}"
)

# BAD_ARGUMENT's detail when the value converts only with a loss of precision
# (float64 into float32, 1.5 into int64); ``option`` is how else to allow it.
ARGUMENT_DOWNCAST = (
    "Converting {got} values to {dtype} could lose precision, so the value is "
    "refused. Convert it first (numpy.asarray(value, dtype={dtype!r})){option}."
)
ARGUMENT_DOWNCAST_METHOD = (
    ", or declare the input In(variable, allow_downcast=True) to have every call convert it"
)
ARGUMENT_DOWNCAST_FUNCTION = (
    ", or compile with symmodule.function(..., allow_input_downcast=True) to have every call convert it"
)

MISSING_ARGUMENT = "{where}: missing argument {name!r}. It takes ({names})."

UNKNOWN_KEYWORD = "{where} got an unexpected keyword argument {name!r}. It takes ({names})."

ARGUMENT_TWICE = (
    "{where} got multiple values for argument {name!r}: once by position "
    "({position}) and once by keyword. Pass it one way."
)

UNSET_MEMBER = (
    "{where} reads member {member!r}, which has no value. Give it one before "
    "calling: pass it to make(...) or set {attribute} = value."
)

EXECUTION_FAILED = (
    "{where} failed inside the compiled code: {error}.{details}\n"
    "The call stored no update: every member keeps its value. {fix}"
)

# The lines of details under EXECUTION_FAILED's first line; each starts with "\n  ".
# ``operation`` is the failing node with its inputs named (W, x, Dot.0), ``shapes``
# the shapes of the values it was given.
EXECUTION_NODE = "\n  The operation that failed: {operation}, on inputs of shapes {shapes}{how}."
# How the operation was found when the engine does not say (Numba, JAX).
EXECUTION_NODE_REPLAYED = " (found by running the call again in Python, without storing anything)"
EXECUTION_ARGUMENTS = "\n  Arguments given: {values}."
EXECUTION_MEMBERS = "\n  Members read: {values}."
EXECUTION_STORED = "\n  Stored inputs: {values}."
# How to fix: for a shape error (a ValueError in NumPy, Numba and PyTensor's
# Python code), and for any other error. ``members`` is EXECUTION_FIX_MEMBERS
# when the call read members, with an ``example`` such as "inst.W = new_value".
EXECUTION_FIX_SHAPES = "Make the shapes agree: pass arguments of other shapes{members}."
EXECUTION_FIX_OTHER = (
    "Check the values listed against what the operation needs (indices "
    "within bounds, divisors not zero...): pass other arguments{members}."
)
EXECUTION_FIX_MEMBERS = ", or give the members other values (e.g. {example} = new_value)"

# The message of the in-graph check; the member's path follows it.
NON_FINITE_MARK = "symmodule: non-finite update of member "

NON_FINITE_UPDATE = (
    "{where} computed a NaN or inf for member {member!r}, so the call stored no "
    "update at all (check_finite is on). Look for a diverging step (lower the "
    "step size) or bad inputs; the member keeps its previous value."
)

# The IndexError raised by the compiled code of the modes whose kernels do not
# check indices themselves (Numba's integer-array indexing, JAX): like NumPy's.
INDEX_OUT_OF_BOUNDS = (
    "index out of bounds {where}: an axis of size n takes the indices -n to n - 1"
)

METHOD_NOT_COMPILED = (
    "{method} is a declaration and cannot be called before make(). Compile the "
    "Module, then call the method on the instance: inst = module.make(); "
    "inst.method_name(...)."
)

CANNOT_CONVERT = (
    "Cannot set member {member!r} to {value_desc}: it holds {type}. "
    "({reason}) The previous value is kept."
)

READONLY = (
    "Cannot set readonly member {member!r}: it was declared as the constant "
    "{value!r}. Declare a symbolic Member (e.g. T.scalar()) for state."
)

CANNOT_REPLACE = (
    "Cannot replace {kind} {name!r} of {where}: the instance's structure is "
    "fixed by make(). Change the Module and make() again."
)

RESOLVE_NOT_FOUND = "{where}: nothing at {path!r} ({step!r} not found). {hint}"

RESOLVE_WRONG_KIND = (
    "{where}: {path!r} is a {kind}, not a {wanted}. Drop the filter or resolve "
    "another name."
)

UNKNOWN_MODE = (
    "Unknown mode {mode!r}. Available modes: {available}; or pass a Mode object "
    "(symmodule.Mode(linker, optimizer))."
)

MODE_BACKEND_MISSING = (
    "Mode {mode!r} needs the {package!r} package, which is not installed. "
    "Install it (pip install 'symmodule[{extra}]') or pick one of: {available}."
)

NO_BLAS = (
    "PyTensor found no BLAS library to link its C code with, so modes 'CVM' and "
    "'DEBUG_MODE' run matrix products through NumPy and mode 'C' cannot compile them "
    "('NUMBA' and 'JAX' need none). To link one, install it (OpenBLAS, MKL) and set "
    "PYTENSOR_FLAGS=blas__ldflags=-lopenblas (or its own flags)."
)

RESERVED_NAME = (
    "{where}: {name!r} is reserved on instances ({why}). Rename the {kind}."
)

BAD_ROLES = (
    "{where}: roles must be strings, e.g. roles=('param', 'regularizable') or "
    "roles=symmodule.roles.PARAM; got {roles!r}."
)

INIT_NOT_CALLABLE = (
    "{where}: init={init!r} is not callable. Give a rule taking the member's InitContext, "
    "e.g. init=symmodule.init.zeros() or init=symmodule.init.glorot_uniform(seed=0)."
)

INIT_AND_SHARED = (
    "{where}: a shared variable already holds its first value, so it cannot have an init= "
    "rule too. Declare a fresh Variable (T.matrix()) with the rule, or drop init=."
)

INIT_TWICE = (
    "The member at {first!r} is declared again at {second!r} with another init= rule. "
    "Give the rule at one of the two declarations only."
)

INIT_CYCLE = (
    "The init= rules of these members read each other in a cycle: {cycle}. "
    "Give one of them a rule that does not read the others, or a value at make()."
)

INIT_RETURNED_NONE = (
    "The init= rule {rule} of member {path!r} returned None. A rule returns the member's "
    "first value (an array of its dtype and number of dimensions)."
)

INIT_NO_SHAPE = (
    "The init= rule {rule} of member {path!r} needs the member's shape, but its type "
    "({type}) leaves lengths open. Declare it with a static shape "
    "(T.matrix(shape=(784, 100))) or give the rule one (shape=(784, 100))."
)

INIT_NO_FANS = (
    "Member {path!r}: the Glorot and He rules need a weight of two or more dimensions "
    "to count fans, not the shape {shape}. Use symmodule.init.normal(...) or uniform(...)."
)

INIT_UNKNOWN_MEMBER = (
    "The init= rule of member {path!r} asked for the value of {variable}, which is not a "
    "member of the instance being made. Read only members of the same tree."
)

INIT_DEPENDS_ON_UNSET = (
    "The init= rule of member {path!r} needs the value of member {other!r}, which has no "
    "value and no init= rule. Pass it to make() ({other}=...) or give it a rule."
)

MEMBER_NOT_ROOT = (
    "Member({variable}) at {where}: a Member must be a Variable with no owner "
    "(T.scalar(), T.matrix('w')); {variable} is computed from other variables. "
    "Use External(...) for a computed expression, or declare a fresh Variable."
)


def update_type_fix(got: Any, expected: Any, what: str) -> str:
    """How to fix an update of type ``got`` for a ``what`` ("member", "variable") of type ``expected``.

    A cast only for a dtype that differs; reducing or adding dimensions for a
    number of dimensions that differs (a cast cannot change it).
    """
    dtype, got_dtype = getattr(expected, "dtype", None), getattr(got, "dtype", None)
    ndim, got_ndim = getattr(expected, "ndim", None), getattr(got, "ndim", None)
    cast = UPDATE_FIX_CAST_TOO.format(dtype=dtype) if dtype != got_dtype else ""
    if ndim is not None and got_ndim is not None and ndim != got_ndim:
        template = UPDATE_FIX_FEWER_DIMS if got_ndim > ndim else UPDATE_FIX_MORE_DIMS
        return template.format(what=what, ndim=ndim, got_ndim=got_ndim, cast=cast)
    if dtype is not None and got_dtype is not None and dtype != got_dtype:
        return UPDATE_FIX_DTYPE.format(what=what, dtype=dtype, got_dtype=got_dtype)
    return UPDATE_FIX_OTHER.format(what=what)


def member_attribute(path: str) -> str:
    """How to reach a member from the root instance: ``inst.c``, or ``inst['layers.0']`` for a nested path.

    Writing ``inst[path] = value`` works for any path; a plain name reads
    better as an attribute.
    """
    return f"inst.{path}" if path.isidentifier() and not keyword.iskeyword(path) else f"inst[{path!r}]"


def describe_type(type_: Any) -> str:
    """``TensorType(float64, shape=(None, 3))`` as "a float64 array with 2 dimension(s) ..."."""
    dtype = getattr(type_, "dtype", None)
    ndim = getattr(type_, "ndim", None)
    if dtype is None or ndim is None:
        return str(type_)
    shape = getattr(type_, "shape", None)
    if shape is not None and any(s is not None for s in shape):
        shown = ", ".join("?" if s is None else str(s) for s in shape)
        return f"a {dtype} array with {ndim} dimension(s) and shape ({shown})"
    return f"a {dtype} array with {ndim} dimension(s)"


def describe_value(value: Any) -> str:
    """A short description of a runtime value: its type, dtype and shape."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array with {value.ndim} dimension(s) and shape {value.shape}"
    try:
        array = np.asarray(value)
    except Exception:
        return f"a {type(value).__name__}"
    if array.dtype == object:
        return f"a {type(value).__name__}"
    return f"a {type(value).__name__} ({array.dtype}, {array.ndim} dimension(s), shape {array.shape})"


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


# --- the function interface: In(...) and symmodule.function's input specs ----


class InputSpecError(SymmoduleError, TypeError):
    """An input of ``symmodule.function`` or an ``In(...)`` is malformed, or its value or update does not fit."""


__all__.append("InputSpecError")

BAD_INPUT_SPEC = (
    "{where}: input {position}, {spec}, is not an input spec: {reason}. An input "
    "is a Variable, In(variable, ...), (variable, value) or ((variable, "
    "update_expression), value), optionally with a name first: (name, variable, "
    "value)."
)

BAD_INPUTS_LIST = (
    "{where}: inputs must be a list (or tuple) of input specs, got {given}. "
    "Wrap a single input in a list: function([x], ...)."
)

INPUT_VALUE_NOT_CONVERTIBLE = (
    "{where}: the value {value} cannot be stored for {variable}, which is "
    "{expected}: {reason}. Give a value of that type, or declare the variable "
    "with the value's type."
)

INPUT_VALUE_SYMBOLIC = (
    "{where}: the value given for {variable} is {value}, a symbolic expression. "
    "A value is a number, an array, a Container (another function's "
    "fn.container[var]) or a shared variable; to compute {variable} from an "
    "expression, use givens={{{variable}: expression}}."
)

INPUT_STORAGE_TYPE_MISMATCH = (
    "{where}: the storage given for {variable} ({expected}) holds {got}. Inputs "
    "can share storage only when their types match: declare {variable} with "
    "the type of the variable whose container is passed."
)

INPUT_UPDATE_NOT_SYMBOLIC = (
    "{where}: the update of {variable} is {update!r}, not a symbolic "
    "expression. Write the update with variables (e.g. c + n), or use "
    "T.constant(...) for a fixed value."
)

INPUT_UPDATE_TYPE_MISMATCH = (
    "{where}: the update of {variable} has type {got} but {variable} has type "
    "{expected}. {fix}"
)

UPDATE_OF_FUNCTION_INPUT = (
    "{where}: updates= has the key {variable}, which is an input of the "
    "function; updates= takes shared variables only. To update the value an "
    "input holds, put the update in its spec: ((variable, update_expression), "
    "value)."
)

IN_NOT_A_VARIABLE = (
    "{where}: In(...) takes a symbolic variable (T.scalar('x'), T.matrix()), "
    "got {given}. A constant cannot be an input: use it in the graph directly."
)


# --- RandomStreams: draws and per-instance generator state -------------------


class RandomDrawError(SymmoduleError, ValueError):
    """A ``RandomStreams`` draw was declared with arguments that contradict each other."""


class UnknownStreamError(SymmoduleError, KeyError):
    """``inst.random[key]`` was given something that is not a generator of that RandomStreams."""

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of the message; show the text.
        return str(self.args[0]) if self.args else ""


__all__ += ["RandomDrawError", "UnknownStreamError"]

RANDOM_NDIM_VS_SIZE = (
    "RandomStreams.{draw}: ndim={ndim} contradicts size={size}, which has "
    "{length} dimension(s). Drop ndim, or make it equal to len(size)."
)

RANDOM_NDIM_VS_PARAMS = (
    "RandomStreams.{draw}: ndim={ndim} contradicts the draw: with no size, its "
    "shape is the broadcast shape of the parameters, which has {length} "
    "dimension(s). Pass size=... with {ndim} entries, or drop ndim."
)

RANDOM_SIZE_LENGTH_UNKNOWN = (
    "RandomStreams.{draw}: the number of entries of the symbolic size {size} is "
    "not known when the graph is built. Pass ndim=<that number> so the draw's "
    "rank is known."
)

RANDOM_BAD_SIZE = (
    "RandomStreams.{draw}: size={size!r} is not a shape. Give an int, a "
    "tuple/list of ints or integer scalars, or an integer vector such as "
    "T.shape(x)."
)

RANDOM_RNG_ARGUMENT = (
    "RandomStreams.{draw}: rng= cannot be given; each draw gets its own "
    "generator, reachable afterwards as out.rng."
)

UNKNOWN_STREAM = (
    "{where}: {key} is not the generator of a stream of this RandomStreams "
    "(it has {count} stream(s)). Index it with out.rng, where out is a draw "
    "made by this RandomStreams before make()."
)

NOT_A_GENERATOR = (
    "{where}: a stream's state must be a numpy.random.Generator (e.g. "
    "numpy.random.default_rng(seed)), got {value_desc}. The previous "
    "generator is kept."
)


# --- state dicts and checkpoint files (symmodule/persist) --------------------


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


__all__ += [
    "StateDictError",
    "UnsupportedStateError",
    "StateArgumentError",
    "CheckpointError",
    "CheckpointWriteError",
]

STATE_DICT_PROBLEMS = (
    "Cannot load the state dict into {target}: {count} problem(s), so nothing "
    "was loaded and the instance is unchanged.\n{problems}\n"
    "Give exactly one entry per member, under its path, with the member's "
    "dtype and shape (symmodule.state_dict(inst) shows what is expected), or pass "
    "strict=False to load only the entries that fit: it returns the keys it skipped."
)

STATE_MISSING = "missing {key!r}: no entry for this member ({expected})"

STATE_UNEXPECTED = "unexpected {key!r}: not a member of this instance{hint}"

STATE_UNEXPECTED_CONSTANT = (
    "unexpected {key!r}: a read-only constant of the Module, not state "
    "(constants come from the Module and are never loaded); drop the entry"
)

STATE_DUPLICATE = (
    "unexpected {key!r}: it names the same member as {first!r} (an alias), "
    "which is also given; give each member once, under {first!r}"
)

STATE_WRONG_DTYPE = (
    "wrong dtype at {key!r}: got {got}, but the member is {expected}; cast it "
    "(value.astype({dtype!r})) or declare the member with that dtype"
)

STATE_WRONG_SHAPE = "wrong shape at {key!r}: got {got}, but the member {expected}"

STATE_BAD_VALUE = "bad value at {key!r}: {reason}"

STATE_NOT_A_MAPPING = (
    "{function}: the state dict must be a mapping {{path: array}} (what "
    "state_dict() returns), got {given}. To load a checkpoint file, use "
    "symmodule.load(path, into=inst)."
)

STATE_NOT_AN_INSTANCE = (
    "{function}: {argument} must be a ModuleInstance (what Module.make() "
    "returns), got {given}."
)

# --- an instance as a pair: symmodule.split / symmodule.merge (module/blueprint.py, module/state.py)

STATE_UNKNOWN_PATH = (
    "The state has no entry {path!r}. Its entries are the paths where each member "
    "first appears: {paths}. (Constants are part of the blueprint, not of the state.)"
)

MERGE_STATE_MISMATCH = (
    "merge(): the state does not fit the blueprint of {module}: {problems}. A state "
    "fits the blueprint it was split from (or a copy of it); to load values into an "
    "instance from another structure, use symmodule.load_state_dict(inst, state, strict=False)."
)

MERGE_NOT_A_BLUEPRINT = (
    "merge(): the first argument must be a Blueprint (what symmodule.split(inst) "
    "returns first), got {given}."
)

BLUEPRINT_NO_INSTANCE_AT = (
    "Blueprint.at({path!r}): the Module made at {module} has no inner module there. "
    "Inner modules: {known}."
)

# ``inst.save(path)`` and the like: instance methods that moved to free functions, so that
# a Member or Method may take their names.
MOVED_INSTANCE_METHOD = (
    "inst.{name}(...) is deprecated and will be removed: use {replacement}. Methods on "
    "instances take names a Member or Method may need, so symmodule keeps them as free "
    "functions (a member named {name!r} is read as inst.{name} as usual)."
)

UNSUPPORTED_STATE = (
    "Cannot put member {key!r} in a state dict: it holds {value_desc} (its "
    "type is {type}), which has no array form. state_dict() and save() handle "
    "numeric arrays and numpy Generators{hint}."
)

LOAD_NEEDS_INTO = (
    "symmodule.load({path!r}) needs into=<instance>: a checkpoint holds data "
    "(arrays and metadata), never code, so it cannot rebuild the Module. Make "
    "the module first and load into it: symmodule.load(path, into=MyModule().make()). "
    "To look at the arrays without an instance, use "
    "symmodule.persist.read_checkpoint(path)."
)

CHECKPOINT_UNREADABLE = "Cannot load checkpoint {path!r}: {reason}. {hint}"

CHECKPOINT_NOT_WRITTEN = (
    "Cannot save the checkpoint {path!r}: {reason}. Nothing was written; a "
    "previous file at that path, if any, is unchanged."
)

# Reasons and hints of CHECKPOINT_UNREADABLE / CHECKPOINT_NOT_WRITTEN, for files
# that are not what they claim. ``where`` reads "its header", "in its metadata,
# members['w']['shape']"...; ``got`` is a short description of a JSON value.
CHECKPOINT_BAD_VALUE = "{where} is {got}, but it must be {expected}"

CHECKPOINT_BAD_JSON_FIELD = "in its metadata, {field!r} holds {got}, but it must hold {expected}"

CHECKPOINT_MISSING_FIELD = "{where} has no {field!r} field"

CHECKPOINT_DUPLICATE_KEY = "{where} lists {key!r} twice"

CHECKPOINT_TOO_DEEP = "{where} nests JSON more than {limit} levels deep (a checkpoint needs 3)"

CHECKPOINT_NOT_JSON = "its metadata field {field!r} is not valid JSON"

CHECKPOINT_HINT_MALFORMED = (
    "The file was not written by symmodule.save, or was damaged since; load "
    "another copy of the checkpoint."
)

CHECKPOINT_HINT_TRUNCATED = (
    "The file was cut short (an interrupted copy or download, or a full disk); "
    "symmodule.save itself never leaves a partial file at the path it writes. "
    "Load another copy of the checkpoint."
)

CHECKPOINT_HINT_CORRUPT = "The file was damaged after it was written; load another copy of the checkpoint."

CHECKPOINT_HINT_FOREIGN = (
    "symmodule.load reads only checkpoints written by symmodule.save (safetensors "
    "files with symmodule metadata)."
)

# The reason when the safetensors parser refuses the header's array entries
# (types, sizes, offsets); ``detail`` is the parser's own message.
CHECKPOINT_SAFETENSORS_REFUSES = "the safetensors parser refuses it ({detail})"

CHECKPOINT_NOT_A_FILE = "it is {what}, not a regular file"

CHECKPOINT_HINT_NOT_A_FILE = (
    "Give the path of a checkpoint file written by symmodule.save, such as "
    "'model.safetensors'."
)

# The message of the IsADirectoryError for a folder, as open() would raise.
CHECKPOINT_IS_A_FOLDER = "Is a directory: a checkpoint is a file; give the path of one, such as {example!r}"

CHECKPOINT_BAD_PATH = (
    "{function}: the path must be a str, bytes or os.PathLike (a file name "
    "such as 'model.safetensors'), got {given}."
)

UNSUPPORTED_DTYPE = (
    "Cannot save {key!r}: it is {value_desc}, and a checkpoint stores numpy "
    "Generators and arrays of the dtypes {dtypes}. Convert it (value.astype(...)) "
    "or leave it out of the state dict."
)

STATE_NONE_VALUE = (
    "{key!r}: the value is None. To leave a member without a value, list its "
    "path in the state dict's .unset instead; otherwise give an array."
)

WRAPPER_NOT_COMPONENT = (
    "{where}: the wrapper registered for {value!r} returned {result!r}, which is "
    "not a Component. A wrapper given to register_wrapper must return a Component "
    "(a subclass of symmodule.compile.module.Component implementing allocate and build)."
)

WRAPPER_NOT_CALLABLE = (
    "register_wrapper: the {what} {value!r} is not callable. Give a predicate "
    "(value -> bool) and a wrapper (value -> Component)."
)
