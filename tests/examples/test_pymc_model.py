"""examples/pymc_model.py: MAP and ADVI Modules of a PyMC model, against PyMC's own answers.

The oracles are PyMC's: ``pm.find_MAP`` for the mode, NUTS (``pm.sample``)
for the posterior, ``model.compile_logp()`` for the log-density. The whole
run (``main``: MAP, find_MAP, ADVI, NUTS, a resumed fit, streaming data)
happens once, in the module-scoped ``result`` fixture; each test reads one
of its numbers. Values are compared on the unconstrained scale PyMC
optimises and samples on (``sigma_a_log__`` rather than ``sigma_a``).
"""


import numpy as np
import pytest
from extras import need

import symmodule

pm = need("pymc")


#: The example's default: Numba compiles once per machine (then PyTensor's
#: disk cache serves it), and runs NUTS and the 5,000 ADVI steps fast.
MODE = "NUMBA"


@pytest.fixture(scope="module")
def example(example_module):
    with example_module("pymc_model.py") as module:
        yield module


@pytest.fixture(scope="module")
def result(example):
    return example.main(seed=0, mode=MODE, quiet=True)


@pytest.fixture(scope="module")
def model(example):
    return example.build_model(example.make_data(0))


def _flat(values):
    return np.concatenate([np.ravel(values[name]) for name in sorted(values)])


def random_points(model, n, seed=0):
    rng = np.random.default_rng(seed)
    return [{k: rng.normal(size=np.shape(v)) for k, v in model.initial_point().items()} for _ in range(n)]


# -- the mode -------------------------------------------------------------------------------------


def test_map_agrees_with_find_map_to_1e_4_on_the_unconstrained_values(result):
    assert sorted(result.map_values) == sorted(result.find_map) == ["a", "beta", "mu_a", "sigma_a_log__"]
    difference = np.max(np.abs(_flat(result.map_values) - _flat(result.find_map)))
    assert difference < 1e-4, difference  # measured: 5e-7, the tolerance of find_MAP's optimiser


def test_map_modules_logp_is_pymcs_logp_without_jacobian_at_random_points(example, model):
    # pm.find_MAP maximises the density on the model's scale: no Jacobian terms.
    fit = example.MAP(model).make(mode="FAST_COMPILE")
    oracle = model.compile_logp(jacobian=False)
    for point in random_points(model, 5):
        fit.values = point
        assert float(fit.logp()) == pytest.approx(float(oracle(point)), rel=1e-12)


def test_map_point_maps_the_values_to_the_model_scale(example, model):
    fit = example.MAP(model).make(mode="FAST_COMPILE", values={"sigma_a_log__": np.log(0.8)})
    assert list(fit.point()) == ["mu_a", "sigma_a", "a", "beta"]
    assert float(fit.point()["sigma_a"]) == pytest.approx(0.8, rel=1e-12)


# -- the posterior ----------------------------------------------------------------------------------


def test_advi_modules_logp_is_pymcs_logp_with_jacobian_at_random_points(example, model):
    # ADVI's Gaussian lives on the unconstrained scale: the Jacobian terms are in.
    fit = example.ADVI(model, seed=0).make(mode="FAST_COMPILE")
    oracle = model.compile_logp(jacobian=True)
    for point in random_points(model, 5):
        fit.mean = point
        assert float(fit.logp()) == pytest.approx(float(oracle(point)), rel=1e-12)


def test_advi_means_lie_within_a_quarter_posterior_sd_of_the_nuts_means(result):
    mean, nuts_mean, nuts_sd = _flat(result.advi_mean), _flat(result.posterior.mean), _flat(result.posterior.sd)
    distance = np.abs(mean - nuts_mean) / nuts_sd
    assert distance.max() < 0.25, distance  # measured: at most 0.11 (beta[0])


def test_advi_sds_are_at_most_those_of_nuts_as_mean_field_fits_are(result):
    # A mean-field Gaussian ignores correlations and under-covers: its sds
    # are at most the posterior's, up to NUTS's Monte Carlo error.
    ratio = _flat(result.advi_sd) / _flat(result.posterior.sd)
    assert 0.6 < ratio.min() and ratio.max() < 1.1, ratio  # measured: 0.72 (sigma_a_log__) to 1.0


def test_advi_elbo_estimate_improves_from_the_first_phase_to_the_last(result):
    assert result.advi_elbos[-1] > result.advi_elbos[0], result.advi_elbos


def test_nuts_ran_the_draws_asked_for(result):
    assert result.posterior.draws == 1000
    assert all(np.all(sd > 0) for sd in result.posterior.sd.values())


# -- what a Module adds ---------------------------------------------------------------------------------


def test_an_advi_fit_saved_loaded_and_resumed_is_bit_identical_to_an_uninterrupted_one(example, model):
    straight, resumed = example.interrupted_fit(model, first=200, then=200, seed=0, mode="FAST_COMPILE")
    assert sorted(straight) == sorted(resumed)
    assert "random.rng0" in straight  # the generator is state, saved with the rest
    different = [key for key in straight if not np.array_equal(straight[key], resumed[key])]
    assert different == []


def test_the_main_run_resumed_its_advi_fit_bit_identically(result):
    assert result.resumed_equal is True


def test_without_the_generator_in_the_checkpoint_a_resumed_fit_draws_other_noise(example, model, tmp_path):
    module = example.ADVI(model, seed=0)
    straight = module.make(lr=0.002, mode="FAST_COMPILE")
    for _ in range(20):
        straight.step()
    before = module.make(lr=0.002, mode="FAST_COMPILE")
    for _ in range(10):
        before.step()
    state = dict(symmodule.state_dict(before))
    del state["random.rng0"]
    resumed = module.make(mode="FAST_COMPILE")  # its generator starts again from the seed
    symmodule.load_state_dict(resumed, state, strict=False)
    for _ in range(10):
        resumed.step()
    assert not np.array_equal(straight.mean["beta"], resumed.mean["beta"])


def test_streaming_updates_agree_with_find_map_on_the_rows_seen_so_far(result):
    assert [update.rows for update in result.streaming] == [120, 160, 200, 240]
    worst = max(update.max_difference for update in result.streaming)
    assert worst < 1e-4, worst  # measured: 5e-7


def test_a_fit_fed_its_rows_in_batches_ends_where_a_fit_on_all_rows_does(result):
    last = result.streaming[-1]
    assert last.rows == 240
    difference = np.max(np.abs(_flat(last.values) - _flat(result.map_values)))
    assert difference < 1e-6, difference  # both stop at a gradient norm of 1e-8


def test_the_command_line_has_help(example, capsys):
    with pytest.raises(SystemExit) as exit_:
        example.cli(["--help"])
    assert exit_.value.code == 0
    assert "--mode" in capsys.readouterr().out
