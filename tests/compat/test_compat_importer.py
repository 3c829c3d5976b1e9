"""Theano's module paths under symmodule: imported as the modules standing for them, or refused."""

import importlib

import pytensor.graph.basic
import pytensor.graph.features
import pytest

import symmodule.compat.conv
from symmodule.compat import TheanoModuleGone


def test_import_gof_graph_is_pytensors_graph_module():
    import symmodule.gof.graph

    assert symmodule.gof.graph is pytensor.graph.basic


def test_from_gof_graph_import_a_name():
    from symmodule.gof.graph import Apply

    assert Apply is pytensor.graph.basic.Apply


def test_import_tensor_nnet_conv_is_the_conv_shim():
    import symmodule.tensor.nnet.conv

    assert symmodule.tensor.nnet.conv is symmodule.compat.conv


def test_from_tensor_nnet_conv_import_conv2d():
    from symmodule.tensor.nnet.conv import conv2d

    assert conv2d is symmodule.compat.conv.conv2d


def test_a_submodule_alias_of_a_package_door():
    assert importlib.import_module("symmodule.tensor.basic") is importlib.import_module("pytensor.tensor.basic")


def test_the_aliased_module_keeps_its_own_spec():
    importlib.import_module("symmodule.gof.toolbox")
    assert pytensor.graph.features.__spec__.name == "pytensor.graph.features"


def test_a_refused_module_path_says_why():
    with pytest.raises(TheanoModuleGone, match=r"theano\.gof\.cutils in Theano.*C code generation"):
        importlib.import_module("symmodule.gof.cutils")


def test_a_path_theano_did_not_have_is_not_found():
    with pytest.raises(ModuleNotFoundError, match="symmodule.gof.no_such_module"):
        importlib.import_module("symmodule.gof.no_such_module")


def test_a_name_that_is_not_a_module_is_not_imported():
    with pytest.raises(ModuleNotFoundError, match="symmodule.compile.get_mode"):
        importlib.import_module("symmodule.compile.get_mode")
