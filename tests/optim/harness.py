"""A small model trained by an optimizer on a fixed sequence of gradients, and the comparisons.

The model has two parameters, ``w`` (3x4) and ``b`` (4,), initialised by
their init rules; its Method ``train(gw, gb)`` applies the optimizer's
updates to the gradients given, so the symmodule optimizer, the NumPy
oracle and optax all see the very same gradients.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

import symmodule
from extras import need

STEPS = 120
SHAPES = ((3, 4), (4,))


def model(opt, dtype: str = "float64") -> symmodule.Module:
    m = symmodule.Module()
    m.w = symmodule.Member(pt.tensor(dtype=dtype, shape=SHAPES[0]), roles="param", init=symmodule.init.normal(0, 1, seed=1))
    m.b = symmodule.Member(pt.tensor(dtype=dtype, shape=SHAPES[1]), roles="param", init=symmodule.init.normal(0, 1, seed=2))
    m.opt = opt
    gw, gb = pt.tensor("gw", dtype=dtype, shape=SHAPES[0]), pt.tensor("gb", dtype=dtype, shape=SHAPES[1])
    m.train = symmodule.Method([gw, gb], [], updates=opt.updates([gw, gb], [m.w, m.b]))
    return m


def gradients(steps: int = STEPS, seed: int = 0, dtype: str = "float64") -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape).astype(dtype) for shape in SHAPES] for _ in range(steps)]


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """The largest difference relative to the largest value (the max-norm relative error).

    Not element by element: an element crossing zero would make any rounding
    difference look large, though every element agrees to the last bits of
    the array's scale.
    """
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))


def worst_error_vs_oracle(opt, oracle_class, mode=None, steps: int = STEPS, **oracle_kw) -> float:
    """The largest relative error of ``w`` and ``b`` over every step, against the oracle."""
    inst = model(opt).make(mode=mode)
    oracle = oracle_class([inst.w, inst.b], **oracle_kw)
    worst = 0.0
    for grads in gradients(steps):
        inst.train(*grads)
        expected = oracle.step(grads)
        worst = max(worst, relative_error(inst.w, expected[0]), relative_error(inst.b, expected[1]))
    return worst


def worst_error_vs_optax(opt, make_transformation, steps: int = STEPS) -> float:
    """The largest relative error over every step against ``make_transformation(optax)``, in float64."""
    optax = need("optax")
    jax = need("jax")
    inst = model(opt).make()
    worst = 0.0
    with jax.enable_x64(True):
        tx = make_transformation(optax)
        params = [jax.numpy.asarray(inst.w), jax.numpy.asarray(inst.b)]
        state = tx.init(params)
        for grads in gradients(steps):
            inst.train(*grads)
            updates, state = tx.update([jax.numpy.asarray(g) for g in grads], state, params)
            params = optax.apply_updates(params, updates)
            expected = [np.asarray(p) for p in params]
            assert expected[0].dtype == np.float64
            worst = max(worst, relative_error(inst.w, expected[0]), relative_error(inst.b, expected[1]))
    return worst


def worst_error_vs_torch(opt, make_optimizer, steps: int = STEPS) -> float:
    """The largest relative error over every step against ``make_optimizer(torch, params)``, in float64."""
    torch = need("torch")
    inst = model(opt).make()
    params = [torch.tensor(np.array(inst.w), requires_grad=True), torch.tensor(np.array(inst.b), requires_grad=True)]
    reference = make_optimizer(torch, params)
    worst = 0.0
    for grads in gradients(steps):
        inst.train(*grads)
        for param, grad in zip(params, grads):
            param.grad = torch.from_numpy(grad)
        reference.step()
        expected = [param.detach().numpy() for param in params]
        worst = max(worst, relative_error(inst.w, expected[0]), relative_error(inst.b, expected[1]))
    return worst
