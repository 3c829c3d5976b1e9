"""Messages about declaring, making and calling Modules: members, methods, updates, modes, init rules.

Placeholders are filled with ``str.format``; each template is self-contained.
"""

__all__ = [
    "UNKNOWN_INIT_KEY",
    "UPDATE_NOT_A_MEMBER",
    "UPDATE_OF_CONSTANT",
    "UPDATE_TYPE_MISMATCH",
    "UPDATE_FIX_DTYPE",
    "UPDATE_FIX_FEWER_DIMS",
    "UPDATE_FIX_MORE_DIMS",
    "UPDATE_FIX_CAST_TOO",
    "UPDATE_FIX_OTHER",
    "INPUT_AND_UPDATE",
    "MISSING_GRAPH_INPUT",
    "BAD_METHOD_INPUT",
    "BAD_METHOD_OUTPUT",
    "TOO_MANY_ARGUMENTS",
    "IMPLICIT_KEYWORD",
    "IMPLICIT_MEMBER",
    "IMPLICIT_STORAGE",
    "SET_MEMBER_HINT",
    "SET_STORAGE_HINT",
    "BAD_ARGUMENT",
    "ARGUMENT_DOWNCAST",
    "ARGUMENT_DOWNCAST_METHOD",
    "ARGUMENT_DOWNCAST_FUNCTION",
    "MISSING_ARGUMENT",
    "UNKNOWN_KEYWORD",
    "ARGUMENT_TWICE",
    "UNSET_MEMBER",
    "EXECUTION_FAILED",
    "EXECUTION_NODE",
    "EXECUTION_NODE_REPLAYED",
    "EXECUTION_ARGUMENTS",
    "EXECUTION_MEMBERS",
    "EXECUTION_STORED",
    "EXECUTION_FIX_SHAPES",
    "EXECUTION_FIX_OTHER",
    "EXECUTION_FIX_MEMBERS",
    "NON_FINITE_MARK",
    "NON_FINITE_UPDATE",
    "INDEX_OUT_OF_BOUNDS",
    "METHOD_NOT_COMPILED",
    "CANNOT_CONVERT",
    "READONLY",
    "CANNOT_REPLACE",
    "RESOLVE_NOT_FOUND",
    "RESOLVE_WRONG_KIND",
    "UNKNOWN_MODE",
    "MODE_BACKEND_MISSING",
    "NO_BLAS",
    "RESERVED_NAME",
    "BAD_ROLES",
    "INIT_NOT_CALLABLE",
    "INIT_AND_SHARED",
    "INIT_TWICE",
    "INIT_CYCLE",
    "INIT_RETURNED_NONE",
    "INIT_NO_SHAPE",
    "INIT_NO_FANS",
    "INIT_UNKNOWN_MEMBER",
    "INIT_DEPENDS_ON_UNSET",
    "MEMBER_NOT_ROOT",
    "WRAPPER_NOT_COMPONENT",
    "WRAPPER_NOT_CALLABLE",
]


UNKNOWN_INIT_KEY = (
    "{where}: unknown initial value {key!r}. It is not a member, container or "
    "inner module of this module; existing ones are: {known}. "
    "Fix the key, or handle it in an _instance_initialize override "
    "(def _instance_initialize(self, inst, {key}=None, **init): ...)."
)

UPDATE_NOT_A_MEMBER = (
    "Method {method!r}: the update key {key} is not a Member of the module tree "
    "being made ({reason}). Only state can be updated: declare it as a Member "
    "(module.x = T.scalar()) and key the update by that variable or its path."
)

UPDATE_OF_CONSTANT = (
    "Method {method!r}: cannot update {key!r}, a read-only constant member. "
    "Declare it as a symbolic Member (e.g. T.scalar()) to make it state."
)

UPDATE_TYPE_MISMATCH = (
    "Method {method!r}: the update of member {key!r} has type {got} but the "
    "member has type {expected}. {fix}"
)

# The fix an update of the wrong type needs (see update_type_fix); ``what`` is
# "member" or "variable".
UPDATE_FIX_DTYPE = (
    "Cast the expression (T.cast(expr, {dtype!r})), or declare the {what} with "
    "the dtype {got_dtype!r}."
)

UPDATE_FIX_FEWER_DIMS = (
    "An update keeps its {what}'s number of dimensions ({ndim}), and the "
    "expression has {got_ndim}: reduce it (e.g. T.sum(expr, axis=0)) or index "
    "it{cast}, or declare the {what} with {got_ndim} dimension(s)."
)

UPDATE_FIX_MORE_DIMS = (
    "An update keeps its {what}'s number of dimensions ({ndim}), and the "
    "expression has {got_ndim}: add dimensions (e.g. T.shape_padleft(expr)) "
    "or broadcast it (T.broadcast_to(expr, shape)){cast}, or declare the "
    "{what} with {got_ndim} dimension(s)."
)

UPDATE_FIX_CAST_TOO = " and cast it (T.cast(expr, {dtype!r}))"

UPDATE_FIX_OTHER = "Give the expression the {what}'s type, or declare the {what} with the expression's type."

INPUT_AND_UPDATE = (
    "Method {method!r}: {key!r} is both an explicit input and updated. An "
    "explicit input is an ordinary argument, so there is no state to update: "
    "remove it from the inputs (it then becomes an implicit Member input) or "
    "drop the update."
)

MISSING_GRAPH_INPUT = (
    "Method {method!r}: the computation reads {variable}, which is neither one "
    "of the method's inputs nor a Member of the module tree being made. Add it "
    "to the method's inputs, or assign it to a module attribute to make it a Member."
)

BAD_METHOD_INPUT = (
    "Method {method!r}: input {value!r} is not a symbolic Variable or In(...). "
    "Inputs are Variables such as T.matrix('x'), or a list of them."
)

BAD_METHOD_OUTPUT = (
    "Method {method!r}: output {value!r} is not a symbolic expression. "
    "Outputs are None, one expression, or a list of expressions."
)

TOO_MANY_ARGUMENTS = (
    "{where} takes {expected} argument(s) ({names}) but {given} were given. {hint}"
)

IMPLICIT_KEYWORD = "{where}: {name!r} is {what}; it cannot be passed as an argument. {hint}"

IMPLICIT_MEMBER = "a Member, an implicit input read from the instance"

IMPLICIT_STORAGE = "an implicit input that holds its own value"

# How to change an implicit input, for a compiled Method and for a plain function.
SET_MEMBER_HINT = (
    "Members are implicit inputs read from the instance: set them on the "
    "instance ({attribute} = value) instead of passing them."
)

SET_STORAGE_HINT = "Implicit inputs hold their own value: set it with fn[{name!r}] = value."

BAD_ARGUMENT = (
    "{where}: argument {name!r} (position {position}) expects {expected}, "
    "got {given}. {detail}"
)

# BAD_ARGUMENT's detail when the value converts only with a loss of precision
# (float64 into float32, 1.5 into int64); ``option`` is how else to allow it.
ARGUMENT_DOWNCAST = (
    "Converting {got} values to {dtype} could lose precision, so the value is "
    "refused. Convert it first (numpy.asarray(value, dtype={dtype!r})){option}."
)

ARGUMENT_DOWNCAST_METHOD = (
    ", or declare the input In(variable, allow_downcast=True) to have every call convert it"
)

ARGUMENT_DOWNCAST_FUNCTION = (
    ", or compile with symmodule.function(..., allow_input_downcast=True) to have every call convert it"
)

MISSING_ARGUMENT = "{where}: missing argument {name!r}. It takes ({names})."

UNKNOWN_KEYWORD = "{where} got an unexpected keyword argument {name!r}. It takes ({names})."

ARGUMENT_TWICE = (
    "{where} got multiple values for argument {name!r}: once by position "
    "({position}) and once by keyword. Pass it one way."
)

UNSET_MEMBER = (
    "{where} reads member {member!r}, which has no value. Give it one before "
    "calling: pass it to make(...) or set {attribute} = value."
)

EXECUTION_FAILED = (
    "{where} failed inside the compiled code: {error}.{details}\n"
    "The call stored no update: every member keeps its value. {fix}"
)

# The lines of details under EXECUTION_FAILED's first line; each starts with "\n  ".
# ``operation`` is the failing node with its inputs named (W, x, Dot.0), ``shapes``
# the shapes of the values it was given.
EXECUTION_NODE = "\n  The operation that failed: {operation}, on inputs of shapes {shapes}{how}."

# How the operation was found when the engine does not say (Numba, JAX).
EXECUTION_NODE_REPLAYED = " (found by running the call again in Python, without storing anything)"

EXECUTION_ARGUMENTS = "\n  Arguments given: {values}."

EXECUTION_MEMBERS = "\n  Members read: {values}."

EXECUTION_STORED = "\n  Stored inputs: {values}."

# How to fix: for a shape error (a ValueError in NumPy, Numba and PyTensor's
# Python code), and for any other error. ``members`` is EXECUTION_FIX_MEMBERS
# when the call read members, with an ``example`` such as "inst.W = new_value".
EXECUTION_FIX_SHAPES = "Make the shapes agree: pass arguments of other shapes{members}."

EXECUTION_FIX_OTHER = (
    "Check the values listed against what the operation needs (indices "
    "within bounds, divisors not zero...): pass other arguments{members}."
)

EXECUTION_FIX_MEMBERS = ", or give the members other values (e.g. {example} = new_value)"

# The message of the in-graph check; the member's path follows it.
NON_FINITE_MARK = "symmodule: non-finite update of member "

NON_FINITE_UPDATE = (
    "{where} computed a NaN or inf for member {member!r}, so the call stored no "
    "update at all (check_finite is on). Look for a diverging step (lower the "
    "step size) or bad inputs; the member keeps its previous value."
)

# The IndexError raised by the compiled code of the modes whose kernels do not
# check indices themselves (Numba's integer-array indexing, JAX): like NumPy's.
INDEX_OUT_OF_BOUNDS = (
    "index out of bounds {where}: an axis of size n takes the indices -n to n - 1"
)

METHOD_NOT_COMPILED = (
    "{method} is a declaration and cannot be called before make(). Compile the "
    "Module, then call the method on the instance: inst = module.make(); "
    "inst.method_name(...)."
)

CANNOT_CONVERT = (
    "Cannot set member {member!r} to {value_desc}: it holds {type}. "
    "({reason}) The previous value is kept."
)

READONLY = (
    "Cannot set readonly member {member!r}: it was declared as the constant "
    "{value!r}. Declare a symbolic Member (e.g. T.scalar()) for state."
)

CANNOT_REPLACE = (
    "Cannot replace {kind} {name!r} of {where}: the instance's structure is "
    "fixed by make(). Change the Module and make() again."
)

RESOLVE_NOT_FOUND = "{where}: nothing at {path!r} ({step!r} not found). {hint}"

RESOLVE_WRONG_KIND = (
    "{where}: {path!r} is a {kind}, not a {wanted}. Drop the filter or resolve "
    "another name."
)

UNKNOWN_MODE = (
    "Unknown mode {mode!r}. Available modes: {available}; or pass a Mode object "
    "(symmodule.Mode(linker, optimizer))."
)

MODE_BACKEND_MISSING = (
    "Mode {mode!r} needs the {package!r} package, which is not installed. "
    "Install it (pip install 'symmodule[{extra}]') or pick one of: {available}."
)

NO_BLAS = (
    "PyTensor found no BLAS library to link its C code with, so modes 'CVM' and "
    "'DEBUG_MODE' run matrix products through NumPy and mode 'C' cannot compile them "
    "('NUMBA' and 'JAX' need none). To link one, install it (OpenBLAS, MKL) and set "
    "PYTENSOR_FLAGS=blas__ldflags=-lopenblas (or its own flags)."
)

RESERVED_NAME = (
    "{where}: {name!r} is reserved on instances ({why}). Rename the {kind}."
)

BAD_ROLES = (
    "{where}: roles must be strings, e.g. roles=('param', 'regularizable') or "
    "roles=symmodule.roles.PARAM; got {roles!r}."
)

INIT_NOT_CALLABLE = (
    "{where}: init={init!r} is not callable. Give a rule taking the member's InitContext, "
    "e.g. init=symmodule.init.zeros() or init=symmodule.init.glorot_uniform(seed=0)."
)

INIT_AND_SHARED = (
    "{where}: a shared variable already holds its first value, so it cannot have an init= "
    "rule too. Declare a fresh Variable (T.matrix()) with the rule, or drop init=."
)

INIT_TWICE = (
    "The member at {first!r} is declared again at {second!r} with another init= rule. "
    "Give the rule at one of the two declarations only."
)

INIT_CYCLE = (
    "The init= rules of these members read each other in a cycle: {cycle}. "
    "Give one of them a rule that does not read the others, or a value at make()."
)

INIT_RETURNED_NONE = (
    "The init= rule {rule} of member {path!r} returned None. A rule returns the member's "
    "first value (an array of its dtype and number of dimensions)."
)

INIT_NO_SHAPE = (
    "The init= rule {rule} of member {path!r} needs the member's shape, but its type "
    "({type}) leaves lengths open. Declare it with a static shape "
    "(T.matrix(shape=(784, 100))) or give the rule one (shape=(784, 100))."
)

INIT_NO_FANS = (
    "Member {path!r}: the Glorot and He rules need a weight of two or more dimensions "
    "to count fans, not the shape {shape}. Use symmodule.init.normal(...) or uniform(...)."
)

INIT_UNKNOWN_MEMBER = (
    "The init= rule of member {path!r} asked for the value of {variable}, which is not a "
    "member of the instance being made. Read only members of the same tree."
)

INIT_DEPENDS_ON_UNSET = (
    "The init= rule of member {path!r} needs the value of member {other!r}, which has no "
    "value and no init= rule. Pass it to make() ({other}=...) or give it a rule."
)

MEMBER_NOT_ROOT = (
    "Member({variable}) at {where}: a Member must be a Variable with no owner "
    "(T.scalar(), T.matrix('w')); {variable} is computed from other variables. "
    "Use External(...) for a computed expression, or declare a fresh Variable."
)

WRAPPER_NOT_COMPONENT = (
    "{where}: the wrapper registered for {value!r} returned {result!r}, which is "
    "not a Component. A wrapper given to register_wrapper must return a Component "
    "(a subclass of symmodule.compile.module.Component implementing allocate and build)."
)

WRAPPER_NOT_CALLABLE = (
    "register_wrapper: the {what} {value!r} is not callable. Give a predicate "
    "(value -> bool) and a wrapper (value -> Component)."
)
