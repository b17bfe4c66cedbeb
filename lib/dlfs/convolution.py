"""Chapter 08: convolution and max pooling, forward and backward, written with plain loops.

A convolution in deep learning slides a small **kernel** over its input and, at every
position, multiplies the kernel with the part of the input under it and adds up the
products. The kernel is *not* flipped in the forward pass (mathematicians call that a
cross-correlation; every deep-learning library calls it a convolution).

Conventions, as in PyTorch:

- 1-D: a batch of signals ``inputs`` ``(batch, length)`` and one kernel ``(kernel_size,)``
  of odd size, "same" padding: ``p = (kernel_size - 1) // 2`` zeros on each side, so the
  output has the input's shape::

      output[b, i] = Σ_j padded[b, i + j] · kernel[j]

- 2-D: images ``inputs`` ``(batch, in_channels, height, width)`` and kernels
  ``(out_channels, in_channels, kernel_h, kernel_w)``; ``padding`` adds ``(ph, pw)`` zero rows
  and columns on each side: ``"valid"`` none, ``"same"`` ``((kernel_h - 1) // 2, (kernel_w - 1) // 2)``
  (odd kernels only: the output keeps the input's height and width), ``"full"``
  ``(kernel_h - 1, kernel_w - 1)`` (every position where kernel and input overlap at all)::

      output[b, o, i, j] = Σ_c Σ_u Σ_v padded[b, c, i + u, j + v] · kernels[o, c, u, v]

  shape ``(batch, out_channels, height + 2·ph - kernel_h + 1, width + 2·pw - kernel_w + 1)``.

- Backward, for any upstream gradient ``output_grad`` (shape of the output):
  the input gradient is the **full** correlation of ``output_grad`` with the **flipped**
  kernel (in and out channels swapped), and the kernel gradient is the correlation of the
  padded input with ``output_grad``, **summed over the batch** (one kernel serves every image).

- Max pooling: non-overlapping ``size × size`` windows (stride = size); height and width must be
  multiples of ``size``. Its backward sends each window's gradient to the window's largest input;
  when several inputs tie for the largest, to the **first** of them in reading order (row by row,
  left to right), as ``np.argmax`` and PyTorch do.

These are the slow, readable versions the notebook derives; :mod:`dlfs.nn.conv` and
:mod:`dlfs.nn.pooling` compute the same numbers fast, for training.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

#: The padding names :func:`conv_2d` accepts.
PADDINGS = ("valid", "same", "full")


# ---------------------------------------------------------------- shapes and padding


def padding_amounts(kernel_shape: tuple[int, ...], padding: str) -> tuple[int, ...]:
    """Zeros to add on each side of every spatial axis for a kernel of ``kernel_shape``.

    ``"valid"``: 0; ``"same"``: ``(k - 1) // 2`` (``k`` odd, else ``ValueError``); ``"full"``: ``k - 1``.
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}; received {padding!r}")
    if padding == "valid":
        return tuple(0 for _ in kernel_shape)
    if padding == "full":
        return tuple(k - 1 for k in kernel_shape)
    if any(k % 2 == 0 for k in kernel_shape):
        raise ValueError(f"'same' padding needs odd kernel sizes (a centre); received kernel shape {tuple(kernel_shape)}")
    return tuple((k - 1) // 2 for k in kernel_shape)


def pad_1d(inputs: ndarray, p: int) -> ndarray:
    """``inputs`` ``(batch, length)`` with ``p`` zeros added at both ends: ``(batch, length + 2p)``."""
    return np.pad(inputs, ((0, 0), (p, p)))


def pad_2d(inputs: ndarray, ph: int, pw: int) -> ndarray:
    """``inputs`` ``(batch, channels, h, w)`` with ``ph`` zero rows above and below and ``pw`` zero
    columns left and right: ``(batch, channels, h + 2ph, w + 2pw)``."""
    return np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _check_1d(inputs: ndarray, kernel: ndarray) -> None:
    if inputs.ndim != 2:
        raise ValueError(f"inputs must be a batch of signals (batch, length); received shape {inputs.shape}")
    if kernel.ndim != 1 or kernel.shape[0] % 2 == 0:
        raise ValueError(f"kernel must be 1-D of odd size (kernel_size,); received shape {kernel.shape}")


def _check_2d(inputs: ndarray, kernels: ndarray) -> None:
    if inputs.ndim != 4:
        raise ValueError(f"inputs must be (batch, in_channels, height, width); received shape {inputs.shape}")
    if kernels.ndim != 4 or kernels.shape[1] != inputs.shape[1]:
        raise ValueError(
            f"kernels must be (out_channels, in_channels={inputs.shape[1]}, kernel_h, kernel_w) for inputs of shape "
            f"{inputs.shape}; received shape {kernels.shape}"
        )


def _check_grad(output_grad: ndarray, expected: tuple[int, ...]) -> None:
    if output_grad.shape != expected:
        raise ValueError(f"output_grad must have the output's shape {expected}; received shape {output_grad.shape}")


# ---------------------------------------------------------------- 1-D


def conv_1d(inputs: ndarray, kernel: ndarray) -> ndarray:
    """A batch of signals ``(batch, length)`` convolved with one kernel ``(k,)``, "same" padding.

    ``output[b, i] = Σ_j padded[b, i + j] · kernel[j]``, shape ``(batch, length)``.
    """
    _check_1d(inputs, kernel)
    k = kernel.shape[0]
    padded = pad_1d(inputs, (k - 1) // 2)
    output = np.zeros(inputs.shape)
    for i in range(inputs.shape[1]):
        output[:, i] = padded[:, i : i + k] @ kernel  # the window under the kernel, for every signal at once
    return output


def conv_1d_backward(inputs: ndarray, kernel: ndarray, output_grad: ndarray) -> tuple[ndarray, ndarray]:
    """Gradients of ``L`` through :func:`conv_1d`, given ``output_grad = ∂L/∂output`` ``(batch, length)``.

    - ``input_grad[b, m] = Σ_i output_grad[b, i] · kernel[m - i + p]``: the output gradient, padded
      with ``k - 1 - p`` zeros, correlated with the **flipped** kernel; shape ``(batch, length)``.
    - ``kernel_grad[j] = Σ_b Σ_i output_grad[b, i] · padded[b, i + j]``: summed over the batch; shape ``(k,)``.

    Returns ``(input_grad, kernel_grad)``.
    """
    _check_1d(inputs, kernel)
    _check_grad(output_grad, inputs.shape)
    k, length = kernel.shape[0], inputs.shape[1]
    p = (k - 1) // 2
    grad_padded = pad_1d(output_grad, k - 1 - p)
    flipped = kernel[::-1]
    input_grad = np.zeros(inputs.shape)
    for m in range(length):
        input_grad[:, m] = grad_padded[:, m : m + k] @ flipped
    padded = pad_1d(inputs, p)
    kernel_grad = np.zeros(k)
    for j in range(k):
        kernel_grad[j] = np.sum(output_grad * padded[:, j : j + length])  # every signal, every position
    return input_grad, kernel_grad


# ---------------------------------------------------------------- 2-D, batches, channels


def conv_2d(inputs: ndarray, kernels: ndarray, padding: str = "same") -> ndarray:
    """Images ``(batch, in_channels, h, w)`` convolved with kernels ``(out_channels, in_channels, kh, kw)``.

    ``output[b, o, i, j] = Σ_c Σ_u Σ_v padded[b, c, i + u, j + v] · kernels[o, c, u, v]``,
    shape ``(batch, out_channels, h + 2·ph - kh + 1, w + 2·pw - kw + 1)``.
    """
    _check_2d(inputs, kernels)
    kh, kw = kernels.shape[2:]
    ph, pw = padding_amounts((kh, kw), padding)
    padded = pad_2d(inputs, ph, pw)
    out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {kh}x{kw} kernel does not fit in {padding!r}-padded images of shape {inputs.shape}")
    output = np.zeros((inputs.shape[0], kernels.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, :, i : i + kh, j : j + kw]  # (batch, in_channels, kh, kw)
            # every image times every kernel, summed over in_channels, kh and kw: (batch, out_channels)
            output[:, :, i, j] = np.tensordot(window, kernels, axes=([1, 2, 3], [1, 2, 3]))
    return output


def conv_2d_backward(inputs: ndarray, kernels: ndarray, output_grad: ndarray,
                     padding: str = "same") -> tuple[ndarray, ndarray]:
    """Gradients of ``L`` through :func:`conv_2d`, given ``output_grad = ∂L/∂output``.

    - ``input_grad``: ``output_grad`` padded with ``(kh - 1 - ph, kw - 1 - pw)`` and correlated with the
      kernels **flipped** in both spatial axes, in and out channels swapped; shape of ``inputs``.
    - ``kernel_grad[o, c, u, v] = Σ_b Σ_i Σ_j output_grad[b, o, i, j] · padded[b, c, i + u, j + v]``:
      **summed over the batch**; shape of ``kernels``.

    Returns ``(input_grad, kernel_grad)``.
    """
    _check_2d(inputs, kernels)
    kh, kw = kernels.shape[2:]
    ph, pw = padding_amounts((kh, kw), padding)
    padded = pad_2d(inputs, ph, pw)
    out_h, out_w = padded.shape[2] - kh + 1, padded.shape[3] - kw + 1
    _check_grad(output_grad, (inputs.shape[0], kernels.shape[0], out_h, out_w))

    flipped = kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (in_channels, out_channels, kh, kw)
    grad_padded = pad_2d(output_grad, kh - 1 - ph, kw - 1 - pw)
    input_grad = np.zeros(inputs.shape)
    for i in range(inputs.shape[2]):
        for j in range(inputs.shape[3]):
            window = grad_padded[:, :, i : i + kh, j : j + kw]  # (batch, out_channels, kh, kw)
            input_grad[:, :, i, j] = np.tensordot(window, flipped, axes=([1, 2, 3], [1, 2, 3]))

    kernel_grad = np.zeros(kernels.shape)
    for u in range(kh):
        for v in range(kw):
            shifted = padded[:, :, u : u + out_h, v : v + out_w]  # what kernels[:, :, u, v] multiplied
            # Σ over batch and positions of output_grad[b, o] · shifted[b, c]: (out_channels, in_channels)
            kernel_grad[:, :, u, v] = np.tensordot(output_grad, shifted, axes=([0, 2, 3], [0, 2, 3]))
    return input_grad, kernel_grad


# ---------------------------------------------------------------- max pooling


def _check_pool(inputs: ndarray, size: int) -> None:
    if inputs.ndim != 4:
        raise ValueError(f"inputs must be (batch, channels, height, width); received shape {inputs.shape}")
    if size < 1 or inputs.shape[2] % size or inputs.shape[3] % size:
        raise ValueError(f"height and width must be multiples of size={size}; received shape {inputs.shape}")


def max_pool(inputs: ndarray, size: int = 2) -> ndarray:
    """The largest value of every ``size × size`` window (no overlap), for every image and channel.

    ``inputs`` ``(batch, channels, h, w)`` -> ``(batch, channels, h // size, w // size)``.
    """
    _check_pool(inputs, size)
    n, c, h, w = inputs.shape
    output = np.zeros((n, c, h // size, w // size))
    for i in range(h // size):
        for j in range(w // size):
            window = inputs[:, :, i * size : (i + 1) * size, j * size : (j + 1) * size]
            output[:, :, i, j] = window.max(axis=(2, 3))
    return output


def max_pool_backward(inputs: ndarray, output_grad: ndarray, size: int = 2) -> ndarray:
    """Gradient of ``L`` through :func:`max_pool`, given ``output_grad`` ``(batch, channels, h // size, w // size)``.

    Each window's gradient goes, whole, to the input that was the window's maximum; the other
    inputs of the window get 0. Ties: the **first** maximum in reading order (row by row) gets it.
    Shape of ``inputs``.
    """
    _check_pool(inputs, size)
    n, c, h, w = inputs.shape
    _check_grad(output_grad, (n, c, h // size, w // size))
    input_grad = np.zeros(inputs.shape)
    batch, channel = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(h // size):
        for j in range(w // size):
            window = inputs[:, :, i * size : (i + 1) * size, j * size : (j + 1) * size].reshape(n, c, size * size)
            first = window.argmax(axis=2)  # (n, c): the first maximum, in reading order
            row, col = i * size + first // size, j * size + first % size
            input_grad[batch, channel, row, col] = output_grad[:, :, i, j]
    return input_grad
