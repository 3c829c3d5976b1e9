"""The State of an instance: its values by path, read and written under its lock, all or nothing."""

from __future__ import annotations

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T


def _inst() -> symmodule.ModuleInstance:
    m = symmodule.Module()
    m.c = T.dscalar()
    m.w = T.dvector()
    m.k = T.lscalar()
    m.scale = 3.0  # a constant
    m.inc = symmodule.Method([], [], c=m.c + 1, w=m.w * m.scale)
    return m.make(c=0, w=[1.0, 2.0], k=4)


def _state(inst=None) -> symmodule.State:
    return symmodule.split(inst if inst is not None else _inst())[1]


def test_paths_are_the_members_in_the_plan_s_order_constants_excluded():
    state = _state()
    assert state.paths == ("c", "w", "k") and list(state) == ["c", "w", "k"] and len(state) == 3


def test_containment_is_by_path():
    state = _state()
    assert "w" in state and "scale" not in state


def test_reading_gives_the_stored_object():
    inst = _inst()
    assert _state(inst)["w"] is inst.w


def test_writing_converts_to_the_member_s_type():
    inst = _inst()
    _state(inst)["w"] = [5, 6]
    assert inst.w.dtype == np.float64
    np.testing.assert_array_equal(inst.w, [5.0, 6.0])


def test_an_unknown_path_is_refused_naming_the_paths():
    with pytest.raises(errors.StateArgumentError, match=r"no entry 'scale'.*c, w, k.*Constants are part of the blueprint"):
        _state()["scale"]


def test_a_snapshot_maps_every_path_to_its_value():
    inst = _inst()
    assert _state(inst).snapshot() == {"c": inst.c, "w": inst.w, "k": inst.k}


def test_a_snapshot_keeps_its_values_while_the_instance_moves_on():
    inst = _inst()
    snapshot = _state(inst).snapshot()
    inst.inc()
    np.testing.assert_array_equal(snapshot["w"], [1.0, 2.0])  # calls replace arrays, never write into them


def test_restore_writes_the_paths_given_and_keeps_the_others():
    inst = _inst()
    _state(inst).restore({"c": 5, "k": 9})
    assert (float(inst.c), int(inst.k)) == (5.0, 9)
    np.testing.assert_array_equal(inst.w, [1.0, 2.0])


def test_restore_writes_nothing_when_one_value_does_not_convert():
    inst = _inst()
    with pytest.raises(errors.MemberValueError, match="'k'"):
        _state(inst).restore({"c": 5, "k": 1.5})  # a float into an integer member
    assert float(inst.c) == 0.0


def test_restore_with_none_unsets_a_member():
    inst = _inst()
    _state(inst).restore({"c": None})
    assert inst.c is None


def test_atomically_puts_every_value_back_when_the_block_raises():
    inst = _inst()

    def half_done():
        inst.c = 10
        inst.w = [0.0, 0.0]
        raise ValueError("stop")

    with pytest.raises(ValueError):
        _state(inst).atomically(half_done)
    assert float(inst.c) == 0.0
    np.testing.assert_array_equal(inst.w, [1.0, 2.0])


def test_atomically_puts_every_value_back_when_the_block_is_interrupted():
    inst = _inst()

    def interrupted():
        inst.c = 10
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _state(inst).atomically(interrupted)
    assert float(inst.c) == 0.0


def test_atomically_returns_what_the_block_returns():
    assert _state().atomically(lambda: 42) == 42


def test_the_containers_hold_the_cells_the_compiled_methods_read_and_write():
    inst = _inst()
    cells = {container.name: container.storage for container in _state(inst).containers}
    read = [container.storage for container in inst.inc.input_storage]
    assert read == [cells["c"], cells["w"]]


def test_initialize_is_all_or_nothing():
    inst = _inst()
    with pytest.raises(errors.InitializationError):
        inst.initialize(c=3, nope=1)
    assert float(inst.c) == 0.0


def test_a_list_of_members_is_assigned_all_or_nothing():
    m = symmodule.Module()
    m.ws = [T.dscalar(), T.lscalar()]
    inst = m.make(ws=[1.0, 2])
    with pytest.raises(errors.MemberValueError):
        inst.ws = [5.0, 2.5]  # the second does not fit an integer member
    assert float(inst.ws[0]) == 1.0


def test_reseeding_a_random_streams_writes_every_generator_at_once():
    m = symmodule.Module()
    m.random = T.randomstreams.RandomStreams(seed=1)
    m.draw = symmodule.Method([], [m.random.uniform(), m.random.normal()])
    inst = m.make()
    before = _state(inst).snapshot()
    inst.random.seed(99)
    after = _state(inst).snapshot()
    assert all(after[path] is not before[path] for path in ("random.rng0", "random.rng1"))
