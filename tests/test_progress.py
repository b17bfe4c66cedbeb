"""Progress bars of `Trainer.fit`: shown on fits that take a while, and an early stop ends them cleanly."""

from __future__ import annotations

import numpy as np
import pytest
from tqdm.notebook import tqdm as notebook_tqdm

from dlfs.nn import trainer as trainer_module
from dlfs.nn.layers import Dense
from dlfs.nn.losses import MeanSquaredError
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Linear
from dlfs.nn.optim import SGD
from dlfs.nn.trainer import Trainer

PLANNED = 60


def early_stopping_fit(progress: bool = True) -> Trainer:
    """Test targets are minus the training targets: the test loss gets worse, so the fit stops early."""
    rng = np.random.default_rng(14)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[3.0], [-2.0], [1.0]])
    trainer = Trainer(NeuralNetwork([Dense(1, Linear(), "glorot")], MeanSquaredError(), seed=0), SGD(lr=0.01))
    trainer.fit(X, y, X, -y, epochs=PLANNED, eval_every=2, batch_size=8, seed=0, progress=progress)
    return trainer


def test_an_early_stop_ends_the_console_bar_full_at_the_epochs_done(monkeypatch, capsys) -> None:
    monkeypatch.setattr(trainer_module, "PROGRESS_DELAY_S", 0.0)
    trainer = early_stopping_fit()
    done = trainer.history["epoch"][-1]
    assert done < PLANNED  # it did stop early
    out, err = capsys.readouterr()
    last = out.replace("\r", "\n").strip().splitlines()[-1]
    assert f"early stop: {done} of {PLANNED}" in last and "100%" in last and f"{done}/{done}" in last, last
    assert err == ""


class RecordingBar(notebook_tqdm):  # type: ignore[misc]
    """JupyterLab's bar (an ipywidget), remembered so the test can read its final state."""

    made: list[RecordingBar] = []

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        RecordingBar.made.append(self)


def test_an_early_stop_leaves_a_green_full_widget_not_a_red_one(monkeypatch, capsys) -> None:
    monkeypatch.setattr(trainer_module, "tqdm", RecordingBar)
    monkeypatch.setattr(trainer_module, "PROGRESS_DELAY_S", 0.0)
    RecordingBar.made.clear()
    trainer = early_stopping_fit()
    done = trainer.history["epoch"][-1]
    (bar,) = RecordingBar.made
    label, widget, counts = bar.container.children
    assert widget.bar_style == "success"  # tqdm paints a bar closed below its total "danger" (red)
    assert widget.value == widget.max == done
    text = (label.value + counts.value).replace("\u2007", " ")  # the widget pads with figure spaces
    assert f"{done}/{done}" in text and f"early stop: {done} of {PLANNED}" in text and "100%" in text, text
    capsys.readouterr()


def test_a_full_run_ends_at_its_planned_epochs(monkeypatch, capsys) -> None:
    monkeypatch.setattr(trainer_module, "tqdm", RecordingBar)
    monkeypatch.setattr(trainer_module, "PROGRESS_DELAY_S", 0.0)
    RecordingBar.made.clear()
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    y = X @ np.array([[1.0], [2.0]])
    Trainer(NeuralNetwork([Dense(1, Linear(), "glorot")], MeanSquaredError(), seed=0), SGD(lr=0.05)).fit(
        X, y, X, y, epochs=6, eval_every=3, batch_size=10, early_stopping=False)
    (bar,) = RecordingBar.made
    _, widget, counts = bar.container.children
    assert (widget.bar_style, widget.value, widget.max) == ("success", 6, 6) and "6/6" in counts.value
    capsys.readouterr()


@pytest.mark.parametrize(("delay", "shown"), [(60.0, False), (0.0, True)])
def test_quick_fits_show_no_bar(monkeypatch, capsys, delay: float, shown: bool) -> None:
    monkeypatch.setattr(trainer_module, "PROGRESS_DELAY_S", delay)
    early_stopping_fit()
    out, err = capsys.readouterr()
    assert ("epochs" in out) is shown and err == ""
    assert trainer_module.PROGRESS_DELAY_S == delay
