"""Random generators of an instance in JAX mode: kept in PyTensor's JAX form, saved and loaded as numpy Generators."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import tensor as T


@pytest.fixture(autouse=True)
def _jax():
    need("jax")


def _module() -> symmodule.Module:
    m = symmodule.Module()
    m.srng = T.randomstreams.RandomStreams(seed=1)
    m.draw = symmodule.Method([], m.srng.normal((3,)))
    return m


def _drawn(inst: symmodule.ModuleInstance, calls: int) -> list[np.ndarray]:
    return [np.asarray(inst.draw()) for _ in range(calls)]


def test_a_saved_jax_instance_resumes_its_draws_after_a_load(tmp_path):
    inst = _module().make(mode="JAX")
    _drawn(inst, 2)
    symmodule.save(inst, tmp_path / "drawn.safetensors")
    resumed = _module().make(mode="JAX")
    symmodule.load(tmp_path / "drawn.safetensors", into=resumed)
    np.testing.assert_array_equal(_drawn(resumed, 3), _drawn(inst, 3))


def test_the_state_dict_of_a_jax_instance_holds_its_generator_after_a_call():
    inst = _module().make(mode="JAX")
    inst.draw()
    state = symmodule.state_dict(inst)
    copy_ = _module().make(mode="JAX")
    symmodule.load_state_dict(copy_, state)
    np.testing.assert_array_equal(_drawn(copy_, 2), _drawn(inst, 2))


def test_a_jax_instance_reseeded_after_a_call_draws_from_the_new_seed():
    inst = _module().make(mode="JAX")
    inst.draw()
    inst.srng.seed(5)
    first = _drawn(inst, 2)
    inst.srng.seed(5)
    np.testing.assert_array_equal(_drawn(inst, 2), first)


def test_a_jax_instance_reads_its_generator_as_a_numpy_generator():
    inst = _module().make(mode="JAX")
    inst.draw()
    (rng,) = [spec.key for spec in symmodule.split(inst)[0].plan.state.values()]
    assert isinstance(inst.srng[rng], np.random.Generator)


def test_copies_of_a_jax_instance_draw_what_it_draws():
    inst = _module().make(mode="JAX")
    inst.draw()
    copies = [copy.deepcopy(inst), pickle.loads(pickle.dumps(inst))]
    expected = _drawn(inst, 2)
    for clone in copies:
        np.testing.assert_array_equal(_drawn(clone, 2), expected)
