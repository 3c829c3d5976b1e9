"""examples/digits_cnn.py: the convolutional network learns, plots, and resumes bit for bit.

The full run (15 epochs, a few minutes) reaches 99 % test accuracy; these
tests run a few steps of it.
"""

import numpy as np
import pytest
from extras import need

for package in ("sklearn", "tqdm", "matplotlib"):
    need(package)

import symmodule
from symmodule import introspect


@pytest.fixture(scope="module")
def cnn(example_module):
    with example_module("digits_cnn.py") as module:
        yield module


@pytest.fixture(scope="module")
def data(cnn):
    return cnn.load_data(0)


def test_a_short_run_learns_the_digits_and_plots_its_curves(cnn, tmp_path, png_size):
    plot = tmp_path / "curves.png"
    result = cnn.main(epochs=2, steps_per_epoch=10, plot_path=plot, quiet=True)
    assert result.test_accuracy >= 0.7, result.test_accuracy  # 99 % after the full 15 epochs of 45 steps
    assert result.history["epoch"] == [1.0, 2.0]
    assert result.history["train_cost"][1] < result.history["train_cost"][0]
    assert int(result.instance.opt.step) == 20
    width, height, size = png_size(plot)
    assert (width, height) == (1000, 400) and size > 10_000


def test_the_command_line_prints_progress_accuracy_and_where_the_plot_is(cnn, tmp_path, capsys):
    plot = tmp_path / "cli.png"
    assert cnn.cli(["--epochs", "1", "--steps-per-epoch", "2", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "epoch  1/1" in out and "batch" in out  # the tqdm bar
    assert "test accuracy" in out and f"curves written to {plot}" in out
    assert plot.is_file()


def test_the_images_are_split_80_20_with_a_channel_axis(data):
    train, test = data
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert 0.0 <= train.x.min() and train.x.max() <= 1.0
    assert set(np.unique(test.y)) == set(range(10))


def test_a_training_step_updates_weights_statistics_and_adam_and_evaluation_updates_nothing(cnn):
    module = cnn.build(total_steps=100)
    step = introspect.effects(module, "train_step")
    params = {p.name for p in module.parameters()}
    statistics = set(module.members("buffer"))
    assert len(params) == 3 * 2 + 3 * 2 + 2  # three convolutions and BatchNorms, one Linear
    assert statistics == {f"model.layers.{i}.running_{s}" for i in (1, 4, 8) for s in ("mean", "var")}
    adam = set(module.members("optimizer_state"))
    assert len(adam) == 1 + 2 * len(params)  # the step count, two moments per parameter
    assert set(step.updates) == params | statistics | adam
    assert step.random_streams_advanced == ("model.layers.12.random.rng0",)  # dropout
    evaluate = introspect.effects(module, "evaluate")
    assert evaluate.updates == () and evaluate.random_streams_read == ()
    assert statistics <= set(evaluate.reads)  # BatchNorm evaluates with its running statistics


def test_training_resumed_from_a_checkpoint_gives_the_bits_of_an_uninterrupted_run(
    cnn, data, tmp_path, assert_same_state
):
    small = cnn.Split(data[0].x[:100], data[0].y[:100])  # 4 batches a pass: 3 + 3 steps cross a pass
    module = cnn.build(total_steps=6)
    uninterrupted = module.make(mode="FAST_COMPILE")
    cnn.train_steps(uninterrupted, small, 6)

    first = module.make(mode="FAST_COMPILE")
    cnn.train_steps(first, small, 3)
    symmodule.save(first, tmp_path / "cnn.safetensors")
    resumed = module.make(mode="FAST_COMPILE")
    symmodule.load(tmp_path / "cnn.safetensors", into=resumed)
    cnn.train_steps(resumed, small, 3)

    assert int(resumed.opt.step) == 6
    assert resumed.model.layers[1].running_mean.any()  # the statistics moved, and are compared
    assert_same_state(resumed, uninterrupted)


def test_a_run_stopped_by_ctrl_c_resumes_from_its_checkpoint_as_if_never_stopped(
    cnn, tmp_path, monkeypatch, assert_same_state
):
    checkpoint = tmp_path / "run.safetensors"
    command = ["--epochs", "2", "--steps-per-epoch", "2", "--no-plot", "--quiet", "--checkpoint", str(checkpoint)]
    train_steps = cnn.train_steps

    def interrupted(inst, *args, **kwargs):
        if int(inst.opt.step) >= 2:  # during the second epoch
            raise KeyboardInterrupt
        return train_steps(inst, *args, **kwargs)

    monkeypatch.setattr(cnn, "train_steps", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cnn.cli(command)
    monkeypatch.setattr(cnn, "train_steps", train_steps)
    resumed = cnn.main(epochs=2, steps_per_epoch=2, plot_path=None, quiet=True, checkpoint=checkpoint)
    uninterrupted = cnn.main(epochs=2, steps_per_epoch=2, plot_path=None, quiet=True)
    assert resumed.history["epoch"] == [2.0]  # the first epoch came from the checkpoint
    assert resumed.test_accuracy == uninterrupted.test_accuracy
    assert_same_state(resumed.instance, uninterrupted.instance)
