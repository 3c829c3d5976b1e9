"""``T``: all of :mod:`pytensor.tensor`, plus the Theano-era names it lacks.

``from symmodule import tensor as T`` is meant to read like Theano's
``from theano import tensor as T``. Everything public in
:mod:`pytensor.tensor` is here under the same name (``T.grad``, ``T.dot``,
``T.matrix``, ``T.dscalar``, ``T.lvector``, ...), including names PyTensor
adds to that namespace after this module was imported. What this module adds:

* ``scalars``, ``vectors``, ``matrices``, ... (and their ``f``/``d``/``i``/``l``
  variants) also accept comma-separated names: ``T.scalars('lr, momentum')``.
  A string without commas keeps Theano's rule, one variable per letter
  (``n, c = T.scalars('nc')``); an int gives that many unnamed variables.
* Theano names PyTensor dropped or stopped exporting: ``wmatrix``, ``abs_``,
  ``inv``, ``Rop``, ``Lop``, ``verify_grad``, ``numeric_grad``.
* ``grad`` is Theano 0.4's (:func:`symmodule.gradient.grad`): an input the
  cost does not depend on gets zeros, where PyTensor's raises.
* ``zero()``: a floatX scalar constant 0, the neutral "no cost" term.
* ``Op``: Theano's (:class:`symmodule.compat.ops.Op`), whose subclasses give
  their gradient as ``grad(inputs, output_gradients)``.
* ``T.nnet`` (:mod:`symmodule.tensor.nnet`, the ``NN`` of the examples) and
  ``T.randomstreams.RandomStreams``.
"""

from __future__ import annotations

import numpy as _np
import pytensor as _pytensor
import pytensor.tensor as _pt
from pytensor.tensor import *  # noqa: F403 -- this module *is* that namespace

# Theano names absent from pytensor.tensor's namespace, each an exact
# PyTensor equivalent. (wmatrix exists in pytensor.tensor.type but is missing
# from its __all__.)
from pytensor.gradient import Lop, Rop, numeric_grad, verify_grad  # noqa: F401 (re-exported)
from pytensor.tensor import abs as abs_  # noqa: F401 (re-exported)
from pytensor.tensor import reciprocal as inv  # noqa: F401 (re-exported)
from pytensor.tensor.type import wmatrix  # noqa: F401 (re-exported)
from symmodule.compat.ops import Op  # noqa: F401 (re-exported: Theano's, over pytensor.tensor's)

# Theano 0.4's grad (zeros for an input the cost does not depend on), over PyTensor's.
from symmodule.gradient import grad  # noqa: F401 (re-exported)


def __getattr__(name: str):
    # Whatever PyTensor attaches to pytensor.tensor later (e.g. a submodule
    # such as ``nlinalg`` imported by someone else) stays reachable as T.<name>.
    # The other Theano names are aliases, or refused with the reason (symmodule.compat).
    try:
        return getattr(_pt, name)
    except AttributeError:
        from symmodule.compat import theano_attribute

        return theano_attribute(__name__, name)


def zero() -> _pt.TensorConstant:
    """Return a scalar constant 0 of dtype ``config.floatX``.

    Adding it changes no value or gradient; models use it as the cost of
    "no regularization" (``cost + T.zero()``).

    Examples
    --------
    >>> from symmodule import tensor as T
    >>> x = T.dscalar("x")
    >>> (x + T.zero()).eval({x: 2.5})
    array(2.5)
    """
    return _pt.constant(_np.zeros((), dtype=_pytensor.config.floatX))


def _accept_comma_names(plural: str, singular: str):
    """Wrap PyTensor's `plural` constructor so that ``'a, b'`` means names a and b.

    Unwrapped, PyTensor (like Theano) would make one variable per character,
    the comma and the space included.
    """
    make_many, make_one = getattr(_pt, plural), getattr(_pt, singular)

    def make(*names):
        if len(names) == 1 and isinstance(names[0], str) and "," in names[0]:
            return [make_one(n.strip()) for n in names[0].split(",") if n.strip()]
        return make_many(*names)

    make.__name__ = make.__qualname__ = plural
    make.__doc__ = (
        f"Return several ``{singular}`` variables: ``'xy'`` names one per "
        "letter, ``'x, y'`` or ``('x', 'y')`` one per name, an int ``n`` "
        "gives ``n`` unnamed ones."
    )
    return make


for _singular, _plural in [
    ("scalar", "scalars"),
    ("vector", "vectors"),
    ("matrix", "matrices"),
    ("row", "rows"),
    ("col", "cols"),
    *((f"tensor{n}", f"tensor{n}s") for n in range(3, 8)),
]:
    for _prefix in ("", "f", "d", "i", "l"):
        globals()[_prefix + _plural] = _accept_comma_names(
            _prefix + _plural, _prefix + _singular
        )
del _singular, _plural, _prefix

# Submodules last: they import from PyTensor only, never from this namespace.
from symmodule.tensor import nnet, randomstreams, signal  # noqa: E402, F401
