"""Theano's ``theano.sandbox``: the parts of it era code used that symmodule keeps.

``softsign`` and ``wraplinker`` are here; the CUDA backend (``cuda``) is
refused, by attribute and by ``import``, with the reason: PyTensor has no
CUDA backend.
"""


def __getattr__(name: str):
    # Theano's names here: submodules, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
