"""Handwritten digits: a multi-layer perceptron of ``symmodule.nn`` trained with Adam.

The data is scikit-learn's bundled copy of the UCI handwritten digits (1,797
images of 8x8 pixels, ten classes). It ships inside scikit-learn: nothing is
downloaded.

The model is one Module holding the network (``nn.MLP``, with dropout) and
its optimizer (``optim.Adam``), whose step count and moments are Members like
the weights. ``train_step(x, y)`` is one Method that updates every weight
and every moment at once; ``evaluate`` and ``predict`` apply the same layers
without dropout and update nothing.

Run it::

    python examples/digits.py                  # the full run: 40 epochs
    python examples/digits.py --epochs 3       # a short one
    python examples/digits.py --checkpoint digits.safetensors   # resumable
    python examples/digits.py --help

It prints one progress bar per epoch (tqdm), the test accuracy, and writes a
PNG of the training and validation curves (matplotlib). With
``--checkpoint``, the model and the optimizer are saved after every epoch,
and a run started again with the same arguments continues from the file,
with the same numbers as a run that was never interrupted.
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
DEFAULT_PLOT = pathlib.Path("digits-curves.png")
#: Examples per training step.
BATCH_SIZE = 32


# -- the model --------------------------------------------------------------------------

# --8<-- [start:model]
def build(n_hidden: int = 128, dropout: float = 0.2, learning_rate: float = 2e-3, seed: int = 0) -> symmodule.Module:
    """The MLP 64 -> ``n_hidden`` (ReLU, dropout) -> 10 and its Adam optimizer, as one Module.

    Parameters
    ----------
    n_hidden
        Width of the hidden layer.
    dropout
        Probability of dropping a hidden unit while training.
    learning_rate
        Adam's step size (a Member: ``inst.opt.learning_rate = ...`` changes it).
    seed
        Seeds the initial weights and the dropout masks.
    """
    m = symmodule.Module()
    m.model = nn.MLP(  # Linear, ReLU, Dropout, Linear
        [64, n_hidden, 10], dropout=dropout, init=symmodule.init.glorot_uniform(seed=seed), seed=seed
    )
    m.opt = optim.Adam(learning_rate)
    x, y = T.matrix("x"), T.lvector("y")

    def cross_entropy(logits: Any) -> Any:
        return -T.mean(nn.log_softmax(logits)[T.arange(y.shape[0]), y])

    # Training graph: dropout on. The optimizer's updates move the weights,
    # its moments and its step count, all in this one Method.
    loss = cross_entropy(m.model(x, training=True))
    m.train_step = symmodule.Method([x, y], loss, updates=m.opt.updates(loss, m.parameters()))

    # Evaluation graph: the same layers (the same Members), no dropout.
    logits = m.model(x)
    accuracy = T.mean(T.eq(T.argmax(logits, axis=1), y))
    m.evaluate = symmodule.Method([x, y], [cross_entropy(logits), accuracy])
    m.predict = symmodule.Method([x], T.argmax(logits, axis=1))
    return m
# --8<-- [end:model]


# -- the data -----------------------------------------------------------------------------


@dataclass
class Split:
    """Inputs scaled to [0, 1] and integer labels."""

    x: np.ndarray
    y: np.ndarray


def load_data(seed: int = 0) -> tuple[Split, Split, Split]:
    """scikit-learn's digits, shuffled and split 60 / 20 / 20 into train, validation, test."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(symmodule.config.floatX) / 16.0
    y = digits.target.astype("int64")
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    a, b = int(0.6 * len(y)), int(0.8 * len(y))
    return Split(x[:a], y[:a]), Split(x[a:b], y[a:b]), Split(x[b:], y[b:])


# --8<-- [start:batches]
def batch_indices(n: int, batch_size: int, step: int, seed: int = 0) -> np.ndarray:
    """The examples of training step ``step``: a batch of the shuffled order of its epoch.

    Each epoch's order is drawn from ``(seed, epoch)`` alone, so the batch of
    any step can be computed again from its number. The optimizer counts
    the steps taken (``inst.opt.step``), and that count is in every
    checkpoint: a resumed run sees the very batches an uninterrupted run sees.
    """
    per_epoch = -(-n // batch_size)  # the last batch of an epoch may be smaller
    epoch, k = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return order[k * batch_size:(k + 1) * batch_size]
# --8<-- [end:batches]


# -- training -------------------------------------------------------------------------------


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


def train_steps(
    inst: Any, data: Split, steps: int, batch_size: int = BATCH_SIZE, seed: int = 0, bar: Any = None
) -> float:
    """Take ``steps`` training steps from the instance's step count; return the last loss.

    ``bar`` (a tqdm bar) is advanced at every step and shows the loss.
    """
    loss = float("nan")
    for _ in range(steps):
        index = batch_indices(len(data.y), batch_size, int(inst.opt.step), seed)
        loss = float(inst.train_step(data.x[index], data.y[index]))
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
    return loss


def train(
    inst: Any,
    train_set: Split,
    valid_set: Split,
    epochs: int,
    batch_size: int = BATCH_SIZE,
    seed: int = 0,
    quiet: bool = False,
    checkpoint: pathlib.Path | None = None,
) -> dict[str, list[float]]:
    """Train until ``epochs`` epochs are done in all; one tqdm bar per epoch. Returns the curves.

    Training starts where the instance's step count says (0 for a fresh
    instance, later for one loaded from a checkpoint). With ``checkpoint``,
    the instance is saved there after each epoch.
    """
    from tqdm import tqdm

    history: dict[str, list[float]] = {"train_cost": [], "train_accuracy": [], "valid_cost": [], "valid_accuracy": []}
    per_epoch = -(-len(train_set.y) // batch_size)
    done = int(inst.opt.step) // per_epoch
    for epoch in range(done + 1, epochs + 1):
        # A checkpoint saved in the middle of an epoch resumes in the middle of it.
        taken = int(inst.opt.step) - (epoch - 1) * per_epoch
        with tqdm(
            total=per_epoch, initial=taken, desc=f"epoch {epoch:3d}/{epochs}", unit="batch",
            disable=quiet, file=sys.stdout,
        ) as bar:
            train_steps(inst, train_set, per_epoch - taken, batch_size, seed, bar)
        train_cost, train_accuracy = inst.evaluate(train_set.x, train_set.y)
        valid_cost, valid_accuracy = inst.evaluate(valid_set.x, valid_set.y)
        for key, value in zip(history, (train_cost, train_accuracy, valid_cost, valid_accuracy)):
            history[key].append(float(value))
        if checkpoint is not None:
            symmodule.save(inst, checkpoint)
        if not quiet:
            print(
                f"            train cost {float(train_cost):.4f}  accuracy {float(train_accuracy):.2%}   "
                f"validation cost {float(valid_cost):.4f}  accuracy {float(valid_accuracy):.2%}"
            )
    return history


def plot(history: dict[str, list[float]], path: pathlib.Path, title: str = "", first_epoch: int = 1) -> pathlib.Path:
    """Training and validation curves (cost and accuracy per epoch) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    epochs = np.arange(first_epoch, first_epoch + len(history["train_cost"]))
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for name, label in (("train", "training"), ("valid", "validation")):
        ax_cost.plot(epochs, history[f"{name}_cost"], label=label, marker="o", markersize=3)
        ax_acc.plot(epochs, 100 * np.asarray(history[f"{name}_accuracy"]), label=label, marker="o", markersize=3)
    ax_cost.set(xlabel="epoch", ylabel="mean cross-entropy", title="Cost", ylim=(0, None))
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
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
    epochs: int = 40,
    seed: int = 0,
    plot_path: str | pathlib.Path | None = DEFAULT_PLOT,
    quiet: bool = False,
    mode: Any = "FAST_COMPILE",
    n_hidden: int = 128,
    checkpoint: str | pathlib.Path | None = None,
) -> Result:
    """Train the MLP on the digits, report the test accuracy, plot the curves.

    Parameters
    ----------
    epochs
        Passes over the training set, in all (a resumed run does the rest).
    seed
        Seeds the data split, the initial weights, the minibatch order and
        the dropout masks: a run is reproducible.
    plot_path
        Where to write the PNG (None: no plot).
    quiet
        No progress bars and no printing.
    mode
        Compilation mode of the Methods.
    n_hidden
        Width of the hidden layer.
    checkpoint
        A file to save the model and the optimizer to after every epoch and,
        if it exists, to resume from (None: no checkpoint).
    """
    start = time.perf_counter()
    train_set, valid_set, test_set = load_data(seed)
    inst = build(n_hidden=n_hidden, seed=seed).make(mode=mode)
    compiled = time.perf_counter()
    checkpoint = None if checkpoint is None else pathlib.Path(checkpoint)
    if checkpoint is not None and checkpoint.exists():
        # Weights, Adam's moments and step count, the dropout generators: all of it.
        symmodule.load(checkpoint, into=inst)
    first_epoch = int(inst.opt.step) // -(-len(train_set.y) // BATCH_SIZE) + 1
    if not quiet:
        resumed = f"; resumed from {checkpoint} at epoch {first_epoch}" if first_epoch > 1 else ""
        print(
            f"digits: {len(train_set.y)} training, {len(valid_set.y)} validation, {len(test_set.y)} test images; "
            f"mode {mode}, compiled in {compiled - start:.1f} s{resumed}"
        )
    history = train(inst, train_set, valid_set, epochs, seed=seed, quiet=quiet, checkpoint=checkpoint)
    test_cost, test_accuracy = (float(v) for v in inst.evaluate(test_set.x, test_set.y))
    seconds = time.perf_counter() - start
    written = None
    if plot_path is not None and history["train_cost"]:
        title = f"MLP on scikit-learn digits: test accuracy {test_accuracy:.2%}"
        written = plot(history, pathlib.Path(plot_path), title, first_epoch)
    if not quiet:
        print(f"test accuracy {test_accuracy:.2%} (cost {test_cost:.4f}) after {epochs} epochs in {seconds:.1f} s")
        if written is not None:
            print(f"training curves written to {written}")
    return Result(test_accuracy, test_cost, epochs, seconds, compiled - start, written, history, inst)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40, help="passes over the training set (default: 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of everything random (default: 0)")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help=f"PNG to write (default: {DEFAULT_PLOT})")
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    parser.add_argument("--mode", default="FAST_COMPILE", help="compilation mode (default: FAST_COMPILE)")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units (default: 128)")
    parser.add_argument("--checkpoint", help="save to this file after each epoch; resume from it if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> int:
    """The command line: ``python examples/digits.py --help``."""
    args = _parse(argv)
    main(
        epochs=args.epochs,
        seed=args.seed,
        plot_path=None if args.no_plot else args.plot,
        quiet=args.quiet,
        mode=args.mode,
        n_hidden=args.hidden,
        checkpoint=args.checkpoint,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
