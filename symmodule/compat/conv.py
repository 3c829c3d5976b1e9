"""Theano's ``nnet.conv.conv2d`` and ``signal.downsample.max_pool_2d``.

``conv2d`` is :mod:`symmodule.nn.ops`'s convolution Op (NumPy, Numba and JAX
code, gradients of its own) given Theano's conventions: the filters are
flipped (a true convolution), ``border_mode`` is ``'valid'`` or ``'full'``
and ``subsample`` is the stride. ``max_pool_2d`` pools the last two axes of
a tensor of any number of axes, keeping partial windows at the border
unless ``ignore_border``, which :mod:`symmodule.nn`'s pooling (4-d inputs,
partial windows dropped) does not; it is built from strided slices and
``maximum``, which PyTensor differentiates and every mode runs.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor import TensorLike
from pytensor.tensor.variable import TensorVariable

from symmodule.compat import messages
from symmodule.compat.errors import ConvShapeError
from symmodule.nn.ops import Conv2dOp, Geometry

__all__ = ["conv2d", "max_pool_2d"]


def conv2d(
    input: TensorLike,
    filters: TensorLike,
    filter_shape: Sequence[int] | None = None,
    image_shape: Sequence[int] | None = None,
    border_mode: str = "valid",
    subsample: Sequence[int] = (1, 1),
    **kwargs: Any,
) -> TensorVariable:
    """Convolve a batch of images with a bank of filters, as Theano's ``conv.conv2d`` did.

    Parameters
    ----------
    input
        Images ``(batch, channels, rows, columns)``.
    filters
        Filters ``(n_filters, channels, filter_rows, filter_columns)``; flipped
        before use, so this is a convolution, not a cross-correlation.
    filter_shape
        The filters' shape; needed when ``filters`` has no static shape.
    image_shape
        Accepted, as in Theano; the images' shape is read from the graph.
    border_mode
        ``'valid'`` (only where the filter fits) or ``'full'`` (wherever it overlaps).
    subsample
        Strides ``(rows, columns)`` of the output.
    **kwargs
        Theano's tuning arguments (``unroll_batch``, ...), ignored.

    Returns
    -------
    ``(batch, n_filters, out_rows, out_columns)``.

    Raises
    ------
    symmodule.compat.errors.ConvShapeError
        When the filters' rows and columns are not known.

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.tensor.nnet import conv
    >>> image = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> conv.conv2d(image, np.ones((1, 1, 2, 2))).eval()[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    x = pt.as_tensor_variable(input)
    w = pt.as_tensor_variable(filters)
    rows, columns = _kernel_size(w, filter_shape)
    if border_mode == "full":
        padding = ((rows - 1, rows - 1), (columns - 1, columns - 1))
    elif border_mode == "valid":
        padding = ((0, 0), (0, 0))
    else:
        raise ValueError(f"conv2d: border_mode must be 'valid' or 'full', not {border_mode!r}")
    stride = (int(subsample[0]), int(subsample[1]))
    # A convolution is a cross-correlation with the filters flipped; the stride keeps the full
    # output's rows and columns 0, s, 2s, ..., as Theano's subsample did.
    return Conv2dOp(Geometry(stride, padding))(x, w[:, :, ::-1, ::-1])


def max_pool_2d(input: TensorLike, ds: Sequence[int], ignore_border: bool = False) -> TensorVariable:
    """The maximum over ``ds[0] x ds[1]`` blocks of the last two axes, as Theano's ``downsample.max_pool_2d``.

    Parameters
    ----------
    input
        A tensor of two axes or more.
    ds
        The block size ``(rows, columns)``.
    ignore_border
        Drop the partial blocks at the bottom and right (True), or pool them too (False).

    Examples
    --------
    >>> import numpy as np
    >>> from symmodule.tensor.signal import downsample
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> downsample.max_pool_2d(x, (2, 2)).eval()
    array([[4., 5.],
           [7., 8.]])
    >>> downsample.max_pool_2d(x, (2, 2), ignore_border=True).eval()
    array([[4.]])
    """
    x = pt.as_tensor_variable(input)
    rows, columns = ds
    if ignore_border:
        out_rows, out_columns = x.shape[-2] // rows, x.shape[-1] // columns
        x = x[..., : out_rows * rows, : out_columns * columns]
    else:
        out_rows = (x.shape[-2] + rows - 1) // rows
        out_columns = (x.shape[-1] + columns - 1) // columns
        x = _pad_after(x, out_rows * rows - x.shape[-2], out_columns * columns - x.shape[-1], _lowest(x.dtype))
    blocks = [x[..., i::rows, j::columns] for i in range(rows) for j in range(columns)]
    return functools.reduce(pt.maximum, blocks)


def _kernel_size(w: TensorVariable, filter_shape: Sequence[int] | None) -> tuple[int, int]:
    shape = tuple(filter_shape) if filter_shape is not None else w.type.shape
    if len(shape) != 4 or shape[2] is None or shape[3] is None:
        raise ConvShapeError(messages.CONV_NEEDS_SHAPE.format(filters=w))
    return int(shape[2]), int(shape[3])


def _lowest(dtype: str) -> Any:
    kind = np.dtype(dtype)
    return -np.inf if kind.kind in "fc" else np.iinfo(kind).min


def _pad_after(x: TensorVariable, rows: Any, columns: Any, value: Any) -> TensorVariable:
    """``x`` with ``rows`` and ``columns`` of ``value`` added after its last two axes."""
    lead = [x.shape[i] for i in range(x.ndim - 2)]
    out = pt.alloc(pt.cast(value, x.dtype), *lead, x.shape[-2] + rows, x.shape[-1] + columns)
    return pt.set_subtensor(out[..., : x.shape[-2], : x.shape[-1]], x)
