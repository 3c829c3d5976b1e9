"""nn.Linear against NumPy: x @ w + b, lazy n_in, tied weights, initialisation, refusals."""

import math

import numpy as np
import pytest

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def test_forward_is_x_at_w_plus_b(apply, rng):
    x = rng.standard_normal((5, 3))
    out, inst = apply(nn.Linear(3, 2), x, layer=dict(b=[0.5, -1.0]))
    np.testing.assert_allclose(out, x @ inst.layer.w + [0.5, -1.0])


def test_forward_maps_the_last_axis_of_a_batch_of_sequences(apply, rng):
    x = rng.standard_normal((4, 6, 3))
    out, inst = apply(nn.Linear(3, 2), x)
    np.testing.assert_allclose(out, x @ inst.layer.w + inst.layer.b)


def test_forward_in_numba_mode_matches_numpy(apply, rng):
    x = rng.standard_normal((5, 3))
    out, inst = apply(nn.Linear(3, 2), x, mode="NUMBA")
    np.testing.assert_allclose(out, x @ inst.layer.w + inst.layer.b)


def test_bias_false_has_no_bias_member():
    assert list(nn.Linear(3, 2, bias=False).members()) == ["w"]


def test_weight_is_trained_and_regularized_and_the_bias_only_trained():
    layer = nn.Linear(3, 2)
    assert list(layer.members("param")) == ["w", "b"]
    assert list(layer.members("regularizable")) == ["w"]


def test_default_weights_are_glorot_uniform():
    w = nn.Linear(300, 200).make().w
    limit = math.sqrt(6.0 / 500)
    assert 0.9 * limit < np.abs(w).max() <= limit


def test_default_weights_are_the_same_at_every_make():
    layer = nn.Linear(3, 2)
    np.testing.assert_array_equal(layer.make().w, layer.make().w)


def test_two_layers_start_from_different_weights():
    m = symmodule.Module()
    m.a, m.b = nn.Linear(4, 4), nn.Linear(4, 4)
    inst = m.make()
    assert not np.allclose(inst.a.w, inst.b.w)


def test_init_and_bias_init_rules_override_the_defaults():
    inst = nn.Linear(2, 3, init=symmodule.init.constant(0.5), bias_init=symmodule.init.constant(2.0)).make()
    assert inst.w.tolist() == [[0.5] * 3] * 2 and inst.b.tolist() == [2.0] * 3


def test_a_value_given_at_make_wins_over_the_init_rule():
    inst = nn.Linear(1, 1).make(w=[[7.0]])
    assert inst.w.tolist() == [[7.0]]


def test_lazy_n_in_is_taken_from_the_first_inputs_static_shape(apply, rng):
    layer = nn.Linear(n_out=2)
    assert layer.n_in is None and "w" not in vars(layer)
    x = rng.standard_normal((3, 5))
    out, inst = apply(layer, x, shape=(None, 5))
    assert layer.n_in == 5 and inst.layer.w.shape == (5, 2)
    np.testing.assert_allclose(out, x @ inst.layer.w)


def test_lazy_n_in_refuses_an_input_whose_last_length_is_not_static():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: n_in was left out, .* not static .* Give n_in="):
        nn.Linear(None, 2)(T.matrix("x"))


def test_a_static_length_that_contradicts_n_in_is_refused_with_the_layer_path():
    model = nn.Sequential(nn.Linear(4, 8), nn.relu, nn.Linear(6, 2))
    with pytest.raises(
        errors.DeclarationError,
        match=r"nn\.Linear at layers\.2 of an nn\.Sequential: the input's last axis has length 8, "
        r"but the layer was built for n_in=6\. Build it with n_in=8",
    ):
        model(T.matrix(shape=(None, 4)))


def test_a_second_input_of_another_length_is_refused_after_a_lazy_first():
    layer = nn.Linear(n_out=2)
    layer(T.matrix(shape=(None, 3)))
    with pytest.raises(errors.DeclarationError, match="has length 4, but the layer was built for n_in=3"):
        layer(T.matrix(shape=(None, 4)))


def test_a_scalar_input_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: expects an input of 1 or more dimensions"):
        nn.Linear(1, 1)(T.scalar())


def test_n_out_is_required():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: n_out is required .* nn\.Linear\(n_out=10\)"):
        nn.Linear(3)


@pytest.mark.parametrize("bad", [0, -2, 2.5, True])
def test_a_length_that_is_not_a_positive_int_is_refused(bad):
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: n_in=.* is not a positive int"):
        nn.Linear(bad, 2)


def test_tied_weight_from_another_layer_is_one_parameter(apply, rng):
    m = symmodule.Module()
    m.encoder = nn.Linear(4, 2)
    m.decoder = nn.Linear(w=m.encoder.w.T)
    assert (m.decoder.n_in, m.decoder.n_out) == (2, 4)
    assert [v.name for v in m.parameters()] == ["encoder.w", "encoder.b", "decoder.b"]
    x = T.dmatrix("x")
    m.reconstruct = symmodule.Method([x], m.decoder(m.encoder(x)))
    inst = m.make()
    value = rng.standard_normal((3, 4))
    np.testing.assert_allclose(inst.reconstruct(value), (value @ inst.encoder.w + inst.encoder.b) @ inst.encoder.w.T + inst.decoder.b)


def test_a_tied_weight_that_is_not_a_matrix_is_refused():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: w=.* is not a 2-dimensional tensor Variable"):
        nn.Linear(w=T.vector())


def test_lengths_that_contradict_a_tied_weight_are_refused():
    with pytest.raises(errors.DeclarationError, match=r"n_out=5 differs from the weight's length 3"):
        nn.Linear(2, 5, w=T.matrix(shape=(2, 3)))
