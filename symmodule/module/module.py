"""Module: a symbolic class. ``make()`` turns one into a live instance.

The pipeline of ``make()``; each stage is owned by one file of this package:

1. **Declare** (``module.py``, ``member.py``, ``method.py``, ``containers.py``)
   — attributes are stored as assigned; :func:`~symmodule.module.member.wrap`
   classifies them when needed. Nothing is compiled, nothing holds values.
2. **Plan** (``plan.py``) — walk the tree from the root being made, snapshot
   it, name unnamed Members by path, find each piece of state once.
3. **Compile** (``compiler.py``) — each Method becomes one PyTensor function:
   the Members it reads are implicit inputs, its updates explicit. The plan
   and the compiled code form the frozen
   :class:`~symmodule.module.blueprint.Blueprint` (``blueprint.py``), the
   structure half of every instance made from it.
4. **Instantiate** (``instance.py``, ``state.py``, ``storage.py``) — allocate
   the :class:`~symmodule.module.state.State` (one storage cell per piece of
   state, NumPy arrays or jax arrays on the device in JAX mode, and the
   instance's lock), bind every compiled function to it, build the instance
   tree, then run ``_instance_initialize(inst, *args, **init)`` and, for the
   members it left unset, their ``init=`` rules (``initializers.py``).
5. **Call** (``symmodule/compiled.py``) — run the compiled code under the
   instance's lock and store its updates all at once; its errors are
   explained in terms of the method and its arguments.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from pytensor.graph.basic import Variable

from symmodule import errors
from symmodule.module.component import Component, Composite
from symmodule.module.cache import CodeCache, code_cache
from symmodule.module.compiler import compile_plan
from symmodule.module.containers import ComponentDict, ComponentList
from symmodule.module.instance import RESERVED_NAMES, ModuleInstance, default_initialize, initialize_rest
from symmodule.module.member import External, Member, Wrappers, wrap
from symmodule.module.mesh import make_on_mesh
from symmodule.module.plan import Node, Plan, join_path
from symmodule.roles import PARAM, select

__all__ = ["Module", "FancyModule", "register_wrapper"]

_INSTANCE_PREFIX = "_instance_"


class Module(Composite):
    """A symbolic class: Members (state), Methods (compiled functions), inner Modules.

    Assign attributes to declare it; call :meth:`make` to get a
    :class:`~symmodule.ModuleInstance`. What is read back from a Module is
    exactly what was assigned (a Variable, a list, a bool), so it can be used
    to build further expressions.

    A subclass may define ``_instance_initialize(self, inst, **init)`` to
    initialise instances its own way, methods ``_instance_foo(self, inst,
    ...)`` that become ``inst.foo(...)``, and ``InstanceType`` (a
    ``ModuleInstance`` subclass) to choose the class of its instances.

    Attribute names starting with ``_`` are private Python attributes: they are
    never Members, Methods or inner Modules.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> n = T.dscalar('n')
    >>> m.c = T.dscalar()
    >>> m.inc = symmodule.Method(n, [], updates={m.c: m.c + n})
    >>> m.dec = symmodule.Method(n, [], updates={m.c: m.c - n})
    >>> inst = m.make(c=0)
    >>> inst.inc(2); inst.dec(3)
    >>> float(inst.c)
    -1.0
    """

    #: The class of the instances ``make()`` returns.
    InstanceType: type[ModuleInstance] = ModuleInstance
    #: ``(condition, wrapper)`` pairs tried before the built-in classification;
    #: extended by :func:`register_wrapper`.
    _sm_wrappers: Wrappers = ()

    def __init__(self) -> None:
        object.__setattr__(self, "_sm_explicit", {})

    # -- declaration -------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        explicit = self.__dict__.setdefault("_sm_explicit", {})
        if isinstance(value, (Member, External)):
            # Member(v, ...) / External(v) force the kind (and a Member's roles and
            # init rule); the attribute reads back as v.
            explicit[name] = value
            value = value.variable
        else:
            explicit.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__.get("_sm_explicit", {}).pop(name, None)
        object.__delattr__(self, name)

    def components_map(self) -> Iterator[tuple[str, Component]]:
        explicit = self.__dict__.get("_sm_explicit", {})
        for name, value in list(self.__dict__.items()):
            if name.startswith("_"):
                continue
            if name in explicit:
                yield name, explicit[name]
                continue
            component = wrap(value, type(self)._sm_wrappers, where=f"{type(self).__name__}.{name}")
            if component is not None:
                yield name, component

    def get(self, item: str) -> Any:
        return getattr(self, item)

    def set(self, item: str, value: Any) -> None:
        setattr(self, item, value)

    # -- make() ----------------------------------------------------------------------

    def make(
        self,
        *args: Any,
        mode: Any = None,
        cache: CodeCache | None = code_cache,
        check_finite: bool = False,
        mesh: Any = None,
        sharding: Mapping[str, Any] | None = None,
        **init: Any,
    ) -> ModuleInstance:
        """Compile every Method, allocate every Member, and return an initialised instance.

        As in Theano, the new instance's ``initialize(*args, **init)`` runs
        then: an ``InstanceType`` defining its own ``initialize`` receives
        the arguments (``make(10, 2)``); the default one passes them to the
        Module's ``_instance_initialize``.

        Parameters
        ----------
        *args, **init
            Passed to ``inst.initialize``; by default each ``key=value``
            sets a member (a dict value initialises an inner module), and a
            dict may also be given positionally (``make({'c': 0})``).
        mode
            Compilation mode: a name ('FAST_COMPILE', 'FAST_RUN', 'NUMBA',
            'CVM', 'C', 'JAX', 'DEBUG_MODE') or a ``Mode`` object. A Method's
            own ``mode`` overrides it.
        cache
            Where compiled code is looked up and kept (``symmodule.code_cache``
            by default): a further ``make()`` of this Module, or of an equal
            one, in the same mode compiles nothing. None compiles afresh.
        check_finite
            Make every method refuse to store a NaN or inf in a member: such a
            call raises :class:`~symmodule.errors.NonFiniteUpdateError` and
            changes no member. A Method's own ``check_finite`` attribute wins.
        mesh
            A ``jax.sharding.Mesh`` with an axis named ``'data'``: every
            method becomes one JAX computation over its devices, its
            arguments split along their first dimension over ``'data'``
            (:mod:`symmodule.module.mesh`, and the guide page
            ``distributed.md``). The mode defaults to 'JAX', the only one
            allowed.
        sharding
            With ``mesh``: ``{member path, path glob or role:
            PartitionSpec}``; members no rule matches are whole on every
            device. An exact path wins over a glob, a glob over a role.

        Notes
        -----
        ``mode``, ``cache``, ``check_finite``, ``mesh`` and ``sharding`` are
        ``make()``'s own: a member of one of these names is set on the
        instance after ``make()``.
        """
        if mesh is None and sharding is None:
            blueprint = compile_plan(Plan(self, mode, check_finite=check_finite), cache)
        else:
            blueprint = make_on_mesh(self, mode, cache, check_finite, mesh, sharding)
        inst = blueprint.instantiate()
        inst.initialize(*args, **init)
        initialize_rest(inst)
        return inst

    def _instance_initialize(self, inst: ModuleInstance, *args: Any, **init: Any) -> None:
        """Initialise a new instance; the default sets each ``key=value``.

        Override it to initialise instances your own way; call
        ``default_initialize(inst, **init)`` for the keys you do not handle.
        The default also takes the pairs as one dict given positionally, as
        Theano's did.
        """
        if len(args) == 1 and isinstance(args[0], Mapping):
            init = {**args[0], **init}
            args = ()
        if args:
            raise errors.InitializationError(
                f"{type(self).__name__}.make() got positional arguments {args!r}, but the default "
                "_instance_initialize takes only key=value pairs (or one dict of them). Pass members by name, or "
                "override _instance_initialize(self, inst, *args, **init)."
            )
        default_initialize(inst, **init)

    def allocate(self, plan: Plan, node: Node) -> None:
        reserved = set(RESERVED_NAMES) | {
            name for name in dir(self.InstanceType) if not name.startswith("_")
        }
        for key, child in node.children:
            if key in reserved:
                raise plan.reserved_error(
                    f"{type(self).__name__} at {node.path or 'the root'!r}",
                    key,
                    "it is an attribute of every instance",
                    type(child.component).__name__,
                )
        for attr in _instance_methods(type(self)):
            name = attr[len(_INSTANCE_PREFIX):]
            if any(key == name for key, _ in node.children):
                raise plan.reserved_error(
                    f"{type(self).__name__} at {node.path or 'the root'!r}",
                    name,
                    f"the method {attr} puts inst.{name} on instances",
                    "attribute",
                )

    def build(self, builder: Any, node: Node) -> ModuleInstance:
        inst = self.InstanceType.__new__(self.InstanceType)
        # Register before building children: an inner module may be reached again below.
        builder._built[id(node)] = inst
        inst._sm_setup(self, node.path, builder.children(node))
        for attr in _instance_methods(type(self)):
            name = attr[len(_INSTANCE_PREFIX):]
            if name != "initialize":
                object.__setattr__(inst, name, functools.partial(getattr(self, attr), inst))
        return inst

    # -- lookup ----------------------------------------------------------------------------

    def resolve(self, symbol: str | Variable, filter: type | None = None) -> Any:
        """The component at a dotted path, or where a Variable lives in this tree.

        Parameters
        ----------
        symbol
            A path such as ``'incdec1.c'`` or ``'layers.0.w'``, or a Variable.
        filter
            A kind to accept: ``Member``, ``Method``, ``Module``, ``External``,
            ``ComponentList``, ``ComponentDict`` or any class.

        Returns
        -------
        What was assigned at that path (the Member's Variable, the Method, the
        inner Module, ...).
        """
        where = f"{type(self).__name__}.resolve"
        if isinstance(symbol, Variable):
            path = self.path_of(symbol)
            if path is None:
                raise errors.ResolveError(
                    f"{where}: {symbol} is not a member or expression anywhere in this "
                    "module's tree. Assign it to an attribute first."
                )
            return self.resolve(path, filter)
        value: Any = self
        walked = ""
        for step in str(symbol).split("."):
            value = self._sm_step(value, step, walked, symbol, where)
            walked = join_path(walked, step)
        if filter is not None:
            component = _classify_for(value, self)
            if not (isinstance(value, filter) or isinstance(component, filter)):
                kind = type(component).__name__ if component is not None else type(value).__name__
                raise errors.ResolveError(
                    errors.RESOLVE_WRONG_KIND.format(
                        where=where, path=symbol, kind=kind, wanted=filter.__name__
                    )
                )
        return value

    @staticmethod
    def _sm_step(holder: Any, step: str, walked: str, symbol: Any, where: str) -> Any:
        try:
            if isinstance(holder, Module):
                if step.startswith("_"):
                    raise KeyError(step)
                return holder.__dict__[step]
            if isinstance(holder, (list, tuple, ComponentList)):
                return holder[int(step)]
            if isinstance(holder, (dict, ComponentDict)):
                return holder[step] if step in holder else holder[int(step)]
        except (KeyError, IndexError, ValueError):
            pass
        names = _child_names(holder)
        close = difflib.get_close_matches(step, names, n=3)
        hint = f"Nearest names: {', '.join(close)}." if close else f"Names there: {', '.join(names) or '(none)'}."
        raise errors.ResolveError(errors.RESOLVE_NOT_FOUND.format(where=where, path=symbol, step=step, hint=hint))

    def path_of(self, obj: Any) -> str | None:
        """The first dotted path at which ``obj`` (a Variable, Method, Module...) appears, or None."""
        for path, node in Plan(self).paths.items():
            component = node.component
            if component is obj or getattr(component, "variable", None) is obj:
                return path
            if getattr(component, "_sm_items", None) is obj:
                return path
        return None

    # -- selection by role (roles.py) ------------------------------------------------------

    def members(self, *roles: str, path: str | None = None) -> dict[str, Variable]:
        """This tree's Members that have every role in ``roles``, by first path.

        Each Member appears once however many paths reach it, in the order of
        first paths; no compilation happens.

        Parameters
        ----------
        *roles
            Roles or tags the Member must all have (``'param'``,
            ``'regularizable'``, ``'buffer'``, ``'rng'`` or your own); none
            selects every Member.
        path
            A glob matched against every path reaching the Member
            (``'encoder.*'``, ``'layers.?.w'``).

        Returns
        -------
        ``{path: Variable}``.

        Examples
        --------
        >>> import symmodule
        >>> from symmodule import tensor as T
        >>> m = symmodule.Module()
        >>> m.w = symmodule.Member(T.dmatrix(), roles=("param", "regularizable"))
        >>> m.b = symmodule.Member(T.dvector(), roles="param")
        >>> m.steps = T.lscalar()
        >>> list(m.members("param"))
        ['w', 'b']
        >>> list(m.members("regularizable"))
        ['w']
        """
        return select(Plan(self), roles, path)

    def parameters(self, *roles: str, path: str | None = None) -> list[Variable]:
        """The trainable Members (role ``'param'``) that also have ``roles``, as a list.

        What an optimizer takes: ``opt.updates(cost, m.parameters())``. A
        Member reached by several paths (a tied weight) is listed once.
        """
        return list(select(Plan(self), (PARAM, *roles), path).values())

    # -- introspection (symmodule/introspect.py) --------------------------------------------

    def summary(self) -> Any:
        """A table of members and methods (no compilation); see :func:`symmodule.introspect.summary`."""
        from symmodule.introspect import summary

        return summary(self)

    def effects(self, method: str | None = None) -> Any:
        """What a method reads and updates; see :func:`symmodule.introspect.effects`."""
        from symmodule.introspect import effects

        return effects(self, method)

    # -- display --------------------------------------------------------------------------

    def pretty(self, **kwargs: Any) -> str:
        """Every member and method of the tree: methods with their inputs, outputs and updates."""
        plan = Plan(self)
        lines = [f"{type(self).__name__}:"]
        for spec in plan.state.values():
            kind = "constant" if spec.readonly else "member"
            lines.append(f"  {kind} {spec.path}: {spec.type}")
        for node in plan.methods:
            lines.extend("  " + line for line in node.component.pretty(header=f"method {node.path}").splitlines())
        return "\n".join(lines)

    def __repr__(self) -> str:
        names = [name for name, _ in self.components_map()]
        return f"<{type(self).__name__} with {', '.join(names) or 'nothing yet'}>"


#: Theano's name for Module.
FancyModule = Module


def _instance_methods(cls: type) -> list[str]:
    return [name for name in dir(cls) if name.startswith(_INSTANCE_PREFIX) and callable(getattr(cls, name))]


def _classify_for(value: Any, module: Module) -> Component | None:
    return wrap(value, type(module)._sm_wrappers)


def _child_names(holder: Any) -> list[str]:
    if isinstance(holder, Module):
        return [name for name in holder.__dict__ if not name.startswith("_")]
    if isinstance(holder, (dict, ComponentDict)):
        return [str(k) for k in holder]
    if isinstance(holder, (list, tuple, ComponentList)):
        return [str(i) for i in range(len(holder))]
    return []


def register_wrapper(
    condition: Callable[[Any], bool],
    wrapper: Callable[[Any], Component],
    no_warn: bool = False,
    *,
    module_class: type[Module] = Module,
) -> None:
    """Teach ``module_class`` (and its subclasses) to turn values into components.

    When ``condition(value)`` is true for a value assigned to a Module
    attribute, ``wrapper(value)`` is the component that represents it. Rules
    registered later are tried first. The rules are stored on the class
    (``module_class._sm_wrappers``), so a subclass may keep its own set.

    Parameters
    ----------
    condition
        Predicate on the raw value.
    wrapper
        Returns a :class:`~symmodule.compile.module.Component` for the value.
    no_warn
        Accepted for Theano compatibility; has no effect.
    module_class
        The Module class whose rules are extended (default: ``Module``).
    """
    for what, value in (("condition", condition), ("wrapper", wrapper)):
        if not callable(value):
            raise errors.AllocationError(errors.WRAPPER_NOT_CALLABLE.format(what=what, value=value))
    module_class._sm_wrappers = ((condition, wrapper),) + tuple(module_class._sm_wrappers)
