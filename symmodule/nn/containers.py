"""Sequential and MLP: layers applied one after the other."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pytensor.tensor.variable import TensorVariable

from symmodule import errors
from symmodule.module.module import Module
from symmodule.nn import messages
from symmodule.nn.activations import relu
from symmodule.nn.dropout import Dropout
from symmodule.nn.layer import Activation, Layer, check_positive
from symmodule.nn.linear import Linear

__all__ = ["Sequential", "MLP"]


class Sequential(Layer):
    """Layers applied in order: ``Sequential(a, b, c)(x)`` is ``c(b(a(x)))``.

    The layers are the list ``layers`` (paths ``layers.0``, ``layers.1``,
    ...). A function given among them (``nn.relu``, ``T.tanh``) becomes an
    :class:`~symmodule.nn.Activation` layer. ``training`` is passed to
    every layer.

    Parameters
    ----------
    *layers
        Layers (:class:`~symmodule.nn.Layer` objects) and functions of one expression.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.relu, nn.Dropout(0.5), nn.Linear(8, 3))
    >>> m = symmodule.Module()
    >>> m.model = model
    >>> x = T.matrix("x")
    >>> m.predict = symmodule.Method([x], m.model(x))
    >>> [v.name for v in m.parameters()]
    ['model.layers.0.w', 'model.layers.0.b', 'model.layers.3.w', 'model.layers.3.b']
    >>> m.make().predict(np.ones((2, 4), dtype=symmodule.config.floatX)).shape
    (2, 3)
    """

    def __init__(self, *layers: Layer | Callable[[Any], Any]) -> None:
        super().__init__()
        self.layers = [_as_layer(index, layer) for index, layer in enumerate(layers)]

    def append(self, layer: Layer | Callable[[Any], Any]) -> None:
        """Add a layer (or a function) at the end."""
        self.layers = [*self.layers, _as_layer(len(self.layers), layer)]

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __bool__(self) -> bool:
        # A Module is an object, never falsy, even with no layers yet.
        return True

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    def extra_repr(self) -> str:
        return ", ".join(repr(layer) for layer in self.layers)


class MLP(Sequential):
    """A multi-layer perceptron: Linear layers of the given ``sizes`` with an activation between them.

    ``MLP([64, 128, 10])`` is ``Sequential(Linear(64, 128), relu, Linear(128, 10))``;
    with ``dropout=p`` a :class:`~symmodule.nn.Dropout` follows each hidden
    activation.

    Parameters
    ----------
    sizes
        Widths from the input to the output; the first may be None (taken
        from the first input).
    activation
        Applied after each hidden layer.
    dropout
        Probability of dropping a hidden unit while training (0: no Dropout layers).
    output_activation
        Applied to the output (None: the output is the last layer's, logits).
    init
        Rule for the first value of every weight (default
        ``symmodule.init.glorot_uniform()``).
    seed
        Seed of the Dropout layers.

    Examples
    --------
    >>> from symmodule import nn
    >>> mlp = nn.MLP([64, 32, 10], dropout=0.2)
    >>> [type(layer).__name__ for layer in mlp]
    ['Linear', 'Activation', 'Dropout', 'Linear']
    """

    def __init__(
        self,
        sizes: Sequence[int | None],
        *,
        activation: Callable[[Any], Any] = relu,
        dropout: float = 0.0,
        output_activation: Callable[[Any], Any] | None = None,
        init: Any = None,
        seed: int | None = 0,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.MLP", name="sizes", value=sizes, why="has fewer than two widths",
                    fix="Give the input width, any hidden widths and the output width, e.g. [64, 128, 10].",
                )
            )
        check_positive("nn.MLP", lazy=False, **{f"sizes[{i}]": n for i, n in enumerate(sizes) if i > 0})
        layers: list[Any] = []
        for index, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            layers.append(Linear(n_in, n_out, init=init))
            if index < len(sizes) - 2:
                layers.append(activation)
                if dropout:
                    layers.append(Dropout(dropout, seed=seed))
        if output_activation is not None:
            layers.append(output_activation)
        super().__init__(*layers)


def _as_layer(index: int, value: Any) -> Layer:
    if isinstance(value, Layer):
        return value
    if callable(value) and not isinstance(value, (Module, type)):
        return Activation(value)
    raise errors.DeclarationError(messages.NOT_A_LAYER.format(index=index, value=value))
