"""Theano's ``theano.printing``: PyTensor's printing tools under symmodule's name.

A door only: ``pprint``/``pp``, ``debugprint``, ``pydotprint`` (which needs
``pydot``), the ``Print`` Op and the printer classes are
:mod:`pytensor.printing`'s own. ``pydotprint_variables`` is ``pydotprint``,
which takes variables as well as functions.
"""

import pytensor.printing as _printing
from pytensor.printing import Print, debugprint, pp, pprint, pydotprint

__all__ = ["Print", "debugprint", "pp", "pprint", "pydotprint"]


def __getattr__(name: str):
    # The rest of pytensor.printing, then Theano's other names (symmodule.compat).
    try:
        return getattr(_printing, name)
    except AttributeError:
        from symmodule.compat import theano_attribute

        return theano_attribute(__name__, name)
