"""Chapter 06: a neural network, layers plus a loss.

``forward`` runs the batch ``X`` through the layers to a prediction ``(n, k)``;
``backward`` sends the loss gradient ``(n, k)`` back through them, in reverse,
leaving every parameter's gradient in its operation. The first axis of ``X`` is
the batch: ``(n, n_features)`` for Dense layers, ``(n, channels, height, width)``
for images (chapter 08's Conv2D, MaxPool2D and Flatten layers).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.nn.layers import Layer
from dlfs.nn.losses import Loss


class NeuralNetwork:
    """Layers and a loss.

    Args:
        layers: applied in order.
        loss: the loss of the output.
        seed: if given, layer ``i`` without a seed of its own gets ``seed + i``
            (reproducible weights and dropout masks).

    ``training`` (default ``True``) is passed to every operation on ``forward``:
    set it to ``False`` to predict (dropout becomes the identity).
    """

    def __init__(self, layers: list[Layer], loss: Loss, seed: int | None = None) -> None:
        self.layers = list(layers)
        self.loss = loss
        self.seed = seed
        self.training = True
        if seed is not None:
            for i, layer in enumerate(self.layers):
                if layer.seed is None:
                    layer.seed = seed + i

    def forward(self, X: ndarray) -> ndarray:
        """Batch ``(n, ...)`` -> prediction ``(n, k)``."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training=self.training)
        return out

    def backward(self, loss_grad: ndarray) -> ndarray:
        """``∂L/∂prediction`` ``(n, k)`` -> ``∂L/∂X``, shape of ``X``."""
        grad = loss_grad
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def train_batch(self, X: ndarray, y: ndarray) -> float:
        """Forward, loss, backward on one batch; return the loss. Gradients are left in ``param_grads()``."""
        prediction = self.forward(X)
        loss = self.loss.forward(prediction, y)
        self.backward(self.loss.backward())
        return loss

    def predict(self, X: ndarray, batch_size: int | None = None) -> ndarray:
        """Forward in inference mode (no dropout), whatever ``training`` says; leaves ``training`` unchanged.

        ``batch_size``: if given, ``X`` goes through in slices of that many rows (the same predictions, with
        the memory of one slice: a convolution's feature maps for 60,000 images would not fit).
        """
        was_training, self.training = self.training, False
        try:
            if batch_size is None or batch_size >= len(X):
                return self.forward(X)
            return np.concatenate([self.forward(X[start : start + batch_size]) for start in range(0, len(X), batch_size)])
        finally:
            self.training = was_training

    def params(self) -> list[ndarray]:
        """Every layer's parameters, in order (the arrays themselves: updating them in place trains the net)."""
        return [p for layer in self.layers for p in layer.params()]

    def param_grads(self) -> list[ndarray]:
        """The gradients of the last ``backward``, in the order of :meth:`params`."""
        return [g for layer in self.layers for g in layer.param_grads()]
