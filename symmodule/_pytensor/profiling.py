"""Summing the profiles of several functions.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pytensor.compile.debug.profiling import ProfileStats

__all__ = [
    "SUMMED_PROFILE_FIELDS",
    "MERGED_PROFILE_TABLES",
    "sum_profile_stats",
]


#: Totals of ``ProfileStats`` that add up over functions. Relies on the
#: attribute names of ``pytensor.compile.debug.profiling.ProfileStats``:
#: these are every int or float field it declares but ``nb_nodes``. Checked
#: with PyTensor 3.0.7 and 3.3.8.
SUMMED_PROFILE_FIELDS = (
    "compile_time",
    "fct_call_time",
    "fct_callcount",
    "vm_call_time",
    "rewriting_time",
    "validate_time",
    "linker_time",
    "preload_cache_time",
    "import_time",
    "linker_node_make_thunks",
)


#: Per-node tables of ``ProfileStats`` (dicts keyed by node, so the nodes of
#: distinct functions never collide), which its ``summary_*`` tables read.
MERGED_PROFILE_TABLES = ("apply_time", "apply_callcount", "apply_cimpl", "linker_make_thunk_time")


def sum_profile_stats(stats: Iterable[ProfileStats], message: str) -> ProfileStats:
    """One ``ProfileStats`` adding up ``stats``, for PyTensor's summary tables.

    Relies on the fields in :data:`SUMMED_PROFILE_FIELDS` and
    :data:`MERGED_PROFILE_TABLES`, and on ``nb_nodes`` (-1 when unknown).
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    total = ProfileStats(atexit_print=False, flag_time_thunks=True, message=message)
    total.nb_nodes = 0
    for one in stats:
        for attr in SUMMED_PROFILE_FIELDS:
            setattr(total, attr, getattr(total, attr) + getattr(one, attr))
        total.nb_nodes += max(one.nb_nodes, 0)
        for attr in MERGED_PROFILE_TABLES:
            # copy() keeps the table's type (defaultdict, Counter) and never
            # writes into a dict ProfileStats shares at class level.
            merged = getattr(total, attr).copy()
            merged.update(getattr(one, attr))
            setattr(total, attr, merged)
    return total
