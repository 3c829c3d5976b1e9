"""Theano's ``theano.compile.io``: the input and output specs ``In`` and ``Out``.

A door only: these are PyTensor's classes.
"""

from pytensor.compile.io import In, Out

__all__ = ["In", "Out"]
