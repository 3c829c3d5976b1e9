"""Theano's ``ProfileMode``: time every function compiled with one mode, on PyTensor's profiler.

Each function compiled with a :class:`ProfileMode` gets its own PyTensor
``ProfileStats`` (PyTensor's profiler: per-node call counts and times are
recorded by the VM). ``print_summary()`` prints one line per function, then
PyTensor's per-Op-class, per-Op and per-node tables over all of them.

The stats are attached through ``Mode.function_maker``, PyTensor's hook for a
mode to choose how its functions are built, so ``pytensor.function`` and
symmodule's compiler both pick them up. (A ``mode.profile`` attribute, Theano's
way, is refused by PyTensor's compiler.)
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from pytensor.compile.debug.profiling import ProfileStats
from pytensor.compile.maker import FunctionMaker

from symmodule._pytensor import sum_profile_stats
from symmodule.linkers import OpWiseCLinker
from symmodule.modes import Mode

__all__ = ["ProfileMode"]


class _ProfilingFunctionMaker(FunctionMaker):
    """A FunctionMaker that takes its ProfileStats from the :class:`ProfileMode` it compiles with."""

    def __init__(
        self,
        inputs: Any,
        outputs: Any,
        mode: Any = None,
        *args: Any,
        profile: Any = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        # None/False (what callers and Function.copy pass by default) means "a
        # new one, kept by the mode"; an explicit ProfileStats is kept too.
        if isinstance(mode, ProfileMode):
            if not profile:
                profile = mode.profile_stats_for(name)
            elif isinstance(profile, ProfileStats) and profile not in mode.profile_stats:
                mode.profile_stats.append(profile)
        super().__init__(inputs, outputs, mode, *args, profile=profile, name=name, **kwargs)


class ProfileMode(Mode):
    """A Mode that records call counts and times of every function compiled with it.

    Each function compiled with the mode (each Method of each ``make()``,
    each ``symmodule.function``) gets a PyTensor ``ProfileStats``, kept in
    :attr:`profile_stats`; functions sharing compiled code (two instances of
    one Module) share it. :meth:`print_summary` prints them.

    Parameters
    ----------
    linker
        PyTensor linker or linker name. The default, ``OpWiseCLinker()``,
        runs nodes one by one (C code where there is some), so each Op gets
        its own time. A whole-graph linker ('numba', 'jax', 'c') shows up as
        one node, and a linker whose loop keeps no timings (PyTensor's
        ``PerformLinker``, a ``WrapLinker``) gives function totals only.
    optimizer
        Rewrites to apply: 'fast_run', 'fast_compile', a query, or
        'default' for ``symmodule.config.optimizer``.

    Examples
    --------
    >>> import io
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> from symmodule.profiling import ProfileMode
    >>> profmode = ProfileMode(optimizer='fast_run', linker=symmodule.gof.OpWiseCLinker())
    >>> m = symmodule.Module()
    >>> m.c = T.dscalar()
    >>> n = T.dscalar('n')
    >>> m.inc = symmodule.Method(n, [], c=m.c + n)
    >>> inst = m.make(c=0, mode=profmode)
    >>> for _ in range(3):
    ...     inst.inc(1)
    >>> [(s.message, s.fct_callcount) for s in profmode.profile_stats]
    [('inc', 3)]
    >>> out = io.StringIO()
    >>> profmode.print_summary(file=out)
    >>> 'Ops' in out.getvalue()
    True
    """

    def __init__(self, linker: Any = None, optimizer: Any = "default", db: Any = None) -> None:
        super().__init__(OpWiseCLinker() if linker is None else linker, optimizer, db)
        #: One ProfileStats per compiled graph, in compilation order.
        self.profile_stats: list[ProfileStats] = []

    def __setstate__(self, state: Any) -> None:
        # Mode pickles only (linker, optimizer): an unpickled ProfileMode (say,
        # in a pickled Function's maker) starts with no stats.
        super().__setstate__(state)
        if not hasattr(self, "profile_stats"):
            self.profile_stats = []

    @property
    def function_maker(self) -> type[FunctionMaker]:
        return _ProfilingFunctionMaker

    def profile_stats_for(self, name: str | None) -> ProfileStats:
        """A new ProfileStats for a function called ``name``, recorded by this mode."""
        label = name or f"<unnamed function {len(self.profile_stats)}>"
        # atexit_print=False: the user prints with print_summary, not at exit;
        # flag_time_thunks=True: per-node times are what this mode is for.
        stats = ProfileStats(atexit_print=False, flag_time_thunks=True, message=label)
        self.profile_stats.append(stats)
        return stats

    def total(self) -> ProfileStats:
        """One ProfileStats adding up every function's, for PyTensor's tables."""
        return sum_profile_stats(
            self.profile_stats,
            message=f"all {len(self.profile_stats)} function(s) compiled with this ProfileMode",
        )

    def print_summary(
        self, file: TextIO | None = None, n_ops_to_print: int = 20, n_apply_to_print: int = 20
    ) -> None:
        """Print per-function totals, then per-Op and per-node times and call counts.

        Parameters
        ----------
        file
            Where to print (default: standard output, as Theano did).
        n_ops_to_print, n_apply_to_print
            How many Ops and nodes the tables list (the most expensive first).
        """
        out = sys.stdout if file is None else file
        print("ProfileMode.print_summary()", file=out)
        print("---------------------------", file=out)
        print("Functions", file=out)
        print(f"  {'<#call>':>8} {'<total time>':>13} {'<time in Ops>':>14}  <function>", file=out)
        for stats in sorted(self.profile_stats, key=lambda s: s.fct_call_time, reverse=True):
            in_ops = sum(stats.apply_time.values())
            print(
                f"  {stats.fct_callcount:8d} {stats.fct_call_time:12.3e}s {in_ops:13.3e}s  {stats.message}",
                file=out,
            )
        print("", file=out)
        total = self.total()
        total.summary_function(out)
        if sum(total.apply_time.values()) > 0:
            total.summary_class(out, n_ops_to_print)
            total.summary_ops(out, n_ops_to_print)
            total.summary_nodes(out, n_apply_to_print)
        elif total.fct_callcount > 0:
            print(
                "  No per-Op times: this mode's linker does not time its nodes "
                "(use symmodule.gof.OpWiseCLinker() or 'cvm').",
                file=out,
            )
