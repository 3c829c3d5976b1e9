"""Messages of the function interface: ``In(...)`` and ``symmodule.function``'s input specs."""

__all__ = [
    "DONATED_MEMBERS_LOST",
    "BAD_INPUT_SPEC",
    "BAD_INPUTS_LIST",
    "INPUT_VALUE_NOT_CONVERTIBLE",
    "INPUT_VALUE_SYMBOLIC",
    "INPUT_STORAGE_TYPE_MISMATCH",
    "INPUT_UPDATE_NOT_SYMBOLIC",
    "INPUT_UPDATE_TYPE_MISMATCH",
    "UPDATE_OF_FUNCTION_INPUT",
    "IN_NOT_A_VARIABLE",
]


BAD_INPUT_SPEC = (
    "{where}: input {position}, {spec}, is not an input spec: {reason}. An input "
    "is a Variable, In(variable, ...), (variable, value) or ((variable, "
    "update_expression), value), optionally with a name first: (name, variable, "
    "value)."
)

BAD_INPUTS_LIST = (
    "{where}: inputs must be a list (or tuple) of input specs, got {given}. "
    "Wrap a single input in a list: function([x], ...)."
)

INPUT_VALUE_NOT_CONVERTIBLE = (
    "{where}: the value {value} cannot be stored for {variable}, which is "
    "{expected}: {reason}. Give a value of that type, or declare the variable "
    "with the value's type."
)

INPUT_VALUE_SYMBOLIC = (
    "{where}: the value given for {variable} is {value}, a symbolic expression. "
    "A value is a number, an array, a Container (another function's "
    "fn.container[var]) or a shared variable; to compute {variable} from an "
    "expression, use givens={{{variable}: expression}}."
)

INPUT_STORAGE_TYPE_MISMATCH = (
    "{where}: the storage given for {variable} ({expected}) holds {got}. Inputs "
    "can share storage only when their types match: declare {variable} with "
    "the type of the variable whose container is passed."
)

INPUT_UPDATE_NOT_SYMBOLIC = (
    "{where}: the update of {variable} is {update!r}, not a symbolic "
    "expression. Write the update with variables (e.g. c + n), or use "
    "T.constant(...) for a fixed value."
)

INPUT_UPDATE_TYPE_MISMATCH = (
    "{where}: the update of {variable} has type {got} but {variable} has type "
    "{expected}. {fix}"
)

UPDATE_OF_FUNCTION_INPUT = (
    "{where}: updates= has the key {variable}, which is an input of the "
    "function; updates= takes shared variables only. To update the value an "
    "input holds, put the update in its spec: ((variable, update_expression), "
    "value)."
)

IN_NOT_A_VARIABLE = (
    "{where}: In(...) takes a symbolic variable (T.scalar('x'), T.matrix()), "
    "got {given}. A constant cannot be an input: use it in the graph directly."
)


DONATED_MEMBERS_LOST = (
    "{method} was interrupted while its computation held the arrays of the members it updates "
    "(mode 'JAX_DONATING' gives them to the computation), and they were deleted with it: {members}. "
    "Load them from a checkpoint (symmodule.load) or give them new values; mode 'JAX' keeps every "
    "member whole on an interrupt."
)
