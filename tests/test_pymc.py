"""symmodule.pymc: a PyMC model's log-density as Members and Methods, checked against PyMC's own numbers.

PyMC is the oracle: ``model.compile_logp()`` for log-densities,
``pm.find_MAP`` for modes, a conjugate model's closed-form posterior for
ADVI. Small models only; examples/pymc_model.py's tests cover a real one.
Every test but the first needs the ``pymc`` extra.
"""

import doctest
import subprocess
import sys

import numpy as np
import pytest
from extras import need

import symmodule
from symmodule import errors


@pytest.fixture(scope="module")
def pm():
    return need("pymc")


@pytest.fixture(scope="module")
def spm(pm):
    import symmodule.pymc

    return symmodule.pymc


def normal_model(pm, y=(1.0, 2.0, 4.0)):
    """Normal data of unknown mean and scale; ``shift`` is a Deterministic; the data a pm.Data."""
    with pm.Model() as model:
        data = pm.Data("y", np.asarray(y))
        mu = pm.Normal("mu", 0.0, 10.0)
        sigma = pm.HalfNormal("sigma", 5.0)
        pm.Deterministic("shift", mu + 1.0)
        pm.Normal("obs", mu, sigma, observed=data)
    return model


def random_points(model, n, seed=0):
    rng = np.random.default_rng(seed)
    base = model.initial_point()
    return [{k: rng.normal(size=np.shape(v)) for k, v in base.items()} for _ in range(n)]


def test_importing_symmodule_pymc_does_not_import_pymc():
    code = "import sys, symmodule.pymc; print('pymc' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_docstring_examples_run(spm):
    result = doctest.testmod(spm, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 25 and result.failed == 0


# -- model_graph -------------------------------------------------------------------------------


def test_model_graph_names_the_values_the_variables_and_the_data_as_pymc_does(pm, spm):
    graph = spm.model_graph(normal_model(pm))
    assert list(graph.values) == ["mu", "sigma_log__"]
    assert list(graph.constrained) == ["mu", "sigma", "shift"]
    assert list(graph.data) == ["y"]
    assert sorted(graph.initial_point) == ["mu", "sigma_log__"]


@pytest.mark.parametrize("jacobian", [True, False])
def test_a_logp_method_equals_pymc_compile_logp_at_random_points(pm, spm, jacobian):
    model = normal_model(pm)
    graph = spm.model_graph(model, jacobian=jacobian)
    m = symmodule.Module()
    m.values = graph.values
    m.data = graph.data
    m.logp = symmodule.Method([], graph.logp)
    inst = m.make()
    oracle = model.compile_logp(jacobian=jacobian)
    for point in random_points(model, 5):
        inst.values = point
        assert float(inst.logp()) == pytest.approx(float(oracle(point)), rel=1e-12, abs=1e-12)


def test_the_jacobian_term_of_a_log_transform_is_the_log_value(pm, spm):
    model = normal_model(pm)
    with_jacobian = spm.model_graph(model, jacobian=True)
    without = spm.model_graph(model, jacobian=False)
    m = symmodule.Module()
    m.values = with_jacobian.values  # the same value variables in both graphs
    m.difference = symmodule.Method([], with_jacobian.logp - without.logp)
    inst = m.make(values={"mu": 0.3, "sigma_log__": -0.7})
    assert float(inst.difference()) == pytest.approx(-0.7, abs=1e-12)  # log |d sigma / d log sigma|


def test_constrained_expressions_map_the_values_to_the_model_scale(pm, spm):
    graph = spm.model_graph(normal_model(pm))
    m = symmodule.Module()
    m.values = graph.values
    m.point = symmodule.Method([], list(graph.constrained.values()))
    mu, sigma, shift = m.make(values={"mu": 0.25, "sigma_log__": np.log(3.0)}).point()
    assert (float(mu), float(sigma), float(shift)) == pytest.approx((0.25, 3.0, 1.25), abs=1e-12)


def test_data_members_change_the_logp_as_pm_set_data_does(pm, spm):
    model = normal_model(pm)
    graph = spm.model_graph(model)
    m = symmodule.Module()
    m.values = graph.values
    m.data = graph.data
    m.logp = symmodule.Method([], graph.logp)
    point = {"mu": 0.5, "sigma_log__": 0.2}
    inst = m.make(values=point)
    new = np.array([3.0, -1.0, 0.0, 7.5, 2.0])  # another length too
    inst.data["y"] = new
    with model:
        pm.set_data({"y": new})
    assert float(inst.logp()) == pytest.approx(float(model.compile_logp()(point)), rel=1e-12)


def test_logp_at_substitutes_expressions_for_values(pm, spm):
    model = normal_model(pm)
    graph = spm.model_graph(model)
    m = symmodule.Module()
    m.half = symmodule.tensor.dscalar()
    m.values = graph.values
    m.logp = symmodule.Method([], graph.logp_at({"mu": 2 * m.half}))
    inst = m.make(half=0.75, values={"mu": 100.0, "sigma_log__": 0.1})  # mu's own value is not read
    expected = model.compile_logp()({"mu": 1.5, "sigma_log__": 0.1})
    assert float(inst.logp()) == pytest.approx(float(expected), rel=1e-12)


def test_logp_at_refuses_a_name_that_is_not_a_value(pm, spm):
    graph = spm.model_graph(normal_model(pm))
    with pytest.raises(KeyError, match="sigma"):
        graph.logp_at({"sigma": graph.values["sigma_log__"]})  # the value is sigma_log__


def test_model_graph_refuses_what_is_not_a_pymc_model(spm):
    with pytest.raises(TypeError, match="pymc.Model"):
        spm.model_graph(object())


# -- MAP -------------------------------------------------------------------------------------------


def test_map_finds_pm_find_map_on_the_normal_model(pm, spm):
    model = normal_model(pm)
    fit = spm.MAP(model).make(lr=0.05)
    for _ in range(1000):
        fit.step()
    assert fit.grad_norm() < 1e-10
    with pytest.warns(FutureWarning):  # find_MAP's announced change of defaults
        reference = pm.find_MAP(model=model, progressbar=False, tol=1e-12, compile_kwargs={"mode": "FAST_COMPILE"})
    for name in ("mu", "sigma_log__"):
        assert float(fit.values[name]) == pytest.approx(float(reference[name]), abs=1e-6)


def test_map_steps_climb_the_log_density(pm, spm):
    fit = spm.MAP(normal_model(pm)).make(lr=0.05)
    logps = [float(fit.step()) for _ in range(50)]
    assert all(b >= a for a, b in zip(logps, logps[1:]))
    assert logps[-1] > logps[0] + 1.0


def test_map_starts_at_the_initial_point_and_takes_overrides(pm, spm):
    model = normal_model(pm)
    fit = spm.MAP(model).make(lr=0.2, values={"mu": 1.5})
    assert float(fit.values["mu"]) == 1.5
    assert float(fit.values["sigma_log__"]) == float(model.initial_point()["sigma_log__"])
    assert float(fit.lr) == 0.2
    assert np.array_equal(fit.data["y"], [1.0, 2.0, 4.0])


def test_map_state_dict_holds_the_values_the_data_and_the_learning_rate(pm, spm):
    fit = spm.MAP(normal_model(pm)).make()
    assert sorted(symmodule.state_dict(fit)) == ["data.y", "lr", "values.mu", "values.sigma_log__"]


def test_map_refuses_a_model_with_a_discrete_free_variable(pm, spm):
    with pm.Model() as model:
        k = pm.Poisson("k", 3.0)
        pm.Normal("obs", k, 1.0, observed=[2.0])
    with pytest.raises(errors.DeclarationError, match=r"continuous.*\['k'\]"):
        spm.MAP(model)


# -- ADVI ------------------------------------------------------------------------------------------


def test_advi_finds_the_exact_posterior_of_a_conjugate_model(pm, spm):
    # Normal data of known scale 1 under a Normal(0, 10) prior: the posterior
    # is Normal, so the best mean-field Gaussian is the posterior itself.
    y = np.array([1.0, 2.0, 4.0, 0.5])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 10.0)
        pm.Normal("obs", mu, 1.0, observed=y)
    precision = 1 / 10.0**2 + len(y)
    exact_mean, exact_sd = y.sum() / precision, precision**-0.5
    fit = spm.ADVI(model, seed=0).make(lr=0.01)
    for lr in (0.01, 0.003, 0.001, 0.0003):
        fit.lr = lr
        for _ in range(1500):
            fit.step()
    assert abs(float(fit.mean["mu"]) - exact_mean) < 0.05 * exact_sd
    assert float(fit.sd()["mu"]) == pytest.approx(exact_sd, rel=0.05)


def test_advi_logp_is_pymc_logp_with_jacobian_at_the_means(pm, spm):
    model = normal_model(pm)
    fit = spm.ADVI(model, seed=0).make(mean={"mu": 0.4, "sigma_log__": 0.9})
    expected = model.compile_logp(jacobian=True)({"mu": 0.4, "sigma_log__": 0.9})
    assert float(fit.logp()) == pytest.approx(float(expected), rel=1e-12)


def test_advi_point_maps_the_means_to_the_model_scale(pm, spm):
    fit = spm.ADVI(normal_model(pm), seed=0).make(mean={"mu": 0.4, "sigma_log__": np.log(2.0)})
    point = fit.point()
    assert list(point) == ["mu", "sigma", "shift"]
    assert [float(v) for v in point.values()] == pytest.approx([0.4, 2.0, 1.4], abs=1e-12)


def test_advi_starts_at_the_initial_point_with_the_given_scale(pm, spm):
    model = normal_model(pm)
    fit = spm.ADVI(model, seed=0).make(scale=0.5)
    assert {k: float(v) for k, v in fit.mean.items()} == {k: float(v) for k, v in model.initial_point().items()}
    assert {k: float(v) for k, v in fit.sd().items()} == pytest.approx({"mu": 0.5, "sigma_log__": 0.5})


def test_advi_draws_come_from_its_random_streams_and_are_reproducible(pm, spm):
    module = spm.ADVI(normal_model(pm), seed=3)
    first, second = module.make(lr=0.01), module.make(lr=0.01)
    a = [float(first.step()) for _ in range(5)]
    b = [float(second.step()) for _ in range(5)]
    assert a == b and len(set(a)) == 5  # same seed, same draws; each step a new draw
    assert "random.rng0" in symmodule.state_dict(first)  # one generator for all the values


def test_advi_elbo_estimate_at_zero_noise_scale_is_the_logp_plus_entropy(pm, spm):
    # With every scale tiny the draw is the mean: the estimate is logp(mean)
    # plus the entropy sum(log_scale) + D/2 (1 + log 2 pi).
    model = normal_model(pm)
    fit = spm.ADVI(model, seed=0).make(scale=1e-12, mean={"mu": 1.0, "sigma_log__": 0.3})
    entropy = 2 * np.log(1e-12) + 0.5 * 2 * (1 + np.log(2 * np.pi))
    expected = float(model.compile_logp()({"mu": 1.0, "sigma_log__": 0.3})) + entropy
    assert float(fit.step()) == pytest.approx(expected, rel=1e-9)


def test_advi_refuses_a_model_without_free_variables(pm, spm):
    with pm.Model() as model:
        pm.Normal("obs", 0.0, 1.0, observed=[0.5])
    with pytest.raises(errors.DeclarationError, match="no"):
        spm.ADVI(model)
