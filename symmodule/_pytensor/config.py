"""Configuration and BLAS: what PyTensor has read, and its BLAS warning.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import warnings
from pytensor import config

__all__ = [
    "read_blas_flags",
    "is_missing_blas_warning",
    "config_flag_is_read",
]


def read_blas_flags() -> tuple[str, list[warnings.WarningMessage]]:
    """``config.blas__ldflags``, and the warnings reading it raised (recorded, not shown).

    Relies on PyTensor looking for a BLAS library the first time the flag is
    read, warning then when it finds none, and keeping the value for later
    reads (which warn no more). ``catch_warnings`` is process-wide: a warning
    another thread raises meanwhile is recorded too. Checked with PyTensor
    3.0.7 and 3.3.8.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flags = config.blas__ldflags
    return flags, caught


def is_missing_blas_warning(warning: warnings.WarningMessage) -> bool:
    """Whether ``warning`` is PyTensor's warning that it found no BLAS library to link.

    Relies on the text it starts with. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return str(warning.message).startswith("PyTensor could not link to a BLAS")


def config_flag_is_read(name: str) -> bool:
    """Whether ``config.<name>`` has a value yet, found without reading it.

    Relies on ``config._config_var_dict`` holding each flag's ``ConfigParam``,
    which keeps the value in its ``val`` attribute once the flag is read or
    set (its first read computes a lazy default, such as ``blas__ldflags``'s
    search for BLAS). Checked with PyTensor 3.0.7 and 3.3.8.
    """
    return "val" in vars(config._config_var_dict[name])
