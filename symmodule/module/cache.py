"""Compiled code shared across ``make()`` calls: compile once per exact structure.

Compiling a Method (graph rewriting, code generation) is the expensive part
of ``make()``; binding storage to compiled code is cheap (``maker.create``).
A :class:`CodeCache` maps the *structure* of a resolved Method — its graph
with state replaced by positions in the plan, its input and output specs,
its mode and the configuration it is compiled under — to the compiled
result. A second ``make()`` of a Module, or of an equal Module built from
other Variables, finds its code there and only allocates storage.

The cache is explicit state: ``symmodule.code_cache`` is the default one that
``make()`` uses, with :meth:`CodeCache.clear` and counters in
:attr:`CodeCache.stats`; ``make(cache=None)`` bypasses it.

Exactness
---------
Code is shared only between Methods that are identical in everything that can
change what PyTensor compiles or how the compiled function treats its
arguments and results. The key (:meth:`CodeCache.key`) holds:

* **the graph**, node by node in topological order: each Op by its class,
  its own equality, its properties compared by :func:`exact_key`, and, for
  an Op with an inner graph (``OpFromGraph``, ``Scan``, a scalar
  ``Composite``), that inner graph by these same rules; the output types of
  each node; each node input as an argument position, a state position, an
  earlier node's output, a shared variable (by identity) or a constant;
* **every constant** by its type and its value *bit for bit*: an array by its
  dtype (byte order included), shape and raw bytes, so ``-0.0`` is not
  ``0.0``, NaNs differ by payload and ``int8`` is not ``int16``; slices,
  tuples and lists element by element; scalars with their exact type (``1``,
  ``1.0`` and ``True`` differ); other hashable values (strings, None, Types)
  by equality, and anything else (a NumPy ``Generator``) by identity;
* **every attribute of each argument's ``In`` spec** (name, mutable, borrow,
  strict, allow_downcast, implicit, shared, ...): an argument with a default
  value or an update is never shared, since that state lives in the
  compiled specs; **each output's ``Out`` flags** (borrow), and whether the
  Method returns nothing, one output or a list;
* the Method's path (the compiled function's name), and for each piece of
  state it reads or updates: its position in the plan, its name, type and
  class (a shared-variable member is compiled through a stand-in) and its
  update expression;
* **the mode**, as :func:`symmodule.modes.resolve_mode` resolves it (one
  object per name; other Mode objects by identity), and whether it was named
  (a name brings symmodule's rewrites and index checks, a Mode object is
  used exactly as given);
* **the value of every configuration flag in** :data:`CODE_FLAGS`: the
  flags PyTensor reads while rewriting, generating or linking code that can
  be changed at run time.

Flags outside :data:`CODE_FLAGS` only print (``optimizer_verbose``,
``exception_verbosity``, ``profiling__*``), affect PyTensor's disk caches
(``numba__cache``, ``compiledir``), run-time checks of DebugMode and
NanGuardMode (read when those modes are built), or whether a failure raises
(``on_opt_error``, ``on_shape_error``: a failure that raises leaves nothing
in the cache, one that does not gives the same graph either way). Flags that
PyTensor only reads at import (``optimizer``, ``optimizer_excluding``, ...)
cannot change in a process and reach the key through the mode. A flag that
nothing has read yet is keyed as unread rather than read: PyTensor finds the
default of ``blas__ldflags`` at its first read by test-linking BLAS libraries
(most of a second). Code compiled meanwhile either never read it or read its
default, which the flag then keeps; once read, keys hold its value, so such
code is compiled at most once more.

Threads
-------
Every method of a :class:`CodeCache` may be called from several threads at
once. :meth:`CodeCache.fetch` compiles each key once: a thread asking for a
key that another thread is compiling waits for it and counts a hit; if that
compilation fails, the next waiting thread compiles. The cache itself never
makes one key wait for another, but PyTensor's compiler runs one Method at a
time (:data:`symmodule.compiled.COMPILING`): it changes process-wide configuration while it
runs, and a key reads the configuration only between two compilations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pytensor import config
from pytensor.compile.io import SymbolicOutput
from pytensor.compile.mode import Mode
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.op import HasInnerGraph, Op
from pytensor.graph.traversal import io_toposort

from symmodule._pytensor import config_flag_is_read
from symmodule.compiled import COMPILING
from symmodule.modes import resolve_mode

if TYPE_CHECKING:
    from symmodule.module.compiler import CompiledMethod, ResolvedMethod

__all__ = ["CODE_FLAGS", "COMPILING", "CacheStats", "CodeCache", "code_cache", "exact_key"]

#: The configuration flags whose values are part of every key. Each is read
#: by PyTensor while compiling and can change at run time.
CODE_FLAGS: tuple[str, ...] = (
    # Types of the constants and casts that rewrites create.
    "floatX",
    "cast_policy",
    # The C code of the CVM and C modes, and how it is compiled and linked.
    "check_input",
    "cmodule__debug",
    "cmodule__remove_gxx_opt",
    "cxx",
    "gcc__cxxflags",
    "blas__ldflags",  # also decides whether the BLAS rewrites apply
    "lib__amdlibm",
    "openmp",
    "openmp_elemwise_minsize",
    # Numba's code: fast-math changes results (signed zeros, NaN handling).
    "numba__fastmath",
    # Which rewrites run and how far: the graph that is compiled.
    "cycle_detection",
    "optdb__max_use_ratio",
    "optdb__position_cutoff",
    # The virtual machine that runs the graph.
    "allow_gc",
    "scan__allow_gc",
    "vm__lazy",
    # Whether the compiled function records a profile, and what it records.
    "profile",
    "print_global_stats",
    "profile_memory",
    "profile_optimizer",
)




@dataclass
class CacheStats:
    """How often compiled code was found, and how often a Method had to be compiled.

    Every lookup counts once: ``hits + compilations`` is the number of keyed
    Methods made (Methods that are never shared are not counted).
    """

    hits: int = 0
    compilations: int = 0


@dataclass(eq=False)
class _Compiling:
    """The threads asking for one key that is not stored yet; ``lock`` is held while it compiles."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    waiting: int = 0


class CodeCache:
    """A bounded, thread-safe map from a Method's exact structure to its compiled code.

    Parameters
    ----------
    maxsize
        How many compiled Methods to keep; the least recently used go first.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> cache = symmodule.CodeCache()
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> first = m.make(c=0, cache=cache)
    >>> second = m.make(c=5, cache=cache)
    >>> (cache.stats.compilations, cache.stats.hits)
    (1, 1)
    """

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self.stats = CacheStats()
        self._entries: OrderedDict[tuple, CompiledMethod] = OrderedDict()
        self._lock = threading.Lock()  # guards _entries, _compiling and stats
        self._compiling: dict[tuple, _Compiling] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every compiled Method (the counters are kept)."""
        with self._lock:
            self._entries.clear()

    def key(self, resolved: ResolvedMethod, positions: dict[object, int]) -> tuple | None:
        """The exact key of a resolved Method, or None when it must not be shared.

        See the module's docstring for what the key holds.
        """
        specs = []
        for spec in resolved.explicit:
            flags = vars(spec)
            if flags.get("value") is not None or flags.get("update") is not None:
                # A default value or an update lives in the maker's specs.
                return None
            specs.append(_spec_key(spec))
        tokens: dict[Variable, Any] = {}
        for index, spec in enumerate(resolved.explicit):
            tokens[spec.variable] = ("arg", index, spec.variable.type)
        for variable in resolved.implicit:
            tokens[variable] = ("state", positions[variable], variable.type)
        output_vars = resolved.output_variables
        updated = [v for v in resolved.implicit if v in resolved.updates]
        nodes = _graph_key(tokens, output_vars + [resolved.updates[v] for v in updated], {})
        outputs = resolved.outputs
        shape = "none" if outputs is None else "list" if isinstance(outputs, list) else "one"
        with COMPILING:
            mode = resolve_mode(resolved.mode)
            flags = tuple(_flag_key(flag) for flag in CODE_FLAGS)
        return (
            resolved.node.path,
            mode,
            not isinstance(resolved.mode, Mode),
            flags,
            tuple(specs),
            nodes,
            shape,
            tuple(
                (_spec_key(output), _token(tokens, variable))
                if isinstance(output, SymbolicOutput)
                else ("variable", _token(tokens, variable))
                for output, variable in zip(resolved.output_list, output_vars)
            ),
            tuple((tokens[v], _token(tokens, resolved.updates[v])) for v in updated),
            tuple((tokens[v], v.name, type(v)) for v in resolved.implicit),
        )

    def fetch(self, key: tuple, compile: Callable[[], CompiledMethod]) -> CompiledMethod:
        """The compiled Method stored under ``key``; ``compile()`` stored there if absent.

        However many threads ask for ``key`` at once, ``compile`` runs in one
        of them; the others wait for it and count hits. An exception from
        ``compile`` is raised in its thread and nothing is stored.
        """
        with self._lock:
            found = self._hit(key)
            if found is not None:
                return found
            compiling = self._compiling.setdefault(key, _Compiling())
            compiling.waiting += 1
        try:
            with compiling.lock:
                with self._lock:
                    found = self._hit(key)
                if found is not None:
                    return found
                compiled = compile()
                with self._lock:
                    self.stats.compilations += 1
                    self._entries[key] = compiled
                    while len(self._entries) > self.maxsize:
                        self._entries.popitem(last=False)
                return compiled
        finally:
            with self._lock:
                compiling.waiting -= 1
                if compiling.waiting == 0:
                    del self._compiling[key]

    def _hit(self, key: tuple) -> CompiledMethod | None:
        # Called with self._lock held.
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            self.stats.hits += 1
        return found


def exact_key(value: Any) -> Hashable:
    """A hashable key that is equal for two values only when they are identical.

    Arrays and floating-point scalars are compared bit for bit, with their
    dtype and shape (``-0.0`` differs from ``0.0``, NaNs differ by payload
    and equal by it); every value with its exact type (``1``, ``1.0`` and
    ``True`` differ); Ops by class, equality, properties and inner graph.
    Other hashable values compare by their own equality, unhashable ones by
    identity.

    Examples
    --------
    >>> exact_key(0.0) == exact_key(-0.0)
    False
    >>> exact_key(float('nan')) == exact_key(float('nan'))
    True
    """
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if isinstance(value, Op):
        return _op_key(value, {})
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return (np.ndarray, value.dtype.str, value.shape, tuple(exact_key(item) for item in value.flat))
        return (np.ndarray, value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (float, complex, np.generic)):
        array = np.asarray(value)
        return (type(value), array.dtype.str, array.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value), tuple(exact_key(item) for item in value))
    if isinstance(value, slice):
        return (slice, exact_key(value.start), exact_key(value.stop), exact_key(value.step))
    try:
        hash(value)
    except TypeError:
        return _Identity(value)
    return (type(value), value)


#: Types whose equality is already exact (with the type in the key: 1 is not True).
_PLAIN = frozenset({bool, int, str, bytes, type(None)})


class _Identity:
    """Equal only to a wrapper of the very same object: the key of an unhashable value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Identity) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


#: The key of a configuration flag that nothing has read yet.
_NOT_READ = object()


def _flag_key(name: str) -> Hashable:
    # Reading an unread flag may be slow (blas__ldflags test-links BLAS
    # libraries, and warns where there is none): see "Exactness" above.
    if not config_flag_is_read(name):
        return _NOT_READ
    return exact_key(getattr(config, name))


def _spec_key(spec: Any) -> tuple:
    """An ``In`` or ``Out`` spec by its class and every attribute but its variable."""
    flags = sorted((name, exact_key(value)) for name, value in vars(spec).items() if name != "variable")
    return (type(spec), tuple(flags))


def _op_key(op: Op, op_keys: dict[int, tuple]) -> tuple:
    """The exact key of ``op``; ``op_keys`` holds those already made, by id, for the graph being keyed."""
    found = op_keys.get(id(op))
    if found is not None:
        return found
    # Not every Op declares __props__; those that do not are compared by their
    # own equality, which the key keeps for every Op. An Op's equality may
    # compare an inner graph's constants by value (-0.0 == 0.0): the inner
    # graph is keyed by the rules of the outer one.
    props = tuple(exact_key(getattr(op, name)) for name in getattr(op, "__props__", ()))
    inner: tuple = ()
    if isinstance(op, HasInnerGraph):
        tokens: dict[Variable, Any] = {v: ("inner", i, v.type) for i, v in enumerate(op.inner_inputs)}
        nodes = _graph_key(tokens, op.inner_outputs, op_keys)
        inner = (nodes, tuple(_token(tokens, v) for v in op.inner_outputs))
    op_keys[id(op)] = key = (type(op), op, props, inner)
    return key


def _graph_key(tokens: dict[Variable, Any], outputs: list[Variable], op_keys: dict[int, tuple]) -> tuple:
    """The nodes between the variables of ``tokens`` and ``outputs``; tokens their outputs."""
    nodes = []
    for apply in io_toposort(list(tokens), outputs):
        inputs = tuple(_token(tokens, v) for v in apply.inputs)
        nodes.append((_op_key(apply.op, op_keys), inputs, tuple(out.type for out in apply.outputs)))
        for position, out in enumerate(apply.outputs):
            tokens[out] = ("node", len(nodes) - 1, position)
    return tuple(nodes)


def _token(tokens: dict[Variable, Any], variable: Variable) -> Any:
    if variable in tokens:
        return tokens[variable]
    if isinstance(variable, Constant):
        return ("const", variable.type, exact_key(variable.data))
    if isinstance(variable, SharedVariable):
        return ("shared", variable)  # compared by identity: its storage is global
    return ("root", variable)


#: The cache ``make()`` uses unless told otherwise.
code_cache = CodeCache()
