"""Index checks: where each named mode gets them, and what the Numba check looks like.

That every mode raises IndexError for an out-of-range index (and computes
NumPy's values for a valid one) is tested in test_same_answers.py.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytest
from extras import need
from pytensor.compile.mode import get_mode
from pytensor.raise_op import CheckAndRaise

import symmodule
from symmodule import tensor as T
from symmodule._pytensor import IndexCheckedJAXLinker
from symmodule.bounds import check_indices
from symmodule.modes import resolve_mode
from symmodule.tensor import nnet as NN


def checks(fn) -> list[CheckAndRaise]:
    """The index checks of a compiled function's graph."""
    return [
        node.op
        for node in fn.maker.fgraph.apply_nodes
        if isinstance(node.op, CheckAndRaise) and node.op.exc_type is IndexError
    ]


def label_lookup(mode) -> symmodule.compile.Function:
    logits, labels = T.dmatrix("logits"), T.lvector("labels")
    return symmodule.function([logits, labels], NN.categorical_crossentropy(NN.softmax(logits), labels), mode=mode)


@pytest.mark.parametrize("mode", ["NUMBA", "FAST_RUN", "NUMBA_BACKGROUND"])
def test_numba_modes_check_each_integer_index_once(mode):
    m, rows, cols = T.dmatrix("m"), T.lvector("rows"), T.lvector("cols")
    fn = symmodule.function([m, rows, cols], m[rows, cols], mode=mode)
    assert len(checks(fn)) == 2


def test_the_check_names_the_axis_of_the_index():
    fn = label_lookup("NUMBA")
    with pytest.raises(Exception) as excinfo:
        fn(np.zeros((2, 10)), np.array([12, 0]))
    assert "index out of bounds for axis 1" in str(excinfo.value.__cause__)


def test_a_graph_without_integer_array_indices_gets_no_check():
    x, i = T.dvector("x"), T.lscalar("i")
    fn = symmodule.function([x, i], T.exp(x)[i] * 2, mode="NUMBA")
    assert checks(fn) == []  # x[i] compiles with Numba's own bounds check


def test_jax_mode_links_with_index_checks():
    need("jax")
    assert isinstance(resolve_mode("JAX").linker, IndexCheckedJAXLinker)


@pytest.mark.parametrize("name", ["CVM", "FAST_COMPILE"])
def test_modes_whose_kernels_check_are_returned_as_they_are(name):
    mode = get_mode(name)
    assert check_indices(mode) is mode


def test_a_mode_object_is_compiled_as_given():
    assert checks(label_lookup(get_mode("NUMBA"))) == []


def test_check_indices_gives_raw_pytensor_the_checks():
    x, idx = pytensor.tensor.dvector("x"), pytensor.tensor.lvector("idx")
    fn = pytensor.function([x, idx], x[idx], mode=check_indices(get_mode("NUMBA")))
    with pytest.raises(IndexError):
        fn(np.zeros(3), np.array([3]))
