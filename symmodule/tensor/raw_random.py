"""Theano's ``theano.tensor.raw_random``: the random-number types and Ops, on PyTensor's.

A door only. Theano's functions here (``uniform(random_state, size, ...)``
and friends) passed a random state through every call by hand; they are
refused with a message pointing to :class:`~symmodule.module.random.RandomStreams`,
whose draws update their generators themselves.
"""


def __getattr__(name: str):
    # Theano's names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
