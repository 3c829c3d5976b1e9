"""nn.Embedding: rows of a table looked up by id."""

import numpy as np
import pytest

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def test_lookup_is_numpy_fancy_indexing(apply):
    ids = np.array([[0, 3, 3], [2, 1, 0]])
    out, inst = apply(nn.Embedding(4, 5), ids)
    np.testing.assert_array_equal(out, inst.layer.w[ids])


def test_the_table_starts_standard_normal_and_is_a_regularizable_parameter():
    layer = nn.Embedding(200, 50)
    w = layer.make().w
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1.0) < 0.05
    assert list(layer.members("param", "regularizable")) == ["w"]


def test_an_id_out_of_range_raises_index_error_when_the_method_runs(apply):
    with pytest.raises(IndexError):
        apply(nn.Embedding(4, 2), np.array([4]))


def test_a_gradient_step_changes_only_the_rows_looked_up():
    m = symmodule.Module()
    m.embed = nn.Embedding(4, 2)
    ids = T.lvector("ids")
    loss = T.sum(m.embed(ids))
    m.step = symmodule.Method([ids], loss, updates={m.embed.w: m.embed.w - T.grad(loss, m.embed.w)})
    inst = m.make()
    before = inst.embed.w.copy()
    inst.step([1, 1, 3])
    np.testing.assert_allclose(inst.embed.w - before, [[0, 0], [-2, -2], [0, 0], [-1, -1]])


def test_float_ids_are_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Embedding: the input holds float64 values, but an embedding looks up integer ids"):
        nn.Embedding(4, 2)(T.dvector())


@pytest.mark.parametrize("dim", [None, 0])
def test_both_lengths_must_be_positive_ints(dim):
    with pytest.raises(errors.DeclarationError, match=r"nn\.Embedding: dim=(None|0) is not a positive int\. Give the length as an int, e\.g\. dim=64\.$"):
        nn.Embedding(4, dim)
