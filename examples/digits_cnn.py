"""Handwritten digits: a convolutional network of ``symmodule.nn``, to 99 % test accuracy.

The data is scikit-learn's bundled copy of the UCI handwritten digits (1,797
images of 8x8 pixels, ten classes), split 80 / 20 into training and test
images by a seeded shuffle. Nothing is downloaded.

The network is three 3x3 convolutions with batch normalisation and ReLU, two
2x2 max-poolings, dropout and a linear layer; Adam trains it, with a cosine
decay of the learning rate. Everything that changes while training is a
Member of one Module: the weights, BatchNorm's running statistics, the
dropout generators, Adam's moments and its step count. So one checkpoint
holds all of it, and a run resumed from a checkpoint computes the same bits
as a run that was never interrupted (the order of the batches is computed
from the step count, which the checkpoint holds).

Run it::

    python examples/digits_cnn.py                   # the full run: 15 epochs
    python examples/digits_cnn.py --epochs 2 --steps-per-epoch 10   # a short one
    python examples/digits_cnn.py --checkpoint cnn.safetensors      # resumable
    python examples/digits_cnn.py --help

It prints one progress bar per epoch (tqdm), the test accuracy after each,
and writes a PNG of the curves (matplotlib).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import time
from dataclasses import dataclass, field
# --8<-- [start:imports]
from typing import Any

import numpy as np

import symmodule
from symmodule import nn, optim
from symmodule import tensor as T

# --8<-- [end:imports]

#: Where the plot goes unless told otherwise.
DEFAULT_PLOT = pathlib.Path("digits-cnn-curves.png")
#: Images per training step.
BATCH_SIZE = 32
#: Epochs of the full run.
EPOCHS = 15


# -- the model --------------------------------------------------------------------------

# --8<-- [start:model]
def convnet(seed: int = 0) -> nn.Sequential:
    """(batch, 1, 8, 8) images -> 10 logits.

    Two convolutions at 8x8 and one at 4x4 (padding 1 keeps the size), each
    followed by BatchNorm and ReLU; max-pooling halves the size twice; the
    64 channels of the last 2x2 map are flattened, dropped out and mapped
    to the classes. ``Linear(n_out=10)`` takes its input length (256) from
    the first input it is applied to.
    """
    init = symmodule.init.he_uniform(seed=seed)  # He's rule suits ReLU
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, init=init), nn.BatchNorm(32), nn.relu,
        nn.Conv2d(32, 32, 3, padding=1, init=init), nn.BatchNorm(32), nn.relu,
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, init=init), nn.BatchNorm(64), nn.relu,
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.3, seed=seed),
        nn.Linear(n_out=10, init=symmodule.init.glorot_uniform(seed=seed)),
    )


def build(total_steps: int, learning_rate: float = 2e-3, seed: int = 0) -> symmodule.Module:
    """The network, Adam with a cosine decay over ``total_steps``, and the Methods, as one Module.

    Parameters
    ----------
    total_steps
        Steps of the whole run: the learning rate decays from
        ``learning_rate`` to 0 over them.
    learning_rate
        Adam's first step size.
    seed
        Seeds the initial weights and the dropout masks.
    """
    m = symmodule.Module()
    m.model = convnet(seed)
    m.opt = optim.Adam(learning_rate, schedule=optim.CosineSchedule(total_steps))
    # The static shape (None, 1, 8, 8) lets the layers check their inputs and
    # infer the Linear layer's input length.
    x = T.tensor4("x", shape=(None, 1, 8, 8))
    y = T.lvector("y")

    def cross_entropy(logits: Any) -> Any:
        return -T.mean(nn.log_softmax(logits)[T.arange(y.shape[0]), y])

    # Training graph: dropout on, BatchNorm on the batch's statistics. The
    # step updates the weights and Adam's state, and BatchNorm's running
    # statistics (statistics_updates collects them from the loss).
    loss = cross_entropy(m.model(x, training=True))
    m.train_step = symmodule.Method(
        [x, y], loss, updates={**m.opt.updates(loss, m.parameters()), **nn.statistics_updates(loss)}
    )

    # Evaluation graph: the same Members; no dropout, BatchNorm on its running statistics.
    logits = m.model(x)
    accuracy = T.mean(T.eq(T.argmax(logits, axis=1), y))
    m.evaluate = symmodule.Method([x, y], [cross_entropy(logits), accuracy])
    m.predict = symmodule.Method([x], T.argmax(logits, axis=1))
    return m
# --8<-- [end:model]


# -- the data -----------------------------------------------------------------------------


@dataclass
class Split:
    """Images ``(n, 1, 8, 8)`` scaled to [0, 1] and integer labels."""

    x: np.ndarray
    y: np.ndarray


def load_data(seed: int = 0) -> tuple[Split, Split]:
    """scikit-learn's digits as images, shuffled and split 80 / 20 into training and test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype(symmodule.config.floatX)[:, None]  # add the channel axis
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    cut = int(0.8 * len(y))
    return Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:])


def batch_indices(n: int, batch_size: int, step: int, seed: int = 0) -> np.ndarray:
    """The examples of training step ``step``: a batch of the shuffled order of its pass over the data.

    Each pass's order is drawn from ``(seed, pass)`` alone, so the batch of
    any step can be computed again from its number; the optimizer's step
    count, saved in checkpoints, gives it.
    """
    per_pass = -(-n // batch_size)
    data_pass, k = divmod(step, per_pass)
    order = np.random.default_rng([seed, data_pass]).permutation(n)
    return order[k * batch_size:(k + 1) * batch_size]


# -- training -------------------------------------------------------------------------------


def train_steps(inst: Any, data: Split, steps: int, seed: int = 0, bar: Any = None) -> list[float]:
    """Take ``steps`` training steps from the instance's step count; return their losses."""
    losses = []
    for _ in range(steps):
        index = batch_indices(len(data.y), BATCH_SIZE, int(inst.opt.step), seed)
        losses.append(float(inst.train_step(data.x[index], data.y[index])))
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return losses


@dataclass
class Result:
    """What :func:`main` returns."""

    test_accuracy: float
    test_cost: float
    epochs: int
    seconds: float
    compile_seconds: float
    plot_path: pathlib.Path | None
    history: dict[str, list[float]] = field(default_factory=dict)
    instance: Any = None


def plot(history: dict[str, list[float]], path: pathlib.Path, title: str = "") -> pathlib.Path:
    """The training loss, the test loss and the test accuracy per epoch, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    epochs = history["epoch"]
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    ax_cost.plot(
        epochs, history["train_cost"], label="training (mean over the epoch, dropout on)", marker="o", markersize=3
    )
    ax_cost.plot(epochs, history["test_cost"], label="test", marker="o", markersize=3)
    ax_cost.set(xlabel="epoch", ylabel="mean cross-entropy", title="Cost", yscale="log")
    ax_acc.plot(epochs, 100 * np.asarray(history["test_accuracy"]), label="test", marker="o", markersize=3, color="C1")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Test accuracy")
    for ax in (ax_cost, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def main(
    epochs: int = EPOCHS,
    steps_per_epoch: int | None = None,
    seed: int = 0,
    plot_path: str | pathlib.Path | None = DEFAULT_PLOT,
    quiet: bool = False,
    mode: Any = "FAST_COMPILE",
    checkpoint: str | pathlib.Path | None = None,
) -> Result:
    """Train the network on the digits; report the test accuracy after each epoch; plot the curves.

    Parameters
    ----------
    epochs
        Epochs in all (a resumed run does the rest).
    steps_per_epoch
        Training steps per epoch (None: one pass over the training images,
        45 steps). A smaller number gives a short run.
    seed
        Seeds the split, the initial weights, the batches and the dropout masks.
    plot_path
        Where to write the PNG (None: no plot).
    quiet
        No progress bars and no printing.
    mode
        Compilation mode of the Methods.
    checkpoint
        A file to save the whole instance to after every epoch and, if it
        exists, to resume from (None: no checkpoint).
    """
    from tqdm import tqdm

    start = time.perf_counter()
    train_set, test_set = load_data(seed)
    per_epoch = steps_per_epoch or -(-len(train_set.y) // BATCH_SIZE)
    inst = build(total_steps=epochs * per_epoch, seed=seed).make(mode=mode)
    compiled = time.perf_counter()
    checkpoint = None if checkpoint is None else pathlib.Path(checkpoint)
    if checkpoint is not None and checkpoint.exists():
        symmodule.load(checkpoint, into=inst)
    done = int(inst.opt.step) // per_epoch
    if not quiet:
        resumed = f"; resumed from {checkpoint} after epoch {done}" if done else ""
        print(
            f"digits: {len(train_set.y)} training and {len(test_set.y)} test images of 8x8; "
            f"mode {mode}, compiled in {compiled - start:.1f} s{resumed}"
        )
    history: dict[str, list[float]] = {"epoch": [], "train_cost": [], "test_cost": [], "test_accuracy": []}
    for epoch in range(done + 1, epochs + 1):
        taken = int(inst.opt.step) - (epoch - 1) * per_epoch  # > 0 after a checkpoint saved mid-epoch
        with tqdm(
            total=per_epoch, initial=taken, desc=f"epoch {epoch:2d}/{epochs}", unit="batch",
            disable=quiet, file=sys.stdout,
        ) as bar:
            losses = train_steps(inst, train_set, per_epoch - taken, seed, bar)
        test_cost, test_accuracy = (float(v) for v in inst.evaluate(test_set.x, test_set.y))
        for key, value in zip(history, (epoch, np.mean(losses), test_cost, test_accuracy)):
            history[key].append(float(value))
        if checkpoint is not None:
            symmodule.save(inst, checkpoint)
        if not quiet:
            print(
                f"          training loss {np.mean(losses):.4f}   "
                f"test cost {test_cost:.4f}  accuracy {test_accuracy:.2%}"
            )
    test_cost, test_accuracy = (float(v) for v in inst.evaluate(test_set.x, test_set.y))
    seconds = time.perf_counter() - start
    written = None
    if plot_path is not None and history["epoch"]:
        title = f"Convolutional network on scikit-learn digits: test accuracy {test_accuracy:.2%}"
        written = plot(history, pathlib.Path(plot_path), title)
    if not quiet:
        right = round(test_accuracy * len(test_set.y))
        print(
            f"test accuracy {test_accuracy:.2%} ({right} of {len(test_set.y)}) after {epochs} epochs "
            f"in {seconds:.1f} s"
        )
        if written is not None:
            print(f"curves written to {written}")
    return Result(test_accuracy, test_cost, epochs, seconds, compiled - start, written, history, inst)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs (default: {EPOCHS})")
    parser.add_argument("--steps-per-epoch", type=int, help="training steps per epoch (default: one pass, 45)")
    parser.add_argument("--seed", type=int, default=0, help="seed of everything random (default: 0)")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help=f"PNG to write (default: {DEFAULT_PLOT})")
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    parser.add_argument("--mode", default="FAST_COMPILE", help="compilation mode (default: FAST_COMPILE)")
    parser.add_argument("--checkpoint", help="save to this file after each epoch; resume from it if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> int:
    """The command line: ``python examples/digits_cnn.py --help``."""
    args = _parse(argv)
    main(
        epochs=args.epochs,
        steps_per_epoch=args.steps_per_epoch,
        seed=args.seed,
        plot_path=None if args.no_plot else args.plot,
        quiet=args.quiet,
        mode=args.mode,
        checkpoint=args.checkpoint,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
