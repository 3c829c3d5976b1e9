"""W7: training with Adam: the W3 MLP, and a small CNN, one step each.

Each implementation trains with its library's own Adam (``symmodule.optim.Adam``,
``torch.optim.Adam``, ``optax.adam``, ``nnx.Optimizer(optax.adam)``; by hand
for raw PyTensor and NumPy), all with the same hyper-parameters and epsilon
after the square root, from the same weights.

* ``W7.mlp``: the W3 MLP (784-1024-1024-10, tanh, batch 256): W3's matrix
  products plus Adam's elementwise update of 1.9M parameters and their two
  moments.
* ``W7.cnn``: 1x28x28 images, batch 64, two blocks of a 3x3 convolution
  (8 then 16 filters, no padding), ReLU and 2x2 max-pooling, then a linear
  layer to 10 classes (26x26 -> 13x13 -> 11x11 -> 5x5; 5.3k parameters). The
  step is small: convolution and pooling kernels, and their gradients,
  rather than large matrix products.
"""

from __future__ import annotations

from benchmarks.harness import Metric
from benchmarks.mlp import measure_family_training
from benchmarks.problems import AdamSettings, cnn_problem, mlp_problem
from benchmarks.w3_mlp_large import BATCH as MLP_BATCH
from benchmarks.w3_mlp_large import SIZES as MLP_SIZES

KEY = "W7"
TITLE = "Training with Adam: the W3 MLP and a small CNN, per step"
DTYPES = ("float32", "float64")
METRICS = {
    "W7.mlp": "W7 MLP 784-1024-1024-10 Adam step",
    "W7.cnn": "W7 CNN 1x28x28 conv-pool x2, batch 64, Adam step",
}

#: PyTorch's and optax's defaults.
ADAM = AdamSettings(learning_rate=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8)
CNN_IMAGE, CNN_CHANNELS, CNN_CLASSES, CNN_BATCH = (1, 28, 28), (8, 16), 10, 64
#: Steps before the loss is compared: Adam's first steps move every weight by about the learning rate.
CHECK_STEPS = {"W7.mlp": 5, "W7.cnn": 20}


#: Modes whose compilers take long over the CNN's graph from empty caches (C, about 20 s):
#: ``--quick`` (CI) runs the CNN in the other modes only.
SLOW_TO_COMPILE_CNN = ("CVM",)


def run(family, mode, dtype: str, quick: bool, phase: str | None = None) -> list[Metric]:
    mlp = mlp_problem(MLP_SIZES, MLP_BATCH, dtype)
    metrics = [
        measure_family_training("W7.mlp", family.mlp_adam(mlp, ADAM, mode), family, CHECK_STEPS["W7.mlp"], quick),
    ]
    if not (quick and mode in SLOW_TO_COMPILE_CNN):
        cnn = cnn_problem(CNN_IMAGE, CNN_CHANNELS, CNN_CLASSES, CNN_BATCH, dtype)
        metrics.append(
            measure_family_training("W7.cnn", family.cnn_adam(cnn, ADAM, mode), family, CHECK_STEPS["W7.cnn"], quick)
        )
    return metrics
