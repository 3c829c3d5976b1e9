"""A character-level recurrent network that learns the Zen of Python and writes in its style.

The text ships with Python itself: ``import this`` prints it (its module
holds it ROT13-encoded). ``--text FILE`` trains on any UTF-8 text instead.

The model reads a window of characters and predicts each next one: an
embedding of the characters, a gated recurrent unit (GRU) run over the
window by PyTensor's ``scan``, and a linear layer to the logits of the next
character. The GRU is a layer written for this example (``nn.Layer`` with
three Members), so it shows how to write one; ``nn.Embedding``,
``nn.Linear`` and ``optim.Adam`` (with gradient clipping) are symmodule's.

Run it::

    python examples/text_rnn.py                 # the full run: 1000 steps
    python examples/text_rnn.py --steps 50      # a short one
    python examples/text_rnn.py --checkpoint rnn.safetensors   # resumable
    python examples/text_rnn.py --help

It shows a progress bar with the loss, writes a PNG of the loss curve
(matplotlib) and prints text sampled from the trained model.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import io
import pathlib
import sys
import time
from dataclasses import dataclass, field
# --8<-- [start:imports]
from typing import Any

import numpy as np
import pytensor

import symmodule
from symmodule import nn, optim
from symmodule import tensor as T

# --8<-- [end:imports]

#: Where the plot goes unless told otherwise.
DEFAULT_PLOT = pathlib.Path("text-rnn-loss.png")
#: Windows per training step, and characters per window (the model predicts each after the first).
BATCH_SIZE, WINDOW = 16, 48
#: Training steps of the full run.
STEPS = 1000


# -- the data ---------------------------------------------------------------------------


def zen_of_python() -> str:
    """The Zen of Python, as ``import this`` prints it."""
    with contextlib.redirect_stdout(io.StringIO()):  # importing it prints it
        this = importlib.import_module("this")
    return codecs.decode(this.s, "rot13")


@dataclass
class Corpus:
    """A text as integer codes, and the characters the codes stand for."""

    codes: np.ndarray
    alphabet: str

    @classmethod
    def of(cls, text: str) -> Corpus:
        """The corpus of ``text``: one code per distinct character, in sorted order."""
        alphabet = "".join(sorted(set(text)))
        index = {char: code for code, char in enumerate(alphabet)}
        return cls(np.array([index[char] for char in text], dtype="int64"), alphabet)

    def encode(self, text: str) -> np.ndarray:
        """The codes of ``text`` (every character must be in the alphabet)."""
        return np.array([self.alphabet.index(char) for char in text], dtype="int64")

    def decode(self, codes: Any) -> str:
        """The text of ``codes``."""
        return "".join(self.alphabet[int(code)] for code in codes)


def batch(corpus: Corpus, step: int, seed: int = 0) -> np.ndarray:
    """The windows of training step ``step``: ``(BATCH_SIZE, WINDOW + 1)`` codes at random places.

    Drawn from ``(seed, step)`` alone, so the batch of any step can be
    computed again from its number; the optimizer's step count, saved in
    checkpoints, gives it.
    """
    starts = np.random.default_rng([seed, step]).integers(0, len(corpus.codes) - WINDOW, size=BATCH_SIZE)
    return np.stack([corpus.codes[s:s + WINDOW + 1] for s in starts])


# -- the model --------------------------------------------------------------------------

# --8<-- [start:gru]
class GRU(nn.Layer):
    """A gated recurrent unit over ``(batch, time, n_in)`` inputs, giving ``(batch, time, n_hidden)``.

    With ``r`` (reset) and ``z`` (update) gates, at each time step::

        r = sigmoid(x W_r + h U_r + b_r)     z = sigmoid(x W_z + h U_z + b_z)
        n = tanh(x W_n + b_n + r * (h U_n))  h' = (1 - z) * n + z * h

    ``w`` holds ``W_r, W_z, W_n`` side by side, ``u`` holds ``U_r, U_z, U_n``,
    ``b`` the three biases. The input products of all time steps are one
    matrix product before the loop; the loop (``pytensor.scan``) does only
    the products with ``h``.

    Parameters
    ----------
    n_in, n_hidden
        Lengths of the input vectors and of the state.
    seed
        Seed of the initial weights.
    """

    def __init__(self, n_in: int, n_hidden: int, seed: int = 0) -> None:
        super().__init__()
        self._n_hidden = n_hidden  # a leading underscore: a plain attribute, not a Member
        self.add_member("w", T.matrix(shape=(n_in, 3 * n_hidden)), init=symmodule.init.glorot_uniform(seed=seed))
        self.add_member("u", T.matrix(shape=(n_hidden, 3 * n_hidden)), init=symmodule.init.glorot_uniform(seed=seed))
        self.add_member("b", T.vector(shape=(3 * n_hidden,)), init=symmodule.init.zeros())

    def step(self, x_w: Any, h: Any, u: Any) -> Any:
        """One time step, from the input's products ``x_w = x @ w + b`` and the state ``h``."""
        n = self._n_hidden
        h_u = T.dot(h, u)
        r = T.sigmoid(x_w[:, :n] + h_u[:, :n])
        z = T.sigmoid(x_w[:, n:2 * n] + h_u[:, n:2 * n])
        candidate = T.tanh(x_w[:, 2 * n:] + r * h_u[:, 2 * n:])
        return (1 - z) * candidate + z * h

    def forward(self, x: Any, training: bool = False, h0: Any = None) -> Any:
        if h0 is None:
            h0 = T.zeros((x.shape[0], self._n_hidden), dtype=x.dtype)
        x_w = T.dot(x, self.w) + self.b                     # (batch, time, 3 n_hidden)
        states = pytensor.scan(
            self.step,
            sequences=[x_w.dimshuffle(1, 0, 2)],            # scan loops over the first axis: time
            outputs_info=[h0],
            non_sequences=[self.u],                         # the Member, passed in explicitly
            return_updates=False,
        )
        return states.dimshuffle(1, 0, 2)                   # back to (batch, time, n_hidden)
# --8<-- [end:gru]


# --8<-- [start:model]
def build(n_chars: int, n_hidden: int = 64, learning_rate: float = 3e-3, seed: int = 0) -> symmodule.Module:
    """The character model and its optimizer as one Module.

    Methods: ``train_step(windows)`` (a step on ``(batch, time + 1)`` codes:
    each character predicts the next), ``loss(windows)``, and
    ``next(codes, h)``, the log-probabilities of the character after
    ``codes`` and the new state, for sampling one character at a time.
    """
    m = symmodule.Module()
    m.embed = nn.Embedding(n_chars, 32)
    m.gru = GRU(32, n_hidden, seed=seed)
    m.head = nn.Linear(n_hidden, n_chars, init=symmodule.init.glorot_uniform(seed=seed))
    m.opt = optim.Adam(learning_rate, clip_norm=1.0)  # recurrent networks like their gradients clipped

    windows = T.lmatrix("windows")
    inputs, targets = windows[:, :-1], windows[:, 1:]
    log_p = nn.log_softmax(m.head(m.gru(m.embed(inputs))))           # (batch, time, n_chars)
    flat = log_p.reshape((-1, n_chars))
    loss = -T.mean(flat[T.arange(flat.shape[0]), targets.flatten()])   # nats per character
    m.train_step = symmodule.Method([windows], loss, updates=m.opt.updates(loss, m.parameters()))
    m.loss = symmodule.Method([windows], loss)

    # One character at a time: the same layers, the state passed in and out.
    codes, h = T.lvector("codes"), T.matrix("h")
    h_next = m.gru.step(T.dot(m.embed(codes), m.gru.w) + m.gru.b, h, m.gru.u)
    m.next = symmodule.Method([codes, h], [nn.log_softmax(m.head(h_next)), h_next])
    return m
# --8<-- [end:model]


def sample(inst: Any, corpus: Corpus, prompt: str, length: int, temperature: float = 0.8, seed: int = 0) -> str:
    """``prompt`` and ``length`` characters drawn from the model after it.

    A lower ``temperature`` favours the likeliest characters.
    """
    rng = np.random.default_rng(seed)
    h = np.zeros((1, inst.gru.u.shape[0]), dtype=inst.gru.u.dtype)
    codes = list(corpus.encode(prompt))
    for code in codes[:-1]:  # read the prompt
        _, h = inst.next(np.array([code]), h)
    for _ in range(length):
        log_p, h = inst.next(np.array([codes[-1]]), h)
        p = np.exp(log_p[0] / temperature)
        codes.append(int(rng.choice(len(p), p=p / p.sum())))
    return corpus.decode(codes)


# -- training ---------------------------------------------------------------------------


def train_steps(inst: Any, corpus: Corpus, steps: int, seed: int = 0, bar: Any = None) -> list[float]:
    """Take ``steps`` training steps from the instance's step count; return their losses."""
    losses = []
    for _ in range(steps):
        losses.append(float(inst.train_step(batch(corpus, int(inst.opt.step), seed))))
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    return losses


@dataclass
class Result:
    """What :func:`main` returns."""

    losses: list[float]
    steps: int
    seconds: float
    compile_seconds: float
    sample: str
    plot_path: pathlib.Path | None
    instance: Any = None
    corpus: Corpus | None = field(default=None, repr=False)


def plot(losses: list[float], first_step: int, path: pathlib.Path, title: str = "") -> pathlib.Path:
    """The loss of each step and its moving average, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    steps = np.arange(first_step + 1, first_step + len(losses) + 1)
    width = max(1, min(50, len(losses) // 10))
    smooth = np.convolve(losses, np.ones(width) / width, mode="valid")
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    ax.plot(steps, losses, color="C0", alpha=0.3, linewidth=0.8, label="each step")
    ax.plot(steps[width - 1:], smooth, color="C0", label=f"mean of {width} steps")
    ax.set(xlabel="training step", ylabel="cross-entropy (nats per character)", title=title or "Training loss")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def main(
    steps: int = STEPS,
    seed: int = 0,
    text: str | None = None,
    plot_path: str | pathlib.Path | None = DEFAULT_PLOT,
    quiet: bool = False,
    mode: Any = "FAST_COMPILE",
    checkpoint: str | pathlib.Path | None = None,
    prompt: str = "Beautiful is",
) -> Result:
    """Train the character model, plot its loss, and sample text from it.

    Parameters
    ----------
    steps
        Training steps in all (a resumed run does the rest).
    seed
        Seeds the initial weights, the windows of each step and the sampling.
    text
        The text to learn (None: the Zen of Python).
    plot_path
        Where to write the PNG (None: no plot).
    quiet
        No progress bar and no printing.
    mode
        Compilation mode of the Methods.
    checkpoint
        A file to save the instance to every 100 steps and at the end and,
        if it exists, to resume from (None: no checkpoint).
    prompt
        The beginning of the sampled text.
    """
    from tqdm import tqdm

    start = time.perf_counter()
    corpus = Corpus.of(zen_of_python() if text is None else text)
    inst = build(len(corpus.alphabet), seed=seed).make(mode=mode)
    compiled = time.perf_counter()
    checkpoint = None if checkpoint is None else pathlib.Path(checkpoint)
    if checkpoint is not None and checkpoint.exists():
        symmodule.load(checkpoint, into=inst)
    first = int(inst.opt.step)
    if not quiet:
        resumed = f"; resumed from {checkpoint} at step {first}" if first else ""
        print(
            f"text: {len(corpus.codes)} characters, {len(corpus.alphabet)} distinct; "
            f"mode {mode}, compiled in {compiled - start:.1f} s{resumed}"
        )
    losses: list[float] = []
    with tqdm(total=steps, initial=min(first, steps), unit="step", disable=quiet, file=sys.stdout) as bar:
        while int(inst.opt.step) < steps:
            chunk = min(100 - int(inst.opt.step) % 100, steps - int(inst.opt.step))
            losses += train_steps(inst, corpus, chunk, seed, bar)
            if checkpoint is not None:
                symmodule.save(inst, checkpoint)
    seconds = time.perf_counter() - start
    written = None
    if plot_path is not None and losses:
        title = f"GRU on {'the Zen of Python' if text is None else 'the text'}: {len(corpus.codes)} characters"
        written = plot(losses, first, pathlib.Path(plot_path), title)
    text_out = sample(inst, corpus, prompt, 300, seed=seed) if set(prompt) <= set(corpus.alphabet) else ""
    if not quiet:
        if losses:
            print(f"loss {np.mean(losses[-50:]):.3f} nats per character (mean of the last steps) after {steps} steps "
                  f"in {seconds:.1f} s")
        if written is not None:
            print(f"loss curve written to {written}")
        print("sampled:\n" + text_out)
    return Result(losses, steps, seconds, compiled - start, text_out, written, inst, corpus)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS, help=f"training steps (default: {STEPS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of everything random (default: 0)")
    parser.add_argument("--text", help="a UTF-8 text file to learn (default: the Zen of Python)")
    parser.add_argument("--prompt", default="Beautiful is", help="the start of the sampled text")
    parser.add_argument("--plot", default=str(DEFAULT_PLOT), help=f"PNG to write (default: {DEFAULT_PLOT})")
    parser.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    parser.add_argument("--mode", default="FAST_COMPILE", help="compilation mode (default: FAST_COMPILE)")
    parser.add_argument("--checkpoint", help="save to this file every 100 steps; resume from it if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> int:
    """The command line: ``python examples/text_rnn.py --help``."""
    args = _parse(argv)
    text = None if args.text is None else pathlib.Path(args.text).read_text(encoding="utf-8")
    main(
        steps=args.steps,
        seed=args.seed,
        text=text,
        plot_path=None if args.no_plot else args.plot,
        quiet=args.quiet,
        mode=args.mode,
        checkpoint=args.checkpoint,
        prompt=args.prompt,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
