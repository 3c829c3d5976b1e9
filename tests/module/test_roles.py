"""Roles on Members and their selection: symmodule/module/roles.py, Module.members/parameters."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.module.random import RandomStreams
from symmodule.roles import BUFFER, PARAM, REGULARIZABLE, RNG


def _layer(n_in: int, n_out: int) -> symmodule.Module:
    layer = symmodule.Module()
    layer.w = symmodule.Member(T.dmatrix(shape=(n_in, n_out)), roles=(PARAM, REGULARIZABLE))
    layer.b = symmodule.Member(T.dvector(shape=(n_out,)), roles=PARAM)
    return layer


def _net() -> symmodule.Module:
    net = symmodule.Module()
    net.encoder = _layer(3, 2)
    net.decoder = _layer(2, 3)
    net.count = symmodule.Member(T.lscalar(), roles=(BUFFER, "counter"))
    net.plain = T.dscalar()
    return net


def test_a_member_declared_with_roles_reads_back_as_its_variable():
    m = symmodule.Module()
    w = T.dmatrix()
    m.w = symmodule.Member(w, roles=PARAM)
    assert m.w is w


def test_members_lists_every_member_by_first_path_in_declaration_order():
    net = _net()
    assert list(net.members()) == ["encoder.w", "encoder.b", "decoder.w", "decoder.b", "count", "plain"]


def test_parameters_are_the_members_with_the_param_role_in_order():
    net = _net()
    assert net.parameters() == [net.encoder.w, net.encoder.b, net.decoder.w, net.decoder.b]


def test_parameters_with_a_role_keep_those_having_it_too():
    net = _net()
    assert net.parameters(REGULARIZABLE) == [net.encoder.w, net.decoder.w]


def test_members_select_a_user_tag():
    net = _net()
    assert net.members("counter") == {"count": net.count}


def test_members_select_by_path_glob():
    net = _net()
    assert list(net.members(path="decoder.*")) == ["decoder.w", "decoder.b"]
    assert list(net.members(PARAM, path="*.w")) == ["encoder.w", "decoder.w"]


def test_a_tied_weight_is_one_parameter_under_its_first_path():
    net = _net()
    net.decoder.w = net.encoder.w.T  # an expression of the tied weight: not a member
    net.tied = symmodule.Module()
    net.tied.w = net.encoder.w  # the same Variable reached again
    assert net.parameters().count(net.encoder.w) == 1
    assert "tied.w" not in net.members()


def test_a_tied_weight_matches_a_path_glob_through_any_of_its_paths():
    net = _net()
    net.tied = symmodule.Module()
    net.tied.w = net.encoder.w
    assert net.members(path="tied.*") == {"encoder.w": net.encoder.w}


def test_roles_given_on_two_paths_are_united():
    m = symmodule.Module()
    w = T.dmatrix()
    m.a = symmodule.Member(w, roles=PARAM)
    m.inner = symmodule.Module()
    m.inner.w = symmodule.Member(w, roles="frozen")
    assert m.members(PARAM, "frozen") == {"a": w}


def test_a_plain_variable_member_has_no_roles():
    m = symmodule.Module()
    m.x = T.dscalar()
    assert m.parameters() == []
    assert list(m.members()) == ["x"]


def test_random_stream_generators_have_the_rng_role():
    m = symmodule.Module()
    m.srng = RandomStreams(seed=1)
    m.draw = symmodule.Method([], m.srng.normal((2,)))
    assert list(m.members(RNG)) == ["srng.rng0"]


def test_selection_works_on_an_inner_module_with_its_own_paths():
    net = _net()
    assert list(net.decoder.members()) == ["w", "b"]


def test_selection_compiles_nothing():
    net = _net()
    x = T.dvector("x")
    net.f = symmodule.Method([x], T.dot(x, net.encoder.w))
    stats = symmodule.code_cache.stats
    before = (stats.compilations, stats.hits)
    net.parameters()
    assert (stats.compilations, stats.hits) == before


def test_roles_must_be_strings():
    with pytest.raises(errors.DeclarationError, match=r"roles must be strings.*got \(1, 2\)"):
        symmodule.Member(T.dscalar(), roles=(1, 2))


def test_a_role_must_not_be_empty():
    with pytest.raises(errors.DeclarationError, match="roles must be strings"):
        symmodule.Member(T.dscalar(), roles=("",))


def test_roles_survive_pickling_an_instance_blueprint():
    net = _net()
    inst = net.make(
        encoder={"w": np.ones((3, 2)), "b": np.zeros(2)},
        decoder={"w": np.ones((2, 3)), "b": np.zeros(3)},
        count=0,
        plain=1.0,
    )
    blueprint, _ = symmodule.split(pickle.loads(pickle.dumps(inst)))
    roles = {spec.path: spec.roles for spec in blueprint.plan.state.values()}
    assert roles["encoder.w"] == {PARAM, REGULARIZABLE}
    assert roles["count"] == {BUFFER, "counter"}
