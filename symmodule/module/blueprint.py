"""An instance as a pair: its blueprint (structure) and its state (values).

``make()`` plans a Module and compiles its Methods once; the result is a
:class:`Blueprint`, frozen from then on. Instantiating it allocates a
:class:`~symmodule.module.state.State` (every value the instance holds) and
binds the compiled functions to it. Everything about an instance is in that
pair, and :func:`split` / :func:`merge` go from one to the other:

>>> import symmodule
>>> from symmodule import tensor as T
>>> m = symmodule.Module()
>>> m.c = T.dscalar()
>>> m.inc = symmodule.Method([], [], c=m.c + 1)
>>> inst = m.make(c=0)
>>> blueprint, state = symmodule.split(inst)
>>> copy = symmodule.merge(blueprint, state)
>>> copy.inc()
>>> float(copy.c), float(inst.c)
(1.0, 0.0)

Pickling and deep-copying an instance, ``state_dict``, ``save``, ``load``,
``summary`` and ``effects`` are built on this pair: a pickled instance is
its blueprint (the plan and compiled code taken at ``make()``, never the
Module as it is now) and a snapshot of its state.
"""

from __future__ import annotations

import dataclasses
import pickle
import uuid
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.plan import Node, Plan
from symmodule.module.state import State

if TYPE_CHECKING:
    from symmodule.module.compiler import CompiledMethod
    from symmodule.module.instance import ModuleInstance

__all__ = ["Blueprint", "merge", "split"]

# Blueprints alive in this process, by token: a blueprint unpickled where its
# original lives is that original (same compiled code, nothing compiled again).
_LIVE: weakref.WeakValueDictionary[str, Blueprint] = weakref.WeakValueDictionary()


@dataclasses.dataclass(frozen=True, eq=False)
class Blueprint:
    """The structure of an instance: the plan taken at ``make()`` and the code compiled from it.

    Frozen and shared by every instance made from it (with
    :meth:`instantiate`, :func:`merge`, ``copy.deepcopy`` or pickle); a
    Module changed after ``make()`` does not change it. Get one with
    :func:`symmodule.split`.

    A blueprint pickles as its plan and its compiled functions (PyTensor
    ``FunctionMaker`` objects), pickled once and kept as bytes: unpickled in
    the process where it was made, it is the original blueprint (the bytes
    are not even read); elsewhere, the code is linked again at the first
    instance, without planning or rewriting the graphs again.

    Attributes
    ----------
    plan
        The :class:`~symmodule.module.plan.Plan`: the Module tree as it was
        at ``make()``, every piece of state (``plan.state``, in order) and
        every Method node (``plan.methods``).
    methods
        ``{Method node: CompiledMethod}``: each Method's compiled code (a
        ``FunctionMaker``, ``.maker``) and which state each input binds to.
        This is what the code cache stores, and what makes a second instance
        cost no compilation.
    path
        '' for the whole tree; for :meth:`at`, the inner module this blueprint
        makes instances of (``split(inst.layer)`` gives the tree's blueprint
        at ``'layer'``).
    layout
        None for an instance on one device; for ``make(mesh=...)``, the
        :class:`~symmodule.module.mesh.MeshLayout` giving each member's
        sharding over the mesh. A blueprint with a layout does not pickle
        (its devices belong to this process).

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.w = T.dvector()
    >>> k = T.dscalar('k')
    >>> m.scale = symmodule.Method(k, [], w=m.w * k)
    >>> blueprint, state = symmodule.split(m.make(w=[1.0, 2.0]))
    >>> blueprint.paths, blueprint.method_paths
    (('w',), ('scale',))
    >>> fresh = blueprint.instantiate()    # new storage, nothing compiled
    >>> fresh.w is None
    True
    """

    plan: Plan
    methods: Mapping[Node, CompiledMethod]
    #: Per method, this plan's own variables for the maker's explicit and state
    #: inputs, in order: compiled code may come from an equal Module, whose
    #: variables are other objects, and ``fn.container[var]`` must still work.
    variables: Mapping[Node, tuple[Variable, ...]]
    path: str = ""
    layout: Any = None
    token: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "methods", MappingProxyType(dict(self.methods)))
        set_(self, "variables", MappingProxyType(dict(self.variables)))
        if not self.path:
            _LIVE.setdefault(self.token, self)

    # -- what it holds ----------------------------------------------------------------------

    @property
    def module(self) -> Any:
        """The Module that was made (the object itself, as it is now)."""
        return self.plan.root.component

    @property
    def mode(self) -> Any:
        """The mode given to ``make()`` (None: the configured default)."""
        return self.plan.mode

    @property
    def paths(self) -> tuple[str, ...]:
        """The path of each piece of state, as :class:`State` names them (constants excluded)."""
        return tuple(spec.path for spec in self.plan.state.values() if not spec.readonly)

    @property
    def method_paths(self) -> tuple[str, ...]:
        """The path of each Method, in the tree's order."""
        return tuple(node.path for node in self.plan.methods)

    # -- instances ---------------------------------------------------------------------------

    def instantiate(self) -> ModuleInstance:
        """A new instance: fresh storage (members unset, generators seeded), the compiled code bound to it.

        ``_instance_initialize`` is not run: set the members, or use
        :func:`merge` to give the new instance a state. For a blueprint
        :meth:`at` an inner module, the whole tree is made and its inner
        instance returned.
        """
        from symmodule.module.instance import Builder

        root = Builder(self.whole()).build_root()
        return root[self.path] if self.path else root

    def at(self, path: str) -> Blueprint:
        """This blueprint, making instances of the inner module at ``path`` (a dotted path)."""
        node = self.plan.node_at(path) if path else self.plan.root
        from symmodule.module.module import Module

        if node is None or not isinstance(node.component, Module):
            known = [p for p, n in self.plan.paths.items() if p and isinstance(n.component, Module)]
            raise errors.ResolveError(
                errors.BLUEPRINT_NO_INSTANCE_AT.format(
                    path=path, module=type(self.module).__name__, known=", ".join(known) or "(none)"
                )
            )
        return dataclasses.replace(self, path=path)

    def whole(self) -> Blueprint:
        """The blueprint of the whole tree (``self`` when :attr:`path` is '')."""
        return self if not self.path else _LIVE.get(self.token) or dataclasses.replace(self, path="")

    # -- pickling ------------------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        whole = self.whole()
        if whole.layout is not None:
            # A layout refuses to pickle, with the reason: reached before any compiled code is tried.
            return (_restore, (self.token, None, self.path, whole.layout))
        return (_restore, (self.token, whole._payload(), self.path))

    def _payload(self) -> bytes | tuple[Any, ...]:
        """The plan and the compiled code, pickled once (the blueprint never changes)."""
        payload = self.__dict__.get("_sm_payload")
        if payload is None:
            parts = (self.plan, dict(self.methods), dict(self.variables))
            try:
                payload = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - left to the caller's pickler (cloudpickle pickles more)
                return parts
            object.__setattr__(self, "_sm_payload", payload)
        return payload

    def __deepcopy__(self, memo: dict[int, Any]) -> Blueprint:
        return self  # frozen: a copy would be the same blueprint

    def __repr__(self) -> str:
        where = f" at {self.path!r}" if self.path else ""
        return (
            f"<Blueprint of {type(self.module).__name__}{where}: "
            f"state {', '.join(self.paths) or '-'}; methods {', '.join(self.method_paths) or '-'}>"
        )


def _restore(token: str, payload: bytes | tuple[Any, ...], path: str, layout: Any = None) -> Blueprint:
    live = _LIVE.get(token)
    if live is None:
        plan, methods, variables = pickle.loads(payload) if isinstance(payload, bytes) else payload
        live = Blueprint(plan, methods, variables, token=token)
    return live.at(path) if path else live


def split(inst: ModuleInstance) -> tuple[Blueprint, State]:
    """An instance as its two halves: ``(blueprint, state)``.

    Parameters
    ----------
    inst
        What ``Module.make()`` returned, or an inner instance of it
        (``inst.layer``): the blueprint is then the tree's blueprint
        :meth:`~Blueprint.at` that inner module, and the state is the tree's.

    Returns
    -------
    blueprint : Blueprint
        The frozen structure taken at ``make()``.
    state : State
        The instance's live storage (not a copy): reading it reads the
        instance, writing it writes the instance. ``state.snapshot()`` takes
        a consistent ``{path: value}``; ``copy.deepcopy(state)`` a detached copy.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> layer = symmodule.Module()
    >>> layer.w = T.dvector()
    >>> m = symmodule.Module()
    >>> m.layer = layer
    >>> m.lr = T.dscalar()
    >>> inst = m.make(layer={'w': [1.0, 2.0]}, lr=0.1)
    >>> blueprint, state = symmodule.split(inst.layer)
    >>> blueprint.path, state.paths
    ('layer', ('layer.w', 'lr'))
    """
    from symmodule.module.instance import ModuleInstance

    if not isinstance(inst, ModuleInstance):
        raise errors.StateArgumentError(
            errors.STATE_NOT_AN_INSTANCE.format(
                function="split", argument="the instance", given=errors.describe_value(inst)
            )
        )
    root = inst._sm_root()
    blueprint: Blueprint = root._sm_blueprint
    path = inst._sm_path
    return (blueprint.at(path) if path else blueprint), root._sm_tree_state


def merge(blueprint: Blueprint, state: State | Mapping[str, Any]) -> ModuleInstance:
    """An instance made of ``blueprint``, holding copies of ``state``'s values.

    The new instance has storage of its own (a call of it changes nothing
    else) and runs the blueprint's compiled code (nothing is compiled).
    ``merge(*split(inst))`` is a copy of ``inst`` (without the plain
    attributes added to it after ``make()``, which are in neither half).

    Parameters
    ----------
    blueprint
        From :func:`split` (or unpickled).
    state
        A :class:`State` (live or detached), or ``{path: value}`` with an
        entry for each of ``blueprint.paths`` (``state.snapshot()``, say);
        values are converted to the members' types. None leaves a member unset.

    Returns
    -------
    ModuleInstance
        The new instance; for a blueprint at an inner module, the inner
        instance of a new tree.

    Raises
    ------
    symmodule.errors.StateDictError
        The state's paths are not exactly the blueprint's.

    Examples
    --------
    >>> import copy
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method([], [], c=m.c + 1)
    >>> blueprint, state = symmodule.split(m.make(c=5))
    >>> other = symmodule.merge(blueprint, {'c': 40})
    >>> other.inc()
    >>> float(other.c)
    41.0
    """
    if not isinstance(blueprint, Blueprint):
        raise errors.StateArgumentError(errors.MERGE_NOT_A_BLUEPRINT.format(given=errors.describe_value(blueprint)))
    if isinstance(state, State):
        values = state.detached().snapshot()
    elif isinstance(state, Mapping):
        values = dict(state)
    else:
        raise errors.StateArgumentError(
            errors.STATE_NOT_A_MAPPING.format(function="merge", given=errors.describe_value(state))
        )
    problems = []
    missing = [path for path in blueprint.paths if path not in values]
    unexpected = [path for path in values if path not in set(blueprint.paths)]
    if missing:
        problems.append("no value for " + ", ".join(map(repr, missing)))
    if unexpected:
        problems.append("no member at " + ", ".join(map(repr, unexpected)))
    if problems:
        raise errors.StateDictError(
            errors.MERGE_STATE_MISMATCH.format(module=type(blueprint.module).__name__, problems="; ".join(problems)),
            missing=missing,
            unexpected=unexpected,
        )
    return _instance_of(blueprint, values, convert=not isinstance(state, State))


def _instance_of(blueprint: Blueprint, values: Mapping[str, Any], *, convert: bool) -> ModuleInstance:
    """A new instance of ``blueprint`` holding ``values`` (by path) as they are, without copying."""
    inst = blueprint.instantiate()
    split(inst)[1].restore(values, convert=convert)
    return inst
