"""Chapter 06: losses, the scalar at the end of the graph.

A :class:`Loss` takes ``prediction`` and ``target`` of one shape ``(n, k)``
(``n`` observations in the batch), returns one number from ``forward``, and
from ``backward`` the gradient of *exactly that number* with respect to
``prediction`` (shape ``(n, k)``).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.nn.operations import check_shape


def softmax(x: ndarray, axis: int = 1) -> ndarray:
    """``exp(x) / sum(exp(x))`` along ``axis``; shape in = shape out.

    The maximum along ``axis`` is subtracted first (this does not change the
    result), so ``exp`` never sees a positive argument and cannot overflow.
    """
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: ndarray, axis: int = 1) -> ndarray:
    """``log(softmax(x))`` computed as ``x - logsumexp(x)``: finite even where softmax underflows to 0."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


class Loss:
    """``forward(prediction, target) -> float``; ``backward() -> ∂loss/∂prediction`` (prediction's shape)."""

    def __init__(self) -> None:
        self._prediction: ndarray | None = None
        self._target: ndarray | None = None

    @property
    def ran(self) -> bool:
        """``True`` once ``forward`` has run."""
        return self._prediction is not None and self._target is not None

    @property
    def prediction(self) -> ndarray:
        """The prediction ``(n, k)`` of the last ``forward``."""
        if self._prediction is None:
            raise RuntimeError(f"{type(self).__name__}.prediction is read before forward ran: run forward first.")
        return self._prediction

    @property
    def target(self) -> ndarray:
        """The target ``(n, k)`` of the last ``forward``."""
        if self._target is None:
            raise RuntimeError(f"{type(self).__name__}.target is read before forward ran: run forward first.")
        return self._target

    def forward(self, prediction: ndarray, target: ndarray) -> float:
        """The loss of a batch; ``prediction`` and ``target`` of one shape ``(n, k)``."""
        prediction, target = np.asarray(prediction), np.asarray(target)
        if prediction.ndim != 2:
            raise ValueError(f"{type(self).__name__}: prediction must be 2-D (n, k); received shape {prediction.shape}")
        check_shape(target, prediction.shape, f"{type(self).__name__}: target must have the prediction's shape")
        self._prediction, self._target = prediction, target
        return float(self._output())

    def backward(self) -> ndarray:
        """``∂loss/∂prediction`` for the last ``forward``, shape of ``prediction``."""
        if not self.ran:
            raise RuntimeError(f"{type(self).__name__}.backward was called before forward: run forward first.")
        grad = self._input_grad()
        check_shape(grad, self.prediction.shape, f"{type(self).__name__}._input_grad must return the prediction's shape")
        return grad

    def _output(self) -> float:
        raise NotImplementedError()

    def _input_grad(self) -> ndarray:
        raise NotImplementedError()


class MeanSquaredError(Loss):
    """``L = (1/n) Σ_i Σ_j (p_ij - y_ij)²``: squared errors summed over the k outputs, averaged over the n rows.

    Gradient: ``∂L/∂p = 2 (p - y) / n``.
    """

    def _output(self) -> float:
        n = self.prediction.shape[0]
        return float(np.sum((self.prediction - self.target) ** 2) / n)

    def _input_grad(self) -> ndarray:
        n = self.prediction.shape[0]
        return 2.0 * (self.prediction - self.target) / n


class SoftmaxCrossEntropy(Loss):
    """Softmax then cross-entropy, on logits ``z`` ``(n, k)`` and targets ``y`` ``(n, k)``.

    ``L = -(1/n) Σ_i Σ_j y_ij log softmax(z)_ij``, with ``log softmax`` computed as
    ``z - logsumexp(z)`` (stable for any logits). Every target row must be a
    probability distribution (one-hot, usually): then ``∂L/∂z = (softmax(z) - y) / n``
    exactly.
    """

    def _output(self) -> float:
        y = self.target
        if np.any(y < 0) or not np.allclose(y.sum(axis=1), 1.0, atol=1e-6):
            raise ValueError(
                "SoftmaxCrossEntropy: every target row must be non-negative and sum to 1 "
                "(one-hot labels: use dlfs.data.prepare.one_hot)"
            )
        n = self.prediction.shape[0]
        return float(-np.sum(y * log_softmax(self.prediction)) / n)

    def _input_grad(self) -> ndarray:
        n = self.prediction.shape[0]
        return (softmax(self.prediction) - self.target) / n
