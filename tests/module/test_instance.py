"""ModuleInstance and the container instances: reading and writing members,
conversion on write, readonly constants, display, plain attributes, containers,
pickle / deepcopy, initialize."""

import collections.abc
import copy
import pickle

import numpy as np
import pytest
from modules import incdec_plus10_module as incdec_module

from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import module as M


def nested_module():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.incdec2 = incdec_module()
    m.sum = M.Method([], m.incdec1.c + m.incdec2.c)
    return m


def vector_module_with_scale():
    m = M.Module()
    k = T.dscalar("k")
    m.w = T.dvector()
    m.total = M.Method([], m.w.sum())
    m.scale = M.Method(k, [], w=m.w * k)
    return m


# -- reading ----------------------------------------------------------------------------------


def test_member_reads_as_a_float64_zero_d_array():
    inst = incdec_module().make(c=2)
    assert isinstance(inst.c, np.ndarray)
    assert inst.c.dtype == np.float64 and inst.c.ndim == 0


def test_unset_member_reads_as_none():
    inst = incdec_module().make()
    assert inst.c is None


def test_member_set_to_none_reads_as_none():
    inst = incdec_module().make(c=1)
    inst.c = None
    assert inst.c is None


def test_item_access_is_attribute_access():
    inst = incdec_module().make(c=2)
    assert inst["c"] is inst.c


def test_item_access_with_a_dotted_path_reaches_inner_members():
    inst = nested_module().make(incdec1=dict(c=3), incdec2=dict(c=4))
    np.testing.assert_allclose(inst["incdec1.c"], 3.0)


def test_item_access_with_a_dotted_path_reaches_inner_instances():
    inst = nested_module().make()
    assert inst["incdec2"] is inst.incdec2


def test_item_access_reaches_list_elements():
    m = M.Module()
    layer = M.Module()
    layer.w = T.dvector()
    m.layers = [layer]
    inst = m.make(layers=[dict(w=[1, 2])])
    np.testing.assert_allclose(inst["layers.0.w"], [1.0, 2.0])


def test_item_write_with_a_dotted_path_sets_the_inner_member():
    inst = nested_module().make(incdec1=dict(c=0), incdec2=dict(c=0))
    inst["incdec1.c"] = 5
    np.testing.assert_allclose(inst.incdec1.c, 5.0)


def test_unknown_attribute_suggests_the_nearest_member():
    inst = incdec_module().make()
    with pytest.raises(AttributeError, match="Did you mean c"):
        inst.cc


def test_reading_an_external_explains_it_is_not_state():
    m = incdec_module()
    m.e = m.c * 2
    inst = m.make(c=1)
    with pytest.raises(AttributeError, match="External"):
        inst.e


def test_method_on_the_instance_sees_the_value_written():
    inst = incdec_module().make(c=0)
    inst.c = 5
    np.testing.assert_allclose(inst.plus10(), 15.0)


def test_in_place_edit_of_a_member_array_is_seen_by_methods():
    m = vector_module_with_scale()
    inst = m.make(w=[1.0, 2.0, 3.0])
    inst.w[0] = 10.0
    np.testing.assert_allclose(inst.total(), 15.0)


def test_method_update_is_seen_by_every_method():
    inst = incdec_module().make(c=0)
    inst.inc(2)
    inst.dec(5)
    np.testing.assert_allclose(inst.plus10(), 7.0)


# -- writing: conversion ----------------------------------------------------------------------------


def test_python_int_is_converted_to_a_float64_zero_d_array():
    inst = incdec_module().make()
    inst.c = 0
    assert isinstance(inst.c, np.ndarray)
    assert inst.c.dtype == np.float64 and inst.c.shape == ()


def test_list_is_converted_to_a_float64_vector():
    inst = vector_module_with_scale().make()
    inst.w = [1, 2]
    assert inst.w.dtype == np.float64
    np.testing.assert_allclose(inst.w, [1.0, 2.0])


def test_float64_data_into_a_float32_member_is_cast():
    m = M.Module()
    m.x = T.fvector()
    inst = m.make()
    inst.x = np.array([1.5, 2.5])
    assert inst.x.dtype == np.float32
    np.testing.assert_allclose(inst.x, [1.5, 2.5])


def test_wrong_ndim_write_raises_and_names_the_member():
    inst = vector_module_with_scale().make(w=[1.0, 2.0])
    with pytest.raises(errors.MemberValueError, match="Cannot set member 'w'.*previous value is kept"):
        inst.w = np.zeros((2, 2))


def test_wrong_ndim_write_keeps_the_old_value():
    inst = vector_module_with_scale().make(w=[1.0, 2.0])
    with pytest.raises(TypeError):
        inst.w = np.zeros((2, 2))
    np.testing.assert_allclose(inst.w, [1.0, 2.0])


def test_non_numeric_write_raises_type_error():
    inst = incdec_module().make(c=1)
    with pytest.raises(TypeError, match="Cannot set member 'c'"):
        inst.c = "abc"


def test_non_numeric_write_keeps_the_old_value():
    inst = incdec_module().make(c=1)
    with pytest.raises(TypeError):
        inst.c = "abc"
    np.testing.assert_allclose(inst.c, 1.0)


def test_fractional_float_into_an_integer_member_is_refused():
    m = M.Module()
    m.i = T.lscalar()
    inst = m.make(i=3)
    with pytest.raises(errors.MemberValueError, match="Cannot set member 'i'"):
        inst.i = 1.5
    assert inst.i == 3


def test_matching_ndarray_is_stored_without_a_copy():
    inst = vector_module_with_scale().make()
    arr = np.array([1.0, 2.0])
    inst.w = arr
    assert inst.w is arr


def test_ndarray_of_another_dtype_is_converted():
    inst = vector_module_with_scale().make()
    arr = np.array([1, 2], dtype="int32")
    inst.w = arr
    assert inst.w.dtype == np.float64
    assert inst.w is not arr


def test_array_stored_without_copy_is_read_by_methods():
    inst = vector_module_with_scale().make()
    arr = np.array([1.0, 2.0])
    inst.w = arr
    arr[1] = 5.0
    np.testing.assert_allclose(inst.total(), 6.0)


# -- readonly constants -----------------------------------------------------------------------------


def test_constant_member_reads_its_value():
    m = M.Module()
    m.k = 3.5
    np.testing.assert_allclose(m.make().k, 3.5)


def test_writing_a_constant_raises_cannot_set_readonly():
    m = M.Module()
    m.k = 3.5
    inst = m.make()
    with pytest.raises(errors.ReadonlyMemberError, match="^Cannot set readonly member 'k'"):
        inst.k = 4


def test_failed_write_to_a_constant_keeps_its_value():
    m = M.Module()
    m.k = 3.5
    inst = m.make()
    with pytest.raises(AttributeError):
        inst.k = 4
    np.testing.assert_allclose(inst.k, 3.5)


def test_initializing_a_constant_raises_cannot_set_readonly():
    m = M.Module()
    m.k = 3.5
    with pytest.raises(errors.ReadonlyMemberError, match="^Cannot set readonly"):
        m.make(k=1)


def test_constant_array_is_not_writable_in_place():
    m = M.Module()
    m.a = np.arange(3.0)
    inst = m.make()
    with pytest.raises(ValueError):
        inst.a[0] = 9.0


# -- display ---------------------------------------------------------------------------------------


def test_str_shows_member_values():
    inst = incdec_module().make(c=2)
    assert "c = 2.0" in str(inst)


def test_str_shows_inner_instance_members():
    inst = nested_module().make(incdec1=dict(c=3), incdec2=dict(c=4))
    text = str(inst)
    assert "incdec1" in text and "c = 3.0" in text and "c = 4.0" in text


class HidingInstance(M.ModuleInstance):
    __hide__ = ["secret"]


class HidingModule(M.Module):
    InstanceType = HidingInstance

    def __init__(self):
        super().__init__()
        self.secret = T.dscalar()
        self.shown = T.dscalar()


def test_str_does_not_show_hidden_members():
    text = str(HidingModule().make(secret=42, shown=7))
    assert "shown = 7.0" in text
    assert "secret" not in text and "42" not in text


class HidingStructureInstance(M.ModuleInstance):
    __hide__ = ["hidden_list", "hidden_dict", "secret"]


class HidingStructureModule(M.Module):
    InstanceType = HidingStructureInstance

    def __init__(self):
        super().__init__()
        self.hidden_list = [T.dscalar()]
        self.hidden_dict = {"a": T.dscalar()}
        self.shown = {"secret": T.dscalar(), "plain": T.dscalar()}


def test_str_does_not_show_a_hidden_list():
    text = str(HidingStructureModule().make(hidden_list=[41], hidden_dict=dict(a=0)))
    assert "hidden_list" not in text and "41" not in text


def test_str_does_not_show_a_hidden_dict():
    text = str(HidingStructureModule().make(hidden_dict=dict(a=43)))
    assert "hidden_dict" not in text and "43" not in text


def test_str_does_not_show_hidden_keys_of_a_dict():
    text = str(HidingStructureModule().make(shown=dict(secret=44, plain=5)))
    assert "plain" in text and "5.0" in text
    assert "secret" not in text and "44" not in text


def test_repr_lists_members_and_methods():
    text = repr(incdec_module().make())
    assert "members c" in text
    assert "inc" in text and "dec" in text and "plus10" in text


# -- plain attributes and structure ------------------------------------------------------------------


def test_instance_accepts_new_plain_attributes():
    inst = incdec_module().make()
    inst.input_size = 10
    assert inst.input_size == 10


def test_plain_attribute_in_instance_initialize_is_kept():
    class Remembering(M.Module):
        def __init__(self):
            super().__init__()
            self.c = T.dscalar()

        def _instance_initialize(self, inst, input_size=None, **init):
            inst.input_size = input_size
            M.default_initialize(inst, **init)

    inst = Remembering().make(input_size=10, c=1)
    assert inst.input_size == 10
    np.testing.assert_allclose(inst.c, 1.0)


def test_writing_a_member_name_never_shadows_the_member():
    inst = incdec_module().make(c=0)
    inst.c = 3
    assert "c" not in vars(inst)
    np.testing.assert_allclose(inst.plus10(), 13.0)


def test_replacing_a_method_on_the_instance_is_refused():
    inst = incdec_module().make()
    with pytest.raises(errors.SymmoduleError, match="Cannot replace method 'inc'"):
        inst.inc = lambda n: None


def test_deleting_a_member_is_refused():
    inst = incdec_module().make(c=1)
    with pytest.raises(AttributeError, match="Cannot delete c"):
        del inst.c


def test_setting_component_is_refused():
    inst = incdec_module().make()
    with pytest.raises(AttributeError, match="'component'"):
        inst.component = None


# -- containers ------------------------------------------------------------------------------------------


def list_module():
    m = M.Module()
    m.lx = [T.dscalar(), T.dscalar()]
    m.total = M.Method([], m.lx[0] + m.lx[1])
    return m


def test_list_container_is_a_sequence_of_values():
    inst = list_module().make(lx=[1, 2])
    assert isinstance(inst.lx, collections.abc.Sequence)
    assert len(inst.lx) == 2
    np.testing.assert_allclose(list(inst.lx), [1.0, 2.0])


def test_list_item_write_sets_the_member():
    inst = list_module().make(lx=[1, 2])
    inst.lx[0] = 3
    np.testing.assert_allclose(inst.lx[0], 3.0)
    np.testing.assert_allclose(inst.total(), 5.0)


def test_whole_list_assignment_sets_each_member():
    m = M.Module()
    m.l = [T.dscalar(), T.dscalar()]
    inst = m.make()
    inst.l = [4, 5]
    np.testing.assert_allclose(list(inst.l), [4.0, 5.0])


def test_whole_list_assignment_with_the_wrong_length_is_refused():
    inst = list_module().make(lx=[1, 2])
    with pytest.raises(errors.MemberValueError, match="Cannot assign 3 values to 'lx'"):
        inst.lx = [1, 2, 3]


def test_list_slice_reads_values():
    inst = list_module().make(lx=[1, 2])
    np.testing.assert_allclose(inst.lx[0:2], [1.0, 2.0])


def test_list_compares_equal_to_a_list_of_its_values():
    inst = list_module().make(lx=[1, 2])
    assert inst.lx == [1.0, 2.0]


def test_tuple_container_comes_back_tuple_like():
    m = M.Module()
    m.t = (T.dscalar(), T.dscalar())
    inst = m.make(t=(1, 2))
    assert isinstance(inst.t, collections.abc.Sequence)
    assert inst.t == (1.0, 2.0)
    assert repr(inst.t).startswith("(")


def test_list_of_methods_holds_callables():
    m = M.Module()
    x = T.dscalar("x")
    m.fs = [M.Method(x, x + 1), M.Method(x, x * 3)]
    inst = m.make()
    np.testing.assert_allclose([f(2) for f in inst.fs], [3.0, 6.0])


def dict_module():
    m = M.Module()
    m.d = dict(x=T.dscalar(), y=T.dscalar())
    m.total = M.Method([], m.d["x"] * m.d["y"])
    return m


def test_dict_container_is_a_mapping_of_values():
    inst = dict_module().make(d=dict(x=2, y=3))
    assert isinstance(inst.d, collections.abc.Mapping)
    assert sorted(inst.d) == ["x", "y"]
    np.testing.assert_allclose(inst.d["x"], 2.0)


def test_dict_item_write_sets_the_member():
    inst = dict_module().make(d=dict(x=2, y=3))
    inst.d["y"] = 10
    np.testing.assert_allclose(inst.total(), 20.0)


def test_whole_dict_assignment_sets_each_member():
    inst = dict_module().make()
    inst.d = dict(x=4, y=5)
    np.testing.assert_allclose([inst.d["x"], inst.d["y"]], [4.0, 5.0])


def test_dict_like_accepts_a_new_key_as_a_plain_value():
    inst = dict_module().make(d=dict(x=2, y=3))
    inst.d["z"] = "anything"
    assert inst.d["z"] == "anything"
    assert len(inst.d) == 3


def test_dict_like_refuses_deleting_a_declared_key():
    inst = dict_module().make(d=dict(x=2, y=3))
    with pytest.raises(errors.SymmoduleError, match="Cannot replace entry 'd.x'"):
        del inst.d["x"]


def test_whole_dict_assignment_from_a_non_mapping_is_refused():
    inst = dict_module().make()
    with pytest.raises(errors.MemberValueError, match="give a dict"):
        inst.d = [1, 2]


def deep_module():
    m = M.Module()
    v = T.dscalar()
    m.deep = [dict(a=[v])]
    m.get = M.Method([], v * 2)
    return m


def test_nested_containers_to_depth_three_read_and_write():
    inst = deep_module().make()
    inst.deep[0]["a"][0] = 7
    np.testing.assert_allclose(inst.deep[0]["a"][0], 7.0)
    np.testing.assert_allclose(inst.get(), 14.0)


def test_nested_containers_to_depth_three_initialize_from_nested_values():
    inst = deep_module().make(deep=[dict(a=[4])])
    np.testing.assert_allclose(inst.get(), 8.0)


def test_item_path_reaches_into_nested_containers():
    inst = deep_module().make(deep=[dict(a=[4])])
    np.testing.assert_allclose(inst["deep.0.a.0"], 4.0)


# -- initialize ---------------------------------------------------------------------------------------------


def test_make_initializes_inner_modules_from_dicts():
    inst = nested_module().make(incdec1=dict(c=1), incdec2=dict(c=2))
    np.testing.assert_allclose([inst.incdec1.c, inst.incdec2.c], [1.0, 2.0])


def test_nested_init_dicts_reach_two_levels_down():
    m = M.Module()
    m.outer = nested_module()
    inst = m.make(outer=dict(incdec1=dict(c=5)))
    np.testing.assert_allclose(inst.outer.incdec1.c, 5.0)


def test_initialize_again_sets_members():
    inst = incdec_module().make(c=0)
    inst.initialize(c=7)
    np.testing.assert_allclose(inst.c, 7.0)


def test_initialize_on_an_inner_instance_sets_its_members():
    inst = nested_module().make(incdec1=dict(c=0), incdec2=dict(c=0))
    inst.incdec2.initialize(c=3)
    np.testing.assert_allclose(inst.sum(), 3.0)


def test_unknown_key_in_a_nested_init_dict_names_the_key():
    m = nested_module()
    with pytest.raises(errors.InitializationError, match="incdec1.*unknown initial value 'd'"):
        m.make(incdec1=dict(d=0))


def test_inner_module_initialize_override_receives_the_init_dict():
    class Sized(M.Module):
        def __init__(self):
            super().__init__()
            self.w = T.dvector()

        def _instance_initialize(self, inst, size=0, **init):
            inst.w = np.ones(size)
            M.default_initialize(inst, **init)

    m = M.Module()
    m.layer = Sized()
    inst = m.make(layer=dict(size=3))
    np.testing.assert_allclose(inst.layer.w, np.ones(3))


# -- pickle and deepcopy --------------------------------------------------------------------------------------


def aliased_module():
    """c is reached as m.c and m.lc[0]; the Method y as m.y and m.ly[0]."""
    m = M.Module()
    n = T.dscalar("n")
    m.c = T.dscalar()
    m.lc = [m.c]
    m.y = M.Method(n, [], c=m.c + n)
    m.ly = [m.y]
    m.get = M.Method([], m.c * 1)
    return m


def test_pickled_instance_keeps_member_values():
    inst = incdec_module().make(c=3)
    copy_ = pickle.loads(pickle.dumps(inst))
    np.testing.assert_allclose(copy_.c, 3.0)


def test_pickled_instance_has_its_own_state():
    inst = incdec_module().make(c=3)
    copy_ = pickle.loads(pickle.dumps(inst))
    copy_.inc(2)
    np.testing.assert_allclose([inst.c, copy_.c], [3.0, 5.0])


def test_pickled_instance_keeps_sharing_of_methods_and_members():
    inst = aliased_module().make(c=1)
    copy_ = pickle.loads(pickle.dumps(inst))
    assert copy_.y is copy_.ly[0]
    copy_.ly[0](4)
    np.testing.assert_allclose([copy_.c, copy_.lc[0], copy_.get()], [5.0, 5.0, 5.0])


def test_pickled_instance_keeps_plain_attributes():
    inst = incdec_module().make(c=3)
    inst.note = "hello"
    assert pickle.loads(pickle.dumps(inst)).note == "hello"


def test_deepcopy_has_its_own_state():
    inst = incdec_module().make(c=3)
    copy_ = copy.deepcopy(inst)
    copy_.inc(2)
    np.testing.assert_allclose([inst.c, copy_.c], [3.0, 5.0])


def test_deepcopy_does_not_share_arrays_with_the_original():
    inst = vector_module_with_scale().make(w=[1.0, 2.0])
    copy_ = copy.deepcopy(inst)
    copy_.w[0] = 100.0
    np.testing.assert_allclose(inst.w, [1.0, 2.0])


def test_deepcopy_keeps_one_method_object_for_two_paths():
    copy_ = copy.deepcopy(aliased_module().make(c=1))
    assert copy_.y is copy_.ly[0]


def test_deepcopy_keeps_one_storage_for_a_member_reached_by_two_paths():
    copy_ = copy.deepcopy(aliased_module().make(c=1))
    copy_.c = 6
    np.testing.assert_allclose([copy_.lc[0], copy_.get()], [6.0, 6.0])


def test_deepcopy_methods_share_the_copys_state():
    copy_ = copy.deepcopy(incdec_module().make(c=0))
    copy_.inc(4)
    np.testing.assert_allclose(copy_.plus10(), 14.0)


def test_deepcopy_of_nested_instance_keeps_outer_methods_reading_inner_state():
    copy_ = copy.deepcopy(nested_module().make(incdec1=dict(c=1), incdec2=dict(c=2)))
    copy_.incdec1.inc(10)
    np.testing.assert_allclose(copy_.sum(), 13.0)


def test_deepcopy_keeps_plain_attributes():
    inst = incdec_module().make()
    inst.input_size = 10
    assert copy.deepcopy(inst).input_size == 10


def test_deepcopy_of_an_inner_instance_is_independent():
    inst = nested_module().make(incdec1=dict(c=1), incdec2=dict(c=2))
    inner = copy.deepcopy(inst.incdec1)
    inner.inc(5)
    np.testing.assert_allclose([inst.incdec1.c, inner.c], [1.0, 6.0])


def test_matching_ndarray_given_to_make_is_stored_without_a_copy():
    arr = np.array([1.0, 2.0])
    inst = vector_module_with_scale().make(w=arr)
    assert inst.w is arr


def test_assigning_a_dict_to_an_inner_instance_initializes_it():
    inst = nested_module().make(incdec1=dict(c=0), incdec2=dict(c=0))
    inst.incdec1 = dict(c=5)
    np.testing.assert_allclose(inst.incdec1.c, 5.0)


def test_replacing_an_inner_instance_is_refused():
    inst = nested_module().make()
    with pytest.raises(errors.SymmoduleError, match="Cannot replace ModuleInstance 'incdec1'"):
        inst.incdec1 = 3


def test_dir_of_an_instance_lists_its_members_and_methods():
    names = dir(incdec_module().make())
    assert "c" in names and "inc" in names


def test_inner_module_instance_type_is_used_for_the_inner_instance():
    m = M.Module()
    m.inner = HidingModule()
    inst = m.make()
    assert type(inst.inner) is HidingInstance


def test_pickled_instance_keeps_its_instance_type():
    inst = HidingModule().make(secret=1, shown=2)
    copy_ = pickle.loads(pickle.dumps(inst))
    assert type(copy_) is HidingInstance
    np.testing.assert_allclose([copy_.secret, copy_.shown], [1.0, 2.0])


def test_deepcopy_of_a_list_holding_an_instance_and_its_inner_keeps_the_link():
    inst = nested_module().make(incdec1=dict(c=1), incdec2=dict(c=2))
    outer, inner = copy.deepcopy([inst, inst.incdec1])
    assert inner is outer.incdec1


def test_pickle_of_a_list_holding_an_instance_and_its_inner_keeps_the_link():
    inst = nested_module().make(incdec1=dict(c=1), incdec2=dict(c=2))
    outer, inner = pickle.loads(pickle.dumps([inst, inst.incdec1]))
    assert inner is outer.incdec1


def test_deepcopy_keeps_a_new_key_of_a_dict_like():
    # A dict-like container accepts a new key as a plain value, as a dict
    # would, and instances survive pickle and copy.deepcopy: a dict keeps its
    # keys when copied.
    inst = dict_module().make(d=dict(x=2, y=3))
    inst.d["z"] = "anything"
    assert copy.deepcopy(inst).d["z"] == "anything"


def test_pickle_keeps_a_new_key_of_a_dict_like():
    # Same rule as above, for pickle.
    inst = dict_module().make(d=dict(x=2, y=3))
    inst.d["z"] = "anything"
    assert pickle.loads(pickle.dumps(inst)).d["z"] == "anything"


def test_str_does_not_show_members_hidden_on_the_instance():
    inst = incdec_module().make(c=123)
    inst.__hide__ = ["c"]
    assert "123" not in str(inst)
