"""Chapter 08: max pooling in the framework, fast.

:func:`fast_max_pool` and :func:`fast_max_pool_backward` give the same numbers as the loop versions
:func:`dlfs.convolution.max_pool` and :func:`dlfs.convolution.max_pool_backward`: non-overlapping
``size × size`` windows, height and width multiples of ``size``, and each window's gradient sent to
its **first** maximum in reading order when inputs tie (as ``np.argmax`` and PyTorch do).

A reshape (a view, no copy) splits each image into its windows, ``(n, c, h // size, size, w // size, size)``:
``blocks[:, :, i, u, j, v]`` is row ``u``, column ``v`` of window ``(i, j)``. Both passes then loop over the
``size²`` places ``(u, v)`` of a window, in reading order, each step one operation on whole arrays:

- forward: a running maximum over the ``size²`` places;
- backward: at each place, the windows whose maximum sits there and that no earlier place has claimed get
  their gradient there (so a tie goes to the first place in reading order); every other input gets 0.

(Reducing over the two window axes at once, ``blocks.max(axis=(3, 5))``, gives the same numbers but is
many times slower: NumPy reduces over short, strided axes one window at a time.)
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.nn.layers import Layer
from dlfs.nn.operations import Operation, check_shape


def _blocks(inputs: ndarray, size: int) -> ndarray:
    """``(n, c, h, w)`` -> the view ``(n, c, h // size, size, w // size, size)``: window ``(i, j)`` at ``[:, :, i, :, j, :]``."""
    if inputs.ndim != 4:
        raise ValueError(f"inputs must be (batch, channels, height, width); received shape {inputs.shape}")
    n, c, h, w = inputs.shape
    if size < 1 or h % size or w % size:
        raise ValueError(f"height and width must be multiples of size={size}; received shape {inputs.shape}")
    return inputs.reshape(n, c, h // size, size, w // size, size)


def _places(size: int) -> list[tuple[int, int]]:
    """The ``(u, v)`` places of a window, in reading order (row by row)."""
    return [(u, v) for u in range(size) for v in range(size)]


def fast_max_pool(inputs: ndarray, size: int = 2) -> ndarray:
    """``(n, c, h, w)`` -> ``(n, c, h // size, w // size)``: the largest number of every window."""
    blocks = _blocks(np.ascontiguousarray(inputs), size)
    output = blocks[:, :, :, 0, :, 0].copy()
    for u, v in _places(size)[1:]:
        np.maximum(output, blocks[:, :, :, u, :, v], out=output)
    return output


def _max_pool_backward(inputs: ndarray, output: ndarray, output_grad: ndarray, size: int) -> ndarray:
    blocks = _blocks(np.ascontiguousarray(inputs), size)
    check_shape(output_grad, output.shape, "output_grad must have the pooled output's shape")
    input_grad = np.zeros(inputs.shape, dtype=np.result_type(output_grad, np.float32))
    grad_blocks = input_grad.reshape(blocks.shape)
    unclaimed = np.ones(output.shape, dtype=bool)  # windows whose gradient has found no place yet
    for u, v in _places(size):
        here = blocks[:, :, :, u, :, v] == output
        here &= unclaimed  # a tie: an earlier place (in reading order) has it already
        np.copyto(grad_blocks[:, :, :, u, :, v], output_grad, where=here)
        unclaimed &= ~here
    return input_grad


def fast_max_pool_backward(inputs: ndarray, output_grad: ndarray, size: int = 2) -> ndarray:
    """``∂L/∂inputs`` from ``output_grad`` ``(n, c, h // size, w // size)``; shape of ``inputs``."""
    return _max_pool_backward(inputs, fast_max_pool(inputs, size), np.asarray(output_grad), size)


class MaxPool2DOperation(Operation):
    """Max pooling over ``size × size`` windows: ``(n, c, h, w)`` -> ``(n, c, h // size, w // size)``."""

    def __init__(self, size: int = 2) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f"size must be >= 1; received {size}")
        self.size = size

    def _output(self) -> ndarray:
        return fast_max_pool(self.input_, self.size)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return _max_pool_backward(self.input_, self.output, output_grad, self.size)

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
