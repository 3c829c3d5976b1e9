"""state_dict() / load_state_dict(): state as {path: array}, loaded all or nothing."""

import copy
import json
import pickle

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.persist import (
    LoadResult,
    StateDict,
    decode_generator,
    encode_generator,
    load_state_dict,
    state_dict,
)

# ------------------------------------------------------------------ what a state dict holds


def test_one_entry_per_piece_of_storage_under_its_first_path(layered):
    _, inst = layered
    sd = state_dict(inst)
    assert isinstance(sd, StateDict) and isinstance(sd, dict)
    assert list(sd) == ["layer.w", "layer.b", "count", "flag", "lr", "random.rng0"]
    assert sd.aliases == {"again.w": "layer.w", "again.b": "layer.b", "tied.0": "layer.w"}
    assert sd.unset == []


def test_values_keep_dtype_and_shape_including_scalars(layered):
    _, inst = layered
    sd = state_dict(inst)
    assert sd["layer.w"].dtype == np.float64 and sd["layer.w"].shape == (2, 3)
    assert sd["layer.b"].dtype == np.float32
    for key, dtype in [("count", np.int64), ("flag", np.int8), ("lr", np.float64)]:
        assert isinstance(sd[key], np.ndarray)
        assert sd[key].shape == () and sd[key].dtype == dtype
    assert sd["count"] == 3 and sd["lr"] == 0.25


def test_constants_are_not_state(layered):
    _, inst = layered
    sd = state_dict(inst)
    assert not any(key.endswith("scale") for key in sd)
    assert not any(key.endswith("scale") for key in sd.aliases)


def test_generator_state_is_a_uint8_array_of_json(layered):
    _, inst = layered
    rng = state_dict(inst)["random.rng0"]
    assert rng.dtype == np.uint8 and rng.ndim == 1
    state = json.loads(bytes(rng).decode())
    assert state["bit_generator"] == "PCG64"
    (rng,) = list(inst.random)
    assert state == inst.random[rng].bit_generator.state


def test_generator_encoding_round_trips_every_numpy_bit_generator():
    for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox, np.random.SFC64):
        gen = np.random.Generator(cls(123))
        gen.random(3)
        back = decode_generator(encode_generator(gen))
        assert type(back.bit_generator) is cls
        assert np.array_equal(back.random(5), gen.random(5))


def test_state_dict_is_a_snapshot(layered):
    _, inst = layered
    sd = state_dict(inst)
    inst.step([1.0, 2.0, 3.0])  # updates layer.w in place in some modes, and count
    assert np.array_equal(sd["layer.w"], np.arange(6.0).reshape(2, 3))
    assert sd["count"] == 3
    sd["layer.b"][0] = 99.0
    assert inst.layer.b[0] == 0.5


def test_unset_members_are_listed_not_stored():
    m = symmodule.Module()
    m.a = T.dscalar()
    m.b = T.dvector()
    inst = m.make(a=1.0)
    sd = state_dict(inst)
    assert list(sd) == ["a"] and sd.unset == ["b"]
    other = m.make(a=5.0, b=[1.0, 2.0])
    load_state_dict(other, sd)
    assert other.a == 1.0 and other.b is None


def test_inner_instance_has_paths_relative_to_it(layered):
    _, inst = layered
    sd = state_dict(inst.again)  # the same inner instance as inst.layer
    assert list(sd) == ["w", "b"]
    load_state_dict(inst.layer, {"w": np.zeros((2, 3)), "b": np.ones(2, dtype="float32")})
    assert np.array_equal(inst.layer.w, np.zeros((2, 3)))
    assert np.array_equal(inst.tied[0], np.zeros((2, 3)))


def test_a_member_shared_between_sibling_modules_is_one_entry():
    w = T.dvector()
    a, b = symmodule.Module(), symmodule.Module()
    a.w, b.w = w, w
    m = symmodule.Module()
    m.a, m.b = a, b
    inst = m.make(a=dict(w=[1.0]))
    assert list(state_dict(inst)) == ["a.w"]
    assert state_dict(inst).aliases == {"b.w": "a.w"}
    assert list(state_dict(inst.b)) == ["w"]


def test_state_dict_pickles_and_copies_with_its_attributes(layered):
    _, inst = layered
    sd = state_dict(inst)
    for other in (copy.deepcopy(sd), pickle.loads(pickle.dumps(sd))):
        assert isinstance(other, StateDict)
        assert other.aliases == sd.aliases and list(other) == list(sd)


# ------------------------------------------------------------------ loading


def test_round_trip_gives_identical_values_and_behaviour(layered, make_module):
    _module, inst = layered
    inst.step([1.0, 0.0, -1.0])
    fresh = make_module().make()
    result = load_state_dict(fresh, state_dict(inst))
    assert result == LoadResult() and bool(result)
    a, b = state_dict(inst), state_dict(fresh)
    assert list(a) == list(b)
    for key in a:
        assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape
        assert a[key].tobytes() == b[key].tobytes()
    for _ in range(3):
        out_a, out_b = inst.step([0.5, 1.5, 2.5]), fresh.step([0.5, 1.5, 2.5])
        assert np.array_equal(out_a[0], out_b[0])
    assert inst.count == fresh.count == 7


def test_loaded_arrays_are_copies(layered, make_module):
    _, inst = layered
    sd = state_dict(inst)
    fresh = make_module().make()
    load_state_dict(fresh, sd)
    fresh.layer.w[0, 0] = 42.0
    fresh.step([1.0, 1.0, 1.0])
    assert sd["layer.w"][0, 0] == 0.0


def test_an_alias_key_loads_the_member(layered):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["again.w"] = np.full((2, 3), 7.0)
    del sd["layer.w"]
    assert load_state_dict(inst, sd) == LoadResult()
    assert np.array_equal(inst.layer.w, np.full((2, 3), 7.0))


def test_a_generator_object_may_be_given_for_a_stream(layered):
    _, inst = layered
    sd = dict(state_dict(inst))
    given = np.random.default_rng(5)
    sd["random.rng0"] = given
    load_state_dict(inst, sd)
    (rng,) = list(inst.random)
    assert inst.random[rng] is not given
    assert np.array_equal(inst.random[rng].random(3), np.random.default_rng(5).random(3))


def test_a_none_value_is_refused_rather_than_erasing_the_member(layered):
    _, inst = layered
    before = float(inst.lr)
    sd = dict(state_dict(inst))
    sd["lr"] = None
    with pytest.raises(errors.StateDictError, match="'lr': the value is None.*unset"):
        load_state_dict(inst, sd)
    assert float(inst.lr) == before


def test_a_path_listed_in_unset_unsets_the_member(layered):
    _, inst = layered
    sd = state_dict(inst)
    del sd["lr"]
    sd.unset.append("lr")
    load_state_dict(inst, sd)
    assert inst.lr is None


def test_same_kind_dtype_is_still_a_wrong_dtype(layered, unchanged):
    # A checkpoint restores exactly: float32 data for a float64 member is refused.
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["lr"] = np.float32(0.5)
    snap = unchanged(inst)
    with pytest.raises(errors.StateDictError, match=r"wrong dtype at 'lr': got float32.*member is float64"):
        load_state_dict(inst, sd)
    snap.assert_unchanged()


# ------------------------------------------------------------------ strict errors: one error, nothing loaded


def _strict_error(inst, sd, unchanged, match):
    snap = unchanged(inst)
    with pytest.raises(errors.StateDictError, match="(?s)" + match) as info:
        load_state_dict(inst, sd)
    snap.assert_unchanged()
    assert "nothing was loaded and the instance is unchanged" in str(info.value)
    return info.value


def test_missing_key(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    del sd["lr"]
    sd["count"] = np.array(10)  # a good entry is not loaded either
    exc = _strict_error(inst, sd, unchanged, r"1 problem\(s\).*missing 'lr': no entry for this member \(float64, shape \(\)\)")
    assert exc.missing == ["lr"] and exc.unexpected == [] and exc.mismatched == []
    assert inst.count == 3


def test_unexpected_key_suggests_the_member(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["layer.ww"] = np.zeros((2, 3))
    exc = _strict_error(inst, sd, unchanged, r"unexpected 'layer.ww': not a member of this instance; did you mean 'layer.w'")
    assert exc.unexpected == ["layer.ww"]


def test_a_constant_is_unexpected(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["layer.scale"] = np.array(3.0)
    _strict_error(inst, sd, unchanged, r"unexpected 'layer.scale': a read-only constant of the Module, not state")


def test_a_member_given_twice_through_an_alias(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["tied.0"] = np.zeros((2, 3))
    exc = _strict_error(inst, sd, unchanged, r"unexpected 'tied.0': it names the same member as 'layer.w'")
    assert exc.unexpected == ["tied.0"]


def test_wrong_shape_against_the_current_value(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["layer.w"] = np.zeros((3, 3))
    exc = _strict_error(
        inst, sd, unchanged, r"wrong shape at 'layer.w': got shape \(3, 3\), but the member currently holds shape \(2, 3\)"
    )
    assert exc.mismatched == ["layer.w"]


def test_wrong_number_of_dimensions(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["lr"] = np.zeros(1)
    _strict_error(inst, sd, unchanged, r"wrong shape at 'lr': got shape \(1,\), but the member has 0 dimension\(s\)")


def test_wrong_static_shape_of_an_unset_member(unchanged):
    m = symmodule.Module()
    m.w = T.tensor(dtype="float64", shape=(2, None))
    inst = m.make()
    _strict_error(inst, {"w": np.zeros((3, 4))}, unchanged, r"wrong shape at 'w': got shape \(3, 4\), but the member has shape \(2, \?\)")
    load_state_dict(inst, {"w": np.zeros((2, 4))})
    assert inst.w.shape == (2, 4)


def test_wrong_dtype(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["count"] = np.array(3, dtype="int32")
    exc = _strict_error(
        inst, sd, unchanged, r"wrong dtype at 'count': got int32 with shape \(\), but the member is int64; cast it \(value.astype\('int64'\)\)"
    )
    assert exc.mismatched == ["count"]


def test_bad_generator_state(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["random.rng0"] = np.frombuffer(b'{"bit_generator": "os.system"}', dtype=np.uint8)
    _strict_error(inst, sd, unchanged, r"bad value at 'random.rng0': it names the bit generator 'os.system'")
    sd["random.rng0"] = np.frombuffer(b"\xff\xfe garbage", dtype=np.uint8)
    _strict_error(inst, sd, unchanged, r"bad value at 'random.rng0': its bytes are not the JSON text of a generator state")
    sd["random.rng0"] = np.zeros(4)
    _strict_error(inst, sd, unchanged, r"bad value at 'random.rng0': a generator state is a 1-D uint8 array")


def test_a_generator_for_an_array_member(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["lr"] = np.random.default_rng(0)
    _strict_error(inst, sd, unchanged, r"bad value at 'lr': a numpy Generator given for an array member")


def test_a_value_that_is_not_an_array(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    sd["lr"] = "fast"
    _strict_error(inst, sd, unchanged, r"wrong dtype at 'lr': got <U4")


def test_every_problem_is_listed_in_one_error(layered, unchanged):
    _, inst = layered
    sd = dict(state_dict(inst))
    del sd["lr"], sd["flag"]
    sd["nope"] = np.zeros(1)
    sd["layer.w"] = np.zeros((1, 1))
    sd["count"] = np.float64(3)
    exc = _strict_error(inst, sd, unchanged, r"5 problem\(s\)")
    message = str(exc)
    for fragment in ("missing 'flag'", "missing 'lr'", "unexpected 'nope'", "wrong shape at 'layer.w'", "wrong dtype at 'count'"):
        assert fragment in message
    assert exc.missing == ["flag", "lr"]
    assert exc.unexpected == ["nope"]
    assert exc.mismatched == ["layer.w", "count"]
    assert "strict=False" in message


def test_not_a_mapping(layered, unchanged):
    _, inst = layered
    snap = unchanged(inst)
    with pytest.raises(errors.StateArgumentError, match=r"the state dict must be a mapping .* got a str.*symmodule.load\(path, into=inst\)"):
        load_state_dict(inst, "model.safetensors")
    with pytest.raises(TypeError):
        load_state_dict(inst, [("lr", 1.0)])
    snap.assert_unchanged()


def test_not_an_instance(layered):
    module, _ = layered
    with pytest.raises(errors.StateArgumentError, match=r"state_dict: the instance must be a ModuleInstance .* got a Module"):
        state_dict(module)
    with pytest.raises(errors.StateArgumentError, match=r"load_state_dict: the instance must be a ModuleInstance"):
        load_state_dict(module, {})


def test_unsupported_member_value(unchanged):
    import pytensor.sparse as sparse
    import scipy.sparse as scipy_sparse

    m = symmodule.Module()
    m.s = sparse.csr_matrix("s", dtype="float64")
    inst = m.make(s=scipy_sparse.csr_matrix(np.eye(2)))
    snap = unchanged(inst)
    with pytest.raises(errors.UnsupportedStateError, match=r"Cannot put member 's' in a state dict: it holds a csr_matrix.*use pickle"):
        state_dict(inst)
    snap.assert_unchanged()


def test_decode_generator_errors():
    with pytest.raises(errors.StateDictError, match=r"Cannot decode a generator state: it names the bit generator 'Evil'"):
        decode_generator(np.frombuffer(b'{"bit_generator": "Evil", "state": {}}', dtype=np.uint8))
    with pytest.raises(errors.StateDictError, match=r"numpy refuses it as a PCG64 state"):
        decode_generator(np.frombuffer(b'{"bit_generator": "PCG64", "state": {}}', dtype=np.uint8))
    with pytest.raises(errors.UnsupportedStateError, match=r"encode_generator takes a numpy.random.Generator, got a int"):
        encode_generator(3)


# ------------------------------------------------------------------ strict=False


def test_non_strict_loads_what_fits_and_returns_the_rest(layered):
    _, inst = layered
    sd = dict(state_dict(inst))
    del sd["lr"]
    sd["nope"] = np.zeros(1)
    sd["layer.w"] = np.zeros((1, 1))
    sd["count"] = np.array(11)
    result = load_state_dict(inst, sd, strict=False)
    assert result.missing == ["lr"]
    assert result.unexpected == ["nope"]
    assert result.mismatched == ["layer.w"]
    assert len(result.problems) == 3 and not result
    assert inst.count == 11  # what fits is loaded
    assert inst.lr == 0.25 and inst.layer.w.shape == (2, 3)  # the rest is as it was
