"""The thin implementations behind Theano names: Param, convert_to_*, softmax_with_bias, modes, softsign, run_all, unbroadcast."""

import numpy as np
import pytensor
import pytest

import symmodule
from symmodule import tensor as T
from symmodule.compat.shims import Unbroadcast
from symmodule.tensor import nnet as NN


def test_param_default_is_used_when_the_argument_is_omitted():
    x, y = T.dscalars("x", "y")
    f = symmodule.function([x, symmodule.Param(y, default=1.0)], x + y)
    assert float(f(2)) == 3.0


def test_param_default_comes_back_after_a_call_that_passed_it():
    x, y = T.dscalars("x", "y")
    f = symmodule.function([x, symmodule.Param(y, default=1.0)], x + y)
    assert float(f(2, 5)) == 7.0 and float(f(2)) == 3.0


def test_param_without_default_makes_the_argument_required():
    x = T.dscalar("x")
    f = symmodule.function([symmodule.Param(x)], x * 2)
    with pytest.raises(TypeError):
        f()


def test_param_is_an_in():
    assert issubclass(symmodule.Param, symmodule.In)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "float32", "float64", "complex64", "complex128"])
def test_convert_to_casts_to_its_dtype(dtype):
    assert getattr(T, f"convert_to_{dtype}")(T.dvector()).dtype == dtype


def test_softmax_with_bias_is_the_softmax_of_the_sum():
    x, b = np.array([[1.0, 2.0]]), np.array([0.5, -0.5])
    e = np.exp(x + b)
    assert np.allclose(NN.softmax_with_bias(x, b).eval(), e / e.sum(axis=1, keepdims=True))


def test_get_default_mode_is_the_mode_make_uses_by_default():
    assert isinstance(symmodule.compile.mode.get_default_mode(), pytensor.compile.mode.Mode)


def test_softsign_is_x_over_one_plus_abs_x():
    from symmodule.sandbox.softsign import softsign

    x = np.array([-3.0, 0.0, 1.0])
    assert np.allclose(softsign(x).eval(), x / (1 + np.abs(x)))


@pytest.mark.filterwarnings("ignore:PyTensor found no BLAS")
def test_run_all_runs_every_node():
    from symmodule.sandbox import wraplinker

    linker = wraplinker.WrapLinkerMany([symmodule.gof.PerformLinker()], [wraplinker.run_all])
    x = T.dvector("x")
    f = symmodule.function([x], T.exp(x) * 2, mode=symmodule.Mode(linker, "fast_compile"))
    assert np.allclose(f(np.zeros(2)), [2.0, 2.0])


# -- unbroadcast, patternbroadcast, Rebroadcast --------------------------------------------------


def test_unbroadcast_forgets_the_static_length_of_one():
    row = T.dmatrix("row", shape=(1, 3))
    assert T.unbroadcast(row, 0).type.shape == (None, 3)


def test_unbroadcast_returns_the_same_values():
    row = T.dmatrix("row", shape=(1, 3))
    data = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(symmodule.function([row], T.unbroadcast(row, 0) * 2, mode="FAST_COMPILE")(data), data * 2)


def test_unbroadcast_of_an_axis_not_of_length_one_is_the_variable_itself():
    m = T.dmatrix("m")
    assert T.unbroadcast(m, 0, 1) is m


def test_unbroadcast_of_an_axis_out_of_range_is_refused():
    row = T.dmatrix("row", shape=(1, 3))
    with pytest.raises(IndexError, match="out of range"):
        Unbroadcast(2)(row)


def test_the_gradient_through_unbroadcast_has_the_inputs_type():
    row = T.dmatrix("row", shape=(1, 3))
    weights = np.array([1.0, -2.0, 0.5])
    gradient = T.grad(T.sum(T.unbroadcast(row, 0) ** 2 * weights), row)
    assert gradient.type.shape == (1, 3)
    data = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(gradient.eval({row: data}), 2 * data * weights)


@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN", "CVM"])
def test_unbroadcast_makes_a_scan_state_of_the_steps_type(mode):
    h0 = T.dmatrix("h0", shape=(1, 2))
    W = T.dmatrix("W")
    states, _ = symmodule.scan(lambda h: T.tanh(T.dot(h, W)), outputs_info=[T.unbroadcast(h0, 0)], n_steps=3)
    f = symmodule.function([h0, W], states, mode=mode)
    h, weights, expected = np.array([[0.5, -1.0]]), np.array([[1.0, 0.5], [-0.5, 2.0]]), []
    for _ in range(3):
        h = np.tanh(h @ weights)
        expected.append(h)
    np.testing.assert_allclose(f(np.array([[0.5, -1.0]]), weights), np.array(expected))


def test_patternbroadcast_sets_each_axis():
    m = T.dmatrix("m", shape=(1, None))
    assert T.patternbroadcast(m, (False, True)).type.shape == (None, 1)


def test_rebroadcast_pairs_of_axis_and_flag():
    m = T.dmatrix("m", shape=(None, 1))
    assert T.Rebroadcast((0, True), (1, False))(m).type.shape == (1, None)


def test_rebroadcast_true_refuses_a_length_other_than_one_when_run():
    m = T.dmatrix("m")
    f = symmodule.function([m], T.Rebroadcast((0, True))(m), mode="FAST_COMPILE")
    with pytest.raises(AssertionError, match="SpecifyShape: Got shape"):
        f(np.ones((2, 2)))
