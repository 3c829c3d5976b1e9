"""Messages of RandomStreams: draws and per-instance generator state."""

__all__ = [
    "RANDOM_NDIM_VS_SIZE",
    "RANDOM_NDIM_VS_PARAMS",
    "RANDOM_SIZE_LENGTH_UNKNOWN",
    "RANDOM_BAD_SIZE",
    "RANDOM_RNG_ARGUMENT",
    "UNKNOWN_STREAM",
    "NOT_A_GENERATOR",
    "UNKNOWN_OUTSIDE_STREAM",
]


RANDOM_NDIM_VS_SIZE = (
    "RandomStreams.{draw}: ndim={ndim} contradicts size={size}, which has "
    "{length} dimension(s). Drop ndim, or make it equal to len(size)."
)

RANDOM_NDIM_VS_PARAMS = (
    "RandomStreams.{draw}: ndim={ndim} contradicts the draw: with no size, its "
    "shape is the broadcast shape of the parameters, which has {length} "
    "dimension(s). Pass size=... with {ndim} entries, or drop ndim."
)

RANDOM_SIZE_LENGTH_UNKNOWN = (
    "RandomStreams.{draw}: the number of entries of the symbolic size {size} is "
    "not known when the graph is built. Pass ndim=<that number> so the draw's "
    "rank is known."
)

RANDOM_BAD_SIZE = (
    "RandomStreams.{draw}: size={size!r} is not a shape. Give an int, a "
    "tuple/list of ints or integer scalars, or an integer vector such as "
    "T.shape(x)."
)

RANDOM_RNG_ARGUMENT = (
    "RandomStreams.{draw}: rng= cannot be given; each draw gets its own "
    "generator, reachable afterwards as out.rng."
)

UNKNOWN_STREAM = (
    "{where}: {key} is not the generator of a stream of this RandomStreams "
    "(it has {count} stream(s)). Index it with out.rng, where out is a draw "
    "made by this RandomStreams before make()."
)

UNKNOWN_OUTSIDE_STREAM = (
    "RandomStreams: {key} is not a draw of this RandomStreams, nor the generator "
    "of one (it has {count} stream(s)). Index it with a draw it made, or its .rng."
)

NOT_A_GENERATOR = (
    "{where}: a stream's state must be a numpy.random.Generator (e.g. "
    "numpy.random.default_rng(seed)), got {value_desc}. The previous "
    "generator is kept."
)
