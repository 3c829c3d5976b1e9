"""Member, External and constants: what an attribute holding a value becomes.

The classification rules live in :func:`wrap`, the one place that decides
what a raw attribute value is:

=============================================  =================================
value assigned                                 becomes
=============================================  =================================
a ``Component`` (Module, Method, ...)          itself
a Variable with no owner (``T.scalar()``)      :class:`Member`: per-instance state
a shared variable                              :class:`Member`, initialised from its value
a Variable with an owner (``m.c + 1``)         :class:`External`: never stored
a number, bool, NumPy array, graph constant    :class:`Constant`: read-only member
a list/tuple/dict of the above (nested)        ``ComponentList`` / ``ComponentDict``
anything else                                  ``None``: a plain Python attribute
=============================================  =================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant as GraphConstant
from pytensor.graph.basic import Variable
from pytensor.tensor import as_tensor_variable

from symmodule import errors
from symmodule.module.component import Component
from symmodule.roles import as_roles

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node, Plan

__all__ = ["Member", "External", "Constant", "wrap", "convert_value", "Wrappers"]

#: ``(condition, wrapper)`` pairs tried before the built-in rules.
Wrappers = Sequence[tuple[Callable[[Any], bool], Callable[[Any], Component]]]

_CONSTANT_TYPES = (bool, int, float, complex, np.number, np.bool_, np.ndarray)


class Member(Component):
    """A symbolic Variable that is state: each instance stores a value for it.

    Assigning a Variable with no owner to a Module attribute makes it a Member
    automatically; ``Member(var)`` says so explicitly.

    Parameters
    ----------
    variable
        A Variable with no owner, e.g. ``T.matrix()``.
    roles
        What the Member is for: strings such as ``symmodule.roles.PARAM``
        (trained), ``REGULARIZABLE``, ``BUFFER`` (a statistic) or any tag of
        your own; :meth:`Module.members` and :meth:`Module.parameters` select
        by them.
    init
        A rule for the Member's first value, run at ``make()`` when the
        instance's initialisation left it unset: a callable taking an
        :class:`~symmodule.module.initializers.InitContext` (see
        ``symmodule.init`` for the usual ones). It must pickle if instances
        are to be pickled.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.w = symmodule.Member(T.dvector())
    >>> inst = m.make(w=[1.0, 2.0])
    >>> inst.w
    array([1., 2.])

    A trained parameter that initialises itself:

    >>> m.b = symmodule.Member(T.dvector(shape=(3,)), roles=symmodule.roles.PARAM,
    ...                        init=symmodule.init.zeros())
    >>> m.make(w=[1.0]).b
    array([0., 0., 0.])
    >>> [v.name for v in m.parameters()]
    ['b']
    """

    def __init__(self, variable: Variable, *, roles: str | Iterable[str] = (), init: Any = None) -> None:
        if not isinstance(variable, Variable) or variable.owner is not None:
            raise errors.AllocationError(
                errors.MEMBER_NOT_ROOT.format(variable=variable, where="declaration")
            )
        where = f"Member({variable})"
        if init is not None and not callable(init):
            raise errors.DeclarationError(errors.INIT_NOT_CALLABLE.format(where=where, init=init))
        if init is not None and isinstance(variable, SharedVariable):
            raise errors.DeclarationError(errors.INIT_AND_SHARED.format(where=where))
        self.variable = variable
        self.roles = as_roles(roles, where)
        self.init = init

    @property
    def r(self) -> Variable:
        """Theano's name for :attr:`variable`."""
        return self.variable

    def _sm_identity(self) -> object:
        return self.variable

    def allocate(self, plan: Plan, node: Node) -> None:
        initial = None
        if isinstance(self.variable, SharedVariable):
            initial = self.variable.get_value(borrow=False)
        plan.declare_state(
            self.variable, node.path, self.variable.type, initial=initial, roles=self.roles, init=self.init
        )

    def _sm_reached_again(self, plan: Plan, node: Node, path: str) -> None:
        plan.declare_state(self.variable, path, self.variable.type, roles=self.roles, init=self.init)

    def build(self, builder: Builder, node: Node) -> Any:
        return builder.state_slot(self.variable)

    def pretty(self, **kwargs: Any) -> str:
        return f"Member({self.variable.name or self.variable}: {self.variable.type})"


class External(Component):
    """A computed expression kept on a Module for reference; it is never stored.

    ``module.cost = T.sum(...)`` makes an External automatically. Methods use
    it like any other expression; instances do not hold a value for it.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.w = T.dvector()
    >>> m.norm = T.sqrt(T.sum(m.w ** 2))       # an External
    >>> m.get_norm = symmodule.Method([], m.norm)
    >>> float(m.make(w=[3.0, 4.0]).get_norm())
    5.0
    """

    def __init__(self, variable: Variable) -> None:
        self.variable = variable

    @property
    def r(self) -> Variable:
        """Theano's name for :attr:`variable`."""
        return self.variable

    def _sm_identity(self) -> object:
        return self.variable

    def allocate(self, plan: Plan, node: Node) -> None:
        return None

    def build(self, builder: Builder, node: Node) -> Any:
        return self

    def pretty(self, **kwargs: Any) -> str:
        return f"External({self.variable})"


class Constant(Component):
    """A Python number, bool or NumPy array on a Module: a read-only member.

    Examples
    --------
    >>> import symmodule
    >>> m = symmodule.Module()
    >>> m.n_hidden = 100
    >>> m.make().n_hidden
    100
    """

    def __init__(self, value: Any) -> None:
        if isinstance(value, GraphConstant):
            value = value.data
        if isinstance(value, np.ndarray):
            value = value.copy()
            value.flags.writeable = False
        self.value = value

    def _sm_identity(self) -> object:
        # Equal numbers on two attributes are two constants, never one state.
        return None

    def allocate(self, plan: Plan, node: Node) -> None:
        plan.declare_state(
            # np.asarray first: PyTensor refuses to make a tensor of a Python bool.
            self, node.path, as_tensor_variable(np.asarray(self.value)).type, initial=self.value, readonly=True
        )

    def build(self, builder: Builder, node: Node) -> Any:
        return builder.state_slot(self)

    def pretty(self, **kwargs: Any) -> str:
        return f"Constant({self.value!r})"


def wrap(value: Any, wrappers: Wrappers = (), where: str = "an attribute") -> Component | None:
    """Classify a raw attribute value; ``None`` means "a plain Python attribute".

    ``where`` names the attribute in the error raised when a registered
    wrapper returns something that is not a Component.
    """
    for condition, wrapper in wrappers:
        if condition(value):
            component = wrapper(value)
            if not isinstance(component, Component):
                raise errors.AllocationError(
                    errors.WRAPPER_NOT_COMPONENT.format(where=where, value=value, result=component)
                )
            return component
    if isinstance(value, Component):
        return value
    if isinstance(value, GraphConstant):
        return Constant(value)
    if isinstance(value, Variable):
        return Member(value) if value.owner is None else External(value)
    if isinstance(value, _CONSTANT_TYPES):
        return Constant(value)
    # Imported here: containers are built from this very function.
    from symmodule.module.containers import ComponentDict, ComponentList

    if isinstance(value, (list, tuple)):
        if all(wrap(item, wrappers) is not None for item in value):
            return ComponentList(value, wrappers=wrappers)
        return None
    if isinstance(value, dict):
        if all(wrap(item, wrappers) is not None for item in value.values()):
            return ComponentDict(value, wrappers=wrappers)
        return None
    return None


def convert_value(type_: Any, value: Any, path: str) -> Any:
    """Convert ``value`` for storage in a member of type ``type_``, or raise.

    Values convert the way PyTensor converts function arguments, plus one
    rule for state: a cast within the same kind (float64 data into a float32
    member) is accepted, since that is what loading data into a model means;
    a cast across kinds (floats into an integer member) is refused, as is an
    integer cast that would change a value.
    """
    try:
        return type_.filter(value, strict=False, allow_downcast=None)
    except Exception as exc:
        first_error = exc
    dtype = getattr(type_, "dtype", None)
    if dtype is not None:
        try:
            array = np.asarray(value)
        except Exception:
            array = None
        if array is not None and array.dtype != object:
            target = np.dtype(dtype)
            if np.can_cast(array.dtype, target, "same_kind"):
                cast = array.astype(target)
                if target.kind in "fc" or np.array_equal(cast, array):
                    try:
                        return type_.filter(cast, strict=False, allow_downcast=True)
                    except Exception as exc:
                        first_error = exc
    reason = str(first_error).strip().splitlines()
    raise errors.MemberValueError(
        errors.CANNOT_CONVERT.format(
            member=path,
            type=errors.describe_type(type_),
            value_desc=errors.describe_value(value),
            reason=reason[0] if reason else type(first_error).__name__,
        )
    ) from first_error
