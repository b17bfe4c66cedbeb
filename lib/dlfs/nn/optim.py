"""Chapter 07: optimizers and learning-rate schedules.

An :class:`Optimizer` updates parameter arrays *in place* from their gradients:
``step(params, grads)``. Epochs are counted from 0; a schedule goes from ``lr``
at epoch 0 to ``final_lr`` at the last epoch, ``max_epochs - 1``.

- :func:`linear_decay`: ``lr + (final_lr - lr) * t`` with ``t = epoch / (max_epochs - 1)``;
- :func:`exponential_decay`: ``lr * (final_lr / lr) ** t``: multiplied by the same factor every epoch.

Optimizers: :class:`SGD`, :class:`SGDMomentum`, :class:`RMSProp` and :class:`Adam`. Every optimizer takes
``weight_decay`` (L2): it adds ``weight_decay * param`` to each gradient, the gradient of the penalty
``weight_decay / 2 * ||param||**2`` (applied to every parameter array, biases included; the loss the
``Trainer`` reports does not include the penalty).
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
        weight_decay: the L2 coefficient ``λ >= 0``: each step uses ``grad + λ·param`` (0: none).
    """

    def __init__(
        self, lr: float = 0.01, final_lr: float | None = None, decay: str | None = None, weight_decay: float = 0.0
    ) -> None:
        if decay is not None and decay not in SCHEDULES:
            raise ValueError(f"decay must be None, 'linear' or 'exponential'; received {decay!r}")
        if decay is not None and final_lr is None:
            raise ValueError(f"decay={decay!r} needs final_lr, the learning rate at the last epoch")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0; received {weight_decay}")
        self.lr = lr
        self.weight_decay = weight_decay
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
            self._update(i, param, grad + self.weight_decay * param if self.weight_decay else grad)

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
        self, lr: float = 0.01, momentum: float = 0.9, final_lr: float | None = None, decay: str | None = None,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, final_lr, decay, weight_decay)
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


class RMSProp(Optimizer):
    """RMSProp: each weight's step is divided by a running root-mean-square of its gradients. Per parameter,
    with ``s`` (0 at first, same shape)::

        s     ← rho·s + (1 − rho)·grad²
        param ← param − lr·grad / (√s + eps)

    Weights with large gradients take smaller steps, weights with small ones larger steps.
    """

    def __init__(
        self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8, final_lr: float | None = None,
        decay: str | None = None, weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, final_lr, decay, weight_decay)
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho must be in [0, 1); received {rho}")
        self.rho, self.eps = rho, eps
        self.squares: dict[int, ndarray] = {}

    def reset(self) -> None:
        super().reset()
        self.squares = {}

    def _update(self, index: int, param: ndarray, grad: ndarray) -> None:
        s = self.squares.get(index)
        if s is None or s.shape != param.shape:
            s = np.zeros_like(param)
        s = self.rho * s + (1.0 - self.rho) * grad**2
        self.squares[index] = s
        param -= self.current_lr * grad / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected. Per parameter, at its
    step ``t = 1, 2, ...``, with ``m`` and ``v`` (0 at first, same shape)::

        m     ← beta1·m + (1 − beta1)·grad
        v     ← beta2·v + (1 − beta2)·grad²
        param ← param − lr·m̂ / (√v̂ + eps),   m̂ = m / (1 − beta1^t),  v̂ = v / (1 − beta2^t)

    The corrections undo the pull of the zero start in the first steps.
    """

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        final_lr: float | None = None, decay: str | None = None, weight_decay: float = 0.0,
    ) -> None:
        super().__init__(lr, final_lr, decay, weight_decay)
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"beta1 and beta2 must be in [0, 1); received beta1={beta1}, beta2={beta2}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.moments: dict[int, tuple[int, ndarray, ndarray]] = {}

    def reset(self) -> None:
        super().reset()
        self.moments = {}

    def _update(self, index: int, param: ndarray, grad: ndarray) -> None:
        t, m, v = self.moments.get(index, (0, np.zeros_like(param), np.zeros_like(param)))
        if m.shape != param.shape:
            t, m, v = 0, np.zeros_like(param), np.zeros_like(param)
        t += 1
        m = self.beta1 * m + (1.0 - self.beta1) * grad
        v = self.beta2 * v + (1.0 - self.beta2) * grad**2
        self.moments[index] = (t, m, v)
        m_hat, v_hat = m / (1.0 - self.beta1**t), v / (1.0 - self.beta2**t)
        param -= self.current_lr * m_hat / (np.sqrt(v_hat) + self.eps)
