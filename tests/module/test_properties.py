"""Property tests: random module trees and random calls agree with a plain-NumPy model.

The trees (``_trees.py``) have float64 members of a few shapes, inner modules
nested 0-3 deep, lists and dicts of members, the same Variable reachable
through several paths, the same inner Module under several names, and
PyTensor shared variables as members. Each method takes a float64 scalar
``n``, updates some members as ``member * a + n * b`` (some plus
``c * other.sum()``, reading another member) and returns a sum of members.
The model applies a call's updates simultaneously: every right-hand side and
the output from the old state, then every assignment. After every call,
every path of the instance must read what the model says (and all paths of
one piece of storage the same array), and the outputs must match; then
``state_dict()`` loaded into a fresh ``make()`` must give the same values and
the same further behaviour.

The first test keys updates by Variable or by a path to a direct child of the
method's module; the second keys them by any path from that module, including
paths through an inner module that is also reached elsewhere.

Compiling is the expensive part, so each example makes its module once (the
second ``make()`` finds the compiled code in ``symmodule.code_cache``) and
runs all its checks on it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import symmodule


def _load_helper(name: str):
    # The tests run with --import-mode=importlib: a sibling module is not importable by name.
    key = f"symmodule_tests_module_{name.lstrip('_')}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[key]


_trees = _load_helper("_trees")
Built, call_sequences, tree_specs = _trees.Built, _trees.call_sequences, _trees.tree_specs

SETTINGS = {
    "max_examples": 30,
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _run(built: Built, inst, model, calls) -> list:
    outputs = []
    for step in calls:
        outputs.append(built.call(inst, model, step))
        built.check(inst, model)
    return outputs


@st.composite
def scenarios(draw, key_paths="direct"):
    tree = draw(tree_specs(key_paths))
    return tree, draw(call_sequences(tree)), draw(call_sequences(tree, max_size=4))


@settings(**SETTINGS)
@given(scenarios())
def test_calls_match_a_numpy_model_and_survive_a_state_dict_round_trip(scenario):
    tree, calls, more_calls = scenario
    built = Built(tree)
    inst = built.root.make()
    model, given_arrays = built.initialize(inst)
    built.check(inst, model)

    _run(built, inst, model, calls)

    # One entry per piece of storage; every other path is an alias.
    sd = symmodule.state_dict(inst)
    assert sorted(sd) == sorted({built.paths[[i for _, i in built.paths].index(k)][0] for k in built.placed})
    assert len(sd.aliases) == len(built.paths) - len(built.placed)

    fresh = built.root.make()
    symmodule.load_state_dict(fresh, sd)
    built.check(fresh, model)
    for path, _ in built.paths:
        a, b = np.asarray(inst[path]), np.asarray(fresh[path])
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), path

    # Identical further behaviour: the same outputs, bit for bit, and the model still holds.
    for step in more_calls:
        out_inst = built.call(inst, model, step)
        out_fresh = built.call(fresh, None, step)
        assert np.asarray(out_inst).tobytes() == np.asarray(out_fresh).tobytes()
        built.check(inst, model)
        built.check(fresh, model)
    assert {k: v.tobytes() for k, v in symmodule.state_dict(inst).items()} == {
        k: v.tobytes() for k, v in symmodule.state_dict(fresh).items()
    }

    # decisions.md: "your own array is never modified by symmodule", and a shared
    # variable's own value is never written.
    for value, original in given_arrays:
        assert value.tobytes() == original.tobytes()
    for index, original in built.shared_values.items():
        assert built.variables[index].get_value().tobytes() == original.tobytes()


# docs/decisions.md: "An update key that is a name is first looked up as a path from
# the module that holds the Method ('c', 'incdec1.c')"; and every path of the
# tree reads and writes the same storage. So any path from the holder to a member,
# including one through an inner module also reached elsewhere, may key an update.
def _inner_module_reached_twice():
    """root.m0 = A, root.a1 = A (A holds the member m0), and root.f0 updates 'a1.m0'."""
    inner = _trees.ModuleSpec(children=[("m0", ("member", 0))], index=0)
    root = _trees.ModuleSpec(children=[("m0", ("module", inner)), ("a1", ("modref", 0))], index=1)
    root.methods.append(_trees.MethodSpec("f0", [(0, -1.0, -1.0, "a1.m0", None, 0.0)], [0]))
    tree = _trees.TreeSpec([((), False)], root, [inner, root], 0, [False])
    return tree, [(0, 0, -2.0)], []


@settings(**SETTINGS)
@given(scenarios(key_paths="any"))
@example(_inner_module_reached_twice())
def test_updates_keyed_by_any_path_from_the_holder(scenario):
    tree, calls, _ = scenario
    built = Built(tree)
    inst = built.root.make()
    model, _ = built.initialize(inst)
    _run(built, inst, model, calls)


def test_two_makes_of_one_module_are_independent():
    """A fixed tree (with aliases and a shared variable): two instances never share state."""
    MethodSpec, ModuleSpec, TreeSpec = _trees.MethodSpec, _trees.ModuleSpec, _trees.TreeSpec
    inner = ModuleSpec(children=[("m0", ("member", 0)), ("l1", ("list", [1, 0]))], index=0)
    root = ModuleSpec(
        children=[("m0", ("module", inner)), ("r1", ("modref", 0)), ("d2", ("dict", [("k0", 2), ("k1", 1)]))],
        index=1,
    )
    inner.methods.append(MethodSpec("f0", [(0, 2.0, 1.0, "m0", 1, 0.5), (1, 0.5, -1.0, None, None, 0.0)], [0, 1]))
    root.methods.append(MethodSpec("f1", [(2, -1.0, 0.5, "d2.k0", 0, -1.0), (0, 1.5, 0.0, None, 2, 0.5)], [2]))
    tree = TreeSpec([((2, 3), False), ((2,), True), ((), False)], root, [inner, root], 7, [False, True, False])
    built = Built(tree)
    first, second = built.root.make(), built.root.make()
    model_1, _ = built.initialize(first)
    model_2, _ = built.initialize(second)
    calls = [(0, 0, 1.0), (1, 0, -0.5), (0, 1, 2.0), (1, 0, 0.25)]
    _run(built, first, model_1, calls)
    built.check(second, model_2)  # untouched by the calls on the first instance
    _run(built, second, model_2, calls[:2])
    built.check(first, model_1)
