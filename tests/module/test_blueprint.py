"""An instance as a pair: ``split(inst)`` gives its Blueprint and its State, ``merge`` puts them together."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.module.instance import _restore_instance


def counter() -> symmodule.Module:
    m = symmodule.Module()
    n = T.dscalar("n")
    m.c = T.dscalar()
    m.w = T.dvector()
    m.inc = symmodule.Method(n, [], c=m.c + n, w=m.w + n)
    return m


def layered() -> symmodule.Module:
    layer = symmodule.Module()
    layer.w = T.dvector()
    layer.scale = 2.0  # a constant: part of the blueprint
    m = symmodule.Module()
    m.layer = layer
    m.lr = T.dscalar()
    m.random = T.randomstreams.RandomStreams(seed=5)
    m.noise = symmodule.Method([], m.random.uniform(size=(2,)) * m.lr)
    return m


# -- split -----------------------------------------------------------------------------------


def test_split_gives_the_blueprint_and_the_live_state():
    inst = counter().make(c=1, w=[1.0, 2.0])
    blueprint, state = symmodule.split(inst)
    assert isinstance(blueprint, symmodule.Blueprint) and isinstance(state, symmodule.State)
    state["c"] = 7
    assert float(inst.c) == 7.0


def test_the_state_holds_every_piece_of_storage_random_generators_included_constants_excluded():
    _, state = symmodule.split(layered().make(layer={"w": [1.0, 2.0]}, lr=0.1))
    assert state.paths == ("layer.w", "lr", "random.rng0")
    assert isinstance(state["random.rng0"], np.random.Generator)


def test_split_of_an_inner_instance_is_the_tree_s_blueprint_at_its_path_and_the_tree_s_state():
    inst = layered().make(layer={"w": [1.0, 2.0]}, lr=0.1)
    blueprint, state = symmodule.split(inst.layer)
    assert blueprint.path == "layer"
    assert state is symmodule.split(inst)[1]


def test_split_refuses_what_is_not_an_instance():
    with pytest.raises(errors.StateArgumentError, match="split: the instance must be a ModuleInstance"):
        symmodule.split(counter())


# -- merge -----------------------------------------------------------------------------------


def test_merge_of_a_split_is_a_copy_with_its_own_storage():
    inst = counter().make(c=1, w=[1.0, 2.0])
    twin = symmodule.merge(*symmodule.split(inst))
    twin.inc(10)
    assert (float(twin.c), float(inst.c)) == (11.0, 1.0)
    np.testing.assert_array_equal(twin.w, [11.0, 12.0])


def test_merge_copies_the_values_so_in_place_edits_stay_apart():
    inst = counter().make(c=1, w=[1.0, 2.0])
    twin = symmodule.merge(*symmodule.split(inst))
    inst.w[0] = 100.0
    np.testing.assert_array_equal(twin.w, [1.0, 2.0])


def test_merge_compiles_nothing_new():
    inst = counter().make(c=1, w=[1.0, 2.0])
    twin = symmodule.merge(*symmodule.split(inst))
    assert twin.inc.maker is inst.inc.maker


def test_merge_takes_a_mapping_and_converts_its_values():
    blueprint, _ = symmodule.split(counter().make(c=1, w=[1.0, 2.0]))
    inst = symmodule.merge(blueprint, {"c": 3, "w": [5, 6]})
    assert inst.w.dtype == np.float64 and float(inst.c) == 3.0


def test_merge_of_a_state_that_does_not_fit_lists_what_is_missing_and_unexpected():
    blueprint, _ = symmodule.split(counter().make(c=1, w=[1.0, 2.0]))
    with pytest.raises(errors.StateDictError, match=r"no value for 'w'; no member at 'v'") as info:
        symmodule.merge(blueprint, {"c": 1.0, "v": 2.0})
    assert (info.value.missing, info.value.unexpected) == (["w"], ["v"])


def test_merge_refuses_what_is_not_a_blueprint():
    _, state = symmodule.split(counter().make(c=1, w=[1.0]))
    with pytest.raises(errors.StateArgumentError, match="must be a Blueprint"):
        symmodule.merge(counter(), state)


def test_merge_of_a_blueprint_at_an_inner_module_gives_the_inner_instance_of_a_new_tree():
    inst = layered().make(layer={"w": [1.0, 2.0]}, lr=0.1)
    inner = symmodule.merge(*symmodule.split(inst.layer))
    assert type(inner.component) is type(inst.layer.component) and inner is not inst.layer
    np.testing.assert_array_equal(inner.w, [1.0, 2.0])


def test_a_merged_instance_draws_what_the_original_would_have_drawn():
    inst = layered().make(layer={"w": [1.0, 2.0]}, lr=1.0)
    twin = symmodule.merge(*symmodule.split(inst))
    np.testing.assert_array_equal(twin.noise(), inst.noise())


# -- the blueprint ------------------------------------------------------------------------------


def test_a_blueprint_is_frozen():
    blueprint, _ = symmodule.split(counter().make(c=1, w=[1.0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        blueprint.path = "elsewhere"
    with pytest.raises(TypeError):
        blueprint.methods[next(iter(blueprint.methods))] = None


def test_a_blueprint_names_its_state_and_its_methods():
    blueprint, _ = symmodule.split(layered().make(layer={"w": [1.0, 2.0]}, lr=0.1))
    assert (blueprint.paths, blueprint.method_paths) == (("layer.w", "lr", "random.rng0"), ("noise",))


def test_instantiate_gives_fresh_storage_with_constants_set_and_members_unset():
    blueprint, _ = symmodule.split(layered().make(layer={"w": [1.0, 2.0]}, lr=0.1))
    fresh = blueprint.instantiate()
    assert fresh.layer.w is None and fresh.layer.scale == 2.0


def test_the_blueprint_holds_the_compiled_code_the_code_cache_stores():
    first, _ = symmodule.split(counter().make(c=1, w=[1.0]))
    second, _ = symmodule.split(counter().make(c=1, w=[1.0]))  # an equal Module: found in the cache
    assert [m.maker for m in first.methods.values()] == [m.maker for m in second.methods.values()]


def test_at_an_unknown_path_names_the_inner_modules():
    blueprint, _ = symmodule.split(layered().make(layer={"w": [1.0]}, lr=0.1))
    with pytest.raises(errors.ResolveError, match=r"has no inner module there. Inner modules: layer"):
        blueprint.at("nope")


def test_a_blueprint_unpickled_where_it_was_made_is_the_same_blueprint():
    blueprint, _ = symmodule.split(counter().make(c=1, w=[1.0]))
    assert pickle.loads(pickle.dumps(blueprint)) is blueprint


def test_a_deep_copy_of_a_blueprint_is_the_blueprint():
    blueprint, _ = symmodule.split(counter().make(c=1, w=[1.0]))
    assert copy.deepcopy(blueprint) is blueprint


# -- pickle and deepcopy of instances follow the blueprint taken at make() -------------------------


def _changed_after_make():
    m = counter()
    inst = m.make(c=0, w=[0.0])
    m.inc = symmodule.Method(T.dscalar("n"), [], c=m.c - 100)  # the Module changes afterwards
    return inst


def test_an_unpickled_instance_runs_the_methods_made_at_make():
    restored = pickle.loads(pickle.dumps(_changed_after_make()))
    restored.inc(1)
    assert float(restored.c) == 1.0


def test_a_deep_copied_instance_runs_the_methods_made_at_make():
    copied = copy.deepcopy(_changed_after_make())
    copied.inc(1)
    assert float(copied.c) == 1.0


def test_an_instance_unpickled_in_another_process_runs_the_methods_made_at_make(tmp_path):
    path = tmp_path / "inst.pkl"
    inst = _changed_after_make()
    inst.inc(2)
    path.write_bytes(pickle.dumps(inst))
    code = (
        "import pickle, sys\n"
        "inst = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "inst.inc(1)\n"
        "print(float(inst.c), inst.w.tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "3.0 [3.0]"


def test_pickles_of_the_previous_format_still_load():
    # Before blueprints pickled, an instance pickled as (Module, mode, values, extras, check_finite).
    inst = _restore_instance(counter(), "FAST_COMPILE", {"c": np.float64(4.0), "w": np.array([1.0])}, {}, False)
    inst.inc(1)
    assert float(inst.c) == 5.0


# -- detached states --------------------------------------------------------------------------------


def test_a_deep_copied_state_is_detached_from_the_instance():
    inst = counter().make(c=1, w=[1.0])
    detached = copy.deepcopy(symmodule.split(inst)[1])
    detached["c"] = 50
    assert float(inst.c) == 1.0 and float(detached["c"]) == 50.0


def test_a_pickled_state_merges_with_its_pickled_blueprint():
    inst = counter().make(c=1, w=[1.0])
    blueprint, state = pickle.loads(pickle.dumps(symmodule.split(inst)))
    twin = symmodule.merge(blueprint, state)
    twin.inc(1)
    assert float(twin.c) == 2.0
