"""Random module trees for the property tests, and a plain-NumPy model of their state.

A tree is drawn as plain data (so hypothesis can shrink it), then built into a
Module. The data:

* a *pool* of storage: float64 Variables of shape (), (2,) or (2, 3), some of
  them PyTensor shared variables. A pool entry may be placed at several paths
  (attributes, list items, dict values, inside inner modules): it is then ONE
  piece of state reached through all of them;
* modules: each has 1-3 children, a member (a pool index), a list or a dict of
  members, an inner module (nested up to ``MAX_DEPTH`` deep) or an inner
  module completed earlier (the same Module reached through another path);
* methods, each held by one module of the tree: one explicit float64 scalar
  input ``n``, updates ``member <- member * a + n * b`` of a subset of the
  members reachable from its module, and an output summing some of them. Some
  updates also add ``c * other.sum()`` for another member ``other``: reading
  a member that the same call updates is what makes "simultaneous" matter.

The model is ``{pool index: numpy array}``; a call computes every right-hand
side (and the output) from the old state, then assigns them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytensor
from hypothesis import strategies as st

import symmodule
from symmodule import tensor as T

SHAPES = [(), (2,), (2, 3)]
MAX_DEPTH = 3
# Dyadic numbers: every sum and product the tests compute is exact in float64,
# so the model and the compiled code agree whatever order a reduction uses.
SCALES = [-1.0, 0.5, 1.0, 1.5, 2.0]
OFFSETS = [-1.0, 0.0, 0.5, 1.0, 2.0]
CROSS = [0.5, -1.0]
ARGUMENTS = [-2.0, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0]


@dataclass
class ModuleSpec:
    children: list[tuple[str, tuple]] = field(default_factory=list)
    methods: list[MethodSpec] = field(default_factory=list)
    index: int = -1  # position in TreeSpec.modules (completion order)


@dataclass
class MethodSpec:
    name: str
    # (pool index, a, b, key path or None: keyed by the Variable, other pool index or None, c)
    updates: list[tuple[int, float, float, str | None, int | None, float]]
    outputs: list[int]


@dataclass
class TreeSpec:
    pool: list[tuple[tuple[int, ...], bool]]  # (shape, is a pytensor shared variable)
    root: ModuleSpec
    modules: list[ModuleSpec]  # every distinct module, in completion order (root last)
    seed: int
    keep_shared: list[bool]  # per pool entry: a shared variable keeps its own initial value


# --------------------------------------------------------------------------- walking a spec


def member_paths(spec: ModuleSpec, tree: TreeSpec, prefix: str = "") -> list[tuple[str, int]]:
    """Every ``(path, pool index)`` under ``spec``, aliases included, in assignment order."""
    found = []
    for name, child in spec.children:
        here = f"{prefix}.{name}" if prefix else name
        kind = child[0]
        if kind == "member":
            found.append((here, child[1]))
        elif kind == "list":
            found += [(f"{here}.{i}", item) for i, item in enumerate(child[1])]
        elif kind == "dict":
            found += [(f"{here}.{key}", item) for key, item in child[1]]
        elif kind == "module":
            found += member_paths(child[1], tree, here)
        else:  # modref
            found += member_paths(tree.modules[child[1]], tree, here)
    return found


def direct_member_paths(spec: ModuleSpec) -> list[tuple[str, int]]:
    """The member paths of ``spec`` that do not go through an inner module."""
    found = []
    for name, child in spec.children:
        if child[0] == "member":
            found.append((name, child[1]))
        elif child[0] == "list":
            found += [(f"{name}.{i}", item) for i, item in enumerate(child[1])]
        elif child[0] == "dict":
            found += [(f"{name}.{key}", item) for key, item in child[1]]
    return found


def module_paths(spec: ModuleSpec, tree: TreeSpec, prefix: str = "") -> list[tuple[str, ModuleSpec]]:
    """Every ``(path, module)`` of the tree, the root as ``''``, aliases included."""
    found = [(prefix, spec)]
    for name, child in spec.children:
        here = f"{prefix}.{name}" if prefix else name
        if child[0] == "module":
            found += module_paths(child[1], tree, here)
        elif child[0] == "modref":
            found += module_paths(tree.modules[child[1]], tree, here)
    return found


# --------------------------------------------------------------------------- drawing a spec


@st.composite
def tree_specs(draw, key_paths: str = "direct") -> TreeSpec:
    """A random tree. ``key_paths``: which paths may key an update ('direct' or 'any')."""
    pool = [
        (draw(st.sampled_from(SHAPES)), draw(st.integers(0, 3)) == 0)
        for _ in range(draw(st.integers(1, 5)))
    ]
    modules: list[ModuleSpec] = []
    tree = TreeSpec(pool, ModuleSpec(), modules, 0, [])

    def member() -> int:
        return draw(st.integers(0, len(pool) - 1))

    def module(depth: int) -> ModuleSpec:
        spec = ModuleSpec()
        for i in range(draw(st.integers(1, 3))):
            # Weighted towards inner modules and modules reached again: aliases are
            # where the interesting behaviour is.
            options = ["member", "member", "list", "dict"]
            if depth < MAX_DEPTH:
                options += ["module", "module"]
            if modules:
                options += ["modref", "modref"]
            kind = draw(st.sampled_from(options))
            if kind == "member":
                child: tuple = ("member", member())
            elif kind == "list":
                child = ("list", [member() for _ in range(draw(st.integers(1, 3)))])
            elif kind == "dict":
                child = ("dict", [(f"k{j}", member()) for j in range(draw(st.integers(1, 3)))])
            elif kind == "module":
                child = ("module", module(depth + 1))
            else:
                child = ("modref", draw(st.integers(0, len(modules) - 1)))
            spec.children.append((f"{kind[0]}{i}", child))
        spec.index = len(modules)
        modules.append(spec)  # complete: later children may refer to it
        return spec

    tree.root = module(0)
    # More modules reached again: attach an inner module to a module completed after
    # it (an ancestor, or a module elsewhere in the tree), never to a descendant.
    for _ in range(draw(st.integers(1, 2)) if len(modules) > 1 else 0):
        target = draw(st.integers(0, len(modules) - 2))
        holder = modules[draw(st.integers(target + 1, len(modules) - 1))]
        holder.children.append((f"a{len(holder.children)}", ("modref", target)))
    for j in range(draw(st.integers(1, 3))):
        holder = draw(st.sampled_from(modules))
        reachable = member_paths(holder, tree)
        if key_paths == "any":
            keyable = reachable
        else:
            keyable = direct_member_paths(holder)
        storages = sorted({pool_index for _, pool_index in reachable})
        updated = draw(st.lists(st.sampled_from(storages), unique=True, max_size=len(storages)))
        updates = []
        for pool_index in updated:
            paths = [path for path, index in keyable if index == pool_index]
            by_path = bool(paths) and (key_paths == "any" or draw(st.booleans()))
            if key_paths == "any" and len(paths) > 1:
                paths = paths[1:]  # prefer the paths that are not the first one: aliases
            key = draw(st.sampled_from(paths)) if by_path else None
            other = draw(st.sampled_from([None, *storages]))
            c = draw(st.sampled_from(CROSS)) if other is not None else 0.0
            updates.append((pool_index, draw(st.sampled_from(SCALES)), draw(st.sampled_from(OFFSETS)), key, other, c))
        outputs = draw(st.lists(st.sampled_from(storages), min_size=1, max_size=3))
        holder.methods.append(MethodSpec(f"f{j}", updates, outputs))
    tree.seed = draw(st.integers(0, 2**32 - 1))
    tree.keep_shared = [draw(st.booleans()) for _ in pool]
    return tree


@st.composite
def call_sequences(draw, tree: TreeSpec, min_size: int = 1, max_size: int = 6) -> list[tuple[int, int, float]]:
    """``(method index, path choice, n)`` triples; the path choice picks one path to the method's module."""
    count = sum(len(m.methods) for m in tree.modules)
    return draw(
        st.lists(
            st.tuples(st.integers(0, count - 1), st.integers(0, 7), st.sampled_from(ARGUMENTS)),
            min_size=min_size,
            max_size=max_size,
        )
    )


# --------------------------------------------------------------------------- building and the model


class Built:
    """The Module built from a spec, its methods, and the paths the checks use."""

    def __init__(self, tree: TreeSpec) -> None:
        self.tree = tree
        self.variables = []
        for shape, shared in tree.pool:
            if shared:
                value = np.random.default_rng(len(self.variables)).integers(-4, 5, size=shape) / 2.0
                self.variables.append(pytensor.shared(np.asarray(value, dtype="float64")))
            else:
                self.variables.append(T.tensor(dtype="float64", shape=(None,) * len(shape)))
        self.shared_values = {
            i: var.get_value().copy() for i, var in enumerate(self.variables) if tree.pool[i][1]
        }
        self.modules: dict[int, symmodule.Module] = {}
        self.root = self._module(tree.root)
        self.paths = member_paths(tree.root, tree)  # every (path, pool index)
        self.placed = sorted({index for _, index in self.paths})
        self.module_paths = module_paths(tree.root, tree)
        # every method once: (module spec, method spec), and the paths reaching its module
        self.methods = []
        for spec in tree.modules:
            holder_paths = [path for path, module in self.module_paths if module is spec]
            for method in spec.methods:
                self.methods.append((spec, method, holder_paths))

    def _module(self, spec: ModuleSpec) -> symmodule.Module:
        if spec.index in self.modules:
            return self.modules[spec.index]
        module = symmodule.Module()
        for name, child in spec.children:
            kind = child[0]
            if kind == "member":
                value: Any = self.variables[child[1]]
            elif kind == "list":
                value = [self.variables[i] for i in child[1]]
            elif kind == "dict":
                value = {key: self.variables[i] for key, i in child[1]}
            elif kind == "module":
                value = self._module(child[1])
            else:
                value = self._module(self.tree.modules[child[1]])
            setattr(module, name, value)
        self.modules[spec.index] = module
        for method in spec.methods:
            setattr(module, method.name, self._method(method))
        return module

    def _method(self, method: MethodSpec) -> symmodule.Method:
        n = T.dscalar("n")
        updates = {}
        for index, a, b, key, other, c in method.updates:
            var = self.variables[index]
            expression = var * a + n * b
            if other is not None:
                expression = expression + c * self.variables[other].sum()
            updates[key if key is not None else var] = expression
        output = sum(self.variables[index].sum() for index in method.outputs)
        return symmodule.Method(n, output, updates=updates)

    # -- the instance side -------------------------------------------------------------

    def initialize(self, inst: Any) -> tuple[dict[int, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
        """Give every member a value (through a random path); the model, and the arrays given."""
        rng = np.random.default_rng(self.tree.seed)
        model: dict[int, np.ndarray] = {}
        given = []
        for index in self.placed:
            shape, shared = self.tree.pool[index]
            if shared and self.tree.keep_shared[index]:
                model[index] = self.shared_values[index].copy()  # the instance starts from a copy
                continue
            value = rng.integers(-8, 9, size=shape) / 4.0
            value = np.asarray(value, dtype="float64")
            paths = [path for path, i in self.paths if i == index]
            inst[paths[int(rng.integers(len(paths)))]] = value  # the user's own array, not a copy
            model[index] = value.copy()
            given.append((value, value.copy()))
        return model, given

    def call(self, inst: Any, model: dict[int, np.ndarray] | None, step: tuple[int, int, float]) -> Any:
        """Run one call on ``inst`` and, when given, the same call on ``model``; return the output."""
        method_index, path_choice, n = step
        _spec, method, holder_paths = self.methods[method_index]
        path = holder_paths[path_choice % len(holder_paths)]
        holder = inst if path == "" else inst[path]
        out = getattr(holder, method.name)(n)
        if model is not None:
            expected = 0.0
            for index in method.outputs:
                expected = expected + model[index].sum()
            new = {}  # every right-hand side from the old state, then all assignments
            for index, a, b, _, other, c in method.updates:
                new[index] = model[index] * a + n * b
                if other is not None:
                    new[index] = new[index] + c * model[other].sum()
            model.update(new)
            np.testing.assert_allclose(out, expected, rtol=1e-12)
        return out

    def check(self, inst: Any, model: dict[int, np.ndarray]) -> None:
        """Every path reads the model's value, and all paths of one storage read one object."""
        first: dict[int, Any] = {}
        for path, index in self.paths:
            value = inst[path]
            assert isinstance(value, np.ndarray) and value.dtype == np.float64, path
            np.testing.assert_allclose(value, model[index], rtol=1e-12, err_msg=path)
            assert value.shape == model[index].shape, path
            if index in first:
                assert value is first[index], f"{path} is not the same storage as the other paths of it"
            else:
                first[index] = value
