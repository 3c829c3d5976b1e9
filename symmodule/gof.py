"""Theano's ``theano.gof``: graph objects and linkers, from PyTensor.

A door only: ``Variable``, ``Constant`` and ``Container`` are PyTensor's own;
the linkers are PyTensor's, adapted to Theano's signatures in
:mod:`symmodule.linkers`.
"""

from pytensor.graph.basic import Constant, Variable
from pytensor.link.basic import Container

from symmodule.linkers import OpWiseCLinker, WrapLinker, WrapLinkerMany

__all__ = ["Constant", "Container", "OpWiseCLinker", "Variable", "WrapLinker", "WrapLinkerMany"]

# A package without files of its own: ``import symmodule.gof.graph`` and Theano's
# other submodule paths are PyTensor's modules, found by symmodule.compat.importer.
__path__: list[str] = []


def __getattr__(name: str):
    # Theano's other gof names: aliases of PyTensor's, or refused with the reason.
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
