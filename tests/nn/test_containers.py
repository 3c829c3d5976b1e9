"""nn.Sequential and nn.MLP: layers in order, paths, the training flag, refusals."""

import numpy as np
import pytest

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def test_sequential_is_the_composition_of_its_layers(apply, rng):
    x = rng.standard_normal((3, 4))
    out, inst = apply(nn.Sequential(nn.Linear(4, 5), nn.tanh, nn.Linear(5, 2)), x)
    first, last = inst.layer.layers[0], inst.layer.layers[2]
    np.testing.assert_allclose(out, np.tanh(x @ first.w + first.b) @ last.w + last.b)


def test_layers_are_at_paths_layers_index():
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(2, 2), nn.relu, nn.Sequential(nn.Linear(2, 1)))
    assert list(m.members()) == [
        "model.layers.0.w", "model.layers.0.b", "model.layers.2.layers.0.w", "model.layers.2.layers.0.b",
    ]


def test_training_is_passed_to_every_layer(apply):
    model = nn.Sequential(nn.Linear(4, 4, init=symmodule.init.constant(0.25)), nn.Dropout(0.5))
    evaluation, _ = apply(model, np.ones((50, 4)))
    training, _ = apply(model, np.ones((50, 4)), training=True)
    assert (evaluation == 1.0).all()
    assert set(np.unique(training).tolist()) == {0.0, 2.0}


def test_indexing_length_and_iteration_give_the_layers():
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    model = nn.Sequential(first, second)
    assert model[1] is second and len(model) == 2 and list(model) == [first, second]


def test_append_adds_a_layer_at_the_next_path():
    model = nn.Sequential(nn.Linear(2, 3))
    model.append(nn.relu)
    model.append(nn.Linear(3, 1))
    assert list(model.members()) == ["layers.0.w", "layers.0.b", "layers.2.w", "layers.2.b"]
    assert model[2].where() == "nn.Linear at layers.2 of an nn.Sequential"


def test_an_empty_sequential_is_the_identity_and_still_true():
    model = nn.Sequential()
    x = T.matrix("x")
    assert model(x) is x and bool(model)


@pytest.mark.parametrize("bad", [3, symmodule.Module(), nn.Linear])
def test_an_item_that_is_neither_a_layer_nor_a_function_is_refused(bad):
    with pytest.raises(errors.DeclarationError, match=r"nn\.Sequential: item 1 is .*, which is neither an nn\.Layer"):
        nn.Sequential(nn.relu, bad)


def test_mlp_alternates_linear_layers_activations_and_dropout():
    mlp = nn.MLP([6, 5, 4, 3], activation=nn.tanh, dropout=0.1, output_activation=nn.softmax)
    assert [repr(layer) for layer in mlp] == [
        "Linear(6, 5)", "Activation(tanh)", "Dropout(p=0.1)",
        "Linear(5, 4)", "Activation(tanh)", "Dropout(p=0.1)",
        "Linear(4, 3)", "Activation(softmax)",
    ]


def test_mlp_computes_what_its_layers_do(apply, rng):
    x = rng.standard_normal((2, 3))
    out, inst = apply(nn.MLP([3, 4, 2]), x)
    first, last = inst.layer.layers[0], inst.layer.layers[2]
    np.testing.assert_allclose(out, np.maximum(x @ first.w + first.b, 0) @ last.w + last.b)


def test_mlp_with_a_lazy_input_width():
    mlp = nn.MLP([None, 8, 2])
    mlp(T.matrix(shape=(None, 5)))
    assert mlp[0].n_in == 5


def test_mlp_needs_two_widths():
    with pytest.raises(errors.DeclarationError, match=r"nn\.MLP: sizes=\[10\] has fewer than two widths"):
        nn.MLP([10])


def test_mlp_refuses_a_width_that_is_not_positive():
    with pytest.raises(errors.DeclarationError, match=r"nn\.MLP: sizes\[1\]=0 is not a positive int"):
        nn.MLP([3, 0, 2])
