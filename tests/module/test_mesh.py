"""Instances over a device mesh (``symmodule/module/mesh.py``).

The behaviours that need several devices run once, in a subprocess with 8
host devices (``_mesh_worker.py``, ``XLA_FLAGS=--xla_force_host_platform_device_count=8``):
each test below checks one of its results. The rules, and the refusals that
one device is enough to show, run here on a 1-device mesh.
"""

from __future__ import annotations

import copy
import json
import os
import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule._pytensor import linker_kind

WORKER = pathlib.Path(__file__).with_name("_mesh_worker.py")
DEVICES = "--xla_force_host_platform_device_count=8"

#: Agreement with one device over 50 training steps: float32 within a few
#: ulps of the members' size, float64 within a few ulps of 1.
FLOAT32_TOLERANCE = 1e-6
FLOAT64_TOLERANCE = 1e-13


@pytest.fixture(scope="module")
def eight() -> dict:
    """What ``_mesh_worker.py`` found on 8 host devices."""
    need("jax")
    env = {**os.environ, "XLA_FLAGS": DEVICES, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, str(WORKER)], capture_output=True, text=True, env=env, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def raise_again(failure: dict | None) -> None:
    """Raise the error the worker caught (its class and message), so that pytest.raises can check it."""
    assert failure is not None, "the worker's call raised nothing"
    raise getattr(errors, failure["class"])(failure["message"])


@pytest.fixture(scope="module")
def jax():
    need("jax")
    import jax

    return jax


def one_device_mesh(jax, axes=("data", "model")):
    return jax.make_mesh((1,) * len(axes), axes)


def small_module() -> symmodule.Module:
    m = symmodule.Module()
    m.w = symmodule.Member(T.dmatrix(), roles=("param", "regularizable"))
    m.b = symmodule.Member(T.dvector(), roles="param")
    m.steps = T.lscalar()
    x = T.dmatrix("x")
    m.step = symmodule.Method(x, (x @ m.w + m.b).sum(), w=m.w * 0.5, steps=m.steps + 1)
    return m


# -- the same numbers as one device (8 devices) ---------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("mesh", ["8x1", "4x2"])
@pytest.mark.parametrize("dtype, tolerance", [("float32", FLOAT32_TOLERANCE), ("float64", FLOAT64_TOLERANCE)])
def test_fifty_training_steps_give_the_single_device_losses_and_members(eight, mesh, dtype, tolerance):
    found = eight[f"agreement/{mesh}/{dtype}"]
    assert found["loss_fell"]  # the step trains: the agreement is not that of a model standing still
    assert found["losses"]["rel"] < tolerance
    assert found["members"]["rel"] < tolerance


@pytest.mark.slow
@pytest.mark.parametrize("mesh", ["8x1", "4x2"])
def test_members_keep_their_declared_sharding_after_training(eight, mesh):
    specs = eight[f"specs/{mesh}/float64"]
    assert {path: spec for path, spec in specs.items() if path.endswith(".w")} == {
        f"model.layers.{k}.w": [None, "model"] for k in (0, 2, 4)
    }
    assert {path: spec for path, spec in specs.items() if path.endswith(".b")} == {
        f"model.layers.{k}.b": [] for k in (0, 2, 4)
    }


@pytest.mark.slow
def test_members_stay_on_the_devices_between_calls(eight):
    assert eight["resident/4x2/float64"] and eight["resident/8x1/float32"]


@pytest.mark.slow
def test_outputs_come_back_whole_on_every_device(eight):
    assert eight["outputs/replicated"]
    assert eight["outputs/devices"] == 8


@pytest.mark.slow
def test_random_draws_repeat_for_a_seed_and_a_mesh(eight):
    assert eight["random/same_seed_same_mesh"]
    np.testing.assert_allclose(eight["random/losses"], eight["random/single_device"], rtol=1e-12)


# -- state in and out of a mesh (8 devices) -----------------------------------------------


@pytest.mark.slow
def test_state_dict_of_a_sharded_instance_is_host_numpy(eight):
    assert eight["checkpoint/state_dict_is_numpy"]


@pytest.mark.slow
def test_a_sharded_checkpoint_is_the_file_one_device_writes(eight):
    assert eight["checkpoint/same_file_as_one_device"]


@pytest.mark.slow
@pytest.mark.parametrize("into", ["8x1", "one_device"])
def test_a_checkpoint_of_a_4x2_mesh_loads_with_identical_values(eight, into):
    assert eight[f"checkpoint/loaded_into_{into}_identical"]


@pytest.mark.slow
def test_a_loaded_checkpoint_takes_the_sharding_of_the_instance_it_loads_into(eight):
    assert eight["checkpoint/loaded_keeps_its_mesh_sharding"]


@pytest.mark.slow
def test_training_goes_on_from_a_checkpoint_loaded_on_another_mesh(eight):
    assert eight["checkpoint/trains_on_from_the_loaded_state"]["rel"] < FLOAT64_TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize("mesh, ways", [("8", 8), ("4x2", 2)])
def test_a_member_split_n_ways_holds_one_nth_of_its_bytes_per_device(eight, mesh, ways):
    found = eight[f"memory/{mesh}"]
    assert found["shards"] == [found["bytes"] // ways] * 8
    assert found["bias_shards"] == [16] * 8  # whole (4 float32) on every device
    assert found["lookup"] == 8 * 256.0


# -- refusals that need a split axis (8 devices) ------------------------------------------


@pytest.mark.slow
def test_a_batch_the_data_axis_does_not_divide_is_refused_at_the_call(eight):
    with pytest.raises(errors.MethodArgumentError, match=r"Method 'train': the argument 'x' has 6 rows.*multiple of 4"):
        raise_again(eight["error/batch"])


@pytest.mark.slow
def test_a_batch_given_by_keyword_is_checked_too(eight):
    with pytest.raises(errors.MethodArgumentError, match=r"'x' has 10 rows.*e\.g\. 8 or 12 rows"):
        raise_again(eight["error/batch_by_keyword"])


@pytest.mark.slow
def test_a_refused_batch_changes_no_member(eight):
    assert eight["error/batch_refused_changes_nothing"]


@pytest.mark.slow
def test_a_member_value_its_sharding_does_not_divide_is_refused_at_make(eight):
    with pytest.raises(
        errors.MemberValueError, match=r"Member 'w': dimension 1 has length 3.*'model'.*sharding=\{'w': P\(None, None\)\}"
    ):
        raise_again(eight["error/member_at_make"])


@pytest.mark.slow
def test_a_member_value_its_sharding_does_not_divide_is_refused_when_written(eight):
    with pytest.raises(errors.MemberValueError, match=r"Member 'w': dimension 1 has length 5"):
        raise_again(eight["error/member_written"])
    assert eight["error/member_written_keeps_value"]


@pytest.mark.slow
def test_a_static_shape_its_sharding_does_not_divide_is_refused_at_make(eight):
    with pytest.raises(errors.MemberValueError, match=r"Member 'w': dimension 0 has length 3.*4 devices.*'data'"):
        raise_again(eight["error/static_shape_at_make"])


# -- rules: which sharding a member gets (one device) --------------------------------------


def layout_of(inst):
    return symmodule.split(inst)[0].layout


def test_members_without_a_rule_are_whole_on_every_device(jax):
    inst = small_module().make(mesh=one_device_mesh(jax))
    assert layout_of(inst).spec_of("w") == jax.sharding.PartitionSpec()


def test_a_role_rule_shards_every_member_with_the_role(jax):
    P = jax.sharding.PartitionSpec
    inst = small_module().make(mesh=one_device_mesh(jax), sharding={"regularizable": P(None, "model")})
    assert layout_of(inst).spec_of("w") == P(None, "model")
    assert layout_of(inst).spec_of("b") == P()


def test_an_exact_path_wins_over_a_role(jax):
    P = jax.sharding.PartitionSpec
    rules = {"param": P("model"), "w": P(None, "model")}
    layout = layout_of(small_module().make(mesh=one_device_mesh(jax), sharding=rules))
    assert (layout.spec_of("w"), layout.spec_of("b")) == (P(None, "model"), P("model"))


def test_a_glob_wins_over_a_role(jax):
    P = jax.sharding.PartitionSpec
    rules = {"param": P("model"), "[w]": P(None, "model")}
    layout = layout_of(small_module().make(mesh=one_device_mesh(jax), sharding=rules))
    assert (layout.spec_of("w"), layout.spec_of("b")) == (P(None, "model"), P("model"))


def test_an_alias_path_is_an_exact_path(jax):
    P = jax.sharding.PartitionSpec
    m = small_module()
    m.tied = m.w
    layout = layout_of(m.make(mesh=one_device_mesh(jax), sharding={"tied": P("model")}))
    assert layout.spec_of("w") == P("model")


def test_none_keeps_a_member_whole(jax):
    inst = small_module().make(mesh=one_device_mesh(jax), sharding={"w": None})
    assert layout_of(inst).spec_of("w") == jax.sharding.PartitionSpec()


def test_a_mesh_instance_computes_what_one_device_computes(jax):
    m = small_module()
    x = np.arange(6.0).reshape(3, 2)
    values = dict(w=np.ones((2, 2)), b=np.ones(2), steps=0)
    on_mesh, alone = m.make(mesh=one_device_mesh(jax), **values), m.make(mode="JAX", **values)
    assert float(on_mesh.step(x)) == float(alone.step(x))
    np.testing.assert_array_equal(np.asarray(on_mesh.w), np.asarray(alone.w))
    assert int(on_mesh.steps) == 1


def test_a_mesh_defaults_to_the_jax_mode(jax):
    inst = small_module().make(mesh=one_device_mesh(jax), w=np.ones((2, 2)))
    assert isinstance(inst.w, jax.Array)
    assert linker_kind(inst.step.maker.linker) == "jax"


def test_explicit_axis_types_become_auto(jax):
    mesh = jax.make_mesh((1, 1), ("data", "model"), axis_types=(jax.sharding.AxisType.Explicit,) * 2)
    inst = small_module().make(mesh=mesh, w=np.ones((2, 2)))
    assert tuple(inst.w.sharding.mesh.axis_types) == (jax.sharding.AxisType.Auto,) * 2


def test_a_second_make_on_the_same_mesh_compiles_nothing_again(jax):
    m, mesh = small_module(), one_device_mesh(jax)
    first, second = m.make(mesh=mesh), m.make(mesh=mesh)
    assert first.step.maker is second.step.maker
    assert first.step.vm.jit_fn is second.step.vm.jit_fn  # one jitted computation for both


def test_a_deep_copy_keeps_the_sharding_and_its_own_values(jax):
    inst = small_module().make(mesh=one_device_mesh(jax), w=np.ones((2, 2)), b=np.zeros(2), steps=0)
    twin = copy.deepcopy(inst)
    twin.step(np.ones((1, 2)))
    assert twin.w.sharding == inst.w.sharding
    assert float(np.asarray(inst.w)[0, 0]) == 1.0 and float(np.asarray(twin.w)[0, 0]) == 0.5


def test_a_method_s_scalar_argument_is_not_split(jax):
    m = symmodule.Module()
    m.c = T.dscalar()
    k = T.dscalar("k")
    m.add = symmodule.Method(k, [], c=m.c + k)
    inst = m.make(mesh=one_device_mesh(jax), c=0.0)
    inst.add(2.0)
    assert float(inst.c) == 2.0
    assert inst.add.maker._sm_split == ()


# -- refusals (one device) -----------------------------------------------------------------


def test_a_mesh_that_is_not_a_mesh_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"takes a jax.sharding.Mesh.*jax.make_mesh"):
        small_module().make(mesh=[0, 1])


def test_a_mesh_without_a_data_axis_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"axes \('batch',\), none of them named 'data'"):
        small_module().make(mesh=one_device_mesh(jax, ("batch",)))


def test_sharding_without_a_mesh_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"sharding=\.\.\.\) was given without a mesh"):
        small_module().make(sharding={"w": jax.sharding.PartitionSpec()})


def test_a_mode_other_than_jax_is_refused(jax):
    with pytest.raises(errors.ModeError, match=r"Method 'step' is compiled in mode .*Use mode='JAX'"):
        small_module().make(mode="FAST_COMPILE", mesh=one_device_mesh(jax))


def test_a_method_with_a_mode_of_its_own_is_refused_with_its_path(jax):
    m = small_module()
    m.step.mode = "FAST_COMPILE"
    with pytest.raises(errors.ModeError, match=r"Method 'step'.*drop the mode of method 'step'"):
        m.make(mesh=one_device_mesh(jax))


def test_rules_that_are_not_a_dict_are_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"takes a dict of rules"):
        small_module().make(mesh=one_device_mesh(jax), sharding=[("w", None)])


def test_a_rule_key_that_is_not_a_string_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"the key 3 is not a string"):
        small_module().make(mesh=one_device_mesh(jax), sharding={3: None})


def test_a_rule_that_is_not_a_partition_spec_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"the rule 'w' maps to .*not to a jax.sharding.PartitionSpec"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"w": ("model",)})


def test_a_rule_matching_nothing_is_refused_with_the_paths_and_roles(jax):
    with pytest.raises(errors.DeclarationError, match=r"the rule 'wieght' matches no member.*paths: w, b, steps.*roles: param"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"wieght": None})


def test_two_roles_giving_a_member_different_shardings_are_refused(jax):
    P = jax.sharding.PartitionSpec
    with pytest.raises(errors.DeclarationError, match=r"member 'w' is matched by 'param', 'regularizable'.*own path"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"param": P(None), "regularizable": P(None, "model")})


def test_an_axis_the_mesh_does_not_have_is_refused(jax):
    with pytest.raises(errors.DeclarationError, match=r"member 'w' \(rule 'w'\) is split over the axis 'tensor'"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"w": jax.sharding.PartitionSpec("tensor")})


def test_an_axis_used_twice_is_refused(jax):
    P = jax.sharding.PartitionSpec
    with pytest.raises(errors.DeclarationError, match=r"split twice over the axis 'model'"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"w": P("model", "model")})


def test_a_spec_longer_than_the_member_is_refused_with_a_rule_that_fits(jax):
    P = jax.sharding.PartitionSpec
    with pytest.raises(errors.DeclarationError, match=r"member 'b' \(rule 'param'\) has 1 dimension.*\{'b': P\(None\)\}"):
        small_module().make(mesh=one_device_mesh(jax), sharding={"param": P(None, "model")})


def test_a_rule_splitting_a_random_generator_is_refused(jax):
    m = small_module()
    m.random = T.randomstreams.RandomStreams(seed=0)
    m.noise = symmodule.Method([], m.random.normal(size=(2,)))
    with pytest.raises(errors.DeclarationError, match=r"is a .*not an array, and cannot be split"):
        m.make(mesh=one_device_mesh(jax), sharding={"rng": jax.sharding.PartitionSpec("data")})


def test_pickling_a_mesh_instance_is_refused_with_how_to_save_it(jax):
    inst = small_module().make(mesh=one_device_mesh(jax), w=np.ones((2, 2)))
    with pytest.raises(errors.UnsupportedStateError, match=r"does not pickle.*symmodule.save\(inst, path\)"):
        pickle.dumps(inst)


def test_an_unknown_path_has_no_spec(jax):
    layout = layout_of(small_module().make(mesh=one_device_mesh(jax)))
    with pytest.raises(errors.ResolveError, match=r"'v'"):
        layout.spec_of("v")


def test_members_named_mesh_and_sharding_are_set_after_make():
    m = symmodule.Module()
    m.mesh, m.sharding = T.dscalar(), T.dscalar()
    inst = m.make()  # make()'s own keywords, like mode: set such members on the instance
    inst.mesh, inst.sharding = 1.0, 2.0
    assert (float(inst.mesh), float(inst.sharding)) == (1.0, 2.0)
