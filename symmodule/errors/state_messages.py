"""Messages about state: state dicts, an instance as a pair (split/merge), checkpoint files."""

__all__ = [
    "STATE_DICT_PROBLEMS",
    "STATE_MISSING",
    "STATE_UNEXPECTED",
    "STATE_UNEXPECTED_CONSTANT",
    "STATE_DUPLICATE",
    "STATE_WRONG_DTYPE",
    "STATE_WRONG_SHAPE",
    "STATE_BAD_VALUE",
    "STATE_NOT_A_MAPPING",
    "STATE_NOT_AN_INSTANCE",
    "STATE_UNKNOWN_PATH",
    "MERGE_STATE_MISMATCH",
    "MERGE_NOT_A_BLUEPRINT",
    "BLUEPRINT_NO_INSTANCE_AT",
    "MOVED_INSTANCE_METHOD",
    "UNSUPPORTED_STATE",
    "LOAD_NEEDS_INTO",
    "CHECKPOINT_UNREADABLE",
    "CHECKPOINT_NOT_WRITTEN",
    "CHECKPOINT_BAD_VALUE",
    "CHECKPOINT_BAD_JSON_FIELD",
    "CHECKPOINT_MISSING_FIELD",
    "CHECKPOINT_DUPLICATE_KEY",
    "CHECKPOINT_TOO_DEEP",
    "CHECKPOINT_NOT_JSON",
    "CHECKPOINT_HINT_MALFORMED",
    "CHECKPOINT_HINT_TRUNCATED",
    "CHECKPOINT_HINT_CORRUPT",
    "CHECKPOINT_HINT_FOREIGN",
    "CHECKPOINT_SAFETENSORS_REFUSES",
    "CHECKPOINT_NOT_A_FILE",
    "CHECKPOINT_HINT_NOT_A_FILE",
    "CHECKPOINT_IS_A_FOLDER",
    "CHECKPOINT_BAD_PATH",
    "UNSUPPORTED_DTYPE",
    "STATE_NONE_VALUE",
]


STATE_DICT_PROBLEMS = (
    "Cannot load the state dict into {target}: {count} problem(s), so nothing "
    "was loaded and the instance is unchanged.\n{problems}\n"
    "Give exactly one entry per member, under its path, with the member's "
    "dtype and shape (symmodule.state_dict(inst) shows what is expected), or pass "
    "strict=False to load only the entries that fit: it returns the keys it skipped."
)

STATE_MISSING = "missing {key!r}: no entry for this member ({expected})"

STATE_UNEXPECTED = "unexpected {key!r}: not a member of this instance{hint}"

STATE_UNEXPECTED_CONSTANT = (
    "unexpected {key!r}: a read-only constant of the Module, not state "
    "(constants come from the Module and are never loaded); drop the entry"
)

STATE_DUPLICATE = (
    "unexpected {key!r}: it names the same member as {first!r} (an alias), "
    "which is also given; give each member once, under {first!r}"
)

STATE_WRONG_DTYPE = (
    "wrong dtype at {key!r}: got {got}, but the member is {expected}; cast it "
    "(value.astype({dtype!r})) or declare the member with that dtype"
)

STATE_WRONG_SHAPE = "wrong shape at {key!r}: got {got}, but the member {expected}"

STATE_BAD_VALUE = "bad value at {key!r}: {reason}"

STATE_NOT_A_MAPPING = (
    "{function}: the state dict must be a mapping {{path: array}} (what "
    "state_dict() returns), got {given}. To load a checkpoint file, use "
    "symmodule.load(path, into=inst)."
)

STATE_NOT_AN_INSTANCE = (
    "{function}: {argument} must be a ModuleInstance (what Module.make() "
    "returns), got {given}."
)

STATE_UNKNOWN_PATH = (
    "The state has no entry {path!r}. Its entries are the paths where each member "
    "first appears: {paths}. (Constants are part of the blueprint, not of the state.)"
)

MERGE_STATE_MISMATCH = (
    "merge(): the state does not fit the blueprint of {module}: {problems}. A state "
    "fits the blueprint it was split from (or a copy of it); to load values into an "
    "instance from another structure, use symmodule.load_state_dict(inst, state, strict=False)."
)

MERGE_NOT_A_BLUEPRINT = (
    "merge(): the first argument must be a Blueprint (what symmodule.split(inst) "
    "returns first), got {given}."
)

BLUEPRINT_NO_INSTANCE_AT = (
    "Blueprint.at({path!r}): the Module made at {module} has no inner module there. "
    "Inner modules: {known}."
)

# ``inst.save(path)`` and the like: instance methods that moved to free functions, so that
# a Member or Method may take their names.
MOVED_INSTANCE_METHOD = (
    "inst.{name}(...) is deprecated and will be removed: use {replacement}. Methods on "
    "instances take names a Member or Method may need, so symmodule keeps them as free "
    "functions (a member named {name!r} is read as inst.{name} as usual)."
)

UNSUPPORTED_STATE = (
    "Cannot put member {key!r} in a state dict: it holds {value_desc} (its "
    "type is {type}), which has no array form. state_dict() and save() handle "
    "numeric arrays and numpy Generators{hint}."
)

LOAD_NEEDS_INTO = (
    "symmodule.load({path!r}) needs into=<instance>: a checkpoint holds data "
    "(arrays and metadata), never code, so it cannot rebuild the Module. Make "
    "the module first and load into it: symmodule.load(path, into=MyModule().make()). "
    "To look at the arrays without an instance, use "
    "symmodule.persist.read_checkpoint(path)."
)

CHECKPOINT_UNREADABLE = "Cannot load checkpoint {path!r}: {reason}. {hint}"

CHECKPOINT_NOT_WRITTEN = (
    "Cannot save the checkpoint {path!r}: {reason}. Nothing was written; a "
    "previous file at that path, if any, is unchanged."
)

# Reasons and hints of CHECKPOINT_UNREADABLE / CHECKPOINT_NOT_WRITTEN, for files
# that are not what they claim. ``where`` reads "its header", "in its metadata,
# members['w']['shape']"...; ``got`` is a short description of a JSON value.
CHECKPOINT_BAD_VALUE = "{where} is {got}, but it must be {expected}"

CHECKPOINT_BAD_JSON_FIELD = "in its metadata, {field!r} holds {got}, but it must hold {expected}"

CHECKPOINT_MISSING_FIELD = "{where} has no {field!r} field"

CHECKPOINT_DUPLICATE_KEY = "{where} lists {key!r} twice"

CHECKPOINT_TOO_DEEP = "{where} nests JSON more than {limit} levels deep (a checkpoint needs 3)"

CHECKPOINT_NOT_JSON = "its metadata field {field!r} is not valid JSON"

CHECKPOINT_HINT_MALFORMED = (
    "The file was not written by symmodule.save, or was damaged since; load "
    "another copy of the checkpoint."
)

CHECKPOINT_HINT_TRUNCATED = (
    "The file was cut short (an interrupted copy or download, or a full disk); "
    "symmodule.save itself never leaves a partial file at the path it writes. "
    "Load another copy of the checkpoint."
)

CHECKPOINT_HINT_CORRUPT = "The file was damaged after it was written; load another copy of the checkpoint."

CHECKPOINT_HINT_FOREIGN = (
    "symmodule.load reads only checkpoints written by symmodule.save (safetensors "
    "files with symmodule metadata)."
)

# The reason when the safetensors parser refuses the header's array entries
# (types, sizes, offsets); ``detail`` is the parser's own message.
CHECKPOINT_SAFETENSORS_REFUSES = "the safetensors parser refuses it ({detail})"

CHECKPOINT_NOT_A_FILE = "it is {what}, not a regular file"

CHECKPOINT_HINT_NOT_A_FILE = (
    "Give the path of a checkpoint file written by symmodule.save, such as "
    "'model.safetensors'."
)

# The message of the IsADirectoryError for a folder, as open() would raise.
CHECKPOINT_IS_A_FOLDER = "Is a directory: a checkpoint is a file; give the path of one, such as {example!r}"

CHECKPOINT_BAD_PATH = (
    "{function}: the path must be a str, bytes or os.PathLike (a file name "
    "such as 'model.safetensors'), got {given}."
)

UNSUPPORTED_DTYPE = (
    "Cannot save {key!r}: it is {value_desc}, and a checkpoint stores numpy "
    "Generators and arrays of the dtypes {dtypes}. Convert it (value.astype(...)) "
    "or leave it out of the state dict."
)

STATE_NONE_VALUE = (
    "{key!r}: the value is None. To leave a member without a value, list its "
    "path in the state dict's .unset instead; otherwise give an array."
)
