"""The JAX backend: linkers with index checks and shardings, and generators in JAX's form.

Part of :mod:`symmodule._pytensor`: each name relies on the PyTensor internal its
docstring names, and ``tests/test__pytensor.py`` tests it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any
import numpy as np
from pytensor.compile.maker import FunctionMaker
from pytensor.graph.basic import Apply
from pytensor.graph.fg import FunctionGraph
from pytensor.graph.op import HasInnerGraph
from pytensor.graph.traversal import applys_between
from pytensor.link.basic import JITLinker, Linker
from pytensor.link.jax.linker import JAXLinker
from pytensor.tensor.blockwise import Blockwise
from pytensor.tensor.subtensor import BaseSubtensor
from symmodule.errors import INDEX_OUT_OF_BOUNDS

from symmodule._pytensor.ops import _FIRST_AXIS_INDEX_OPS

__all__ = [
    "PREPARE_JAX",
    "prepare_jax_dispatch",
    "register_jax_funcify",
    "IndexCheckedJAXLinker",
    "DonatingJAXLinker",
    "donates",
    "ShardedJAXLinker",
    "load_jax_backend",
    "relinked",
    "updated_inputs",
    "numpy_generator",
    "jax_generator",
]


#: The name of the method an Op defines to register its JAX code before a graph holding it is
#: converted (symmodule's Ops register it then, so that importing them never imports JAX).
PREPARE_JAX = "prepare_jax_dispatch"


def prepare_jax_dispatch(nodes: Iterable[Apply]) -> None:
    """Call the :data:`PREPARE_JAX` method of each Op of ``nodes`` (inner graphs included) that has one."""
    for node in nodes:
        op = node.op.core_op if isinstance(node.op, Blockwise) else node.op
        prepare = getattr(op, PREPARE_JAX, None)
        if prepare is not None:
            prepare()
        if isinstance(op, HasInnerGraph):
            prepare_jax_dispatch(applys_between(op.inner_inputs, op.inner_outputs))


def register_jax_funcify(op_type: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering an Op class's JAX code with PyTensor's JAX backend.

    The decorated ``funcify(op, node=None, **kwargs)`` returns a function of
    the node's inputs (JAX arrays) returning its output. Relies on
    ``pytensor.link.jax.dispatch.jax_funcify`` (a ``singledispatch`` on the
    Op's class; importing it imports JAX and turns on ``jax_enable_x64``).
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.jax.dispatch import jax_funcify

    return jax_funcify.register(op_type)


class _PreparingJAXLinker(JAXLinker):
    """PyTensor's JAX linker, first letting the graph's Ops register their JAX code.

    Relies on ``JAXLinker.fgraph_convert(fgraph, ...)`` converting the graph
    with ``jax_funcify`` (PyTensor's dispatch, read when called). Checked
    with PyTensor 3.0.7 and 3.3.8.
    """

    def fgraph_convert(self, fgraph: FunctionGraph, *args: Any, **kwargs: Any) -> Any:
        prepare_jax_dispatch(fgraph.apply_nodes)
        return super().fgraph_convert(fgraph, *args, **kwargs)


class IndexCheckedJAXLinker(_PreparingJAXLinker):
    """PyTensor's JAX linker, whose compiled graphs raise ``IndexError`` for an out-of-range index.

    XLA clamps an out-of-range index (``x[10]`` of 10 elements reads
    ``x[9]``) rather than failing. This linker compiles each graph under
    JAX's own index checks (``jax.experimental.checkify`` with
    ``index_checks``): every gather and scatter of the graph also reports
    whether an index was out of range, and the call raises ``IndexError``
    when one was. Reading that report makes each call wait for its result
    (about 5 us), so a graph without any indexing Op (inner graphs
    included) is compiled as it is.

    Relies on ``JITLinker.make_all`` passing the converted graph to
    ``jit_compile`` (``self.fgraph`` being the graph) and calling what it
    returns with the inputs' values (expecting the outputs), on
    ``JAXLinker.jit_compile`` keeping the positions of its arguments, on
    ``Linker.accept`` building a new linker as ``type(self)(allow_gc=...)``,
    and on every indexing Op being a ``BaseSubtensor`` (or, up to 3.2, an
    ``AdvancedSubtensor1``). Checked with PyTensor 3.0.7 and 3.3.8.
    """

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not _indexes(self.fgraph.apply_nodes):
            return super().jit_compile(fn)
        from jax.experimental import checkify

        jitted = super().jit_compile(checkify.checkify(fn, errors=checkify.index_checks))

        def checked(*args: Any) -> Any:
            error, outputs = jitted(*args)
            message = error.get()
            if message is not None:
                raise IndexError(INDEX_OUT_OF_BOUNDS.format(where=f"({message.strip()})"))
            return outputs

        return checked


class DonatingJAXLinker(IndexCheckedJAXLinker):
    """:class:`IndexCheckedJAXLinker` that donates the buffers of updated inputs to the computation.

    The positions of the inputs a function updates (its graph's
    ``update_mapping``) go to ``jax.jit``'s ``donate_argnums``: XLA may
    write the new values into the old values' buffers instead of new ones,
    and the old arrays are deleted by the call. A graph that indexes arrays
    donates nothing: its index check is read after the computation ran, and
    a call that fails it must leave the old values intact.

    Relies on what :class:`IndexCheckedJAXLinker` relies on, on
    ``self.fgraph.update_mapping`` (output position -> input position, which
    ``FunctionMaker`` fills) and on ``JAXLinker.jit_compile`` making the
    positions of ``scalar_shape_inputs`` static arguments given as ``int``,
    which this one does the same way. Checked with PyTensor 3.0.7 and 3.3.8.
    """

    #: The input positions donated, set when the graph is jitted (once per linker).
    donated: tuple[int, ...] = ()

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if _indexes(self.fgraph.apply_nodes):
            return super().jit_compile(fn)
        self.donated = donated = tuple(sorted(set((self.fgraph.update_mapping or {}).values())))
        if not donated:
            return super().jit_compile(fn)
        import jax

        static = tuple(self.scalar_shape_inputs)
        jitted = jax.jit(fn, static_argnums=static, donate_argnums=donated)
        if not static:
            return jitted

        def with_static_shapes(*args: Any) -> Any:
            return jitted(*(int(arg) if k in static else arg for k, arg in enumerate(args)))

        return with_static_shapes


def donates(linker: Linker) -> tuple[int, ...]:
    """The input positions whose buffers ``linker``'s jitted graph donates (none unless it is a :class:`DonatingJAXLinker`)."""
    return linker.donated if isinstance(linker, DonatingJAXLinker) else ()


class ShardedJAXLinker(_PreparingJAXLinker):
    """PyTensor's JAX linker, compiling a graph into one computation over a device mesh.

    The converted graph is jitted with an explicit sharding for each input
    and each output (``jax.jit``'s ``in_shardings`` and ``out_shardings``),
    so that XLA partitions it over the mesh and inserts the collectives
    itself. Before each call, an input that is not yet a ``jax.Array`` (a
    NumPy argument, a generator's state on its first call) goes through
    ``place(value, sharding)``, which builds the global array; with
    ``wait``, each call waits for its results (XLA's CPU collectives can
    deadlock when several calls are in flight on few cores). With
    ``check_indices``, an out-of-range index raises ``IndexError`` as in
    :class:`IndexCheckedJAXLinker`.

    Relies on what :class:`IndexCheckedJAXLinker` relies on, and on
    ``JAXLinker.fgraph_convert`` setting ``scalar_shape_inputs`` (positions
    of inputs only used as shapes, which ``JAXLinker.jit_compile`` makes
    static arguments, converted to ``int``) before ``jit_compile`` runs.
    Checked with PyTensor 3.0.7 and 3.3.8.

    Examples
    --------
    >>> import jax, numpy as np, pytensor, pytensor.tensor as pt
    >>> from jax.sharding import NamedSharding, PartitionSpec as P
    >>> mesh = jax.make_mesh((len(jax.devices()),), ('data',))
    >>> split, whole = NamedSharding(mesh, P('data')), NamedSharding(mesh, P())
    >>> x = pt.dvector('x')
    >>> maker = pytensor.function([x], x.sum(), mode='JAX').maker
    >>> linker = ShardedJAXLinker(input_shardings=[split], output_shardings=[whole],
    ...                           replicated=whole, place=jax.device_put)
    >>> f = relinked(maker, linker).create()
    >>> float(f(np.arange(8.0)))
    28.0
    """

    def __init__(
        self,
        *args: Any,
        input_shardings: Sequence[Any] = (),
        output_shardings: Sequence[Any] = (),
        replicated: Any = None,
        place: Callable[[Any, Any], Any] | None = None,
        wait: bool = False,
        check_indices: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.input_shardings = tuple(input_shardings)
        self.output_shardings = tuple(output_shardings)
        self.replicated = replicated
        self.place = place
        self.wait = wait
        self.check_indices = check_indices

    def jit_compile(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        import jax

        static = frozenset(self.scalar_shape_inputs)
        dynamic = tuple(k for k in range(len(self.input_shardings)) if k not in static)
        checked = self.check_indices and _indexes(self.fgraph.apply_nodes)

        def as_tuple(*args: Any) -> tuple[Any, ...]:
            # out_shardings is a tuple: the outputs must be one too (a list is another pytree).
            return tuple(fn(*args))

        target: Callable[..., Any] = as_tuple
        out_shardings: Any = self.output_shardings
        if checked:
            from jax.experimental import checkify

            target = checkify.checkify(as_tuple, errors=checkify.index_checks)
            out_shardings = (self.replicated, out_shardings)
        jitted = jax.jit(
            target,
            static_argnums=tuple(sorted(static)),
            in_shardings=tuple(self.input_shardings[k] for k in dynamic),
            out_shardings=out_shardings,
        )
        shardings, place, wait, array = self.input_shardings, self.place, self.wait, jax.Array

        def run(*args: Any) -> Any:
            values = [
                int(value) if k in static
                else value if isinstance(value, array) or value is None
                else place(value, shardings[k])
                for k, value in enumerate(args)
            ]
            outputs = jitted(*values)
            if wait:
                jax.block_until_ready(outputs)
            if checked:
                error, outputs = outputs
                message = error.get()
                if message is not None:
                    raise IndexError(INDEX_OUT_OF_BOUNDS.format(where=f"({message.strip()})"))
            return outputs

        return run


def load_jax_backend() -> None:
    """Load PyTensor's JAX backend, which turns on ``jax_enable_x64``, before any value is placed.

    Values placed on JAX's devices before then would be cut to 32 bits.
    Relies on ``pytensor.link.jax.dispatch`` setting JAX's ``jax_enable_x64``
    flag when imported (its first JAX compilation imports it). Checked with
    PyTensor 3.0.7 and 3.3.8.
    """
    import pytensor.link.jax.dispatch  # noqa: F401


def relinked(maker: FunctionMaker, linker: Linker, function_class: type | None = None) -> FunctionMaker:
    """A copy of ``maker`` whose functions are linked by ``linker`` (and are ``function_class``).

    The graph is not rewritten again: the copy shares the maker's rewritten
    graph and input and output specs. Relies on ``FunctionMaker.create``
    linking with ``self.linker`` (a linker that has accepted the maker's
    ``fgraph``) and building ``self.function_class``, and on
    ``PerformLinker.no_recycling``. Checked with PyTensor 3.0.7 and 3.3.8.
    """
    copied = copy.copy(maker)
    copied.linker = linker.accept(maker.fgraph, no_recycling=maker.linker.no_recycling)
    if function_class is not None:
        copied.function_class = function_class
    return copied


def updated_inputs(maker: FunctionMaker) -> dict[int, int]:
    """``{output position: input position}`` for the updates among a maker's graph outputs.

    The graph's inputs are the maker's input specs in order, its outputs the
    declared outputs followed by one update per updated input. Relies on
    ``FunctionGraph.update_mapping``, which ``FunctionMaker`` fills. Checked
    with PyTensor 3.0.7 and 3.3.8.
    """
    return dict(maker.fgraph.update_mapping or {})


def _indexes(nodes: Iterable[Apply]) -> bool:
    """Whether any of ``nodes`` indexes an array, in its own graph or in an inner one."""
    for node in nodes:
        op = node.op.core_op if isinstance(node.op, Blockwise) else node.op
        if isinstance(op, (BaseSubtensor, *_FIRST_AXIS_INDEX_OPS)):
            return True
        if isinstance(op, HasInnerGraph) and _indexes(applys_between(op.inner_inputs, op.inner_outputs)):
            return True
    return False


def numpy_generator(value: Any) -> Any:
    """A generator member's value as a numpy ``Generator``; other values unchanged.

    PyTensor's JAX backend keeps a generator as a dict (``jax_typify`` of a
    ``Generator``): the numpy state it came from, packed, and a ``"jax_state"``
    key of two ``uint32`` words, from which every later draw is made (the
    numpy state is never advanced). The Generator returned here has a PCG64
    state whose low 64 bits are that key, and whose top bit is set so that
    its state always spans four words: ``jax_typify`` of it gives back the
    same key, so an instance restored from it draws the same numbers in JAX
    mode (its increment spans four words too, as ``jax_typify`` reads two). Relies on ``jax_typify_Generator`` taking ``"jax_state"`` from the
    low words of the state (``_coerce_to_uint32_array(state)[0:2]``).
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    if not isinstance(value, dict) or "jax_state" not in value:
        return value
    low, high = (int(word) for word in np.asarray(value["jax_state"], dtype=np.uint32))
    bit_generator = np.random.PCG64()
    bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (1 << 127) | (high << 32) | low, "inc": (1 << 127) | 1},
        "has_uint32": 0,
        "uinteger": 0,
    }
    return np.random.Generator(bit_generator)


def jax_generator(generator: np.random.Generator) -> Any:
    """A numpy ``Generator`` in the form PyTensor's JAX backend reads a generator input in.

    ``JAXLinker.create_thunk_inputs`` converts the Generators it finds in
    storage once, when a function is created; a Generator stored later (a
    reseed, a load) must be converted where it is stored. Relies on
    ``pytensor.link.jax.dispatch.jax_typify`` accepting a Generator.
    Checked with PyTensor 3.0.7 and 3.3.8.
    """
    from pytensor.link.jax.dispatch import jax_typify

    return jax_typify(generator)
