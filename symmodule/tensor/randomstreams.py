"""``T.randomstreams``: Theano's import path for :class:`RandomStreams`.

The class lives in :mod:`symmodule.module.random`; it is imported on first
attribute access, so importing :mod:`symmodule.tensor` never depends on it.
"""

__all__ = ["RandomStreams"]  # noqa: F822 (resolved lazily by __getattr__)


def __getattr__(name: str):
    if name == "RandomStreams":
        from symmodule.module.random import RandomStreams

        return RandomStreams
    from symmodule.compat import theano_attribute

    return theano_attribute(__name__, name)
