"""Chapter 08 in the library: convolution and max pooling, slow and fast, in the framework; checks and pictures.

Every backward pass is compared, in float64, with central differences of its own forward pass on several
shapes (batch > 1, several channels, never only square). The fast versions give the loop versions' numbers;
the framework's Conv2D gives PyTorch's numbers to 1e-10. The checks accept right answers written other ways,
name the classic mistakes (the ones that show only with several images or channels included), and work
through the grader's data-only channel.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from conftest import fails_remotely_with, open_channel, passes_remotely
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from dlfs import convolution as C
from dlfs.checks import cnn
from dlfs.checks.gradcheck import CheckFailed, numerical_gradient
from dlfs.nn.conv import ChannelBias, Conv2D, Conv2DOperation, Flatten, fast_conv_2d, fast_conv_2d_backward
from dlfs.nn.layers import Dense
from dlfs.nn.losses import SoftmaxCrossEntropy
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Linear, Operation, ReLU, Tanh
from dlfs.nn.pooling import MaxPool2D, MaxPool2DOperation, fast_max_pool, fast_max_pool_backward

#: (batch, in_channels, height, width, out_channels, kh, kw, padding)
CONV_CASES = [
    (2, 3, 5, 6, 4, 3, 3, "same"),
    (3, 2, 4, 7, 3, 3, 5, "same"),
    (2, 2, 6, 5, 3, 2, 3, "valid"),
    (3, 1, 4, 3, 2, 3, 2, "full"),
    (1, 4, 3, 5, 1, 1, 3, "same"),
]
POOL_CASES = [(2, 3, 4, 6, 2), (3, 2, 6, 3, 3), (1, 1, 4, 4, 4)]


def rng_for(*key: int) -> np.random.Generator:
    return np.random.default_rng(list(key))


def assert_grad(received: ndarray, f: Callable[[ndarray], float], x: ndarray) -> None:
    np.testing.assert_allclose(received, numerical_gradient(f, x), rtol=1e-6, atol=1e-8)


def conv_case(i: int, case: tuple[int, int, int, int, int, int, int, str]) -> tuple[ndarray, ndarray, ndarray, str]:
    batch, c_in, h, w, c_out, kh, kw, padding = case
    rng = rng_for(8, i)
    x = rng.normal(size=(batch, c_in, h, w))
    kernels = rng.normal(size=(c_out, c_in, kh, kw))
    out_shape = C.conv_2d(x, kernels, padding).shape
    return x, kernels, rng.normal(size=out_shape), padding


# ---------------------------------------------------------------- the loop versions (dlfs.convolution)


@pytest.mark.parametrize(("batch", "length", "k"), [(3, 10, 3), (2, 7, 5), (4, 6, 1), (1, 4, 3)])
def test_conv_1d_is_a_same_padded_correlation_and_its_backward_is_its_slope(batch: int, length: int, k: int) -> None:
    rng = rng_for(1, batch, length, k)
    x, w, g = rng.normal(size=(batch, length)), rng.normal(size=k), rng.normal(size=(batch, length))
    out = C.conv_1d(x, w)
    assert out.shape == (batch, length)
    for b in range(batch):
        np.testing.assert_allclose(out[b], np.correlate(np.pad(x[b], (k - 1) // 2), w, mode="valid"), atol=1e-12)
    input_grad, kernel_grad = C.conv_1d_backward(x, w, g)
    assert input_grad.shape == x.shape and kernel_grad.shape == w.shape
    assert_grad(input_grad, lambda v: float(np.sum(g * C.conv_1d(v, w))), x)
    assert_grad(kernel_grad, lambda v: float(np.sum(g * C.conv_1d(x, v))), w)
    # the input gradient is the output gradient correlated with the flipped kernel
    np.testing.assert_allclose(input_grad, C.conv_1d(g, w[::-1]), atol=1e-12)


@pytest.mark.parametrize(("i", "case"), list(enumerate(CONV_CASES)))
def test_conv_2d_backward_is_the_slope_of_conv_2d(i: int, case: tuple[int, int, int, int, int, int, int, str]) -> None:
    x, kernels, g, padding = conv_case(i, case)
    input_grad, kernel_grad = C.conv_2d_backward(x, kernels, g, padding)
    assert input_grad.shape == x.shape and kernel_grad.shape == kernels.shape
    assert_grad(input_grad, lambda v: float(np.sum(g * C.conv_2d(v, kernels, padding))), x)
    assert_grad(kernel_grad, lambda v: float(np.sum(g * C.conv_2d(x, v, padding))), kernels)


def test_conv_2d_shapes_for_each_padding() -> None:
    x, kernels = np.ones((2, 3, 5, 8)), np.ones((4, 3, 3, 5))
    assert C.conv_2d(x, kernels, "same").shape == (2, 4, 5, 8)
    assert C.conv_2d(x, kernels, "valid").shape == (2, 4, 3, 4)
    assert C.conv_2d(x, kernels, "full").shape == (2, 4, 7, 12)
    # a 1x1 kernel mixes channels only: a matrix product at every pixel
    mix = rng_for(2).normal(size=(4, 3, 1, 1))
    y = rng_for(3).normal(size=(2, 3, 5, 8))
    np.testing.assert_allclose(C.conv_2d(y, mix, "valid"), np.einsum("bchw,oc->bohw", y, mix[:, :, 0, 0]), atol=1e-12)


def test_the_input_gradient_is_a_full_correlation_with_the_flipped_kernels() -> None:
    x, kernels, g, _ = conv_case(0, (2, 3, 5, 6, 4, 3, 5, "valid"))
    flipped = kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    np.testing.assert_allclose(C.conv_2d_backward(x, kernels, g, "valid")[0], C.conv_2d(g, flipped, "full"), atol=1e-12)
    x, kernels, g, _ = conv_case(1, (2, 3, 5, 6, 4, 3, 5, "same"))
    flipped = kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    np.testing.assert_allclose(C.conv_2d_backward(x, kernels, g, "same")[0], C.conv_2d(g, flipped, "same"), atol=1e-12)


def test_the_kernel_gradient_is_the_sum_of_each_images_gradient() -> None:
    x, kernels, g, padding = conv_case(2, CONV_CASES[0])
    total = C.conv_2d_backward(x, kernels, g, padding)[1]
    each = [C.conv_2d_backward(x[b : b + 1], kernels, g[b : b + 1], padding)[1] for b in range(x.shape[0])]
    np.testing.assert_allclose(total, np.sum(each, axis=0), atol=1e-12)
    assert not np.allclose(total, each[0])


@pytest.mark.parametrize(("batch", "channels", "h", "w", "size"), POOL_CASES)
def test_max_pool_backward_is_the_slope_where_maxima_are_unique(batch: int, channels: int, h: int, w: int, size: int) -> None:
    rng = rng_for(4, batch, size)
    x = rng.permutation(batch * channels * h * w).reshape(batch, channels, h, w) / 10.0  # all distinct
    g = rng.normal(size=(batch, channels, h // size, w // size))
    out = C.max_pool(x, size)
    assert out.shape == g.shape
    grad = C.max_pool_backward(x, g, size)
    assert_grad(grad, lambda v: float(np.sum(g * C.max_pool(v, size))), x)
    assert np.count_nonzero(grad) == g.size  # one winner per window


def test_max_pool_ties_go_to_the_first_maximum_in_reading_order() -> None:
    x = np.array([[[[1.0, 3.0, 0.0, 0.0],
                    [3.0, 3.0, 0.0, 0.0]]]])  # window 1: 3 at (0, 1), (1, 0), (1, 1); window 2: all zeros
    g = np.array([[[[5.0, -2.0]]]])
    expected = np.array([[[[0.0, 5.0, -2.0, 0.0],
                           [0.0, 0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(C.max_pool_backward(x, g), expected)
    np.testing.assert_array_equal(fast_max_pool_backward(x, g), expected)
    op = MaxPool2DOperation(2)
    op.forward(x)
    np.testing.assert_array_equal(op.backward(g), expected)


def test_shape_errors_name_expected_and_received_shapes() -> None:
    with pytest.raises(ValueError, match=r"kernel must be 1-D of odd size.*received shape \(4,\)"):
        C.conv_1d(np.ones((2, 5)), np.ones(4))
    with pytest.raises(ValueError, match=r"in_channels=3.*received shape \(4, 2, 3, 3\)"):
        C.conv_2d(np.ones((2, 3, 5, 5)), np.ones((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"'same' padding needs odd kernel sizes.*\(2, 3\)"):
        C.conv_2d(np.ones((2, 3, 5, 5)), np.ones((4, 3, 2, 3)), "same")
    with pytest.raises(ValueError, match=r"output_grad must have the output's shape \(2, 4, 5, 5\); received shape \(2, 4, 3, 3\)"):
        C.conv_2d_backward(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3)), np.ones((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"multiples of size=2.*\(1, 1, 5, 4\)"):
        C.max_pool(np.ones((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="padding must be one of"):
        C.conv_2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), "half")


# ---------------------------------------------------------------- the fast versions give the loop versions' numbers


@pytest.mark.parametrize(("i", "case"), list(enumerate(CONV_CASES)))
def test_fast_conv_equals_the_loop_version(i: int, case: tuple[int, int, int, int, int, int, int, str]) -> None:
    x, kernels, g, padding = conv_case(i, case)
    np.testing.assert_allclose(fast_conv_2d(x, kernels, padding), C.conv_2d(x, kernels, padding), rtol=1e-12, atol=1e-12)
    for fast, slow in zip(fast_conv_2d_backward(x, kernels, g, padding), C.conv_2d_backward(x, kernels, g, padding)):
        np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12)


def test_fast_conv_keeps_float32_and_is_close_to_float64() -> None:
    x, kernels, g, padding = conv_case(0, CONV_CASES[1])
    out = fast_conv_2d(x.astype(np.float32), kernels.astype(np.float32), padding)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, C.conv_2d(x, kernels, padding), rtol=1e-4, atol=1e-4)
    grads = fast_conv_2d_backward(x.astype(np.float32), kernels.astype(np.float32), g.astype(np.float32), padding)
    assert all(grad.dtype == np.float32 for grad in grads)


@pytest.mark.parametrize(("batch", "channels", "h", "w", "size"), POOL_CASES)
def test_fast_max_pool_equals_the_loop_version_ties_included(batch: int, channels: int, h: int, w: int, size: int) -> None:
    rng = rng_for(5, batch, size)
    x = rng.integers(-1, 2, size=(batch, channels, h, w)).astype(float)  # many ties
    g = rng.normal(size=(batch, channels, h // size, w // size))
    np.testing.assert_array_equal(fast_max_pool(x, size), C.max_pool(x, size))
    np.testing.assert_array_equal(fast_max_pool_backward(x, g, size), C.max_pool_backward(x, g, size))


# ---------------------------------------------------------------- the framework


def check_operation(make_op: Callable[[], Operation], x: ndarray) -> None:
    """``backward(g)`` (and ``param_grad``) are the slopes of ``sum(forward(x) * g)``."""
    op = make_op()
    out = op.forward(x)
    g = rng_for(6, *x.shape).normal(size=out.shape)
    assert_grad(op.backward(g), lambda v: float(np.sum(make_op().forward(v) * g)), x)
    param_grad = getattr(op, "param_grad", None)
    if param_grad is not None:
        def loss_of_param(p: ndarray) -> float:
            fresh = make_op()
            fresh.param[...] = p  # type: ignore[attr-defined]
            return float(np.sum(fresh.forward(x) * g))

        assert_grad(param_grad, loss_of_param, op.param)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("i", "case"), list(enumerate(CONV_CASES)))
def test_conv2d_operation_gradients(i: int, case: tuple[int, int, int, int, int, int, int, str]) -> None:
    x, kernels, _, padding = conv_case(i, case)
    check_operation(lambda: Conv2DOperation(kernels.copy(), padding), x)


def test_channel_bias_maxpool_and_flatten_gradients() -> None:
    rng = rng_for(7)
    x = rng.normal(size=(3, 4, 4, 6))
    check_operation(lambda: ChannelBias(np.arange(4.0)), x)
    check_operation(lambda: MaxPool2DOperation(2), x)
    flatten = Flatten()
    out = flatten.forward(x)
    assert out.shape == (3, 96) and flatten.neurons == 96
    np.testing.assert_array_equal(flatten.backward(out), x)


def test_a_small_cnn_backward_is_the_slope_of_its_loss() -> None:
    rng = rng_for(9)
    X, labels = rng.normal(size=(5, 2, 8, 6)), rng.integers(0, 3, size=5)
    y = np.eye(3)[labels]
    net = NeuralNetwork([Conv2D(3, (3, 1), Tanh()), MaxPool2D(2), Conv2D(2, 3, Tanh(), padding="valid"),
                         Flatten(), Dense(3, Linear())], SoftmaxCrossEntropy(), seed=3)
    net.train_batch(X, y)
    params, grads = net.params(), net.param_grads()
    assert [p.shape for p in params] == [(3, 2, 3, 1), (3,), (2, 3, 3, 3), (2,), (4, 3), (1, 3)]

    for param, grad in zip(params, grads):
        def loss_of(value: ndarray, param: ndarray = param) -> float:
            saved = param.copy()
            param[...] = value
            try:
                return net.loss.forward(net.forward(X), y)
            finally:
                param[...] = saved

        assert_grad(grad, loss_of, param.copy())
    assert net.backward(net.loss.backward()).shape == X.shape


def test_conv2d_layer_setup_and_errors() -> None:
    layer = Conv2D(5, (3, 5), seed=0)
    out = layer.forward(np.ones((2, 3, 6, 7)))
    assert out.shape == (2, 5, 6, 7)
    kernels = layer.params()[0]
    assert kernels.shape == (5, 3, 3, 5)
    assert abs(kernels.std() - np.sqrt(2 / (3 * 15 + 5 * 15))) < 0.02  # Glorot with the kernels' fan-in and fan-out
    assert isinstance(layer.operations[-1], ReLU)
    with pytest.raises(ValueError, match=r"expects images \(n, in_channels, height, width\); received shape \(2, 64\)"):
        Conv2D(4).forward(np.ones((2, 64)))
    with pytest.raises(ValueError, match="odd kernel sizes"):
        Conv2D(4, 2)
    with pytest.raises(ValueError, match="weight_init"):
        Conv2D(4, weight_init="standard")


# ---------------------------------------------------------------- PyTorch gives the same numbers


TORCH_CASES = [
    (3, 2, 7, 5, 4, 3, 3, 1, 1),   # (batch, in, h, w, out, kh, kw, ph, pw): "same"
    (2, 3, 6, 9, 2, 5, 3, 2, 1),   # non-square kernel, "same"
    (4, 1, 8, 8, 6, 3, 3, 0, 0),   # "valid"
    (2, 4, 5, 6, 3, 2, 4, 1, 3),   # "full"
]


@pytest.mark.parametrize("case", TORCH_CASES)
def test_conv2d_layer_equals_pytorch_in_float64(case: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    batch, c_in, h, w, c_out, kh, kw, ph, pw = case
    padding = {(0, 0): "valid", ((kh - 1) // 2, (kw - 1) // 2): "same", (kh - 1, kw - 1): "full"}[(ph, pw)]
    rng = rng_for(10, *case)
    x = rng.normal(size=(batch, c_in, h, w))
    layer = Conv2D(c_out, (kh, kw), Linear(), padding=padding, seed=1)
    out = layer.forward(x)
    kernels, bias = layer.params()
    bias[...] = rng.normal(size=c_out)
    out = layer.forward(x)
    g = rng.normal(size=out.shape)
    input_grad = layer.backward(g)
    kernel_grad, bias_grad = layer.param_grads()

    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tk = torch.tensor(kernels, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    tout = torch.nn.functional.conv2d(tx, tk, tb, padding=(ph, pw))
    tout.backward(torch.tensor(g, dtype=torch.float64))
    for ours, theirs in ((out, tout.detach()), (input_grad, tx.grad), (kernel_grad, tk.grad), (bias_grad, tb.grad)):
        theirs = theirs.numpy()
        assert ours.shape == theirs.shape
        assert np.max(np.abs(ours - theirs)) <= 1e-10 * max(1.0, float(np.max(np.abs(theirs))))


def test_max_pool_equals_pytorch_ties_included() -> None:
    torch = pytest.importorskip("torch")
    rng = rng_for(11)
    x = rng.integers(-1, 2, size=(3, 2, 6, 8)).astype(float)
    g = rng.normal(size=(3, 2, 3, 4))
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, 2)
    tout.backward(torch.tensor(g))
    op = MaxPool2DOperation(2)
    np.testing.assert_array_equal(op.forward(x), tout.detach().numpy())
    np.testing.assert_array_equal(op.backward(g), tx.grad.numpy())


# ---------------------------------------------------------------- the checks accept right answers written other ways


def conv_1d_correlate(inputs: ndarray, kernel: ndarray) -> ndarray:
    p = (len(kernel) - 1) // 2
    return np.array([np.correlate(np.pad(row, p), kernel, mode="valid") for row in inputs])  # row by row, then stacked


def conv_1d_windows(inputs: ndarray, kernel: ndarray) -> ndarray:
    p = (len(kernel) - 1) // 2
    return sliding_window_view(np.pad(inputs, ((0, 0), (p, p))), len(kernel), axis=1) @ kernel


def conv_1d_shift_and_add(inputs: ndarray, kernel: ndarray) -> ndarray:
    k, length = len(kernel), inputs.shape[1]
    padded = np.pad(inputs, ((0, 0), ((k - 1) // 2, (k - 1) // 2)))
    return sum(kernel[j] * padded[:, j : j + length] for j in range(k))  # type: ignore[return-value]


def conv_1d_backward_convolve(inputs: ndarray, kernel: ndarray, output_grad: ndarray) -> tuple[ndarray, ndarray]:
    # np.convolve flips the kernel: exactly the correlation with the flipped kernel that the input gradient is
    input_grad = np.array([np.convolve(row, kernel, mode="same") for row in output_grad])
    k, length = len(kernel), inputs.shape[1]
    padded = np.pad(inputs, ((0, 0), ((k - 1) // 2, (k - 1) // 2)))
    kernel_grad = np.array([np.sum(output_grad * padded[:, j : j + length]) for j in range(k)])
    return input_grad, kernel_grad


def conv_2d_backward_scatter(inputs: ndarray, kernels: ndarray, output_grad: ndarray,
                             padding: str = "same") -> list[ndarray]:
    """The backward pass as the forward picture run in reverse: every output position sends its gradient back
    through the window it came from (no flip written anywhere)."""
    kh, kw = kernels.shape[2:]
    ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if padding == "same" else (0, 0)
    padded = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    padded_grad, kernel_grad = np.zeros(padded.shape), np.zeros(kernels.shape)
    for i in range(output_grad.shape[2]):
        for j in range(output_grad.shape[3]):
            g = output_grad[:, :, i, j]  # (batch, out_channels)
            padded_grad[:, :, i : i + kh, j : j + kw] += np.einsum("bo,ocuv->bcuv", g, kernels)
            kernel_grad += np.einsum("bo,bcuv->ocuv", g, padded[:, :, i : i + kh, j : j + kw])
    return [padded_grad[:, :, ph : ph + inputs.shape[2], pw : pw + inputs.shape[3]], kernel_grad]


def max_pool_backward_loops(inputs: ndarray, output_grad: ndarray, size: int = 2) -> ndarray:
    grad = np.zeros_like(inputs)
    for b, c, i, j in np.ndindex(output_grad.shape):
        window = inputs[b, c, i * size : (i + 1) * size, j * size : (j + 1) * size]
        u, v = np.unravel_index(np.argmax(window), window.shape)
        grad[b, c, i * size + u, j * size + v] = output_grad[b, c, i, j]
    return grad


RIGHT: list[tuple[Callable[..., None], Any, dict[str, Any]]] = [
    (cnn.check_conv_1d, C.conv_1d, {}),
    (cnn.check_conv_1d, C.conv_1d, {"seed": 5, "shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_1d, conv_1d_correlate, {}),
    (cnn.check_conv_1d, conv_1d_windows, {"shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_1d, conv_1d_shift_and_add, {}),
    (cnn.check_conv_1d_backward, C.conv_1d_backward, {}),
    (cnn.check_conv_1d_backward, C.conv_1d_backward, {"seed": 5, "shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_1d_backward, conv_1d_backward_convolve, {"shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_2d_backward, C.conv_2d_backward, {}),
    (cnn.check_conv_2d_backward, C.conv_2d_backward, {"seed": 5, "cases": cnn.HIDDEN_CONV_2D}),
    (cnn.check_conv_2d_backward, fast_conv_2d_backward, {"cases": cnn.HIDDEN_CONV_2D}),
    (cnn.check_conv_2d_backward, conv_2d_backward_scatter, {}),
    (cnn.check_conv_2d_backward, conv_2d_backward_scatter, {"seed": 2, "cases": cnn.HIDDEN_CONV_2D}),
    (cnn.check_max_pool_backward, C.max_pool_backward, {}),
    (cnn.check_max_pool_backward, C.max_pool_backward, {"seed": 5, "cases": cnn.HIDDEN_POOL}),
    (cnn.check_max_pool_backward, fast_max_pool_backward, {}),
    (cnn.check_max_pool_backward, max_pool_backward_loops, {"cases": cnn.HIDDEN_POOL}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers_quickly(check: Callable[..., None], answer: Any, kwargs: dict[str, Any]) -> None:
    start = time.perf_counter()
    check(answer, **kwargs)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------- the classic mistakes, by name


def _pad_all_axes(inputs: ndarray, kernel: ndarray) -> ndarray:
    padded = np.pad(inputs, (len(kernel) - 1) // 2)  # pads the batch axis too
    return np.array([[padded[b, i : i + len(kernel)] @ kernel for i in range(inputs.shape[1])] for b in range(len(padded))])


def _one_long_signal(inputs: ndarray, kernel: ndarray) -> ndarray:
    p = (len(kernel) - 1) // 2
    return np.correlate(np.pad(inputs.ravel(), p), kernel, mode="valid").reshape(inputs.shape)


def _conv_1d_in_place(inputs: ndarray, kernel: ndarray) -> ndarray:
    out = C.conv_1d(inputs, kernel)
    inputs[...] = out
    return inputs


def _backward_1d(input_grad: Callable[[ndarray, ndarray, ndarray], Any],
                 kernel_grad: Callable[[ndarray, ndarray, ndarray], Any]) -> Callable[..., tuple[Any, Any]]:
    def backward(inputs: ndarray, kernel: ndarray, output_grad: ndarray) -> tuple[Any, Any]:
        return input_grad(inputs, kernel, output_grad), kernel_grad(inputs, kernel, output_grad)
    return backward


def _ig1(x: ndarray, w: ndarray, g: ndarray) -> ndarray:
    return C.conv_1d_backward(x, w, g)[0]


def _kg1(x: ndarray, w: ndarray, g: ndarray) -> ndarray:
    return C.conv_1d_backward(x, w, g)[1]


def _kg1_per_signal(x: ndarray, w: ndarray, g: ndarray) -> ndarray:
    return np.array([C.conv_1d_backward(x[b : b + 1], w, g[b : b + 1])[1] for b in range(len(x))])


def _backward_2d(input_grad: Callable[..., Any], kernel_grad: Callable[..., Any]) -> Callable[..., tuple[Any, Any]]:
    def backward(inputs: ndarray, kernels: ndarray, output_grad: ndarray, padding: str = "same") -> tuple[Any, Any]:
        return input_grad(inputs, kernels, output_grad, padding), kernel_grad(inputs, kernels, output_grad, padding)
    return backward


def _ig2(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    return C.conv_2d_backward(x, k, g, padding)[0]


def _kg2(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    return C.conv_2d_backward(x, k, g, padding)[1]


def _ig2_unflipped(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    flipped_twice = k[:, :, ::-1, ::-1]  # the right backward, fed the flipped kernels: it uses them unflipped
    return C.conv_2d_backward(x, flipped_twice, g, padding)[0]


def _ig2_channels_mixed(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    # the kernels' axes used as (in, out) without the transpose: only possible when in == out
    return C.conv_2d(g, k[:, :, ::-1, ::-1], "same" if padding == "same" else "full")


def _ig2_not_cropped(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    return C.conv_2d(g, k[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), "full")


def _kg2_per_image(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    return np.array([C.conv_2d_backward(x[b : b + 1], k, g[b : b + 1], padding)[1] for b in range(len(x))])


def _kg2_first_image(x: ndarray, k: ndarray, g: ndarray, padding: str) -> ndarray:
    return C.conv_2d_backward(x[:1], k, g[:1], padding)[1]


def _pool(grad_of_windows: Callable[[ndarray, ndarray], ndarray]) -> Callable[..., ndarray]:
    """A max_pool_backward built from a rule ``(window (size²,), g) -> gradients (size²,)``."""
    def backward(inputs: ndarray, output_grad: ndarray, size: int = 2) -> ndarray:
        grad = np.zeros_like(inputs)
        for b, c, i, j in np.ndindex(output_grad.shape):
            window = inputs[b, c, i * size : (i + 1) * size, j * size : (j + 1) * size]
            grad[b, c, i * size : (i + 1) * size, j * size : (j + 1) * size] = grad_of_windows(
                window.ravel(), output_grad[b, c, i, j]).reshape(size, size)
        return grad
    return backward


def _first_in_columns(window: ndarray, g: float) -> ndarray:
    size = int(np.sqrt(window.size))
    square = window.reshape(size, size)
    out = np.zeros((size, size))
    u, v = np.unravel_index(np.argmax(square.T), (size, size))
    out[v, u] = g
    return out.ravel()


def _last(window: ndarray, g: float) -> ndarray:
    out = np.zeros(window.size)
    out[window.size - 1 - np.argmax(window[::-1])] = g
    return out


def _mask_only(window: ndarray, g: float) -> ndarray:
    out = np.zeros(window.size)
    out[np.argmax(window)] = 1.0
    return out


MISTAKES: list[tuple[Callable[..., None], Any, str]] = [
    # conv_1d
    (cnn.check_conv_1d, lambda x, w: np.array([np.convolve(r, w, mode="same") for r in x]), "np.convolve"),
    (cnn.check_conv_1d, lambda x, w: sliding_window_view(x, len(w), axis=1) @ w, "'valid' padding"),
    (cnn.check_conv_1d, lambda x, w: sliding_window_view(np.pad(x, ((0, 0), (len(w) - 1, len(w) - 1))), len(w), axis=1) @ w,
     "'full' padding"),
    (cnn.check_conv_1d, lambda x, w: sliding_window_view(np.pad(x, ((0, 0), (len(w) - 1, 0))), len(w), axis=1) @ w,
     "padded one end only"),
    (cnn.check_conv_1d, _pad_all_axes, "pads every axis"),
    (cnn.check_conv_1d, _one_long_signal, "leak into each other"),
    (cnn.check_conv_1d, lambda x, w: np.tile(C.conv_1d(x[:1], w), (len(x), 1)), "first item"),
    (cnn.check_conv_1d, _conv_1d_in_place, "changed its input `inputs` in place"),
    (cnn.check_conv_1d, lambda x, w: None, "forget the `return`"),
    # conv_1d_backward
    (cnn.check_conv_1d_backward, _backward_1d(lambda x, w, g: C.conv_1d(g, w), _kg1), "FLIPPED kernel"),
    (cnn.check_conv_1d_backward, _backward_1d(lambda x, w, g: _ig1(x, w, np.ones_like(g)), _kg1), "all ones"),
    (cnn.check_conv_1d_backward, _backward_1d(_ig1, _kg1_per_signal), "one kernel gradient per item"),
    (cnn.check_conv_1d_backward, _backward_1d(_ig1, lambda x, w, g: _kg1_per_signal(x, w, g).mean(axis=0)), "averaged"),
    (cnn.check_conv_1d_backward, _backward_1d(_ig1, lambda x, w, g: _kg1(x[:1], w, g[:1])), "first item of the batch"),
    (cnn.check_conv_1d_backward, _backward_1d(_ig1, lambda x, w, g: _kg1(x, w, g)[::-1]), "kernel gradient is flipped"),
    (cnn.check_conv_1d_backward, _backward_1d(_ig1, lambda x, w, g: _kg1(x, w, np.ones_like(g))), "all ones"),
    (cnn.check_conv_1d_backward, _backward_1d(
        lambda x, w, g: sliding_window_view(np.pad(g, ((0, 0), (len(w) - 1, len(w) - 1))), len(w), axis=1) @ w[::-1],
        _kg1), "*padded* input"),
    (cnn.check_conv_1d_backward, lambda x, w, g: C.conv_1d_backward(x, w, g)[::-1], "the order is (input_grad, kernel_grad)"),
    (cnn.check_conv_1d_backward, lambda x, w, g: C.conv_1d_backward(x, w, g)[0], "should return a pair"),
    # conv_2d_backward
    (cnn.check_conv_2d_backward, _backward_2d(_ig2_unflipped, _kg2), "kernels as they are"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2, _kg2_per_image), "one kernel gradient per item"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2, lambda *a: _kg2_per_image(*a).mean(axis=0)), "averaged"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2, _kg2_first_image), "first item of the batch only"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2, lambda *a: _kg2(*a).transpose(1, 0, 2, 3)), "channels swapped"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2, lambda *a: _kg2(*a)[:, :, ::-1, ::-1]), "kernel gradient is flipped"),
    (cnn.check_conv_2d_backward, _backward_2d(lambda x, k, g, p: _ig2(x, k, np.ones_like(g), p), _kg2), "all ones"),
    (cnn.check_conv_2d_backward, _backward_2d(_ig2_not_cropped, _kg2), "*padded* input"),
    (cnn.check_conv_2d_backward, lambda x, k, g, p="same": (_kg2(x, k, g, p), _ig2(x, k, g, p)),
     "the order is (input_grad, kernel_grad)"),
    # max_pool_backward
    (cnn.check_max_pool_backward, _pool(lambda w, g: (w == w.max()) * g), "every input equal to its window's maximum"),
    (cnn.check_max_pool_backward, _pool(lambda w, g: (w == w.max()) * g / np.sum(w == w.max())), "split the gradient"),
    (cnn.check_max_pool_backward, _pool(_last), "LAST maximum"),
    (cnn.check_max_pool_backward, _pool(_first_in_columns), "going down the columns"),
    (cnn.check_max_pool_backward, _pool(lambda w, g: np.full(w.size, g)), "every input of a window"),
    (cnn.check_max_pool_backward, _pool(_mask_only), "1 at each window's maximum"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Any, message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)


def test_channel_mix_ups_that_fit_the_shapes_are_named_by_the_hidden_tests() -> None:
    # with as many input as output channels, mixed-up channels give arrays of the right shape
    with pytest.raises(CheckFailed, match="input and output channels are mixed up"):
        cnn.check_conv_2d_backward(_backward_2d(_ig2_channels_mixed, _kg2), cases=cnn.HIDDEN_CONV_2D[1:2])
    with pytest.raises(CheckFailed, match="channels swapped"):
        cnn.check_conv_2d_backward(_backward_2d(_ig2, lambda *a: _kg2(*a).transpose(1, 0, 2, 3)),
                                   cases=cnn.HIDDEN_CONV_2D[1:2])


def test_not_written_yet_is_said_in_words() -> None:
    def stub(*args: Any) -> Any:
        raise NotImplementedError()

    for check in (cnn.check_conv_1d, cnn.check_conv_1d_backward, cnn.check_conv_2d_backward, cnn.check_max_pool_backward):
        with pytest.raises(CheckFailed, match="not written yet"):
            check(stub)


def test_a_backward_that_changes_output_grad_in_place_fails() -> None:
    def scaled_in_place(x: ndarray, k: ndarray, g: ndarray, padding: str = "same") -> tuple[ndarray, ndarray]:
        result = C.conv_2d_backward(x, k, g, padding)
        g *= 0.0
        return result

    with pytest.raises(CheckFailed, match="changed its input `g` in place"):
        cnn.check_conv_2d_backward(scaled_in_place)


def test_cases_batches_and_channels_and_never_only_square() -> None:
    for batch, _, k in cnn.VISIBLE_CONV_1D:
        assert batch > 1 and k % 2 == 1
    for batch, _, h, w, c_out, *_ in cnn.VISIBLE_CONV_2D + cnn.HIDDEN_CONV_2D[:2]:
        assert batch > 1 and c_out > 1 and h != w
    assert any(c_in == c_out for _, c_in, _, _, c_out, *_ in cnn.HIDDEN_CONV_2D)
    assert any(kh != kw for *_, kh, kw, _ in cnn.VISIBLE_CONV_2D)
    assert {p for *_, p in cnn.VISIBLE_CONV_2D} == {"same", "valid"}
    assert {s for *_, s in cnn.VISIBLE_POOL} != {2} and all(b > 1 and c > 1 for b, c, *_ in cnn.VISIBLE_POOL)
    assert set(cnn.HIDDEN_CONV_2D).isdisjoint(cnn.VISIBLE_CONV_2D)
    assert set(cnn.HIDDEN_POOL).isdisjoint(cnn.VISIBLE_POOL)
    assert set(cnn.HIDDEN_CONV_1D).isdisjoint(cnn.VISIBLE_CONV_1D)


def test_checks_are_deterministic() -> None:
    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailed) as info:
            cnn.check_conv_2d_backward(_backward_2d(_ig2, _kg2_per_image), seed=7)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------- the checks over the grader's data-only channel

LEARNER_CODE = '''
import numpy as np

def conv_1d(inputs, kernel):
    p = (len(kernel) - 1) // 2
    return np.array([np.correlate(np.pad(row, p), kernel, mode="valid") for row in inputs])

def conv_1d_backward(inputs, kernel, output_grad):
    k, n = len(kernel), inputs.shape[1]
    padded = np.pad(inputs, ((0, 0), ((k - 1) // 2, (k - 1) // 2)))
    input_grad = np.array([np.convolve(row, kernel, mode="same") for row in output_grad])
    return input_grad, np.array([np.sum(output_grad * padded[:, j:j + n]) for j in range(k)])

def conv_2d_backward(inputs, kernels, output_grad, padding="same"):
    kh, kw = kernels.shape[2:]
    ph, pw = ((kh - 1) // 2, (kw - 1) // 2) if padding == "same" else (0, 0)
    padded = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    padded_grad, kernel_grad = np.zeros(padded.shape), np.zeros(kernels.shape)
    for i in range(output_grad.shape[2]):
        for j in range(output_grad.shape[3]):
            g = output_grad[:, :, i, j]
            padded_grad[:, :, i:i + kh, j:j + kw] += np.einsum("bo,ocuv->bcuv", g, kernels)
            kernel_grad += np.einsum("bo,bcuv->ocuv", g, padded[:, :, i:i + kh, j:j + kw])
    return padded_grad[:, :, ph:ph + inputs.shape[2], pw:pw + inputs.shape[3]], kernel_grad

def max_pool_backward(inputs, output_grad, size=2):
    grad = np.zeros_like(inputs)
    for b, c, i, j in np.ndindex(output_grad.shape):
        window = inputs[b, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
        u, v = np.unravel_index(np.argmax(window), window.shape)
        grad[b, c, i * size + u, j * size + v] = output_grad[b, c, i, j]
    return grad

def conv_1d_convolve(inputs, kernel):
    return np.array([np.convolve(row, kernel, mode="same") for row in inputs])

def conv_2d_backward_per_image(inputs, kernels, output_grad, padding="same"):
    input_grad, _ = conv_2d_backward(inputs, kernels, output_grad, padding)
    return input_grad, np.array([conv_2d_backward(inputs[b:b + 1], kernels, output_grad[b:b + 1], padding)[1]
                                 for b in range(len(inputs))])

def max_pool_all_ties(inputs, output_grad, size=2):
    n, c, h, w = inputs.shape
    big = np.repeat(np.repeat(inputs.reshape(n, c, h // size, size, w // size, size).max(axis=(3, 5)), size, 2), size, 3)
    return (inputs == big) * np.repeat(np.repeat(output_grad, size, 2), size, 3)

def conv_1d_stub(inputs, kernel):
    raise NotImplementedError()
'''


@pytest.fixture(scope="module")
def kernel_channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from open_channel(tmp_path_factory.mktemp("kernel08"), LEARNER_CODE, cell_seconds=20)


REMOTE_RIGHT = [
    (cnn.check_conv_1d, "conv_1d", {"seed": 23, "shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_1d_backward, "conv_1d_backward", {"seed": 23, "shapes": cnn.HIDDEN_CONV_1D}),
    (cnn.check_conv_2d_backward, "conv_2d_backward", {"seed": 23, "cases": cnn.HIDDEN_CONV_2D}),
    (cnn.check_max_pool_backward, "max_pool_backward", {"seed": 23, "cases": cnn.HIDDEN_POOL}),
]
REMOTE_WRONG = [
    (cnn.check_conv_1d, "conv_1d_convolve", "np.convolve"),
    (cnn.check_conv_2d_backward, "conv_2d_backward_per_image", "one kernel gradient per item"),
    (cnn.check_max_pool_backward, "max_pool_all_ties", "every input equal to its window's maximum"),
    (cnn.check_conv_1d, "conv_1d_stub", "not written yet"),
]


@pytest.mark.parametrize(("check", "name", "kwargs"), REMOTE_RIGHT)
def test_checks_pass_right_answers_in_a_sandboxed_kernel(kernel_channel: Any, check: Callable[..., None], name: str,
                                                         kwargs: dict[str, Any]) -> None:
    passes_remotely(kernel_channel, check, name, kwargs)


@pytest.mark.parametrize(("check", "name", "message"), REMOTE_WRONG)
def test_checks_name_mistakes_in_a_sandboxed_kernel(kernel_channel: Any, check: Callable[..., None], name: str,
                                                    message: str) -> None:
    fails_remotely_with(kernel_channel, check, name, message)


# ---------------------------------------------------------------- image batches in the framework's network and trainer


def test_predict_in_slices_gives_the_same_predictions_and_fit_evaluates_in_slices() -> None:
    from dlfs.nn.optim import SGD
    from dlfs.nn.trainer import Trainer, accuracy

    rng = rng_for(12)
    X, labels = rng.normal(size=(23, 1, 4, 6)), rng.integers(0, 3, size=23)
    y = np.eye(3)[labels]
    net = NeuralNetwork([Conv2D(4, 3), MaxPool2D(2), Flatten(), Dense(3, Linear())], SoftmaxCrossEntropy(), seed=0)
    whole = net.predict(X)
    np.testing.assert_allclose(net.predict(X, batch_size=5), whole, rtol=1e-12, atol=1e-12)
    assert accuracy(net, X, y, batch_size=7) == accuracy(net, X, labels)
    history = Trainer(net, SGD(lr=0.1)).fit(X, y, X, y, epochs=2, eval_every=1, batch_size=8, progress=False,
                                             eval_batch_size=6)
    assert len(history["test_accuracy"]) == 2
    assert history["test_accuracy"][-1] == accuracy(net, X, labels)


# ---------------------------------------------------------------- the chapter's pictures and explorer


def test_figures_and_explorer_work_headless_with_titles_and_labels() -> None:
    from dlfs.data.shipped import load_digits_data
    from dlfs.draw import convolutions as D
    from dlfs.widgets.cnn import KERNEL_PRESETS, kernel_explorer

    images = load_digits_data().X_train.reshape(-1, 8, 8)
    rng = rng_for(13)
    net = NeuralNetwork([Conv2D(4, 3), MaxPool2D(2), Flatten(), Dense(10, Linear())], SoftmaxCrossEntropy(), seed=0)
    net.forward(images[:3, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots = [
            D.plot_parameter_counts(),
            D.plot_signal_filters(rng.normal(size=20), {"edge": np.array([-1.0, 0.0, 1.0])}),
            D.plot_kernel_on_image(images[0], KERNEL_PRESETS["sharpen"]),
            D.plot_feature_maps(images[1], {"blur": KERNEL_PRESETS["blur"], "outline": KERNEL_PRESETS["edge: all directions (outline)"]}),
            D.plot_learned_kernels(rng.normal(size=(12, 1, 3, 3)), images[2]),
            D.plot_conv_timings({"small": {"loops": 0.01, "fast": 0.001}, "large": {"loops": 0.1, "fast": 0.004}}),
        ]
        for fig in plots:
            for ax in fig.axes:
                if ax.axison and ax.get_label() != "<colorbar>":
                    assert ax.get_title(), fig
                    assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
            assert fig._repr_png_()[:4] == b"\x89PNG"
        diagrams = [
            D.conv_1d_diagram(np.array([2.0, 1.0, 0.0, 3.0]), np.array([1.0, 0.0, -1.0]), 0),
            D.conv_backward_diagram(5, 6, 1),
            D.conv_2d_diagram(rng.integers(0, 4, size=(4, 5)).astype(float), KERNEL_PRESETS["blur"], (3, 4)),
            D.channels_diagram(2, 3),
            D.max_pool_diagram(np.zeros((4, 6)), np.ones((2, 3))),
            D.layers_diagram(net),
        ]
        for fig in diagrams:
            assert all(ax.get_title() for ax in fig.axes)
            assert fig._repr_png_()[:4] == b"\x89PNG"
        box = kernel_explorer(images, preset="blur", index=2)
        controls, readout, picture = box.children
        menu, picker, _, grid = controls.children
        assert "add up to <b>1</b>" in readout.value and len(picture.outputs) == 1
        menu.value = "edge: all directions (outline)"  # a preset fills the nine boxes, then draws once
        assert [box.value for box in grid.children] == list(KERNEL_PRESETS["edge: all directions (outline)"].ravel())
        assert "add up to <b>0</b>" in readout.value
        grid.children[4].value = 9.0  # editing one number redraws
        assert "add up to <b>1</b>" in readout.value
        picker.value = 7
        assert len(picture.outputs) == 1


def test_drawing_inputs_are_checked() -> None:
    from dlfs.draw import convolutions as D

    with pytest.raises(ValueError, match="odd kernel"):
        D.conv_1d_diagram(np.ones(5), np.ones(2), 0)
    with pytest.raises(ValueError, match="output_grad of shape"):
        D.max_pool_diagram(np.ones((4, 4)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="has run forward"):
        D.layers_diagram(NeuralNetwork([Conv2D(2)], SoftmaxCrossEntropy()))
