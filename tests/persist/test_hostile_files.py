"""Hostile checkpoint files and paths: every one is refused cleanly, quickly and without side effects.

A checkpoint may come from anywhere. Whatever its bytes (deep JSON nesting,
fields of the wrong JSON type, missing fields, lying lengths and offsets) and
whatever the path names (a named pipe, a device), ``load`` and
``read_checkpoint`` either return the state that was saved or raise
``CheckpointError``: never another exception, never a hang. The operating
system's own errors (no such file, permission denied, a folder, a full disk)
keep their ``errno``.
"""

import errno
import json
import os
import stat
import struct
import tempfile
import threading
import time

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.persist import (
    decode_generator,
    load,
    load_state_dict,
    read_checkpoint,
    save,
    state_dict,
)

DEEP = 100_000
# Every metadata field a checkpoint has, besides "format" (whose absence means "not a checkpoint").
FIELDS = [
    "format_version",
    "module_class",
    "instance_class",
    "members",
    "aliases",
    "unset",
    "symmodule_version",
    "pytensor_version",
    "numpy_version",
]
NOT_STRINGS = [("the number", 1), ("the number", 1.5), ("null", None), ("true", True), ("a list", []), ("an object", {})]


def small_module():
    m = symmodule.Module()
    m.w = T.dvector()
    m.n = T.lscalar()
    m.random = T.randomstreams.RandomStreams(seed=3)
    m.draw = symmodule.Method([], m.random.uniform(size=(2,)))
    return m


@pytest.fixture(scope="module")
def module():
    return small_module()


@pytest.fixture
def inst(module):
    return module.make(w=[1.0, 2.0, 3.0], n=4)


@pytest.fixture
def path(inst, tmp_path):
    """A valid checkpoint of ``inst``."""
    target = tmp_path / "model.safetensors"
    save(inst, target)
    return target


_DROP = object()  # the field is removed


def split(data):
    """(header as a dict, data section) of a safetensors file's bytes."""
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def join(header, body=b""):
    """A file's bytes from a header (a dict, or its JSON text) and a data section."""
    text = header if isinstance(header, str) else json.dumps(header)
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw + body


def rewrite(path, change):
    """Apply ``change(header)`` to the file's header (it may return a replacement JSON text)."""
    header, body = split(path.read_bytes())
    result = change(header)
    path.write_bytes(join(header if result is None else result, body))


def set_field(field, value):
    """A ``change`` for :func:`rewrite`: the metadata string ``field`` becomes ``value``."""

    def change(header):
        header["__metadata__"][field] = value

    return change


def set_record(key, value, member="w"):
    """A ``change``: ``members[member][key]`` (the whole record when ``key`` is None) becomes ``value``."""

    def change(header):
        members = json.loads(header["__metadata__"]["members"])
        if value is _DROP:
            del members[member][key]
        elif key is None:
            members[member] = value
        else:
            members[member][key] = value
        header["__metadata__"]["members"] = json.dumps(members)

    return change


def set_entry(key, value, entry="w"):
    """A ``change``: the header's ``entry[key]`` (the whole entry when ``key`` is None) becomes ``value``."""

    def change(header):
        if value is _DROP:
            del header[entry][key]
        elif key is None:
            header[entry] = value
        else:
            header[entry][key] = value

    return change


def refused(path, match):
    """The CheckpointError read_checkpoint raises for ``path``."""
    with pytest.raises(errors.CheckpointError, match="(?s)" + match) as info:
        read_checkpoint(path)
    assert info.value.path == os.fsdecode(path)
    return info.value


def same_state(a, b):
    sa, sb = state_dict(a), state_dict(b)
    assert list(sa) == list(sb) and sa.unset == sb.unset
    for key in sa:
        assert (sa[key].dtype, sa[key].shape, sa[key].tobytes()) == (sb[key].dtype, sb[key].shape, sb[key].tobytes())


def in_thread(function, timeout=10.0):
    """Run ``function()`` in a thread: (whether it still blocks after ``timeout``, its result or exception, seconds)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = function()
        except BaseException as exc:  # noqa: BLE001 (handed to the test, which checks its type)
            outcome["result"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    return thread.is_alive(), outcome.get("result"), time.monotonic() - started


def release(fifo):
    """Unblock a reader stuck opening ``fifo`` (if the code under test blocked), so the test can fail cleanly."""
    try:
        handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    os.close(handle)


# ------------------------------------------------------------------ deep nesting


def _deep_json():
    return "[" * DEEP + "]" * DEEP


@pytest.mark.parametrize("where", ["entry", "extra-key", "metadata-value"])
def test_deep_nesting_in_the_header_is_refused(path, where):
    def change(header):
        if where == "entry":
            header["w"] = "DEEP"
        elif where == "extra-key":
            header["deep"] = "DEEP"
        else:
            header["__metadata__"]["module_class"] = "DEEP"
        return json.dumps(header).replace('"DEEP"', _deep_json())

    rewrite(path, change)
    refused(path, r"Cannot load checkpoint '.*model.safetensors': its header nests JSON more than \d+ levels deep")


@pytest.mark.parametrize("field", ["members", "aliases", "unset"])
def test_deep_nesting_in_a_metadata_field_is_refused(path, field):
    rewrite(path, set_field(field, _deep_json()))
    refused(path, rf"its metadata field '{field}' nests JSON more than \d+ levels deep")


def test_deep_nesting_is_refused_quickly(path):
    rewrite(path, set_field("members", "[" * 10_000_000))
    started = time.monotonic()
    refused(path, r"'members' nests JSON more than")
    assert time.monotonic() - started < 5


def test_brackets_and_escapes_inside_names_are_not_nesting(tmp_path):
    names = ["[" * 200, "{" * 200 + '"', "a\\" + "[" * 100, '"]}' * 50]
    state = {name: np.arange(3.0) + i for i, name in enumerate(names)}
    save(state, tmp_path / "names.safetensors")
    stored = read_checkpoint(tmp_path / "names.safetensors")
    assert sorted(stored) == sorted(names)
    assert all(np.array_equal(stored[name], state[name]) for name in names)


def test_deep_nesting_in_a_generator_state_is_refused():
    deep = np.frombuffer(_deep_json().encode(), dtype=np.uint8)
    with pytest.raises(errors.StateDictError, match=r"Cannot decode a generator state: its JSON nests more than \d+ levels deep"):
        decode_generator(deep)


def test_deep_nesting_in_a_generator_entry_of_a_state_dict_is_refused(inst, unchanged):
    sd = state_dict(inst)
    sd["random.rng0"] = np.frombuffer(_deep_json().encode(), dtype=np.uint8)
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


# ------------------------------------------------------------------ metadata: wrong JSON types


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("kind, value", NOT_STRINGS, ids=[repr(v) for _, v in NOT_STRINGS])
def test_a_metadata_field_that_is_not_a_string_is_refused(path, field, kind, value):
    rewrite(path, set_field(field, value))
    refused(path, rf"in its metadata, '{field}' is {kind}.*, but it must be a string.*not written by symmodule.save, or was damaged")


@pytest.mark.parametrize("field", FIELDS)
def test_a_missing_metadata_field_is_refused(path, field):
    def change(header):
        del header["__metadata__"][field]

    rewrite(path, change)
    refused(path, rf"its metadata has no '{field}' field")


@pytest.mark.parametrize("value", [1, "checkpoint", None, []])
def test_a_format_that_is_not_symmodules_means_not_a_checkpoint(path, value):
    rewrite(path, set_field("format", value))
    refused(path, r"a safetensors file but not a symmodule checkpoint")


@pytest.mark.parametrize("value", ["", "one", "1.0", " 1", "+1", "1_0", "\u0661", "9" * 400])
def test_a_format_version_that_is_not_a_plain_number_is_refused(path, value):
    rewrite(path, set_field("format_version", value))
    refused(path, r"in its metadata, 'format_version' is the string .*, but it must be a version number such as \"1\"")


@pytest.mark.parametrize(
    "field, text, kind",
    [
        ("members", "[]", "a list"),
        ("members", '"w"', "the string"),
        ("members", "1", "the number"),
        ("members", "null", "null"),
        ("aliases", "[]", "a list"),
        ("aliases", "true", "true"),
        ("unset", "{}", "an object"),
        ("unset", '"w"', "the string"),
    ],
)
def test_a_metadata_json_field_of_the_wrong_type_is_refused(path, field, text, kind):
    rewrite(path, set_field(field, text))
    refused(path, rf"in its metadata, '{field}' holds {kind}.*, but it must hold a JSON (object|list)")


@pytest.mark.parametrize("field", ["members", "aliases", "unset"])
def test_a_metadata_json_field_that_is_not_json_is_refused(path, field):
    rewrite(path, set_field(field, "{not json"))
    refused(path, rf"its metadata field '{field}' is not valid JSON")


@pytest.mark.parametrize(
    "text, where",
    [
        ('{"again.w": 1}', r"aliases\['again.w'\] is the number 1, but it must be a string"),
        ('{"again.w": null}', r"aliases\['again.w'\] is null, but it must be a string"),
    ],
)
def test_an_alias_that_is_not_a_string_is_refused(path, text, where):
    rewrite(path, set_field("aliases", text))
    refused(path, where)


@pytest.mark.parametrize("text", ["[1]", "[null]", '["w", ["n"]]'])
def test_an_unset_path_that_is_not_a_string_is_refused(path, text):
    rewrite(path, set_field("unset", text))
    refused(path, r"unset\[\d\] is .*, but it must be a string")


@pytest.mark.parametrize("value, kind", [([], "a list"), ("w", "the string"), (3, "the number"), (None, "null")])
def test_a_member_record_that_is_not_an_object_is_refused(path, value, kind):
    rewrite(path, set_record(None, value))
    refused(path, rf"members\['w'\] is {kind}.*, but it must be an object")


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("kind", 1, "'array' or 'generator'"),
        ("kind", "weights", "'array' or 'generator'"),
        ("dtype", 1, "one of the dtypes"),
        ("dtype", "object", "one of the dtypes"),
        ("dtype", "float128", "one of the dtypes"),
        ("shape", "3", "a list of sizes"),
        ("shape", None, "a list of sizes"),
        ("shape", [-1], "a list of sizes"),
        ("shape", [1.5], "a list of sizes"),
        ("shape", [True], "a list of sizes"),
        ("shape", [[3]], "a list of sizes"),
        ("shape", [2**70], "a list of sizes"),
        ("sha256", 1, "a SHA-256 digest"),
        ("sha256", "abc", "a SHA-256 digest"),
        ("sha256", None, "a SHA-256 digest"),
        ("type", 1, "a string"),
        ("type", ["Vector"], "a string"),
        ("stored_as", 1, "absent: it is written only for complex128"),
        ("stored_as", "float64", "absent: it is written only for complex128"),
    ],
)
def test_a_member_record_field_of_the_wrong_type_is_refused(path, key, value, expected):
    rewrite(path, set_record(key, value))
    refused(path, rf"members\['w'\]\['{key}'\] is .*, but it must be {expected}")


@pytest.mark.parametrize("key", ["kind", "dtype", "shape", "sha256"])
def test_a_missing_member_record_field_is_refused(path, key):
    rewrite(path, set_record(key, _DROP))
    refused(path, rf"members\['w'\] has no '{key}' field")


def test_a_complex128_record_without_stored_as_is_refused(tmp_path):
    target = tmp_path / "c.safetensors"
    save({"z": np.array([1 + 2j])}, target)
    rewrite(target, set_record("stored_as", _DROP, member="z"))
    refused(target, r"members\['z'\] has no 'stored_as' field")


# ------------------------------------------------------------------ the header: structure, lengths, offsets


@pytest.mark.parametrize("text, kind", [("[]", "a list"), ('"x"', "the string"), ("125", "the number"), ("null", "null")])
def test_a_header_that_is_not_an_object_is_refused(tmp_path, text, kind):
    target = tmp_path / "x.safetensors"
    target.write_bytes(join(text))
    refused(target, rf"its header is {kind}.*, but it must be a JSON object")


@pytest.mark.parametrize("value, kind", [([], "a list"), ("meta", "the string"), (None, "null")])
def test_a_metadata_section_that_is_not_an_object_is_refused(path, value, kind):
    def change(header):
        header["__metadata__"] = value

    rewrite(path, change)
    refused(path, rf"in its header, '__metadata__' is {kind}.*, but it must be an object of strings")


def test_a_header_without_metadata_is_not_a_checkpoint(path):
    def change(header):
        del header["__metadata__"]

    rewrite(path, change)
    refused(path, r"a safetensors file but not a symmodule checkpoint")


@pytest.mark.parametrize("value, kind", [([], "a list"), ("w", "the string"), (None, "null")])
def test_a_header_entry_that_is_not_an_object_is_refused(path, value, kind):
    rewrite(path, set_entry(None, value))
    refused(path, rf"in its header, 'w' is {kind}.*, but it must be an object")


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("dtype", 64, "a safetensors dtype"),
        ("dtype", "BF16", "a safetensors dtype"),
        ("dtype", "float64", "a safetensors dtype"),
        ("shape", "3", "a list of sizes"),
        ("shape", [-3], "a list of sizes"),
        ("shape", [3.0], "a list of sizes"),
        ("shape", [1] * 33, "a list of sizes"),
        ("data_offsets", [0], "two offsets"),
        ("data_offsets", [0, 8, 16], "two offsets"),
        ("data_offsets", [-8, 16], "two offsets"),
        ("data_offsets", [16, 0], "two offsets"),
        ("data_offsets", [0.0, 24.0], "two offsets"),
        ("data_offsets", [False, True], "two offsets"),
        ("data_offsets", "0-24", "two offsets"),
        ("data_offsets", [0, 2**80], "two offsets"),
    ],
)
def test_a_header_entry_field_of_the_wrong_type_is_refused(path, key, value, expected):
    rewrite(path, set_entry(key, value))
    refused(path, rf"in its header, 'w'\['{key}'\] is .*, but it must be {expected}")


@pytest.mark.parametrize("key", ["dtype", "shape", "data_offsets"])
def test_a_missing_header_entry_field_is_refused(path, key):
    rewrite(path, set_entry(key, _DROP))
    refused(path, rf"in its header, 'w' has no '{key}' field")


def test_a_header_listing_an_entry_twice_is_refused(path):
    def change(header):
        text = json.dumps(header)
        return text[:-1] + ', "w": ' + json.dumps(header["w"]) + "}"

    rewrite(path, change)
    refused(path, r"its header lists 'w' twice")


def test_an_entry_whose_size_does_not_match_its_shape_is_refused(path):
    rewrite(path, set_entry("shape", [2]))
    refused(path, r"its header entry 'w' describes 16 bytes \(F64, shape \[2\]\) but its data_offsets span 24")


def test_overlapping_entries_are_refused(path):
    def change(header):
        header["n"]["data_offsets"] = [8, 16]  # inside the data of 'w', leaving 0-8 unused

    rewrite(path, change)
    refused(path, r"its header entries overlap or leave a gap between them")


def test_an_entry_dtype_that_disagrees_with_the_metadata_is_refused(path):
    def change(header):
        header["w"]["dtype"] = "I64"

    rewrite(path, change)
    refused(path, r"the array 'w' does not match its description in the metadata")


def test_a_header_length_larger_than_the_file_is_refused(path):
    data = path.read_bytes()
    path.write_bytes(struct.pack("<Q", len(data) * 2) + data[8:])
    refused(path, rf"the file is truncated \(its header needs {len(data) * 2 + 8} bytes, the file has {len(data)}\).*Load another copy")


@pytest.mark.parametrize("length", [2**63, 2**64 - 1, 200 * 1024 * 1024])
def test_an_absurd_header_length_is_refused(path, length):
    data = path.read_bytes()
    path.write_bytes(struct.pack("<Q", length) + data[8:])
    refused(path, r"it is not a safetensors checkpoint \(it does not start with a header length\)")


@pytest.mark.parametrize("cut", [1, 7, 8, 9, "header-1", "header", "data+1", "end-1"])
def test_a_truncated_file_is_refused(path, cut):
    data = path.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    size = {"header-1": header_end - 1, "header": header_end, "data+1": header_end + 1, "end-1": len(data) - 1}.get(cut, cut)
    path.write_bytes(data[:size])
    refused(path, r"(too few for a checkpoint|the file is truncated).*Load another copy")


def test_a_header_that_is_not_utf8_is_refused(path):
    header, body = split(path.read_bytes())
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


def test_every_array_is_aligned_in_the_file(tmp_path):
    state = {"a": np.zeros(3, dtype="int8"), "b": np.zeros(2), "c": np.zeros(1, dtype="float16"), "d": np.zeros(5, dtype="complex128")}
    target = tmp_path / "aligned.safetensors"
    save(state, target)
    data = target.read_bytes()
    header, _ = split(data)
    start = 8 + struct.unpack("<Q", data[:8])[0]
    assert start % 8 == 0
    sizes = {"I8": 1, "F64": 8, "F16": 2}
    for key, entry in header.items():
        if key != "__metadata__":
            assert (start + entry["data_offsets"][0]) % sizes[entry["dtype"]] == 0, key


# ------------------------------------------------------------------ paths that are not regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_loading_a_named_pipe_is_refused_without_blocking(inst, tmp_path, unchanged):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    snap = unchanged(inst)
    blocked, result, seconds = in_thread(lambda: load(fifo, into=inst))
    if blocked:
        release(fifo)
        pytest.fail("load() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)
    assert "Give the path of a checkpoint file" in str(result)
    assert seconds < 5
    snap.assert_unchanged()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_swapped_in_after_the_path_was_checked_is_refused_without_blocking(path, tmp_path, monkeypatch):
    # The file is replaced by a pipe between the check of the path and the open:
    # the opened file itself must be checked, and opening must not wait for a writer.
    regular = os.stat(path)
    path.unlink()
    os.mkfifo(path)
    real_stat = os.stat

    def stale_stat(name, *args, **kwargs):
        return regular if os.fsdecode(name) == str(path) else real_stat(name, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stale_stat)
    blocked, result, _ = in_thread(lambda: read_checkpoint(path))
    monkeypatch.undo()
    if blocked:
        release(path)
        pytest.fail("read_checkpoint() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(errors.CheckpointError, match=rf"Cannot load checkpoint '{device}': it is a character device, not a regular file"):
        read_checkpoint(device)


def test_a_folder_is_refused(tmp_path, inst, unchanged):
    snap = unchanged(inst)
    with pytest.raises(IsADirectoryError, match=r"Is a directory: a checkpoint is a file.*model.safetensors") as info:
        load(tmp_path, into=inst)
    assert info.value.errno == errno.EISDIR and info.value.filename == str(tmp_path)
    snap.assert_unchanged()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_saving_onto_a_named_pipe_is_refused(inst, tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    blocked, result, _ = in_thread(lambda: save(inst, fifo))
    if blocked:
        release(fifo)
        pytest.fail("save() blocked on a named pipe")
    assert isinstance(result, errors.CheckpointWriteError), result
    assert "it is a named pipe (FIFO), not a regular file" in str(result)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["model.safetensors"]


# ------------------------------------------------------------------ path types


class PathLike:
    """An os.PathLike that is not a pathlib path."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


@pytest.mark.parametrize(
    "convert",
    [bytes, str, lambda p: PathLike(str(p)), lambda p: PathLike(bytes(p))],
    ids=["bytes", "str", "pathlike-str", "pathlike-bytes"],
)
def test_save_load_and_read_take_str_bytes_and_pathlike_paths(module, inst, tmp_path, convert):
    given_path = convert(tmp_path / "model.safetensors")
    save(inst, given_path)
    fresh = module.make()
    assert not load(given_path, into=fresh).problems
    same_state(inst, fresh)
    assert list(read_checkpoint(given_path)) == list(state_dict(inst))
    inst.save(given_path)
    assert not fresh.load(given_path).problems


def test_a_bytes_path_that_is_not_utf8_works(module, inst, tmp_path):
    name = os.fsencode(tmp_path) + b"/model-\xff.safetensors"
    try:
        save(inst, name)
    except errors.CheckpointWriteError as exc:  # a file system that only takes UTF-8 names
        pytest.skip(str(exc))
    fresh = module.make()
    load(name, into=fresh)
    same_state(inst, fresh)


@pytest.mark.parametrize("bad", [3, None, 1.5, ["model.safetensors"]], ids=["int", "None", "float", "list"])
@pytest.mark.parametrize("function", ["save", "load", "read_checkpoint"])
def test_a_path_of_the_wrong_type_is_refused(inst, function, bad):
    call = {
        "save": lambda: save(inst, bad),
        "load": lambda: load(bad, into=inst),
        "read_checkpoint": lambda: read_checkpoint(bad),
    }[function]
    with pytest.raises(errors.StateArgumentError, match=rf"{function}: the path must be a str, bytes or os.PathLike.*got .*, of type {type(bad).__name__}"):
        call()


@pytest.mark.parametrize("function", ["save", "load", "read_checkpoint"])
def test_a_path_holding_a_nul_character_is_refused(inst, tmp_path, function):
    bad = str(tmp_path / "model\x00.safetensors")
    call = {
        "save": lambda: save(inst, bad),
        "load": lambda: load(bad, into=inst),
        "read_checkpoint": lambda: read_checkpoint(bad),
    }[function]
    with pytest.raises(errors.StateArgumentError, match=rf"{function}: the path must be .*which holds a NUL character"):
        call()


# ------------------------------------------------------------------ OS errors keep their errno


def test_a_disk_full_write_error_keeps_its_errno_and_cause(inst, path, monkeypatch):
    before = path.read_bytes()
    real_write = os.write
    written = []

    def fills_up(handle, data):
        if written:  # the first write succeeds, the disk is full after it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(len(data))
        return real_write(handle, bytes(data)[:5])

    monkeypatch.setattr(os, "write", fills_up)
    inst.n = 77
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint '.*model.safetensors': No space left on device.*unchanged") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    assert isinstance(info.value.__cause__, OSError) and info.value.__cause__.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == ["model.safetensors"]


def test_a_permission_error_on_save_keeps_its_errno(inst, path, monkeypatch):
    before = path.read_bytes()

    def forbidden(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", forbidden)
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint .*Permission denied") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.EACCES and isinstance(info.value.__cause__, PermissionError)
    assert path.read_bytes() == before


def test_a_permission_error_on_load_keeps_its_errno(inst, path, monkeypatch, unchanged):
    real_open = os.open

    def forbidden(name, *args, **kwargs):
        if os.fsdecode(name) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", forbidden)
    snap = unchanged(inst)
    with pytest.raises(PermissionError, match=r"Permission denied") as info:
        load(path, into=inst)
    assert info.value.errno == errno.EACCES and info.value.filename == str(path)
    snap.assert_unchanged()


def test_a_read_error_keeps_its_errno_and_names_the_file(inst, path, monkeypatch, unchanged):
    target = os.stat(path)
    real_read = os.read

    def failing(handle, count):
        st = os.fstat(handle)
        if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_read(handle, count)

    monkeypatch.setattr(os, "read", failing)
    snap = unchanged(inst)
    with pytest.raises(OSError, match=r"Input/output error") as info:
        load(path, into=inst)
    assert info.value.errno == errno.EIO and info.value.filename == str(path)
    snap.assert_unchanged()


def test_a_missing_file_keeps_its_errno(inst, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load(tmp_path / "none.safetensors", into=inst)
    assert info.value.errno == errno.ENOENT


# ------------------------------------------------------------------ a file replaced while it is read


def test_a_file_replaced_while_it_is_read_is_read_whole(inst, path, monkeypatch):
    expected = state_dict(inst)
    newer = state_dict(inst)
    newer["n"] = np.array(1234)
    real_read = os.read
    replaced = []

    def replace_once(handle, count):
        if not replaced:
            replaced.append(True)
            save(newer, path)
        return real_read(handle, count)

    monkeypatch.setattr(os, "read", replace_once)
    stored = read_checkpoint(path)
    monkeypatch.undo()
    assert replaced and int(stored["n"]) == 4
    assert all(np.array_equal(stored[key], expected[key]) for key in expected)
    assert int(read_checkpoint(path)["n"]) == 1234


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
def test_a_damaged_checkpoint_is_read_whole_or_refused(inst, module, path, operations):
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
