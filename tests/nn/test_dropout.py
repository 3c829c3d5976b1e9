"""nn.Dropout: inverted dropout while training, the identity otherwise; seeded masks."""

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import errors, nn
from symmodule import tensor as T


def dropout_module(*layers):
    m = symmodule.Module()
    m.drops = list(layers)
    x = T.dmatrix("x")
    m.train = symmodule.Method([x], [layer(x, training=True) for layer in layers])
    return m


def test_evaluation_returns_the_input_itself():
    x = T.matrix("x")
    assert nn.Dropout(0.5)(x) is x


def test_training_zeroes_a_fraction_p_and_scales_the_rest_by_one_over_one_minus_p():
    inst = dropout_module(nn.Dropout(0.3)).make()
    [out] = inst.train(np.ones((200, 100)))
    assert set(np.unique(out).tolist()) == {0.0, 1.0 / 0.7}
    assert abs((out == 0).mean() - 0.3) < 0.01  # 20,000 draws: 4.5 standard deviations
    assert abs(out.mean() - 1.0) < 0.015


@pytest.mark.parametrize("mode", ["NUMBA", "JAX"])
def test_training_draws_masks_in_the_compiled_modes(mode):
    # JAX mode included: the masks are uniform draws, which PyTensor's JAX backend has without NumPyro.
    if mode == "JAX":
        need("jax")
    inst = dropout_module(nn.Dropout(0.25)).make(mode=mode)
    [out] = inst.train(np.ones((200, 100)))
    assert set(np.unique(np.asarray(out)).tolist()) == {0.0, 1.0 / 0.75}
    assert abs((np.asarray(out) == 0).mean() - 0.25) < 0.01


def test_each_call_draws_a_new_mask():
    inst = dropout_module(nn.Dropout(0.5)).make()
    first, second = inst.train(np.ones((10, 10)))[0], inst.train(np.ones((10, 10)))[0]
    assert not np.array_equal(first, second)


def test_the_masks_are_the_same_at_every_make():
    m = dropout_module(nn.Dropout(0.5))
    np.testing.assert_array_equal(m.make().train(np.ones((10, 10)))[0], m.make().train(np.ones((10, 10)))[0])


def test_two_layers_of_one_seed_draw_independent_masks():
    first, second = dropout_module(nn.Dropout(0.5), nn.Dropout(0.5)).make().train(np.ones((10, 10)))
    assert not np.array_equal(first, second)


def test_another_seed_draws_other_masks():
    one = dropout_module(nn.Dropout(0.5, seed=1)).make().train(np.ones((10, 10)))[0]
    two = dropout_module(nn.Dropout(0.5, seed=2)).make().train(np.ones((10, 10)))[0]
    assert not np.array_equal(one, two)


def test_the_generator_state_has_the_rng_role_and_is_no_parameter():
    m = dropout_module(nn.Dropout(0.5))
    assert list(m.members("rng")) == ["drops.0.random.rng0"]
    assert m.parameters() == []


def test_p_zero_keeps_every_value_in_training():
    x = T.matrix("x")
    assert nn.Dropout(0.0)(x, training=True) is x


@pytest.mark.parametrize("p", [1.0, -0.1, "half"])
def test_a_p_outside_zero_one_is_refused(p):
    with pytest.raises(errors.DeclarationError, match=r"nn\.Dropout: p=.* is not a probability in \[0, 1\)"):
        nn.Dropout(p)
