"""An instance over a device mesh: data-parallel and sharded Modules on JAX.

``make(mode='JAX', mesh=mesh, sharding=rules)`` makes an instance whose
every Method is one jitted JAX computation over the devices of ``mesh`` (a
``jax.sharding.Mesh`` with an axis named ``'data'``):

* each argument of a method is split along its first dimension over the
  ``'data'`` axis (a 0-d argument, such as a learning rate, goes whole to
  every device);
* each Member keeps the sharding its rule gives it (whole on every device
  when no rule matches), between calls as well: the updates come back in
  that sharding, and stay on the devices;
* a method's outputs come back whole (replicated), so that every process
  can read them.

XLA partitions the computation and inserts the collectives (the gradient's
sum over the batch becomes an all-reduce); nothing here communicates. The
linker that jits with these shardings is
:class:`~symmodule._pytensor.ShardedJAXLinker`; this file decides the
shardings, places values, and checks what a user can get wrong.

Rules (``sharding={key: PartitionSpec}``) name members three ways, and for
each member the most specific rule matching it wins:

1. an exact path (any path reaching the member, aliases included);
2. a path glob (``'layers.*.w'``);
3. a role or tag (``'param'``, ``'regularizable'``, your own).

Two rules of the same kind matching one member with different specs are an
error. The mesh's axes are used as ``AxisType.Auto`` (XLA chooses the
shardings of intermediate results), whatever the mesh was built with.

A mesh of several processes (after ``jax.distributed.initialize``) works the
same way: every process runs the same script and passes the same arguments
(the whole batch), and each places only its own devices' shares.
"""

from __future__ import annotations

import fnmatch
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pytensor.compile.maker import FunctionMaker

from symmodule import errors
from symmodule._pytensor import (
    IndexCheckedJAXLinker,
    ShardedJAXLinker,
    compile_jit_once,
    linker_kind,
    load_jax_backend,
    relinked,
    updated_inputs,
)
from symmodule.compiled import COMPILING, Function
from symmodule.module import mesh_messages as messages
from symmodule.module.blueprint import Blueprint
from symmodule.module.cache import CodeCache
from symmodule.module.compiler import CompiledMethod, compile_plan
from symmodule.module.plan import Plan

__all__ = ["DATA_AXIS", "MeshFunction", "MeshLayout", "MeshPlacement", "make_on_mesh"]

#: The mesh axis a method's arguments are split over (their first dimension).
DATA_AXIS = "data"

_GLOB = set("*?[")


def make_on_mesh(
    module: Any, mode: Any, cache: CodeCache | None, check_finite: bool, mesh: Any, sharding: Any
) -> Blueprint:
    """The blueprint of ``module`` compiled for ``mesh``: what ``make(mesh=..., sharding=...)`` runs.

    The rules are checked before anything is compiled; the methods are
    compiled (or found in ``cache``) as in JAX mode, then linked again with
    the shardings of the mesh.
    """
    if mesh is None:
        raise errors.DeclarationError(messages.MESH_SHARDING_WITHOUT_MESH)
    mesh = _auto_mesh(mesh)
    plan = Plan(module, "JAX" if mode is None else mode, check_finite=check_finite)
    layout = MeshLayout(mesh, _specs(plan, mesh, {} if sharding is None else sharding), _paths(plan))
    blueprint = compile_plan(plan, cache)
    methods = {}
    for node, compiled in blueprint.methods.items():
        if linker_kind(compiled.maker.linker) != "jax":
            fix = f", and drop the mode of method {node.path!r}" if node.component.mode is not None else ""
            raise errors.ModeError(
                messages.MESH_NOT_JAX.format(where=f"Method {node.path!r}", mode=_mode_name(compiled.maker.mode), fix=fix)
            )
        methods[node] = CompiledMethod(_mesh_maker(compiled, layout, list(plan.state)), compiled.bindings)
    return Blueprint(plan, methods, blueprint.variables, layout=layout)


# -- the layout: a sharding per member ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MeshLayout:
    """How an instance's state is laid over a mesh: one ``PartitionSpec`` per array member.

    Held by the instance's blueprint (``split(inst)[0].layout``); None there
    means one device.

    Attributes
    ----------
    mesh
        The ``jax.sharding.Mesh`` (its axes as ``AxisType.Auto``).
    specs
        ``{state key: PartitionSpec}`` for every array member; other state
        (random generators) is kept whole on every device.
    paths
        ``{state key: path}``, for messages.

    Examples
    --------
    >>> import jax, numpy as np, symmodule
    >>> from jax.sharding import PartitionSpec as P
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.w = T.dmatrix()
    >>> m.scale = symmodule.Method(T.dscalar('k'), [], w=m.w * 2)
    >>> mesh = jax.make_mesh((len(jax.devices()),), ('data',))
    >>> inst = m.make(mesh=mesh, sharding={'w': P('data')}, w=np.ones((8, 2)))
    >>> layout = symmodule.split(inst)[0].layout
    >>> layout.spec_of('w') == P('data')
    True
    >>> inst.w.sharding.spec == P('data')
    True
    """

    mesh: Any
    specs: Mapping[object, Any]
    paths: Mapping[object, str]

    @property
    def data_size(self) -> int:
        """The number of devices of the ``'data'`` axis: how many shares a batch is split into."""
        return int(self.mesh.shape[DATA_AXIS])

    @property
    def waits(self) -> bool:
        """Whether each call waits for its results: on CPU devices, where XLA's collectives need it."""
        return all(device.platform == "cpu" for device in self.mesh.devices.flat)

    def spec_of(self, path: str) -> Any:
        """The ``PartitionSpec`` of the member at ``path`` (its first path)."""
        for key, where in self.paths.items():
            if where == path:
                return self.specs.get(key, _spec(()))
        raise errors.ResolveError(
            errors.STATE_UNKNOWN_PATH.format(path=path, paths=", ".join(self.paths.values()) or "(none)")
        )

    def sharding(self, spec: Any) -> Any:
        """The ``NamedSharding`` of ``spec`` on this mesh."""
        from jax.sharding import NamedSharding

        return NamedSharding(self.mesh, spec)

    def placement(self, key: object) -> MeshPlacement:
        """How the member ``key``'s values are placed when written (``MemberStorage``'s ``place``)."""
        spec = self.specs.get(key, _spec(()))
        return MeshPlacement(self.sharding(spec), self.paths[key])

    def __reduce__(self) -> Any:
        raise errors.UnsupportedStateError(messages.MESH_NOT_PICKLABLE)


class MeshPlacement:
    """Places a member's values on the mesh, in its sharding; the ``place`` of its storage cell.

    A NumPy array becomes a global ``jax.Array`` split as the member's spec
    says (each process placing its own devices' shares); an array whose
    lengths do not divide over the mesh axes it is split over is refused
    with the member's path. Other values (random generators) are left as
    they are: they are placed, whole, by the first call.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from jax.sharding import NamedSharding, PartitionSpec as P
    >>> mesh = jax.make_mesh((len(jax.devices()),), ('data',))
    >>> place = MeshPlacement(NamedSharding(mesh, P('data')), 'w')
    >>> placed = place(np.zeros((8, 2)))
    >>> placed.sharding.spec == P('data'), placed.shape
    (True, (8, 2))
    """

    __slots__ = ("sharding", "path")

    def __init__(self, sharding: Any, path: str) -> None:
        self.sharding = sharding
        self.path = path

    def __call__(self, value: Any) -> Any:
        import jax

        if isinstance(value, jax.Array):
            return value if value.sharding == self.sharding else jax.device_put(value, self.sharding)
        if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
            _check_divisible(value.shape, self.sharding, self.path)
            return put(value, self.sharding)
        return value

    def __reduce__(self) -> Any:
        raise errors.UnsupportedStateError(messages.MESH_NOT_PICKLABLE)


def put(value: Any, sharding: Any) -> Any:
    """``value`` (a NumPy array, or a tree of them) as a global ``jax.Array`` in ``sharding``.

    Every process passes the whole value; each places only the shares of
    its own devices. Leaves that already are ``jax.Array`` are kept.
    """
    import jax

    def leaf(host: Any) -> Any:
        if isinstance(host, jax.Array):
            return host
        host = np.asarray(host)
        if sharding.is_fully_addressable:
            return jax.device_put(host, sharding)
        return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])

    return jax.tree.map(leaf, value)


def _check_divisible(shape: tuple[int | None, ...], sharding: Any, path: str) -> None:
    mesh_shape = sharding.mesh.shape
    for axis, (length, entry) in enumerate(zip(shape, sharding.spec)):
        names = () if entry is None else (entry,) if isinstance(entry, str) else tuple(entry)
        size = int(np.prod([mesh_shape[name] for name in names], dtype=int))
        if size > 1 and length is not None and length % size:
            fix = list(sharding.spec)
            fix[axis] = None
            raise errors.MemberValueError(
                messages.MESH_SHAPE_NOT_DIVISIBLE.format(
                    member=path, axis=axis, length=length, size=size,
                    mesh_axis=names[0] if len(names) == 1 else names, spec=_show(sharding.spec),
                    fix=_show(_spec(tuple(fix))),
                )
            )


# -- rules -----------------------------------------------------------------------------------


def _auto_mesh(mesh: Any) -> Any:
    """``mesh`` with every axis ``AxisType.Auto``: XLA, not the types, chooses intermediate shardings."""
    from jax.sharding import AxisType, Mesh

    if not isinstance(mesh, Mesh):
        raise errors.DeclarationError(messages.MESH_NOT_A_MESH.format(given=errors.describe_value(mesh)))
    if DATA_AXIS not in mesh.axis_names:
        raise errors.DeclarationError(
            messages.MESH_NO_DATA_AXIS.format(axes=tuple(mesh.axis_names), shape=tuple(mesh.devices.shape))
        )
    load_jax_backend()
    return Mesh(mesh.devices, mesh.axis_names, axis_types=(AxisType.Auto,) * len(mesh.axis_names))


def _paths(plan: Plan) -> dict[object, str]:
    return {key: spec.path for key, spec in plan.state.items() if not spec.readonly}


def _reached(plan: Plan) -> dict[object, list[str]]:
    """Every path reaching each piece of state (aliases included)."""
    reached: dict[object, list[str]] = {key: [spec.path] for key, spec in plan.state.items()}
    for where, node in plan.paths.items():
        key = getattr(node.component, "variable", None)
        if key is not None and key in reached and where not in reached[key]:
            reached[key].append(where)
    return reached


def _specs(plan: Plan, mesh: Any, rules: Mapping[str, Any]) -> dict[object, Any]:
    """``{state key: PartitionSpec}`` for every array member, from ``rules``; checked against the mesh."""
    from jax.sharding import PartitionSpec

    if not isinstance(rules, Mapping):
        raise errors.DeclarationError(messages.MESH_RULES_NOT_A_MAPPING.format(given=errors.describe_value(rules)))
    checked = {}
    for key, spec in rules.items():
        if not isinstance(key, str):
            raise errors.DeclarationError(messages.MESH_BAD_RULE_KEY.format(key=key))
        if spec is None:
            spec = PartitionSpec()
        if not isinstance(spec, PartitionSpec):
            raise errors.DeclarationError(messages.MESH_BAD_SPEC.format(key=key, given=errors.describe_value(spec)))
        checked[key] = spec
    state = {key: spec for key, spec in plan.state.items() if not spec.readonly}
    reached = _reached(plan)
    used: set[str] = set()
    specs = {}
    for key, state_spec in state.items():
        paths = reached[key]
        chosen = _choose(state_spec.path, paths, state_spec.roles, checked, used)
        ndim = getattr(state_spec.type, "ndim", None)
        if chosen is None:
            if ndim is not None:
                specs[key] = PartitionSpec()
            continue
        rule, spec = chosen
        if ndim is None:
            if len(spec):
                raise errors.DeclarationError(
                    messages.MESH_SPEC_NOT_A_TENSOR.format(member=state_spec.path, key=rule, type=type(state_spec.type).__name__)
                )
            continue
        _check_spec(spec, rule, state_spec, mesh)
        specs[key] = spec
    roles = sorted({role for spec in state.values() for role in spec.roles})
    for rule in checked:
        if rule not in used:
            raise errors.DeclarationError(
                messages.MESH_RULE_MATCHES_NOTHING.format(
                    key=rule,
                    paths=", ".join(p for key in state for p in reached[key]) or "(none)",
                    roles=", ".join(roles) or "(none)",
                )
            )
    return specs


def _choose(
    member: str, paths: list[str], roles: frozenset[str], rules: Mapping[str, Any], used: set[str]
) -> tuple[str, Any] | None:
    """The rule for one member: its exact path's, else its globs', else its roles' (see the module)."""
    exact = [rule for rule in rules if rule in paths]
    globs = [rule for rule in rules if _GLOB & set(rule) and any(fnmatch.fnmatchcase(p, rule) for p in paths)]
    by_role = [rule for rule in rules if rule in roles and rule not in exact]
    used.update(exact, globs, by_role)
    for found in (exact, globs, by_role):
        if not found:
            continue
        distinct = {rules[rule] for rule in found}
        if len(distinct) > 1:
            raise errors.DeclarationError(
                messages.MESH_AMBIGUOUS_RULES.format(
                    member=member, rules=", ".join(map(repr, found)),
                    specs=", ".join(_show(rules[rule]) for rule in found), first=_show(rules[found[0]]),
                )
            )
        return found[0], rules[found[0]]
    return None


def _check_spec(spec: Any, rule: str, state_spec: Any, mesh: Any) -> None:
    member, ndim = state_spec.path, state_spec.type.ndim
    if len(spec) > ndim:
        fix = _spec(tuple(spec)[:ndim])
        raise errors.DeclarationError(
            messages.MESH_SPEC_TOO_LONG.format(
                member=member, key=rule, ndim=ndim, spec=_show(spec), length=len(spec), fix=_show(fix)
            )
        )
    seen: set[str] = set()
    for entry in spec:
        for name in () if entry is None else (entry,) if isinstance(entry, str) else tuple(entry):
            if name not in mesh.axis_names:
                raise errors.DeclarationError(
                    messages.MESH_UNKNOWN_AXIS.format(member=member, key=rule, axis=name, axes=tuple(mesh.axis_names))
                )
            if name in seen:
                raise errors.DeclarationError(
                    messages.MESH_AXIS_REPEATED.format(member=member, key=rule, axis=name, spec=_show(spec))
                )
            seen.add(name)
    # Lengths the type fixes are checked now; the others when a value is written.
    static = tuple(getattr(state_spec.type, "shape", ()) or ())
    if any(length is not None for length in static):
        from jax.sharding import NamedSharding

        _check_divisible(static, NamedSharding(mesh, spec), member)


def _spec(entries: tuple[Any, ...]) -> Any:
    from jax.sharding import PartitionSpec

    return PartitionSpec(*entries)


def _show(spec: Any) -> str:
    return "P(" + ", ".join(repr(entry) for entry in spec) + ")"


def _mode_name(mode: Any) -> str:
    return type(mode.linker).__name__.replace("Linker", "").upper() or type(mode).__name__


# -- compiled methods on the mesh -----------------------------------------------------------

# {maker compiled for one device: {shardings: the maker linked for them}}: a second
# make() on the same mesh with the same rules links nothing again.
_RELINKED: weakref.WeakKeyDictionary[FunctionMaker, dict[tuple, FunctionMaker]] = weakref.WeakKeyDictionary()


def _mesh_maker(compiled: CompiledMethod, layout: MeshLayout, keys: list[object]) -> FunctionMaker:
    maker = compiled.maker
    from jax.sharding import PartitionSpec

    whole = PartitionSpec()
    in_specs = []
    for spec, position in zip(maker.inputs, compiled.bindings):
        if not spec.implicit:
            ndim = getattr(spec.variable.type, "ndim", 0)
            in_specs.append(PartitionSpec(DATA_AXIS) if ndim else whole)
        elif position is not None:
            in_specs.append(layout.specs.get(keys[position], whole))
        else:
            in_specs.append(whole)
    updates = updated_inputs(maker)
    out_specs = [in_specs[updates[k]] if k in updates else whole for k in range(len(maker.fgraph.outputs))]
    signature = (layout.mesh, tuple(in_specs), tuple(out_specs))
    with COMPILING:  # two make() at once link once, as they compile once
        return _relinked_for(maker, signature, layout, in_specs, out_specs)


def _relinked_for(
    maker: FunctionMaker, signature: tuple, layout: MeshLayout, in_specs: list[Any], out_specs: list[Any]
) -> FunctionMaker:
    from jax.sharding import PartitionSpec

    whole = PartitionSpec()
    variants = _RELINKED.setdefault(maker, {})
    if signature not in variants:
        linker = ShardedJAXLinker(
            input_shardings=[layout.sharding(s) for s in in_specs],
            output_shardings=[layout.sharding(s) for s in out_specs],
            replicated=layout.sharding(whole),
            place=put,
            wait=layout.waits,
            check_indices=isinstance(maker.linker, IndexCheckedJAXLinker),
        )
        relinked_maker = relinked(maker, linker, MeshFunction)
        compile_jit_once(relinked_maker.linker)  # every instance on this mesh runs one jitted computation
        relinked_maker._sm_split = tuple(
            (k, spec.name) for k, (spec, s) in enumerate(zip(maker.inputs, in_specs)) if not spec.implicit and len(s)
        )
        relinked_maker._sm_data_size = layout.data_size
        variants[signature] = relinked_maker
    return variants[signature]


class MeshFunction(Function):
    """A compiled method of an instance on a mesh: it refuses a batch the ``'data'`` axis does not divide.

    Otherwise it is a :class:`~symmodule.compiled.Function` like any other;
    its arguments are split over the devices by the compiled code.

    Examples
    --------
    >>> import jax, numpy as np, symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.total = T.dscalar()
    >>> x = T.dvector('x')
    >>> m.add = symmodule.Method(x, [], total=m.total + x.sum())
    >>> mesh = jax.make_mesh((len(jax.devices()),), ('data',))
    >>> inst = m.make(mesh=mesh, total=0.0)
    >>> isinstance(inst.add, symmodule.module.mesh.MeshFunction)
    True
    >>> inst.add(np.ones(4 * len(jax.devices())))
    >>> float(inst.total) == 4 * len(jax.devices())
    True
    """

    __slots__ = ("_sm_split_inputs", "_sm_shares")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sm_split_inputs: tuple[tuple[int, str | None], ...] = self.maker._sm_split
        self._sm_shares: int = self.maker._sm_data_size

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        shares = self._sm_shares
        if shares > 1:
            for position, name in self._sm_split_inputs:
                value = args[position] if position < len(args) else kwargs.get(name) if name is not None else None
                if value is None:
                    continue
                shape = getattr(value, "shape", None)
                if shape is None:
                    shape = np.shape(value)
                if shape and shape[0] % shares:
                    raise errors.MethodArgumentError(
                        messages.MESH_BATCH_NOT_DIVISIBLE.format(
                            where=self._sm_describe(), name=name or f"<input {position}>", length=shape[0],
                            size=shares, lower=shape[0] // shares * shares or shares,
                            upper=(shape[0] // shares + 1) * shares,
                        )
                    )
        return super().__call__(*args, **kwargs)
