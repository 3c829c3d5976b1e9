"""``T.signal``: PyTensor's ``pytensor.tensor.signal``, plus Theano's ``downsample``.

A door only: everything of :mod:`pytensor.tensor.signal` is here under the
same name; ``downsample.max_pool_2d`` is :func:`symmodule.compat.conv.max_pool_2d`.
"""

import pytensor.tensor.signal as _signal
from pytensor.tensor.signal import *  # noqa: F403 -- this module *is* that namespace

from symmodule.tensor.signal import downsample  # noqa: F401


def __getattr__(name: str):
    return getattr(_signal, name)
