"""Theano's ``theano.tensor.shared_randomstreams``: the import path of ``RandomStreams``.

A door only: :class:`RandomStreams` is symmodule's
(:mod:`symmodule.module.random`), imported on first use; the shared-variable
names are PyTensor's. As in Theano, its draws also work outside any Module:
``symmodule.function`` reads each draw's generator from a shared variable and
advances it after every call.
"""

__all__ = ["RandomStreams"]  # noqa: F822 (resolved lazily by __getattr__)


def __getattr__(name: str):
    # Theano's names here: aliases, or refused with the reason (symmodule.compat).
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
