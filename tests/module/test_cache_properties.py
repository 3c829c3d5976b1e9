"""Property tests of the code cache: Modules share compiled code exactly when they are identical.

A Module is drawn as plain data (a :class:`Spec`, so that hypothesis can
shrink it) and built from new Variables each time: a member ``calls``, and a
Method ``f(x) = op(x, c)`` over a float vector argument ``x`` given as an
``In`` spec with drawn flags and a constant ``c`` of drawn bits, dtype and
shape, returned bare or as an ``Out`` spec, that adds 1 to ``calls``. It is
made in a drawn mode under drawn configuration flags.

* Two specs that differ in exactly one aspect, made one after the other into
  one cache, compile twice: the second never gets the first one's code.
* One spec built twice, from different Variables, compiles once.

Either way each instance must compute its own spec's answer bit for bit as
NumPy does (the sign of a zero and a NaN's payload included) and count its
call. Only the cheap Python-linker modes are drawn; the explicit tests in
``test_cache_exact.py`` cover CVM and NUMBA.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytensor import config

import symmodule
from symmodule import tensor as T
from symmodule.compile import module as M

#: Modes of the Python linker only: one name and two Mode objects (by identity).
MODES = (
    "FAST_COMPILE",
    symmodule.Mode(linker="py", optimizer="fast_compile"),
    symmodule.Mode(linker="py", optimizer=None),
)

#: Configuration flags of the key, each with a value other than its default.
FLAG_CHANGES = (
    ("floatX", "float32"),
    ("cast_policy", "numpy+floatX"),
    ("cycle_detection", "fast"),
    ("numba__fastmath", False),
    ("allow_gc", False),
    ("optdb__position_cutoff", 1e9),
)

OPS = {"add": (T.add, np.add), "arctan2": (T.arctan2, np.arctan2)}
#: Each ``In`` flag and its values; mutable implies borrow (PyTensor refuses
#: mutable without it), so the two are drawn together.
IN_FLAGS = {
    "aliasing": [
        {"mutable": False, "borrow": False},
        {"mutable": False, "borrow": True},
        {"mutable": True, "borrow": True},
    ],
    "strict": [{"strict": False}, {"strict": True}],
    "allow_downcast": [{"allow_downcast": None}, {"allow_downcast": False}, {"allow_downcast": True}],
}
X = np.array([-1.5, 0.5, 3.0])


@dataclass(frozen=True)
class Spec:
    op: str
    x_dtype: str
    const_bits: int  # the constant's raw bits, truncated to its dtype's width
    const_dtype: str
    const_shape: tuple[int, ...]
    in_flags: tuple[int, ...]  # for each of IN_FLAGS in order, the index of its value
    out_borrow: bool | None  # None: the output is the bare Variable
    mode: int  # index into MODES
    flags: frozenset[int]  # indices into FLAG_CHANGES

    def constant(self) -> np.ndarray:
        width = np.dtype(self.const_dtype).itemsize
        raw = np.full(self.const_shape, self.const_bits % 2 ** (8 * width), dtype=f"u{width}")
        return raw.view(self.const_dtype)

    def build(self) -> M.Module:
        symbolic, _ = OPS[self.op]
        m = M.Module()
        x = T.vector("x", dtype=self.x_dtype)
        m.calls = T.dscalar()
        out = symbolic(x, T.constant(self.constant()))
        if self.out_borrow is not None:
            out = symmodule.Out(out, borrow=self.out_borrow)
        flags = {}
        for values, index in zip(IN_FLAGS.values(), self.in_flags):
            flags.update(values[index])
        m.f = M.Method(symmodule.In(x, **flags), out, calls=m.calls + 1)
        return m

    def make(self, module: M.Module, cache: symmodule.CodeCache):
        with config.change_flags(**dict(FLAG_CHANGES[i] for i in self.flags)):
            return module.make(calls=0.0, cache=cache, mode=MODES[self.mode])

    def check(self, inst) -> None:
        _, numeric = OPS[self.op]
        x = X.astype(self.x_dtype)
        got = np.array(inst.f(x.copy()))  # copied: a borrowed output may be overwritten
        expected = numeric(x, self.constant())
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{expected.itemsize}"))
        assert float(inst.calls) == 1.0


specs = st.builds(
    Spec,
    op=st.sampled_from(sorted(OPS)),
    x_dtype=st.sampled_from(["float32", "float64"]),
    const_bits=st.one_of(
        st.integers(0, 2**64 - 1),
        # Values that compare equal to another with other bits: zeros, NaNs.
        st.sampled_from([0, 2**63, 2**31, 0x7FF8000000000000, 0x7FF8000000000001, 0x7FC00001]),
    ),
    const_dtype=st.sampled_from(["float32", "float64"]),
    const_shape=st.sampled_from([(), (1,), (3,)]),
    in_flags=st.tuples(*[st.integers(0, len(values) - 1) for values in IN_FLAGS.values()]),
    out_borrow=st.sampled_from([None, False, True]),
    mode=st.integers(0, len(MODES) - 1),
    flags=st.frozensets(st.integers(0, len(FLAG_CHANGES) - 1), max_size=2),
)


def other_value(spec: Spec, aspect: str, data: st.DataObject) -> Spec:
    """``spec`` with ``aspect`` drawn anew, different from what ``spec`` has."""
    if aspect == "const_bits":
        width = 8 * np.dtype(spec.const_dtype).itemsize
        draw = st.integers(0, 2**width - 1).filter(lambda b: b != spec.const_bits % 2**width)
    elif aspect == "in_flags":
        changed = data.draw(st.integers(0, len(IN_FLAGS) - 1), label="changed In flag")
        count = len(list(IN_FLAGS.values())[changed])
        index = data.draw(
            st.integers(0, count - 1).filter(lambda i: i != spec.in_flags[changed]), label="its value"
        )
        flags = tuple(index if i == changed else value for i, value in enumerate(spec.in_flags))
        return dataclasses.replace(spec, in_flags=flags)
    elif aspect == "flags":
        draw = st.frozensets(st.integers(0, len(FLAG_CHANGES) - 1), max_size=2)
        draw = draw.filter(lambda flags: flags != spec.flags)
    else:
        draw = st.sampled_from(
            {
                "const_dtype": ["float32", "float64"],
                "const_shape": [(), (1,), (3,)],
                "out_borrow": [None, False, True],
                "mode": list(range(len(MODES))),
            }[aspect]
        ).filter(lambda value: value != getattr(spec, aspect))
    return dataclasses.replace(spec, **{aspect: data.draw(draw, label=aspect)})


ASPECTS = ("const_bits", "const_dtype", "const_shape", "in_flags", "out_borrow", "mode", "flags")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=300, **SETTINGS)
@given(spec=specs, aspect=st.sampled_from(ASPECTS), data=st.data())
def test_modules_differing_in_one_aspect_never_share_compiled_code(spec, aspect, data):
    other = other_value(spec, aspect, data)
    cache = symmodule.CodeCache()
    first = spec.make(spec.build(), cache)
    second = other.make(other.build(), cache)
    assert (cache.stats.compilations, cache.stats.hits) == (2, 0)
    assert first.f.maker is not second.f.maker
    spec.check(first)
    other.check(second)


@settings(max_examples=100, **SETTINGS)
@given(spec=specs)
def test_equal_modules_built_from_other_variables_always_share_compiled_code(spec):
    cache = symmodule.CodeCache()
    first = spec.make(spec.build(), cache)
    second = spec.make(spec.build(), cache)
    assert (cache.stats.compilations, cache.stats.hits) == (1, 1)
    assert first.f.maker is second.f.maker
    spec.check(first)
    spec.check(second)
