"""Chapter 08: max pooling in the framework, fast.

:func:`fast_max_pool` and :func:`fast_max_pool_backward` give the same numbers as the loop versions
:func:`dlfs.convolution.max_pool` and :func:`dlfs.convolution.max_pool_backward`: non-overlapping
``size × size`` windows, height and width multiples of ``size``, and each window's gradient sent to
its **first** maximum in reading order when inputs tie (as ``np.argmax`` and PyTorch do).

No loops: a reshape puts every window's ``size²`` numbers on a last axis of their own,
``(n, c, h // size, w // size, size²)``; ``argmax`` over that axis finds each window's winner, the
forward pass takes it, and the backward pass puts the gradient back at the same place.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.nn.layers import Layer
from dlfs.nn.operations import Operation, check_shape


def _windows(inputs: ndarray, size: int) -> ndarray:
    """``(n, c, h, w)`` -> ``(n, c, h // size, w // size, size²)``: each window's numbers in reading order."""
    if inputs.ndim != 4:
        raise ValueError(f"inputs must be (batch, channels, height, width); received shape {inputs.shape}")
    n, c, h, w = inputs.shape
    if size < 1 or h % size or w % size:
        raise ValueError(f"height and width must be multiples of size={size}; received shape {inputs.shape}")
    blocks = inputs.reshape(n, c, h // size, size, w // size, size).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(n, c, h // size, w // size, size * size)


def _winners(inputs: ndarray, size: int) -> ndarray:
    """Index (0 .. size² - 1) of every window's first maximum: ``(n, c, h // size, w // size)``."""
    return _windows(inputs, size).argmax(axis=4)


def _scatter(output_grad: ndarray, winners: ndarray, shape: tuple[int, ...], size: int) -> ndarray:
    """An array of ``shape`` holding ``output_grad`` at each window's winner and 0 elsewhere."""
    n, c, h, w = shape
    grads = np.zeros((n, c, h // size, w // size, size * size), dtype=np.result_type(output_grad, np.float32))
    np.put_along_axis(grads, winners[..., None], output_grad[..., None], axis=4)
    blocks = grads.reshape(n, c, h // size, w // size, size, size).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(shape)


def fast_max_pool(inputs: ndarray, size: int = 2) -> ndarray:
    """``(n, c, h, w)`` -> ``(n, c, h // size, w // size)``: the largest number of every window."""
    return _windows(inputs, size).max(axis=4)


def fast_max_pool_backward(inputs: ndarray, output_grad: ndarray, size: int = 2) -> ndarray:
    """``∂L/∂inputs`` from ``output_grad`` ``(n, c, h // size, w // size)``; shape of ``inputs``."""
    winners = _winners(inputs, size)
    check_shape(output_grad, winners.shape, "output_grad must have the pooled output's shape")
    return _scatter(output_grad, winners, inputs.shape, size)


class MaxPool2DOperation(Operation):
    """Max pooling over ``size × size`` windows: ``(n, c, h, w)`` -> ``(n, c, h // size, w // size)``."""

    def __init__(self, size: int = 2) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f"size must be >= 1; received {size}")
        self.size = size
        self._winners: ndarray | None = None

    def _output(self) -> ndarray:
        windows = _windows(self.input_, self.size)
        self._winners = windows.argmax(axis=4)
        return np.take_along_axis(windows, self._winners[..., None], axis=4)[..., 0]

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        assert self._winners is not None, "forward stores the winners"
        return _scatter(output_grad, self._winners, self.input_.shape, self.size)

    def __repr__(self) -> str:
        return f"MaxPool2DOperation(size={self.size})"


class MaxPool2D(Layer):
    """A layer without parameters: max pooling over ``size × size`` windows, for every image and channel."""

    def __init__(self, size: int = 2) -> None:
        super().__init__(1)  # the number of channels is known at the first forward
        if size < 1:
            raise ValueError(f"size must be >= 1; received {size}")
        self.size = size

    def _setup(self, input_: ndarray) -> None:
        if input_.ndim != 4:
            raise ValueError(f"MaxPool2D expects images (n, channels, height, width); received shape {input_.shape}")
        self.neurons = input_.shape[1]
        self.operations = [MaxPool2DOperation(self.size)]

    def __repr__(self) -> str:
        return f"MaxPool2D({self.size})"
