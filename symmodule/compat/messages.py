"""Message templates of the Theano-compatibility layer, and why each refused name is gone.

A refused name's message says which Theano name it was, why symmodule has no
counterpart (one of :data:`WHY`) and what to use instead, when something
replaces it.
"""

from __future__ import annotations

__all__ = [
    "NAME_GONE",
    "MODULE_GONE",
    "USE_INSTEAD",
    "NOTHING_INSTEAD",
    "WHY",
    "CONV_NEEDS_SHAPE",
    "GRAD_G_COST_IS_A_LIST",
]

#: A Theano name read as an attribute of a symmodule module.
NAME_GONE = "{theano} has no counterpart in symmodule ({where}): {why}. {instead}"

#: A Theano module imported under symmodule.
MODULE_GONE = "No module {where} ({theano} in Theano): {why}. {instead}"

USE_INSTEAD = "Use {replacement} instead."
NOTHING_INSTEAD = "Nothing replaces it: remove the reference."

#: Why a Theano name is gone, by the key the names table gives.
WHY: dict[str, str] = {
    "c": (
        "it belongs to Theano's C code generation and compile cache; PyTensor compiles "
        "graphs itself (Numba by default, each Op's C code in mode='CVM')"
    ),
    "cuda": (
        "PyTensor has no CUDA backend, so Theano's GPU arrays and Ops are gone; "
        "to run on a GPU, compile with mode='JAX' and a CUDA build of jax"
    ),
    "internal": "it was an internal helper of Theano, with no counterpart in PyTensor",
    "test": "it belongs to Theano's own test suite",
    "py2": "it was a Python 2 compatibility helper",
    "kit": "Theano's 2009 input kits were replaced by shared state (Members and RandomStreams)",
    "value": "Value variables (a variable carrying a default value) were replaced by shared variables",
    "op": "PyTensor builds this computation from other Ops, so Theano's Op is gone",
    "division": "PyTensor never refuses '/' on integers: it divides them as floats",
    "conv3d": "PyTensor 3 has no 3-D convolution Op",
    "rewrite": (
        "it was one of Theano's own graph rewrites; PyTensor applies its own in the "
        "modes that rewrite graphs"
    ),
    "config": "it was Theano's configuration machinery; PyTensor's config (symmodule.config) replaces it",
    "logging": "it was one of Theano's logging objects; PyTensor logs through the logging module",
    "module": "it was an internal of Theano's Module system, which symmodule implements another way",
    "updates": "PyTensor takes updates as a plain dict (or a list of pairs)",
    "raw": (
        "raw_random's functions threaded a random state through every call by hand; "
        "symmodule's streams update their generators themselves"
    ),
    "randomstate": "symmodule's random streams hold NumPy Generators, not RandomStates",
    "moved": "it left Theano's sandbox",
}

#: conv2d cannot unroll a kernel whose size is not known when the graph is built.
CONV_NEEDS_SHAPE = (
    "conv2d: the size of the filters ({filters}) is not known when the graph is built, "
    "and the convolution is unrolled over the kernel's taps. Pass filter_shape=(n_filters, "
    "channels, rows, columns) as in Theano, or give the filters a static shape."
)

#: T.grad's third positional argument is Theano's g_cost, PyTensor's consider_constant.
GRAD_G_COST_IS_A_LIST = (
    "grad: the third argument is g_cost, the gradient flowing into the cost (Theano's "
    "signature), and a list was given. To name expressions the gradient does not flow "
    "through, pass consider_constant=[...] by keyword."
)
