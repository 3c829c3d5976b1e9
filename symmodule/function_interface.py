"""``symmodule.function``: Theano's function interface, with its stateful input specs.

Beside Variables and :class:`~symmodule.compile.io.In` objects, an input may be
one of Theano's tuple specs::

    (var, value)                   # an implicit input holding value
    ((var, update_expr), value)    # the same, replaced by update_expr after each call
    (name, var, value)             # either of the above with a keyword name first
    (name, (var, update_expr), value)
    (name, var)                    # an ordinary input called name

``value`` is either a number/array, which becomes storage private to the new
function (converted to ``var``'s type), or storage that already exists: another
function's ``fn.container[var]`` (or a shared variable), which the new function
then shares. This is PyTensor's own storage mechanism: every such input is an
``In(var, value=Container, implicit=True, update=...)``, so reads and writes
through ``fn[var]``, ``fn[var] = v`` and ``fn.container[var]`` see the same
storage as every function that shares it.
"""

from __future__ import annotations

import copy
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from pytensor.compile.debug.profiling import ProfileStats
from pytensor.compile.io import SymbolicInput, SymbolicOutput
from pytensor.compile.mode import Mode
from pytensor.configdefaults import config
from pytensor.graph.basic import Constant, Variable

from symmodule import errors
from symmodule.compile.io import In
from symmodule.compiled import Function, compile_maker, fresh_storage
from symmodule.module.random import outside_module_generators

__all__ = ["function"]


def function(
    inputs: Sequence[Any],
    outputs: Any = None,
    mode: str | Mode | None = None,
    updates: Mapping[Variable, Variable] | Sequence[tuple[Variable, Variable]] | None = None,
    givens: Mapping[Variable, Any] | Sequence[tuple[Variable, Any]] | None = None,
    no_default_updates: bool | Sequence[Variable] = False,
    name: str | None = None,
    allow_input_downcast: bool | None = None,
    on_unused_input: str | None = None,
    profile: bool | str | ProfileStats | None = None,
) -> Function:
    """Compile ``outputs`` as a function of ``inputs``, Theano style.

    Parameters
    ----------
    inputs : list
        Each element is a Variable (an ordinary argument), an ``In(...)``, or
        a Theano tuple spec: ``(var, value)`` is an implicit input (callers do
        not pass it) holding ``value``; ``((var, update_expr), value)`` is the
        same and its value becomes ``update_expr`` after each call. A leading
        string names the input: ``(name, var, value)``. ``value`` is a number
        or an array (private storage of this function, converted to ``var``'s
        type, without a copy when the dtype already matches: an update may
        then change that array in place, so pass a copy to keep yours) or
        another function's ``fn.container[var]`` (then both share the
        storage).
    outputs : Variable, list of Variables, ``Out`` or None
        One Variable: the call returns its value; a list (also ``[]``): the
        call returns a list; None: the call returns None.
    mode : str or Mode, optional
        'FAST_COMPILE', 'FAST_RUN', 'CVM', 'NUMBA', 'JAX', ... or a ``Mode``;
        defaults to ``symmodule.config.mode``.
    updates : dict or list of pairs, optional
        ``{shared_variable: expression}``, as in ``pytensor.function``. An
        input's stored value is updated through its spec instead.
    givens : dict or list of pairs, optional
        Substitutions ``{variable: replacement}`` made before compiling.
    no_default_updates : bool or list, optional
        Draws of a ``RandomStreams`` used outside any Module read their
        generators from shared variables, and each call stores the advanced
        generators back, unless ``updates`` says otherwise for one. True
        leaves every generator as it is (each call draws the same numbers);
        a list of draws (or their ``.rng``) leaves those only.
    name : str, optional
        Name of the function, used in error messages and profiles.
    allow_input_downcast : bool, optional
        Allow lossy conversion of arguments, and of the values of tuple specs.
    on_unused_input : {'raise', 'warn', 'ignore'}, optional
        What to do with an input the outputs and updates do not read.
    profile : bool, str or ProfileStats, optional
        Collect timings, as in ``pytensor.function``.

    Returns
    -------
    symmodule.compile.Function
        The compiled function; ``fn[var]`` / ``fn['name']`` read an input's
        stored value, ``fn[var] = v`` writes it, ``fn.container[var]`` is its
        storage object, to give to another function's spec.

    Raises
    ------
    symmodule.errors.InputSpecError
        When an input spec is malformed, its value cannot be converted to its
        variable's type, its update has another type, or ``updates=`` has a
        key that is an input.

    Examples
    --------
    Two functions sharing the state ``c`` through its container, the way
    Theano code shared state before Modules:

    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> n, c = T.scalars('nc')
    >>> inc = symmodule.function([n, ((c, c + n), 0)], [])
    >>> dec = symmodule.function([n, ((c, c - n), inc.container[c])], [])
    >>> plus10 = symmodule.function([(c, inc.container[c])], c + 10)
    >>> _ = inc(2)
    >>> _ = dec(3)
    >>> float(inc[c]), float(dec['c']), float(plus10())
    (-1.0, -1.0, 9.0)
    """
    where = f"symmodule.function {name!r}" if name else "symmodule.function"
    if not isinstance(inputs, list | tuple):
        raise errors.InputSpecError(
            errors.BAD_INPUTS_LIST.format(where=where, given=reprlib.repr(inputs))
        )
    specs = [
        _as_input(spec, position, where, allow_input_downcast)
        for position, spec in enumerate(inputs)
    ]
    updates, givens = _with_stream_generators(specs, outputs, updates, givens, no_default_updates)
    _refuse_updates_of_inputs(specs, updates, where)
    maker = compile_maker(
        specs,
        outputs,
        mode=mode,
        updates=updates,
        givens=givens,
        name=name,
        on_unused_input=on_unused_input,
        allow_input_downcast=allow_input_downcast,
        profile=profile,
    )
    return maker.create()


def _as_input(
    spec: Any, position: int, where: str, allow_downcast: bool | None
) -> Variable | SymbolicInput:
    """One element of ``inputs`` as what ``compile_maker`` takes: a Variable or an In."""
    if isinstance(spec, SymbolicInput):
        return _with_own_storage(spec)
    if isinstance(spec, Constant):
        _bad_spec(where, position, spec, "a constant cannot be an input")
    if isinstance(spec, Variable):
        return spec
    if not isinstance(spec, list | tuple):
        _bad_spec(where, position, spec, "it is not a Variable, an In or a tuple")

    parts = list(spec)
    name = parts.pop(0) if parts and isinstance(parts[0], str) else None
    if not parts:
        _bad_spec(where, position, spec, "it has no variable")
    if len(parts) > 2:
        counted = f"{len(parts)} elements after the name" if name is not None else f"{len(parts)} elements"
        _bad_spec(where, position, spec, f"it has {counted}, at most 2 are allowed")
    head = parts[0]
    has_value = len(parts) == 2
    value = parts[1] if has_value else None
    if isinstance(head, list | tuple):
        if len(head) != 2:
            _bad_spec(
                where,
                position,
                spec,
                f"its first element {reprlib.repr(head)} must be a (variable, update_expression) pair",
            )
        variable, update = head
        if not has_value or value is None:
            _bad_spec(where, position, spec, "an updated input needs a value to start from")
    else:
        variable, update = head, None
    if not isinstance(variable, Variable) or isinstance(variable, Constant):
        _bad_spec(where, position, spec, f"{reprlib.repr(variable)} is not a symbolic variable")
    if value is None:
        # Theano's rule: (var,) and (var, None) are ordinary inputs.
        return In(variable, name=name, allow_downcast=allow_downcast)
    try:
        return In(
            variable,
            name=name,
            value=value,
            update=update,
            implicit=True,
            allow_downcast=allow_downcast,
        )
    except errors.InputSpecError as exc:
        raise errors.InputSpecError(f"{where}, {exc}") from exc.__cause__


def _with_own_storage(spec: SymbolicInput) -> SymbolicInput:
    """Give a function its own copy of the storage an ``In`` made from a plain value.

    As in Theano, ``In(x, value=1.0)`` used in several functions gives each
    function its own storage starting at 1.0; a Container given as the value
    is shared on purpose and is kept.
    """
    if not getattr(spec, "owns_value", False):
        return spec
    own = copy.copy(spec)
    own.value = fresh_storage(spec.value)
    return own


def _bad_spec(where: str, position: int, spec: Any, reason: str) -> NoReturn:
    raise errors.InputSpecError(
        errors.BAD_INPUT_SPEC.format(
            where=where, position=position, spec=reprlib.repr(spec), reason=reason
        )
    )


def _refuse_updates_of_inputs(specs: list[Any], updates: Any, where: str) -> None:
    """PyTensor's ``updates=`` only takes shared variables; say how to update an input."""
    if not updates:
        return
    pairs = updates.items() if isinstance(updates, Mapping) else updates
    input_vars = {spec.variable if isinstance(spec, SymbolicInput) else spec for spec in specs}
    for pair in pairs:
        key = pair[0] if isinstance(pair, list | tuple) and pair else None
        if isinstance(key, Variable) and key in input_vars:
            raise errors.InputSpecError(
                errors.UPDATE_OF_FUNCTION_INPUT.format(where=where, variable=key)
            )




def _with_stream_generators(
    specs: list[Any], outputs: Any, updates: Any, givens: Any, no_default_updates: bool | Sequence[Variable]
) -> tuple[list[tuple[Variable, Any]] | None, list[tuple[Variable, Any]] | None]:
    """``updates`` and ``givens`` extended for the RandomStreams draws the graph reads outside any Module.

    Each draw's generator Variable is given its stream's shared generator,
    and the shared generator gets the stream's next generator as update,
    unless the caller updates it (by either name) or ``no_default_updates``
    names it. Theano set ``default_update`` on its shared RandomStates for
    this; here the updates are ordinary, explicit ones.
    """
    update_pairs = _pairs(updates)
    given_pairs = _pairs(givens)
    graph = [_variable_of(out) for out in (outputs if isinstance(outputs, list | tuple) else [outputs])]
    graph += [value for _, value in update_pairs + given_pairs]
    graph += [spec.update for spec in specs if isinstance(spec, SymbolicInput) and spec.update is not None]
    graph += [key for key, _ in update_pairs]  # srng.updates() keys: a stream's generator Variable
    skip = [spec.variable if isinstance(spec, SymbolicInput) else spec for spec in specs]
    skip += [key for key, _ in given_pairs]
    found = outside_module_generators([v for v in graph if isinstance(v, Variable)], skip=skip)
    if not found:
        return updates, givens
    shared_of = {rng: shared for rng, (shared, _) in found.items()}
    update_pairs = [(shared_of.get(key, key), value) for key, value in update_pairs]
    updated = {key for key, _ in update_pairs}
    left_alone = _left_alone(no_default_updates, shared_of)
    for rng, (shared, next_rng) in found.items():
        if shared not in updated and rng not in left_alone:
            update_pairs.append((shared, next_rng))
    return update_pairs, given_pairs + list(shared_of.items())


def _pairs(mapping: Any) -> list[tuple[Any, Any]]:
    if not mapping:
        return []
    return list(mapping.items() if isinstance(mapping, Mapping) else (tuple(pair) for pair in mapping))


def _variable_of(output: Any) -> Any:
    return output.variable if isinstance(output, SymbolicOutput) else output


def _left_alone(no_default_updates: bool | Sequence[Variable], shared_of: dict[Variable, Variable]) -> set[Variable]:
    """The generator Variables ``no_default_updates`` names (all of them for True)."""
    if no_default_updates is True:
        return set(shared_of)
    if not no_default_updates:
        return set()
    by_shared = {shared: rng for rng, shared in shared_of.items()}
    named = set()
    for item in no_default_updates:
        rng = getattr(item, "rng", item)  # a draw stands for its generator
        named.add(by_shared.get(item, rng))
    return named
