"""Handwritten digits: a multi-layer perceptron written as a Module, on real data.

The data is scikit-learn's bundled copy of the UCI handwritten digits (1,797
images of 8x8 pixels, ten classes). It ships inside scikit-learn: nothing is
downloaded.

The model shows the Module system's parts working together:

* ``Dense`` is an inner Module per layer: its weights and biases are Members,
  and so are its SGD *velocities* (momentum is state, like the weights);
* ``MLP`` holds the layers in a list (``self.layers``), a RandomStreams member
  that draws the dropout masks, and the hyper-parameters as Members
  (``lr``, ``momentum``, ``keep``), so they can be changed between calls;
* ``train_step(x, y)`` is one Method whose updates move every velocity and
  every parameter at once; ``evaluate(x, y)`` and ``predict(x)`` read the
  same state without changing it.

Run it::

    python examples/digits.py                  # the full run: 40 epochs
    python examples/digits.py --epochs 3       # a short one
    python examples/digits.py --help

It prints one progress bar per epoch (tqdm), the test accuracy, and writes a
PNG of the training and validation curves (matplotlib).
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
from symmodule import tensor as T
from symmodule.compile import module as M
from symmodule.tensor import nnet as NN

# --8<-- [end:imports]

#: Where the plot goes unless told otherwise.
DEFAULT_PLOT = pathlib.Path("digits-curves.png")


# -- the model --------------------------------------------------------------------------

# --8<-- [start:model]
class Dense(M.Module):
    """An affine layer ``x @ w + b``, with the SGD velocities of its parameters."""

    def __init__(self, x: Any) -> None:
        super().__init__()
        self.w = T.matrix()
        self.b = T.vector()
        self.vw = T.matrix()  # velocity of w
        self.vb = T.vector()  # velocity of b
        self.output = T.dot(x, self.w) + self.b

    def params(self) -> list[tuple[Any, Any]]:
        """``(parameter, velocity)`` pairs."""
        return [(self.w, self.vw), (self.b, self.vb)]

    def _instance_initialize(self, inst: Any, n_in: int = 0, n_out: int = 0, rng: Any = None, **init: Any) -> None:
        if n_in and n_out:
            rng = np.random.default_rng(0) if rng is None else rng
            bound = np.sqrt(6.0 / (n_in + n_out))  # Glorot's uniform initialisation
            inst.w = rng.uniform(-bound, bound, size=(n_in, n_out))
            inst.b = np.zeros(n_out)
            inst.vw = np.zeros((n_in, n_out))
            inst.vb = np.zeros(n_out)
        M.default_initialize(inst, **init)


class MLP(M.Module):
    """Inputs -> tanh hidden layer with dropout -> softmax over the classes.

    Parameters
    ----------
    n_hidden
        Width of the hidden layer (the input and output widths come from
        the data at ``make()``).
    seed
        Seed of the dropout masks (``None``: fresh entropy).
    """

    def __init__(self, seed: int | None = 0) -> None:
        super().__init__()
        x = T.matrix("x")
        y = T.lvector("y")
        self.lr = T.scalar()
        self.momentum = T.scalar()
        self.keep = T.scalar()  # probability of keeping a hidden unit while training
        self.random = T.randomstreams.RandomStreams(seed)

        # Training graph: dropout on the hidden layer (inverted: scaled by 1/keep).
        self.hidden = Dense(x)
        h = T.tanh(self.hidden.output)
        mask = self.random.binomial(size=h.shape, n=1, p=self.keep, dtype=h.dtype)
        self.out = Dense(h * mask / self.keep)
        self.layers = [self.hidden, self.out]
        train_cost = T.mean(NN.categorical_crossentropy(NN.softmax(self.out.output), y))

        # Evaluation graph: the same parameters, no dropout.
        logits = T.dot(h, self.out.w) + self.out.b
        probabilities = NN.softmax(logits)
        cost = T.mean(NN.categorical_crossentropy(probabilities, y))
        prediction = T.argmax(logits, axis=1)
        accuracy = T.mean(T.eq(prediction, y))

        # SGD with momentum: v <- momentum * v - lr * grad; p <- p + v.
        pairs = [pair for layer in self.layers for pair in layer.params()]
        grads = T.grad(train_cost, [p for p, _ in pairs])
        updates = {}
        for (param, velocity), grad in zip(pairs, grads, strict=True):
            new_velocity = self.momentum * velocity - self.lr * grad
            updates[velocity] = new_velocity
            updates[param] = param + new_velocity

        self.train_step = M.Method([x, y], train_cost, updates=updates)
        self.evaluate = M.Method([x, y], [cost, accuracy])
        self.predict = M.Method(x, prediction)
        self.proba = M.Method(x, probabilities)

    def _instance_initialize(
        self,
        inst: Any,
        n_in: int = 64,
        n_hidden: int = 64,
        n_out: int = 10,
        seed: int = 0,
        lr: float = 0.05,
        momentum: float = 0.9,
        keep: float = 0.8,
        **init: Any,
    ) -> None:
        rng = np.random.default_rng(seed)
        inst.hidden.initialize(n_in=n_in, n_out=n_hidden, rng=rng)
        inst.out.initialize(n_in=n_hidden, n_out=n_out, rng=rng)
        inst.lr, inst.momentum, inst.keep = lr, momentum, keep
        M.default_initialize(inst, **init)
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


def train(
    model: Any,
    train_set: Split,
    valid_set: Split,
    epochs: int,
    batch_size: int = 32,
    seed: int = 0,
    quiet: bool = False,
) -> dict[str, list[float]]:
    """Minibatch SGD; one tqdm bar per epoch. Returns the per-epoch curves."""
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"train_cost": [], "train_accuracy": [], "valid_cost": [], "valid_accuracy": []}
    n = len(train_set.y)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        batches = range(0, n, batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch:3d}/{epochs}", unit="batch", disable=quiet, leave=True, file=sys.stdout)
        for start in bar:
            index = order[start:start + batch_size]
            cost = model.train_step(train_set.x[index], train_set.y[index])
            bar.set_postfix(cost=f"{float(cost):.3f}", refresh=False)
        train_cost, train_accuracy = model.evaluate(train_set.x, train_set.y)
        valid_cost, valid_accuracy = model.evaluate(valid_set.x, valid_set.y)
        for key, value in (
            ("train_cost", train_cost),
            ("train_accuracy", train_accuracy),
            ("valid_cost", valid_cost),
            ("valid_accuracy", valid_accuracy),
        ):
            history[key].append(float(value))
        if not quiet:
            bar.write(
                f"            train cost {float(train_cost):.4f}  accuracy {float(train_accuracy):.2%}   "
                f"validation cost {float(valid_cost):.4f}  accuracy {float(valid_accuracy):.2%}",
                file=sys.stdout,
            )
    return history


def plot(history: dict[str, list[float]], path: pathlib.Path, title: str = "") -> pathlib.Path:
    """Training and validation curves (cost and accuracy per epoch) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["train_cost"]) + 1)
    fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    ax_cost.plot(epochs, history["train_cost"], label="training", marker="o", markersize=3)
    ax_cost.plot(epochs, history["valid_cost"], label="validation", marker="o", markersize=3)
    ax_cost.set(xlabel="epoch", ylabel="mean cross-entropy", title="Cost", ylim=(0, None))
    ax_acc.plot(epochs, 100 * np.asarray(history["train_accuracy"]), label="training", marker="o", markersize=3)
    ax_acc.plot(epochs, 100 * np.asarray(history["valid_accuracy"]), label="validation", marker="o", markersize=3)
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
    n_hidden: int = 64,
) -> Result:
    """Train the MLP on the digits, report the test accuracy, plot the curves.

    Parameters
    ----------
    epochs
        Passes over the training set.
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
    """
    start = time.perf_counter()
    train_set, valid_set, test_set = load_data(seed)
    model = MLP(seed=seed).make(n_in=train_set.x.shape[1], n_hidden=n_hidden, n_out=10, seed=seed, mode=mode)
    compiled = time.perf_counter()
    if not quiet:
        print(
            f"digits: {len(train_set.y)} training, {len(valid_set.y)} validation, {len(test_set.y)} test images; "
            f"mode {mode}, compiled in {compiled - start:.1f} s"
        )
    history = train(model, train_set, valid_set, epochs, seed=seed, quiet=quiet)
    test_cost, test_accuracy = (float(v) for v in model.evaluate(test_set.x, test_set.y))
    seconds = time.perf_counter() - start
    written = None
    if plot_path is not None:
        title = f"MLP on scikit-learn digits: test accuracy {test_accuracy:.2%}"
        written = plot(history, pathlib.Path(plot_path), title)
    if not quiet:
        print(f"test accuracy {test_accuracy:.2%} (cost {test_cost:.4f}) after {epochs} epochs in {seconds:.1f} s")
        if written is not None:
            print(f"training curves written to {written}")
    return Result(test_accuracy, test_cost, epochs, seconds, compiled - start, written, history)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40, help="passes over the training set (default: 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of everything random (default: 0)")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help=f"PNG to write (default: {DEFAULT_PLOT})")
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    parser.add_argument("--mode", default="FAST_COMPILE", help="compilation mode (default: FAST_COMPILE)")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units (default: 64)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    main(
        epochs=args.epochs,
        seed=args.seed,
        plot_path=None if args.no_plot else args.plot,
        quiet=args.quiet,
        mode=args.mode,
        n_hidden=args.hidden,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
