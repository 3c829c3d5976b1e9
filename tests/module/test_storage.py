"""Member storage: NumPy arrays for most backends, jax arrays resident on JAX's device in JAX mode."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import tensor as T
from symmodule.errors import MemberValueError
from symmodule.persist import load_state_dict, state_dict

jax = need("jax")

W0 = np.array([1.0, 2.0, 3.0])
X = np.array([0.5, -1.0, 2.0])


def sgd_module() -> symmodule.Module:
    """``step(x)`` returns ``sum(w * x)`` and adds ``x`` to ``w``; ``read()`` returns ``w``."""
    m = symmodule.Module()
    m.w = T.dvector()
    x = T.dvector("x")
    m.step = symmodule.Method([x], T.sum(m.w * x), updates={m.w: m.w + x})
    m.read = symmodule.Method([], m.w * 1.0)
    return m


@pytest.fixture
def inst() -> symmodule.ModuleInstance:
    return sgd_module().make(w=W0.copy(), mode="JAX")


def test_jax_members_are_device_arrays_from_make(inst):
    assert isinstance(inst.w, jax.Array)
    np.testing.assert_array_equal(np.asarray(inst.w), W0)


def test_jax_calls_read_and_update_resident_state(inst):
    out = inst.step(X)
    np.testing.assert_allclose(out, np.sum(W0 * X))
    assert isinstance(inst.w, jax.Array)
    np.testing.assert_allclose(np.asarray(inst.w), W0 + X)
    np.testing.assert_allclose(np.asarray(inst.read()), W0 + X)


def test_jax_writes_are_moved_to_the_device_once(inst):
    inst.w = np.array([10.0, 20.0, 30.0])
    assert isinstance(inst.w, jax.Array)
    inst.step(X)
    np.testing.assert_allclose(np.asarray(inst.w), np.array([10.0, 20.0, 30.0]) + X)


def test_jax_write_of_a_jax_array_is_kept(inst):
    inst.w = jax.numpy.asarray([4.0, 5.0, 6.0])
    np.testing.assert_allclose(np.asarray(inst.read()), [4.0, 5.0, 6.0])


def test_jax_refused_write_keeps_the_old_value(inst):
    with pytest.raises(MemberValueError, match="w"):
        inst.w = np.ones((2, 2))
    np.testing.assert_array_equal(np.asarray(inst.w), W0)


def test_jax_state_dict_is_numpy_and_loads_back_onto_the_device(inst):
    inst.step(X)
    saved = state_dict(inst)
    assert isinstance(saved["w"], np.ndarray)
    other = sgd_module().make(w=np.zeros(3), mode="JAX")
    load_state_dict(other, saved)
    assert isinstance(other.w, jax.Array)
    np.testing.assert_allclose(np.asarray(other.w), W0 + X)


def test_jax_copies_are_independent_and_resident(inst):
    twin = copy.deepcopy(inst)
    twin.step(X)
    assert isinstance(twin.w, jax.Array)
    np.testing.assert_array_equal(np.asarray(inst.w), W0)
    np.testing.assert_allclose(np.asarray(twin.w), W0 + X)


def test_jax_instance_pickles_with_its_values(inst):
    inst.step(X)
    back = pickle.loads(pickle.dumps(inst))
    assert isinstance(back.w, jax.Array)
    np.testing.assert_allclose(np.asarray(back.w), W0 + X)


def test_other_modes_keep_numpy_arrays():
    inst = sgd_module().make(w=W0.copy(), mode="FAST_COMPILE")
    inst.step(X)
    assert type(inst.w) is np.ndarray


def test_a_method_compiled_for_another_backend_keeps_numpy_arrays():
    m = sgd_module()
    m.read = symmodule.Method([], m.w * 1.0, mode="FAST_COMPILE")
    inst = m.make(w=W0.copy(), mode="JAX")
    assert type(inst.w) is np.ndarray
    np.testing.assert_array_equal(inst.read(), W0)


def test_to_host_leaves_values_this_process_can_read_as_they_are():
    from symmodule.module.storage import to_host

    array = np.arange(3.0)
    assert to_host(array) is array
    placed = jax.device_put(array)
    assert to_host(placed) is placed  # gathering is for arrays split over several processes
