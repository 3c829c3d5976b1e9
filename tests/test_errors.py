"""Every exception symmodule raises derives from SymmoduleError and from the
built-in exception a Python user would catch for that mistake."""

import pytest

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
    "MethodExecutionError": RuntimeError,  # the compiled code failed
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
