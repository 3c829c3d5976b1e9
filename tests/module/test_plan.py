"""Planning: naming members by path, one storage per Variable however many paths
reach it, one object per Method / inner Module, independence of make() calls and
of unlinked modules."""

import numpy as np
import pytest
from modules import incdec_module

from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.module.plan import Plan

# -- naming ------------------------------------------------------------------------------------


def test_unnamed_member_is_named_after_its_attribute():
    m = incdec_module()
    m.make()
    assert m.c.name == "c"


def test_unnamed_member_of_an_inner_module_is_named_by_its_path():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.make()
    assert m.incdec1.c.name == "incdec1.c"


def test_unnamed_member_in_a_list_of_modules_is_named_by_its_path():
    m = M.Module()
    layer = M.Module()
    layer.w = T.dmatrix()
    m.layers = [layer]
    m.make()
    assert layer.w.name == "layers.0.w"


def test_unnamed_member_in_a_dict_is_named_by_its_path():
    m = M.Module()
    m.d = dict(x=T.dscalar())
    m.make()
    assert m.d["x"].name == "d.x"


def test_user_named_member_keeps_its_name():
    m = M.Module()
    m.incdec1 = M.Module()
    m.incdec1.c = T.dscalar("count")
    m.make()
    assert m.incdec1.c.name == "count"


def test_member_is_renamed_when_made_from_another_root():
    inner = incdec_module()
    inner.make()
    outer = M.Module()
    outer.incdec1 = inner
    outer.make()
    assert inner.c.name == "incdec1.c"


def test_compiled_method_inputs_carry_the_path_names():
    m = M.Module()
    m.incdec1 = incdec_module()
    inst = m.make(incdec1=dict(c=0))
    assert [i.name for i in inst.incdec1.inc.maker.inputs] == ["n", "incdec1.c"]


def test_member_reached_by_two_paths_is_named_after_the_first():
    m = M.Module()
    v = T.dscalar()
    m.a = v
    m.b = v
    m.make()
    assert v.name == "a"


# -- one Variable, one storage -------------------------------------------------------------------


def shared_paths_module():
    """One Variable reached as m.a, m.l[0], m.d['k'] and m.sub.v."""
    m = M.Module()
    v = T.dscalar()
    m.a = v
    m.l = [v]
    m.d = dict(k=v)
    m.sub = M.Module()
    m.sub.v = v
    m.sub.bump = M.Method([], [], updates={m.sub.v: m.sub.v + 1})
    m.get = M.Method([], v * 1)
    return m


def read_all_paths(inst):
    return [
        float(inst.a),
        float(inst.l[0]),
        float(inst.d["k"]),
        float(inst.sub.v),
        float(inst.get()),
    ]


@pytest.mark.parametrize(
    "write",
    [
        lambda inst: setattr(inst, "a", 3),
        lambda inst: inst.l.__setitem__(0, 3),
        lambda inst: inst.d.__setitem__("k", 3),
        lambda inst: setattr(inst.sub, "v", 3),
        lambda inst: inst.__setitem__("sub.v", 3),
    ],
    ids=["attribute", "list", "dict", "inner-module", "item-path"],
)
def test_a_write_through_one_path_is_seen_by_every_path(write):
    inst = shared_paths_module().make()
    write(inst)
    assert read_all_paths(inst) == [3.0] * 5


def test_an_update_through_one_path_is_seen_by_every_path():
    inst = shared_paths_module().make(a=1)
    inst.sub.bump()
    assert read_all_paths(inst) == [2.0] * 5


def test_a_variable_reached_by_several_paths_is_one_piece_of_state():
    assert len(Plan(shared_paths_module()).state) == 1


def test_a_member_of_an_inner_module_is_shared_with_the_outer_methods():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.get = M.Method([], m.incdec1.c * 1)
    inst = m.make(incdec1=dict(c=0))
    inst.incdec1.inc(4)
    np.testing.assert_allclose(inst.get(), 4.0)


def test_inner_member_also_assigned_on_the_outer_module_is_one_storage():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.c = m.incdec1.c
    inst = m.make(incdec1=dict(c=1))
    inst.incdec1.inc(2)
    np.testing.assert_allclose(inst.c, 3.0)


# -- independence ------------------------------------------------------------------------------------


def test_two_makes_of_one_module_are_independent():
    m = incdec_module()
    first, second = m.make(c=0), m.make(c=0)
    first.inc(5)
    np.testing.assert_allclose([first.c, second.c], [5.0, 0.0])


def test_two_makes_do_not_share_arrays_given_at_init():
    m = M.Module()
    m.w = T.dvector()
    m.bump = M.Method([], [], w=m.w + 1)
    first = m.make(w=[0.0])
    second = m.make(w=[0.0])
    first.bump()
    np.testing.assert_allclose([first.w[0], second.w[0]], [1.0, 0.0])


def test_unlinked_modules_built_from_the_same_variable_never_share_storage():
    v = T.dscalar()
    m1, m2 = M.Module(), M.Module()
    m1.c = v
    m2.c = v
    m1.inc = M.Method([], [], c=m1.c + 1)
    m2.inc = M.Method([], [], c=m2.c + 1)
    i1, i2 = m1.make(c=0), m2.make(c=10)
    i1.inc()
    np.testing.assert_allclose([i1.c, i2.c], [1.0, 10.0])


def test_two_inner_modules_built_by_one_factory_do_not_share_state():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.incdec2 = incdec_module()
    inst = m.make(incdec1=dict(c=0), incdec2=dict(c=0))
    inst.incdec1.inc(3)
    np.testing.assert_allclose([inst.incdec1.c, inst.incdec2.c], [3.0, 0.0])


# -- one object per Method / inner Module ---------------------------------------------------------------


def test_method_reached_through_a_list_is_the_same_object():
    m = M.Module()
    x = T.dscalar("x")
    m.y = M.Method(x, x + 1)
    m.ly = [m.y]
    inst = m.make()
    assert inst.y is inst.ly[0]


def test_method_reached_through_a_dict_is_the_same_object():
    m = M.Module()
    x = T.dscalar("x")
    m.y = M.Method(x, x + 1)
    m.dy = dict(y=m.y)
    inst = m.make()
    assert inst.dy["y"] is inst.y


def test_inner_module_reached_through_two_attributes_is_one_instance():
    m = M.Module()
    sub = incdec_module()
    m.a = sub
    m.b = sub
    inst = m.make(a=dict(c=0))
    assert inst.a is inst.b


def test_inner_module_reached_through_a_list_is_one_instance():
    m = M.Module()
    sub = incdec_module()
    m.a = sub
    m.layers = [sub]
    inst = m.make(a=dict(c=0))
    assert inst.layers[0] is inst.a


def test_inner_module_reached_twice_shares_its_state():
    m = M.Module()
    sub = incdec_module()
    m.a = sub
    m.b = sub
    inst = m.make(a=dict(c=0))
    inst.b.inc(2)
    np.testing.assert_allclose(inst.a.c, 2.0)


def test_member_is_renamed_back_when_its_module_is_made_alone_again():
    inner = incdec_module()
    outer = M.Module()
    outer.incdec1 = inner
    outer.make()
    inner.make()
    assert inner.c.name == "c"
