"""The texts of the errors ``symmodule.nn`` raises, kept together so they stay consistent.

Each says what went wrong, where (``{layer}``: the layer's class and its path
as far as it is known, see :meth:`symmodule.nn.Layer.where`) and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "BAD_ARGUMENT",
    "MISSING_ARGUMENT",
    "WRONG_NDIM",
    "LENGTH_MISMATCH",
    "LENGTH_UNKNOWN",
    "UNRESOLVED_AT_MAKE",
    "WINDOW_TOO_LARGE",
    "NOT_A_WEIGHT",
    "IDS_NOT_INTEGER",
    "NOT_A_LAYER",
    "NOT_AN_EXPRESSION",
    "STATISTICS_TWICE",
]

BAD_ARGUMENT = "{layer}: {name}={value!r} {why}. {fix}"

MISSING_ARGUMENT = "{layer}: {name} is required ({what}). {fix}"

WRONG_NDIM = (
    "{layer}: expects an input of {expected} dimensions ({layout}), but got one of "
    "{ndim} ({type}). {fix}"
)

LENGTH_MISMATCH = (
    "{layer}: the input's {what} has length {got}, but the layer was built for "
    "{name}={expected}. Build it with {name}={got}, or leave {name} out (None) so that "
    "the first input sets it."
)

LENGTH_UNKNOWN = (
    "{layer}: {name} was left out, so the first input sets it from its {what}, but that "
    "length is not static in the input's type ({type}). Give {name}=... to the layer, or "
    "give the input a static shape, e.g. {example}."
)

UNRESOLVED_AT_MAKE = (
    "{layer} at {path}: {name} was left out and the layer was never applied to an input, "
    "so its parameters have no shape. Give {name}=... to the layer, or apply it before "
    "make() to an input whose {what} has a static length (T.matrix(shape=(None, 64)))."
)

WINDOW_TOO_LARGE = (
    "{layer}: the window spans {span} along axis {axis}, longer than the "
    "{padded}input's {length}. Use a smaller kernel_size or dilation, more padding, or a "
    "larger input."
)

NOT_A_WEIGHT = (
    "{layer}: w={value!r} is not a {ndim}-dimensional tensor Variable. Give another "
    "layer's Member (encoder.w) or an expression of one (encoder.w.T) to tie the weights, "
    "or leave w out to create one."
)

IDS_NOT_INTEGER = (
    "{layer}: the input holds {dtype} values, but an embedding looks up integer ids. "
    "Use an integer input (T.lmatrix(), T.lvector()) or cast it: T.cast(ids, 'int64')."
)

NOT_A_LAYER = (
    "nn.Sequential: item {index} is {value!r}, which is neither an nn.Layer nor a "
    "function of one expression. Give layers (nn.Linear(...)) and activation functions "
    "(nn.relu); wrap a Module of your own in a subclass of nn.Layer."
)

NOT_AN_EXPRESSION = (
    "{layer}: the input {value!r} is not a tensor expression ({reason}). Apply the layer "
    "to a symbolic Variable (T.matrix('x')) or an expression of one."
)

STATISTICS_TWICE = (
    "nn.statistics_updates: {layer} is applied {count} times in training mode in this "
    "graph, so its running statistics ({members}) would get {count} updates. Apply it "
    "once with training=True (pass training=False for the other applications), or feed "
    "it one batch made of all the inputs (T.concatenate)."
)
