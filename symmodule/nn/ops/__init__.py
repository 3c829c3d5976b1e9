"""The convolution and pooling Ops behind :mod:`symmodule.nn`'s layers, with NumPy, Numba and JAX code.

PyTensor 3 has no neural-network convolution or pooling Op, so symmodule
brings its own, each with a ``perform`` (NumPy), Numba and JAX code and a
gradient that is itself an Op (so second derivatives work):

========================  ==========================  ===========================
Op                        computes                    file
========================  ==========================  ===========================
``Conv2dOp``              cross-correlation           :mod:`.conv`
``Conv2dInputGrad``       its input gradient          :mod:`.conv`
``Conv2dFilterGrad``      its filter gradient         :mod:`.conv`
``Pool2dOp``              max or mean pooling         :mod:`.pool`
``Pool2dGrad``            its gradient                :mod:`.pool`
``MaxPool2dGradGrad``     the max's second pullback   :mod:`.pool`
========================  ==========================  ===========================

:mod:`.geometry` says where the windows lie; :mod:`.backends` how the Ops
reach PyTensor's Numba and JAX backends (:mod:`.numba_kernels`,
:mod:`.jax_kernels`). Users build them through :func:`symmodule.nn.conv2d`,
:func:`~symmodule.nn.max_pool2d`, :func:`~symmodule.nn.avg_pool2d` or the
layers.
"""

from symmodule.nn.ops.backends import KernelOp, register_jax_kernels, register_numba_kernels
from symmodule.nn.ops.conv import Conv2dFilterGrad, Conv2dInputGrad, Conv2dOp
from symmodule.nn.ops.geometry import Geometry
from symmodule.nn.ops.pool import MaxPool2dGradGrad, Pool2dGrad, Pool2dOp

__all__ = [
    "Conv2dFilterGrad",
    "Conv2dInputGrad",
    "Conv2dOp",
    "Geometry",
    "KernelOp",
    "MaxPool2dGradGrad",
    "Pool2dGrad",
    "Pool2dOp",
    "register_jax_kernels",
    "register_numba_kernels",
]
