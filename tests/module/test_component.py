"""Component and Composite: Theano's method signatures, NotImplementedError on the base classes, eagerly."""

import pytest

from symmodule.compile import module as M


def test_component_allocate_takes_theanos_memo_alone():
    with pytest.raises(NotImplementedError, match="allocate"):
        M.Component().allocate({})


def test_component_build_takes_theanos_mode_and_memo():
    with pytest.raises(NotImplementedError, match="build"):
        M.Component().build("FAST_COMPILE", {})


def test_component_pretty_takes_theanos_keywords():
    with pytest.raises(NotImplementedError, match="pretty"):
        M.Component().pretty(header="x")


def test_composite_components_raises_when_called_not_when_iterated():
    with pytest.raises(NotImplementedError, match="components_map"):
        M.Composite().components()


def test_composite_get_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="get"):
        M.Composite().get("x")


def test_composite_set_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="set"):
        M.Composite().set("x", 1)


def test_composite_allocate_takes_theanos_memo_alone():
    assert M.Composite().allocate({}) is None
