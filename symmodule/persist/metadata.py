"""A checkpoint's metadata: made from a state dict when saving, checked field by field when loading.

The fields and what they hold are listed in :mod:`symmodule.persist.checkpoint`.
Saving turns each state dict entry into the array the file stores (little-endian
and contiguous; ``complex128``, which safetensors lacks, as ``float64`` pairs)
and a record describing it. Loading trusts nothing: every JSON text is checked
for its nesting depth before it is parsed and for keys given twice, every field
for its presence and JSON type, and every array the safetensors parser returns
for agreement with its record and its SHA-256 digest. A file that fails a check
raises :class:`~symmodule.persist.files.Refused`, naming the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple, NoReturn

import numpy as np

from symmodule import errors
from symmodule.persist.files import SHORT, Refused
from symmodule.persist.state import (
    ARRAY,
    GENERATOR,
    MAX_JSON_DEPTH,
    JSONDepthError,
    StateDict,
    encode_generator,
    loads_json,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Metadata",
    "check",
    "data_length",
    "decode",
    "encode",
    "parse_json",
]

FORMAT = "symmodule.checkpoint"
#: The version this code writes, and the largest it reads.
FORMAT_VERSION = 1

# The dtypes safetensors stores as they are, and those stored as a view of another.
_DTYPES = frozenset(
    {"bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"}
    | {"float16", "float32", "float64", "complex64"}
)
_VIEWS = {"complex128": "float64"}
_ALL_DTYPES = ", ".join(sorted(_DTYPES | set(_VIEWS)))
# numpy's limits: dimensions of an array (numpy 1 allows 32), and elements (times an
# item of at most 16 bytes), counted without the zero sizes as numpy counts them.
_MAX_NDIM = 32
_MAX_ELEMENTS = sys.maxsize // 16
_SHAPE = f"a list of sizes (at most {_MAX_NDIM} non-negative integers)"
# Every field of format version 1, besides "format".
_FIELDS = (
    "format_version",
    "module_class",
    "instance_class",
    "members",
    "aliases",
    "unset",
    "symmodule_version",
    "pytensor_version",
    "numpy_version",
)
_VERSIONS = ("symmodule_version", "pytensor_version", "numpy_version")
_KINDS = (ARRAY, GENERATOR)


class Metadata(NamedTuple):
    """A checkpoint's metadata, every field checked.

    Attributes
    ----------
    members
        ``{path: record}``: kind, dtype, shape, sha256[, type][, stored_as].
    aliases
        ``{alias path: first path}``.
    unset
        The paths of the members that had no value.
    version
        The format version.
    fields
        The metadata's strings, as in the file.
    """

    members: dict[str, dict[str, Any]]
    aliases: dict[str, str]
    unset: list[str]
    version: int
    fields: dict[str, str]


# --------------------------------------------------------------------------- saving


def encode(state: StateDict) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays a checkpoint of ``state`` stores, by path, and its metadata strings.

    Raises
    ------
    UnsupportedStateError
        When a key is not a path, or a value has no array form a checkpoint can store.
    """
    info = state.metadata.get("members", {})
    members: dict[str, dict[str, Any]] = {}
    tensors: dict[str, np.ndarray] = {}
    for key, value in state.items():
        if not isinstance(key, str) or key == "__metadata__":
            raise errors.UnsupportedStateError(
                f"Cannot save the state dict entry {key!r}: keys are member paths (strings), "
                "and '__metadata__' is reserved by the safetensors format."
            )
        if isinstance(value, np.random.Generator):
            array, kind = encode_generator(value), GENERATOR
        else:
            array, kind = np.asarray(value), info.get(key, {}).get("kind", ARRAY)
        name = array.dtype.name
        if array.dtype.kind not in "biufc" or (name not in _DTYPES and name not in _VIEWS):
            raise errors.UnsupportedStateError(
                errors.UNSUPPORTED_DTYPE.format(key=key, value_desc=errors.describe_value(value), dtypes=_ALL_DTYPES)
            )
        record: dict[str, Any] = {"kind": kind, "dtype": name, "shape": list(array.shape)}
        if "type" in info.get(key, {}):
            record["type"] = info[key]["type"]
        # The digest is of the bytes as stored, so both are fixed here: little-endian, contiguous.
        stored = np.require(array, dtype=array.dtype.newbyteorder("<"), requirements="C")
        if name in _VIEWS:
            stored = stored.reshape(-1).view(_VIEWS[name]).reshape(array.shape + (2,))
            record["stored_as"] = _VIEWS[name]
        record["sha256"] = _digest(stored)
        tensors[key] = stored
        members[key] = record
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "module_class": str(state.metadata.get("module_class", "")),
        "instance_class": str(state.metadata.get("instance_class", "")),
        "members": json.dumps(members),
        "aliases": json.dumps(dict(getattr(state, "aliases", {}))),
        "unset": json.dumps(list(getattr(state, "unset", []))),
        **_versions(),
    }
    return tensors, metadata


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(array.reshape(-1).view(np.uint8)).hexdigest()


def _versions() -> dict[str, str]:
    import pytensor

    import symmodule

    return {
        "symmodule_version": str(getattr(symmodule, "__version__", "unknown")),
        "pytensor_version": str(getattr(pytensor, "__version__", "unknown")),
        "numpy_version": np.__version__,
    }


# --------------------------------------------------------------------------- loading


def parse_json(text: str, where: str) -> Any:
    """The JSON value of ``text``, from a file: nesting and keys given twice are refused.

    Parameters
    ----------
    text
        JSON text read from a checkpoint.
    where
        Where it is in the file (``"its header"``), for the messages.

    Raises
    ------
    Refused
        When it nests more than :data:`~symmodule.persist.state.MAX_JSON_DEPTH`
        levels, or an object has a key twice (``json`` would silently keep the last).
    ValueError
        When ``text`` is not JSON; the caller knows what that means.
    """
    try:
        return loads_json(text, object_pairs_hook=_unique_keys)
    except JSONDepthError:
        raise Refused(errors.CHECKPOINT_TOO_DEEP.format(where=where, limit=MAX_JSON_DEPTH)) from None
    except _DuplicateKey as duplicate:
        raise Refused(errors.CHECKPOINT_DUPLICATE_KEY.format(where=where, key=duplicate.key)) from None


class _DuplicateKey(Exception):
    """A JSON object that has the key ``key`` twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def check(header: Any) -> Metadata:
    """The metadata of a safetensors header (its parsed JSON), every field checked.

    The array entries themselves are left to the safetensors parser: only
    their names are compared with the metadata's.

    Raises
    ------
    Refused
        When the header is not an object, a field is missing or of the wrong
        type, the file is not a symmodule checkpoint, or it is of a newer
        format version.
    """
    if not isinstance(header, dict):
        _bad("its header", header, "a JSON object")
    metadata = header.get("__metadata__")
    if "__metadata__" in header and not isinstance(metadata, dict):
        _bad("in its header, '__metadata__'", metadata, "an object of strings")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise Refused(
            "it is a safetensors file but not a symmodule checkpoint (it has no symmodule metadata)",
            errors.CHECKPOINT_HINT_FOREIGN + " To use its arrays, read them with "
            "safetensors.numpy.load_file(path) and give them to load_state_dict().",
        )
    for key, value in metadata.items():
        if not isinstance(value, str):
            _bad(f"in its metadata, {key!r}", value, "a string")
    version = _format_version(metadata)
    _require(metadata, _FIELDS, "its metadata")

    members = _json_field(metadata, "members", dict, "a JSON object {path: description of its array}")
    aliases = _json_field(metadata, "aliases", dict, "a JSON object {alias path: first path}")
    unset = _json_field(metadata, "unset", list, "a JSON list of paths")
    for alias, first in aliases.items():
        if not isinstance(first, str):
            _bad(f"in its metadata, aliases[{alias!r}]", first, "a string (the first path)")
    for position, unset_path in enumerate(unset):
        if not isinstance(unset_path, str):
            _bad(f"in its metadata, unset[{position}]", unset_path, "a string (a path)")
    for key, record in members.items():
        _check_record(key, record)

    arrays = set(header) - {"__metadata__"}
    if set(members) != arrays:
        raise Refused(
            f"its metadata and its arrays list different entries (only in the metadata: "
            f"{_names(set(members) - arrays)}; only among the arrays: {_names(arrays - set(members))})",
            errors.CHECKPOINT_HINT_CORRUPT,
        )
    return Metadata(members, aliases, unset, version, metadata)


def _format_version(metadata: dict[str, str]) -> int:
    """The format version, checked first: a newer file may have other fields."""
    _require(metadata, ("format_version",), "its metadata")
    if not re.fullmatch(r"[0-9]{1,9}", metadata["format_version"]):
        _bad("in its metadata, 'format_version'", metadata["format_version"], 'a version number such as "1"')
    version = int(metadata["format_version"])
    if version > FORMAT_VERSION:
        import symmodule

        raise Refused(
            f"it was written in checkpoint format version {version} (by symmodule "
            f"{metadata.get('symmodule_version', '?')}), and this symmodule "
            f"({getattr(symmodule, '__version__', '?')}) reads format version {FORMAT_VERSION} only",
            "Upgrade symmodule to load it.",
        )
    if version < 1:
        raise Refused(f"its format version {version} does not exist", errors.CHECKPOINT_HINT_CORRUPT)
    return version


def _check_record(key: str, record: Any) -> None:
    """One entry of the ``members`` metadata: kind, dtype, shape, sha256[, type][, stored_as]."""
    where = f"in its metadata, members[{key!r}]"
    if not isinstance(record, dict):
        _bad(where, record, "an object {kind, dtype, shape, sha256}")
    _require(record, ("kind", "dtype", "shape", "sha256"), where)
    if not (isinstance(record["kind"], str) and record["kind"] in _KINDS):
        _bad(f"{where}['kind']", record["kind"], " or ".join(map(repr, _KINDS)))
    dtype = record["dtype"]
    if not (isinstance(dtype, str) and (dtype in _DTYPES or dtype in _VIEWS)):
        _bad(f"{where}['dtype']", dtype, f"one of the dtypes {_ALL_DTYPES}")
    if not _is_shape(record["shape"]):
        _bad(f"{where}['shape']", record["shape"], _SHAPE)
    if not (isinstance(record["sha256"], str) and re.fullmatch(r"[0-9a-f]{64}", record["sha256"])):
        _bad(f"{where}['sha256']", record["sha256"], "a SHA-256 digest (64 hexadecimal digits)")
    if "type" in record and not isinstance(record["type"], str):
        _bad(f"{where}['type']", record["type"], "a string")
    if dtype in _VIEWS:
        _require(record, ("stored_as",), where)
        if record["stored_as"] != _VIEWS[dtype]:
            _bad(f"{where}['stored_as']", record["stored_as"], repr(_VIEWS[dtype]))
    elif "stored_as" in record:
        _bad(f"{where}['stored_as']", record["stored_as"], f"absent: it is written only for {', '.join(_VIEWS)} arrays")


def _json_field(metadata: dict[str, str], field: str, kind: type, expected: str) -> Any:
    """The JSON value held by the metadata string ``field``, of the Python type ``kind``."""
    try:
        value = parse_json(metadata[field], f"its metadata field {field!r}")
    except ValueError:
        raise Refused(errors.CHECKPOINT_NOT_JSON.format(field=field)) from None
    if not isinstance(value, kind):
        raise Refused(errors.CHECKPOINT_BAD_JSON_FIELD.format(field=field, got=_describe_json(value), expected=expected))
    return value


def data_length(metadata: Metadata) -> int:
    """How many bytes of arrays follow the header of a file with this metadata.

    safetensors stores the arrays one after the other, so a file of another
    length was cut short or extended (or its metadata lies, which the arrays'
    check would refuse too).
    """
    return sum(math.prod(record["shape"]) * np.dtype(record["dtype"]).itemsize for record in metadata.members.values())


def decode(arrays: dict[str, np.ndarray], metadata: Metadata) -> StateDict:
    """The state dict of a checkpoint, from the arrays safetensors parsed and its checked metadata.

    Raises
    ------
    Refused
        When an array is not what its record describes, or its digest differs.
    """
    result = StateDict()
    for key, record in metadata.members.items():
        shape = tuple(record["shape"])
        stored = np.dtype(_VIEWS.get(record["dtype"], record["dtype"]))
        array = arrays[key]
        if array.dtype != stored or array.shape != shape + ((2,) if record["dtype"] in _VIEWS else ()):
            raise Refused(
                f"the array {key!r} does not match its description in the metadata", errors.CHECKPOINT_HINT_CORRUPT
            )
        if _digest(array) != record["sha256"]:
            raise Refused(
                f"the data of {key!r} is corrupt (its checksum does not match)", errors.CHECKPOINT_HINT_CORRUPT
            )
        if record["dtype"] in _VIEWS:
            array = array.reshape(-1).view(record["dtype"]).reshape(shape)
        # The instance may update a loaded array in place: never hand it a read-only buffer.
        result[key] = np.require(array, requirements="W")
    result.aliases = metadata.aliases
    result.unset = metadata.unset
    fields = metadata.fields
    result.metadata = {
        "format_version": metadata.version,
        "module_class": fields["module_class"],
        "instance_class": fields["instance_class"],
        "members": {
            key: {k: v for k, v in record.items() if k in ("kind", "dtype", "shape", "type")}
            for key, record in metadata.members.items()
        },
        **{k: fields[k] for k in _VERSIONS},
    }
    return result


# --------------------------------------------------------------------------- messages


def _require(mapping: dict[str, Any], fields: Sequence[str], where: str) -> None:
    for field in fields:
        if field not in mapping:
            raise Refused(errors.CHECKPOINT_MISSING_FIELD.format(where=where, field=field))


def _bad(where: str, value: Any, expected: str) -> NoReturn:
    raise Refused(errors.CHECKPOINT_BAD_VALUE.format(where=where, got=_describe_json(value), expected=expected))


def _is_size(value: Any) -> bool:
    return type(value) is int and 0 <= value <= sys.maxsize  # a JSON true is a bool, not a size


def _is_shape(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= _MAX_NDIM
        and all(map(_is_size, value))
        and math.prod(size for size in value if size) <= _MAX_ELEMENTS
    )


def _names(keys: set[str]) -> str:
    """A few of ``keys``, for a message."""
    shown = [SHORT.repr(key) for key in sorted(keys)[:5]]
    return ", ".join(shown) + (", ..." if len(keys) > 5 else "") if shown else "none"


def _describe_json(value: Any) -> str:
    """A JSON value in a few words: ``the number 3``, ``a list ([1, 2])``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {SHORT.repr(value)}"
    if isinstance(value, str):
        return f"the string {SHORT.repr(value)}"
    return f"{'a list' if isinstance(value, list) else 'an object'} ({SHORT.repr(value)})"
