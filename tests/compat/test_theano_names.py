"""Every public name of Theano is accounted for: provided, or refused with a reason and a replacement.

The walk reads the names table (``symmodule/compat/theano_names.tsv``) and
asks each symmodule door for each name, the way era code does
(``getattr`` step by step for a dotted path).
"""

from __future__ import annotations

import importlib
import sys
import types

import pytensor
import pytest
from pytensor.graph.basic import Apply
from pytensor.graph.rewriting.basic import PatternNodeRewriter, SubstitutionNodeRewriter, WalkingGraphRewriter

import symmodule
from symmodule.compat import TheanoModuleGone, TheanoNameGone, entries
from symmodule.errors import SymmoduleError


def _answer(entry):
    value = importlib.import_module(entry.door)
    for step in entry.name.split("."):
        value = getattr(value, step)
    return value


def test_every_theano_name_resolves_or_is_refused_with_a_reason():
    failures = []
    for entry in entries():
        try:
            _answer(entry)
        except TheanoNameGone as error:
            if "Use " not in str(error) and "Nothing replaces it" not in str(error):
                failures.append(f"{entry.namespace}.{entry.name}: refusal without a way out: {error}")
        except Exception as error:  # a bare AttributeError is exactly what must not happen
            failures.append(f"{entry.namespace}.{entry.name}: {type(error).__name__}: {error}")
    assert not failures, "\n".join(failures)


def test_the_table_covers_every_namespace_of_theano_the_era_used():
    namespaces = {entry.namespace for entry in entries()}
    assert namespaces == {
        "theano", "theano.tensor", "theano.tensor.nnet", "theano.compile", "theano.compile.module",
        "theano.compile.function_module", "theano.compile.function", "theano.compile.mode",
        "theano.compile.io", "theano.gof", "theano.printing", "theano.gradient",
        "theano.tensor.shared_randomstreams", "theano.tensor.randomstreams", "theano.tensor.raw_random",
        "theano.sandbox",
    }


def test_aliases_are_the_objects_the_table_names():
    wrong = []
    for entry in entries():
        for module, attribute in entry.targets:
            try:
                expected = importlib.import_module(module)
                for step in filter(None, attribute.split(".")):
                    expected = getattr(expected, step)
            except (ImportError, AttributeError):
                continue
            if _answer(entry) is not expected:
                wrong.append(f"{entry.namespace}.{entry.name}")
            break
    assert not wrong, wrong


def test_a_refused_name_is_an_attribute_error_and_a_symmodule_error():
    assert issubclass(TheanoNameGone, AttributeError) and issubclass(TheanoNameGone, SymmoduleError)


def test_a_refused_name_says_why_and_what_replaces_it():
    with pytest.raises(TheanoNameGone, match=r"theano\.tensor\.Tile .*symmodule\.tensor\.Tile.*Use symmodule\.tensor\.tile instead"):
        symmodule.tensor.Tile


def test_a_refused_name_without_replacement_says_so():
    with pytest.raises(TheanoNameGone, match="Theano's own test suite. Use pytest instead"):
        symmodule.gof.tests


def test_hasattr_is_false_for_a_refused_name():
    assert not hasattr(symmodule.sandbox, "cuda")


def test_a_name_theano_never_had_is_a_plain_attribute_error():
    with pytest.raises(AttributeError) as info:
        symmodule.no_such_name
    assert not isinstance(info.value, TheanoNameGone)


def test_importing_a_gone_theano_module_raises_an_import_error_naming_why():
    with pytest.raises(TheanoModuleGone, match=r"No module symmodule\.sandbox\.cuda .*no CUDA backend.*mode='JAX'"):
        importlib.import_module("symmodule.sandbox.cuda")


def test_from_import_of_a_gone_theano_module_raises_the_same_error():
    with pytest.raises(TheanoModuleGone, match="no CUDA backend"):
        from symmodule.sandbox import cuda  # noqa: F401


def test_a_gone_module_error_is_an_import_error_and_a_symmodule_error():
    assert issubclass(TheanoModuleGone, ImportError) and issubclass(TheanoModuleGone, SymmoduleError)
    assert not issubclass(TheanoModuleGone, ModuleNotFoundError)  # importlib would swallow it in from-imports


def test_the_gone_module_finder_leaves_other_packages_alone():
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module("symmodule.no_such_module")
    assert not isinstance(info.value, TheanoModuleGone)


def test_theano_names_stay_out_of_dir_of_symmodule():
    assert "printing" not in dir(symmodule) and "Param" not in dir(symmodule)


# -- the names seen missing on real programs


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("symmodule.printing.pprint", lambda: pytensor.printing.pprint),
        ("symmodule.pprint", lambda: pytensor.printing.pprint),
        ("symmodule.Op", lambda: symmodule.compat.ops.Op),
        ("symmodule.Apply", lambda: Apply),
        ("symmodule.dot", lambda: pytensor.tensor.dot),
        ("symmodule.scan", lambda: symmodule.compat.loops.scan),
        ("symmodule.compile.Mode", lambda: symmodule.Mode),
        ("symmodule.gof.OpSub", lambda: SubstitutionNodeRewriter),
        ("symmodule.gof.PatternSub", lambda: PatternNodeRewriter),
        ("symmodule.compile.module.FancyModuleInstance", lambda: symmodule.ModuleInstance),
    ],
)
def test_a_name_seen_missing_is_the_pytensor_or_symmodule_object(expression, expected):
    assert eval(expression) is expected()


def test_tensor_random_streams_is_the_module_random_streams():
    from symmodule.module.random import RandomStreams

    assert symmodule.tensor.RandomStreams is RandomStreams
    assert symmodule.tensor.shared_randomstreams.RandomStreams is RandomStreams


def test_topo_optimizer_is_pytensors_walking_rewriter():
    assert issubclass(symmodule.gof.TopoOptimizer, WalkingGraphRewriter)


def test_compile_fast_run_is_a_mode():
    assert isinstance(symmodule.compile.FAST_RUN, pytensor.compile.mode.Mode)


@pytest.mark.parametrize(
    "module", ["symmodule.tensor.shared_randomstreams", "symmodule.tensor.signal.downsample", "symmodule.sandbox.softsign"]
)
def test_a_theano_module_imports_under_symmodule(module):
    assert isinstance(importlib.import_module(module), types.ModuleType)


def test_nnet_conv_has_conv2d():
    from symmodule.tensor.nnet import conv

    assert callable(conv.conv2d)


def test_compile_function_attribute_stays_the_function_after_importing_the_module():
    import symmodule.compile.function  # noqa: F401

    assert symmodule.compile.function is symmodule.function
    assert sys.modules["symmodule.compile.function"].pfunc is symmodule.function


def test_opwise_c_linker_takes_theanos_arguments():
    linker = symmodule.gof.OpWiseCLinker(fallback_on_perform=True, nice_errors=False)
    assert isinstance(linker, symmodule.gof.OpWiseCLinker)
