"""Fixtures for the persistence tests: example modules and checkpoints, an "instance unchanged"
check, and the rewriting of checkpoint files into hostile ones."""

import copy
import json
import os
import struct

import numpy as np
import pytest

import symmodule
from symmodule import errors, persist
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
    """Every piece of state of an instance tree: which object it holds, and that object's bytes."""

    def __init__(self, inst):
        self.state = symmodule.split(inst)[1]
        self.objects = self.state.snapshot()
        self.values = {path: _frozen(value) for path, value in self.objects.items()}

    def assert_unchanged(self):
        now = self.state.snapshot()
        for path, value in self.objects.items():
            assert now[path] is value, f"{path} was replaced"
            assert _frozen(now[path]) == self.values[path], f"{path} was changed"


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


def small_module():
    """A vector, a scalar and a stream: a small checkpoint with every kind of entry."""
    m = symmodule.Module()
    m.w = T.dvector()
    m.n = T.lscalar()
    m.random = T.randomstreams.RandomStreams(seed=3)
    m.draw = symmodule.Method([], m.random.uniform(size=(2,)))
    return m


@pytest.fixture(scope="module")
def module():
    """:func:`small_module`, made once per test file."""
    return small_module()


@pytest.fixture
def inst(module):
    return module.make(w=[1.0, 2.0, 3.0], n=4)


@pytest.fixture
def path(inst, tmp_path):
    """A valid checkpoint of ``inst``."""
    target = tmp_path / "model.safetensors"
    persist.save(inst, target)
    return target


def _same_state(a, b):
    sa, sb = persist.state_dict(a), persist.state_dict(b)
    assert list(sa) == list(sb) and sa.unset == sb.unset
    for key in sa:
        assert (sa[key].dtype, sa[key].shape, sa[key].tobytes()) == (sb[key].dtype, sb[key].shape, sb[key].tobytes())


@pytest.fixture
def same_state():
    """``same_state(a, b)``: the two instances hold the same state, byte for byte."""
    return _same_state


class Hostile:
    """Rewrite the bytes of a checkpoint file as a hostile or damaged file would have them."""

    #: As a value: the key is removed.
    DROP = object()

    @staticmethod
    def deep_json(levels=100_000):
        """JSON text nesting ``levels`` lists."""
        return "[" * levels + "]" * levels

    @staticmethod
    def split(data):
        """(header as a dict, data section) of a safetensors file's bytes."""
        length = struct.unpack("<Q", data[:8])[0]
        return json.loads(data[8 : 8 + length]), data[8 + length :]

    @staticmethod
    def join(header, body=b""):
        """A file's bytes from a header (a dict, or its JSON text) and a data section."""
        text = header if isinstance(header, str) else json.dumps(header)
        raw = text.encode("utf-8")
        return struct.pack("<Q", len(raw)) + raw + body

    @classmethod
    def rewrite(cls, path, change):
        """Apply ``change(header)`` to the file's header (it may return a replacement JSON text)."""
        header, body = cls.split(path.read_bytes())
        result = change(header)
        path.write_bytes(cls.join(header if result is None else result, body))

    @staticmethod
    def set_field(field, value):
        """A ``change`` for :meth:`rewrite`: the metadata string ``field`` becomes ``value``."""

        def change(header):
            header["__metadata__"][field] = value

        return change

    @classmethod
    def set_record(cls, key, value, member="w"):
        """A ``change``: ``members[member][key]`` (the whole record when ``key`` is None) becomes ``value``."""

        def change(header):
            members = json.loads(header["__metadata__"]["members"])
            if value is cls.DROP:
                del members[member][key]
            elif key is None:
                members[member] = value
            else:
                members[member][key] = value
            header["__metadata__"]["members"] = json.dumps(members)

        return change

    @classmethod
    def set_entry(cls, key, value, entry="w"):
        """A ``change``: the header's ``entry[key]`` (the whole entry when ``key`` is None) becomes ``value``."""

        def change(header):
            if value is cls.DROP:
                del header[entry][key]
            elif key is None:
                header[entry] = value
            else:
                header[entry][key] = value

        return change


@pytest.fixture
def hostile():
    """:class:`Hostile`: ``hostile.rewrite(path, hostile.set_field("members", "[]"))``..."""
    return Hostile


def _refused(path, match):
    with pytest.raises(errors.CheckpointError, match="(?s)" + match) as info:
        persist.read_checkpoint(path)
    assert info.value.path == os.fsdecode(path)
    return info.value


@pytest.fixture
def refused():
    """``refused(path, match)``: the CheckpointError read_checkpoint raises for ``path``, which it names."""
    return _refused
