"""Chapter 10: training in PyTorch -- the step, the batches, the loop.

The course's ``Trainer`` (chapter 06) did four things per batch: forward, loss, backward,
update. In PyTorch they are four calls, plus one the from-scratch version never needed:
``optimizer.zero_grad()``, because ``backward()`` *adds* into every parameter's ``.grad``.

- :func:`train_step` -- one step on one batch; returns the loss as a float.
- :func:`make_loader` -- arrays to a seeded, shuffling ``DataLoader`` of tensors.
- :func:`shift_images` -- data augmentation: every image of a batch moved by up to one pixel.
- :func:`fit` -- epochs of steps; after each, the validation accuracy; keeps the weights of the
  epoch with the best validation accuracy (the test rows never choose anything).
- :func:`predict`, :func:`accuracy` -- class predictions and the share that is right.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy import ndarray
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

LossFunction = Callable[[Tensor, Tensor], Tensor]
Augment = Callable[[Tensor, torch.Generator], Tensor]


def train_step(model: nn.Module, loss_fn: LossFunction, optimizer: torch.optim.Optimizer, X: Tensor, y: Tensor) -> float:
    """One step of gradient descent on the batch ``(X, y)``: the loss *before* the update, as a float."""
    model.train()
    optimizer.zero_grad()          # backward() adds into .grad: clear what the last step left there
    loss = loss_fn(model(X), y)    # forward: prediction, then the loss (one number)
    loss.backward()                # every parameter's .grad = ∂loss/∂parameter
    optimizer.step()               # the update, e.g. SGD: p -= lr * p.grad
    return float(loss.item())


def make_loader(X: ndarray, y: ndarray, batch_size: int = 60, shuffle: bool = True, seed: int = 0,
                dtype: torch.dtype = torch.float32) -> DataLoader:
    """A ``DataLoader`` over ``(X, y)``: float tensors of ``dtype`` and, for integer ``y``, int64 labels.

    With ``shuffle`` the order of the batches is drawn from a generator seeded with ``seed``.
    """
    if len(X) != len(y):
        raise ValueError(f"X and y need the same number of rows; received {len(X)} and {len(y)}")
    labels = torch.as_tensor(y, dtype=torch.int64 if np.issubdtype(np.asarray(y).dtype, np.integer) else dtype)
    dataset = TensorDataset(torch.as_tensor(X, dtype=dtype), labels)
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


@torch.no_grad()
def predict(model: nn.Module, X: Tensor | ndarray, batch_size: int = 512) -> ndarray:
    """The class with the largest output for every row of ``X``, as an int array ``(n,)`` (inference mode)."""
    model.eval()
    inputs = torch.as_tensor(X, dtype=next(model.parameters()).dtype)
    return torch.cat([model(inputs[i:i + batch_size]).argmax(dim=1) for i in range(0, len(inputs), batch_size)]).numpy()


def accuracy(model: nn.Module, X: Tensor | ndarray, y: Tensor | ndarray) -> float:
    """The share of rows whose predicted class is the label ``y`` ``(n,)``."""
    return float(np.mean(predict(model, X) == np.asarray(y)))


@dataclass
class History:
    """What :func:`fit` saw: the mean training loss and the validation accuracy of every epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def shift_images(X: Tensor, generator: torch.Generator, max_shift: int = 1, side: int = 8) -> Tensor:
    """``X`` ``(n, side·side)``, the batch moved by one random ``(dy, dx)`` in ``[-max_shift, max_shift]``, zeros filled in.

    A digit moved by a pixel is still the same digit: training on moved copies teaches the network that.
    """
    dy, dx = (int(v) for v in torch.randint(-max_shift, max_shift + 1, (2,), generator=generator))
    padded = nn.functional.pad(X.reshape(-1, side, side), (max_shift,) * 4)
    return padded[:, max_shift + dy:max_shift + dy + side, max_shift + dx:max_shift + dx + side].reshape(X.shape)


def fit(model: nn.Module, loss_fn: LossFunction, optimizer: torch.optim.Optimizer, train: DataLoader,
        X_val: ndarray | None = None, y_val: ndarray | None = None, epochs: int = 10,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None, augment: Augment | None = None,
        seed: int = 0) -> History:
    """Train for ``epochs`` passes over ``train``; with validation rows, keep the best epoch's weights.

    Every batch gets :func:`train_step`'s four moves (then ``scheduler.step()``, if given: a schedule per
    batch; ``augment(X, generator)`` first, if given, with a generator seeded by ``seed``). After every
    epoch the validation accuracy is measured; at the end the model gets back the weights of the epoch
    where it was highest (the first such epoch): the number of epochs is *chosen on the validation rows*.
    Without validation rows, the last weights stay.
    """
    history = History()
    best_state, best = copy.deepcopy(model.state_dict()), -1.0
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        losses = []
        model.train()
        for X, y in train:
            if augment is not None:
                X = augment(X, generator)
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            losses.append(float(loss.item()))
        history.train_loss.append(float(np.mean(losses)))
        if X_val is not None and y_val is not None:
            val = accuracy(model, X_val, y_val)
            history.val_accuracy.append(val)
            if val > best:
                best, best_state, history.best_epoch = val, copy.deepcopy(model.state_dict()), epoch
    if history.val_accuracy:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = epochs
    history.seconds = time.perf_counter() - start
    return history
