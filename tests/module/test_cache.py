"""Compiled code is shared across make() calls: compile once per structure and mode."""

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M


def incdec():
    m = M.Module()
    n = T.dscalar('n')
    m.c = T.dscalar()
    m.inc = M.Method(n, [], c=m.c + n)
    m.plus10 = M.Method([], m.c + 10)
    return m


@pytest.fixture
def cache():
    return symmodule.CodeCache()


def test_first_make_compiles_each_method_once(cache):
    incdec().make(c=0, cache=cache)
    assert (cache.stats.compilations, cache.stats.hits) == (2, 0)


def test_second_make_of_the_same_module_compiles_nothing(cache):
    m = incdec()
    m.make(c=0, cache=cache)
    m.make(c=0, cache=cache)
    assert (cache.stats.compilations, cache.stats.hits) == (2, 2)


def test_make_of_an_equal_module_compiles_nothing(cache):
    incdec().make(c=0, cache=cache)
    incdec().make(c=0, cache=cache)
    assert cache.stats.compilations == 2


def test_instances_made_from_cached_code_are_independent(cache):
    m = incdec()
    first, second = m.make(c=0, cache=cache), m.make(c=100, cache=cache)
    first.inc(1)
    second.inc(5)
    assert (float(first.c), float(second.c)) == (1.0, 105.0)
    assert (float(first.plus10()), float(second.plus10())) == (11.0, 115.0)


def test_instances_of_equal_modules_are_independent(cache):
    first, second = incdec().make(c=0, cache=cache), incdec().make(c=7, cache=cache)
    first.inc(2)
    assert (float(first.c), float(second.c)) == (2.0, 7.0)


def test_container_by_own_variable_works_with_code_of_an_equal_module(cache):
    incdec().make(c=0, cache=cache)
    m = incdec()
    inst = m.make(c=3, cache=cache)
    assert cache.stats.hits == 2
    assert float(inst.inc.container[m.c].value) == 3.0


def test_another_mode_compiles_again(cache):
    m = incdec()
    m.make(c=0, cache=cache, mode="FAST_COMPILE")
    m.make(c=0, cache=cache, mode="CVM")
    assert cache.stats.compilations == 4


def test_a_changed_method_compiles_again(cache):
    m = incdec()
    m.make(c=0, cache=cache)
    m.plus10 = M.Method([], m.c + 11)
    inst = m.make(c=0, cache=cache)
    assert cache.stats.compilations == 3
    assert float(inst.plus10()) == 11.0


def test_members_of_another_dtype_compile_again(cache):
    def module(dtype):
        m = M.Module()
        m.c = T.scalar(dtype=dtype)
        m.inc = M.Method([], [], c=m.c + 1)
        return m

    module("float64").make(c=0, cache=cache)
    inst = module("float32").make(c=0, cache=cache)
    assert cache.stats.compilations == 2
    assert inst.c.dtype == np.float32


def test_cache_none_compiles_afresh():
    m = incdec()
    inst = m.make(c=1, cache=None)
    assert float(inst.plus10()) == 11.0


def test_cache_keeps_at_most_maxsize_methods():
    cache = symmodule.CodeCache(maxsize=1)
    incdec().make(c=0, cache=cache)
    assert len(cache) == 1


def test_clear_forgets_compiled_code(cache):
    m = incdec()
    m.make(c=0, cache=cache)
    cache.clear()
    m.make(c=0, cache=cache)
    assert cache.stats.compilations == 4


def test_default_values_of_arguments_are_never_shared(cache):
    def module(default):
        m = M.Module()
        x = T.dscalar('x')
        m.c = T.dscalar()
        m.f = M.Method([symmodule.In(x, value=default)], m.c + x)
        return m

    first = module(1.0).make(c=0, cache=cache)
    second = module(2.0).make(c=0, cache=cache)
    assert (float(first.f()), float(second.f())) == (1.0, 2.0)


def test_make_uses_the_default_cache():
    m = incdec()
    m.make(c=0)
    before = symmodule.code_cache.stats.compilations
    m.make(c=0)
    assert symmodule.code_cache.stats.compilations == before


@pytest.mark.parametrize("mode", ["NUMBA", "JAX"])
def test_jit_modes_compile_the_graph_once_for_many_instances(cache, mode):
    if mode == "JAX":
        need("jax")
    m = incdec()
    first = m.make(c=0, cache=cache, mode=mode)
    second = m.make(c=10, cache=cache, mode=mode)
    assert first.inc.vm.jit_fn is second.inc.vm.jit_fn
    first.inc(1)
    second.inc(2)
    assert (float(first.c), float(second.c)) == (1.0, 12.0)
