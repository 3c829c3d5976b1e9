"""The Layer base class: expressions in, expressions out; Members shared; paths in messages."""

import pickle

import numpy as np
import pytest
from pytensor.graph.traversal import graph_inputs
from pytensor.tensor.variable import TensorVariable

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def test_a_layer_called_on_an_expression_returns_a_plain_tensor_expression():
    x = T.matrix("x")
    h = nn.Linear(3, 2)(x)
    assert isinstance(h, TensorVariable)
    assert x in graph_inputs([h])


def test_a_layer_applied_twice_builds_two_graphs_over_the_same_members():
    m = symmodule.Module()
    m.layer = nn.Linear(3, 2)
    a, b = T.matrix("a"), T.matrix("b")
    m.both = symmodule.Method([a, b], [m.layer(a), m.layer(b)])
    inst = m.make()
    value = np.ones((1, 3))
    first, second = inst.both(value, 2 * value)
    np.testing.assert_allclose(second, 2 * first)
    assert list(m.members()) == ["layer.w", "layer.b"]


def test_a_layer_reached_by_two_paths_is_one_set_of_parameters():
    m = symmodule.Module()
    shared = nn.Linear(3, 3)
    m.encoder = nn.Sequential(shared, nn.tanh)
    m.decoder = nn.Sequential(shared)
    assert [v.name for v in m.parameters()] == ["encoder.layers.0.w", "encoder.layers.0.b"]


def test_make_of_a_layer_alone_gives_its_parameters_first_values():
    inst = nn.Linear(3, 2).make()
    assert inst.w.shape == (3, 2) and inst.b.tolist() == [0.0, 0.0]


def test_where_names_the_layer_by_its_path_among_the_layers_holding_it():
    inner = nn.Linear(2, 2)
    nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.relu, inner))
    assert inner.where() == "nn.Linear at layers.1.layers.1 of an nn.Sequential"


def test_where_of_a_layer_held_by_no_layer_is_its_class():
    assert nn.Linear(2, 2).where() == "nn.Linear"


def test_where_names_a_layer_class_of_your_own_without_the_nn_prefix():
    class Mine(nn.Layer):
        pass

    assert Mine().where() == "Mine"


def test_an_input_that_is_not_an_expression_is_refused_naming_the_layer():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear: the input 'abc' is not a tensor expression"):
        nn.Linear(2, 2)("abc")


def test_make_refuses_a_lazy_layer_never_applied_naming_its_path_and_the_fix():
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(n_out=4))
    with pytest.raises(errors.DeclarationError, match=r"nn\.Linear at 'model\.layers\.0': n_in was left out .* Give n_in="):
        m.make()


def test_make_refuses_a_lazy_root_layer_never_applied():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Conv2d at the root: in_channels was left out"):
        nn.Conv2d(None, 4, 3).make()


def test_activation_refuses_what_is_not_callable():
    with pytest.raises(errors.DeclarationError, match=r"nn\.Activation: fn=3 is not callable"):
        nn.Activation(3)


def test_activation_applies_its_function():
    x = T.dvector("x")
    assert nn.Activation(nn.tanh)(x).eval({x: [0.0]}).tolist() == [0.0]


def test_a_layer_subclass_declares_members_with_roles_and_init():
    class Scale(nn.Layer):
        def __init__(self):
            super().__init__()
            self.add_member("s", T.dvector(shape=(2,)), roles=("param", "mine"), init=symmodule.init.constant(3.0))

        def forward(self, x, training=False):
            return x * self.s

    layer = Scale()
    assert list(layer.members("mine")) == ["s"]
    assert layer.make().s.tolist() == [3.0, 3.0]


def test_repr_shows_the_layer_arguments():
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.relu)) == "Sequential(Linear(2, 3), Activation(relu))"


def test_a_module_holding_layers_pickles_with_its_instance():
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(2, 2), nn.relu)
    x = T.dmatrix("x")
    m.apply = symmodule.Method([x], m.model(x))
    inst = m.make()
    copy = pickle.loads(pickle.dumps(inst))
    np.testing.assert_array_equal(copy.apply(np.ones((1, 2))), inst.apply(np.ones((1, 2))))


def test_a_value_of_the_wrong_shape_at_make_is_refused_with_the_member_path():
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(3, 2))
    with pytest.raises(errors.MemberValueError, match=r"member 'model\.layers\.0\.w' .* shape \(2, 2\): it holds .* shape \(3, 2\)"):
        m.make(model=dict(layers=[dict(w=np.zeros((2, 2)))]))
