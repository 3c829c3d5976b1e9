"""RandomStreams: random draws in Method graphs, with generator state per instance.

A :class:`RandomStreams` assigned to a Module attribute is a component. Each
draw (``uniform``, ``normal``, ...) gets its own *stream*: a root generator
Variable (PyTensor's ``RandomGeneratorType``) and the next-generator output
of the draw. In the component protocol (``component.py``):

* ``allocate`` declares every stream's generator Variable as state and asks,
  through ``plan.add_automatic_update``, that each Method reading it advances
  it. The update is an ordinary, explicit entry of the compiled function's
  updates; nothing relies on PyTensor's deprecated ``default_update``.
* ``build`` returns a :class:`RandomStreamsInstance` over the instance's
  storage containers, and seeds them.

Seeding
-------
Stream ``i`` of a seed ``s`` is ``numpy.random.default_rng(SeedSequence(s,
spawn_key=(i,)))``: the streams are statistically independent of each other,
and stream ``i`` depends only on ``s`` and ``i``, so adding draws to a module
never changes the numbers its earlier draws give. Every instance made from a
module whose RandomStreams has a seed starts from that seed, as in Theano:
two instances draw the same sequences until one is reseeded, and rerunning a
script reproduces its results. With no seed (``RandomStreams()``), each
instance, and each ``seed(None)``, starts from fresh OS entropy.

``RandomStreams(seed, seed_by_path=True)`` also mixes the component's path
in the instance tree into every stream (spawn key ``(crc32(path), i)``), so
several components built with one seed (a layer's default) draw independent
numbers, and the same numbers at every ``make()`` of the same tree.

Outside any Module
------------------
Theano's ``tensor.shared_randomstreams.RandomStreams`` was used without a
Module too: ``srng.uniform(...)`` compiled with ``theano.function`` drew new
numbers at every call. The same object does that here. Each stream also has a
shared variable holding a Generator (:meth:`RandomStreams.shared_generator`),
created when first needed and seeded as stream ``i`` of an instance would be.
:func:`symmodule.function` reads a draw's generator from it and adds its
update explicitly (:func:`outside_module_generators`);
:func:`symmodule.scan` does the same for the draws of a loop's step.
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.traversal import graph_inputs
from pytensor.link.basic import Container
from pytensor.tensor.random import basic as rv
from pytensor.tensor.random.type import RandomGeneratorType
from pytensor.tensor.type import integer_dtypes

from symmodule import errors
from symmodule._atomic import store_all
from symmodule._pytensor import numpy_generator
from symmodule.module.component import Component
from symmodule.module.plan import join_path
from symmodule.roles import RNG

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node, Plan

__all__ = [
    "RandomStreams",
    "RandomStreamsInstance",
    "outside_module_generators",
    "stream_of",
]

#: ``size`` as Theano accepted it: an int, a sequence of ints/scalars, or a vector.
SizeLike = int | Sequence[Any] | np.ndarray | Variable | None

# Tag set on each generator Variable: (RandomStreams uid, stream index). It lets
# ``inst.random[out.rng]`` find a stream after pickling, when the instance's
# module is a copy and holds copies of the user's Variables.
_STREAM_TAG = "symmodule_stream"
# Tag set on each generator Variable: the RandomStreams that made it, so that
# symmodule.function can find the stream's shared generator from the graph alone.
_OWNER_TAG = "symmodule_stream_owner"


@dataclass(eq=False)
class _Stream:
    """One generator: its root Variable, the draw's next-generator output, its index."""

    rng: Variable
    next_rng: Variable
    index: int


@dataclass(eq=False)
class _Outside:
    """The generators of a RandomStreams' streams used outside any Module."""

    #: Stream index -> the shared variable holding its Generator.
    generators: dict[int, SharedVariable] = field(default_factory=dict)
    #: The entropy of the last seed; None until a generator is first needed.
    entropy: Any = None
    lock: Any = field(default_factory=threading.RLock)

    def __getstate__(self) -> dict[str, Any]:
        return {"generators": self.generators, "entropy": self.entropy}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, lock=threading.RLock())


def _generator(entropy: Any, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(index,)))


class RandomStreams(Component):
    """Random draws for Module methods; each instance holds its own generator states.

    Assign it to a Module attribute, draw with the numpy-like methods below,
    and use the draws in Methods. Every call of a compiled method that reads
    a draw advances that draw's generator, so successive calls give new
    numbers; instances made from the module are independent.

    Parameters
    ----------
    seed
        The seed every new instance's streams start from (an int, a sequence
        of ints, or None for fresh OS entropy at each ``make()``).
    seed_by_path
        Mix the component's path in the instance tree into every seed, so two
        RandomStreams given the same seed at different paths draw different
        numbers (``inst.random.seed(s)`` mixes it in too).

    Attributes
    ----------
    default_instance_seed
        ``seed``, as Theano named it.

    Notes
    -----
    Each draw method returns a Variable with an ``rng`` attribute: the
    generator Variable that draw advances. On an instance ``inst``,
    ``inst.random[out.rng]`` is that stream's current ``numpy.random.Generator``
    (read or write it); ``inst.random.seed(s)`` reseeds every stream and
    ``inst.random.initialize()`` reseeds them from ``seed``.

    ``size`` may be an int, a tuple of ints or symbolic scalars, or a symbolic
    integer vector such as ``T.shape(x)``. With ``size=()`` (the default) the
    draw has the broadcast shape of its parameters (a scalar for scalar
    parameters). ``ndim``, when given, must agree with ``size``; for a symbolic
    size whose length is unknown when the graph is built, ``ndim`` supplies it.

    Examples
    --------
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.random = T.randomstreams.RandomStreams(seed=42)
    >>> x = T.dmatrix('x')
    >>> mask = m.random.binomial(size=T.shape(x), n=1, p=0.5)
    >>> m.corrupt = symmodule.Method(x, x * mask)
    >>> inst = m.make()
    >>> first = inst.corrupt([[1.0, 2.0, 3.0]])
    >>> inst.random.seed(42)          # back to the start of every stream
    >>> bool((inst.corrupt([[1.0, 2.0, 3.0]]) == first).all())
    True
    >>> import numpy as np
    >>> isinstance(inst.random[mask.rng], np.random.Generator)
    True

    Outside any Module, as Theano's ``shared_randomstreams`` was used, the
    draws compile with :func:`symmodule.function`, and every call advances
    their generators:

    >>> srng = T.shared_randomstreams.RandomStreams(seed=234)
    >>> u = srng.uniform(size=(2,))
    >>> f = symmodule.function([], u)
    >>> first, second = f(), f()
    >>> bool((first != second).all())
    True
    >>> srng.seed(234)                 # every stream back to its start
    >>> bool((f() == first).all())
    True
    """

    def __init__(self, seed: int | Sequence[int] | None = None, *, seed_by_path: bool = False) -> None:
        self.default_instance_seed = seed
        self.seed_by_path = seed_by_path
        self._streams: list[_Stream] = []
        self._uid = uuid.uuid4().hex

    # -- draws ---------------------------------------------------------------------

    def uniform(
        self,
        size: SizeLike = (),
        low: Any = 0.0,
        high: Any = 1.0,
        ndim: int | None = None,
        dtype: str | None = None,
    ) -> pt.TensorVariable:
        """Floats drawn uniformly from ``[low, high)``; dtype defaults to ``config.floatX``."""
        return self._draw(
            "uniform", lambda rng, s: rv.uniform(low, high, size=s, rng=rng, return_next_rng=True),
            size, ndim, dtype,
        )

    def normal(
        self,
        size: SizeLike = (),
        avg: Any = 0.0,
        std: Any = 1.0,
        ndim: int | None = None,
        dtype: str | None = None,
    ) -> pt.TensorVariable:
        """Gaussian floats of mean ``avg`` and standard deviation ``std``."""
        return self._draw(
            "normal", lambda rng, s: rv.normal(avg, std, size=s, rng=rng, return_next_rng=True),
            size, ndim, dtype,
        )

    def binomial(
        self,
        size: SizeLike = (),
        n: Any = 1,
        p: Any = 0.5,
        ndim: int | None = None,
        dtype: str = "int64",
    ) -> pt.TensorVariable:
        """Numbers of successes in ``n`` trials of probability ``p`` (``n=1``: a 0/1 mask).

        ``dtype`` may be a float dtype (a mask to multiply floats with): the
        counts are drawn as integers and cast.
        """
        return self._draw(
            "binomial", lambda rng, s: rv.binomial(n, p, size=s, rng=rng, return_next_rng=True),
            size, ndim, dtype,
        )

    def random_integers(
        self,
        size: SizeLike = (),
        low: Any = 0,
        high: Any = 1,
        ndim: int | None = None,
        dtype: str = "int64",
    ) -> pt.TensorVariable:
        """Integers drawn uniformly from ``low`` to ``high``, both included (as in Theano)."""
        # PyTensor's integers() excludes high, Theano's random_integers included it.
        return self._draw(
            "random_integers",
            lambda rng, s: rv.integers(low, pt.add(high, 1), size=s, rng=rng, return_next_rng=True),
            size, ndim, dtype,
        )

    def permutation(
        self, size: SizeLike = (), n: Any = 1, ndim: int | None = None, dtype: str = "int64"
    ) -> pt.TensorVariable:
        """Random orderings of ``0 .. n-1``: one per entry of ``size``, shape ``size + (n,)``."""
        # Shuffling the vector arange(n) rather than passing the scalar n: PyTensor
        # 3.0.7's scalar form fails without graph rewrites (FAST_COMPILE) when
        # size is given.
        return self._draw(
            "permutation",
            lambda rng, s: rv.permutation(pt.arange(n), size=s, rng=rng, return_next_rng=True),
            size, ndim, dtype, core_ndim=1,
        )

    def choice(
        self,
        size: SizeLike = (),
        a: Any = 2,
        replace: bool = True,
        p: Any = None,
        ndim: int | None = None,
        dtype: str | None = None,
    ) -> pt.TensorVariable:
        """Elements of the vector ``a`` (or of ``range(a)`` for a scalar), optionally weighted by ``p``."""
        a = pt.as_tensor_variable(a)
        if dtype is None and a.ndim == 0:
            dtype = "int64"  # indices into range(a), whatever the dtype of the constant a

        def make(rng: Variable, s: Any) -> tuple[Variable, Variable]:
            return rv.choice(a, size=s, replace=replace, p=p, rng=rng, return_next_rng=True)

        return self._draw("choice", make, size, ndim, dtype)

    def gen(self, op: Callable[..., Any], *args: Any, **kwargs: Any) -> pt.TensorVariable:
        """A draw from any PyTensor random variable: ``gen(pt.random.poisson, 3.0, size=(2,))``.

        ``op`` is called as ``op(*args, rng=..., return_next_rng=True, **kwargs)``
        with a new stream's generator; the result gets ``.rng`` like every draw.
        """
        if "rng" in kwargs:
            raise errors.RandomDrawError(errors.RANDOM_RNG_ARGUMENT.format(draw="gen"))
        rng = RandomGeneratorType()()
        next_rng, out = op(*args, rng=rng, return_next_rng=True, **kwargs)
        return self._register(rng, next_rng, out)

    def updates(self) -> list[tuple[Variable, Variable]]:
        """``(generator, next generator)`` of every stream, in creation order.

        Given as ``updates=`` to :func:`symmodule.function`, each pair updates
        the stream's shared generator (:meth:`shared_generator`), as Theano's
        ``srng.updates()`` did.
        """
        return [(s.rng, s.next_rng) for s in self._streams]

    # -- the generators used outside any Module ------------------------------------------

    def seed(self, seed: int | Sequence[int] | None = None) -> None:
        """Reseed the generator of every stream used outside a Module (Theano's ``srng.seed``).

        Stream ``i`` restarts from ``SeedSequence(seed, spawn_key=(i,))``, the
        generator stream ``i`` of an instance seeded with ``seed`` starts
        from. None reseeds from the RandomStreams' own seed (fresh entropy if
        it has none). The instances of a Module holding this RandomStreams
        are not affected: reseed those with ``inst.random.seed(s)``.
        """
        outside = self._outside()
        entropy = np.random.SeedSequence(self.default_instance_seed if seed is None else seed).entropy
        with outside.lock:
            outside.entropy = entropy
            for index, shared in outside.generators.items():
                shared.set_value(_generator(entropy, index), borrow=True)

    def shared_generator(self, key: Any) -> SharedVariable:
        """The shared variable holding a stream's Generator outside any Module.

        ``key`` is a draw or its ``.rng``. :func:`symmodule.function` reads the
        stream's generator from this variable and stores the advanced one
        back after each call; it is made (and seeded) when first asked for.

        Raises
        ------
        symmodule.errors.UnknownStreamError
            When ``key`` is not a draw of this RandomStreams.
        """
        stream = self._stream(key)
        outside = self._outside()
        with outside.lock:
            shared = outside.generators.get(stream.index)
            if shared is None:
                if outside.entropy is None:
                    outside.entropy = np.random.SeedSequence(self.default_instance_seed).entropy
                shared = pytensor.shared(_generator(outside.entropy, stream.index), name=f"rng{stream.index}")
                outside.generators[stream.index] = shared
            return shared

    def __getitem__(self, key: Any) -> np.random.Generator:
        """The Generator a stream draws from outside any Module (``srng[out.rng]``, as in Theano)."""
        return self.shared_generator(key).get_value(borrow=True)

    def __setitem__(self, key: Any, value: np.random.Generator) -> None:
        """Replace the Generator a stream draws from outside any Module."""
        shared = self.shared_generator(key)
        if not isinstance(value, np.random.Generator):
            raise errors.MemberValueError(
                errors.NOT_A_GENERATOR.format(where="RandomStreams", value_desc=errors.describe_value(value))
            )
        shared.set_value(value, borrow=True)

    def _outside(self) -> _Outside:
        # A RandomStreams pickled before draws could be used outside Modules has none yet.
        outside = self.__dict__.get("_outside_state")
        if outside is None:
            outside = self.__dict__.setdefault("_outside_state", _Outside())
        return outside

    def _stream(self, key: Any) -> _Stream:
        rng = key if isinstance(getattr(key, "type", None), RandomGeneratorType) else getattr(key, "rng", key)
        if isinstance(rng, Variable):
            uid, index = getattr(rng.tag, _STREAM_TAG, (None, None))
            if uid == self._uid and index is not None and index < len(self._streams):
                return self._streams[index]
            outside = self.__dict__.get("_outside_state")
            for index, shared in (outside.generators.items() if outside else ()):
                if shared is rng:
                    return self._streams[index]
        raise errors.UnknownStreamError(
            errors.UNKNOWN_OUTSIDE_STREAM.format(key=key, count=len(self._streams))
        )

    # -- how draws are made ---------------------------------------------------------------

    def _draw(
        self,
        name: str,
        make: Callable[[Variable, Any], tuple[Variable, Variable]],
        size: SizeLike,
        ndim: int | None,
        dtype: str | None,
        core_ndim: int = 0,
    ) -> pt.TensorVariable:
        size_arg, length = _size_argument(name, size, ndim)
        rng = RandomGeneratorType()()
        next_rng, out = make(rng, size_arg)
        # Without a size the rank comes from the parameters: only now can ndim be checked.
        if length is None and ndim is not None and out.ndim - core_ndim != ndim:
            raise errors.RandomDrawError(
                errors.RANDOM_NDIM_VS_PARAMS.format(draw=name, ndim=ndim, length=out.ndim - core_ndim)
            )
        if dtype is not None:
            dtype = pytensor.config.floatX if dtype == "floatX" else str(np.dtype(dtype))
            if out.dtype != dtype:
                # PyTensor refuses to change a distribution's kind (int counts to a
                # float mask); a cast gives the same numbers as a native dtype would.
                out = pt.cast(out, dtype)
        return self._register(rng, next_rng, out)

    def _register(self, rng: Variable, next_rng: Variable, out: Variable) -> Variable:
        index = len(self._streams)
        setattr(rng.tag, _STREAM_TAG, (self._uid, index))
        setattr(rng.tag, _OWNER_TAG, self)
        self._streams.append(_Stream(rng, next_rng, index))
        out.rng = rng
        return out

    # -- the component protocol -------------------------------------------------------

    def allocate(self, plan: Plan, node: Node) -> None:
        for stream in self._streams:
            plan.declare_state(
                stream.rng, join_path(node.path, f"rng{stream.index}"), stream.rng.type, roles=frozenset({RNG})
            )
            plan.add_automatic_update(stream.rng, stream.next_rng)

    def build(self, builder: Builder, node: Node) -> RandomStreamsInstance:
        # Draws made after the plan was taken have no storage in this instance.
        streams = [s for s in self._streams if s.rng in builder.storage]
        inst = RandomStreamsInstance(
            self, node.path, [(s, builder.storage[s.rng]) for s in streams], lock=builder.state.lock
        )
        inst.initialize()
        return inst

    def pretty(self, **kwargs: Any) -> str:
        return f"RandomStreams(seed={self.default_instance_seed!r}, {len(self._streams)} stream(s))"

    def __repr__(self) -> str:
        return f"<{self.pretty()}>"


class RandomStreamsInstance:
    """The generator states of one instance's RandomStreams (``inst.random``).

    Each stream's state is a ``numpy.random.Generator`` held in the
    instance's storage, shared by every method of the instance; it survives
    ``pickle`` and ``copy.deepcopy`` of the instance, whose copy then draws
    what the original would have drawn.

    Reading ``inst.random[out.rng]`` gives the Generator itself, and a written
    Generator is stored as is. Methods never advance a stored Generator in
    place: each call stores the advanced copy, so a Generator you wrote (or
    read) is never changed behind your back.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import tensor as T
    >>> m = symmodule.Module()
    >>> m.random = T.randomstreams.RandomStreams(seed=1)
    >>> u = m.random.uniform(size=(2,))
    >>> m.draw = symmodule.Method([], u)
    >>> inst = m.make()
    >>> inst.random[u.rng] = np.random.default_rng(7)
    >>> bool((inst.draw() == np.random.default_rng(7).uniform(size=2)).all())
    True
    >>> len(inst.random), u.rng in inst.random
    (1, True)
    """

    def __init__(
        self, component: RandomStreams, path: str, streams: list[tuple[_Stream, Container]], *, lock: Any = None
    ) -> None:
        self.component = component
        self._path = path
        self._streams = streams
        # The instance tree's lock (symmodule/module/state.py): generators are state.
        self._lock = threading.RLock() if lock is None else lock
        self._by_rng = {stream.rng: container for stream, container in streams}
        self._by_index = {stream.index: container for stream, container in streams}
        # getattr: a RandomStreams pickled before seed_by_path existed has no such attribute.
        by_path = getattr(component, "seed_by_path", False)
        self._spawn_prefix: tuple[int, ...] = (zlib.crc32(path.encode()),) if by_path else ()

    def initialize(self, seed: int | Sequence[int] | None = None) -> None:
        """Reseed every stream from ``seed``, or from the RandomStreams' seed when None."""
        self.seed(self.component.default_instance_seed if seed is None else seed)

    def seed(self, seed: int | Sequence[int] | None = None) -> None:
        """Reseed every stream: the same ``seed`` gives the same draws; None gives fresh entropy."""
        # One SeedSequence fixes the entropy (fresh when seed is None); each
        # stream then gets the child with its own index (after the path's key,
        # with seed_by_path) as spawn key.
        entropy = np.random.SeedSequence(seed).entropy
        generators = [
            np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(*self._spawn_prefix, stream.index)))
            for stream, _ in self._streams
        ]
        # prepare: in JAX mode a cell keeps a generator in PyTensor's JAX form.
        generators = [container.prepare(g) for g, (_, container) in zip(generators, self._streams)]
        with self._lock:  # every stream reseeded at once, never half
            store_all([container.storage for _, container in self._streams], generators)

    def __getitem__(self, key: Any) -> np.random.Generator:
        container = self._container(key)
        with self._lock:
            return numpy_generator(container.storage[0])

    def __setitem__(self, key: Any, value: np.random.Generator) -> None:
        container = self._container(key)
        if not isinstance(value, np.random.Generator):
            raise errors.MemberValueError(
                errors.NOT_A_GENERATOR.format(where=self._where(), value_desc=errors.describe_value(value))
            )
        value = container.prepare(value)
        with self._lock:
            container.storage[0] = value

    def __contains__(self, key: object) -> bool:
        try:
            self._container(key)
        except errors.UnknownStreamError:
            return False
        return True

    def __iter__(self) -> Iterator[Variable]:
        """The generator Variables of the streams, in creation order."""
        return (stream.rng for stream, _ in self._streams)

    def __len__(self) -> int:
        return len(self._streams)

    def _container(self, key: Any) -> Container:
        # A draw stands for its generator: inst.random[out] is inst.random[out.rng].
        rng = key if isinstance(getattr(key, "type", None), RandomGeneratorType) else getattr(key, "rng", key)
        if isinstance(rng, Variable) and not isinstance(rng, Constant):
            found = self._by_rng.get(rng)
            if found is not None:
                return found
            uid, index = getattr(rng.tag, _STREAM_TAG, (None, None))
            if uid == self.component._uid and index in self._by_index:
                return self._by_index[index]
        raise errors.UnknownStreamError(
            errors.UNKNOWN_STREAM.format(where=self._where(), key=key, count=len(self._streams))
        )

    def _where(self) -> str:
        return f"RandomStreams {self._path!r}" if self._path else "RandomStreams"

    def __repr__(self) -> str:
        return f"<RandomStreamsInstance {self._path!r}: {len(self._streams)} stream(s)>"


def _size_argument(draw: str, size: SizeLike, ndim: int | None) -> tuple[Any, int | None]:
    """``size`` for PyTensor, and its length (None: the parameters decide the shape)."""
    if size is None or (isinstance(size, (tuple, list)) and len(size) == 0):
        # Theano's size=() means "the shape of the parameters"; PyTensor spells it None.
        return None, None
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size),)
    if isinstance(size, (tuple, list)):
        length: int | None = len(size)
        vector = _as_size_vector(draw, size)
    else:
        vector = _as_size_vector(draw, size)
        try:
            length = pt.get_vector_length(vector)
        except ValueError:
            length = None
        if length is None:
            if ndim is None:
                raise errors.RandomDrawError(errors.RANDOM_SIZE_LENGTH_UNKNOWN.format(draw=draw, size=size))
            vector, length = pt.specify_shape(vector, (ndim,)), ndim
    if ndim is not None and ndim != length:
        raise errors.RandomDrawError(
            errors.RANDOM_NDIM_VS_SIZE.format(draw=draw, ndim=ndim, size=_show(size), length=length)
        )
    return vector, length


def _as_size_vector(draw: str, size: Any) -> Variable:
    try:
        vector = pt.as_tensor_variable(size, ndim=1)
    except Exception:
        raise errors.RandomDrawError(errors.RANDOM_BAD_SIZE.format(draw=draw, size=size)) from None
    if vector.dtype not in integer_dtypes:
        raise errors.RandomDrawError(errors.RANDOM_BAD_SIZE.format(draw=draw, size=size))
    if isinstance(vector, Constant):
        # A constant size stays constant, so the draw's static shape is known.
        return pt.constant(np.asarray(vector.data, dtype="int64"))
    return pt.cast(vector, "int64")


def _show(size: Any) -> str:
    return repr(tuple(size)) if isinstance(size, (tuple, list)) else str(size)


# -- draws compiled outside any Module -------------------------------------------------------


def stream_of(variable: Any) -> tuple[RandomStreams, _Stream] | None:
    """The RandomStreams and stream whose generator ``variable`` is, or None."""
    owner = getattr(getattr(variable, "tag", None), _OWNER_TAG, None)
    if owner is None:
        return None
    uid, index = getattr(variable.tag, _STREAM_TAG, (None, None))
    if uid != owner._uid or index is None or index >= len(owner._streams):
        return None
    return owner, owner._streams[index]


def outside_module_generators(
    graph: Iterable[Variable], skip: Iterable[Variable] = ()
) -> dict[Variable, tuple[SharedVariable, Variable]]:
    """The generators of draws in ``graph`` that no Module instance holds.

    Parameters
    ----------
    graph
        Variables whose graphs are searched (outputs, update expressions, ...).
    skip
        Variables that are not replaced: the function's own inputs, the keys
        of its ``givens``.

    Returns
    -------
    dict
        ``{generator Variable: (its shared generator, the next generator)}``
        for every stream whose generator the graph reads, in graph order.
    """
    skipped = set(skip)
    found: dict[Variable, tuple[SharedVariable, Variable]] = {}
    for root in graph_inputs(list(graph)):
        if root in skipped or root in found:
            continue
        owned = stream_of(root)
        if owned is not None:
            owner, stream = owned
            found[root] = (owner.shared_generator(root), stream.next_rng)
    return found
