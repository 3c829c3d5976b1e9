"""save() / load(): safetensors checkpoints, atomic writes, clear errors for bad files."""

import errno
import json
import os
import pickle
import stat
import struct

import numpy as np
import pytest
import safetensors.numpy

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.persist import FORMAT_VERSION, load, read_checkpoint, save, state_dict
from symmodule.persist import checkpoint as checkpoint_module


@pytest.fixture
def saved(layered, tmp_path):
    """(module, instance, path of its checkpoint)."""
    module, inst = layered
    path = tmp_path / "model.safetensors"
    save(inst, path)
    return module, inst, path


# ------------------------------------------------------------------ round trips


def test_save_then_load_into_a_fresh_instance(saved, make_module, same_state):
    _, inst, path = saved
    fresh = make_module().make()
    result = load(path, into=fresh)
    assert not (result.missing or result.unexpected or result.mismatched)
    same_state(inst, fresh)
    for _ in range(2):
        assert np.array_equal(inst.step([1.0, 2.0, 3.0])[0], fresh.step([1.0, 2.0, 3.0])[0])
    same_state(inst, fresh)


def test_the_file_is_plain_safetensors_with_metadata(saved):
    _, inst, path = saved
    arrays = safetensors.numpy.load_file(str(path))
    assert set(arrays) == set(state_dict(inst))
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
    assert meta["format"] == "symmodule.checkpoint"
    assert meta["format_version"] == str(FORMAT_VERSION)
    assert meta["module_class"] == "symmodule.module.module.Module"
    assert meta["symmodule_version"] == symmodule.__version__
    assert meta["pytensor_version"]
    members = json.loads(meta["members"])
    assert list(members) == list(state_dict(inst))
    assert members["layer.w"]["dtype"] == "float64" and members["layer.w"]["shape"] == [2, 3]
    assert members["layer.w"]["type"].startswith("Matrix(float64")
    assert members["random.rng0"]["kind"] == "generator"
    assert json.loads(meta["aliases"]) == {"again.w": "layer.w", "again.b": "layer.b", "tied.0": "layer.w"}


def test_read_checkpoint_needs_no_instance(saved):
    _, inst, path = saved
    sd = read_checkpoint(path)
    assert list(sd) == list(state_dict(inst))
    assert sd.aliases == state_dict(inst).aliases
    assert sd.metadata["format_version"] == FORMAT_VERSION
    assert sd.metadata["members"]["count"] == {"kind": "array", "dtype": "int64", "shape": [], "type": "Scalar(int64, shape=())"}
    assert sd["count"].shape == () and sd["count"].dtype == np.int64


def test_scalars_unset_members_and_many_dtypes_round_trip(tmp_path, same_state):
    m = symmodule.Module()
    dtypes = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
              "float16", "float32", "float64", "complex64", "complex128"]
    for i, dtype in enumerate(dtypes):
        setattr(m, f"s{i}", T.tensor(dtype=dtype, shape=()))
        setattr(m, f"v{i}", T.tensor(dtype=dtype, shape=(None, None)))
    m.empty = T.dmatrix()
    m.unset = T.dvector()
    rng = np.random.default_rng(0)
    init = {}
    for i, dtype in enumerate(dtypes):
        data = rng.normal(size=(3, 2)) * 50 + (1j * rng.normal(size=(3, 2)) if dtype.startswith("complex") else 0)
        init[f"s{i}"] = np.asarray(data[0, 0]).astype(dtype)
        init[f"v{i}"] = np.asarray(data).astype(dtype)
    init["v11"][0, 0] = np.nan
    init["s10"] = np.float32(-0.0)
    init["empty"] = np.zeros((0, 4))
    inst = m.make(**init)
    path = tmp_path / "dtypes.safetensors"
    save(inst, path)
    fresh = m.make()
    load(path, into=fresh)
    same_state(inst, fresh)
    assert fresh.unset is None and fresh.empty.shape == (0, 4)
    assert fresh.s11.shape == () and fresh.s11.dtype == np.float64


def test_save_a_state_dict(layered, make_module, tmp_path):
    _, inst = layered
    best = state_dict(inst)
    inst.step([1.0, 1.0, 1.0])
    save(best, tmp_path / "best.safetensors")
    fresh = make_module().make()
    load(tmp_path / "best.safetensors", into=fresh)
    assert fresh.count == 3
    save({"count": np.array(8)}, tmp_path / "plain.safetensors")
    assert load(tmp_path / "plain.safetensors", into=fresh, strict=False).missing == [
        "layer.w", "layer.b", "flag", "lr", "random.rng0"
    ]
    assert fresh.count == 8


def test_inner_instance(saved, tmp_path):
    _, inst, _ = saved
    save(inst.layer, tmp_path / "layer.safetensors")
    assert list(read_checkpoint(tmp_path / "layer.safetensors")) == ["w", "b"]
    inst.layer.w = np.zeros((2, 3))
    load(tmp_path / "layer.safetensors", into=inst.again)
    assert np.array_equal(inst.layer.w, np.arange(6.0).reshape(2, 3))


def test_pickle_of_instances_keeps_working(layered, same_state):
    _, inst = layered
    copy_ = pickle.loads(pickle.dumps(inst))
    same_state(inst, copy_)


# ------------------------------------------------------------------ atomic writes


def test_overwrite_replaces_and_leaves_no_temporary_file(saved):
    _, inst, path = saved
    inst.count = 100
    save(inst, path)
    assert read_checkpoint(path)["count"] == 100
    assert sorted(os.listdir(path.parent)) == ["model.safetensors"]


def test_permissions_of_an_existing_file_are_kept(saved):
    _, inst, path = saved
    os.chmod(path, 0o640)
    save(inst, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_new_file_gets_the_usual_permissions(layered, tmp_path):
    _, inst = layered
    old = os.umask(0o022)
    try:
        save(inst, tmp_path / "new.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.safetensors").st_mode) == 0o644


def test_saving_through_a_symlink_replaces_the_target(saved, tmp_path):
    _, inst, path = saved
    link = tmp_path / "latest.safetensors"
    link.symlink_to(path)
    inst.count = 55
    save(inst, link)
    assert link.is_symlink()
    assert read_checkpoint(path)["count"] == 55


def test_a_failed_write_keeps_the_previous_file(saved, monkeypatch, unchanged):
    _, inst, path = saved
    before = path.read_bytes()
    real_write = os.write

    def broken(handle, data):
        real_write(handle, b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", broken)
    inst.count = 99
    snap = unchanged(inst)
    with pytest.raises(errors.CheckpointWriteError, match=r"Cannot save the checkpoint .*model.safetensors.*No space left on device.*previous file at that path, if any, is unchanged") as info:
        save(inst, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    snap.assert_unchanged()
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["model.safetensors"]


def test_an_interrupted_write_keeps_the_previous_file(saved, monkeypatch):
    _, inst, path = saved
    before = path.read_bytes()

    def interrupted(handle, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(inst, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["model.safetensors"]


# ------------------------------------------------------------------ save errors


def test_save_into_a_missing_folder(layered, tmp_path, unchanged):
    _, inst = layered
    snap = unchanged(inst)
    with pytest.raises(errors.CheckpointWriteError, match=r"the folder .*nowhere' does not exist; create it first") as info:
        save(inst, tmp_path / "nowhere" / "model.safetensors")
    snap.assert_unchanged()
    assert isinstance(info.value, OSError) and info.value.errno == errno.ENOENT


def test_save_onto_a_folder(layered, tmp_path, unchanged):
    _, inst = layered
    snap = unchanged(inst)
    with pytest.raises(errors.CheckpointWriteError, match=r"it is a folder; give a file name"):
        save(inst, tmp_path)
    snap.assert_unchanged()


def test_save_an_instance_holding_an_unsavable_dtype(tmp_path, unchanged):
    m = symmodule.Module()
    m.w = T.tensor(dtype="float64", shape=(None,))
    m.s = T.tensor(dtype="float64", shape=(None,))
    inst = m.make(w=[1.0], s=[2.0])
    path = tmp_path / "x.safetensors"
    save(inst, path)
    before = path.read_bytes()
    # What no write through the API allows: the container compiled code is bound to, written directly.
    (container,) = [c for c in symmodule.split(inst)[1].containers if c.name == "s"]
    container.storage[0] = np.array(["oops"])
    snap = unchanged(inst)
    with pytest.raises(errors.UnsupportedStateError, match=r"Cannot put member 's' in a state dict: it holds a <U4 array"):
        save(inst, path)
    snap.assert_unchanged()
    assert path.read_bytes() == before


def test_save_something_else(tmp_path):
    with pytest.raises(errors.StateArgumentError, match=r"symmodule.save: what to save \(an instance or a state dict\) must be a ModuleInstance"):
        save(42, tmp_path / "x.safetensors")


def test_save_an_unsupported_dtype(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(errors.UnsupportedStateError, match=r"Cannot save 'x': it is a <U1 array .* a checkpoint stores numpy Generators and arrays of the dtypes bool, complex128"):
        save({"x": np.array(["a", "b"])}, path)
    with pytest.raises(errors.UnsupportedStateError, match=r"'__metadata__' is reserved"):
        save({"__metadata__": np.zeros(1)}, path)
    assert not path.exists()


# ------------------------------------------------------------------ load errors: the instance never changes


def _load_error(path, inst, unchanged, match, error=errors.CheckpointError):
    snap = unchanged(inst)
    with pytest.raises(error, match="(?s)" + match) as info:
        load(path, into=inst)
    snap.assert_unchanged()
    return info.value


def test_load_needs_into(saved):
    _, _, path = saved
    with pytest.raises(errors.StateArgumentError, match=r"needs into=<instance>: a checkpoint holds data .* never code"):
        load(path)
    with pytest.raises(errors.StateArgumentError, match=r"symmodule.load: into must be a ModuleInstance"):
        load(path, into=symmodule.Module())


def test_load_a_missing_file(layered, tmp_path, unchanged):
    _, inst = layered
    _load_error(tmp_path / "none.safetensors", inst, unchanged, "none.safetensors", FileNotFoundError)


@pytest.mark.parametrize("cut", [0, 3, 8, 20, "header", "data-1", "half"])
def test_a_truncated_file(saved, unchanged, cut):
    _, inst, path = saved
    data = path.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    size = {"header": header_end, "data-1": len(data) - 1, "half": (header_end + len(data)) // 2}.get(cut, cut)
    path.write_bytes(data[:size])
    expected = "the file is empty" if size == 0 else r"too few for a checkpoint" if size < 8 else "the file is truncated"
    exc = _load_error(path, inst, unchanged, rf"Cannot load checkpoint '.*model.safetensors': .*{expected}.*Load another copy")
    assert exc.path == str(path)


def test_a_truncation_at_every_byte_of_a_small_file_is_reported(tmp_path, unchanged):
    m = symmodule.Module()
    m.w = T.dvector()
    inst = m.make(w=[1.0, 2.0])
    path = tmp_path / "small.safetensors"
    save(inst, path)
    data = path.read_bytes()
    for size in range(len(data)):
        path.write_bytes(data[:size])
        _load_error(path, inst, unchanged, r"Cannot load checkpoint .*(empty|too few|truncated)")


def test_extra_bytes(saved, unchanged):
    _, inst, path = saved
    path.write_bytes(path.read_bytes() + b"\0\0")
    _load_error(path, inst, unchanged, r"it has 2 unexpected byte\(s\) after its data.*damaged")


def test_a_flipped_byte_in_the_data(saved, unchanged):
    _, inst, path = saved
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    _load_error(path, inst, unchanged, r"the data of '.*' is corrupt \(its checksum does not match\).*damaged")


def test_every_flipped_byte_is_reported_or_harmless(tmp_path, unchanged, same_state):
    # Damage anywhere gives a CheckpointError, or (in JSON whitespace/padding) changes nothing.
    m = symmodule.Module()
    m.w = T.dvector()
    m.n = T.iscalar()
    inst = m.make(w=[1.0, 2.0], n=3)
    path = tmp_path / "small.safetensors"
    save(inst, path)
    data = path.read_bytes()
    for position in range(len(data)):
        damaged = bytearray(data)
        damaged[position] ^= 0x55
        path.write_bytes(bytes(damaged))
        fresh = m.make(w=[0.0, 0.0], n=0)
        snap = unchanged(fresh)
        try:
            load(path, into=fresh)
        except (errors.CheckpointError, errors.StateDictError):
            snap.assert_unchanged()
        else:
            same_state(inst, fresh)


def test_a_corrupt_header(saved, unchanged):
    _, inst, path = saved
    data = bytearray(path.read_bytes())
    data[9] = ord("#")
    path.write_bytes(bytes(data))
    _load_error(path, inst, unchanged, r"its header is not valid JSON")


def test_a_pickle_file(layered, tmp_path, unchanged):
    _, inst = layered
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(inst))
    _load_error(path, inst, unchanged, r"it is a pickle file \(never loaded by symmodule.load: unpickling can run code\), not a safetensors checkpoint.*written by symmodule.save")


@pytest.mark.parametrize(
    "content, what",
    [
        (b"PK\x03\x04" + b"\0" * 40, "a zip archive"),
        (b"\x93NUMPY\x01\x00" + b"\0" * 40, "a NumPy .npy file"),
        (b"\x89HDF\r\n\x1a\n" + b"\0" * 40, "an HDF5 file"),
        (b"\x1f\x8b\x08\x00" + b"\0" * 40, "a gzip-compressed file"),
        (b"w = [1, 2, 3]\nhello world\n", "a text file"),
        (b"\xff" * 64, "it is not a safetensors checkpoint"),
    ],
)
def test_other_formats(layered, tmp_path, unchanged, content, what):
    _, inst = layered
    path = tmp_path / "other.bin"
    path.write_bytes(content)
    _load_error(path, inst, unchanged, rf"Cannot load checkpoint .*{what}")


def test_a_safetensors_file_not_written_by_symmodule(layered, tmp_path, unchanged):
    _, inst = layered
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file({"lr": np.array(1.0)}, str(path))
    _load_error(path, inst, unchanged, r"a safetensors file but not a symmodule checkpoint.*safetensors.numpy.load_file")


def _rewrite_metadata(path, **changes):
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
        arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    meta.update(changes)
    safetensors.numpy.save_file(arrays, str(path), metadata={k: v for k, v in meta.items() if v is not None})


def test_a_future_format_version(saved, unchanged):
    _, inst, path = saved
    _rewrite_metadata(path, format_version="2", symmodule_version="9.0")
    _load_error(path, inst, unchanged, r"written in checkpoint format version 2 \(by symmodule 9.0\).*reads format version 1 only.*Upgrade symmodule")


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(format_version="one"), r"'format_version' is the string 'one', but it must be a version number such as \"1\""),
        (dict(format_version="0"), r"its format version 0 does not exist"),
        (dict(members="{not json"), r"its metadata field 'members' is not valid JSON"),
        (dict(aliases="[1, 2]"), r"in its metadata, 'aliases' holds a list \(\[1, 2\]\), but it must hold a JSON object"),
        (
            dict(members=json.dumps({"lr": {"kind": "array", "dtype": "float64", "shape": [], "sha256": "0" * 64}})),
            r"its metadata and its arrays list different entries \(only in the metadata: none; only among the arrays: 'count', ",
        ),
    ],
)
def test_corrupt_metadata(saved, unchanged, changes, match):
    _, inst, path = saved
    _rewrite_metadata(path, **changes)
    _load_error(path, inst, unchanged, match)


def test_metadata_that_lies_about_an_array(saved, unchanged):
    _, inst, path = saved
    sd = read_checkpoint(path)
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        members = json.loads(f.metadata()["members"])
    members["count"]["dtype"] = "float64"
    _rewrite_metadata(path, members=json.dumps(members))
    _load_error(path, inst, unchanged, r"the array 'count' does not match its description in the metadata")
    assert sd["count"] == 3


def test_a_checkpoint_of_another_module(saved, tmp_path, unchanged):
    _, _inst, path = saved
    other = symmodule.Module()
    other.lr = T.dscalar()
    other.extra = T.dvector()
    target = other.make(lr=1.0, extra=[1.0])
    exc = _load_error(
        path,
        target,
        unchanged,
        r"into ModuleInstance of Module from checkpoint '.*model.safetensors' \(saved from symmodule.module.module.Module\).*missing 'extra'.*unexpected 'layer.w'",
        errors.StateDictError,
    )
    assert exc.missing == ["extra"]
    result = load(path, into=target, strict=False)
    assert result.missing == ["extra"] and "layer.w" in result.unexpected
    assert target.lr == 0.25


def test_module_docstring_lists_the_metadata_keys():
    doc = checkpoint_module.__doc__
    for key in ("format_version", "module_class", "members", "aliases", "unset", "pytensor_version"):
        assert key in doc


def test_an_instance_without_state(tmp_path):
    m = symmodule.Module()
    m.k = 3  # a constant only
    m.f = symmodule.Method([], T.constant(1.0))
    inst = m.make()
    save(inst, tmp_path / "empty.safetensors")
    sd = read_checkpoint(tmp_path / "empty.safetensors")
    assert dict(sd) == {} and sd.aliases == {} and sd.unset == []
    assert not load(tmp_path / "empty.safetensors", into=m.make()).problems
