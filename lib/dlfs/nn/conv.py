"""Chapter 08: convolution in the framework, fast; and Flatten, from feature maps to a row per image.

:func:`fast_conv_2d` and :func:`fast_conv_2d_backward` give the same numbers as the loop versions
:func:`dlfs.convolution.conv_2d` and :func:`dlfs.convolution.conv_2d_backward` (same shapes, same
``padding`` names), but turn the whole convolution into three matrix products:

1. **Patches** (*im2col*). Every kernel weight ``kernels[o, c, u, v]`` multiplies the padded input
   shifted by ``(u, v)``. Stack those shifted copies as the rows of one matrix ``cols``
   ``(in_channels·kh·kw, batch·positions)``; then ``output = kernels.reshape(out_channels, -1) @ cols``.
2. **Kernel gradient**: ``output_grad`` as a matrix ``(out_channels, batch·positions)`` times ``cols.T``.
   The product sums over every image and position at once: over the batch, as it must.
3. **Input gradient**: ``kernels.T @ output_grad`` gives, for every patch, what it sends back; adding the
   patches back where they came from (*col2im*, one slice per kernel offset) is the full correlation
   with the flipped kernel.

**Layout care.** Each channel of a padded image is kept as *one long row* (the padded rows one after
another). Shifting by ``(u, v)`` is then a shift by ``u·padded_width + v`` along that row, so the patches
of one kernel offset are one contiguous slice, and building ``cols`` and adding back into the input
gradient are ``kh·kw`` fast slice copies. The price: the outputs are computed on the padded width, and
the last ``kw - 1`` columns of each row (which wrap around into the next row) are thrown away. Arrays
are ordered ``(channels, batch, ...)`` inside, so every product is one large matrix product; float32
stays float32.

:class:`Conv2D` is the layer ``Conv2DOperation -> ChannelBias -> activation``; :class:`Flatten` turns
``(batch, channels, h, w)`` into ``(batch, channels·h·w)`` for the :class:`dlfs.nn.layers.Dense` layers after it.
"""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from dlfs.convolution import padding_amounts
from dlfs.nn.layers import Layer
from dlfs.nn.operations import Operation, ParamOperation, ReLU, check_shape

#: Initializers by the name :class:`Conv2D` accepts in ``weight_init``: the standard deviation of the
#: normal distribution the kernels are drawn from, given fan_in = in_channels·kh·kw and fan_out = out_channels·kh·kw.
CONV_INITIALIZERS = {
    "glorot": lambda fan_in, fan_out: float(np.sqrt(2.0 / (fan_in + fan_out))),
    "he": lambda fan_in, fan_out: float(np.sqrt(2.0 / fan_in)),
}


# ---------------------------------------------------------------- the fast kernels


def _check(inputs: ndarray, kernels: ndarray) -> None:
    if inputs.ndim != 4:
        raise ValueError(f"inputs must be (batch, in_channels, height, width); received shape {inputs.shape}")
    if kernels.ndim != 4 or kernels.shape[1] != inputs.shape[1]:
        raise ValueError(
            f"kernels must be (out_channels, in_channels={inputs.shape[1]}, kernel_h, kernel_w) for inputs of shape "
            f"{inputs.shape}; received shape {kernels.shape}"
        )


def _geometry(inputs: ndarray, kernels: ndarray, padding: str) -> tuple[int, int, int, int, int, int]:
    """``(ph, pw, padded_h, padded_w, out_h, out_w)``."""
    _check(inputs, kernels)
    kh, kw = kernels.shape[2:]
    ph, pw = padding_amounts((kh, kw), padding)
    padded_h, padded_w = inputs.shape[2] + 2 * ph, inputs.shape[3] + 2 * pw
    out_h, out_w = padded_h - kh + 1, padded_w - kw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {kh}x{kw} kernel does not fit in {padding!r}-padded images of shape {inputs.shape}")
    return ph, pw, padded_h, padded_w, out_h, out_w


def _offsets(kernels: ndarray, padded_w: int) -> list[int]:
    """Where kernel cell ``(u, v)`` sits along a padded image's long row: ``u·padded_w + v``, in reading order."""
    kh, kw = kernels.shape[2:]
    return [u * padded_w + v for u in range(kh) for v in range(kw)]


class Workspace:
    """Scratch arrays kept from one call to the next, so their memory is reused instead of asked for again.

    A fresh large array costs more than it seems: the operating system hands out new memory page by page, and
    every first touch of a page is a page fault. A :class:`Conv2DOperation` keeps one workspace; its scratch
    arrays (the padded images, the patches, the gradients on the padded width) never leave it.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype, zero: str) -> ndarray:
        """Array ``name`` of ``shape`` and ``dtype``. ``zero``: ``"never"`` (every element will be overwritten),
        ``"once"`` (zeros when created; the caller overwrites the same elements every time and relies on the
        others staying 0), ``"always"`` (zeros at every call)."""
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = np.zeros(shape, dtype) if zero != "never" else np.empty(shape, dtype)
            self._arrays[name] = array
        elif zero == "always":
            array.fill(0)
        return array


def _scratch(space: Workspace | None, name: str, shape: tuple[int, ...], dtype: np.dtype, zero: str) -> ndarray:
    """A scratch array from ``space``, or a new one if there is no workspace."""
    if space is None:
        return np.zeros(shape, dtype) if zero != "never" else np.empty(shape, dtype)
    return space.get(name, shape, dtype, zero)


def _patches(inputs: ndarray, kernels: ndarray, padding: str, space: Workspace | None = None) -> ndarray:
    """``cols`` ``(in_channels·kh·kw, batch·out_h·padded_w)``: row ``(c, u, v)`` is channel ``c`` shifted by ``(u, v)``."""
    ph, pw, padded_h, padded_w, out_h, _ = _geometry(inputs, kernels, padding)
    n, c, h, w = inputs.shape
    dtype = np.result_type(inputs, np.float32)
    # (channels, batch, rows, padded_w), one spare zero row so the last shifts stay inside; only the inside is written
    padded = _scratch(space, "padded", (c, n, padded_h + 1, padded_w), dtype, zero="once")
    padded[:, :, ph : ph + h, pw : pw + w] = inputs.transpose(1, 0, 2, 3)
    rows = padded.reshape(c, n, -1)  # each padded image as one long row
    length = out_h * padded_w
    offsets = _offsets(kernels, padded_w)
    cols = _scratch(space, "cols", (c, len(offsets), n, length), dtype, zero="never")
    for t, offset in enumerate(offsets):
        cols[:, t] = rows[:, :, offset : offset + length]
    return cols.reshape(c * len(offsets), n * length)


def _forward(inputs: ndarray, kernels: ndarray, padding: str, space: Workspace | None = None) -> tuple[ndarray, ndarray]:
    """``(output, cols)``: the convolution and the patches its backward pass reuses."""
    _, _, _, padded_w, out_h, out_w = _geometry(inputs, kernels, padding)
    cols = _patches(inputs, kernels, padding, space)
    kernels_2d = kernels.reshape(kernels.shape[0], -1).astype(cols.dtype, copy=False)
    wide = _scratch(space, "wide", (kernels.shape[0], cols.shape[1]), cols.dtype, zero="never")
    np.matmul(kernels_2d, cols, out=wide)  # (out_channels, batch·out_h·padded_w)
    wide_4d = wide.reshape(kernels.shape[0], inputs.shape[0], out_h, padded_w)
    return np.ascontiguousarray(wide_4d[:, :, :, :out_w].transpose(1, 0, 2, 3)), cols


def _backward(inputs: ndarray, kernels: ndarray, output_grad: ndarray, padding: str,
              cols: ndarray | None = None, space: Workspace | None = None) -> tuple[ndarray, ndarray]:
    """``(input_grad, kernel_grad)``, reusing ``cols`` from the forward pass if given."""
    ph, pw, padded_h, padded_w, out_h, out_w = _geometry(inputs, kernels, padding)
    n, c, h, w = inputs.shape
    out_channels = kernels.shape[0]
    check_shape(output_grad, (n, out_channels, out_h, out_w), "output_grad must have the output's shape")
    if cols is None:
        cols = _patches(inputs, kernels, padding, space)
    # output_grad on the padded width, zeros in the thrown-away columns: (out_channels, batch·out_h·padded_w)
    wide = _scratch(space, "wide_grad", (out_channels, n, out_h, padded_w), cols.dtype, zero="once")
    wide[:, :, :, :out_w] = output_grad.transpose(1, 0, 2, 3)
    wide_grad = wide.reshape(out_channels, -1)
    kernels_2d = kernels.reshape(out_channels, -1).astype(cols.dtype, copy=False)

    kernel_grad = (wide_grad @ cols.T).reshape(kernels.shape)  # sums over batch and positions at once
    length = out_h * padded_w
    offsets = _offsets(kernels, padded_w)
    patch_grads = _scratch(space, "patch_grads", (kernels_2d.shape[1], wide_grad.shape[1]), cols.dtype, zero="never")
    np.matmul(kernels_2d.T, wide_grad, out=patch_grads)
    patch_grads_4d = patch_grads.reshape(c, len(offsets), n, length)
    rows = _scratch(space, "rows", (c, n, (padded_h + 1) * padded_w), cols.dtype, zero="always")
    for t, offset in enumerate(offsets):
        rows[:, :, offset : offset + length] += patch_grads_4d[:, t]  # col2im: each patch back where it came from
    padded_grad = rows.reshape(c, n, padded_h + 1, padded_w)
    input_grad = np.ascontiguousarray(padded_grad[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3))
    return input_grad, kernel_grad


def fast_conv_2d(inputs: ndarray, kernels: ndarray, padding: str = "same") -> ndarray:
    """The convolution of :func:`dlfs.convolution.conv_2d`, as matrix products.

    ``inputs`` ``(batch, in_channels, h, w)``, ``kernels`` ``(out_channels, in_channels, kh, kw)``;
    returns ``(batch, out_channels, out_h, out_w)``.
    """
    return _forward(inputs, kernels, padding)[0]


def fast_conv_2d_backward(inputs: ndarray, kernels: ndarray, output_grad: ndarray,
                          padding: str = "same") -> tuple[ndarray, ndarray]:
    """``(input_grad, kernel_grad)`` of :func:`dlfs.convolution.conv_2d_backward`, as matrix products."""
    return _backward(inputs, kernels, output_grad, padding)


# ---------------------------------------------------------------- operations and layers


class Conv2DOperation(ParamOperation):
    """``output = conv(input_, kernels)``: input ``(n, in_channels, h, w)``, param (kernels)
    ``(out_channels, in_channels, kh, kw)``, output ``(n, out_channels, out_h, out_w)``."""

    def __init__(self, kernels: ndarray, padding: str = "same") -> None:
        if np.ndim(kernels) != 4:
            raise ValueError(f"kernels must be 4-D (out_channels, in_channels, kh, kw); received shape {np.shape(kernels)}")
        padding_amounts(np.shape(kernels)[2:], padding)  # a clear error for a bad padding now, not at forward
        super().__init__(kernels)
        self.padding = padding
        self._cols: ndarray | None = None
        self._kernel_grad: ndarray | None = None
        self._space = Workspace()

    def _output(self) -> ndarray:
        output, self._cols = _forward(self.input_, self.param, self.padding, self._space)
        return output

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        # one pass computes both gradients (they share the patches); backward asks for the input's first
        input_grad, self._kernel_grad = _backward(self.input_, self.param, output_grad, self.padding, self._cols,
                                                  self._space)
        return input_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        assert self._kernel_grad is not None, "ParamOperation.backward computes the input gradient first"
        return self._kernel_grad

    def __repr__(self) -> str:
        return f"Conv2DOperation(kernels of shape {self.param.shape}, padding={self.padding!r})"


class ChannelBias(ParamOperation):
    """``output = input_ + B`` with one bias per channel: ``B`` ``(channels,)``, input and output ``(n, channels, h, w)``."""

    def __init__(self, B: ndarray) -> None:
        if np.ndim(B) != 1:
            raise ValueError(f"B must be 1-D, one bias per channel (channels,); received shape {np.shape(B)}")
        super().__init__(B)

    def _output(self) -> ndarray:
        X, B = self.input_, self.param
        if X.ndim != 4 or X.shape[1] != B.shape[0]:
            raise ValueError(f"ChannelBias: input must be (n, {B.shape[0]}, h, w); received shape {X.shape}")
        return X + B.reshape(1, -1, 1, 1).astype(X.dtype, copy=False)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.sum(axis=(0, 2, 3))  # each bias was added at every image and position


class Conv2D(Layer):
    """A convolution layer: ``out_channels`` kernels of ``kernel_size``, a bias per channel, an activation.

    Args:
        out_channels: the number of kernels (feature maps out).
        kernel_size: ``k`` for ``k × k`` kernels, or ``(kh, kw)``.
        activation: an :class:`Operation` (default :class:`ReLU`); the layer uses its own copy.
        padding: ``"same"`` (default), ``"valid"`` or ``"full"`` (see :mod:`dlfs.convolution`).
        weight_init: ``"glorot"`` (default) or ``"he"``; kernels ~ N(0, std²) with std from
            :data:`CONV_INITIALIZERS`; biases start at 0.
        seed: seeds the kernels; :class:`dlfs.nn.network.NeuralNetwork` sets it if it is ``None``.

    Input ``(n, in_channels, h, w)`` -> output ``(n, out_channels, out_h, out_w)``; the kernels
    ``(out_channels, in_channels, kh, kw)`` are created at the first ``forward``.
    """

    def __init__(self, out_channels: int, kernel_size: int | tuple[int, int] = 3, activation: Operation | None = None,
                 padding: str = "same", weight_init: str = "glorot", seed: int | None = None) -> None:
        super().__init__(out_channels, seed)
        self.kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
        if len(self.kernel_size) != 2 or min(self.kernel_size) < 1:
            raise ValueError(f"kernel_size must be k or (kh, kw) with sizes >= 1; received {kernel_size!r}")
        padding_amounts(self.kernel_size, padding)
        if weight_init not in CONV_INITIALIZERS:
            raise ValueError(f"weight_init must be one of {sorted(CONV_INITIALIZERS)}; received {weight_init!r}")
        self.activation = copy.deepcopy(activation) if activation is not None else ReLU()
        self.padding = padding
        self.weight_init = weight_init

    def _setup(self, input_: ndarray) -> None:
        if input_.ndim != 4:
            raise ValueError(f"Conv2D expects images (n, in_channels, height, width); received shape {input_.shape}")
        kh, kw = self.kernel_size
        in_channels = input_.shape[1]
        std = CONV_INITIALIZERS[self.weight_init](in_channels * kh * kw, self.neurons * kh * kw)
        kernels = np.random.default_rng(self.seed).normal(0.0, std, size=(self.neurons, in_channels, kh, kw))
        self.operations = [Conv2DOperation(kernels, self.padding), ChannelBias(np.zeros(self.neurons)), self.activation]

    def __repr__(self) -> str:
        return (f"Conv2D({self.neurons}, kernel_size={self.kernel_size}, activation={type(self.activation).__name__}(), "
                f"padding={self.padding!r}, weight_init={self.weight_init!r})")


class FlattenOperation(Operation):
    """``(n, d1, d2, ...)`` -> ``(n, d1·d2·...)``, each image's numbers in one row; backward reshapes back."""

    def _output(self) -> ndarray:
        return self.input_.reshape(self.input_.shape[0], -1)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.reshape(self.input_.shape)


class Flatten(Layer):
    """A layer without parameters: ``(n, channels, h, w)`` -> ``(n, channels·h·w)``, for Dense layers after it."""

    def __init__(self) -> None:
        super().__init__(1)  # the real width is known at the first forward

    def _setup(self, input_: ndarray) -> None:
        if input_.ndim < 2:
            raise ValueError(f"Flatten expects a batch (n, ...); received shape {input_.shape}")
        self.neurons = int(np.prod(input_.shape[1:]))
        self.operations = [FlattenOperation()]

    def __repr__(self) -> str:
        return "Flatten()"
