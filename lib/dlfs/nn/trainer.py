"""Chapter 06-07: training loop, evaluation, early stopping.

:meth:`Trainer.fit` shuffles the training rows every epoch, trains on batches,
and every ``eval_every`` epochs measures the loss on the whole training and
test sets and the test accuracy (in inference mode: no dropout). It records
them in ``history``; with ``early_stopping`` it stops the first time the test
loss does not improve, and with ``restore_best`` it puts back the weights of
the best evaluation.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy import ndarray
from tqdm.auto import tqdm

from dlfs.nn.network import NeuralNetwork
from dlfs.nn.optim import Optimizer

PROGRESS_DELAY_S = 2.0  # fits shorter than this show no progress bar


def end_early(bar: Any, done: int, planned: int) -> None:
    """End a progress bar at ``done`` of ``planned`` epochs as a finished bar, not a failed one.

    tqdm marks a bar closed below its total as an error (red in a notebook); an early
    stop is a success, so the total becomes the epochs actually done.
    """
    bar.total = done
    container = getattr(bar, "container", None)  # tqdm.notebook's widget: its bar's maximum too
    if container is not None:
        container.children[1].max = done
    bar.set_description(f"epochs (early stop: {done} of {planned})", refresh=False)  # shown when the bar closes


def accuracy(net: NeuralNetwork, X: ndarray, labels: ndarray, batch_size: int | None = None) -> float:
    """Fraction of rows of ``X`` ``(n, ...)`` whose largest output is the label; ``labels`` ``(n,)`` ints or one-hot
    ``(n, k)``. ``batch_size``: predict in slices of that many rows (see :meth:`NeuralNetwork.predict`)."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"accuracy: expected {X.shape[0]} labels, shape ({X.shape[0]},); received shape {labels.shape}")
    return float(np.mean(net.predict(X, batch_size).argmax(axis=1) == labels))


def batches(X: ndarray, y: ndarray, batch_size: int, rng: np.random.Generator) -> Iterator[tuple[ndarray, ndarray]]:
    """Yield ``(X_batch, y_batch)`` of ``batch_size`` rows (the last may be smaller), rows shuffled by ``rng``."""
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], y[rows]


class Trainer:
    """Trains ``net`` with ``optimizer``. ``history`` holds lists, one entry per evaluation:
    ``epoch`` (epochs done, from 1), ``train_loss``, ``test_loss``, ``test_accuracy``
    (``nan`` when the targets have one column: a regression). ``best_epoch`` is the
    epoch of the lowest test loss."""

    def __init__(self, net: NeuralNetwork, optimizer: Optimizer) -> None:
        self.net = net
        self.optimizer = optimizer
        self.history: dict[str, list[float]] = {}
        self.best_epoch: int | None = None

    def _evaluate(self, epoch: int, X_train: ndarray, y_train: ndarray, X_test: ndarray, y_test: ndarray,
                  batch_size: int | None = None) -> float:
        """Append one evaluation to ``history``; return the test loss."""
        loss = self.net.loss
        test_prediction = self.net.predict(X_test, batch_size)
        test_loss = loss.forward(test_prediction, y_test)
        self.history["epoch"].append(epoch)
        self.history["train_loss"].append(loss.forward(self.net.predict(X_train, batch_size), y_train))
        self.history["test_loss"].append(test_loss)
        classes = y_test.ndim == 2 and y_test.shape[1] > 1  # accuracy means nothing for one regression output
        hits = test_prediction.argmax(axis=1) == y_test.argmax(axis=1) if classes else None
        self.history["test_accuracy"].append(float(np.mean(hits)) if hits is not None else float("nan"))
        return test_loss

    def fit(
        self,
        X_train: ndarray,
        y_train: ndarray,
        X_test: ndarray,
        y_test: ndarray,
        epochs: int = 100,
        eval_every: int = 10,
        batch_size: int = 32,
        seed: int = 1,
        early_stopping: bool = True,
        restore_best: bool = True,
        progress: bool = True,
        eval_batch_size: int | None = None,
    ) -> dict[str, list[float]]:
        """Train for up to ``epochs`` epochs; return ``history``.

        ``X_*`` ``(n, ...)`` (rows, or images for convolutions); ``y_*`` ``(n, k)`` in the loss's
        format (one-hot rows for classification). ``seed`` fixes the shuffling. ``progress`` shows
        a tqdm bar on standard output (never standard error) once a fit has run for
        ``PROGRESS_DELAY_S`` seconds; an early stop ends it full, at the epochs done.
        ``eval_batch_size``: evaluate in slices of that many rows (for large image sets; see
        :meth:`NeuralNetwork.predict`).
        """
        if X_train.shape[0] != y_train.shape[0] or X_test.shape[0] != y_test.shape[0]:
            raise ValueError(
                f"X and y need the same number of rows; received X_train {X_train.shape}, y_train {y_train.shape}, "
                f"X_test {X_test.shape}, y_test {y_test.shape}"
            )
        if min(epochs, eval_every, batch_size) < 1:
            raise ValueError(f"epochs, eval_every and batch_size must be >= 1; received {epochs}, {eval_every}, {batch_size}")
        rng = np.random.default_rng(seed)
        self.history = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
        self.optimizer.reset()
        best_loss, best_params, self.best_epoch = np.inf, None, None
        bar = tqdm(total=epochs, desc="epochs", unit="epoch", file=sys.stdout, disable=not progress, delay=PROGRESS_DELAY_S)
        for epoch in range(epochs):
            self.optimizer.start_epoch(epoch, epochs)
            self.net.training = True
            for X_batch, y_batch in batches(X_train, y_train, batch_size, rng):
                self.net.train_batch(X_batch, y_batch)
                self.optimizer.step(self.net.params(), self.net.param_grads())
            stop = False
            if (epoch + 1) % eval_every == 0:
                test_loss = self._evaluate(epoch + 1, X_train, y_train, X_test, y_test, eval_batch_size)
                bar.set_postfix(test_loss=f"{test_loss:.3f}", accuracy=f"{self.history['test_accuracy'][-1]:.3f}", refresh=False)
                if test_loss < best_loss:
                    best_loss, best_params, self.best_epoch = test_loss, copy.deepcopy(self.net.params()), epoch + 1
                else:
                    stop = early_stopping
            bar.update(1)  # counted once the epoch (and its evaluation) is done
            if stop:
                end_early(bar, epoch + 1, epochs)
                break
        bar.close()
        if restore_best and best_params is not None:
            for param, best in zip(self.net.params(), best_params):
                param[...] = best
        return self.history
