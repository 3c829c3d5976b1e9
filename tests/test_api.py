"""The public API: the names users import, and what ``dir(symmodule)`` shows.

The two ``__all__`` lists are frozen here on purpose. A new public name must be
added to the frozen list below deliberately, in the same change that adds it.
``dir(symmodule)`` is that list plus the public submodules (the Theano-named
door ``compile``, ``errors`` and ``modes``): the internals a user never imports
stay importable but are not advertised.
"""

import importlib
import types

import pytensor
import pytest

import symmodule
import symmodule.compile
import symmodule.compile.module
from symmodule.compile import module as M

SYMMODULE_ALL = [
    "AllocationError",
    "Blueprint",
    "CodeCache",
    "ComponentDict",
    "ComponentList",
    "External",
    "FancyModule",
    "Function",
    "In",
    "Member",
    "Method",
    "Mode",
    "Module",
    "ModuleInstance",
    "Out",
    "ProfileMode",
    "State",
    "SymmoduleError",
    "check",
    "code_cache",
    "config",
    "default_initialize",
    "effects",
    "function",
    "gof",
    "init",
    "introspect",
    "load",
    "load_state_dict",
    "merge",
    "models",
    "nn",
    "optim",
    "persist",
    "register_wrapper",
    "roles",
    "save",
    "shared",
    "split",
    "state_dict",
    "summary",
    "tensor",
]

COMPILE_MODULE_ALL = [
    "AllocationError",
    "Component",
    "ComponentDict",
    "ComponentList",
    "Composite",
    "External",
    "FancyModule",
    "Member",
    "Method",
    "Module",
    "ModuleInstance",
    "default_initialize",
    "register_wrapper",
]


PUBLIC_SUBMODULES = ["compile", "errors", "modes"]


def test_symmodule_all_is_frozen():
    assert sorted(symmodule.__all__) == SYMMODULE_ALL


def test_dir_shows_the_public_names_and_submodules_only():
    assert dir(symmodule) == sorted([*SYMMODULE_ALL, *PUBLIC_SUBMODULES, "__version__"])


@pytest.mark.parametrize("name", PUBLIC_SUBMODULES)
def test_every_public_submodule_in_dir_is_loaded_with_symmodule(name):
    assert isinstance(getattr(symmodule, name), types.ModuleType)


@pytest.mark.parametrize("name", ["compiled", "background", "linkers", "rewrites", "module", "function_interface"])
def test_internal_submodules_are_importable_but_not_in_dir(name):
    assert isinstance(getattr(symmodule, name), types.ModuleType)
    assert name not in dir(symmodule)


def test_help_points_to_the_documentation():
    doc = symmodule.__doc__
    assert "make docs" in doc and "docs/index.md" in doc and "python -m symmodule.demo" in doc
    for entry_point in ("Module", "Method", "ModuleInstance", "make(", "save", "load", "check", "function"):
        assert entry_point in doc, entry_point


def test_compile_module_all_is_frozen():
    assert sorted(symmodule.compile.module.__all__) == COMPILE_MODULE_ALL


@pytest.mark.parametrize("name", SYMMODULE_ALL)
def test_every_name_in_symmodule_all_exists(name):
    assert getattr(symmodule, name) is not None


@pytest.mark.parametrize("name", COMPILE_MODULE_ALL)
def test_every_name_in_compile_module_all_exists(name):
    assert getattr(M, name) is not None


@pytest.mark.parametrize("name", COMPILE_MODULE_ALL)
def test_compile_package_reexports_the_module_names(name):
    # "from symmodule.compile import Module, Method, ModuleInstance, ..."
    assert getattr(symmodule.compile, name) is getattr(M, name)


@pytest.mark.parametrize(
    "name",
    ["Module", "Method", "Member", "External", "ModuleInstance", "ComponentList", "ComponentDict", "FancyModule"],
)
def test_top_level_module_names_are_the_compile_module_ones(name):
    assert getattr(symmodule, name) is getattr(M, name)


def test_fancy_module_is_module():
    assert symmodule.FancyModule is symmodule.Module


def test_compile_io_provides_in_and_out():
    from symmodule.compile import io

    assert io.In is symmodule.In and io.Out is symmodule.Out


def test_compile_function_is_the_compiled_method_class():
    assert symmodule.compile.Function is symmodule.Function


def test_config_is_pytensors_config():
    assert symmodule.config is pytensor.config


def test_mode_is_a_pytensor_mode_with_print_summary():
    assert issubclass(symmodule.Mode, pytensor.compile.mode.Mode)
    assert callable(symmodule.Mode.print_summary)


@pytest.mark.parametrize("name", ["Variable", "Constant", "Container", "WrapLinkerMany", "OpWiseCLinker"])
def test_gof_provides_the_theano_names(name):
    assert getattr(symmodule.gof, name) is not None


def test_gof_variable_is_pytensors():
    from pytensor.graph.basic import Variable

    assert symmodule.gof.Variable is Variable


def test_allocation_error_is_the_same_class_everywhere():
    assert M.AllocationError is symmodule.AllocationError


# -- the Component API: the protocol methods exist and raise NotImplementedError on the base classes


@pytest.mark.parametrize("method", ["allocate", "build"])
def test_component_base_protocol_methods_raise_not_implemented(method):
    with pytest.raises(NotImplementedError, match=method):
        getattr(M.Component(), method)(None, None)


def test_component_base_pretty_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="pretty"):
        M.Component().pretty()


def test_composite_base_components_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="components_map"):
        list(M.Composite().components())


def test_composite_base_components_map_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="components_map"):
        list(M.Composite().components_map())


def test_composite_base_get_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="get"):
        M.Composite().get("x")


def test_composite_base_set_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="set"):
        M.Composite().set("x", 1)


def test_module_is_a_composite():
    assert issubclass(M.Module, M.Composite) and issubclass(M.Composite, M.Component)


# -- an instance's own namespace: its members and methods, and almost nothing else


def test_the_instance_class_has_one_public_method_initialize():
    public = [name for name in dir(symmodule.ModuleInstance) if not name.startswith("_")]
    assert public == ["initialize"]


@pytest.mark.parametrize(
    "name, function",
    [
        ("save", "symmodule.persist.save"),
        ("load", "symmodule.persist.load"),
        ("state_dict", "symmodule.persist.state_dict"),
        ("load_state_dict", "symmodule.persist.load_state_dict"),
        ("summary", "symmodule.introspect.summary"),
        ("effects", "symmodule.introspect.effects"),
        ("check", "symmodule.introspect.check"),
    ],
)
def test_the_free_functions_are_those_of_persist_and_introspect(name, function):
    module, _, attribute = function.rpartition(".")
    assert getattr(symmodule, name) is getattr(importlib.import_module(module), attribute)


@pytest.mark.parametrize("name", ["Blueprint", "State", "split", "merge"])
def test_the_pair_names_are_those_of_the_module_package(name):
    assert getattr(symmodule, name) is getattr(symmodule.module, name)
