"""A catalogue of bad inputs: each is refused with a clear error, and no state is lost.

Issue "Never lose or corrupt state". Every case below is a mistake a user can
really make. Each test asserts

(a) the type of the error,
(b) key words of its message (the *what* and the *where*: a member path or
    a method name), and
(c) that nothing was lost or corrupted: every piece of storage of the
    instance (a bit-for-bit snapshot through ``state_dict()``, RandomStreams
    generator states included, plus the identity of every stored object and
    of every alias) is unchanged afterwards, and the instance then behaves
    exactly like a copy taken before the mistake (same outputs, same state).

Declaration errors raised by ``make()`` (and other errors raised before any
instance exists) have no instance: for them the test asserts that the Module
is unchanged (same attributes, same Method declarations), and that ``make()``
works once the mistake is fixed, giving an instance that behaves like one
made from a Module that never had the mistake.

Distinct cases: 102 (80 on an instance, 22 on a Module), grouped as
  method calls ...................... 20
  writes to members ................. 27
  state dicts ....................... 17
  checkpoint files .................. 16
  declarations and misuse of the API  22
"""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import symmodule
from symmodule import errors
from symmodule import tensor as T
from symmodule.module import Member, Method, Module

# --------------------------------------------------------------------------- the fixture module

X = [1.0, 2.0, 3.0]


def build_module() -> Module:
    """One Module with every kind of state, and methods updating several members at once.

    * ``W`` float64 matrix, ``b`` float64 vector, ``s`` float64 scalar,
      ``count`` int64 scalar, ``bias3`` float64 vector of static shape (3,);
    * ``scale``: a constant;
    * ``inner``: an inner module (member ``v``, method ``grow``), reached a
      second time as ``tied`` (so ``tied.v`` is an alias of ``inner.v``);
    * ``layers``: a list of two vectors; ``table``: a dict of a scalar and a vector;
    * ``random``: a RandomStreams with one stream (``module._noise``).
    """
    inner = Module()
    inner.v = T.dvector()
    m = Module()
    m.W = T.dmatrix()
    m.b = T.dvector()
    m.s = T.dscalar()
    m.count = T.lscalar()
    m.bias3 = T.tensor(dtype="float64", shape=(3,))
    m.scale = 2.0
    m.inner = inner
    m.tied = inner
    m.layers = [T.dvector(), T.dvector()]
    m.table = {"x": T.dscalar(), "y": T.dvector()}
    m.random = T.randomstreams.RandomStreams(seed=3)
    noise = m.random.normal(size=(2,), std=0.1)
    m._noise = noise  # private: a plain Python attribute, never a component

    x = T.dvector("x")
    n = T.dscalar("n")
    k = T.lscalar("k")
    x3 = T.tensor(dtype="float64", shape=(3,), name="x3")
    m.step = Method(
        [x, n],
        T.dot(m.W, x) + m.b * m.scale,
        updates={
            m.W: m.W * (1 - n),
            m.b: m.b + noise * n,
            m.s: m.s + n,
            m.count: m.count + 1,
            inner.v: inner.v * 2,
            m.table["x"]: m.table["x"] + n,
        },
    )
    m.add = Method(k, m.count + k, updates={m.count: m.count + k, m.layers[1]: m.layers[1] * 2})
    m.fixed = Method(x3, T.dot(m.W, x3), updates={m.bias3: m.bias3 + x3, m.s: m.s + x3.sum()})
    m.log_step = Method(
        n,
        [],
        updates={m.s: m.s + T.log(n), m.layers[0]: m.layers[0] + n, m.table["y"]: m.table["y"] * n},
    )
    inner.grow = Method(n, inner.v.sum(), updates={"v": inner.v + n})
    return m


def initial_values() -> dict[str, Any]:
    return {
        "W": np.arange(6.0).reshape(2, 3),
        "b": np.array([1.0, -1.0]),
        "s": 0.5,
        "count": 3,
        "bias3": np.array([0.1, 0.2, 0.3]),
        "inner": {"v": np.array([1.0, 2.0, 3.0])},
        "layers": [np.zeros(2), np.ones(4)],
        "table": {"x": 1.5, "y": np.array([0.0, 1.0])},
    }


# --------------------------------------------------------------------------- snapshots


def _frozen_state(inst) -> tuple:
    sd = symmodule.state_dict(inst)
    arrays = {key: (value.dtype.str, value.shape, value.tobytes()) for key, value in sd.items()}
    return arrays, dict(sd.aliases), list(sd.unset), list(sd)


class Snapshot:
    """Every piece of storage of ``inst``: its bytes (through state_dict), its object, its aliases."""

    def __init__(self, ctx: Ctx) -> None:
        inst = ctx.inst
        self.state = _frozen_state(inst)
        sd = symmodule.state_dict(inst)
        self.objects = {path: inst[path] for path in sd if path != "random.rng0"}
        self.objects["random.rng0"] = inst.random[ctx.noise]
        self.aliases = dict(sd.aliases)
        self.scale = inst.scale

    def assert_unchanged(self, ctx: Ctx) -> None:
        inst = ctx.inst
        if _frozen_state(inst) != self.state:
            pytest.fail(_changed(self.state, _frozen_state(inst)), pytrace=False)
        for path, obj in self.objects.items():
            now = inst.random[ctx.noise] if path == "random.rng0" else inst[path]
            assert now is obj, f"{path} was replaced"
        for alias, first in self.aliases.items():
            assert inst[alias] is inst[first], f"alias {alias} no longer reads {first}"
        assert inst.scale == self.scale and inst.tied is inst.inner


def _changed(before: tuple, after: tuple) -> str:
    keys = set(before[0]) | set(after[0])
    changed = sorted(k for k in keys if before[0].get(k) != after[0].get(k))
    return f"state changed at {changed}; unset {before[2]} -> {after[2]}"


def probe(inst) -> list:
    """Run every method once; what they return and the state they leave, as comparable data."""
    seen = []
    calls = [
        lambda: inst.step(X, 0.25),
        lambda: inst.add(2),
        lambda: inst.fixed(X),
        lambda: inst.log_step(2.0),
        lambda: inst.inner.grow(1.0),
        lambda: inst.tied.grow(0.5),
    ]
    for call in calls:
        try:
            out = call()
        except Exception as exc:  # noqa: BLE001  (e.g. a member left unset by the case's setup)
            seen.append(("raised", type(exc).__name__))
        else:
            seen.append(None if out is None else np.asarray(out).tobytes())
    seen.append(_frozen_state(inst))
    return seen


def module_snapshot(module: Any) -> Any:
    """The declaration of a Module tree: what each attribute holds (by identity), methods in full."""
    seen: dict[int, Any] = {}

    def walk(obj: Any) -> Any:
        if isinstance(obj, Module):
            if id(obj) in seen:
                return ("module", id(obj))
            seen[id(obj)] = True
            return (
                "module",
                id(obj),
                type(obj),
                tuple((name, walk(value)) for name, value in obj.__dict__.items()),
            )
        if isinstance(obj, Method):
            return (
                "method",
                id(obj),
                walk(obj.inputs),
                walk(obj.outputs),
                tuple((walk(k), walk(v)) for k, v in obj.updates.items()),
                obj.mode,
                obj.check_finite,
            )
        if isinstance(obj, (list, tuple)):
            return (type(obj).__name__, id(obj), tuple(walk(item) for item in obj))
        if isinstance(obj, dict):
            return ("dict", id(obj), tuple((key, walk(value)) for key, value in obj.items()))
        return ("object", id(obj))

    return walk(module)


# --------------------------------------------------------------------------- the table


@dataclass
class Ctx:
    """What a case acts on: a fresh instance of the fixture module, and a checkpoint of it."""

    module: Module
    inst: Any
    noise: Any
    folder: Any
    path: str = ""
    raw: bytes = b""

    def write(self, name: str, data: bytes) -> str:
        target = os.path.join(self.folder, name)
        with open(target, "wb") as handle:
            handle.write(data)
        return target


@dataclass
class Case:
    action: Callable[[Any], Any]
    error: type[BaseException]
    match: str
    setup: Callable[[Ctx], Any] | None = None
    check: Callable[[BaseException], Any] | None = None
    make: dict[str, Any] = field(default_factory=dict)


@dataclass
class DeclarationCase:
    defect: Callable[[Module], Any]  # applies the mistake; returns the Module to make (default: the one given)
    error: type[BaseException]
    match: str
    trigger: Callable[[Module], Any] | None = None  # what raises; default: make(**initial_values())
    fix: str | Callable[[Module], Any] | None = "bad"  # attribute to delete, or a function, or nothing


CASES: list[Any] = []
DECLARATION_CASES: list[Any] = []


def case(error, match, *, setup=None, check=None, make=None):
    """Register a bad action on an instance of the fixture module."""

    def register(action):
        CASES.append(pytest.param(Case(action, error, match, setup, check, make or {}), id=action.__name__))
        return action

    return register


def declaration(error, match, *, trigger=None, fix="bad"):
    """Register a mistake found before any instance exists (by make(), resolve(), ...)."""

    def register(defect):
        DECLARATION_CASES.append(
            pytest.param(DeclarationCase(defect, error, match, trigger, fix), id=defect.__name__)
        )
        return defect

    return register


def unset(path):
    def setup(ctx):
        ctx.inst[path] = None

    return setup


# --------------------------------------------------------------------------- method calls (20)


@case(errors.MethodArgumentError, r"'step' takes 2 argument\(s\) \(x, n\) but 3 were given")
def call_with_too_many_arguments(ctx):
    ctx.inst.step(X, 1.0, 2.0)


@case(errors.MethodArgumentError, r"'step'.*missing argument 'n'")
def call_with_a_missing_argument(ctx):
    ctx.inst.step(X)


@case(errors.MethodArgumentError, r"'step'.*\bfoo\b")
def call_with_an_unknown_keyword(ctx):
    ctx.inst.step(X, 1.0, foo=2.0)


@case(errors.MethodArgumentError, r"'step'.*'W' is a Member")
def call_passing_a_member_by_keyword(ctx):
    ctx.inst.step(X, 1.0, W=np.eye(2, 3))


@case(errors.MethodArgumentError, r"'step'.*'inner\.v' is a Member")
def call_passing_an_inner_member_by_keyword(ctx):
    ctx.inst.step(X, 1.0, **{"inner.v": np.zeros(3)})


@case(errors.MethodArgumentError, r"'add'.*argument 'k'.*int64")
def call_float_into_an_int_input(ctx):
    ctx.inst.add(1.5)


@case(errors.MethodArgumentError, r"'add'.*argument 'k'")
def call_int_input_overflowing_int64(ctx):
    ctx.inst.add(2**70)


@case(errors.MethodArgumentError, r"'step'.*argument 'n'.*float64.*complex")
def call_complex_into_a_float_input(ctx):
    ctx.inst.step(X, 1j)


@case(errors.MethodArgumentError, r"'step'.*argument 'x'.*1 dimension.*2 dimension")
def call_with_the_wrong_ndim(ctx):
    ctx.inst.step([X], 1.0)


@case(errors.MethodArgumentError, r"'fixed'.*argument 'x3'.*shape \(3\)")
def call_with_the_wrong_static_shape(ctx):
    ctx.inst.fixed([1.0, 2.0])


@case(errors.MethodArgumentError, r"'step'.*argument 'x'.*str")
def call_with_a_string(ctx):
    ctx.inst.step("abc", 1.0)


@case(errors.MethodArgumentError, r"'step'.*argument 'n'.*NoneType")
def call_with_none(ctx):
    ctx.inst.step(X, None)


@case(errors.MethodArgumentError, r"'step'.*argument 'x'")
def call_with_a_ragged_list(ctx):
    ctx.inst.step([[1.0], [1.0, 2.0]], 1.0)


# decisions.md: a call with a bad argument is refused as a MethodArgumentError that
# names the argument; symmodule.errors: MethodExecutionError is for "the compiled
# code of a method failed while running", which is not what happened here.
@case(errors.MethodArgumentError, r"'step'.*argument 'n'")
def call_with_a_string_by_keyword(ctx):
    ctx.inst.step(X, n="abc")


# Python itself says "got multiple values for argument"; a TypeError naming the
# argument, not "failed inside the compiled code" (the code never ran).
@case(errors.MethodArgumentError, r"'step'.*'x'")
def call_giving_an_argument_twice(ctx):
    ctx.inst.step(X, 1.0, x=X)


@case(ValueError, r"'step' failed inside the compiled code: ValueError.*\n  The operation that failed: .*, on inputs of shapes \(2, 3\) and \(2, 1\)")
def call_failing_inside_the_compiled_code(ctx):
    # x has 2 entries, W has 3 columns: the dot product fails after other updates were computed.
    ctx.inst.step([1.0, 2.0], 1.0)


@case(errors.NonFiniteUpdateError, r"'log_step'.*NaN or inf.*member 's'", make={"check_finite": True})
def call_computing_a_nan_update(ctx):
    ctx.inst.log_step(-1.0)  # log(-1) is NaN; layers.0 and table.y get finite updates in the same call


@case(errors.NonFiniteUpdateError, r"'log_step'.*member 's'", make={"check_finite": True})
def call_computing_an_inf_update(ctx):
    ctx.inst.log_step(0.0)


@case(errors.UnsetMemberError, r"'step' reads member 's', which has no value", setup=unset("s"))
def call_reading_an_unset_member(ctx):
    ctx.inst.step(X, 1.0)


@case(errors.UnsetMemberError, r"Method 'inner\.grow' reads member 'inner\.v'", setup=unset("inner.v"))
def call_inner_method_reading_an_unset_member(ctx):
    ctx.inst.tied.grow(1.0)


# --------------------------------------------------------------------------- writes to members (27)


@case(errors.MemberValueError, r"member 'W'.*2 dimension")
def write_wrong_ndim(ctx):
    ctx.inst.W = [1.0, 2.0]


@case(errors.MemberValueError, r"member 'W'.*str")
def write_a_string(ctx):
    ctx.inst.W = "abc"


@case(errors.MemberValueError, r"member 'count'.*int64")
def write_a_float_into_an_int_member(ctx):
    ctx.inst.count = 1.5


@case(errors.MemberValueError, r"member 'count'.*float64")
def write_a_float_array_into_an_int_member(ctx):
    ctx.inst.count = np.array(2.0)  # decisions.md: a cast across kinds is refused


@case(errors.MemberValueError, r"member 'count'")
def write_an_int_overflowing_the_member(ctx):
    ctx.inst.count = 2**70


@case(errors.MemberValueError, r"member 'count'.*uint64")
def write_an_int_changed_by_the_cast(ctx):
    ctx.inst.count = np.uint64(2**63 + 5)  # decisions.md: an integer cast that changes a value


@case(errors.MemberValueError, r"member 's'.*complex")
def write_a_complex_into_a_float_member(ctx):
    ctx.inst.s = 1 + 2j


@case(errors.MemberValueError, r"member 's'.*Generator")
def write_a_generator_into_an_array_member(ctx):
    ctx.inst.s = np.random.default_rng(0)


@case(errors.MemberValueError, r"member 'bias3'.*shape \(3\)")
def write_the_wrong_static_shape(ctx):
    ctx.inst.bias3 = [1.0, 2.0]


@case(errors.ReadonlyMemberError, r"^Cannot set readonly member 'scale'")
def write_a_constant(ctx):
    ctx.inst.scale = 3.0


@case(errors.SymmoduleError, r"Cannot replace method 'step'")
def replace_a_method(ctx):
    ctx.inst.step = lambda *args: None


@case(errors.SymmoduleError, r"Cannot replace .*'inner'")
def replace_an_inner_module(ctx):
    ctx.inst.inner = ctx.module.make(**initial_values()).inner


@case(AttributeError, r"Cannot delete W")
def delete_a_member(ctx):
    del ctx.inst.W


@case(AttributeError, r"Cannot delete step")
def delete_a_method(ctx):
    del ctx.inst.step


@case(errors.SymmoduleError, r"'table\.x'")
def delete_a_dict_entry(ctx):
    del ctx.inst.table["x"]


@case(AttributeError, r"'component'")
def replace_the_component(ctx):
    ctx.inst.component = Module()


@case(errors.MemberValueError, r"member 'layers\.1'.*1 dimension")
def write_a_list_item_with_the_wrong_ndim(ctx):
    ctx.inst.layers[1] = [[1.0]]


@case(errors.MemberValueError, r"member 'table\.x'.*str")
def write_a_string_into_a_dict_item(ctx):
    ctx.inst.table["x"] = "s"


@case(errors.MemberValueError, r"member 'tied\.v'|member 'inner\.v'")
def write_a_string_through_an_alias_path(ctx):
    ctx.inst["tied.v"] = "x"


@case(errors.MemberValueError, r"'layers'.*2 elements")
def assign_a_list_of_the_wrong_length(ctx):
    ctx.inst.layers = [np.zeros(2)]


# A container can be assigned element-wise, and a refused write keeps the old
# value (docs/decisions.md: "A refused write raises and keeps the previous
# value"). Here layers.0 would be written before layers.1 is refused.
@case(errors.MemberValueError, r"member 'layers\.1'")
def assign_a_list_with_one_bad_element(ctx):
    ctx.inst.layers = [np.zeros(3), "bad"]


# Same rule for a dict-like container: table.x must not be written when table.y is refused.
@case(errors.MemberValueError, r"member 'table\.y'")
def assign_a_dict_with_one_bad_value(ctx):
    ctx.inst.table = {"x": 2.0, "y": "bad"}


@case(errors.MemberValueError, r"'table'.*give a dict")
def assign_a_list_to_a_dict_container(ctx):
    ctx.inst.table = [1.0, 2.0]


@case(errors.MemberValueError, r"RandomStreams 'random'.*numpy\.random\.Generator")
def write_a_non_generator_into_a_stream(ctx):
    ctx.inst.random[ctx.noise] = 42


@case(errors.UnknownStreamError, r"RandomStreams 'random'.*nope")
def write_a_generator_under_an_unknown_stream(ctx):
    ctx.inst.random["nope"] = np.random.default_rng(1)


# inst.initialize(...) runs _instance_initialize again; an unknown key is an
# error, and no refused input may lose state. W must not be overwritten by a
# call that is refused because of the next key.
@case(errors.InitializationError, r"unknown initial value 'bogus'")
def initialize_with_an_unknown_key_after_a_good_one(ctx):
    ctx.inst.initialize(W=np.eye(2, 3), bogus=1)


@case(errors.MemberValueError, r"member 'inner\.v'.*1 dimension")
def initialize_with_a_bad_inner_value_after_a_good_one(ctx):
    ctx.inst.initialize(W=np.eye(2, 3), inner={"v": [[1.0]]})


# --------------------------------------------------------------------------- state dicts (17)


def edited_state(ctx, **changes):
    """The instance's own state dict with entries removed (value ...) or replaced."""
    sd = symmodule.state_dict(ctx.inst)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is ...:
            del sd[key]
        else:
            sd[key] = value
    return sd


@case(errors.StateDictError, r"missing 'b'")
def load_state_dict_with_a_missing_key(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, b=...))


@case(errors.StateDictError, r"unexpected 'bias'")
def load_state_dict_with_an_unexpected_key(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, bias=np.zeros(2)))


@case(errors.StateDictError, r"wrong shape at 'W'.*\(3, 3\)")
def load_state_dict_with_a_wrong_shape(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, W=np.zeros((3, 3))))


@case(errors.StateDictError, r"wrong shape at 'W'.*2 dimension")
def load_state_dict_with_a_wrong_ndim(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, W=np.zeros(6)))


@case(errors.StateDictError, r"wrong shape at 'bias3'.*shape \(3\)", setup=unset("bias3"))
def load_state_dict_with_a_wrong_static_shape(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, bias3=np.zeros(2)))


@case(errors.StateDictError, r"wrong dtype at 'count'.*int32.*int64")
def load_state_dict_with_a_wrong_dtype(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, count=np.array(1, dtype="int32")))


def _all_four(exc):
    assert exc.missing == ["b"]
    assert exc.unexpected == ["bias"]
    assert exc.mismatched == ["W", "count"]
    assert "4 problem(s)" in str(exc)


@case(
    errors.StateDictError,
    r"(?s)missing 'b'.*unexpected 'bias'.*wrong shape at 'W'.*wrong dtype at 'count'",
    check=_all_four,
)
def load_state_dict_with_several_problems_at_once(ctx):
    bad = edited_state(ctx, b=..., bias=np.zeros(2), W=np.zeros((3, 3)), count=np.array(1, dtype="int32"))
    symmodule.load_state_dict(ctx.inst, bad)


@case(errors.StateDictError, r"at 's'")
def load_state_dict_with_a_string_value(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, s="hello"))


@case(errors.StateDictError, r"at 'table\.y'")
def load_state_dict_with_an_object_value(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, table__y=object()))


# docs/saving.md: "Unset members (no value yet) are not entries; sd.unset lists
# them". A None *entry* is not a value of the member's dtype and shape, so a strict
# load must refuse it rather than silently erase the trained value of 's'.
@case(errors.StateDictError, r"'s'")
def load_state_dict_with_a_none_value(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, s=None))


@case(errors.StateDictError, r"bad value at 'random\.rng0'.*JSON")
def load_state_dict_with_garbage_generator_bytes(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, random__rng0=np.frombuffer(b"garbage", dtype=np.uint8).copy()))


@case(errors.StateDictError, r"bad value at 'random\.rng0'.*os\.system")
def load_state_dict_with_an_unknown_bit_generator(ctx):
    state = json.loads(bytes(symmodule.state_dict(ctx.inst)["random.rng0"]).decode())
    state["bit_generator"] = "os.system"
    encoded = np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy()
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, random__rng0=encoded))


@case(errors.StateDictError, r"bad value at 'random\.rng0'.*uint8")
def load_state_dict_with_a_float_array_as_generator(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, random__rng0=np.zeros(3)))


@case(errors.StateDictError, r"bad value at 's'.*Generator")
def load_state_dict_with_a_generator_for_an_array(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, s=np.random.default_rng(0)))


@case(errors.StateDictError, r"unexpected 'scale'.*constant")
def load_state_dict_with_a_constant_entry(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, scale=np.array(3.0)))


@case(errors.StateDictError, r"unexpected 'tied\.v'.*same member as 'inner\.v'")
def load_state_dict_with_an_alias_and_its_first_path(ctx):
    symmodule.load_state_dict(ctx.inst, edited_state(ctx, tied__v=np.zeros(3)))


@case(errors.StateArgumentError, r"load_state_dict.*mapping.*list")
def load_state_dict_of_a_list_of_pairs(ctx):
    symmodule.load_state_dict(ctx.inst, list(symmodule.state_dict(ctx.inst).items()))


# --------------------------------------------------------------------------- checkpoint files (16)


def _with_header(raw: bytes, edit: Callable[[dict], Any]) -> bytes:
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    edit(header)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + raw[8 + length :]


@case(FileNotFoundError, r"nope\.safetensors")
def load_a_missing_file(ctx):
    symmodule.load(os.path.join(ctx.folder, "nope.safetensors"), into=ctx.inst)


@case(errors.CheckpointError, r"'.*empty\.safetensors'.*empty")
def load_an_empty_file(ctx):
    symmodule.load(ctx.write("empty.safetensors", b""), into=ctx.inst)


@case(errors.CheckpointError, r"'.*cut\.safetensors'.*truncated")
def load_a_file_truncated_in_its_header(ctx):
    symmodule.load(ctx.write("cut.safetensors", ctx.raw[:100]), into=ctx.inst)


@case(errors.CheckpointError, r"'.*cut\.safetensors'.*truncated")
def load_a_file_truncated_in_its_data(ctx):
    symmodule.load(ctx.write("cut.safetensors", ctx.raw[:-10]), into=ctx.inst)


@case(errors.CheckpointError, r"'.*bad\.safetensors'.*header")
def load_a_file_with_a_corrupt_header(ctx):
    symmodule.load(ctx.write("bad.safetensors", ctx.raw[:8] + b"{garbage" + ctx.raw[16:]), into=ctx.inst)


@case(errors.CheckpointError, r"'.*bad\.safetensors'.*corrupt.*checksum")
def load_a_file_with_corrupt_data(ctx):
    raw = bytearray(ctx.raw)
    raw[-5] ^= 0xFF
    symmodule.load(ctx.write("bad.safetensors", bytes(raw)), into=ctx.inst)


@case(errors.CheckpointError, r"'.*model\.pkl'.*pickle")
def load_a_pickle(ctx):
    symmodule.load(ctx.write("model.pkl", pickle.dumps(symmodule.state_dict(ctx.inst))), into=ctx.inst)


@case(errors.CheckpointError, r"'.*model\.npy'.*\.npy")
def load_a_npy_file(ctx):
    buffer = io.BytesIO()
    np.save(buffer, np.arange(6.0))
    symmodule.load(ctx.write("model.npy", buffer.getvalue()), into=ctx.inst)


@case(errors.CheckpointError, r"'.*notes\.txt'.*text file")
def load_a_text_file(ctx):
    symmodule.load(ctx.write("notes.txt", b"W = [[0, 1, 2], [3, 4, 5]]\n"), into=ctx.inst)


@case(errors.CheckpointError, r"'.*foreign\.safetensors'.*not a symmodule checkpoint")
def load_a_foreign_safetensors_file(ctx):
    from safetensors.numpy import save_file

    target = os.path.join(ctx.folder, "foreign.safetensors")
    save_file({"W": np.zeros((2, 3))}, target)
    symmodule.load(target, into=ctx.inst)


@case(errors.CheckpointError, r"'.*future\.safetensors'.*format version 2")
def load_a_future_format_version(ctx):
    def bump(header):
        header["__metadata__"]["format_version"] = "2"

    symmodule.load(ctx.write("future.safetensors", _with_header(ctx.raw, bump)), into=ctx.inst)


@case(IsADirectoryError, r"Is a directory")
def load_a_directory(ctx):
    symmodule.load(ctx.folder, into=ctx.inst)


@case(errors.StateArgumentError, r"needs into=")
def load_without_into(ctx):
    symmodule.load(ctx.path)


@case(errors.StateArgumentError, r"into must be a ModuleInstance.*Module")
def load_into_the_module_instead_of_an_instance(ctx):
    symmodule.load(ctx.path, into=ctx.module)


@case(errors.StateDictError, r"(?s)other\.safetensors.*missing 'b'")
def load_the_checkpoint_of_another_module(ctx):
    other = Module()
    other.W = T.dmatrix()
    target = os.path.join(ctx.folder, "other.safetensors")
    symmodule.save(other.make(W=np.zeros((2, 3))), target)
    symmodule.load(target, into=ctx.inst)


def _resize_w(ctx):
    ctx.inst.W = np.zeros((4, 4))  # the model was changed since the checkpoint was written


@case(errors.StateDictError, r"(?s)model\.safetensors.*wrong shape at 'W'", setup=_resize_w)
def load_a_checkpoint_that_no_longer_fits(ctx):
    symmodule.load(ctx.path, into=ctx.inst)


# --------------------------------------------------------------------------- declarations and API misuse (22)


@declaration(errors.UpdateError, r"Method 'bad'.*not a Member.*External")
def update_of_an_external(m):
    m.bad = Method([], [], updates={m.W * 2: m.W})


@declaration(errors.UpdateError, r"Method 'bad'.*'nothere'.*not a Member")
def update_of_an_unknown_name(m):
    m.bad = Method([], [], updates={"nothere": m.s})


@declaration(errors.UpdateError, r"Method 'bad'.*cannot update 'scale'.*constant")
def update_of_a_constant(m):
    m.bad = Method([], [], scale=m.s)


@declaration(errors.UpdateError, r"Method 'bad'.*update key z is not a Member")
def update_of_a_variable_outside_the_tree(m):
    m.bad = Method([], [], updates={T.dscalar("z"): m.s})


@declaration(errors.UpdateError, r"Method 'bad'.*'step'.*Method")
def update_of_a_method(m):
    m.bad = Method([], [], step=m.s)


@declaration(errors.DeclarationError, r"Method 'bad'.*'s' is both an explicit input and updated")
def variable_in_both_inputs_and_updates(m):
    m.bad = Method([m.s], [], updates={m.s: m.s + 1})


@declaration(errors.UpdateError, r"Method 'bad'.*update of member 's'.*Matrix")
def update_of_the_wrong_ndim(m):
    m.bad = Method([], [], updates={m.s: m.W})


@declaration(errors.UpdateError, r"Method 'bad'.*update of member 'count'.*int64")
def update_of_the_wrong_dtype(m):
    m.bad = Method([], [], updates={m.count: m.s})


@declaration(errors.DeclarationError, r"Method 'bad'.*reads q")
def method_reading_an_undeclared_variable(m):
    m.bad = Method([], m.s + T.dscalar("q"))


@declaration(errors.DeclarationError, r"Method 'bad'.*input 'x'")
def method_input_that_is_a_string(m):
    m.bad = Method(["x"], m.s)


@declaration(errors.DeclarationError, r"Method 'bad'.*output")
def method_output_that_is_not_an_expression(m):
    m.bad = Method([], object())


@declaration(errors.DeclarationError, r"'initialize' is reserved", fix="initialize")
def member_with_a_reserved_name(m):
    m.initialize = T.dscalar()


@declaration(errors.ModeError, r"Unknown mode 'FASTEST'", trigger=lambda m: m.make(mode="FASTEST"), fix=None)
def unknown_mode_name(m):
    pass


@declaration(
    errors.InitializationError,
    r"unknown initial value 'bogus'.*W, b",
    trigger=lambda m: m.make(bogus=1, **initial_values()),
    fix=None,
)
def make_with_an_unknown_init_key(m):
    pass


@declaration(
    errors.MemberValueError,
    r"member 'W'.*str",
    trigger=lambda m: m.make(**{**initial_values(), "W": "abc"}),
    fix=None,
)
def make_with_a_bad_init_value(m):
    pass


@declaration(
    errors.MethodNotCompiledError,
    r"declaration and cannot be called before make\(\)",
    trigger=lambda m: m.step(X, 1.0),
    fix=None,
)
def calling_a_method_before_make(m):
    pass


@declaration(
    errors.ResolveError,
    r"nothing at 'lyers\.0'.*'lyers'.*layers",
    trigger=lambda m: m.resolve("lyers.0"),
    fix=None,
)
def resolve_of_a_missing_path(m):
    pass


@declaration(
    errors.ResolveError,
    r"'inner\.v' is a Member, not a Method",
    trigger=lambda m: m.resolve("inner.v", filter=Method),
    fix=None,
)
def resolve_with_the_wrong_filter(m):
    pass


@declaration(errors.ResolveError, r"not a member or expression anywhere", trigger=lambda m: m.resolve(T.dscalar()), fix=None)
def resolve_of_a_foreign_variable(m):
    pass


@declaration(
    errors.AllocationError,
    r"Member\(.*\) at declaration.*no owner",
    trigger=lambda m: setattr(m, "bad", Member(m.W * 2)),
    fix=None,
)
def member_of_a_computed_expression(m):
    pass


@declaration(errors.InitializationError, r"positional arguments", trigger=lambda m: m.make(1), fix=None)
def make_with_a_positional_argument(m):
    pass


# symmodule/errors/: "All errors derive from SymmoduleError", and each message
# says what went wrong, where and how to fix it. register_wrapper's wrapper must
# return a Component; one returning a string must be reported as such (naming the
# attribute), not as "'str' object has no attribute '_sm_identity'".
@declaration(errors.SymmoduleError, r"(?s)(Component.*\btag\b|\btag\b.*Component)", fix="tag")
def register_wrapper_returning_a_non_component(m):
    class Wrapped(Module):
        pass

    symmodule.register_wrapper(
        lambda value: isinstance(value, str) and value.startswith("wrap:"),
        lambda value: value[len("wrap:") :],  # a string, not a Component
        module_class=Wrapped,
    )
    wrapped = Wrapped()
    wrapped.c = T.dscalar()
    wrapped.tag = "wrap:me"
    return wrapped


# --------------------------------------------------------------------------- the tests


def test_the_catalogue_is_large_enough():
    ids = [p.id for p in CASES + DECLARATION_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert len(ids) == 102, "update the count in the module docstring"


@pytest.mark.parametrize("bad", CASES)
def test_bad_input_is_refused_and_state_is_kept(bad: Case, tmp_path):
    module = build_module()
    inst = module.make(**bad.make, **initial_values())
    ctx = Ctx(module, inst, module._noise, str(tmp_path))
    ctx.path = os.path.join(ctx.folder, "model.safetensors")
    symmodule.save(inst, ctx.path)
    with open(ctx.path, "rb") as handle:
        ctx.raw = handle.read()
    if bad.setup is not None:
        bad.setup(ctx)
    before = Snapshot(ctx)
    twin = copy.deepcopy(inst)  # what the instance would have been without the mistake

    with pytest.raises(bad.error, match=bad.match) as info:
        bad.action(ctx)
    if bad.check is not None:
        bad.check(info.value)

    before.assert_unchanged(ctx)
    assert probe(inst) == probe(twin), "the instance behaves differently after the refused input"


@pytest.mark.parametrize("bad", DECLARATION_CASES)
def test_declaration_error_leaves_the_module_usable(bad: DeclarationCase):
    module = build_module()
    target = bad.defect(module) or module
    before = module_snapshot(target)

    trigger = bad.trigger or (lambda m: m.make(**initial_values()))
    with pytest.raises(bad.error, match=bad.match):
        trigger(target)

    assert module_snapshot(target) == before, "the failed make() changed the Module"
    if isinstance(bad.fix, str):
        delattr(target, bad.fix)
    elif bad.fix is not None:
        bad.fix(target)
    if target is module:
        fixed = module.make(**initial_values())
        assert probe(fixed) == probe(build_module().make(**initial_values()))
    else:
        target.make()
