"""Stage 4 of make(): storage, and the instance objects users hold.

:class:`Builder` turns a :class:`~symmodule.module.blueprint.Blueprint` into
a fresh instance tree: one storage cell per piece of state
(:class:`~symmodule.module.storage.MemberStorage`), gathered with the tree's
lock in one :class:`~symmodule.module.state.State`; one compiled function
per Method (``maker.create`` bound to those containers, no recompilation);
one :class:`ModuleInstance` per Module and list/dict-like objects for
containers. The same component reached through several paths is built once,
so every path sees the same object and the same storage.

Every read and write of a member through an instance (``inst.c``,
``inst.c = v``, ``inst.layers[0] = v``) takes the State's lock, as method
calls do; writes of several members at once are all or nothing
(:meth:`~symmodule.module.state.State.atomically`). Copies and pickles are
made from the instance's (blueprint, state) pair.
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from symmodule import errors
from symmodule._pytensor import add_input_key
from symmodule.compiled import Function, fresh_storage
from symmodule.module.initializers import run_initializers
from symmodule.module.member import External, convert_value
from symmodule.module.state import State
from symmodule.module.storage import MemberStorage, placement

if TYPE_CHECKING:
    from symmodule.module.blueprint import Blueprint
    from symmodule.module.plan import Node

__all__ = [
    "ModuleInstance",
    "FancyModuleInstance",
    "ListInstance",
    "DictInstance",
    "StateSlot",
    "Builder",
    "default_initialize",
    "initialize_rest",
]

# Names every instance has; a Module child with one of these names is refused at make().
RESERVED_NAMES = ("component", "initialize")

# Instance methods that became free functions, so that a Member or Method may take
# their names: name -> (what to write instead, module, function, how the instance is passed).
_MOVED: dict[str, tuple[str, str, str, str]] = {
    "state_dict": ("symmodule.state_dict(inst)", "symmodule.persist", "state_dict", "first"),
    "load_state_dict": ("symmodule.load_state_dict(inst, state)", "symmodule.persist", "load_state_dict", "first"),
    "save": ("symmodule.save(inst, path)", "symmodule.persist", "save", "first"),
    "load": ("symmodule.load(path, into=inst)", "symmodule.persist", "load", "into"),
    "summary": ("symmodule.summary(inst)", "symmodule.introspect", "summary", "first"),
    "effects": ("symmodule.effects(inst, method)", "symmodule.introspect", "effects", "first"),
}


class StateSlot:
    """A Member as seen from an instance: its storage cell (shared by every method), its path, the tree's lock."""

    __slots__ = ("container", "path", "lock")

    def __init__(self, container: MemberStorage, path: str, lock: Any) -> None:
        self.container = container
        self.path = path
        self.lock = lock

    def get(self) -> Any:
        with self.lock:
            return self.container.storage[0]

    def set(self, value: Any) -> None:
        container = self.container
        if container.readonly:
            raise errors.ReadonlyMemberError(
                errors.READONLY.format(member=self.path, value=container.storage[0])
            )
        value = container.prepare(None if value is None else convert_value(container.type, value, self.path))
        with self.lock:  # never while a call of the instance runs: it would overwrite this write
            container.storage[0] = value


class Builder:
    """Builds one instance tree from a blueprint (one ``Builder`` per instance)."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        place = placement(compiled.maker for compiled in blueprint.methods.values())
        layout = blueprint.layout  # on a device mesh, each member has a sharding of its own
        self.storage: dict[object, MemberStorage] = {
            key: MemberStorage(
                spec.type,
                _initial_value(spec),
                place=place if layout is None or spec.readonly else layout.placement(key),
                readonly=spec.readonly,
                name=spec.path,
            )
            for key, spec in blueprint.plan.state.items()
        }
        # One State, and so one lock, per instance tree: its methods share storage.
        self.state = State(list(self.storage.values()))
        self._built: dict[int, Any] = {}
        self._state_keys = list(blueprint.plan.state)

    def build_root(self) -> ModuleInstance:
        root = self.build(self.blueprint.plan.root)
        object.__setattr__(root, "_sm_blueprint", self.blueprint)
        object.__setattr__(root, "_sm_tree_state", self.state)
        for obj in _walk_instances(root, include_dicts=True, include_lists=True):
            if obj is not root:
                object.__setattr__(obj, "_sm_root_ref", root)
        return root

    def build(self, node: Node) -> Any:
        """The instance-side object of ``node``, built once however many paths reach it."""
        if id(node) not in self._built:
            self._built[id(node)] = node.component.build(self, node)
        return self._built[id(node)]

    def children(self, node: Node) -> list[tuple[Any, Any]]:
        """``(key, built object)`` for each child of a composite node."""
        return [(key, self.build(child)) for key, child in node.children]

    def state_slot(self, key: object) -> StateSlot:
        spec = self.blueprint.plan.state[key]
        return StateSlot(self.storage[key], spec.path, self.state.lock)

    def function(self, node: Node) -> Function:
        compiled = self.blueprint.methods[node]
        state = self.blueprint.plan.state
        keys = self._state_keys
        input_storage = [
            _default_storage(spec) if position is None else self.storage[keys[position]]
            for spec, position in zip(compiled.maker.inputs, compiled.bindings)
        ]
        fn = compiled.maker.create(input_storage)
        for variable, container in zip(self.blueprint.variables[node], fn.input_storage):
            add_input_key(fn, variable, container)
        fn._sm_where = f"Method {node.path!r}"
        fn._sm_lock = self.state.lock
        fn._sm_state = tuple(
            (self.storage[keys[position]], state[keys[position]].path)
            for position in compiled.bindings
            if position is not None
        )
        return fn


def _default_storage(spec: Any) -> Any:
    """Storage of a maker input that is not state: a shared variable's, or the In's own.

    An ``In(x, value=1.0)`` argument holds its default in storage of its own;
    each instance gets a copy, so that instances never share it.
    """
    value = getattr(spec, "value", None)
    return fresh_storage(value) if getattr(spec, "owns_value", False) else value


def _initial_value(spec: Any) -> Any:
    if spec.initial is None or spec.readonly:
        return spec.initial
    return convert_value(spec.type, copy.deepcopy(spec.initial), spec.path)


def atomically(obj: Any, block: Callable[[], Any]) -> Any:
    """Run ``block()`` under the tree's lock; if it raises, every member is put back as it was.

    Used by the operations that write several members one by one (assigning
    a whole container, initialising); ``obj`` is any object of the tree.
    """
    root = obj.__dict__.get("_sm_root_ref") or obj
    return root._sm_tree_state.atomically(block)


def assign_into(cell: Any, value: Any, where: str) -> None:
    """Write ``value`` through an instance cell: a member, a container or an inner module."""
    if isinstance(cell, StateSlot):
        cell.set(value)
    elif isinstance(cell, (ListInstance, DictInstance)):
        cell._sm_assign(value)
    elif isinstance(cell, ModuleInstance) and isinstance(value, Mapping):
        cell.initialize(**value)
    else:
        kind = "method" if isinstance(cell, Function) else type(cell).__name__
        raise errors.SymmoduleError(
            errors.CANNOT_REPLACE.format(kind=kind, name=where, where="the instance")
        )


def _read(cell: Any, where: str) -> Any:
    if isinstance(cell, StateSlot):
        return cell.get()
    if isinstance(cell, External):
        raise AttributeError(
            f"{where} is an External (the expression {cell.variable}), not state: instances "
            "hold no value for it. Return it from a Method to compute it."
        )
    return cell


class ModuleInstance:
    """What ``Module.make()`` returns: live state as attributes, compiled methods as methods.

    Reading a Member gives its stored value (the array itself: in-place edits
    are seen by every method); writing converts the value to the Member's type.
    Inner modules are inner instances; lists and dicts of components are
    list- and dict-like. ``inst.component`` is the Module that made it.

    An instance is a pair: its blueprint (the frozen structure ``make()``
    planned and compiled) and its state (every value it holds), which
    :func:`symmodule.split` returns and :func:`symmodule.merge` puts back
    together. Its own namespace holds only its members, methods and inner
    modules, plus ``component`` and ``initialize``: saving, loading and
    inspecting are free functions (:func:`symmodule.save`,
    :func:`symmodule.load`, :func:`symmodule.state_dict`,
    :func:`symmodule.summary`, ...), so a Member or Method may be named
    ``save`` or ``summary``.

    Reads and writes of members, method calls, copies and pickles of one
    instance tree take the same re-entrant lock, so each sees the state
    between two calls; and a call, even interrupted by ``KeyboardInterrupt``,
    leaves every member as before it or as after it.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method(T.dscalar('n'), [], c=m.c + 1)
    >>> inst = m.make(c=0)
    >>> inst.inc(5)
    >>> float(inst.c)
    1.0
    >>> inst.c = 10
    >>> float(inst['c'])
    10.0
    """

    #: Names that ``str(inst)`` does not show: members, inner modules, lists and
    #: dicts of this instance, and keys of its dicts.
    __hide__: Sequence[str] = ()

    # -- construction (by Builder, through Module.build) ----------------------------

    def _sm_setup(self, component: Any, path: str, children: list[tuple[Any, Any]]) -> None:
        set_ = object.__setattr__
        set_(self, "component", component)
        set_(self, "_sm_path", path)
        set_(self, "_sm_members", {})
        set_(self, "_sm_structure", {})
        for name, obj in children:
            if isinstance(obj, StateSlot):
                self._sm_members[name] = obj
            elif isinstance(obj, External):
                continue
            else:
                self._sm_structure[name] = obj
                set_(self, name, obj)

    # -- attribute access --------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: members live in _sm_members.
        members = self.__dict__.get("_sm_members")
        if members is not None and name in members:
            return members[name].get()
        if name in _MOVED and members is not None:
            return _moved(self, name)
        raise AttributeError(self._sm_missing(name))

    def __setattr__(self, name: str, value: Any) -> None:
        members = self.__dict__.get("_sm_members")
        if members is not None and name in members:
            members[name].set(value)
        elif name in self.__dict__.get("_sm_structure", ()):
            assign_into(self._sm_structure[name], value, self._sm_where(name))
        elif name == "component" or name.startswith("_sm_"):
            raise AttributeError(f"{name!r} is maintained by symmodule and cannot be set")
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._sm_members or name in self._sm_structure:
            raise AttributeError(
                f"Cannot delete {self._sm_where(name)}: it is part of the structure fixed by make(); "
                f"set a member to None to unset it."
            )
        object.__delattr__(self, name)

    def __getitem__(self, path: str) -> Any:
        """``inst['c']`` is ``inst.c``; dotted paths walk down: ``inst['incdec1.c']``."""
        *parents, last = str(path).split(".")
        holder = self._sm_walk(parents)
        return holder[_index(last)] if not isinstance(holder, ModuleInstance) else getattr(holder, last)

    def __setitem__(self, path: str, value: Any) -> None:
        *parents, last = str(path).split(".")
        holder = self._sm_walk(parents)
        if isinstance(holder, ModuleInstance):
            setattr(holder, last, value)
        else:
            holder[_index(last)] = value

    def _sm_walk(self, parts: list[str]) -> Any:
        holder: Any = self
        for part in parts:
            holder = getattr(holder, part) if isinstance(holder, ModuleInstance) else holder[_index(part)]
        return holder

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._sm_members))

    def _sm_where(self, name: str) -> str:
        return f"{self._sm_path}.{name}" if self._sm_path else name

    def _sm_missing(self, name: str) -> str:
        where = self._sm_where(name)
        component = self.__dict__.get("component")
        raw = component.__dict__.get(name) if component is not None else None
        if raw is not None:
            from symmodule.module.member import wrap

            if isinstance(wrap(raw, type(component)._sm_wrappers), External):
                return (
                    f"{where} is an External (a computed expression), not state: instances "
                    "hold no value for it. Return it from a Method to compute it."
                )
            return (
                f"{where} is a plain attribute of the Module, not copied to instances; "
                f"read it as inst.component.{name}."
            )
        known = sorted(set(self.__dict__.get("_sm_members", ())) | set(self.__dict__.get("_sm_structure", ())))
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        return f"{type(self).__name__} has no member, method or attribute {where!r}.{hint}"

    # -- display in notebooks ------------------------------------------------------------

    def _repr_html_(self) -> str:
        from symmodule.introspect import summary

        return summary(self)._repr_html_()

    # -- initialisation -------------------------------------------------------------------

    def initialize(self, *args: Any, **init: Any) -> None:
        """Run the Module's ``_instance_initialize`` on this instance again.

        All or nothing: if it raises (or is interrupted), every member keeps
        its previous value.
        """
        atomically(self, lambda: self.component._instance_initialize(self, *args, **init))

    # -- display ---------------------------------------------------------------------------

    def __str__(self) -> str:
        return "\n".join(self._sm_lines(0))

    def _sm_lines(self, depth: int) -> list[str]:
        pad = "  " * (depth + 1)
        lines = [f"{type(self).__name__} of {type(self.component).__name__}:"]
        hidden = set(self.__hide__)
        for name, slot in self._sm_members.items():
            if name not in hidden:
                lines.append(f"{pad}{name} = {_short(slot.get())}")
        for name, obj in self._sm_structure.items():
            if name in hidden:
                continue
            if isinstance(obj, ModuleInstance):
                inner = obj._sm_lines(depth + 1)
                lines.append(f"{pad}{name} = {inner[0]}")
                lines.extend(inner[1:])
            elif isinstance(obj, DictInstance):
                shown = ", ".join(f"{k!r}: {_short(obj[k])}" for k in obj if k not in hidden)
                lines.append(f"{pad}{name} = {{{shown}}}")
            elif isinstance(obj, ListInstance):
                lines.append(f"{pad}{name} = {obj!r}")
        return lines

    def __repr__(self) -> str:
        members = ", ".join(self._sm_members) or "-"
        methods = ", ".join(n for n, o in self._sm_structure.items() if isinstance(o, Function)) or "-"
        return f"<{type(self).__name__} of {type(self.component).__name__}: members {members}; methods {methods}>"

    # -- copies: both made from the (blueprint, state) pair --------------------------------

    def __deepcopy__(self, memo: dict[int, Any]) -> ModuleInstance:
        root = self._sm_root()
        if root is not self:
            return copy.deepcopy(root, memo)[self._sm_path]
        blueprint, state = root._sm_blueprint, root._sm_tree_state
        with state.lock:
            values = state.snapshot()
            extras = _extras(self)
        new = blueprint.instantiate()
        memo[id(self)] = new
        new._sm_tree_state.restore(copy.deepcopy(values, memo), convert=False)
        _put_extras(new, extras, lambda value: copy.deepcopy(value, memo))
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        root = self._sm_root()
        if root is not self:
            return (_subinstance, (root, self._sm_path))
        # The blueprint taken at make(), never the Module as it is now (invariant 5).
        state = root._sm_tree_state
        with state.lock:
            values = state.snapshot()
            extras = _extras(self)
        return (_restore_pair, (root._sm_blueprint, values, extras))

    def _sm_root(self) -> ModuleInstance:
        return self.__dict__.get("_sm_root_ref") or self

    def _sm_at(self, path: str) -> Any:
        return self if not path else self._sm_walk(path.split("."))


#: Theano's name for ModuleInstance, the class of what a FancyModule makes.
FancyModuleInstance = ModuleInstance


def _extras(root: ModuleInstance) -> dict[str, dict[Any, Any]]:
    """What users added after make(): plain attributes of instances, new keys of dict-likes.

    Keyed by the path of the instance or dict-like that holds them, so that a
    copy rebuilt from the blueprint can receive them (see :func:`_put_extras`).
    """
    found: dict[str, dict[Any, Any]] = {}
    for obj in _walk_instances(root, include_dicts=True):
        if isinstance(obj, ModuleInstance):
            extras = {
                name: value
                for name, value in obj.__dict__.items()
                if not name.startswith("_sm_") and name != "component" and name not in obj._sm_structure
            }
        else:
            extras = {k: v for k, v in obj._sm_cells.items() if k not in obj._sm_declared}
        if extras:
            found[obj._sm_path] = extras
    return found


def _put_extras(root: ModuleInstance, extras: dict[str, dict[Any, Any]], copy_value: Any) -> None:
    for path, entries in extras.items():
        target = root._sm_at(path)
        for name, value in entries.items():
            if isinstance(target, ModuleInstance):
                object.__setattr__(target, name, copy_value(value))
            else:
                target._sm_cells[name] = copy_value(value)


def _walk_instances(root: ModuleInstance, include_dicts: bool = False, include_lists: bool = False) -> Iterator[Any]:
    """Every ModuleInstance of the tree once (and every dict-like and list-like, if asked)."""
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, ModuleInstance):
            yield obj
            stack.extend(obj._sm_structure.values())
        elif isinstance(obj, ListInstance):
            if include_lists:
                yield obj
            stack.extend(obj._sm_cells)
        elif isinstance(obj, DictInstance):
            if include_dicts:
                yield obj
            stack.extend(obj._sm_cells[k] for k in obj._sm_declared)


def _restore_pair(blueprint: Blueprint, values: dict[str, Any], extras: dict[str, dict[str, Any]]) -> ModuleInstance:
    """Unpickle an instance: its blueprint, its state's values (unpickled: no copy needed), its extras."""
    from symmodule.module.blueprint import _instance_of

    inst = _instance_of(blueprint, values, convert=False)
    _put_extras(inst, extras, lambda value: value)
    return inst


def _restore_instance(
    module: Any,
    mode: Any,
    state: dict[str, Any],
    extras: dict[str, dict[str, Any]],
    check_finite: bool = False,
) -> ModuleInstance:
    """Unpickle an instance pickled by symmodule 0.1 before blueprints pickled: plan the pickled Module again."""
    from symmodule.module.cache import code_cache
    from symmodule.module.compiler import compile_plan
    from symmodule.module.plan import Plan

    inst = compile_plan(Plan(module, mode, check_finite=check_finite), code_cache).instantiate()
    tree_state = inst._sm_tree_state
    tree_state.restore({path: value for path, value in state.items() if path in tree_state}, convert=False)
    _put_extras(inst, extras, lambda value: value)
    return inst


def _moved(inst: ModuleInstance, name: str) -> Callable[..., Any]:
    """``inst.save`` and the like, when no member or method takes the name: the free function, with a warning."""
    replacement, module, function_name, passed = _MOVED[name]
    warnings.warn(
        errors.MOVED_INSTANCE_METHOD.format(name=name, replacement=replacement), DeprecationWarning, stacklevel=3
    )
    function = getattr(importlib.import_module(module), function_name)
    if passed == "into":
        return functools.partial(function, into=inst)
    return functools.partial(function, inst)


def _subinstance(root: ModuleInstance, path: str) -> Any:
    return root[path]


def _index(part: str) -> Any:
    return int(part) if part.lstrip("-").isdigit() else part


def _short(value: Any) -> str:
    text = repr(value) if not hasattr(value, "shape") or value.ndim == 0 else str(value)
    if hasattr(value, "ndim") and value.ndim == 0:
        text = str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= 72 else text[:69] + "..."


class ListInstance(Sequence):
    """A list (or tuple) of components on an instance: members read and write by index."""

    def __init__(self, children: list[tuple[Any, Any]], path: str, *, as_tuple: bool = False) -> None:
        self._sm_cells = [obj for _, obj in children]
        self._sm_path = path
        self._sm_tuple = as_tuple

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [_read(cell, self._sm_where(i)) for i, cell in zip(range(len(self._sm_cells))[index], self._sm_cells[index])]
        return _read(self._sm_cells[index], self._sm_where(index))

    def __setitem__(self, index: int, value: Any) -> None:
        assign_into(self._sm_cells[index], value, self._sm_where(index))

    def __len__(self) -> int:
        return len(self._sm_cells)

    def _sm_where(self, index: Any) -> str:
        return f"{self._sm_path}.{index}"

    def _sm_assign(self, values: Any) -> None:
        values = list(values)
        if len(values) != len(self._sm_cells):
            raise errors.MemberValueError(
                f"Cannot assign {len(values)} values to {self._sm_path!r}, which has "
                f"{len(self._sm_cells)} elements; give exactly one value per element."
            )
        def assign() -> None:
            for index, value in enumerate(values):
                self[index] = value

        atomically(self, assign)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, ListInstance)):
            return len(self) == len(other) and all(bool(a == b) for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = ", ".join(_short(v) for v in self)
        return f"({items}{',' if len(self) == 1 else ''})" if self._sm_tuple else f"[{items}]"


class DictInstance(MutableMapping):
    """A dict of components on an instance: members read and write by key.

    A new key stores a plain value, as a dict would; keys that came from the
    Module cannot be deleted.
    """

    def __init__(self, children: dict[Any, Any], path: str) -> None:
        self._sm_cells = children
        self._sm_path = path
        self._sm_declared = frozenset(children)

    def __getitem__(self, key: Any) -> Any:
        return _read(self._sm_cells[key], self._sm_where(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        if key in self._sm_declared:
            assign_into(self._sm_cells[key], value, self._sm_where(key))
        else:
            self._sm_cells[key] = value

    def __delitem__(self, key: Any) -> None:
        if key in self._sm_declared:
            raise errors.SymmoduleError(
                errors.CANNOT_REPLACE.format(kind="entry", name=self._sm_where(key), where="the instance")
            )
        del self._sm_cells[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._sm_cells)

    def __len__(self) -> int:
        return len(self._sm_cells)

    def _sm_where(self, key: Any) -> str:
        return f"{self._sm_path}.{key}"

    def _sm_assign(self, values: Mapping[Any, Any]) -> None:
        if not isinstance(values, Mapping):
            raise errors.MemberValueError(
                f"Cannot assign {type(values).__name__} to the dict-like {self._sm_path!r}; give a dict."
            )
        def assign() -> None:
            for key, value in values.items():
                self[key] = value

        atomically(self, assign)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {_short(self[k])}" for k in self) + "}"


def initialize_rest(inst: ModuleInstance) -> None:
    """Give each member that ``_instance_initialize`` left unset its ``init=`` rule's value.

    The last stage of ``make()``; all at once under the tree's lock, so a
    rule that fails leaves no member half initialised.
    """
    root = inst.__dict__.get("_sm_root_ref") or inst
    specs = root._sm_blueprint.plan.state
    if any(spec.init is not None for spec in specs.values()):
        storage = dict(zip(specs, root._sm_tree_state.containers))
        atomically(inst, lambda: run_initializers(specs, storage))


def default_initialize(inst: ModuleInstance, **init: Any) -> None:
    """Set each ``key=value`` on ``inst``; a dict value initialises an inner module.

    This is what ``make(**init)`` does unless the Module overrides
    ``_instance_initialize``; overrides call it for the keys they do not
    handle themselves. An unknown key is an error.
    """
    for key in init:  # every key is checked before anything is written
        if key not in inst._sm_members and key not in inst._sm_structure:
            settable = (n for n, obj in inst._sm_structure.items() if not isinstance(obj, Function))
            known = sorted(set(inst._sm_members) | set(settable))
            raise errors.InitializationError(
                errors.UNKNOWN_INIT_KEY.format(
                    where=f"{type(inst.component).__name__} {inst._sm_path or '(root)'}",
                    key=key,
                    known=", ".join(known) or "(none)",
                )
            )
    def assign() -> None:
        for key, value in init.items():
            setattr(inst, key, value)

    atomically(inst, assign)
