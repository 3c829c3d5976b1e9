"""Property tests: random module trees survive state_dict/save/load exactly.

A tree is drawn as plain data (so hypothesis can shrink it), then built:
members of many dtypes and ranks, pytensor shared variables, constants,
inner modules, lists and dicts of members, the same Variable at several
paths, the same inner Module at several paths, and RandomStreams. An
independent walk of the drawn tree says which paths are first paths and
which are aliases.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytensor
import pytensor.tensor as pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytensor.compile.sharedvalue import SharedVariable

import symmodule
from symmodule import tensor as T
from symmodule.persist import load, load_state_dict, read_checkpoint, save, state_dict

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int8", "uint8", "bool", "complex64", "complex128"]
STEPPED = ("float64", "float32")  # members the generated method updates


@st.composite
def trees(draw, with_method):
    """A drawn module tree: nested tuples, with references by index to earlier members/modules."""
    counts = {"members": 0, "modules": 0}

    def leaf():
        kinds = ["member", "member", "const"] + (["ref"] if counts["members"] else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "member":
            counts["members"] += 1
            return ("member", draw(st.sampled_from(DTYPES)), draw(st.integers(0, 2)), draw(st.booleans()))
        if kind == "ref":
            return ("ref", draw(st.integers(0, counts["members"] - 1)))
        return ("const", draw(st.integers(-5, 5)))

    def module(depth):
        children = []
        for i in range(draw(st.integers(1, 4))):
            options = ["leaf", "leaf", "list", "dict", "random"]
            if depth < 2:
                options.append("module")
            if counts["modules"]:
                options.append("modref")
            kind = draw(st.sampled_from(options))
            if kind == "leaf":
                child = leaf()
            elif kind == "list":
                child = ("list", [leaf() for _ in range(draw(st.integers(1, 3)))])
            elif kind == "dict":
                child = ("dict", [(f"k{j}", leaf()) for j in range(draw(st.integers(1, 3)))])
            elif kind == "random":
                child = ("random", draw(st.integers(1, 2)))
            elif kind == "module":
                child = module(depth + 1)
            else:
                child = ("modref", draw(st.integers(0, counts["modules"] - 1)))
            children.append((f"x{i}", child))
        counts["modules"] += 1  # complete: later siblings may refer to it
        return ("module", children)

    spec = module(0)
    seed = draw(st.integers(0, 2**32 - 1))
    unset = draw(st.sets(st.integers(0, max(counts["members"] - 1, 0)), max_size=2))
    return spec, seed, unset, with_method


class Built:
    """The module built from a drawn tree, and the oracle's view of its state."""

    def __init__(self, spec, seed, unset, with_method):
        self.variables = []  # (variable, dtype, ndim), in creation order
        self.modules = []  # completed modules, in completion order (what "modref" indexes)
        self.module_specs = []
        self.var_of = {}  # id(drawn member spec) -> its Variable
        self.draws = []
        self.first = {}  # state -> first path, in first-path order
        self.aliases = {}
        self.where = {}  # id(variable) -> a path to write it through
        self.rng = np.random.default_rng(seed)
        self.unset = unset
        self.root = self._module(spec)
        self._walk(spec, "")
        if with_method:
            # Methods cannot read shared-variable Members yet (symmodule's compiler
            # passes them as explicit inputs, which PyTensor refuses): leave them out.
            stepped = [(v, d) for v, d, _ in self.variables if d in STEPPED and not isinstance(v, SharedVariable)]
            updates = {v: pt.cast(v * 0.5 + 1, d) for v, d in stepped}
            outputs = [v.sum() for v, _ in stepped] + [d.sum() for d in self.draws] + [pt.constant(0.0)]
            self.root.step = symmodule.Method([], outputs, updates=updates)

    # -- building the Module -----------------------------------------------------------

    def _leaf(self, spec):
        kind = spec[0]
        if kind == "member":
            _, dtype, ndim, shared = spec
            if shared:
                shape = tuple(int(n) for n in self.rng.integers(0, 3, size=ndim))
                var = pytensor.shared(self.value(dtype, shape))
            else:
                var = pt.tensor(dtype=dtype, shape=(None,) * ndim)
            self.variables.append((var, dtype, ndim))
            self.var_of[id(spec)] = var
            return var
        if kind == "ref":
            return self.variables[spec[1]][0]
        return spec[1]

    def _module(self, spec):
        m = symmodule.Module()
        for name, child in spec[1]:
            kind = child[0]
            if kind == "module":
                value = self._module(child)
            elif kind == "modref":
                value = self.modules[child[1]]
            elif kind == "list":
                value = [self._leaf(item) for item in child[1]]
            elif kind == "dict":
                value = {key: self._leaf(item) for key, item in child[1]}
            elif kind == "random":
                value = T.randomstreams.RandomStreams(seed=int(self.rng.integers(1000)))
                self.draws += [value.uniform(size=(2,)) for _ in range(child[1])]
            else:
                value = self._leaf(child)
            setattr(m, name, value)
        self.modules.append(m)
        self.module_specs.append(spec)
        return m

    # -- the oracle: first paths and aliases from the drawn data alone ---------------------

    def _walk(self, spec, path):
        for name, child in spec[1]:
            here = f"{path}.{name}" if path else name
            kind = child[0]
            if kind == "module":
                self._walk(child, here)
            elif kind == "modref":
                self._walk(self.module_specs[child[1]], here)
            elif kind in ("list", "dict"):
                items = enumerate(child[1]) if kind == "list" else child[1]
                for key, item in items:
                    self._see_leaf(item, f"{here}.{key}")
            elif kind == "random":
                for i in range(child[1]):
                    self._see(("random", id(child), i), f"{here}.rng{i}")
            else:
                self._see_leaf(child, here)

    def _see_leaf(self, spec, path):
        if spec[0] == "const":
            return
        var = self.var_of[id(spec)] if spec[0] == "member" else self.variables[spec[1]][0]
        self.where.setdefault(id(var), path)
        self._see(id(var), path)

    def _see(self, state, path):
        if state in self.first:
            self.aliases[path] = self.first[state]
        else:
            self.first[state] = path

    # -- values ------------------------------------------------------------------------

    def value(self, dtype, shape):
        rng = self.rng
        if dtype == "bool":
            return rng.random(shape) > 0.5
        if dtype.startswith("complex"):
            return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(dtype)
        if dtype.startswith("float"):
            value = rng.normal(size=shape).astype(dtype)
            if value.size and rng.random() < 0.3:
                value.flat[0] = rng.choice([np.nan, np.inf, -0.0])
            return value
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def build(spec, seed, unset, with_method):
    return Built(spec, seed, unset, with_method)


def fill(built, inst):
    """Give every reachable member a random value, except the drawn unset ones (not stepped)."""
    for index, (var, dtype, ndim) in enumerate(built.variables):
        if id(var) not in built.where:
            continue
        path = built.where[id(var)]
        if index in built.unset and dtype not in STEPPED:
            inst[path] = None
            continue
        if isinstance(var, SharedVariable):
            # A strict load checks shapes against the target's current values, and a
            # fresh make() starts a shared variable from its own value: keep its shape,
            # as a model made again with the same configuration would.
            shape = var.get_value(borrow=True).shape
        else:
            shape = tuple(int(n) for n in built.rng.integers(0, 3, size=ndim))
        inst[path] = built.value(dtype, shape)


def frozen(sd):
    return {k: (v.dtype.str, v.shape, v.tobytes()) for k, v in sd.items()}


def check_round_trip(built, via_file):
    inst = built.root.make()
    fill(built, inst)
    sd = state_dict(inst)

    # The oracle: every piece of storage once, under its first path; aliases recorded.
    assert sorted(list(sd) + sd.unset) == sorted(built.first.values())
    assert list(sd) == [path for path in built.first.values() if path in sd]
    assert sd.aliases == built.aliases
    for alias, first in sd.aliases.items():
        if first in sd and not first.split(".")[-1].startswith("rng"):
            assert np.asarray(inst[alias]).tobytes() == sd[first].tobytes()

    fresh = built.root.make()
    if via_file:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "tree.safetensors"
            save(inst, path)
            assert frozen(read_checkpoint(path)) == frozen(sd)
            result = load(path, into=fresh)
    else:
        result = load_state_dict(fresh, sd)
    assert not (result.missing or result.unexpected or result.mismatched)
    after = state_dict(fresh)
    assert frozen(after) == frozen(sd) and after.unset == sd.unset and after.aliases == sd.aliases

    if hasattr(inst, "step"):
        for _ in range(2):
            a, b = inst.step(), fresh.step()
            assert [np.asarray(x).tobytes() for x in a] == [np.asarray(x).tobytes() for x in b]
        assert frozen(state_dict(inst)) == frozen(state_dict(fresh))


COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=400, **COMMON)
@given(trees(with_method=False), st.booleans())
def test_random_trees_round_trip(tree, via_file):
    check_round_trip(build(*tree), via_file)


@settings(max_examples=40, **COMMON)
@given(trees(with_method=True))
def test_random_trees_behave_identically_after_loading(tree):
    check_round_trip(build(*tree), via_file=True)
