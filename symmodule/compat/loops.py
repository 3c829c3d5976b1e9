"""Theano's ``scan``: PyTensor's, returning ``(outputs, updates)`` and advancing random draws at every step.

Theano's ``scan`` always returned the outputs and an updates dict, and a
``shared_randomstreams`` draw made in the step drew new numbers at every step,
because its generator carried a ``default_update``. PyTensor's ``scan`` picks
up only the updates the step returns, and symmodule never sets
``default_update``: :func:`scan` adds the update of every draw's generator to
what the step returns, then lets PyTensor's ``scan`` do the rest. The updates
it returns (the generators after the last step) go to ``symmodule.function``'s
``updates=``, as in Theano.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytensor
from pytensor.graph.basic import Variable
from pytensor.graph.replace import clone_replace
from pytensor.scan.utils import until

from symmodule._pytensor import scan_step_parts
from symmodule.module.random import outside_module_generators

__all__ = ["scan"]


def scan(
    fn: Callable[..., Any],
    sequences: Any = None,
    outputs_info: Any = None,
    non_sequences: Any = None,
    n_steps: Any = None,
    truncate_gradient: int = -1,
    go_backwards: bool = False,
    mode: Any = None,
    name: str | None = None,
    profile: bool = False,
    **kwargs: Any,
) -> Any:
    """Loop ``fn`` over ``sequences``, as Theano's ``scan``: returns ``(outputs, updates)``.

    The parameters are those of ``pytensor.scan`` (``allow_gc``, ``strict``,
    ``return_list`` and ``return_updates`` are passed on as keywords).
    Draws of a ``RandomStreams`` used outside any Module, made in ``fn`` or
    read by it, draw new numbers at every step: their generators are
    threaded through the loop, and ``updates`` holds each one's state after
    the last step.

    Returns
    -------
    outputs, updates
        The outputs (a Variable, or a list for several), and the dict of
        updates to give to ``symmodule.function(..., updates=updates)``.

    Examples
    --------
    A chain of coin flips whose probabilities depend on the previous step:

    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> srng = T.shared_randomstreams.RandomStreams(seed=1)
    >>> p0 = T.dvector('p0')
    >>> def step(p):
    ...     flips = srng.binomial(size=p.shape, n=1, p=p, dtype='float64')
    ...     return 0.25 + 0.5 * flips
    >>> chain, updates = symmodule.scan(step, outputs_info=[p0], n_steps=4)
    >>> f = symmodule.function([p0], chain, updates=updates)
    >>> f(np.full(3, 0.5)).shape
    (4, 3)
    """

    def step(*args: Any) -> Any:
        return _with_generators_threaded(fn(*args))

    kwargs.setdefault("return_updates", True)
    with warnings.catch_warnings():
        # PyTensor announces that scan will stop returning updates; Theano code expects them.
        warnings.filterwarnings("ignore", message="Scan return signature will change", category=DeprecationWarning)
        return pytensor.scan(
            step,
            sequences=sequences,
            outputs_info=outputs_info,
            non_sequences=non_sequences,
            n_steps=n_steps,
            truncate_gradient=truncate_gradient,
            go_backwards=go_backwards,
            mode=mode,
            name=name,
            profile=profile,
            **kwargs,
        )


def _with_generators_threaded(result: Any) -> Any:
    """The step's result, reading every draw's generator from its shared variable and updating it."""
    condition, outputs, updates = scan_step_parts(result)
    graph = [*outputs, *updates.values(), *updates.keys()]
    if condition is not None:
        graph.append(condition)
    found = outside_module_generators(v for v in graph if isinstance(v, Variable))
    if not found:
        return result
    shared_of = {rng: shared for rng, (shared, _) in found.items()}
    updates = {shared_of.get(key, key): value for key, value in updates.items()}
    for shared, next_rng in found.values():
        updates.setdefault(shared, next_rng)
    keys = list(updates)
    replaced = clone_replace(
        [*outputs, *updates.values(), *([] if condition is None else [condition])], replace=shared_of
    )
    outputs = replaced[: len(outputs)]
    updates = dict(zip(keys, replaced[len(outputs) : len(outputs) + len(keys)], strict=True))
    if condition is None:
        return outputs, updates
    return outputs, updates, until(replaced[-1])
