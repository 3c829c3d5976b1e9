"""BatchNorm and LayerNorm: inputs normalised to zero mean and unit variance, then scaled and shifted."""

from __future__ import annotations

from typing import Any

import pytensor.tensor as pt
from pytensor.tensor.variable import TensorVariable

from symmodule import errors, init as initializers
from symmodule.nn import messages
from symmodule.nn.layer import Layer, check_ndim, check_positive, float_dtype, infer_length
from symmodule.nn.statistics import mark
from symmodule.roles import BUFFER, PARAM

__all__ = ["BatchNorm", "LayerNorm"]


class BatchNorm(Layer):
    """Batch normalisation (Ioffe & Szegedy, 2015) of the features on ``axis``.

    With ``training=True`` each feature is normalised with the mean and
    variance of the batch (over every axis but ``axis``), and the graph
    carries new running statistics, ``(1 - momentum) * old + momentum *
    batch`` (the variance unbiased), which
    :func:`~symmodule.nn.statistics_updates` hands to the training Method's
    updates. With ``training=False`` (the default) the running statistics
    are used and nothing changes.

    Parameters
    ----------
    num_features
        Length of ``axis``; None takes it from the first input.
    axis
        The feature axis: 1 for ``(batch, features)`` and for images
        ``(batch, channels, height, width)``.
    momentum
        Weight of the batch in the running statistics, in ``(0, 1]``.
    eps
        Added to the variance before its square root.
    affine
        Whether to scale and shift by the parameters ``scale`` and ``shift``.
    dtype
        Of the parameters and statistics; default ``floatX``.

    Attributes
    ----------
    scale, shift
        Per feature, first ones and zeros: role ``param``.
    running_mean, running_var
        Per feature, first zeros and ones: role ``buffer``, never trained.

    Examples
    --------
    >>> import numpy as np
    >>> import symmodule
    >>> from symmodule import nn, tensor as T
    >>> m = symmodule.Module()
    >>> m.bn = nn.BatchNorm(3)
    >>> list(m.members("buffer")), [v.name for v in m.parameters()]
    (['bn.running_mean', 'bn.running_var'], ['bn.scale', 'bn.shift'])
    """

    def __init__(
        self,
        num_features: int | None = None,
        *,
        axis: int = 1,
        momentum: float = 0.1,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: str | None = None,
    ) -> None:
        super().__init__()
        check_positive("nn.BatchNorm", num_features=num_features)
        if not 0.0 < momentum <= 1.0:
            raise errors.DeclarationError(
                messages.BAD_ARGUMENT.format(
                    layer="nn.BatchNorm", name="momentum", value=momentum, why="is not in (0, 1]",
                    fix="Give the weight of each batch in the running statistics, e.g. momentum=0.1.",
                )
            )
        _check_eps("nn.BatchNorm", eps)
        self._axis, self._momentum, self._eps, self._affine = axis, float(momentum), float(eps), affine
        self._dtype = float_dtype(dtype)
        self._features = num_features
        if num_features is None:
            self._pending = ("num_features", f"feature axis (axis {axis})")
        else:
            self._build(num_features)

    @property
    def num_features(self) -> int | None:
        """Length of the feature axis (None until a lazy layer's first application)."""
        return self._features

    def _build(self, features: int) -> None:
        self._features, self._pending = features, None
        vector = pt.vector(dtype=self._dtype, shape=(features,))
        if self._affine:
            self.add_member("scale", vector.type(), init=initializers.ones())
            self.add_member("shift", vector.type(), init=initializers.zeros())
        self.add_member("running_mean", vector.type(), roles=BUFFER, init=initializers.zeros())
        self.add_member("running_var", vector.type(), roles=BUFFER, init=initializers.ones())

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        check_ndim(
            self, x, range(max(2, self._axis + 1), 33), f"a batch axis and the feature axis {self._axis}",
            "Give a batch: (batch, features) or (batch, channels, height, width).",
        )
        features = infer_length(
            self, x, self._axis, "num_features", f"feature axis (axis {self._axis})", self._features,
            "T.matrix(shape=(None, 64))",
        )
        if self._pending is not None:
            self._build(features)
        axis = self._axis % x.ndim
        others = tuple(a for a in range(x.ndim) if a != axis)
        pattern = ["x"] * x.ndim
        pattern[axis] = 0

        def per_feature(v: TensorVariable) -> TensorVariable:
            return v.dimshuffle(pattern)

        if training:
            mean = pt.mean(x, axis=others)
            centered = x - per_feature(mean)
            var = pt.mean(pt.sqr(centered), axis=others)
            count = pt.prod(pt.stack([x.shape[a] for a in others])).astype(self._dtype)
            unbiased = var * count / pt.maximum(count - 1, 1)
            m = self._momentum
            mark(mean, self.where(), {
                "running_mean": (self.running_mean, pt.cast((1 - m) * self.running_mean + m * mean, self._dtype)),
                "running_var": (self.running_var, pt.cast((1 - m) * self.running_var + m * unbiased, self._dtype)),
            })
        else:
            centered, var = x - per_feature(self.running_mean), self.running_var
        out = centered / pt.sqrt(per_feature(var) + self._eps)
        if self._affine:
            out = out * per_feature(self.scale) + per_feature(self.shift)
        return out

    def extra_repr(self) -> str:
        return f"{self._features}, axis={self._axis}, momentum={self._momentum}, eps={self._eps}"


class LayerNorm(Layer):
    """Layer normalisation (Ba et al., 2016): each example normalised over its last axes.

    Parameters
    ----------
    normalized_shape
        Lengths of the trailing axes normalised together (an int for the
        last axis alone); None takes the last axis' length from the first input.
    eps
        Added to the variance before its square root.
    affine
        Whether to scale and shift by ``scale`` and ``shift``, of ``normalized_shape``.
    dtype
        Of the parameters; default ``floatX``.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule import nn, tensor as T
    >>> x = T.dmatrix("x")
    >>> y = nn.LayerNorm(2, affine=False)(x)
    >>> y.eval({x: [[1.0, 3.0]]}).round(3)
    array([[-1.,  1.]])
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | None = None,
        *,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: str | None = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int) and not isinstance(normalized_shape, bool):
            normalized_shape = (normalized_shape,)
        if normalized_shape is not None:
            if not isinstance(normalized_shape, tuple) or not normalized_shape:
                raise errors.DeclarationError(
                    messages.BAD_ARGUMENT.format(
                        layer="nn.LayerNorm", name="normalized_shape", value=normalized_shape,
                        why="is not a positive int or a tuple of them",
                        fix="Give the trailing lengths, e.g. normalized_shape=64 or (8, 8).",
                    )
                )
            lengths = {f"normalized_shape[{i}]": n for i, n in enumerate(normalized_shape)}
            check_positive("nn.LayerNorm", lazy=False, **lengths)
        _check_eps("nn.LayerNorm", eps)
        self._eps, self._affine, self._dtype = float(eps), affine, float_dtype(dtype)
        self._shape = normalized_shape
        if normalized_shape is None:
            self._pending = ("normalized_shape", "last axis")
        else:
            self._build(normalized_shape)

    @property
    def normalized_shape(self) -> tuple[int, ...] | None:
        """Lengths of the normalised trailing axes (None until a lazy layer's first application)."""
        return self._shape

    def _build(self, shape: tuple[int, ...]) -> None:
        self._shape, self._pending = shape, None
        if self._affine:
            self.add_member("scale", pt.tensor(dtype=self._dtype, shape=shape), init=initializers.ones())
            self.add_member("shift", pt.tensor(dtype=self._dtype, shape=shape), init=initializers.zeros())

    def forward(self, x: TensorVariable, training: bool = False) -> TensorVariable:
        n = 1 if self._shape is None else len(self._shape)
        check_ndim(self, x, range(n, 33), f"the last {n} axes normalised together")
        shape = tuple(
            infer_length(
                self, x, axis, "normalized_shape", "last axis" if axis == -1 else f"axis {axis}",
                None if self._shape is None else self._shape[axis], "T.matrix(shape=(None, 64))",
            )
            for axis in range(-n, 0)
        )
        if self._pending is not None:
            self._build(shape)
        axes = tuple(range(x.ndim - n, x.ndim))
        centered = x - pt.mean(x, axis=axes, keepdims=True)
        out = centered / pt.sqrt(pt.mean(pt.sqr(centered), axis=axes, keepdims=True) + self._eps)
        if self._affine:
            out = out * self.scale + self.shift
        return out

    def extra_repr(self) -> str:
        return f"{self._shape}, eps={self._eps}"


def _check_eps(layer: str, eps: Any) -> None:
    if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not eps >= 0:
        raise errors.DeclarationError(
            messages.BAD_ARGUMENT.format(
                layer=layer, name="eps", value=eps, why="is not a number of 0 or more",
                fix="Give a small positive number, e.g. eps=1e-5.",
            )
        )
