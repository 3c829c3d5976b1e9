"""examples/digits.py: the MLP of nn layers trained with Adam learns, plots, and resumes bit for bit."""

import numpy as np
import pytest
from extras import need

for package in ("sklearn", "tqdm", "matplotlib"):
    need(package)

import symmodule
from symmodule import introspect


@pytest.fixture(scope="module")
def digits(example_module):
    with example_module("digits.py") as module:
        yield module


@pytest.fixture(scope="module")
def data(digits):
    return digits.load_data(0)


def test_a_short_run_learns_the_digits_and_plots_its_curves(digits, tmp_path, png_size):
    plot = tmp_path / "curves.png"
    result = digits.main(epochs=4, seed=0, plot_path=plot, quiet=True)
    assert result.test_accuracy >= 0.9, result.test_accuracy  # 98 % after the full 40 epochs
    assert result.epochs == 4
    assert all(len(curve) == 4 for curve in result.history.values())
    assert result.history["train_cost"][-1] < result.history["train_cost"][0]
    assert result.plot_path == plot
    width, height, size = png_size(plot)
    assert (width, height) == (1000, 400)
    assert 10_000 < size < 1_000_000
    import matplotlib.image

    pixels = matplotlib.image.imread(plot)
    assert pixels.shape[:2] == (400, 1000)
    assert pixels.std() > 0.01  # something was drawn


def test_the_run_is_reproducible_from_its_seed(digits):
    first = digits.main(epochs=1, seed=3, plot_path=None, quiet=True)
    second = digits.main(epochs=1, seed=3, plot_path=None, quiet=True)
    assert first.history == second.history and first.test_accuracy == second.test_accuracy
    assert first.plot_path is None


def test_the_command_line_prints_progress_accuracy_and_where_the_plot_is(digits, tmp_path, capsys):
    plot = tmp_path / "cli.png"
    assert digits.cli(["--epochs", "1", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "epoch   1/1" in out and "batch" in out  # the tqdm bar
    assert "test accuracy" in out and f"training curves written to {plot}" in out
    assert plot.is_file()


def test_the_data_ships_with_scikit_learn_and_is_split_three_ways(data):
    train, valid, test = data
    assert (len(train.y), len(valid.y), len(test.y)) == (1078, 359, 360)
    assert train.x.shape[1] == 64 and 0.0 <= train.x.min() and train.x.max() <= 1.0
    assert set(np.unique(train.y)) == set(range(10))


def test_each_epoch_shows_every_training_example_once_in_an_order_of_its_own(digits):
    n, size = 1078, digits.BATCH_SIZE
    per_epoch = -(-n // size)
    first = np.concatenate([digits.batch_indices(n, size, step) for step in range(per_epoch)])
    second = np.concatenate([digits.batch_indices(n, size, step) for step in range(per_epoch, 2 * per_epoch)])
    assert sorted(first) == sorted(second) == list(range(n))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(digits.batch_indices(n, size, 40), second[6 * size:7 * size])


def test_the_model_is_nn_layers_and_an_adam_optimizer_in_one_module(digits):
    module = digits.build(n_hidden=16)
    params = ["model.layers.0.w", "model.layers.0.b", "model.layers.3.w", "model.layers.3.b"]
    assert [p.name for p in module.parameters()] == params
    step = introspect.effects(module, "train_step")
    moments = [f"opt.{kind}.{i}" for kind in "mv" for i in range(4)]
    assert set(step.updates) == {*params, "opt.step", *moments}
    assert step.random_streams_advanced == ("model.layers.2.random.rng0",)  # the dropout masks
    predict = introspect.effects(module, "predict")
    assert set(predict.reads) == set(params)
    assert predict.updates == () and predict.random_streams_read == ()  # no dropout at test time
    assert introspect.check(module) == []


def test_training_resumed_from_a_checkpoint_gives_the_bits_of_an_uninterrupted_run(
    digits, data, tmp_path, assert_same_state
):
    train_set = data[0]
    module = digits.build()
    # 30 + 10 steps cross the end of the first epoch (34 steps), where the order is drawn anew.
    uninterrupted = module.make(mode="FAST_COMPILE")
    digits.train_steps(uninterrupted, train_set, 40)

    first = module.make(mode="FAST_COMPILE")
    digits.train_steps(first, train_set, 30)
    symmodule.save(first, tmp_path / "digits.safetensors")
    resumed = module.make(mode="FAST_COMPILE")
    symmodule.load(tmp_path / "digits.safetensors", into=resumed)
    assert int(resumed.opt.step) == 30
    digits.train_steps(resumed, train_set, 10)

    assert int(resumed.opt.step) == 40
    assert_same_state(resumed, uninterrupted)


def test_the_command_line_resumes_from_its_checkpoint_as_if_never_stopped(digits, tmp_path, assert_same_state, capsys):
    checkpoint = tmp_path / "run.safetensors"
    digits.cli(["--epochs", "1", "--checkpoint", str(checkpoint), "--no-plot", "--quiet"])
    resumed = digits.main(epochs=2, checkpoint=checkpoint, plot_path=None)
    assert "resumed from" in capsys.readouterr().out
    assert len(resumed.history["train_cost"]) == 1  # only the second epoch ran
    uninterrupted = digits.main(epochs=2, plot_path=None, quiet=True)
    assert resumed.history["valid_cost"] == uninterrupted.history["valid_cost"][1:]
    assert_same_state(resumed.instance, uninterrupted.instance)
    loaded = digits.build().make(mode="FAST_COMPILE")
    symmodule.load(checkpoint, into=loaded)  # saved after the last epoch
    assert_same_state(loaded, uninterrupted.instance)
