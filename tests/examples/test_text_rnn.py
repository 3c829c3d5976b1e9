"""examples/text_rnn.py: the GRU character model learns the Zen of Python, samples, and resumes bit for bit."""

import numpy as np
import pytest
from extras import need

for package in ("tqdm", "matplotlib"):
    need(package)

import symmodule
from symmodule import tensor as T


@pytest.fixture(scope="module")
def rnn(example_module):
    with example_module("text_rnn.py") as module:
        yield module


@pytest.fixture(scope="module")
def corpus(rnn):
    return rnn.Corpus.of(rnn.zen_of_python())


@pytest.fixture(scope="module")
def module(rnn, corpus):
    return rnn.build(len(corpus.alphabet))


def test_the_text_is_the_zen_of_python_that_ships_with_python(rnn, corpus, capsys):
    text = rnn.zen_of_python()
    assert text.startswith("The Zen of Python, by Tim Peters\n\nBeautiful is better than ugly.")
    assert capsys.readouterr().out == ""  # importing ``this`` prints it; the example keeps that quiet
    assert corpus.decode(corpus.codes) == text
    assert len(corpus.alphabet) == len(set(text))


def test_the_gru_layer_computes_its_documented_recurrence(rnn):
    m = symmodule.Module()
    m.gru = rnn.GRU(3, 4, seed=1)
    x = T.tensor3("x")
    m.run = symmodule.Method([x], m.gru(x))
    inst = m.make(mode="FAST_COMPILE")
    inst.gru.b = np.random.default_rng(2).normal(size=12)
    inputs = np.random.default_rng(3).normal(size=(2, 5, 3))

    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    w, u, b = inst.gru.w, inst.gru.u, inst.gru.b
    h, want = np.zeros((2, 4)), []
    for t in range(5):
        x_w, h_u = inputs[:, t] @ w + b, h @ u
        r = sigmoid(x_w[:, :4] + h_u[:, :4])
        z = sigmoid(x_w[:, 4:8] + h_u[:, 4:8])
        n = np.tanh(x_w[:, 8:] + r * h_u[:, 8:])
        h = (1 - z) * n + z * h
        want.append(h)
    np.testing.assert_allclose(inst.run(inputs), np.stack(want, axis=1), rtol=1e-12)


def test_sampling_one_character_at_a_time_follows_the_training_graph(rnn, corpus, module):
    inst = module.make(mode="FAST_COMPILE")
    rnn.train_steps(inst, corpus, 3)
    window = corpus.encode("Beautiful is better")
    losses = []
    h = np.zeros((1, inst.gru.u.shape[0]))
    for code, following in zip(window[:-1], window[1:]):
        log_p, h = inst.next(np.array([code]), h)
        losses.append(-log_p[0, following])
    # The training graph's loss of the window is the mean of those of each character.
    np.testing.assert_allclose(inst.loss(window[None, :]), np.mean(losses), rtol=1e-10)


def test_a_short_run_learns_plots_its_loss_and_samples_text(rnn, tmp_path, png_size):
    plot = tmp_path / "loss.png"
    result = rnn.main(steps=20, plot_path=plot, quiet=True)
    assert len(result.losses) == 20
    assert result.losses[0] > np.log(len(result.corpus.alphabet)) - 0.5  # about uniform at first
    assert np.mean(result.losses[-5:]) < result.losses[0] - 0.8, result.losses
    assert result.sample.startswith("Beautiful is") and len(result.sample) == len("Beautiful is") + 300
    width, height, size = png_size(plot)
    assert (width, height) == (800, 400) and size > 10_000


def test_the_command_line_shows_progress_the_loss_and_sampled_text(rnn, tmp_path, capsys):
    plot = tmp_path / "cli.png"
    assert rnn.cli(["--steps", "2", "--plot", str(plot), "--prompt", "Now"]) == 0
    out = capsys.readouterr().out
    assert "2/2" in out and "step" in out  # the tqdm bar
    assert "nats per character" in out and f"loss curve written to {plot}" in out
    assert "sampled:\nNow" in out


def test_training_resumed_from_a_checkpoint_gives_the_bits_of_an_uninterrupted_run(
    rnn, corpus, module, tmp_path, assert_same_state
):
    uninterrupted = module.make(mode="FAST_COMPILE")
    rnn.train_steps(uninterrupted, corpus, 6)

    first = module.make(mode="FAST_COMPILE")
    rnn.train_steps(first, corpus, 3)
    symmodule.save(first, tmp_path / "rnn.safetensors")
    resumed = module.make(mode="FAST_COMPILE")
    symmodule.load(tmp_path / "rnn.safetensors", into=resumed)
    rnn.train_steps(resumed, corpus, 3)

    assert int(resumed.opt.step) == 6
    assert_same_state(resumed, uninterrupted)
