"""PyMC inside a Module: MAP and ADVI fits of a hierarchical logistic regression.

The model is a PyMC model, written with PyMC's own API: a logistic
regression with two slopes and one intercept per group, the intercepts drawn
from a common Normal whose scale is learned (a hierarchical prior). The data
are simulated from the model's structure with a fixed seed: 240 observations
in 6 groups.

:mod:`symmodule.pymc` turns the model's joint log-density into Modules:

* ``MAP(model)``: the unconstrained values are Members; ``step()`` is one
  step of gradient ascent (the learning rate ``lr`` is a Member);
* ``ADVI(model)``: mean-field variational inference; the Gaussian's means and
  log-scales are Members and ``step()`` draws its noise from a RandomStreams
  member.

This script checks both against PyMC: the MAP against ``pm.find_MAP``, the
ADVI means against the posterior means of PyMC's NUTS sampler. Then it shows
what a Module adds: a fit that is saved mid-way, loaded into a fresh
instance and resumed gives bit for bit the numbers of an uninterrupted fit
(the random generator is in the checkpoint), and a fit that continues when
more data arrive (the ``pm.Data`` containers are Members too).

Run it::

    python examples/pymc_model.py            # about 25 s once the compile caches are warm
    python examples/pymc_model.py --help

It needs the ``pymc`` extra (``pip install 'symmodule[pymc]'``, Python 3.12+).
"""

# --8<-- [start:imports]
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pymc as pm

import symmodule
from symmodule.pymc import ADVI, MAP

# --8<-- [end:imports]
import argparse
import pathlib
import tempfile
import time
from dataclasses import dataclass, field

# -- the data and the model -----------------------------------------------------------------

# --8<-- [start:model]
class Data(NamedTuple):
    """Observations: two covariates, a group index and a 0/1 outcome per row."""

    x: np.ndarray
    group: np.ndarray
    y: np.ndarray
    n_groups: int

    def head(self, n: int) -> Data:
        """The first ``n`` rows."""
        return Data(self.x[:n], self.group[:n], self.y[:n], self.n_groups)


def make_data(seed: int = 0, n: int = 240, n_groups: int = 6) -> Data:
    """Simulate outcomes from group intercepts around -0.3 (scale 0.7) and slopes (1.0, -0.6)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, size=n)
    x = rng.normal(size=(n, 2))
    intercepts = rng.normal(-0.3, 0.7, size=n_groups)
    logits = intercepts[group] + x @ np.array([1.0, -0.6])
    y = rng.binomial(1, 1.0 / (1.0 + np.exp(-logits)))
    return Data(x, group, y, n_groups)


def build_model(data: Data) -> pm.Model:
    """A logistic regression with group intercepts under a learned common scale."""
    with pm.Model() as model:
        # pm.Data containers: a Module makes them Members, so they can change.
        x = pm.Data("x", data.x)
        group = pm.Data("group", data.group)
        y = pm.Data("y", data.y)
        mu_a = pm.Normal("mu_a", 0.0, 1.5)
        # An inverse-gamma scale keeps the mode away from sigma_a = 0, where a
        # hierarchical model's density has no maximum (and MAP no answer).
        sigma_a = pm.InverseGamma("sigma_a", 3.0, 2.0)
        a = pm.Normal("a", mu_a, sigma_a, shape=data.n_groups)
        beta = pm.Normal("beta", 0.0, 1.0, shape=2)
        pm.Bernoulli("outcome", logit_p=a[group] + x @ beta, observed=y)
    return model
# --8<-- [end:model]


# -- fitting ----------------------------------------------------------------------------------

# --8<-- [start:fit]
#: The learning-rate schedule of the ADVI fit: (lr, steps) phases. One draw
#: per step makes the gradient noisy; lowering lr lets the means settle.
ADVI_SCHEDULE: tuple[tuple[float, int], ...] = ((0.01, 1000), (0.005, 1000), (0.002, 1000), (0.001, 1000), (0.0005, 1000))

#: The MAP fit stops when the gradient's norm is below this.
MAP_TOLERANCE = 1e-8


def fit_map(fit: Any, tolerance: float = MAP_TOLERANCE, max_steps: int = 50_000, check_every: int = 10) -> int:
    """Step a MAP instance until its gradient's norm is below ``tolerance``; return the steps taken."""
    steps = 0
    while fit.grad_norm() >= tolerance:
        if steps >= max_steps:
            raise RuntimeError(f"MAP did not converge in {max_steps} steps (lr {float(fit.lr)})")
        for _ in range(check_every):
            fit.step()
        steps += check_every
    return steps


def fit_advi(fit: Any, schedule: tuple[tuple[float, int], ...] = ADVI_SCHEDULE) -> list[float]:
    """Run an ADVI instance through ``schedule``; return the mean ELBO estimate of each phase."""
    elbos = []
    for lr, steps in schedule:
        fit.lr = lr
        elbos.append(float(np.mean([fit.step() for _ in range(steps)])))
    return elbos
# --8<-- [end:fit]


# -- PyMC's own answers -------------------------------------------------------------------------

def pymc_map(model: pm.Model, mode: Any = None) -> dict[str, np.ndarray]:
    """``pm.find_MAP``'s answer, by value name (unconstrained scale), at tight tolerances."""
    fit = pm.find_MAP(
        model=model, progressbar=False, jitter=False, return_inferencedata=True,
        idata_kwargs={"include_transformed": True},  # the unconstrained values too
        compile_kwargs={} if mode is None else {"mode": mode}, tol=1e-12, maxiter=10_000,
    )
    return {value.name: fit.posterior[value.name].values[0, 0] for value in model.value_vars}


@dataclass
class Posterior:
    """Posterior means and standard deviations by value name (unconstrained scale)."""

    mean: dict[str, np.ndarray]
    sd: dict[str, np.ndarray]
    draws: int
    seconds: float


def nuts(model: pm.Model, draws: int = 500, tune: int = 500, chains: int = 2, seed: int = 1,
         mode: Any = None) -> Posterior:
    """PyMC's NUTS on the model: the reference the ADVI means are compared with."""
    start = time.perf_counter()
    idata = pm.sample(
        draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed, progressbar=False,
        model=model, compute_convergence_checks=False, idata_kwargs={"include_transformed": True},
        compile_kwargs={} if mode is None else {"mode": mode},
    )
    seconds = time.perf_counter() - start
    mean, sd = {}, {}
    for value in model.value_vars:
        samples = idata.posterior[value.name].values
        samples = samples.reshape(-1, *samples.shape[2:])  # chains and draws together
        mean[value.name], sd[value.name] = samples.mean(axis=0), samples.std(axis=0)
    return Posterior(mean, sd, draws * chains, seconds)


# -- what a Module adds ------------------------------------------------------------------------

def interrupted_fit(model: pm.Model, first: int, then: int, seed: int = 0, mode: Any = None,
                    module: ADVI | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """ADVI for ``first + then`` steps in one go, and saved after ``first``, loaded, resumed.

    Returns the two state dicts at the end (means, log-scales, data and the
    random generator's state); they are equal when resuming loses nothing.
    """
    module = ADVI(model, seed=seed) if module is None else module
    straight = module.make(lr=0.002, mode=mode)
    for _ in range(first + then):
        straight.step()

    before = module.make(lr=0.002, mode=mode)
    for _ in range(first):
        before.step()
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "advi.safetensors"
        symmodule.save(before, path)
        resumed = module.make(mode=mode)  # a fresh instance: its own state...
        symmodule.load(path, into=resumed)  # ...replaced by the checkpoint's
    for _ in range(then):
        resumed.step()
    return dict(symmodule.state_dict(straight)), dict(symmodule.state_dict(resumed))


@dataclass
class Update:
    """One arrival of new rows, and what updating the MAP fit cost."""

    rows: int
    steps: int
    seconds: float
    find_map_seconds: float
    max_difference: float
    values: dict[str, np.ndarray]


def streaming(data: Data, first_rows: int = 120, batch: int = 40, lr: float = 0.01, mode: Any = None) -> list[Update]:
    """Rows arrive in batches: after each, the running MAP fit continues, and pm.find_MAP starts over.

    The first entry is the fit of the first rows; each later entry gives the
    steps and seconds the Module took to take the new rows and converge
    again, the seconds ``pm.find_MAP`` took on the same rows (after
    ``pm.set_data``), the largest difference between the two answers, and
    the Module's answer.
    """
    model = build_model(data.head(first_rows))
    fit = MAP(model).make(lr=lr, mode=mode)
    updates = []
    for rows in range(first_rows, len(data.y) + 1, batch):
        seen = data.head(rows)
        start = time.perf_counter()
        # The pm.Data containers are Members: the running instance takes the new rows.
        fit.data["x"], fit.data["group"], fit.data["y"] = seen.x, seen.group, seen.y
        steps = fit_map(fit, check_every=10)
        seconds = time.perf_counter() - start
        with model:
            pm.set_data({"x": seen.x, "group": seen.group, "y": seen.y})
        start = time.perf_counter()
        reference = pymc_map(model, mode)
        find_map_seconds = time.perf_counter() - start
        difference = max(float(np.max(np.abs(np.asarray(fit.values[k]) - reference[k]))) for k in reference)
        values = {name: np.array(value) for name, value in fit.values.items()}
        updates.append(Update(rows, steps, seconds, find_map_seconds, difference, values))
    return updates


# -- the whole run -------------------------------------------------------------------------------

@dataclass
class Result:
    """What :func:`main` measured."""

    map_values: dict[str, np.ndarray]
    map_steps: int
    find_map: dict[str, np.ndarray]
    map_difference: float
    advi_mean: dict[str, np.ndarray]
    advi_sd: dict[str, np.ndarray]
    advi_elbos: list[float]
    posterior: Posterior
    resumed_equal: bool
    streaming: list[Update]
    seconds: dict[str, float] = field(default_factory=dict)


def _flat(values: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    return np.concatenate([np.ravel(values[name]) for name in names])


def _labels(values: dict[str, np.ndarray], names: list[str]) -> list[str]:
    labels = []
    for name in names:
        size = np.size(values[name])
        labels += [name] if np.ndim(values[name]) == 0 else [f"{name}[{i}]" for i in range(size)]
    return labels


def main(seed: int = 0, mode: Any = "NUMBA", quiet: bool = False) -> Result:
    """Fit the model with MAP and ADVI Modules, compare with PyMC, then resume and stream.

    Parameters
    ----------
    seed
        Seed of the data, of the ADVI draws and of NUTS: a run is reproducible.
    mode
        Compilation mode of the Modules' methods (and of PyMC's functions).
    quiet
        Print nothing.
    """
    say = (lambda *a: None) if quiet else print
    seconds: dict[str, float] = {}
    data = make_data(seed)
    model = build_model(data)
    names = [v.name for v in model.value_vars]
    say(f"hierarchical logistic regression: {len(data.y)} rows, {data.n_groups} groups; values {names}")

    start = time.perf_counter()
    map_fit = MAP(model).make(lr=0.01, mode=mode)
    map_steps = fit_map(map_fit)
    seconds["map"] = time.perf_counter() - start
    map_values = {name: np.asarray(map_fit.values[name]) for name in names}
    start = time.perf_counter()
    reference = pymc_map(model, mode)
    seconds["find_MAP"] = time.perf_counter() - start
    map_difference = float(np.max(np.abs(_flat(map_values, names) - _flat(reference, names))))
    say(f"MAP: {map_steps} steps of gradient ascent ({seconds['map']:.1f} s, compilation included); "
        f"largest difference from pm.find_MAP {map_difference:.1e} (unconstrained values)")

    start = time.perf_counter()
    advi_module = ADVI(model, seed=seed)
    advi_fit = advi_module.make(mode=mode)
    elbos = fit_advi(advi_fit)
    seconds["advi"] = time.perf_counter() - start
    advi_mean = {name: np.asarray(advi_fit.mean[name]) for name in names}
    advi_sd = advi_fit.sd()
    steps = sum(s for _, s in ADVI_SCHEDULE)
    say(f"ADVI: {steps} steps ({seconds['advi']:.1f} s); mean ELBO estimate per phase "
        + ", ".join(f"{e:.2f}" for e in elbos))

    posterior = nuts(model, seed=seed + 1, mode=mode)
    seconds["nuts"] = posterior.seconds
    say(f"NUTS: {posterior.draws} draws ({posterior.seconds:.1f} s, compilation included)")
    say("")
    say(f"{'value':<16}{'MAP':>9}{'find_MAP':>10}{'ADVI mean':>11}{'NUTS mean':>11}"
        f"{'ADVI sd':>9}{'NUTS sd':>9}{'|dmean|/sd':>12}")
    rows = zip(
        _labels(map_values, names), _flat(map_values, names), _flat(reference, names),
        _flat(advi_mean, names), _flat(posterior.mean, names), _flat(advi_sd, names),
        _flat(posterior.sd, names), strict=True,
    )
    for label, m, r, am, nm, asd, nsd in rows:
        say(f"{label:<16}{m:>9.4f}{r:>10.4f}{am:>11.3f}{nm:>11.3f}{asd:>9.3f}{nsd:>9.3f}{abs(am - nm) / nsd:>12.2f}")
    say("")

    # advi_module is compiled already, so these instances run compiled code from their first call.
    straight, resumed = interrupted_fit(model, first=500, then=500, seed=seed, mode=mode, module=advi_module)
    resumed_equal = straight.keys() == resumed.keys() and all(
        np.array_equal(straight[key], resumed[key]) for key in straight
    )
    say(f"ADVI saved after 500 steps, loaded into a new instance and resumed for 500: "
        f"{'bit-identical to' if resumed_equal else 'DIFFERENT from'} 1000 uninterrupted steps")

    stream = streaming(data, mode=mode)
    say("rows arrive 40 at a time; the running MAP instance takes them and converges again:")
    for update in stream:
        say(f"  {update.rows} rows{' (first fit)' if update is stream[0] else ''}: {update.steps:4d} steps in {1e3 * update.seconds:5.1f} ms "
            f"(pm.find_MAP from scratch: {1e3 * update.find_map_seconds:4.0f} ms); "
            f"largest difference {update.max_difference:.0e}")
    return Result(map_values, map_steps, reference, map_difference, advi_mean, advi_sd, elbos,
                  posterior, resumed_equal, stream, seconds)


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and of the fits (default: 0)")
    parser.add_argument("--mode", default="NUMBA", help="compilation mode (default: NUMBA)")
    args = parser.parse_args(argv)
    main(seed=args.seed, mode=args.mode)
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
