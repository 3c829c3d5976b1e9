"""examples/digits.py: a short, seeded run reaches an accuracy floor and writes a valid PNG."""

import struct

import numpy as np
import pytest
from extras import need

for package in ("sklearn", "tqdm", "matplotlib"):
    need(package)

from symmodule import introspect



@pytest.fixture(scope="module")
def digits(example_module):
    with example_module("digits.py") as module:
        yield module


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND", "PNG not terminated"
    return width, height, len(data)


def test_a_short_run_learns_the_digits_and_plots_its_curves(digits, tmp_path):
    plot = tmp_path / "curves.png"
    result = digits.main(epochs=4, seed=0, plot_path=plot, quiet=True)
    assert result.test_accuracy >= 0.93, result.test_accuracy
    assert result.epochs == 4
    assert all(len(curve) == 4 for curve in result.history.values())
    assert result.history["train_cost"][-1] < result.history["train_cost"][0]
    assert result.plot_path == plot and plot.is_file()
    width, height, size = _png_size(plot)
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


def test_the_data_ships_with_scikit_learn_and_is_split_three_ways(digits):
    train, valid, test = digits.load_data(0)
    assert (len(train.y), len(valid.y), len(test.y)) == (1078, 359, 360)
    assert train.x.shape[1] == 64 and 0.0 <= train.x.min() and train.x.max() <= 1.0
    assert set(np.unique(train.y)) == set(range(10))


def test_the_model_is_a_module_with_momentum_and_dropout_state(digits):
    module = digits.MLP(seed=0)
    step = introspect.effects(module, "train_step")
    params = {"hidden.w", "hidden.b", "out.w", "out.b"}
    velocities = {"hidden.vw", "hidden.vb", "out.vw", "out.vb"}
    assert set(step.updates) == params | velocities
    assert set(step.could_update) == {"lr", "momentum", "keep"}
    assert step.random_streams_advanced == ("random.rng0",)
    predict = introspect.effects(module, "predict")
    assert predict.random_streams_read == () and predict.updates == ()  # no dropout at test time
    assert introspect.check(module) == []
    inst = module.make(n_in=64, n_hidden=16, n_out=10)
    summary = introspect.summary(inst)
    rows = {row.path: row for row in summary.members}
    assert rows["hidden.w"].shape == "(64, 16)" and rows["out.vw"].shape == "(16, 10)"
    assert summary.n_values == 2 * (64 * 16 + 16 + 16 * 10 + 10) + 3
