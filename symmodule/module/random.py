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
"""

from __future__ import annotations

import threading
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.graph.basic import Constant, Variable
from pytensor.link.basic import Container
from pytensor.tensor.random import basic as rv
from pytensor.tensor.random.type import RandomGeneratorType
from pytensor.tensor.type import integer_dtypes

from symmodule import errors
from symmodule._atomic import store_all
from symmodule.module.component import Component
from symmodule.module.plan import join_path
from symmodule.roles import RNG

if TYPE_CHECKING:
    from symmodule.module.instance import Builder
    from symmodule.module.plan import Node, Plan

__all__ = ["RandomStreams", "RandomStreamsInstance"]

#: ``size`` as Theano accepted it: an int, a sequence of ints/scalars, or a vector.
SizeLike = int | Sequence[Any] | np.ndarray | Variable | None

# Tag set on each generator Variable: (RandomStreams uid, stream index). It lets
# ``inst.random[out.rng]`` find a stream after pickling, when the instance's
# module is a copy and holds copies of the user's Variables.
_STREAM_TAG = "symmodule_stream"


@dataclass(eq=False)
class _Stream:
    """One generator: its root Variable, the draw's next-generator output, its index."""

    rng: Variable
    next_rng: Variable
    index: int


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
        """``(generator, next generator)`` of every stream, in creation order."""
        return [(s.rng, s.next_rng) for s in self._streams]

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
        with self._lock:  # every stream reseeded at once, never half
            store_all([container.storage for _, container in self._streams], generators)

    def __getitem__(self, key: Any) -> np.random.Generator:
        container = self._container(key)
        with self._lock:
            return container.storage[0]

    def __setitem__(self, key: Any, value: np.random.Generator) -> None:
        container = self._container(key)
        if not isinstance(value, np.random.Generator):
            raise errors.MemberValueError(
                errors.NOT_A_GENERATOR.format(where=self._where(), value_desc=errors.describe_value(value))
            )
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
