"""nn.statistics_updates: the running-statistic updates a training graph carries, found by walking it."""

import pytest

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def test_a_training_graph_gives_one_update_per_running_statistic():
    layer = nn.BatchNorm(3)
    y = layer(T.matrix("x"), training=True)
    assert list(nn.statistics_updates(y)) == [layer.running_mean, layer.running_var]


def test_the_updates_are_found_from_any_expression_downstream():
    layer = nn.BatchNorm(3)
    loss = T.sum(nn.relu(layer(T.matrix("x"), training=True)) ** 2)
    assert set(nn.statistics_updates(loss)) == {layer.running_mean, layer.running_var}


def test_an_evaluation_graph_carries_no_updates():
    assert nn.statistics_updates(nn.BatchNorm(3)(T.matrix("x"))) == {}


def test_several_outputs_and_lists_are_searched():
    a, b = nn.BatchNorm(2), nn.BatchNorm(2)
    x = T.matrix("x")
    found = nn.statistics_updates(a(x, training=True), [b(x, training=True)])
    assert set(found) == {a.running_mean, a.running_var, b.running_mean, b.running_var}


def test_a_layer_applied_twice_in_training_in_one_graph_is_refused():
    model = nn.Sequential(nn.BatchNorm(2))
    x = T.matrix("x")
    both = model(x, training=True) + model(2 * x, training=True)
    with pytest.raises(
        errors.UpdateError,
        match=r"nn\.BatchNorm at layers\.0 of an nn\.Sequential is applied 2 times in training mode .* "
        r"\(running_mean, running_var\) would get 2 updates",
    ):
        nn.statistics_updates(both)


def test_only_the_method_given_the_updates_changes_the_statistics():
    m = symmodule.Module()
    m.bn = nn.BatchNorm(1)
    x = T.dmatrix("x")
    y = m.bn(x, training=True)
    m.train = symmodule.Method([x], y, updates=nn.statistics_updates(y))
    m.train_frozen = symmodule.Method([x], m.bn(x, training=True))
    inst = m.make()
    inst.train_frozen([[1.0], [3.0]])
    assert inst.bn.running_mean.tolist() == [0.0]
    inst.train([[1.0], [3.0]])
    assert inst.bn.running_mean.tolist() == [0.2]
