"""The 2009 network made with a ProfileMode (programs/profile_mode.py): profiled, and right."""

import re

import numpy as np

import symmodule
from era.programs import profile_mode as program


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def numpy_step(params, lr, x, y):
    """One backpropagation step on the mean squared error; returns (cost, params)."""
    w1, b1, w2, b2 = params
    h = sigmoid(x @ w1 + b1)
    residual = h @ w2 + b2 - y
    cost = np.mean(np.sum(residual**2, axis=1))
    d_out = 2 * residual / len(x)
    d_h = d_out @ w2.T * h * (1 - h)
    grads = (x.T @ d_h, d_h.sum(axis=0), h.T @ d_out, d_out.sum(axis=0))
    return cost, [p - lr * g for p, g in zip(params, grads)]


def test_profiled_updates_match_numpy_backpropagation():
    x, y = program.make_data()
    profmode = symmodule.ProfileMode(optimizer="fast_run", linker=symmodule.gof.OpWiseCLinker())
    model = program.TwoLayerRegression().make(3, 8, 2, lr=0.1, mode=profmode)
    params = [model.w1.copy(), model.b1.copy(), model.w2.copy(), model.b2.copy()]
    for _ in range(4):
        cost = model.update(x, y)
        expected_cost, params = numpy_step(params, 0.1, x, y)
        np.testing.assert_allclose(cost, expected_cost, rtol=1e-12)
    for value, expected in zip([model.w1, model.b1, model.w2, model.b2], params):
        np.testing.assert_allclose(value, expected, rtol=1e-11, atol=1e-14)


def test_summary_counts_the_calls_of_each_method(capsys):
    program.main(n_epochs=7)
    out = capsys.readouterr().out
    assert re.search(r"^\s+7\s+\S+s\s+\S+s\s+update$", out, re.M)
    assert re.search(r"^\s+0\s+\S+s\s+\S+s\s+apply$", out, re.M)


def test_summary_times_the_ops_of_the_graph(capsys):
    _, profmode = program.main(n_epochs=3)
    out = capsys.readouterr().out
    ops = out.split("\nOps\n", 1)[1]
    assert re.search(r"\b(Gemm|Dot22)", ops)
    assert "Composite{" in ops or "sigmoid" in ops


def test_training_lowers_the_cost():
    costs, _ = program.main(n_epochs=50)
    assert all(later < earlier for earlier, later in zip(costs, costs[1:]))
    assert costs[-1] < 0.5 * costs[0]
