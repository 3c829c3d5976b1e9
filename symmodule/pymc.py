"""PyMC models inside Modules: a model's log-density over its unconstrained values, as state.

A PyMC model is a joint log-probability over *value variables*: one per free
random variable, on an unconstrained scale (a positive ``sigma`` is moved by
its logarithm, ``sigma_log__``). :func:`model_graph` reads that graph from
PyMC's public API (``model.value_vars``, ``model.logp()``,
``model.replace_rvs_by_values()``, ``model.data_vars``,
``model.initial_point()``) into a :class:`ModelGraph`. Its value variables
are root Variables, so assigned to a Module they are Members; its ``pm.Data``
containers are shared variables, which a Module also makes Members
(initialised from their current values), so the data is state too: it can be
replaced between calls and is saved with the fit.

Two Modules are built on it:

* :class:`MAP`: the values are Members and ``step()`` is one step of gradient
  ascent on the log-density, with the learning rate a Member;
* :class:`ADVI`: mean-field Gaussian variational inference. The means and
  log-scales of the Gaussian are Members; ``step()`` is one step of gradient
  ascent on a one-draw estimate of the evidence lower bound, the draw coming
  from a RandomStreams member, so the generator is saved with the fit.

PyMC is imported only when a function here needs it: ``import symmodule``
never requires it (``pip install 'symmodule[pymc]'`` installs it; PyMC needs
Python 3.12 or later).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Variable
from pytensor.graph.replace import graph_replace

from symmodule import errors
from symmodule import tensor as T
from symmodule.module import Method, Module, ModuleInstance, default_initialize
from symmodule.module.random import RandomStreams

if TYPE_CHECKING:
    import pymc

__all__ = ["ModelGraph", "model_graph", "MAP", "ADVI"]


@dataclass(frozen=True, eq=False)
class ModelGraph:
    """A PyMC model's joint log-density, as PyTensor graphs over its value variables.

    Made by :func:`model_graph`; every dict is in the model's order.

    Attributes
    ----------
    values
        PyMC's name of each value variable (``'sigma_log__'`` for a
        log-transformed ``sigma``) -> the value variable: root Variables on
        the unconstrained scale, ready to be Members.
    logp
        The joint log-density (a scalar) of the values and the observed data,
        potentials included; with the Jacobians of the transforms when
        :attr:`jacobian` is True.
    constrained
        The name of each free random variable and each Deterministic -> its
        expression in the values (a log-transformed ``sigma`` is
        ``exp(sigma_log__)``).
    data
        The name of each ``pm.Data`` container -> its shared variable. Assigned
        to a Module, each is a Member initialised from the container's value.
    initial_point
        ``model.initial_point()``: a value for each entry of :attr:`values`.
    jacobian
        Whether :attr:`logp` includes the Jacobian terms: True gives the
        density of the unconstrained values (what samplers and ADVI use),
        False the density on the model's own scale (what ``pm.find_MAP``
        maximises).
    """

    values: dict[str, Variable]
    logp: Variable
    constrained: dict[str, Variable]
    data: dict[str, SharedVariable]
    initial_point: dict[str, np.ndarray]
    jacobian: bool

    def logp_at(self, replacements: Mapping[str, Variable]) -> Variable:
        """:attr:`logp` with some values replaced by other expressions.

        Parameters
        ----------
        replacements
            Name of a value (a key of :attr:`values`) -> the expression to
            use in its place, of the same dtype and number of dimensions.

        Returns
        -------
        Variable
            A new graph; :attr:`logp` is not changed.
        """
        return self._replace([self.logp], replacements)[0]

    def constrained_at(self, replacements: Mapping[str, Variable]) -> dict[str, Variable]:
        """:attr:`constrained` with some values replaced by other expressions (see :meth:`logp_at`)."""
        return dict(zip(self.constrained, self._replace(list(self.constrained.values()), replacements), strict=True))

    def _replace(self, graphs: list[Variable], replacements: Mapping[str, Variable]) -> list[Variable]:
        unknown = sorted(set(replacements) - set(self.values))
        if unknown:
            raise KeyError(f"not values of the model: {unknown}; its values are {list(self.values)}")
        # Not strict: a replacement built from symbolic shapes (a slice of a
        # longer draw, reshaped) has a less specific static shape than the value.
        pairs = {self.values[name]: T.as_tensor_variable(expr) for name, expr in replacements.items()}
        return list(graph_replace(graphs, pairs, strict=False))


def model_graph(model: pymc.Model, *, jacobian: bool = True) -> ModelGraph:
    """Read a PyMC model's log-density graph over its unconstrained values.

    Parameters
    ----------
    model
        A ``pymc.Model``.
    jacobian
        Include the Jacobian terms of the transforms in ``logp``: True for
        the density of the unconstrained values (sampling, ADVI), False for
        the density on the model's own scale (the posterior mode
        ``pm.find_MAP`` looks for).

    Returns
    -------
    ModelGraph
        The values, the log-density and the constrained expressions.

    Raises
    ------
    TypeError
        If ``model`` is not a ``pymc.Model``.

    Notes
    -----
    Shared variables other than the ``pm.Data`` containers (PyMC keeps
    mutable dimension lengths in some) stay shared variables in the graphs:
    Methods read them as PyTensor does, and they are not state of an
    instance.

    Examples
    --------
    >>> import numpy as np
    >>> import pymc as pm
    >>> import symmodule
    >>> from symmodule.pymc import model_graph
    >>> with pm.Model() as model:
    ...     sigma = pm.HalfNormal("sigma", 1.0)
    ...     _ = pm.Normal("y", 0.0, sigma, observed=[0.5, -1.0, 2.0])
    >>> graph = model_graph(model)
    >>> list(graph.values), list(graph.constrained)
    (['sigma_log__'], ['sigma'])
    >>> m = symmodule.Module()
    >>> m.values = graph.values                  # the value variables are Members
    >>> m.logp = symmodule.Method([], graph.logp)
    >>> m.sigma = symmodule.Method([], graph.constrained["sigma"])
    >>> inst = m.make(values={"sigma_log__": np.log(2.0)})
    >>> float(inst.sigma())
    2.0
    >>> bool(np.isclose(inst.logp(), model.compile_logp()({"sigma_log__": np.log(2.0)})))
    True
    """
    pm = _import_pymc()
    if not isinstance(model, pm.Model):
        raise TypeError(f"model_graph needs a pymc.Model, not {type(model).__name__}")
    value_vars = list(model.value_vars)
    free_rvs = list(model.free_RVs)
    deterministics = list(model.deterministics)
    expressions = model.replace_rvs_by_values(free_rvs + deterministics) if free_rvs or deterministics else []
    return ModelGraph(
        values={value.name: value for value in value_vars},
        logp=model.logp(jacobian=jacobian),
        constrained={var.name: expr for var, expr in zip(free_rvs + deterministics, expressions, strict=True)},
        data={var.name: var for var in model.data_vars},
        initial_point=dict(model.initial_point()),
        jacobian=jacobian,
    )


class MAP(Module):
    """The posterior mode of a PyMC model by gradient ascent: the values are Members.

    Parameters
    ----------
    model
        A ``pymc.Model`` whose free random variables are all continuous.
    jacobian
        False (the default) maximises the density on the model's own scale,
        as ``pm.find_MAP`` does; True the density of the unconstrained values.

    Attributes
    ----------
    values
        Members: the unconstrained values, by PyMC's names (``inst.values['sigma_log__']``).
    data
        Members: the model's ``pm.Data`` containers, by name.
    lr
        Member: the learning rate of ``step()``.
    logp
        Method ``logp()``: the log-density at the values.
    step
        Method ``step()``: one step ``value <- value + lr * d logp / d value``
        on every value at once; returns the log-density before the step.
    grad_norm
        Method ``grad_norm()``: the Euclidean norm of the gradient, to decide
        when to stop.
    constrained
        Method ``constrained()``: the free random variables and
        Deterministics on the model's scale, in the order of
        ``ModelGraph.constrained``; ``inst.point()`` gives them as a dict.

    Notes
    -----
    ``make(lr=1e-3, **init)`` starts the values at ``model.initial_point()``
    and the data at the containers' values; ``init`` overrides any member
    (``make(lr=0.05, values={'mu': 1.0})``). Plain gradient ascent converges
    when ``lr`` is below two over the largest curvature of the log-density:
    a model with much data needs a small one.

    Examples
    --------
    >>> import numpy as np
    >>> import pymc as pm
    >>> from symmodule.pymc import MAP
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0)
    ...     sigma = pm.HalfNormal("sigma", 5.0)
    ...     _ = pm.Normal("y", mu, sigma, observed=[1.0, 2.0, 4.0])
    >>> fit = MAP(model).make(lr=0.05)
    >>> for _ in range(2000):
    ...     _ = fit.step()
    >>> bool(fit.grad_norm() < 1e-8)
    True
    >>> {name: round(float(value), 4) for name, value in fit.point().items()}
    {'mu': 2.3215, 'sigma': 1.2348}
    """

    def __init__(self, model: pymc.Model, *, jacobian: bool = False) -> None:
        super().__init__()
        graph = model_graph(model, jacobian=jacobian)
        _require_continuous(graph, "MAP")
        self.values = dict(graph.values)
        self.data = dict(graph.data)
        self.lr = T.scalar("lr", dtype=pytensor.config.floatX)
        params = list(graph.values.values())
        grads = T.grad(graph.logp, params)
        self.logp = Method([], graph.logp)
        self.step = Method(
            [], graph.logp,
            updates={p: p + T.cast(self.lr, p.dtype) * g for p, g in zip(params, grads, strict=True)},
        )
        self.grad_norm = Method([], T.sqrt(sum(T.sum(g**2) for g in grads)))
        self.constrained = Method([], list(graph.constrained.values()))
        # Underscored attributes are plain Python on a Module (not members).
        self._point_names = list(graph.constrained)
        self._initial_point = graph.initial_point

    def _instance_initialize(self, inst: ModuleInstance, lr: float = 1e-3, **init: Any) -> None:
        inst.values = self._initial_point
        inst.lr = lr
        default_initialize(inst, **init)

    def _instance_point(self, inst: ModuleInstance) -> dict[str, np.ndarray]:
        """The free random variables and Deterministics on the model's scale, at the values."""
        return dict(zip(self._point_names, inst.constrained(), strict=True))


class ADVI(Module):
    """Mean-field ADVI of a PyMC model: the means and log-scales of a Gaussian are Members.

    The approximation is a Gaussian of diagonal covariance over the
    unconstrained values. ``step()`` draws one standard normal vector
    ``eps`` from the RandomStreams member, evaluates the model's log-density
    (Jacobians included) at ``z = mean + exp(log_scale) * eps``, adds the
    Gaussian's entropy, and moves every mean and log-scale up the gradient of
    that one-draw estimate of the evidence lower bound (ELBO).

    Parameters
    ----------
    model
        A ``pymc.Model`` whose free random variables are all continuous.
    seed
        Seed of the draws (None: fresh entropy for each instance).

    Attributes
    ----------
    mean, log_scale
        Members, by PyMC's value names: the Gaussian's means and the
        logarithms of its standard deviations, on the unconstrained scale.
    data
        Members: the model's ``pm.Data`` containers, by name.
    lr
        Member: the learning rate of ``step()``.
    random
        The RandomStreams of the draws; its generator is state (saved in
        checkpoints).
    step
        Method ``step()``: one gradient step; returns the one-draw ELBO
        estimate at the parameters before the step.
    logp
        Method ``logp()``: the log-density of the unconstrained values at
        the means.
    constrained
        Method ``constrained()``: the free random variables and
        Deterministics at the means, mapped to the model's scale;
        ``inst.point()`` gives them as a dict.

    Notes
    -----
    ``make(lr=1e-3, scale=0.1, **init)`` starts the means at
    ``model.initial_point()`` and every standard deviation at ``scale``. The
    gradient is noisy (one draw per step): with a constant ``lr`` the
    parameters wander around the optimum, so lower ``lr`` as the fit settles
    (``inst.lr = ...`` between steps). ``inst.sd()`` gives the standard
    deviations.

    Examples
    --------
    >>> import numpy as np
    >>> import pymc as pm
    >>> from symmodule.pymc import ADVI
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", 0.0, 10.0)
    ...     _ = pm.Normal("y", mu, 1.0, observed=[1.0, 2.0, 4.0])
    >>> fit = ADVI(model, seed=0).make(lr=0.01)
    >>> for lr in (0.01, 0.003, 0.001):
    ...     fit.lr = lr
    ...     for _ in range(1000):
    ...         _ = fit.step()
    >>> # The exact posterior is Normal(2.326, 0.576) (a conjugate model).
    >>> round(float(fit.mean["mu"]), 1), round(float(fit.sd()["mu"]), 1)
    (2.3, 0.6)
    """

    def __init__(self, model: pymc.Model, *, seed: int | Sequence[int] | None = None) -> None:
        super().__init__()
        graph = model_graph(model, jacobian=True)
        _require_continuous(graph, "ADVI")
        self.mean = {name: value.type(name=f"mean.{name}") for name, value in graph.values.items()}
        self.log_scale = {name: value.type(name=f"log_scale.{name}") for name, value in graph.values.items()}
        self.data = dict(graph.data)
        self.lr = T.scalar("lr", dtype=pytensor.config.floatX)
        self.random = RandomStreams(seed)

        # One draw for all the values, cut into pieces: one generator to
        # advance per step (each generator costs time on every call).
        sizes = [mean.size for mean in self.mean.values()]
        total = sum(sizes[1:], sizes[0])
        eps = self.random.normal(size=(total,), dtype=pytensor.config.floatX)
        draws = {}
        offset: Any = 0
        for (name, mean), size in zip(self.mean.items(), sizes, strict=True):
            piece = eps[offset:offset + size].reshape(mean.shape, ndim=mean.ndim)
            draws[name] = mean + T.exp(self.log_scale[name]) * T.cast(piece, mean.dtype)
            offset = offset + size
        log_scales = list(self.log_scale.values())
        entropy = sum(T.sum(s) for s in log_scales) + 0.5 * T.cast(total, pytensor.config.floatX) * (1.0 + math.log(2 * math.pi))
        elbo = graph.logp_at(draws) + entropy
        params = list(self.mean.values()) + log_scales
        grads = T.grad(elbo, params)
        self.step = Method(
            [], elbo,
            updates={p: p + T.cast(self.lr, p.dtype) * g for p, g in zip(params, grads, strict=True)},
        )
        self.logp = Method([], graph.logp_at(self.mean))
        self.constrained = Method([], list(graph.constrained_at(self.mean).values()))
        self._point_names = list(graph.constrained)
        self._initial_point = graph.initial_point

    def _instance_initialize(self, inst: ModuleInstance, lr: float = 1e-3, scale: float = 0.1, **init: Any) -> None:
        inst.mean = self._initial_point
        inst.log_scale = {name: np.full_like(value, np.log(scale)) for name, value in self._initial_point.items()}
        inst.lr = lr
        default_initialize(inst, **init)

    def _instance_point(self, inst: ModuleInstance) -> dict[str, np.ndarray]:
        """The free random variables and Deterministics on the model's scale, at the means."""
        return dict(zip(self._point_names, inst.constrained(), strict=True))

    def _instance_sd(self, inst: ModuleInstance) -> dict[str, np.ndarray]:
        """The Gaussian's standard deviations (unconstrained scale), by value name."""
        return {name: np.exp(np.asarray(inst.log_scale[name])) for name in inst.log_scale}


def _require_continuous(graph: ModelGraph, what: str) -> None:
    discrete = [name for name, value in graph.values.items() if not value.dtype.startswith("float")]
    if not graph.values:
        raise errors.DeclarationError(f"{what} needs a model with free random variables; this one has none")
    if discrete:
        raise errors.DeclarationError(
            f"{what} follows gradients, so every free random variable must be continuous; "
            f"{discrete} are discrete. Marginalise them out of the model or observe them."
        )


def _import_pymc() -> Any:
    try:
        import pymc
    except ImportError as exc:  # pragma: no cover - exercised only where PyMC is absent
        raise ImportError(
            "symmodule.pymc needs PyMC (Python 3.12 or later): pip install 'symmodule[pymc]'"
        ) from exc
    return pymc
