"""Chapter 07: optimizers and learning-rate schedules.

An :class:`Optimizer` updates parameter arrays *in place* from their gradients:
``step(params, grads)``. Epochs are counted from 0; a schedule goes from ``lr``
at epoch 0 to ``final_lr`` at the last epoch, ``max_epochs - 1``.

- :func:`linear_decay`: ``lr + (final_lr - lr) * t`` with ``t = epoch / (max_epochs - 1)``;
- :func:`exponential_decay`: ``lr * (final_lr / lr) ** t``: multiplied by the same factor every epoch.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.nn.operations import check_shape


def _progress(epoch: int, max_epochs: int) -> float:
    """``t`` in [0, 1]: how far ``epoch`` (0 .. max_epochs - 1) is through the run."""
    if max_epochs < 1 or not 0 <= epoch < max_epochs:
        raise ValueError(f"epoch must be in 0..max_epochs - 1; received epoch={epoch}, max_epochs={max_epochs}")
    return epoch / (max_epochs - 1) if max_epochs > 1 else 0.0


def linear_decay(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
    """The learning rate at ``epoch``, on a straight line from ``lr`` (epoch 0) to ``final_lr`` (last epoch)."""
    return lr + (final_lr - lr) * _progress(epoch, max_epochs)


def exponential_decay(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
    """The learning rate at ``epoch``, geometric from ``lr`` (epoch 0) to ``final_lr`` (last epoch); both > 0."""
    if lr <= 0 or final_lr <= 0:
        raise ValueError(f"exponential decay needs lr > 0 and final_lr > 0; received lr={lr}, final_lr={final_lr}")
    return lr * (final_lr / lr) ** _progress(epoch, max_epochs)


SCHEDULES = {"linear": linear_decay, "exponential": exponential_decay}


class Optimizer:
    """Base class: holds ``lr`` and an optional decay to ``final_lr``; subclasses write ``_update``.

    Args:
        lr: the learning rate at the first epoch.
        final_lr: the learning rate at the last epoch (needed if ``decay`` is set).
        decay: ``None`` (constant ``lr``), ``"linear"`` or ``"exponential"``.
    """

    def __init__(self, lr: float = 0.01, final_lr: float | None = None, decay: str | None = None) -> None:
        if decay is not None and decay not in SCHEDULES:
            raise ValueError(f"decay must be None, 'linear' or 'exponential'; received {decay!r}")
        if decay is not None and final_lr is None:
            raise ValueError(f"decay={decay!r} needs final_lr, the learning rate at the last epoch")
        self.lr = lr
        self.final_lr = final_lr
        self.decay = decay
        #: the learning rate the next ``step`` uses.
        self.current_lr = lr

    def start_epoch(self, epoch: int, max_epochs: int) -> None:
        """Set ``current_lr`` for ``epoch`` (0 .. max_epochs - 1) from the schedule."""
        if self.decay is None or self.final_lr is None:
            self.current_lr = self.lr
        else:
            self.current_lr = SCHEDULES[self.decay](self.lr, self.final_lr, epoch, max_epochs)

    def reset(self) -> None:
        """Forget any state (e.g. velocities) and go back to ``lr``."""
        self.current_lr = self.lr

    def step(self, params: list[ndarray], grads: list[ndarray]) -> None:
        """Update every ``params[i]`` in place from ``grads[i]`` (same shape)."""
        if len(params) != len(grads):
            raise ValueError(f"expected one gradient per parameter: {len(params)} params, received {len(grads)} grads")
        for i, (param, grad) in enumerate(zip(params, grads)):
            check_shape(grad, param.shape, f"gradient {i} must have the shape of parameter {i}")
            self._update(i, param, grad)

    def _update(self, index: int, param: ndarray, grad: ndarray) -> None:
        raise NotImplementedError()


class SGD(Optimizer):
    """Plain gradient descent: ``param ← param − lr·grad``."""

    def _update(self, index: int, param: ndarray, grad: ndarray) -> None:
        param -= self.current_lr * grad


class SGDMomentum(Optimizer):
    """Gradient descent with momentum. For every parameter, with its velocity ``v`` (0 at first)::

        v     ← momentum·v + lr·grad
        param ← param − v

    ``lr`` is the current (possibly decayed) learning rate. With ``momentum = 0``
    this is plain :class:`SGD`.
    """

    def __init__(
        self, lr: float = 0.01, momentum: float = 0.9, final_lr: float | None = None, decay: str | None = None
    ) -> None:
        super().__init__(lr, final_lr, decay)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1); received {momentum}")
        self.momentum = momentum
        self.velocities: dict[int, ndarray] = {}

    def reset(self) -> None:
        super().reset()
        self.velocities = {}

    def _update(self, index: int, param: ndarray, grad: ndarray) -> None:
        v = self.velocities.get(index)
        if v is None or v.shape != param.shape:
            v = np.zeros_like(param)
        v = self.momentum * v + self.current_lr * grad
        self.velocities[index] = v
        param -= v
