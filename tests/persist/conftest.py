"""Fixtures for the persistence tests: example modules and an "instance unchanged" check."""

import copy

import numpy as np
import pytest

import symmodule
from symmodule import tensor as T
from symmodule.persist import encode_generator


def _frozen(value):
    if isinstance(value, np.random.Generator):
        return ("generator", bytes(encode_generator(value)))
    if value is None:
        return None
    array = np.asarray(value)
    return (array.dtype.str, array.shape, array.tobytes())


class Snapshot:
    """Every container of an instance tree: which object it holds, and that object's bytes."""

    def __init__(self, inst):
        root = inst._sm_root()
        self.storage = dict(root._sm_storage)
        self.objects = {key: c.storage[0] for key, c in self.storage.items()}
        self.values = {key: _frozen(c.storage[0]) for key, c in self.storage.items()}

    def assert_unchanged(self):
        for key, container in self.storage.items():
            assert container.storage[0] is self.objects[key], f"{key} was replaced"
            assert _frozen(container.storage[0]) == self.values[key], f"{key} was changed"


@pytest.fixture
def unchanged():
    """``snap = unchanged(inst)`` ... ``snap.assert_unchanged()``."""
    return Snapshot


def make_layered():
    """A module with most kinds of state: scalars, matrices, ints, an alias, a constant, a stream.

    ``layer`` is one inner module reached as ``layer`` and ``again``; ``tied``
    is ``layer.w`` again, through a list.
    """
    layer = symmodule.Module()
    layer.w = T.dmatrix()
    layer.b = T.fvector()
    layer.scale = 2.0  # a constant
    root = symmodule.Module()
    root.layer = layer
    root.again = layer
    root.tied = [layer.w]
    root.count = T.lscalar()
    root.flag = T.bscalar()
    root.lr = T.dscalar()
    root.random = T.randomstreams.RandomStreams(seed=7)
    noise = root.random.normal(size=(2,))
    x = T.dvector("x")
    root.step = symmodule.Method(
        x,
        [T.dot(layer.w, x) + layer.b + noise],
        updates={layer.w: layer.w * (1 - root.lr), root.count: root.count + 1},
    )
    return root


def init_values():
    return dict(
        layer=dict(w=np.arange(6.0).reshape(2, 3), b=np.array([0.5, -1.0], dtype="float32")),
        count=3,
        flag=np.int8(1),
        lr=0.25,
    )


@pytest.fixture
def layered():
    """(module, instance) of :func:`make_layered`, with values."""
    module = make_layered()
    return module, module.make(**init_values())


@pytest.fixture
def make_module():
    return make_layered


@pytest.fixture
def values():
    return copy.deepcopy(init_values())
