"""The metadata of checkpoints (symmodule.persist.metadata): every field is checked before it is used.

A checkpoint may come from anywhere, so each JSON text in its header is
checked for deep nesting before it is parsed and for keys given twice, and
each field of the metadata for its presence and JSON type. A file that fails a
check raises ``CheckpointError`` naming the file and the field; a file whose
arrays do not match their description is refused too.
"""

import json
import time

import numpy as np
import pytest
import safetensors.numpy

from symmodule.persist import StateDict, metadata, read_checkpoint, save
from symmodule.persist.files import Refused

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


# ------------------------------------------------------------------ JSON: nesting and keys given twice

@pytest.mark.parametrize("where", ["entry", "extra-key", "metadata-value"])
def test_deep_nesting_in_the_header_is_refused(path, where, hostile, refused):
    def change(header):
        if where == "entry":
            header["w"] = "DEEP"
        elif where == "extra-key":
            header["deep"] = "DEEP"
        else:
            header["__metadata__"]["module_class"] = "DEEP"
        return json.dumps(header).replace('"DEEP"', hostile.deep_json())

    hostile.rewrite(path, change)
    refused(path, r"Cannot load checkpoint '.*model.safetensors': its header nests JSON more than \d+ levels deep")


@pytest.mark.parametrize("field", ["members", "aliases", "unset"])
def test_deep_nesting_in_a_metadata_field_is_refused(path, field, hostile, refused):
    hostile.rewrite(path, hostile.set_field(field, hostile.deep_json()))
    refused(path, rf"its metadata field '{field}' nests JSON more than \d+ levels deep")


def test_deep_nesting_is_refused_quickly(path, hostile, refused):
    hostile.rewrite(path, hostile.set_field("members", "[" * 10_000_000))
    started = time.monotonic()
    refused(path, r"'members' nests JSON more than")
    assert time.monotonic() - started < 5


def test_a_header_listing_an_entry_twice_is_refused(path, hostile, refused):
    def change(header):
        text = json.dumps(header)
        return text[:-1] + ', "w": ' + json.dumps(header["w"]) + "}"

    hostile.rewrite(path, change)
    refused(path, r"its header lists 'w' twice")


def test_parse_json_refuses_deep_nesting_and_keys_given_twice(hostile):
    assert metadata.parse_json('{"a": [1, {"b": 2}]}', "its header") == {"a": [1, {"b": 2}]}
    with pytest.raises(Refused, match=r"^its header nests JSON more than \d+ levels deep"):
        metadata.parse_json(hostile.deep_json(), "its header")
    with pytest.raises(Refused, match=r"^its metadata field 'unset' lists 'a' twice$"):
        metadata.parse_json('[{"a": 1, "b": 2, "a": 3}]', "its metadata field 'unset'")
    with pytest.raises(ValueError) as info:  # what text that is not JSON means is the caller's to say
        metadata.parse_json("{not json", "its header")
    assert not isinstance(info.value, Refused)


def test_brackets_and_escapes_inside_names_are_not_nesting(tmp_path):
    names = ["[" * 200, "{" * 200 + '"', "a\\" + "[" * 100, '"]}' * 50]
    state = {name: np.arange(3.0) + i for i, name in enumerate(names)}
    save(state, tmp_path / "names.safetensors")
    stored = read_checkpoint(tmp_path / "names.safetensors")
    assert sorted(stored) == sorted(names)
    assert all(np.array_equal(stored[name], state[name]) for name in names)


# ------------------------------------------------------------------ metadata: wrong JSON types


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("kind, value", NOT_STRINGS, ids=[repr(v) for _, v in NOT_STRINGS])
def test_a_metadata_field_that_is_not_a_string_is_refused(path, field, kind, value, hostile, refused):
    hostile.rewrite(path, hostile.set_field(field, value))
    refused(path, rf"in its metadata, '{field}' is {kind}.*, but it must be a string.*not written by symmodule.save, or was damaged")


@pytest.mark.parametrize("field", FIELDS)
def test_a_missing_metadata_field_is_refused(path, field, hostile, refused):
    def change(header):
        del header["__metadata__"][field]

    hostile.rewrite(path, change)
    refused(path, rf"its metadata has no '{field}' field")


@pytest.mark.parametrize("value", [1, "checkpoint", None, []])
def test_a_format_that_is_not_symmodules_means_not_a_checkpoint(path, value, hostile, refused):
    hostile.rewrite(path, hostile.set_field("format", value))
    refused(path, r"a safetensors file but not a symmodule checkpoint")


@pytest.mark.parametrize("value", ["", "one", "1.0", " 1", "+1", "1_0", "\u0661", "9" * 400])
def test_a_format_version_that_is_not_a_plain_number_is_refused(path, value, hostile, refused):
    hostile.rewrite(path, hostile.set_field("format_version", value))
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
def test_a_metadata_json_field_of_the_wrong_type_is_refused(path, field, text, kind, hostile, refused):
    hostile.rewrite(path, hostile.set_field(field, text))
    refused(path, rf"in its metadata, '{field}' holds {kind}.*, but it must hold a JSON (object|list)")


@pytest.mark.parametrize("field", ["members", "aliases", "unset"])
def test_a_metadata_json_field_that_is_not_json_is_refused(path, field, hostile, refused):
    hostile.rewrite(path, hostile.set_field(field, "{not json"))
    refused(path, rf"its metadata field '{field}' is not valid JSON")


@pytest.mark.parametrize(
    "text, where",
    [
        ('{"again.w": 1}', r"aliases\['again.w'\] is the number 1, but it must be a string"),
        ('{"again.w": null}', r"aliases\['again.w'\] is null, but it must be a string"),
    ],
)
def test_an_alias_that_is_not_a_string_is_refused(path, text, where, hostile, refused):
    hostile.rewrite(path, hostile.set_field("aliases", text))
    refused(path, where)


@pytest.mark.parametrize("text", ["[1]", "[null]", '["w", ["n"]]'])
def test_an_unset_path_that_is_not_a_string_is_refused(path, text, hostile, refused):
    hostile.rewrite(path, hostile.set_field("unset", text))
    refused(path, r"unset\[\d\] is .*, but it must be a string")


@pytest.mark.parametrize("value, kind", [([], "a list"), ("w", "the string"), (3, "the number"), (None, "null")])
def test_a_member_record_that_is_not_an_object_is_refused(path, value, kind, hostile, refused):
    hostile.rewrite(path, hostile.set_record(None, value))
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
def test_a_member_record_field_of_the_wrong_type_is_refused(path, key, value, expected, hostile, refused):
    hostile.rewrite(path, hostile.set_record(key, value))
    refused(path, rf"members\['w'\]\['{key}'\] is .*, but it must be {expected}")


@pytest.mark.parametrize("key", ["kind", "dtype", "shape", "sha256"])
def test_a_missing_member_record_field_is_refused(path, key, hostile, refused):
    hostile.rewrite(path, hostile.set_record(key, hostile.DROP))
    refused(path, rf"members\['w'\] has no '{key}' field")


def test_a_complex128_record_without_stored_as_is_refused(tmp_path, hostile, refused):
    target = tmp_path / "c.safetensors"
    save({"z": np.array([1 + 2j])}, target)
    hostile.rewrite(target, hostile.set_record("stored_as", hostile.DROP, member="z"))
    refused(target, r"members\['z'\] has no 'stored_as' field")


# ------------------------------------------------------------------ the header's metadata section


@pytest.mark.parametrize("text, kind", [("[]", "a list"), ('"x"', "the string"), ("125", "the number"), ("null", "null")])
def test_a_header_that_is_not_an_object_is_refused(tmp_path, text, kind, hostile, refused):
    target = tmp_path / "x.safetensors"
    target.write_bytes(hostile.join(text))
    refused(target, rf"its header is {kind}.*, but it must be a JSON object")


@pytest.mark.parametrize("value, kind", [([], "a list"), ("meta", "the string"), (None, "null")])
def test_a_metadata_section_that_is_not_an_object_is_refused(path, value, kind, hostile, refused):
    def change(header):
        header["__metadata__"] = value

    hostile.rewrite(path, change)
    refused(path, rf"in its header, '__metadata__' is {kind}.*, but it must be an object of strings")


def test_a_header_without_metadata_is_not_a_checkpoint(path, hostile, refused):
    def change(header):
        del header["__metadata__"]

    hostile.rewrite(path, change)
    refused(path, r"a safetensors file but not a symmodule checkpoint")


# ------------------------------------------------------------------ the arrays and their description


def test_encode_then_decode_gives_the_state_back(hostile):
    state = {"w": np.arange(6.0).reshape(2, 3), "z": np.array([1 + 2j, 3 - 4j]), "flag": np.array(True)}
    tensors, fields = metadata.encode(StateDict(state))
    assert tensors["z"].dtype == np.float64 and tensors["z"].shape == (2, 2)  # complex128 as float64 pairs
    assert all(isinstance(value, str) for value in fields.values())
    data = safetensors.numpy.save(tensors, metadata=fields)
    header, body = hostile.split(data)
    checked = metadata.check(header)
    assert metadata.data_length(checked) == len(body)
    stored = metadata.decode(safetensors.numpy.load(data), checked)
    assert list(stored) == list(state)
    for key, value in state.items():
        assert stored[key].dtype == value.dtype and np.array_equal(stored[key], value)
        assert stored[key].flags.writeable
    assert stored.metadata["members"]["z"] == {"kind": "array", "dtype": "complex128", "shape": [2]}


def test_data_length_is_what_follows_the_header(path, hostile):
    header, body = hostile.split(path.read_bytes())
    assert metadata.data_length(metadata.check(header)) == len(body)


def test_an_entry_dtype_that_disagrees_with_the_metadata_is_refused(path, hostile, refused):
    def change(header):
        header["w"]["dtype"] = "I64"

    hostile.rewrite(path, change)
    refused(path, r"the array 'w' does not match its description in the metadata")
