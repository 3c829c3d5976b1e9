"""The thin implementations behind Theano names: Param, convert_to_*, softmax_with_bias, modes, softsign, run_all."""

import numpy as np
import pytensor
import pytest

import symmodule
from symmodule import tensor as T
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
