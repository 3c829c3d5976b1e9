"""Theano's ``theano.gof``: graph objects and linkers, from PyTensor.

A door only: ``Variable``, ``Constant`` and ``Container`` are PyTensor's own.
"""

from pytensor.graph.basic import Constant, Variable
from pytensor.link.basic import Container

__all__ = ["Constant", "Container", "Variable"]
