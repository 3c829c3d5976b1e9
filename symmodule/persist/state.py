"""State as data: ``state_dict()`` and ``load_state_dict()``.

A state dict maps the dotted path of each piece of storage of an instance to
a numpy array (a copy). Both functions work on the instance's pair
(:func:`symmodule.split`): which storage there is comes from the blueprint's
:class:`~symmodule.module.plan.Plan` (one :class:`StateSpec` per piece of
storage, declared by the node at its first path: a Member, or a RandomStreams
for each of its generators), the values from its
:class:`~symmodule.module.state.State`. Walking every path of the tree,
aliases included, finds each piece once under its first path and records the
other paths as aliases.

A state dict is taken in one snapshot under the instance's lock, so it never
mixes the states before and after a call running in another thread. Loading
validates every entry first and writes only when everything that is going to
be written has been converted, all in one step under the lock: a refused load
changes nothing, and a load is never seen (or interrupted) half done.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pytensor.tensor.random.type import RandomGeneratorType

from symmodule import errors
from symmodule._pytensor import numpy_generator
from symmodule.module.blueprint import split
from symmodule.module.instance import ModuleInstance
from symmodule.module.member import convert_value
from symmodule.module.state import State
from symmodule.module.storage import to_host

#: Marks a path listed in a state dict's ``unset``: the member is to be left without a value.
_UNSET = object()

__all__ = [
    "LoadResult",
    "StateDict",
    "decode_generator",
    "encode_generator",
    "load_state_dict",
    "state_dict",
]

#: numpy bit generators a generator state may name; nothing else is ever looked up.
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")

ARRAY = "array"
GENERATOR = "generator"

#: The deepest nesting of JSON arrays and objects a reader accepts. Checkpoint
#: headers, their metadata and generator states nest three or four levels; the
#: limit keeps hostile text far from the parser's recursion limit.
MAX_JSON_DEPTH = 64

_DEPTH_CHUNK = 1 << 18


class StateDict(dict):
    """``{path: numpy array}``: what :func:`state_dict` returns, and :func:`read_checkpoint`.

    A plain ``dict`` with three attributes:

    ``aliases``
        ``{alias path: first path}`` for members reached through several
        paths; each member appears once in the dict, under its first path.
    ``unset``
        Paths of members that had no value (``None``); loading the state dict
        unsets them again.
    ``metadata``
        Where the state comes from: ``module_class``, and ``members``
        (``{path: {"kind": "array" | "generator", "type": ...}}``); for a
        state dict read from a file, also the file's format version and the
        symmodule, PyTensor and numpy versions that wrote it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aliases: dict[str, str] = {}
        self.unset: list[str] = []
        self.metadata: dict[str, Any] = {}

    def __repr__(self) -> str:
        extra = f", aliases={self.aliases!r}" if self.aliases else ""
        extra += f", unset={self.unset!r}" if self.unset else ""
        return f"StateDict({dict.__repr__(self)}{extra})"


@dataclass
class LoadResult:
    """What a load did not use: returned by :func:`load_state_dict` and :func:`load`.

    Each list holds keys (paths). After a strict load, all three are empty
    (a strict load that would leave any of them non-empty raises instead).
    """

    #: Members of the instance the state dict has no entry for (left as they were).
    missing: list[str] = field(default_factory=list)
    #: Keys of the state dict that are not members of the instance (ignored).
    unexpected: list[str] = field(default_factory=list)
    #: Keys whose value does not fit the member: wrong dtype or shape, bad data (not loaded).
    mismatched: list[str] = field(default_factory=list)
    #: One sentence per problem, as the strict error lists them.
    problems: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when everything matched."""
        return not (self.missing or self.unexpected or self.mismatched)


# --------------------------------------------------------------------------- layout


@dataclass(eq=False)
class Entry:
    """One piece of storage as seen from an instance: its first path (relative to the instance), type, and path in the State."""

    path: str
    key: object
    type: Any
    state_path: str

    @property
    def kind(self) -> str:
        return GENERATOR if isinstance(self.type, RandomGeneratorType) else ARRAY


@dataclass
class Layout:
    """Every piece of storage an instance reaches, with its aliases and its constants' paths, and its tree's State."""

    entries: list[Entry]
    aliases: dict[str, str]
    constants: set[str]
    state: State

    def by_path(self) -> dict[str, Entry]:
        return {entry.path: entry for entry in self.entries}


def check_instance(inst: Any, function: str, argument: str = "the instance") -> ModuleInstance:
    if not isinstance(inst, ModuleInstance):
        raise errors.StateArgumentError(
            errors.STATE_NOT_AN_INSTANCE.format(
                function=function, argument=argument, given=errors.describe_value(inst)
            )
        )
    return inst


def layout(inst: ModuleInstance) -> Layout:
    """The storage reachable from ``inst``, keyed by paths relative to it."""
    blueprint, state = split(inst)
    plan = blueprint.plan
    start = plan.paths.get(blueprint.path, plan.root) if blueprint.path else plan.root

    # Each piece of state is declared by the node at (a prefix of) its first path:
    # a Member at exactly that path, a RandomStreams at 'random' for 'random.rng0'.
    declared: dict[int, list[tuple[str, object]]] = {}
    for key, spec in plan.state.items():
        prefix, suffix = spec.path, ""
        while True:
            node = plan.paths.get(prefix) if prefix else plan.root
            if node is not None and node.path == prefix:
                break
            if "." in prefix:
                prefix, last = prefix.rsplit(".", 1)
            else:
                prefix, last = "", prefix
            suffix = f".{last}{suffix}"
        declared.setdefault(id(node), []).append((suffix, key))

    entries: list[Entry] = []
    aliases: dict[str, str] = {}
    constants: set[str] = set()
    first: dict[int, str] = {}
    for path, key in _unfold(start, declared):
        spec = plan.state[key]
        if spec.readonly:
            constants.add(path)
        elif id(key) in first:
            aliases[path] = first[id(key)]
        else:
            first[id(key)] = path
            entries.append(Entry(path, key, spec.type, spec.path))
    return Layout(entries, aliases, constants, state)


def _unfold(start: Any, declared: dict[int, list[tuple[str, object]]]) -> Iterator[tuple[str, object]]:
    """``(path, state key)`` for every path from ``start``, in the plan's (first-path) order."""
    on_path: set[int] = set()

    def walk(node: Any, path: str) -> Iterator[tuple[str, object]]:
        for suffix, key in declared.get(id(node), ()):
            yield (path + suffix if path else suffix.lstrip(".")), key
        if id(node) in on_path:  # a module that contains itself: stop the cycle
            return
        on_path.add(id(node))
        for child_key, child in node.children:
            yield from walk(child, f"{path}.{child_key}" if path else str(child_key))
        on_path.discard(id(node))

    yield from walk(start, "")


# --------------------------------------------------------------------------- generators


def encode_generator(generator: np.random.Generator) -> np.ndarray:
    """A numpy Generator's state as a 1-D ``uint8`` array.

    The bytes are the UTF-8 JSON text of ``generator.bit_generator.state``
    (numpy arrays inside it written as ``{"__ndarray__": [...], "dtype":
    "uint32"}``), so ``bytes(encode_generator(g)).decode()`` is readable.
    :func:`decode_generator` turns it back into an equivalent Generator.
    """
    if not isinstance(generator, np.random.Generator):
        raise errors.UnsupportedStateError(
            f"encode_generator takes a numpy.random.Generator, got {errors.describe_value(generator)}."
        )
    text = json.dumps(generator.bit_generator.state, default=_to_json, separators=(",", ":"))
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()


def decode_generator(array: Any) -> np.random.Generator:
    """The Generator encoded by :func:`encode_generator`; a clear error for anything else.

    Only numpy's own bit generators (PCG64, PCG64DXSM, MT19937, Philox,
    SFC64) are recognised, by name: decoding never imports or runs code.
    """
    try:
        return _decode_generator(array)
    except ValueError as exc:
        raise errors.StateDictError(f"Cannot decode a generator state: {exc}.") from None


def _decode_generator(array: Any) -> np.random.Generator:
    arr = np.asarray(array)
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise ValueError(
            f"a generator state is a 1-D uint8 array (see encode_generator), got {_describe_array(arr)}"
        )
    try:
        state = loads_json(arr.tobytes().decode("utf-8"), object_hook=_from_json)
    except JSONDepthError:
        raise
    except (UnicodeDecodeError, ValueError, TypeError, OverflowError) as exc:
        # OverflowError: numbers that do not fit the dtype their array names.
        raise ValueError(f"its bytes are not the JSON text of a generator state ({exc})") from None
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in BIT_GENERATORS:
        raise ValueError(
            f"it names the bit generator {name!r}; known ones are {', '.join(BIT_GENERATORS)}"
        )
    bit_generator = getattr(np.random, name)()
    try:
        bit_generator.state = state
    except Exception as exc:
        raise ValueError(f"numpy refuses it as a {name} state ({exc})") from None
    return np.random.Generator(bit_generator)


class JSONDepthError(ValueError):
    """JSON text that nests arrays and objects deeper than :data:`MAX_JSON_DEPTH`."""


def loads_json(text: str | bytes, **hooks: Any) -> Any:
    """``json.loads(text, **hooks)``, refusing deep nesting before parsing.

    The parser recurses once per level of nesting, so hostile text could
    otherwise exhaust the stack (``RecursionError``).

    Parameters
    ----------
    text
        JSON text.
    **hooks
        Passed to ``json.loads`` (``object_hook``, ``object_pairs_hook``...).

    Raises
    ------
    JSONDepthError
        When arrays and objects nest more than :data:`MAX_JSON_DEPTH` levels.
    ValueError
        When the text is not JSON (``json.JSONDecodeError``).
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if json_depth_exceeds(raw, MAX_JSON_DEPTH):
        raise JSONDepthError(f"its JSON nests more than {MAX_JSON_DEPTH} levels deep")
    return json.loads(text, **hooks)


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text ``raw`` nests arrays and objects more than ``limit`` levels.

    Linear time and bounded memory, no recursion: the text is scanned in
    chunks with numpy. Exact for valid JSON; for invalid JSON it may answer
    either way, and the parser then refuses the text (over the part the
    parser accepts, it never nests deeper than this count).

    Parameters
    ----------
    raw
        JSON text, encoded in UTF-8.
    limit
        The deepest nesting allowed.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    data = np.frombuffer(raw, dtype=np.uint8)
    backslashes = 0  # the run of backslashes that ends the previous chunk
    quotes = 0  # string delimiters seen so far: odd inside a string
    depth = 0
    for start in range(0, len(data), _DEPTH_CHUNK):
        chunk = data[start : start + _DEPTH_CHUNK]
        is_backslash = chunk == ord("\\")
        delimiter = chunk == ord('"')
        if backslashes or is_backslash.any():
            # In valid JSON, backslashes occur only in strings, each escaping the next
            # character: a quote after an odd run of them is part of the string.
            # ``before[i]``: the last position before i that is not a backslash (before
            # the chunk, the one sitting before the run of backslashes it starts with).
            index = np.arange(len(chunk), dtype=np.int32)
            before = np.maximum.accumulate(np.where(is_backslash, np.int32(-1 - backslashes), index))
            before = np.concatenate(([np.int32(-1 - backslashes)], before[:-1]))
            delimiter &= (index - 1 - before) % 2 == 0
            backslashes = len(chunk) - 1 - int(before[-1]) if is_backslash[-1] else 0
        opening = (chunk == ord("[")) | (chunk == ord("{"))
        closing = (chunk == ord("]")) | (chunk == ord("}"))
        if quotes % 2 or delimiter.any():
            outside = (np.cumsum(delimiter, dtype=np.int32) + quotes) % 2 == 0
            opening &= outside
            closing &= outside
            quotes += int(np.count_nonzero(delimiter))
        levels = np.cumsum(opening.view(np.int8) - closing.view(np.int8), dtype=np.int32) + depth
        if levels.max() > limit:
            return True
        depth = int(levels[-1])
    return False


def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.integer):
        return int(value)
    raise TypeError(f"{type(value).__name__} is not part of a bit generator state")


def _from_json(obj: dict[str, Any]) -> Any:
    if "__ndarray__" in obj:
        dtype = np.dtype(str(obj.get("dtype")))
        if dtype.kind not in "iu":
            raise ValueError(f"unexpected dtype {dtype} in a generator state")
        return np.asarray(obj["__ndarray__"], dtype=dtype)
    return obj


# --------------------------------------------------------------------------- state_dict


def state_dict(inst: ModuleInstance) -> StateDict:
    """``{path: array}`` with one entry per piece of storage of ``inst``.

    The arrays are copies: a snapshot that later calls do not change. A
    member reached through several paths appears once, under its first path;
    the others are in ``.aliases``. RandomStreams generators appear under
    ``<streams path>.rng<i>`` as ``uint8`` arrays (see
    :func:`encode_generator`). Constants (read-only members) are not state
    and are left out; members with no value are listed in ``.unset``. On an
    inner instance, paths are relative to it.
    """
    check_instance(inst, "state_dict")
    return snapshot(inst, copy_arrays=True)


def snapshot(inst: ModuleInstance, *, copy_arrays: bool) -> StateDict:
    """The state dict of ``inst``, its values read in one snapshot under the instance's lock.

    The arrays are copied (when ``copy_arrays``) after the lock is released:
    the snapshot holds the stored objects, which no call writes into.
    """
    found = layout(inst)
    values = found.state.snapshot()
    result = StateDict()
    result.aliases = dict(found.aliases)
    members: dict[str, dict[str, str]] = {}
    for entry in found.entries:
        members[entry.path] = {"kind": entry.kind, "type": str(entry.type)}
        value = values[entry.state_path]
        if value is None:
            result.unset.append(entry.path)
        else:
            result[entry.path] = _as_array(entry, value, copy_arrays)
    component = inst.component
    result.metadata = {
        "module_class": f"{type(component).__module__}.{type(component).__qualname__}",
        "instance_class": f"{type(inst).__module__}.{type(inst).__qualname__}",
        "members": members,
    }
    return result


def _as_array(entry: Entry, value: Any, copy_arrays: bool) -> np.ndarray:
    if entry.kind == GENERATOR:
        value = numpy_generator(value)  # JAX mode keeps it in PyTensor's JAX form
        if isinstance(value, np.random.Generator):
            return encode_generator(value)
        hint = ""
    else:
        hint = "; for such an instance, use pickle (and unpickle only data you trust)"
        if not isinstance(value, np.random.Generator):
            value = to_host(value)
            try:
                array = np.array(value, copy=copy_arrays) if copy_arrays else np.asarray(value)
            except Exception:
                array = None
            if array is not None and array.dtype.kind in "biufc":
                return array
    raise errors.UnsupportedStateError(
        errors.UNSUPPORTED_STATE.format(
            key=entry.path, value_desc=errors.describe_value(value), type=entry.type, hint=hint
        )
    )


# --------------------------------------------------------------------------- load_state_dict


def load_state_dict(inst: ModuleInstance, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
    """Restore ``inst`` from a state dict; all or nothing.

    With ``strict=True`` (the default) the state dict must have exactly one
    entry per member (a member may be given under an alias instead of its
    first path), each of the member's dtype and shape (the shape of the
    member's current value, when it has one); otherwise one
    :class:`~symmodule.errors.StateDictError` lists every problem and nothing
    is loaded. With ``strict=False`` the entries that fit are loaded and the
    others are returned in the :class:`LoadResult`.

    Values are copied: the state dict's arrays never become the instance's
    storage, so later calls do not change them.
    """
    check_instance(inst, "load_state_dict")
    return load_into(inst, state, strict=strict, copy_arrays=True)


def load_into(
    inst: ModuleInstance,
    state: Mapping[str, Any],
    *,
    strict: bool,
    copy_arrays: bool,
    source: str = "",
) -> LoadResult:
    """:func:`load_state_dict`, with the origin of the state named in the error (a file)."""
    if not isinstance(state, Mapping):
        raise errors.StateArgumentError(
            errors.STATE_NOT_A_MAPPING.format(function="load_state_dict", given=errors.describe_value(state))
        )
    found = layout(inst)
    # Checked against, and written into, one moment of the instance: no call runs in between.
    with found.state.lock:
        return _load(inst, found, state, strict=strict, copy_arrays=copy_arrays, source=source)


def _load(
    inst: ModuleInstance, found: Layout, state: Mapping[str, Any], *, strict: bool, copy_arrays: bool, source: str
) -> LoadResult:
    current = found.state.snapshot()
    entries = found.by_path()
    result = LoadResult()
    wrong: list[str] = []

    given: dict[str, tuple[str, Any]] = {}  # first path -> (key as given, value)
    strays: list[tuple[Any, str]] = []  # (unexpected key, why), explained once missing is known
    unset_keys = [path for path in getattr(state, "unset", ()) if path not in state]
    for key, value in [*state.items(), *((path, _UNSET) for path in unset_keys)]:
        first = key if key in entries else found.aliases.get(key) if isinstance(key, str) else None
        if first is None:
            strays.append((key, "constant" if key in found.constants else "unknown"))
        elif first in given:
            strays.append((key, given[first][0]))
        else:
            given[first] = (key, value)

    writes: list[tuple[Entry, Any]] = []
    wrong: list[str] = []
    for entry in found.entries:
        if entry.path not in given:
            result.missing.append(entry.path)
            result.problems.append(
                errors.STATE_MISSING.format(key=entry.path, expected=_describe_member(entry, current[entry.state_path]))
            )
            continue
        key, value = given[entry.path]
        if value is _UNSET:
            writes.append((entry, None))
            continue
        if value is None:
            # Only a path listed in ``state.unset`` unsets a member: a None value
            # is a mistake that would silently erase trained state.
            result.mismatched.append(key)
            wrong.append(errors.STATE_NONE_VALUE.format(key=key))
            continue
        try:
            writes.append((entry, _converted(entry, key, value, copy_arrays, current[entry.state_path])))
        except _Mismatch as mismatch:
            result.mismatched.append(key)
            wrong.append(str(mismatch))
    for key, why in strays:
        result.unexpected.append(key)
        if why == "constant":
            result.problems.append(errors.STATE_UNEXPECTED_CONSTANT.format(key=key))
        elif why != "unknown":
            result.problems.append(errors.STATE_DUPLICATE.format(key=key, first=why))
        else:
            result.problems.append(errors.STATE_UNEXPECTED.format(key=key, hint=_suggest(str(key), entries, result.missing)))
    result.problems.extend(wrong)

    if strict and result.problems:
        target = f"{type(inst).__name__} of {type(inst.component).__name__}"
        where = split(inst)[0].path
        if where:
            target += f" at {where!r}"
        if source:
            target += f" from {source}"
        raise errors.StateDictError(
            errors.STATE_DICT_PROBLEMS.format(
                target=target,
                count=len(result.problems),
                problems="\n".join(f"  - {problem}" for problem in result.problems),
            ),
            missing=result.missing,
            unexpected=result.unexpected,
            mismatched=result.mismatched,
        )
    # Every value is converted: stored in one step, which nothing can interrupt half-way.
    found.state.restore({entry.state_path: value for entry, value in writes}, convert=False)
    return result


def _suggest(key: str, entries: Mapping[str, Entry], missing: list[str]) -> str:
    close = difflib.get_close_matches(key, list(entries), n=3)
    if close:
        return f"; did you mean {', '.join(map(repr, close))}?"
    if missing:
        shown = ", ".join(map(repr, missing[:5])) + (", ..." if len(missing) > 5 else "")
        return f"; the members with no entry are {shown}"
    return ""


class _Mismatch(Exception):
    """One entry that does not fit its member; its message is a problem line."""


def _converted(entry: Entry, key: str, value: Any, copy_arrays: bool, current: Any) -> Any:
    if entry.kind == GENERATOR:
        value = numpy_generator(value)  # JAX mode keeps it in PyTensor's JAX form
        if isinstance(value, np.random.Generator):
            return copy.deepcopy(value)
        try:
            return entry.type.filter(_decode_generator(value))
        except ValueError as exc:
            raise _Mismatch(errors.STATE_BAD_VALUE.format(key=key, reason=str(exc))) from None
    if isinstance(value, np.random.Generator):
        raise _Mismatch(
            errors.STATE_BAD_VALUE.format(key=key, reason="a numpy Generator given for an array member")
        )
    try:
        array = np.asarray(value)
    except Exception as exc:
        raise _Mismatch(errors.STATE_BAD_VALUE.format(key=key, reason=f"not an array ({exc})")) from None
    dtype = np.dtype(getattr(entry.type, "dtype", array.dtype))
    if array.dtype != dtype:
        raise _Mismatch(
            errors.STATE_WRONG_DTYPE.format(
                key=key, got=_describe_array(array), expected=f"{dtype}", dtype=str(dtype)
            )
        )
    ndim = getattr(entry.type, "ndim", None)
    static = tuple(getattr(entry.type, "shape", None) or ())
    current_shape = getattr(current, "shape", None)
    if ndim is not None and array.ndim != ndim:
        expected = f"has {ndim} dimension(s)"
    elif static and any(s is not None and s != n for s, n in zip(static, array.shape)):
        expected = "has shape (" + ", ".join("?" if s is None else str(s) for s in static) + ")"
    elif current_shape is not None and tuple(current_shape) != array.shape:
        expected = f"currently holds shape {tuple(current_shape)}"
    else:
        expected = ""
    if expected:
        raise _Mismatch(errors.STATE_WRONG_SHAPE.format(key=key, got=f"shape {array.shape}", expected=expected))
    if copy_arrays or not array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, copy=True, order="C")
    try:
        return convert_value(entry.type, array, entry.path)
    except errors.MemberValueError as exc:
        raise _Mismatch(errors.STATE_BAD_VALUE.format(key=key, reason=str(exc))) from None


def _describe_member(entry: Entry, current: Any) -> str:
    if entry.kind == GENERATOR:
        return "a RandomStreams generator, stored as a uint8 array"
    if isinstance(current, np.ndarray):
        return f"{current.dtype}, shape {current.shape}"
    return errors.describe_type(entry.type)


def _describe_array(array: np.ndarray) -> str:
    return f"{array.dtype} with shape {array.shape}"
