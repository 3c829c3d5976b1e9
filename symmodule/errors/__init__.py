"""Every exception symmodule raises, and the texts of their messages.

All errors derive from :class:`SymmoduleError`, so ``except
symmodule.SymmoduleError`` catches everything the library raises on purpose.
Each class also derives from the built-in exception a Python user would expect
(``TypeError`` for a bad call, ``ValueError`` for a bad declaration, ...), so
code written for Theano that caught those keeps working.

Messages are kept as templates, next to each other by subject
(``module_messages.py``, ``function_messages.py``, ``random_messages.py``,
``state_messages.py``), so that they stay consistent: each says *what*
went wrong, *where* (the module path and method name) and *how* to fix it.
The classes are in ``classes.py``; everything is read from here,
``symmodule.errors``.
"""

from symmodule.errors import classes
from symmodule.errors.classes import *  # noqa: F403
from symmodule.errors.classes import execution_error_class, raise_interrupt_behind
from symmodule.errors.describe import *  # noqa: F403
from symmodule.errors.function_messages import *  # noqa: F403
from symmodule.errors.module_messages import *  # noqa: F403
from symmodule.errors.random_messages import *  # noqa: F403
from symmodule.errors.state_messages import *  # noqa: F403

# The exception classes; the message templates and helpers are read as attributes.
__all__ = [name for name in classes.__all__ if isinstance(getattr(classes, name), type)]
