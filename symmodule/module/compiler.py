"""Stage 3 of make(): each Method becomes one PyTensor function.

For a Method node this module resolves the declaration against the plan —
explicit inputs, outputs, update keys (Variables or paths) — checks it, and
compiles it with the Members it reads as implicit inputs and its updates as
explicit ``In(..., update=...)`` specs. The result is a
:class:`~symmodule.module.blueprint.Blueprint`: everything needed to make
instances without compiling again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from pytensor.compile.io import In, SymbolicInput, SymbolicOutput
from pytensor.compile.maker import FunctionMaker
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant as GraphConstant
from pytensor.graph.basic import Variable
from pytensor.graph.traversal import graph_inputs
from pytensor.link.basic import Container
from pytensor.raise_op import CheckAndRaise
from pytensor.tensor import as_tensor_variable, isfinite
from pytensor.tensor import all as pt_all

from symmodule import errors
from symmodule.compiled import compile_maker
from symmodule.module.blueprint import Blueprint
from symmodule.compiled import COMPILING
from symmodule.module.cache import CodeCache
from symmodule.module.method import Method
from symmodule.module.plan import Node, Plan, join_path

__all__ = ["CompiledMethod", "ResolvedMethod", "compile_plan", "resolve_method"]


@dataclass(eq=False)
class CompiledMethod:
    """A compiled Method: its maker, and which state each maker input binds to.

    ``bindings[i]`` is the position, in the plan's state order, of the state
    that input ``i`` of the maker reads (None for an argument or a shared
    variable). Positions rather than keys let equal Modules share the code.
    """

    maker: FunctionMaker
    bindings: tuple[int | None, ...]


@dataclass(eq=False)
class ResolvedMethod:
    """A Method declaration checked against the plan, ready to compile."""

    node: Node
    explicit: list[SymbolicInput]
    outputs: Any
    updates: dict[Variable, Variable]
    implicit: list[Variable]  # the state variables it reads or updates, in state order
    mode: Any

    @property
    def output_list(self) -> list[Any]:
        """The declared outputs as a list: Variables and ``Out`` specs."""
        return _as_list(self.outputs)

    @property
    def output_variables(self) -> list[Variable]:
        """The Variable of each declared output (an ``Out`` spec's own Variable)."""
        return [_variable_of(output) for output in self.output_list]


def compile_plan(plan: Plan, cache: CodeCache | None = None) -> Blueprint:
    """Compile every Method of ``plan``, reusing code from ``cache`` where it has it.

    Each Method is resolved and checked first (so a declaration error is
    reported whether or not its code is cached), then looked up by its
    structure and mode; only what is not found is compiled.
    """
    positions = {key: index for index, key in enumerate(plan.state)}
    methods = {}
    variables = {}
    for node in plan.methods:
        resolved = resolve_method(plan, node)
        variables[node] = tuple(spec.variable for spec in resolved.explicit) + tuple(resolved.implicit)
        key = cache.key(resolved, positions) if cache is not None else None
        if key is None:
            methods[node] = _compile(resolved, positions)
        else:
            methods[node] = cache.fetch(key, functools.partial(_compile, resolved, positions))
    return Blueprint(plan, methods, variables)


def resolve_method(plan: Plan, node: Node) -> ResolvedMethod:
    """Resolve a Method node's inputs, outputs and updates against ``plan``, and check them."""
    method = node.component
    assert isinstance(method, Method)
    where = node.path
    explicit = _explicit_inputs(method, where)
    explicit_vars = [spec.variable for spec in explicit]
    outputs = _outputs(method.outputs, where)
    updates = _resolve_updates(plan, node)

    for variable in updates:
        if variable in explicit_vars:
            raise errors.DeclarationError(
                errors.INPUT_AND_UPDATE.format(method=node.path, key=plan.state[variable].path)
            )

    expressions = [_variable_of(output) for output in _as_list(outputs)]
    roots = list(graph_inputs(expressions + list(updates.values())))
    _check_roots(plan, roots, explicit_vars, node.path)

    read = set(roots)
    implicit = [
        key
        for key in plan.state
        if isinstance(key, Variable) and (key in read or key in updates) and key not in explicit_vars
    ]
    for key in implicit:
        if key not in updates and key in plan.automatic_updates:
            updates[key] = plan.automatic_updates[key]
    check = method.check_finite if method.check_finite is not None else plan.check_finite
    if check:
        updates = {key: _checked_finite(plan, key, expr) for key, expr in updates.items()}
    mode = method.mode if method.mode is not None else plan.mode
    return ResolvedMethod(node, explicit, outputs, updates, implicit, mode)


def _as_list(outputs: Any) -> list[Any]:
    return [] if outputs is None else outputs if isinstance(outputs, list) else [outputs]


def _variable_of(output: Any) -> Variable:
    return output.variable if isinstance(output, SymbolicOutput) else output


def _checked_finite(plan: Plan, member: Variable, expression: Variable) -> Variable:
    """``expression``, raising inside the compiled code if it holds a NaN or an inf.

    The check runs before any update is stored, so a refused call changes no
    member. Only floating-point updates are checked.
    """
    if getattr(expression.type, "dtype", "")[:5] not in ("float", "compl"):
        return expression
    message = errors.NON_FINITE_MARK + plan.state[member].path
    return CheckAndRaise(FloatingPointError, message)(expression, pt_all(isfinite(expression)))


def _compile(resolved: ResolvedMethod, positions: dict[object, int]) -> CompiledMethod:
    # PyTensor refuses a shared variable as an input: a shared-variable Member
    # is read through a stand-in root variable of the same type instead.
    stand_ins = {
        key: key.type(name=key.name) for key in resolved.implicit if isinstance(key, SharedVariable)
    }
    implicit_specs = [
        In(
            stand_ins.get(key, key),
            name=key.name,
            value=Container(key, [None], name=key.name),
            update=resolved.updates.get(key),
            implicit=True,
            # Never let the compiled code overwrite a member's array while it
            # runs: updates are written only once every output is computed, so
            # a call that fails half-way changes no member (all updates or none).
            mutable=False,
        )
        for key in resolved.implicit
    ]
    with COMPILING:
        maker = compile_maker(
            resolved.explicit + implicit_specs,
            resolved.outputs,
            mode=resolved.mode,
            givens=stand_ins or None,
            name=resolved.node.path,
            on_unused_input="ignore",
        )
    bindings: list[int | None] = [None] * len(resolved.explicit)
    bindings += [positions[key] for key in resolved.implicit]
    bindings += [None] * (len(maker.inputs) - len(bindings))
    return CompiledMethod(maker, tuple(bindings))


def _explicit_inputs(method: Method, where: str) -> list[SymbolicInput]:
    inputs = method.inputs
    if inputs is None:
        inputs = []
    elif not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    specs = []
    for value in inputs:
        if isinstance(value, SymbolicInput):
            specs.append(value)
        elif isinstance(value, Variable) and not isinstance(value, GraphConstant):
            specs.append(In(value))
        else:
            raise errors.DeclarationError(errors.BAD_METHOD_INPUT.format(method=where, value=value))
    return specs


def _outputs(outputs: Any, where: str) -> Any:
    if outputs is None or (isinstance(outputs, (list, tuple)) and len(outputs) == 0):
        return None
    if isinstance(outputs, (list, tuple)):
        return [_as_expression(o, where) for o in outputs]
    return _as_expression(outputs, where)


def _as_expression(value: Any, where: str) -> Any:
    if isinstance(value, Variable):
        return value
    if hasattr(value, "variable") and isinstance(value.variable, Variable):
        return value  # an Out(...) spec
    try:
        return as_tensor_variable(value)
    except Exception:
        raise errors.DeclarationError(
            errors.BAD_METHOD_OUTPUT.format(method=where, value=value)
        ) from None


def _resolve_updates(plan: Plan, node: Node) -> dict[Variable, Variable]:
    method = node.component
    owner = node.parent.module_node if node.parent is not None else plan.root
    resolved: dict[Variable, Variable] = {}
    for key, expression in method.updates.items():
        variable = _update_target(plan, owner, key, node.path)
        if variable in resolved:
            raise errors.UpdateError(
                f"Method {node.path!r}: member {plan.state[variable].path!r} is updated twice "
                "(once by variable and once by name, or through two names). Keep one update."
            )
        resolved[variable] = _update_expression(plan, variable, expression, node.path)
    return resolved


def _update_target(plan: Plan, owner: Node, key: Any, method_path: str) -> Variable:
    shown = repr(key) if isinstance(key, str) else str(key)
    if isinstance(key, str):
        target = plan.node_at(join_path(owner.path, key)) or _unique_member_named(plan, key)
        if target is None:
            raise errors.UpdateError(
                errors.UPDATE_NOT_A_MEMBER.format(
                    method=method_path,
                    key=repr(key),
                    reason=f"no member at that path; members under {owner.path or 'the root'!r}: "
                    + plan.describe_known(owner),
                )
            )
        key_component = target.component
        variable = getattr(key_component, "variable", None)
        if variable is None or not isinstance(variable, Variable):
            spec = plan.state.get(key_component)
            if spec is not None and spec.readonly:
                raise errors.UpdateError(errors.UPDATE_OF_CONSTANT.format(method=method_path, key=key))
            raise errors.UpdateError(
                errors.UPDATE_NOT_A_MEMBER.format(
                    method=method_path, key=repr(key), reason=f"it is a {type(key_component).__name__}"
                )
            )
        key = variable
    if not isinstance(key, Variable):
        raise errors.UpdateError(
            errors.UPDATE_NOT_A_MEMBER.format(
                method=method_path, key=repr(key), reason="keys are Member variables or their paths"
            )
        )
    if key not in plan.state:
        if key.owner is not None:
            reason = "it is computed from other variables (an External)"
        elif isinstance(key, GraphConstant):
            reason = "it is a constant"
        else:
            reason = "it is not an attribute anywhere in the module tree being made"
        raise errors.UpdateError(
            errors.UPDATE_NOT_A_MEMBER.format(method=method_path, key=shown, reason=reason)
        )
    return key


def _unique_member_named(plan: Plan, name: str) -> Node | None:
    found = [plan.node_at(spec.path) for key, spec in plan.state.items()
             if isinstance(key, Variable) and key.name == name]
    return found[0] if len(found) == 1 else None


def _update_expression(plan: Plan, variable: Variable, expression: Any, method_path: str) -> Variable:
    if not isinstance(expression, Variable):
        dtype = getattr(variable.type, "dtype", None)
        try:
            value = np.asarray(expression, dtype=dtype) if dtype is not None else expression
            expression = as_tensor_variable(value)
        except Exception:
            raise errors.UpdateError(
                errors.BAD_METHOD_OUTPUT.format(method=method_path, value=expression)
            ) from None
    try:
        return variable.type.filter_variable(expression, allow_convert=True)
    except TypeError:
        raise errors.UpdateError(
            errors.UPDATE_TYPE_MISMATCH.format(
                method=method_path,
                key=plan.state[variable].path,
                got=expression.type,
                expected=variable.type,
                fix=errors.update_type_fix(expression.type, variable.type, "member"),
            )
        ) from None


def _check_roots(plan: Plan, roots: list[Variable], explicit: list[Variable], method_path: str) -> None:
    for root in roots:
        if isinstance(root, (GraphConstant, SharedVariable)) or root in explicit or root in plan.state:
            continue
        raise errors.DeclarationError(
            errors.MISSING_GRAPH_INPUT.format(method=method_path, variable=root)
        )
