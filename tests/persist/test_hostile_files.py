"""Hostile checkpoint files: every one is refused cleanly and quickly, and changes nothing.

A checkpoint may come from anywhere. Whatever its bytes (lying lengths and
offsets, array entries of the wrong JSON type, a cut or damaged file, or a
generator state nesting deeply), ``load`` and ``read_checkpoint`` either
return the state that was saved or raise ``CheckpointError``: never another
exception, never a hang. The metadata's own checks are in ``test_metadata.py``;
paths and the operating system's errors in ``test_files.py``.
"""

import json
import os
import struct
import tempfile

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symmodule import errors
from symmodule.persist import (
    decode_generator,
    load,
    load_state_dict,
    read_checkpoint,
    save,
    state_dict,
)


# ------------------------------------------------------------------ generator states


def test_deep_nesting_in_a_generator_state_is_refused(hostile):
    deep = np.frombuffer(hostile.deep_json().encode(), dtype=np.uint8)
    with pytest.raises(errors.StateDictError, match=r"Cannot decode a generator state: its JSON nests more than \d+ levels deep"):
        decode_generator(deep)


def test_deep_nesting_in_a_generator_entry_of_a_state_dict_is_refused(inst, unchanged, hostile):
    sd = state_dict(inst)
    sd["random.rng0"] = np.frombuffer(hostile.deep_json().encode(), dtype=np.uint8)
    snap = unchanged(inst)
    with pytest.raises(errors.StateDictError, match=r"bad value at 'random.rng0': its JSON nests more than"):
        load_state_dict(inst, sd)
    snap.assert_unchanged()


@pytest.mark.parametrize("number", ["-1", "1e400", "1" * 5000, "2.5"])
def test_a_generator_state_with_numbers_out_of_range_is_refused(number):
    state = {"bit_generator": "PCG64", "state": {"state": {"__ndarray__": ["NUMBER"], "dtype": "uint64"}}}
    text = json.dumps(state).replace('"NUMBER"', number)
    with pytest.raises(errors.StateDictError, match=r"Cannot decode a generator state"):
        decode_generator(np.frombuffer(text.encode(), dtype=np.uint8))


# ------------------------------------------------------------------ the arrays' entries: the safetensors parser refuses them

# Array entries are checked by the safetensors parser; its refusal becomes a CheckpointError.
PARSER_REFUSES = r"Cannot load checkpoint '.*': the safetensors parser refuses it \(.+\)\. The file was not written by symmodule.save"


@pytest.mark.parametrize("value", [[], "w", None], ids=["list", "string", "null"])
def test_a_header_entry_that_is_not_an_object_is_refused(path, value, hostile, refused):
    hostile.rewrite(path, hostile.set_entry(None, value))
    refused(path, PARSER_REFUSES)


@pytest.mark.parametrize(
    "key, value",
    [
        ("dtype", 64),
        ("dtype", "BF16"),
        ("dtype", "float64"),
        ("shape", "3"),
        ("shape", [-3]),
        ("shape", [3.0]),
        ("shape", [1] * 33),
        ("data_offsets", [0]),
        ("data_offsets", [0, 8, 16]),
        ("data_offsets", [-8, 16]),
        ("data_offsets", [16, 0]),
        ("data_offsets", [0.0, 24.0]),
        ("data_offsets", [False, True]),
        ("data_offsets", "0-24"),
        ("data_offsets", [0, 2**80]),
    ],
)
def test_a_header_entry_field_of_the_wrong_type_is_refused(path, key, value, hostile, refused):
    hostile.rewrite(path, hostile.set_entry(key, value))
    refused(path, PARSER_REFUSES)


@pytest.mark.parametrize("key", ["dtype", "shape", "data_offsets"])
def test_a_missing_header_entry_field_is_refused(path, key, hostile, refused):
    hostile.rewrite(path, hostile.set_entry(key, hostile.DROP))
    refused(path, PARSER_REFUSES)


def test_an_entry_whose_size_does_not_match_its_shape_is_refused(path, hostile, refused):
    hostile.rewrite(path, hostile.set_entry("shape", [2]))
    refused(path, PARSER_REFUSES)


def test_overlapping_entries_are_refused(path, hostile, refused):
    def change(header):
        header["n"]["data_offsets"] = [8, 16]  # inside the data of 'w', leaving 0-8 unused

    hostile.rewrite(path, change)
    refused(path, PARSER_REFUSES)


def test_an_entry_of_a_dtype_numpy_lacks_is_refused(path, hostile, refused):
    # A well-formed entry (12 bfloat16 numbers fill the 24 bytes of 'w') that numpy cannot hold.
    def change(header):
        header["w"].update(dtype="BF16", shape=[12])

    hostile.rewrite(path, change)
    refused(path, r"the safetensors parser refuses it \(.*BF16.*\)")


# ------------------------------------------------------------------ the header's length, and the file's


def test_a_header_length_larger_than_the_file_is_refused(path, refused):
    data = path.read_bytes()
    path.write_bytes(struct.pack("<Q", len(data) * 2) + data[8:])
    refused(path, rf"the file is truncated \(its header needs {len(data) * 2 + 8} bytes, the file has {len(data)}\).*Load another copy")


@pytest.mark.parametrize("length", [2**63, 2**64 - 1, 200 * 1024 * 1024])
def test_an_absurd_header_length_is_refused(path, length, refused):
    data = path.read_bytes()
    path.write_bytes(struct.pack("<Q", length) + data[8:])
    refused(path, r"it is not a safetensors checkpoint \(it does not start with a header length\)")


@pytest.mark.parametrize("cut", [1, 7, 8, 9, "header-1", "header", "data+1", "end-1"])
def test_a_truncated_file_is_refused(path, cut, refused):
    data = path.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    size = {"header-1": header_end - 1, "header": header_end, "data+1": header_end + 1, "end-1": len(data) - 1}.get(cut, cut)
    path.write_bytes(data[:size])
    refused(path, r"(too few for a checkpoint|the file is truncated).*Load another copy")


def test_a_header_that_is_not_utf8_is_refused(path, hostile, refused):
    header, body = hostile.split(path.read_bytes())
    text = json.dumps(header).encode().replace(b'"n"', b'"\xff"', 1)
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)
    refused(path, r"its header is not valid JSON")


def test_a_file_written_by_safetensors_itself_is_read(inst, path, tmp_path):
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        metadata = f.metadata()
        arrays = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 (not a dict)
    other = tmp_path / "other.safetensors"
    safetensors.numpy.save_file(arrays, str(other), metadata=metadata)
    stored = read_checkpoint(other)
    expected = state_dict(inst)
    assert list(stored) == list(expected)
    assert all(np.array_equal(stored[key], expected[key]) for key in expected)


def test_every_array_is_aligned_in_the_file(tmp_path, hostile):
    state = {"a": np.zeros(3, dtype="int8"), "b": np.zeros(2), "c": np.zeros(1, dtype="float16"), "d": np.zeros(5, dtype="complex128")}
    target = tmp_path / "aligned.safetensors"
    save(state, target)
    data = target.read_bytes()
    header, _ = hostile.split(data)
    start = 8 + struct.unpack("<Q", data[:8])[0]
    assert start % 8 == 0
    sizes = {"I8": 1, "F64": 8, "F16": 2}
    for key, entry in header.items():
        if key != "__metadata__":
            assert (start + entry["data_offsets"][0]) % sizes[entry["dtype"]] == 0, key


# ------------------------------------------------------------------ random damage


def _damage(data, operations):
    data = bytearray(data)
    for op, position, value in operations:
        position %= len(data) + 1
        if op == "flip" and position < len(data):
            data[position] ^= value or 1
        elif op == "truncate":
            del data[position:]
        elif op == "insert":
            data[position:position] = bytes([value]) * (1 + value % 7)
        elif op == "delete":
            del data[position : position + 1 + value % 7]
        if not data:
            break
    return bytes(data)


_OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["flip", "truncate", "insert", "delete"]), st.integers(0, 4096), st.integers(0, 255)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=_OPERATIONS)
def test_a_damaged_checkpoint_is_read_whole_or_refused(inst, module, path, operations, same_state):
    original = path.read_bytes()
    expected = state_dict(inst)
    with tempfile.TemporaryDirectory() as folder:
        damaged = os.path.join(folder, "damaged.safetensors")
        with open(damaged, "wb") as handle:
            handle.write(_damage(original, operations))
        try:
            stored = read_checkpoint(damaged)
        except errors.CheckpointError:
            return
        # Not refused: then the damage was harmless (JSON whitespace, a class name...).
        assert list(stored) == list(expected)
        assert all(np.array_equal(stored[key], expected[key]) for key in expected)
        fresh = module.make()
        try:
            load(damaged, into=fresh)
        except errors.StateDictError:
            return  # a well-formed file that does not fit (e.g. an unset list naming another member)
        same_state(inst, fresh)
