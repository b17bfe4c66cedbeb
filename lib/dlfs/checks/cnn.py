"""Checks for chapter 08_cnn: convolution and max pooling, forward and backward.

- :func:`check_conv_1d` -- a batch of signals ``(batch, length)`` convolved with one odd kernel, "same" padding.
- :func:`check_conv_1d_backward` -- ``(input_grad, kernel_grad)`` of that convolution for a random ``output_grad``.
- :func:`check_conv_2d_backward` -- ``(input_grad, kernel_grad)`` of a 2-D convolution with batches, several
  input and output channels, non-square images and kernels, "same" and "valid" padding.
- :func:`check_max_pool_backward` -- the gradient through max pooling, ties included: the whole gradient of a
  window goes to its **first** maximum in reading order (row by row, left to right).

Every gradient is compared with a central-difference gradient (float64) of the true function for an
upstream gradient ``output_grad`` of random numbers (never all ones: a backward pass that ignores it shows),
on batches of more than one item with several channels, never only square. The mistakes that only show then
-- a kernel gradient not summed over the batch, a kernel not flipped, input and output channels mixed up,
ties sent to every maximum -- are named in the hint. The learner always gets fresh copies; a function that
changes them in place fails with a message that says so.

The learner's function may live in another process, reached over the class grader's data-only channel:
the checks pass it arrays, numbers and strings, and read everything back from what it returns. They compute
what they compare with by their own means (``sliding_window_view`` and ``einsum``), never with the library
functions the exercises ask for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from dlfs.checks.gradcheck import HINT_NONE, CheckFailed, as_float_array, assert_close, call_learner, check_gradient

#: conv_1d and conv_1d_backward: (batch, length, kernel_size). Batch > 1, kernels asymmetric and odd.
VISIBLE_CONV_1D: tuple[tuple[int, int, int], ...] = ((3, 10, 3), (2, 7, 5), (4, 6, 1))
HIDDEN_CONV_1D: tuple[tuple[int, int, int], ...] = ((5, 12, 7), (2, 9, 3), (3, 5, 5), (1, 8, 3))

#: conv_2d_backward: (batch, in_channels, height, width, out_channels, kernel_h, kernel_w, padding).
VISIBLE_CONV_2D: tuple[tuple[int, int, int, int, int, int, int, str], ...] = (
    (2, 3, 5, 6, 4, 3, 3, "same"),
    (3, 2, 4, 7, 3, 3, 5, "same"),
    (2, 2, 6, 5, 3, 2, 3, "valid"),
)
HIDDEN_CONV_2D: tuple[tuple[int, int, int, int, int, int, int, str], ...] = (
    (4, 3, 6, 4, 2, 5, 3, "same"),
    (3, 4, 5, 7, 4, 3, 3, "same"),  # in_channels == out_channels: mixed-up channels have the right shape
    (2, 1, 7, 5, 3, 3, 2, "valid"),
    (3, 2, 4, 6, 2, 1, 3, "same"),
)

#: max_pool_backward: (batch, channels, height, width, size).
VISIBLE_POOL: tuple[tuple[int, int, int, int, int], ...] = ((2, 3, 4, 6, 2), (3, 2, 6, 3, 3))
HIDDEN_POOL: tuple[tuple[int, int, int, int, int], ...] = ((4, 3, 8, 4, 2), (2, 4, 6, 9, 3), (3, 2, 4, 8, 4))

# ---------------------------------------------------------------- hints

HINT_1D_FLIPPED = (
    "you flipped the kernel (this is what np.convolve computes). In deep learning the kernel slides over the "
    "signal as it is: output[b, i] = Σ_j padded[b, i + j] · kernel[j] (np.correlate, not np.convolve)."
)
HINT_1D_VALID = (
    "your output is shorter than the input: that is 'valid' padding (none). 'Same' padding adds p = (k - 1) // 2 "
    "zeros at each end of every signal first, so the output keeps the input's length."
)
HINT_1D_FULL = (
    "your output is longer than the input: you padded k - 1 zeros at each end ('full' padding). 'Same' padding adds "
    "p = (k - 1) // 2 at each end."
)
HINT_1D_ONE_SIDE = (
    "your output is shifted: you padded one end only. 'Same' padding puts p = (k - 1) // 2 zeros at *each* end, "
    "so the kernel's centre sits on position i."
)
HINT_PAD_BATCH = (
    "np.pad(inputs, p) pads every axis, the batch axis too (you got zero signals added). Pad the length axis only: "
    "np.pad(inputs, ((0, 0), (p, p)))."
)
HINT_1D_BLEED = (
    "the signals leak into each other at their ends: you treated the batch as one long signal. Pad and convolve "
    "each signal (each row) on its own."
)
HINT_FIRST_ONLY = "every row of your result belongs to the first item of the batch: use each item's own input."
HINT_NOT_FLIPPED = (
    "this input gradient uses the kernel as it is. Input position m was multiplied by kernel[m - i + p] to make "
    "output i, so going backward the kernel is read in reverse: correlate the (padded) output_grad with the "
    "FLIPPED kernel, kernel[::-1]."
)
HINT_NOT_FLIPPED_2D = (
    "this input gradient uses the kernels as they are. Going backward, each kernel is read in reverse in both "
    "directions: correlate the padded output_grad with kernels[:, :, ::-1, ::-1] (and in/out channels swapped)."
)
HINT_CHANNELS_2D = (
    "the input and output channels are mixed up: input channel c gets back Σ over output channels o of "
    "output_grad[b, o] correlated with the flipped kernels[o, c]. Swap the kernels' first two axes, "
    "kernels.transpose(1, 0, 2, 3), before using them as the backward pass's kernels."
)
HINT_IGNORED_GRAD = (
    "your gradient is what you get for output_grad = all ones: the upstream gradient must be used. By the chain "
    "rule each output's gradient output_grad[...] multiplies everything that output depended on."
)
HINT_NOT_CROPPED = (
    "this is the gradient with respect to the *padded* input. The padding zeros are not inputs: drop the padded "
    "rows and columns (p at each end) before returning it."
)
HINT_NOT_SUMMED = (
    "you returned one kernel gradient per item of the batch. There is one kernel for the whole batch, and it was "
    "used on every item: add their contributions up, Σ over the batch (axis 0)."
)
HINT_MEAN_BATCH = (
    "you averaged the kernel gradient over the batch; the loss here is Σ output_grad · output, so the batch's "
    "contributions are added up, not averaged (any 1/batch is already inside output_grad)."
)
HINT_FIRST_ITEM_KERNEL = (
    "your kernel gradient comes from the first item of the batch only. The kernel was used on every item: "
    "add up the contributions of all of them."
)
HINT_KERNEL_GRAD_FLIPPED = (
    "your kernel gradient is flipped. kernel[j] multiplied padded[b, i + j], so its gradient is "
    "Σ_b Σ_i output_grad[b, i] · padded[b, i + j]: the padded input read forwards, not flipped."
)
HINT_KERNEL_CHANNELS = (
    "your kernel gradient has the in and out channels swapped: kernel_grad[o, c] pairs output_grad's channel o "
    "with the padded input's channel c, in the kernels' order (out_channels, in_channels, kh, kw)."
)
HINT_SWAPPED_PAIR = "you returned (kernel_grad, input_grad); the order is (input_grad, kernel_grad)."
HINT_POOL_ALL_TIES = (
    "every input equal to its window's maximum got the gradient. When several inputs tie for the maximum, only "
    "one of them is the max the forward pass used: give the whole gradient to the FIRST one in reading order "
    "(row by row, left to right: what np.argmax of the flattened window returns) and 0 to the others."
)
HINT_POOL_SPLIT = (
    "you split the gradient equally among the tied maxima. The convention here (and in PyTorch) is that the "
    "first maximum in reading order (np.argmax of the flattened window) gets all of it."
)
HINT_POOL_LAST = (
    "with ties, your gradient goes to the LAST maximum of the window; it should go to the first one in reading "
    "order (row by row, left to right), the one np.argmax of the flattened window returns."
)
HINT_POOL_COLUMNS = (
    "with ties, you picked the first maximum going down the columns. Reading order is row by row: flatten each "
    "window with reshape (rows first), then np.argmax."
)
HINT_POOL_WHOLE_WINDOW = (
    "every input of a window got the window's gradient. Only the maximum influenced the output (the others could "
    "move a little without changing it), so only the maximum gets the gradient; the others get 0."
)
HINT_POOL_MASK_ONLY = (
    "your gradient is 1 at each window's maximum: multiply by the window's output_grad (the upstream gradient) "
    "instead of 1."
)

# ---------------------------------------------------------------- reference maths (the checks' own)

Shape = tuple[int, ...]


def _conv1d(x: ndarray, w: ndarray, left: int, right: int) -> ndarray:
    """Correlation of every row of ``x`` with ``w``, after ``left``/``right`` zeros on the length axis."""
    padded = np.pad(x, ((0, 0), (left, right)))
    return sliding_window_view(padded, w.shape[0], axis=1) @ w


def _conv2d(x: ndarray, w: ndarray, ph: int, pw: int) -> ndarray:
    """``out[b, o, i, j] = Σ_c Σ_u Σ_v padded[b, c, i + u, j + v] · w[o, c, u, v]``."""
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = sliding_window_view(padded, w.shape[2:], axis=(2, 3))  # (b, c, out_h, out_w, kh, kw)
    return np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)


def _central_differences(loss_of_stack: Callable[[ndarray], ndarray], x: ndarray, delta: float = 1e-6) -> ndarray:
    """The central-difference gradient of a scalar function of ``x``, every element nudged at once.

    ``loss_of_stack`` takes a stack ``(m, *x.shape)`` of points and returns their ``m`` losses; the stack holds
    ``x + delta·e_i`` and ``x - delta·e_i`` for every element ``i`` (one batched call instead of ``2·x.size``).
    """
    nudges = (np.eye(x.size) * delta).reshape((x.size, *x.shape))
    up, down = loss_of_stack(x[None] + nudges), loss_of_stack(x[None] - nudges)
    return ((up - down) / (2 * delta)).reshape(x.shape)


def _pads(kh: int, kw: int, padding: str) -> tuple[int, int]:
    return ((kh - 1) // 2, (kw - 1) // 2) if padding == "same" else (0, 0)


def _max_pool(x: ndarray, size: int) -> ndarray:
    n, c, h, w = x.shape
    return x.reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5))


def _pool_windows(x: ndarray, size: int) -> ndarray:
    n, c, h, w = x.shape
    return x.reshape(n, c, h // size, size, w // size, size).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, h // size, w // size, size * size)


def _from_windows(values: ndarray, shape: Shape, size: int) -> ndarray:
    n, c, h, w = shape
    return values.reshape(n, c, h // size, w // size, size, size).transpose(0, 1, 2, 4, 3, 5).reshape(shape)


def _pool_grad(x: ndarray, g: ndarray, size: int, pick: str = "first") -> ndarray:
    """The gradient through max pooling with ties resolved by ``pick``: first, last, all, split, columns."""
    windows = _pool_windows(x, size)
    is_max = windows == windows.max(axis=4, keepdims=True)
    if pick == "all":
        weights = is_max.astype(float)
    elif pick == "split":
        weights = is_max / is_max.sum(axis=4, keepdims=True)
    else:
        k = size * size
        if pick == "first":
            index = is_max.argmax(axis=4)
        elif pick == "last":
            index = k - 1 - is_max[..., ::-1].argmax(axis=4)
        else:  # "columns": the first maximum going down the columns
            order = np.arange(k).reshape(size, size).T.ravel()
            index = order[is_max[..., order].argmax(axis=4)]
        weights = np.zeros(windows.shape)
        np.put_along_axis(weights, index[..., None], 1.0, axis=4)
    return _from_windows(weights * g[..., None], x.shape, size)


# ---------------------------------------------------------------- calling the learner


def _call_unchanged(func: Callable[..., Any], args: Sequence[ndarray], names: Sequence[str], call: str,
                    *options: Any) -> Any:
    """Call ``func(*copies, *options)``; fail if it changed any of the copies in place."""
    __tracebackhide__ = True
    copies = [a.copy() for a in args]
    got = call_learner(func, *copies, *options, name=call.split("(")[0])
    for name, original, given in zip(names, args, copies):
        if given.shape != original.shape or not np.array_equal(given, original):
            raise CheckFailed(f"{call} changed its argument `{name}` in place; compute new arrays and leave the "
                              "arguments as they were (no `x[...] = ...`, no `+=` on an argument).")
    return got


def _array(got: Any, call: str) -> ndarray:
    __tracebackhide__ = True
    if got is None:
        raise CheckFailed(f"{call}: {HINT_NONE}")
    return as_float_array(got, call)


def _pair(got: Any, call: str, shapes: tuple[Shape, Shape]) -> tuple[ndarray, ndarray]:
    """The learner's ``(input_grad, kernel_grad)`` as two float arrays, or a clear failure."""
    __tracebackhide__ = True
    if got is None:
        raise CheckFailed(f"{call}: {HINT_NONE} It should return (input_grad, kernel_grad).")
    try:
        n_items = len(got)
    except TypeError:
        n_items = -1
    if n_items != 2 or isinstance(got, ndarray):
        shape = getattr(got, "shape", None)
        received = (f"one array of shape {tuple(shape)}" if shape is not None
                    else type(got).__name__ + (f" with {n_items} items" if n_items >= 0 else ""))
        raise CheckFailed(f"{call} should return a pair (input_grad, kernel_grad); it returned {received}.")
    arrays = []
    for name, value in zip(("input_grad", "kernel_grad"), got):
        if value is None:
            raise CheckFailed(f"{call}: {name} is None; return the array.")
        arrays.append(as_float_array(value, f"{call}: {name}"))
    first, second = arrays
    if first.shape == shapes[1] and second.shape == shapes[0] and shapes[0] != shapes[1]:
        raise CheckFailed(f"{call}: the first array has shape {first.shape}, the kernel's, and the second "
                          f"{second.shape}, the input's.\n  Hint: {HINT_SWAPPED_PAIR}")
    return first, second


# ---------------------------------------------------------------- conv_1d


def _case_1d(rng: np.random.Generator, batch: int, length: int, k: int) -> tuple[ndarray, ndarray, ndarray]:
    x = rng.normal(size=(batch, length))
    w = rng.normal(size=k)
    if k > 1:
        w[0] += 1.5  # clearly asymmetric: a flipped kernel gives other numbers
    g = rng.normal(size=(batch, length))
    return x, w, g


def _conv1d_mistakes(x: ndarray, w: ndarray) -> list[tuple[str, ndarray]]:
    k = w.shape[0]
    p = (k - 1) // 2
    mistakes: list[tuple[str, ndarray]] = []
    if k > 1:
        flat = _conv1d(x.reshape(1, -1), w, p, p).reshape(x.shape)
        mistakes += [
            (HINT_1D_FLIPPED, _conv1d(x, w[::-1], p, p)),
            (HINT_1D_VALID, _conv1d(x, w, 0, 0)),
            (HINT_1D_FULL, _conv1d(x, w, k - 1, k - 1)),
            (HINT_1D_ONE_SIDE, _conv1d(x, w, k - 1, 0)),
            (HINT_1D_ONE_SIDE, _conv1d(x, w, 0, k - 1)),
            (HINT_PAD_BATCH, _conv1d(np.pad(x, ((p, p), (0, 0))), w, p, p)),
            (HINT_1D_BLEED, flat),
        ]
    if x.shape[0] > 1:
        mistakes.append((HINT_FIRST_ONLY, np.broadcast_to(_conv1d(x[:1], w, p, p), x.shape)))
    return mistakes


def check_conv_1d(conv_1d: Callable[[ndarray, ndarray], Any], seed: int = 0,
                  shapes: Sequence[tuple[int, int, int]] = VISIBLE_CONV_1D) -> None:
    """``conv_1d(inputs, kernel)``: every signal of ``inputs`` ``(batch, length)`` correlated with ``kernel``
    ``(k,)`` (k odd) after ``(k - 1) // 2`` zeros at each end; shape ``(batch, length)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for batch, length, k in shapes:
        x, w, _ = _case_1d(rng, batch, length, k)
        call = f"conv_1d(inputs of shape {x.shape}, kernel of shape {w.shape})"
        got = _array(_call_unchanged(conv_1d, (x, w), ("inputs", "kernel"), call), call)
        p = (k - 1) // 2
        assert_close(got, _conv1d(x, w, p, p), what=call, rtol=1e-9, atol=1e-12, mistakes=_conv1d_mistakes(x, w))


# ---------------------------------------------------------------- conv_1d_backward


def _conv1d_input_grad(g: ndarray, w: ndarray) -> ndarray:
    k = w.shape[0]
    q = k - 1 - (k - 1) // 2
    return _conv1d(g, w[::-1], q, q)


def _conv1d_kernel_grads(x: ndarray, g: ndarray, k: int) -> ndarray:
    """Per-item kernel gradients ``(batch, k)``: ``Σ_i g[b, i] · padded[b, i + j]``."""
    p = (k - 1) // 2
    windows = sliding_window_view(np.pad(x, ((0, 0), (p, p))), x.shape[1], axis=1)  # (batch, k, length)
    return np.einsum("bi,bji->bj", g, windows)


def check_conv_1d_backward(conv_1d_backward: Callable[[ndarray, ndarray, ndarray], Any], seed: int = 0,
                           shapes: Sequence[tuple[int, int, int]] = VISIBLE_CONV_1D) -> None:
    """``conv_1d_backward(inputs, kernel, output_grad)`` returns ``(input_grad, kernel_grad)`` of shapes
    ``(batch, length)`` and ``(k,)``: the gradients of ``L = Σ output_grad · conv_1d(inputs, kernel)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for batch, length, k in shapes:
        x, w, g = _case_1d(rng, batch, length, k)
        p = (k - 1) // 2
        call = (f"conv_1d_backward(inputs of shape {x.shape}, kernel of shape {w.shape}, "
                f"output_grad of shape {g.shape})")
        got = _call_unchanged(conv_1d_backward, (x, w, g), ("inputs", "kernel", "output_grad"), call)
        input_grad, kernel_grad = _pair(got, call, (x.shape, w.shape))
        ones = np.ones_like(g)

        mistakes = [(HINT_IGNORED_GRAD, _conv1d_input_grad(ones, w)),
                    (HINT_FIRST_ONLY, np.broadcast_to(_conv1d_input_grad(g[:1], w), x.shape))]
        if k > 1:
            mistakes += [(HINT_NOT_FLIPPED, _conv1d_input_grad(g, w[::-1])),
                         (HINT_NOT_CROPPED, _conv1d(g, w[::-1], k - 1, k - 1))]
        check_gradient(input_grad, lambda v: np.sum(g * _conv1d(v, w, p, p)), x, what=f"input_grad from {call}",
                       mistakes=mistakes)

        per_item = _conv1d_kernel_grads(x, g, k)
        kernel_mistakes = {HINT_IGNORED_GRAD: _conv1d_kernel_grads(x, ones, k).sum(axis=0)}
        if batch > 1:
            kernel_mistakes.update({HINT_NOT_SUMMED: per_item, HINT_MEAN_BATCH: per_item.mean(axis=0),
                                    HINT_FIRST_ITEM_KERNEL: per_item[0]})
        if k > 1:
            kernel_mistakes[HINT_KERNEL_GRAD_FLIPPED] = per_item.sum(axis=0)[::-1]
        check_gradient(kernel_grad, lambda v: np.sum(g * _conv1d(x, v, p, p)), w, what=f"kernel_grad from {call}",
                       mistakes=kernel_mistakes)


# ---------------------------------------------------------------- conv_2d_backward


def _case_2d(rng: np.random.Generator, case: tuple[int, int, int, int, int, int, int, str]
             ) -> tuple[ndarray, ndarray, ndarray, int, int]:
    batch, c_in, h, w, c_out, kh, kw, padding = case
    ph, pw = _pads(kh, kw, padding)
    x = rng.normal(size=(batch, c_in, h, w))
    kernels = rng.normal(size=(c_out, c_in, kh, kw))
    kernels[:, :, 0, 0] += 1.0  # no kernel is symmetric: a missing flip shows
    g = rng.normal(size=(batch, c_out, h + 2 * ph - kh + 1, w + 2 * pw - kw + 1))
    return x, kernels, g, ph, pw


def _conv2d_input_grad(g: ndarray, kernels: ndarray, ph: int, pw: int) -> ndarray:
    kh, kw = kernels.shape[2:]
    return _conv2d(g, kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), kh - 1 - ph, kw - 1 - pw)


def _conv2d_kernel_grads(x: ndarray, g: ndarray, kernel_shape: Shape, ph: int, pw: int) -> ndarray:
    """Per-image kernel gradients ``(batch, out_channels, in_channels, kh, kw)``."""
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    windows = sliding_window_view(padded, g.shape[2:], axis=(2, 3))  # (b, c, kh, kw, out_h, out_w)
    b, o, n_positions = g.shape[0], g.shape[1], g.shape[2] * g.shape[3]
    per_image = g.reshape(b, o, n_positions) @ windows.reshape(b, -1, n_positions).transpose(0, 2, 1)
    return per_image.reshape(b, *kernel_shape)


def _conv2d_input_mistakes(x: ndarray, kernels: ndarray, g: ndarray, ph: int, pw: int) -> list[tuple[str, ndarray]]:
    kh, kw = kernels.shape[2:]
    mistakes = [
        (HINT_IGNORED_GRAD, _conv2d_input_grad(np.ones_like(g), kernels, ph, pw)),
        (HINT_NOT_FLIPPED_2D, _conv2d(g, kernels.transpose(1, 0, 2, 3), kh - 1 - ph, kw - 1 - pw)),
        (HINT_FIRST_ONLY, np.broadcast_to(_conv2d_input_grad(g[:1], kernels, ph, pw), x.shape)),
    ]
    if ph or pw:
        mistakes.append((HINT_NOT_CROPPED, _conv2d(g, kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), kh - 1, kw - 1)))
    if kernels.shape[0] == kernels.shape[1]:  # the channels can be mixed up without a shape error
        mistakes += [(HINT_CHANNELS_2D, _conv2d(g, kernels[:, :, ::-1, ::-1], kh - 1 - ph, kw - 1 - pw)),
                     (HINT_NOT_FLIPPED_2D, _conv2d(g, kernels, kh - 1 - ph, kw - 1 - pw))]
    return mistakes


def check_conv_2d_backward(conv_2d_backward: Callable[..., Any], seed: int = 0,
                           cases: Sequence[tuple[int, int, int, int, int, int, int, str]] = VISIBLE_CONV_2D) -> None:
    """``conv_2d_backward(inputs, kernels, output_grad, padding)`` returns ``(input_grad, kernel_grad)``, of the
    shapes of ``inputs`` ``(batch, in_channels, h, w)`` and ``kernels`` ``(out_channels, in_channels, kh, kw)``:
    the gradients of ``L = Σ output_grad · conv_2d(inputs, kernels, padding)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for case in cases:
        padding = case[-1]
        x, kernels, g, ph, pw = _case_2d(rng, case)
        call = (f"conv_2d_backward(inputs of shape {x.shape}, kernels of shape {kernels.shape}, "
                f"output_grad of shape {g.shape}, padding={padding!r})")
        got = _call_unchanged(conv_2d_backward, (x, kernels, g), ("inputs", "kernels", "output_grad"), call, padding)
        input_grad, kernel_grad = _pair(got, call, (x.shape, kernels.shape))
        def loss_of_inputs(stack: ndarray) -> ndarray:  # L for a stack of inputs (m, batch, c_in, h, w)
            out = _conv2d(stack.reshape(-1, *x.shape[1:]), kernels, ph, pw).reshape(len(stack), *g.shape)
            return out.reshape(len(stack), -1) @ g.ravel()

        def loss_of_kernels(stack: ndarray) -> ndarray:  # L for a stack of kernels (m, c_out, c_in, kh, kw)
            out = _conv2d(x, stack.reshape(-1, *kernels.shape[1:]), ph, pw).reshape(x.shape[0], len(stack), *g.shape[1:])
            return np.tensordot(out, g, axes=([0, 2, 3, 4], [0, 1, 2, 3]))

        assert_close(input_grad, _central_differences(loss_of_inputs, x), what=f"input_grad from {call}",
                     rtol=1e-5, atol=1e-7, mistakes=_conv2d_input_mistakes(x, kernels, g, ph, pw))

        per_image = _conv2d_kernel_grads(x, g, kernels.shape, ph, pw)
        kernel_mistakes = {
            HINT_NOT_SUMMED: per_image,
            HINT_MEAN_BATCH: per_image.mean(axis=0),
            HINT_FIRST_ITEM_KERNEL: per_image[0],
            HINT_KERNEL_GRAD_FLIPPED: per_image.sum(axis=0)[:, :, ::-1, ::-1],
            HINT_KERNEL_CHANNELS: per_image.sum(axis=0).transpose(1, 0, 2, 3),
            HINT_IGNORED_GRAD: _conv2d_kernel_grads(x, np.ones_like(g), kernels.shape, ph, pw).sum(axis=0),
        }
        assert_close(kernel_grad, _central_differences(loss_of_kernels, kernels), what=f"kernel_grad from {call}",
                     rtol=1e-5, atol=1e-7, mistakes=kernel_mistakes)


# ---------------------------------------------------------------- max_pool_backward


def _distinct_inputs(rng: np.random.Generator, shape: Shape) -> ndarray:
    """Random numbers with no two closer than 1e-3 (so a nudge of 1e-6 never changes a window's maximum)."""
    values = rng.permutation(int(np.prod(shape))) * 0.01 + rng.uniform(0.0, 0.005, size=int(np.prod(shape)))
    return (values.reshape(shape) - values.mean()) / 2.0


def _tied_inputs(rng: np.random.Generator, shape: Shape, size: int) -> ndarray:
    """Small whole numbers, with ties in most windows; the first window of every map is all zeros (after a ReLU)."""
    x = rng.integers(-1, 3, size=shape).astype(float)
    x[:, :, :size, :size] = 0.0
    return x


def _pool_mistakes(x: ndarray, g: ndarray, size: int, ties: bool) -> dict[str, ndarray]:
    mistakes = {
        HINT_POOL_MASK_ONLY: _pool_grad(x, np.ones_like(g), size),
        HINT_POOL_WHOLE_WINDOW: _from_windows(np.broadcast_to(g[..., None], g.shape + (size * size,)), x.shape, size),
    }
    if ties:
        mistakes.update({HINT_POOL_ALL_TIES: _pool_grad(x, g, size, "all"), HINT_POOL_SPLIT: _pool_grad(x, g, size, "split"),
                         HINT_POOL_LAST: _pool_grad(x, g, size, "last"), HINT_POOL_COLUMNS: _pool_grad(x, g, size, "columns")})
    return mistakes


def check_max_pool_backward(max_pool_backward: Callable[..., Any], seed: int = 0,
                            cases: Sequence[tuple[int, int, int, int, int]] = VISIBLE_POOL) -> None:
    """``max_pool_backward(inputs, output_grad, size)`` returns the gradient with respect to ``inputs``
    ``(batch, channels, h, w)``: each window's ``output_grad`` goes to the window's maximum, and, when inputs tie,
    to the first maximum in reading order (row by row); every other input gets 0."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for batch, channels, h, w, size in cases:
        g = rng.normal(size=(batch, channels, h // size, w // size))
        for ties in (False, True):
            x = _tied_inputs(rng, (batch, channels, h, w), size) if ties else _distinct_inputs(rng, (batch, channels, h, w))
            call = (f"max_pool_backward(inputs of shape {x.shape}{' with ties' if ties else ''}, output_grad of shape "
                    f"{g.shape}, size={size})")
            got = _array(_call_unchanged(max_pool_backward, (x, g), ("inputs", "output_grad"), call, size), call)
            if ties:
                assert_close(got, _pool_grad(x, g, size), what=call, rtol=1e-9, atol=1e-12,
                             mistakes=_pool_mistakes(x, g, size, ties=True))
            else:
                check_gradient(got, lambda v: np.sum(g * _max_pool(v, size)), x, what=call,
                               mistakes=_pool_mistakes(x, g, size, ties=False))
