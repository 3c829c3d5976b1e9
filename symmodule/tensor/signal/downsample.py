"""Theano's ``theano.tensor.signal.downsample``: ``max_pool_2d``.

A door only: the function lives in :mod:`symmodule.compat.conv`.
"""

from symmodule.compat.conv import max_pool_2d

__all__ = ["max_pool_2d"]
