"""effects() and summary() name a method's unnamed outputs without printing large graphs.

PyTensor's pprint writes a shared subexpression out at each use, so the text
of a deep graph (a network's loss) grows exponentially: naming such an
output by its printed form took minutes and gigabytes.
"""

import time

import symmodule
from symmodule import tensor as T


def _deep_module(depth: int) -> symmodule.Module:
    m = symmodule.Module()
    m.w = T.dmatrix()
    x = T.dmatrix("x")
    h = T.dot(x, m.w)
    for _ in range(depth):  # each level reads the previous one three times
        h = (h - h.mean(axis=0)) / (h.std(axis=0) + 1.0)
    m.normalise = symmodule.Method([x], h.sum())
    return m


def test_the_unnamed_output_of_a_deep_graph_is_named_by_its_type_at_once():
    start = time.perf_counter()
    info = symmodule.summary(_deep_module(depth=7))
    assert time.perf_counter() - start < 5  # printing it took minutes
    (method,) = info.methods
    assert method.outputs == ("(float64 scalar)",)


def test_the_unnamed_output_of_a_small_graph_is_still_named_by_its_printed_form():
    m = symmodule.Module()
    m.c = T.dscalar()
    m.plus10 = symmodule.Method([], m.c + 10)
    (method,) = symmodule.summary(m).methods
    assert method.outputs == ("(c + 10)",)
