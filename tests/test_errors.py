"""Every exception symmodule raises derives from SymmoduleError and from the
built-in exception a Python user would catch for that mistake."""

import pickle

import pytest
from numba.core.errors import TypingError

import symmodule
from symmodule import errors

#: Each error class and the built-in it must also be. A new error class must be
#: added here deliberately, with the built-in its users would expect.
EXPECTED_BUILTIN = {
    "NonFiniteUpdateError": FloatingPointError,  # check_finite refused a NaN/inf update
    "StateDictError": ValueError,  # a state dict that does not fit the instance
    "UnsupportedStateError": TypeError,  # state of a kind a state dict cannot hold
    "StateArgumentError": TypeError,  # a misused persistence function
    "CheckpointError": ValueError,  # a checkpoint file that cannot be read
    "CheckpointWriteError": OSError,  # a checkpoint that could not be written
    "AllocationError": TypeError,  # a value that cannot be given storage
    "DeclarationError": ValueError,  # an inconsistent Module, found by make()
    "UpdateError": ValueError,  # a bad update key/expression, found by make()
    "InitializationError": TypeError,  # an unknown keyword to make()/initialize()
    "MemberValueError": TypeError,  # a value of the wrong type written to a member
    "ReadonlyMemberError": AttributeError,  # writing a read-only attribute
    "UnsetMemberError": ValueError,  # a method reading a member with no value
    "MethodArgumentError": TypeError,  # a bad call signature or argument
    # The compiled code failed: what is raised is also of the engine's own class
    # (MethodValueError for a shape error, see the tests below), not a RuntimeError.
    "MethodExecutionError": Exception,
    "MethodNotCompiledError": TypeError,  # calling a declaration
    "ResolveError": LookupError,  # nothing at a path
    "ModeError": ValueError,  # an unknown mode name
    "InputSpecError": TypeError,  # a bad function input spec
    "RandomDrawError": ValueError,  # contradictory size/ndim of a draw
    "UnknownStreamError": KeyError,  # inst.random[rng] of an unknown stream
}

EXPORTED = [name for name in errors.__all__ if name != "SymmoduleError"]


def test_symmodule_error_is_an_exception():
    assert issubclass(errors.SymmoduleError, Exception)


def test_symmodule_error_is_exported_at_top_level():
    assert symmodule.SymmoduleError is errors.SymmoduleError


@pytest.mark.parametrize("name", EXPORTED)
def test_every_error_derives_from_symmodule_error(name):
    assert issubclass(getattr(errors, name), errors.SymmoduleError)


@pytest.mark.parametrize("name", EXPORTED)
def test_every_exported_error_has_an_expected_builtin(name):
    assert name in EXPECTED_BUILTIN, f"add {name} and its built-in base to EXPECTED_BUILTIN"


@pytest.mark.parametrize("name", sorted(EXPECTED_BUILTIN))
def test_error_derives_from_the_expected_builtin(name):
    cls = getattr(errors, name, None)
    if cls is None:
        pytest.fail(f"symmodule.errors.{name} is missing")
    assert issubclass(cls, EXPECTED_BUILTIN[name])


def test_update_error_is_a_declaration_error():
    assert issubclass(errors.UpdateError, errors.DeclarationError)


@pytest.mark.parametrize("name", EXPORTED)
def test_every_error_takes_a_message(name):
    exc = getattr(errors, name)("the message")
    assert "the message" in str(exc)


# -- errors of the compiled code keep the engine's class ------------------------------------------

#: The classes compiled code raises: NumPy and PyTensor's Python code, Numba (which raises
#: built-ins, and SystemError when a callback into Python fails), JAX (TypeError for a
#: shape), CheckAndRaise/Assert, and an OSError subclass (an instance layout of its own).
ENGINE_CLASSES = [
    ValueError,
    IndexError,
    TypeError,
    AssertionError,
    ZeroDivisionError,
    FloatingPointError,
    SystemError,
    MemoryError,
    KeyError,
    OSError,
    FileNotFoundError,
    UnicodeDecodeError,
]


@pytest.mark.parametrize("engine", ENGINE_CLASSES, ids=lambda cls: cls.__name__)
def test_execution_error_class_derives_from_the_engine_class_and_method_execution_error(engine):
    cls = errors.execution_error_class(engine)
    assert issubclass(cls, engine) and issubclass(cls, errors.MethodExecutionError)
    assert cls.__name__ == f"Method{engine.__name__}" and cls.engine_class is engine


@pytest.mark.parametrize("engine", ENGINE_CLASSES, ids=lambda cls: cls.__name__)
def test_execution_error_shows_its_message_as_given(engine):
    # KeyError's own __str__ would show the repr; UnicodeDecodeError's needs five arguments.
    assert str(errors.execution_error_class(engine)("Method 'f' failed")) == "Method 'f' failed"


def test_execution_error_class_is_made_once_per_engine_class():
    assert errors.execution_error_class(ValueError) is errors.execution_error_class(ValueError)


def test_execution_error_of_an_engine_subclass_keeps_the_subclass():
    cls = errors.execution_error_class(TypingError)
    assert issubclass(cls, TypingError) and cls.engine_class is TypingError


class _Final(ValueError):
    """An engine class that refuses subclasses, as a C extension's final type does."""

    def __init_subclass__(cls, **kwargs):
        raise TypeError("_Final cannot be subclassed")


class _NeedsTwoArguments(IndexError):
    """An engine class that cannot be made with a message alone."""

    def __new__(cls, position, size):
        return super().__new__(cls, position, size)


@pytest.mark.parametrize("engine, nearest", [(_Final, ValueError), (_NeedsTwoArguments, IndexError)])
def test_execution_error_class_falls_back_to_the_nearest_base_that_combines(engine, nearest):
    cls = errors.execution_error_class(engine)
    assert cls.engine_class is nearest and issubclass(cls, errors.MethodExecutionError)


@pytest.mark.parametrize("engine", [KeyboardInterrupt, SystemExit, GeneratorExit, Exception])
def test_execution_error_class_combines_only_exception_subclasses(engine):
    assert errors.execution_error_class(engine) is errors.MethodExecutionError


def test_execution_error_pickles_as_the_same_class_and_message():
    error = errors.execution_error_class(IndexError)("Method 'get' failed: index 7")
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is type(error) and str(restored) == str(error)


def test_member_attribute_is_an_attribute_for_a_name_and_an_item_for_a_path():
    assert [errors.member_attribute(p) for p in ("c", "inner.v", "layers.0", "class")] == [
        "inst.c",
        "inst['inner.v']",
        "inst['layers.0']",
        "inst['class']",
    ]
