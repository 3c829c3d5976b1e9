"""Module: declaration (classification, read-back identity), resolve(), path_of(),
pretty(), register_wrapper, _instance_initialize, _instance_XXX, InstanceType,
reserved names and mode names."""

import numpy as np
import pytest
from modules import incdec_module

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.module import Constant


def components(module):
    return dict(module.components_map())


def nested_module():
    m = M.Module()
    m.incdec1 = incdec_module()
    m.incdec2 = incdec_module()
    m.sum = M.Method([], m.incdec1.c + m.incdec2.c)
    return m


# -- classification --------------------------------------------------------------------


def test_variable_without_owner_is_a_member():
    m = M.Module()
    m.c = T.dscalar()
    assert isinstance(components(m)["c"], M.Member)


def test_variable_with_owner_is_an_external():
    m = M.Module()
    m.c = T.dscalar()
    m.e = m.c + 1
    assert isinstance(components(m)["e"], M.External)


def test_method_attribute_is_a_method():
    m = incdec_module()
    assert components(m)["inc"] is m.inc


def test_module_attribute_is_an_inner_module():
    m = nested_module()
    assert components(m)["incdec1"] is m.incdec1


@pytest.mark.parametrize("value", [3, 2.5, True, np.arange(3.0)], ids=["int", "float", "bool", "ndarray"])
def test_number_bool_or_array_is_a_constant(value):
    m = M.Module()
    m.k = value
    assert isinstance(components(m)["k"], Constant)


def test_list_of_variables_is_a_component_list():
    m = M.Module()
    m.l = [T.dscalar(), T.dscalar()]
    assert isinstance(components(m)["l"], M.ComponentList)


def test_tuple_of_variables_is_a_component_list():
    m = M.Module()
    m.t = (T.dscalar(), T.dscalar())
    assert isinstance(components(m)["t"], M.ComponentList)


def test_dict_of_variables_is_a_component_dict():
    m = M.Module()
    m.d = dict(x=T.dscalar(), y=T.dscalar())
    assert isinstance(components(m)["d"], M.ComponentDict)


@pytest.mark.parametrize("value", [len, "a string", object()], ids=["function", "string", "object"])
def test_other_values_are_plain_attributes(value):
    m = M.Module()
    m.p = value
    assert "p" not in components(m)
    assert m.p is value


def test_list_with_a_plain_value_is_a_plain_attribute():
    m = M.Module()
    m.l = [T.dscalar(), "not a component"]
    assert "l" not in components(m)


def test_explicit_member_wrapper_reads_back_as_the_variable():
    m = M.Module()
    v = T.dscalar()
    m.x = M.Member(v)
    assert m.x is v
    assert isinstance(components(m)["x"], M.Member)


def test_explicit_external_wrapper_forces_an_external():
    m = M.Module()
    v = T.dscalar()
    m.x = M.External(v)
    assert m.x is v
    assert isinstance(components(m)["x"], M.External)


def test_member_of_a_computed_variable_raises_allocation_error():
    x = T.dscalar()
    with pytest.raises(M.AllocationError, match="must be a Variable with no owner"):
        M.Member(x + 1)


# -- read-back identity ------------------------------------------------------------------


def test_bool_reads_back_as_the_bool_true():
    # Declaring is storing: self.regularize = True reads back as the bool True.
    m = M.Module()
    m.regularize = True
    assert m.regularize is True


def test_false_bool_reads_back_falsy_for_if_tests():
    m = M.Module()
    m.regularize = False
    assert m.regularize is False


def test_number_reads_back_with_its_python_type():
    m = M.Module()
    m.k = 3
    assert type(m.k) is int and m.k == 3


def test_variable_reads_back_with_its_identity():
    m = M.Module()
    v = T.dscalar()
    m.c = v
    assert m.c is v


def test_list_reads_back_as_the_same_list():
    m = M.Module()
    items = [T.dscalar()]
    m.l = items
    assert m.l is items


def test_dict_reads_back_as_the_same_dict():
    m = M.Module()
    items = dict(x=T.dscalar())
    m.d = items
    assert m.d is items


def test_list_grown_with_append_after_assignment_is_seen_by_make():
    # self.layers = []; self.layers.append(Layer()) is the same list, and
    # make() sees every element appended.
    m = M.Module()
    m.layers = []
    m.layers.append(incdec_module())
    m.layers.append(incdec_module())
    inst = m.make()
    assert len(inst.layers) == 2
    inst.layers[1].c = 1
    inst.layers[1].inc(4)
    np.testing.assert_allclose(inst.layers[1].c, 5.0)


def test_variable_appended_after_assignment_is_a_member_of_the_instance():
    m = M.Module()
    m.l = []
    m.l.append(T.dscalar())
    inst = m.make(l=[7])
    np.testing.assert_allclose(inst.l[0], 7.0)


def test_member_added_to_subclass_instance_after_init_is_seen_by_make():
    class Counter(M.Module):
        def __init__(self):
            super().__init__()
            self.c = T.dscalar()

    m = Counter()
    m.extra = T.dscalar()
    inst = m.make(c=1, extra=2)
    np.testing.assert_allclose(inst.extra, 2.0)


def test_each_make_reflects_the_module_at_that_moment():
    m = M.Module()
    m.c = T.dscalar()
    first = m.make()
    m.d = T.dscalar()
    second = m.make(d=4)
    assert symmodule.split(first)[1].paths == ("c",)  # the first instance is a snapshot
    np.testing.assert_allclose(second.d, 4.0)


def test_replaced_attribute_is_seen_by_the_next_make():
    m = M.Module()
    m.c = T.dscalar()
    m.c = T.dvector()
    inst = m.make(c=[1, 2])
    np.testing.assert_allclose(inst.c, [1.0, 2.0])


# -- private attributes -------------------------------------------------------------------


def test_private_attribute_is_not_a_component():
    m = M.Module()
    m._x = T.dscalar()
    assert "_x" not in components(m)


def test_private_attribute_is_not_on_the_instance():
    m = M.Module()
    m._x = T.dscalar()
    inst = m.make()
    with pytest.raises(AttributeError):
        inst._x


def test_private_attribute_cannot_be_initialized():
    m = M.Module()
    m._x = T.dscalar()
    with pytest.raises(errors.InitializationError, match="'_x'"):
        m.make(_x=1)


def test_method_reading_a_private_variable_is_refused_by_make():
    m = M.Module()
    m._x = T.dscalar("hidden")
    m.f = M.Method([], m._x + 1)
    with pytest.raises(errors.DeclarationError, match=r"Method 'f'.*hidden.*neither one of the method's inputs"):
        m.make()


# -- resolve -------------------------------------------------------------------------------


def test_resolve_a_name_returns_the_members_variable():
    m = incdec_module()
    assert m.resolve("c") is m.c


def test_resolve_a_dotted_path_returns_the_inner_members_variable():
    m = nested_module()
    assert m.resolve("incdec1.c") is m.incdec1.c


def test_resolve_a_dotted_path_returns_the_inner_method():
    m = nested_module()
    assert m.resolve("incdec2.inc") is m.incdec2.inc


def test_resolve_returns_the_inner_module():
    m = nested_module()
    assert m.resolve("incdec1") is m.incdec1


def test_resolve_walks_into_lists():
    m = M.Module()
    layer = M.Module()
    layer.w = T.dmatrix()
    m.layers = [layer]
    assert m.resolve("layers.0.w") is layer.w


def test_resolve_walks_into_dicts():
    m = M.Module()
    m.d = dict(x=T.dscalar())
    assert m.resolve("d.x") is m.d["x"]


def test_resolve_a_variable_returns_it_where_it_lives():
    m = nested_module()
    assert m.resolve(m.incdec2.c) is m.incdec2.c


def test_resolve_a_variable_outside_the_tree_raises():
    m = nested_module()
    with pytest.raises(errors.ResolveError, match="not a member or expression anywhere"):
        m.resolve(T.dscalar("stranger"))


def test_resolve_with_method_filter_accepts_a_method():
    m = incdec_module()
    assert m.resolve("inc", M.Method) is m.inc


def test_resolve_with_member_filter_accepts_a_member():
    m = incdec_module()
    assert m.resolve("c", M.Member) is m.c


def test_resolve_with_module_filter_accepts_an_inner_module():
    m = nested_module()
    assert m.resolve("incdec1", M.Module) is m.incdec1


def test_resolve_with_a_filter_refuses_another_kind():
    m = incdec_module()
    with pytest.raises(errors.ResolveError, match="'c' is a Member, not a Method"):
        m.resolve("c", M.Method)


def test_resolve_not_found_names_the_path_and_the_nearest_names():
    m = nested_module()
    with pytest.raises(errors.ResolveError, match=r"nothing at 'incdec1\.cc'.*Nearest names: c"):
        m.resolve("incdec1.cc")


def test_resolve_not_found_at_the_root_names_the_nearest_inner_module():
    m = nested_module()
    with pytest.raises(errors.ResolveError, match="Nearest names: .*incdec1") as excinfo:
        m.resolve("incdec3.c")
    assert "incdec2" in str(excinfo.value)


def test_resolve_list_index_out_of_range_raises():
    m = M.Module()
    m.l = [T.dscalar()]
    with pytest.raises(errors.ResolveError, match=r"nothing at 'l\.3'"):
        m.resolve("l.3")


def test_resolve_does_not_reach_private_attributes():
    m = M.Module()
    m._x = T.dscalar()
    with pytest.raises(errors.ResolveError, match="'_x'"):
        m.resolve("_x")


# -- path_of ---------------------------------------------------------------------------------


def test_path_of_an_inner_member_is_its_dotted_path():
    m = nested_module()
    assert m.path_of(m.incdec2.c) == "incdec2.c"


def test_path_of_a_method():
    m = nested_module()
    assert m.path_of(m.incdec1.dec) == "incdec1.dec"


def test_path_of_a_list_element():
    m = M.Module()
    layer = M.Module()
    layer.w = T.dmatrix()
    m.layers = [layer]
    assert m.path_of(layer.w) == "layers.0.w"


def test_path_of_something_outside_the_tree_is_none():
    m = nested_module()
    assert m.path_of(T.dscalar()) is None


# -- pretty ------------------------------------------------------------------------------------


def test_pretty_shows_each_methods_inputs_outputs_and_updates():
    m = incdec_module()
    m.plus10 = M.Method([], m.c + 10)
    m.make()  # names c
    text = m.pretty()
    assert "method inc:" in text
    assert "inputs:  n" in text
    assert "c <- " in text
    assert "method plus10:" in text


def test_pretty_lists_the_members_with_their_paths():
    m = nested_module()
    text = m.pretty()
    assert "member incdec1.c" in text and "member incdec2.c" in text


# -- register_wrapper ----------------------------------------------------------------------------


class Tagged:
    def __init__(self, value):
        self.value = value


class TaggedModule(M.Module):
    pass


def test_register_wrapper_turns_a_value_into_a_component(monkeypatch):
    monkeypatch.setattr(TaggedModule, "_sm_wrappers", TaggedModule._sm_wrappers)
    M.register_wrapper(lambda v: isinstance(v, Tagged), lambda v: Constant(v.value), module_class=TaggedModule)
    m = TaggedModule()
    m.k = Tagged(4.0)
    inst = m.make()
    np.testing.assert_allclose(inst.k, 4.0)


def test_register_wrapper_on_a_subclass_leaves_module_alone(monkeypatch):
    monkeypatch.setattr(TaggedModule, "_sm_wrappers", TaggedModule._sm_wrappers)
    M.register_wrapper(lambda v: isinstance(v, Tagged), lambda v: Constant(v.value), module_class=TaggedModule)
    m = M.Module()
    m.k = Tagged(4.0)
    assert "k" not in components(m)


def test_register_wrapper_default_applies_to_module(monkeypatch):
    monkeypatch.setattr(M.Module, "_sm_wrappers", M.Module._sm_wrappers)
    M.register_wrapper(lambda v: isinstance(v, Tagged), lambda v: Constant(v.value))
    m = M.Module()
    m.k = Tagged(2.0)
    assert isinstance(components(m)["k"], Constant)


def test_register_wrapper_reaches_values_inside_lists(monkeypatch):
    monkeypatch.setattr(TaggedModule, "_sm_wrappers", TaggedModule._sm_wrappers)
    M.register_wrapper(lambda v: isinstance(v, Tagged), lambda v: Constant(v.value), module_class=TaggedModule)
    m = TaggedModule()
    m.l = [Tagged(1.0), Tagged(2.0)]
    inst = m.make()
    np.testing.assert_allclose(list(inst.l), [1.0, 2.0])


# -- _instance_initialize ----------------------------------------------------------------------------


class Sized(M.Module):
    def __init__(self):
        super().__init__()
        self.w = T.dvector()
        self.c = T.dscalar()

    def _instance_initialize(self, inst, size=None, **init):
        if size is not None:
            inst.w = np.arange(size, dtype="float64")
        M.default_initialize(inst, **init)


def test_instance_initialize_override_receives_its_own_keywords():
    inst = Sized().make(size=3)
    np.testing.assert_allclose(inst.w, [0.0, 1.0, 2.0])


def test_instance_initialize_override_passes_the_rest_to_default_initialize():
    inst = Sized().make(size=2, c=5)
    np.testing.assert_allclose(inst.c, 5.0)


def test_instance_initialize_override_receives_positional_arguments():
    class Positional(Sized):
        def _instance_initialize(self, inst, size, **init):
            super()._instance_initialize(inst, size=size, **init)

    inst = Positional().make(4)
    assert inst.w.shape == (4,)


def test_default_initialize_refuses_positional_arguments():
    m = incdec_module()
    with pytest.raises(errors.InitializationError, match=r"positional arguments \(3,\)"):
        m.make(3)


def test_default_initialize_unknown_key_names_the_key_and_the_members():
    m = incdec_module()
    with pytest.raises(errors.InitializationError, match=r"unknown initial value 'cc'.*existing ones are: (.*, )?c\b"):
        m.make(cc=0)


def test_initialize_override_runs_again_through_inst_initialize():
    inst = Sized().make(size=2)
    inst.initialize(size=5)
    assert inst.w.shape == (5,)


# -- _instance_XXX, InstanceType, component -----------------------------------------------------------


class Resettable(M.Module):
    def __init__(self):
        super().__init__()
        self.c = T.dscalar()

    def _instance_reset(self, inst, value=0.0):
        inst.c = value


def test_instance_method_becomes_a_method_of_the_instance():
    inst = Resettable().make(c=3)
    inst.reset(7)
    np.testing.assert_allclose(inst.c, 7.0)


def test_instance_method_of_an_inner_module_is_on_the_inner_instance():
    outer = M.Module()
    outer.inner = Resettable()
    inst = outer.make(inner=dict(c=3))
    inst.inner.reset()
    np.testing.assert_allclose(inst.inner.c, 0.0)


def test_instance_method_clashing_with_a_member_is_refused():
    m = Resettable()
    m.reset = T.dscalar()
    with pytest.raises(errors.DeclarationError, match="'reset' is reserved"):
        m.make()


class DoublingInstance(M.ModuleInstance):
    def doubled(self):
        return 2 * self.c


class WithInstanceType(M.Module):
    InstanceType = DoublingInstance

    def __init__(self):
        super().__init__()
        self.c = T.dscalar()


def test_instance_type_sets_the_class_of_the_instance():
    inst = WithInstanceType().make(c=2)
    assert type(inst) is DoublingInstance


def test_instance_type_methods_see_the_members():
    inst = WithInstanceType().make(c=2)
    np.testing.assert_allclose(inst.doubled(), 4.0)


def test_member_named_like_an_instance_type_method_is_refused():
    m = WithInstanceType()
    m.doubled = T.dscalar()
    with pytest.raises(errors.DeclarationError, match="'doubled' is reserved"):
        m.make()


def test_instance_component_is_the_module():
    m = incdec_module()
    assert m.make().component is m


def test_inner_instance_component_is_the_inner_module():
    m = nested_module()
    assert m.make().incdec1.component is m.incdec1


@pytest.mark.parametrize("name", ["component", "initialize"])
def test_reserved_names_are_refused_by_make(name):
    m = M.Module()
    setattr(m, name, T.dscalar())
    with pytest.raises(errors.DeclarationError, match=f"'{name}' is reserved on instances"):
        m.make()


def test_reserved_name_on_an_inner_module_names_its_path():
    m = M.Module()
    m.inner = M.Module()
    m.inner.component = T.dscalar()
    with pytest.raises(errors.DeclarationError, match="at 'inner'.*'component' is reserved"):
        m.make()


# -- modes -------------------------------------------------------------------------------------------


def test_unknown_mode_name_lists_the_available_modes():
    m = incdec_module()
    with pytest.raises(errors.ModeError, match=r"Unknown mode 'NOPE'\. Available modes: FAST_COMPILE, FAST_RUN"):
        m.make(mode="NOPE")


def test_mode_names_are_case_insensitive():
    m = incdec_module()
    inst = m.make(c=0, mode="fast_compile")
    inst.inc(1)
    np.testing.assert_allclose(inst.c, 1.0)


def test_fancy_module_is_module():
    assert M.FancyModule is M.Module
    assert symmodule.FancyModule is symmodule.Module


MOVED = ["state_dict", "load_state_dict", "save", "load", "summary", "effects"]


@pytest.mark.parametrize("name", MOVED)
def test_a_member_may_take_the_name_of_a_free_function(name):
    m = M.Module()
    setattr(m, name, T.dscalar())
    inst = m.make(**{name: 3.0})
    assert float(getattr(inst, name)) == 3.0


@pytest.mark.parametrize("name", MOVED)
def test_a_method_may_take_the_name_of_a_free_function(name):
    m = M.Module()
    m.c = T.dscalar()
    setattr(m, name, M.Method([], m.c * 2))
    inst = m.make(c=4.0)
    assert float(getattr(inst, name)()) == 8.0


@pytest.mark.parametrize("name", MOVED)
def test_the_moved_instance_methods_warn_and_name_the_free_function(name):
    inst = incdec_module().make(c=0)
    with pytest.warns(DeprecationWarning, match=rf"inst\.{name}\(\.\.\.\) is deprecated.*use symmodule\.{name}\("):
        getattr(inst, name)


def test_a_moved_instance_method_still_works_meanwhile(tmp_path):
    inst = incdec_module().make(c=2)
    with pytest.warns(DeprecationWarning):
        inst.save(tmp_path / "c.safetensors")
    fresh = incdec_module().make(c=0)
    with pytest.warns(DeprecationWarning):
        fresh.load(tmp_path / "c.safetensors")
    assert float(fresh.c) == 2.0


@pytest.mark.parametrize("name", MOVED)
def test_the_moved_names_are_not_in_dir_of_an_instance(name):
    assert name not in dir(incdec_module().make(c=0))


# -- Theano's make(*args, **kwargs) -----------------------------------------------------


class _SizedInstance(M.ModuleInstance):
    def initialize(self, n, m):
        self.c = n * m


def test_make_passes_its_arguments_to_a_custom_instance_types_initialize():
    module = M.Module()
    module.c = T.dscalar()
    module.InstanceType = _SizedInstance
    assert float(module.make(10, 2).c) == 20.0


def test_make_passes_keyword_arguments_to_a_custom_initialize_too():
    module = M.Module()
    module.c = T.dscalar()
    module.InstanceType = _SizedInstance
    assert float(module.make(n=3, m=4).c) == 12.0


def test_default_initialize_accepts_an_init_dict_given_positionally():
    inst = incdec_module().make({"c": 5})
    assert float(inst.c) == 5.0


def test_keywords_win_over_the_positional_init_dict():
    inst = incdec_module().make({"c": 5}, c=7)
    assert float(inst.c) == 7.0


def test_default_initialize_refuses_positional_arguments_that_are_not_one_dict():
    with pytest.raises(errors.InitializationError, match="takes only key=value pairs"):
        incdec_module().make(1, 2)
