"""Chapter 10: the PyTorch side of the library, the bridge between the two (float64), and the chapter's checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from dlfs.checks import pytorch as C
from dlfs.checks.gradcheck import CheckFailed, numerical_gradient
from dlfs.data.prepare import one_hot
from dlfs.draw import pytorch as draw
from dlfs.nn.conv import Conv2D
from dlfs.nn.layers import Dense
from dlfs.nn.losses import MeanSquaredError, SoftmaxCrossEntropy
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Linear, ReLU, Sigmoid, Tanh
from dlfs.nn.recurrent import GRULayer, LSTMLayer, RecurrentLayer, RNNLayer
from dlfs.pytorch import bridge
from dlfs.pytorch.layers import DenseLayer
from dlfs.pytorch.models import Autoencoder, DigitsCNN, RowLSTM
from dlfs.pytorch.training import accuracy, fit, make_loader, shift_images, train_step

torch.set_num_threads(1)

# ---------------------------------------------------------------- the same weights in both (float64)


@pytest.mark.parametrize(("layers", "loss", "n", "n_in", "k"), [
    ([Dense(7, Tanh()), Dense(3, Linear())], SoftmaxCrossEntropy(), 5, 4, 3),
    ([Dense(9, Sigmoid()), Dense(6, ReLU()), Dense(4, Linear())], SoftmaxCrossEntropy(), 8, 3, 4),
    ([Dense(5, Tanh()), Dense(2, Sigmoid())], MeanSquaredError(), 6, 7, 2),
])
def test_a_dense_network_gives_the_same_loss_output_and_gradients_in_both(layers, loss, n, n_in, k) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(n)
    net = NeuralNetwork(layers, loss, seed=3)
    X = rng.normal(size=(n, n_in))
    y = one_hot(rng.integers(0, k, n), k) if isinstance(loss, SoftmaxCrossEntropy) else rng.normal(size=(n, k))
    comparison = bridge.compare_network(net, X, y)
    assert set(comparison.differences) == {"output", "dL/dX"} | {f"layer {i} dL/d{p}" for i in range(len(layers)) for p in "WB"}
    assert comparison.worst < 1e-13, comparison
    assert math.isclose(comparison.loss_scratch, comparison.loss_torch, rel_tol=1e-14)


def test_the_comparison_would_see_a_wrong_gradient() -> None:
    # the bridge's own test: a layer whose backward is off must show up as a large difference
    rng = np.random.default_rng(0)
    net = NeuralNetwork([Dense(4, Tanh()), Dense(3, Linear())], SoftmaxCrossEntropy(), seed=1)
    X, y = rng.normal(size=(5, 2)), one_hot(rng.integers(0, 3, 5), 3)
    net.train_batch(X, y)
    net.layers[0].activation._input_grad = lambda g: g  # type: ignore[method-assign]  # forget tanh's slope
    assert bridge.compare_network(net, X, y).differences["layer 0 dL/dW"] > 1e-3


CONV_CASES = [  # (batch, in channels, height, width, out channels, kernel, padding, activation)
    (3, 2, 8, 7, 4, (3, 5), "same", Tanh),
    (2, 3, 6, 9, 2, (2, 3), "valid", ReLU),
    (4, 1, 5, 6, 3, (3, 2), "full", Linear),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_chapter_08s_conv2d_gives_the_same_output_and_gradients_as_pytorch(case: tuple) -> None:  # type: ignore[type-arg]
    n, c_in, h, w, c_out, kernel, padding, activation = case
    rng = np.random.default_rng(sum(kernel) + n)
    layer = Conv2D(c_out, kernel, activation(), padding=padding, seed=1)
    X = rng.normal(size=(n, c_in, h, w))
    out = layer.forward(X)
    layer.params()[1][...] = rng.normal(size=c_out)  # non-zero biases
    comparison = bridge.compare_conv2d(layer, X, rng.normal(size=out.shape))
    assert set(comparison.differences) == {"output", "dL/dX", "dL/dK", "dL/dB"}
    assert comparison.worst < 1e-13, comparison


@pytest.mark.parametrize("cls", [RNNLayer, LSTMLayer, GRULayer])
@pytest.mark.parametrize(("n", "T", "n_in", "H"), [(3, 5, 4, 6), (2, 7, 6, 3)])
def test_chapter_09s_recurrent_layers_give_the_same_output_and_gradients_as_pytorch(
        cls: type[RecurrentLayer], n: int, T: int, n_in: int, H: int) -> None:
    rng = np.random.default_rng(n * T + H)
    layer = cls(H, seed=2)
    X = rng.normal(size=(n, T, n_in))
    out = layer.forward(X)
    for bias in layer.params()[2:]:
        bias[...] = rng.normal(size=bias.shape)
    comparison = bridge.compare_recurrent(layer, X, rng.normal(size=out.shape))
    assert len(comparison.differences) == 6
    assert comparison.worst < 1e-12, comparison


def test_the_layer_comparisons_would_see_a_wrong_gradient_and_refuse_a_wrong_shape() -> None:
    rng = np.random.default_rng(3)
    layer = Conv2D(2, 3, Tanh(), seed=0)
    X = rng.normal(size=(2, 2, 5, 6))
    out = layer.forward(X)
    layer.activation._input_grad = lambda g: g  # type: ignore[method-assign]  # forget tanh's slope
    assert bridge.compare_conv2d(layer, X, rng.normal(size=out.shape)).differences["dL/dK"] > 1e-3
    with pytest.raises(ValueError, match="output shape"):
        bridge.compare_conv2d(Conv2D(2, 3, seed=0), X, np.ones((2, 2, 5)))
    lstm = LSTMLayer(3, seed=0)
    seqs = rng.normal(size=(2, 4, 3))
    lstm_out = lstm.forward(seqs)
    assert bridge.compare_recurrent(lstm, seqs, rng.normal(size=lstm_out.shape)).worst < 1e-12
    lstm.backward = lambda g, state_grad=None: np.zeros(seqs.shape)  # type: ignore[method-assign]  # a backward that does nothing
    assert bridge.compare_recurrent(lstm, seqs, rng.normal(size=lstm_out.shape)).differences["dL/dX"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no PyTorch counterpart"):
        bridge.compare_recurrent(RecurrentLayer(3), seqs, lstm_out)  # type: ignore[abstract]


def test_the_copy_uses_pytorchs_layout_and_leaves_the_network_alone() -> None:
    layer = Dense(3, Sigmoid(), seed=0)
    layer.forward(np.ones((2, 4)))
    W, B = (p.copy() for p in layer.params())
    linear = bridge.linear_from_dense(layer)
    assert linear.weight.dtype == torch.float64 and tuple(linear.weight.shape) == (3, 4)
    np.testing.assert_array_equal(linear.weight.detach().numpy(), W.T)
    np.testing.assert_array_equal(linear.bias.detach().numpy(), B[0])
    with torch.no_grad():
        linear.weight.add_(1.0)
    np.testing.assert_array_equal(layer.params()[0], W)  # a copy, not a view


def test_the_bridge_refuses_what_it_cannot_copy() -> None:
    with pytest.raises(ValueError, match="run its forward once"):
        bridge.linear_from_dense(Dense(3))
    net = NeuralNetwork([Dense(3, Tanh(), dropout=0.8)], SoftmaxCrossEntropy(), seed=0)
    net.forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match="without dropout"):
        bridge.sequential_from_network(net)


def test_scratch_grads_match_accepts_right_gradients_and_refuses_wrong_ones() -> None:
    rng = np.random.default_rng(2)
    W, B, X, G = rng.normal(size=(4, 3)), rng.normal(size=(1, 3)), rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    layer = Dense(3, Linear(), seed=0)
    layer.forward(X)
    layer.operations[0].param[...] = W
    layer.operations[1].param[...] = B
    layer.forward(X)
    dX = layer.backward(G)
    dW, dB = layer.param_grads()
    assert bridge.scratch_grads_match(W, B, X, G, {"X": dX, "W": dW, "B": dB}) == {"X": True, "W": True, "B": True}
    assert bridge.scratch_grads_match(W, B, X, G, {"X": dX, "W": dW * 1.01, "B": dB[0]}) == {
        "X": True, "W": False, "B": False}
    # autograd agrees with central differences too
    numeric = numerical_gradient(lambda w: np.sum((X @ w + B) * G), W)
    np.testing.assert_allclose(dW, numeric, rtol=1e-6)


# ---------------------------------------------------------------- the PyTorch side


def test_dense_layer_registers_glorot_weights_and_computes_x_w_plus_b() -> None:
    torch.manual_seed(0)
    layer = DenseLayer(400, 100)
    assert [name for name, _ in layer.named_parameters()] == ["W", "B"]
    W = layer.W.detach().numpy()
    assert abs(W.var() - 2 / 500) < 5 * (2 / 500) * math.sqrt(2 / W.size)
    assert np.all(layer.B.detach().numpy() == 0)
    X = torch.randn(3, 400)
    torch.testing.assert_close(layer(X), X @ layer.W + layer.B)
    with pytest.raises(ValueError, match=r"\(n, 400\).*\(3, 5\)"):
        layer(torch.randn(3, 5))


def test_train_step_is_one_sgd_step_and_returns_the_loss_before_it() -> None:
    torch.manual_seed(1)
    model = nn.Linear(3, 2).double()
    before = [p.detach().clone() for p in model.parameters()]
    X, y = torch.randn(5, 3, dtype=torch.float64), torch.tensor([0, 1, 1, 0, 1])
    loss_fn = nn.CrossEntropyLoss()
    expected_loss = loss_fn(model(X), y)
    grads = torch.autograd.grad(expected_loss, list(model.parameters()))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    for p in model.parameters():  # stale gradients that zero_grad must clear
        p.grad = torch.ones_like(p)
    got = train_step(model, loss_fn, optimizer, X, y)
    assert isinstance(got, float) and got == pytest.approx(expected_loss.item(), rel=1e-12)
    for p, b, g in zip(model.parameters(), before, grads):
        torch.testing.assert_close(p.detach(), b - 0.1 * g)


def test_loaders_are_seeded_and_typed() -> None:
    X, y = np.arange(40.0).reshape(10, 4), np.arange(10)
    first = [b[1].tolist() for b in make_loader(X, y, batch_size=4, seed=3)]
    again = [b[1].tolist() for b in make_loader(X, y, batch_size=4, seed=3)]
    other = [b[1].tolist() for b in make_loader(X, y, batch_size=4, seed=4)]
    assert first == again != other and sorted(sum(first, [])) == list(range(10))
    Xb, yb = next(iter(make_loader(X, y, shuffle=False)))
    assert Xb.dtype == torch.float32 and yb.dtype == torch.int64
    assert next(iter(make_loader(X, X, dtype=torch.float64)))[1].dtype == torch.float64
    with pytest.raises(ValueError, match="same number of rows"):
        make_loader(X, y[:3])


def test_shift_images_moves_the_whole_batch_by_at_most_one_pixel() -> None:
    image = np.zeros((8, 8))
    image[3, 4] = 1.0
    X = torch.tensor(np.stack([image.ravel(), 2 * image.ravel()]))
    seen = set()
    generator = torch.Generator().manual_seed(0)
    for _ in range(60):
        moved = shift_images(X, generator).reshape(2, 8, 8)
        r, c = (int(v) for v in torch.nonzero(moved[0])[0])
        assert abs(r - 3) <= 1 and abs(c - 4) <= 1 and torch.equal(moved[1], 2 * moved[0])
        seen.add((r, c))
    assert len(seen) == 9


def test_fit_keeps_the_epoch_with_the_best_validation_accuracy() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    history = fit(model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.5),
                  make_loader(X[:80], y[:80], batch_size=16), X[80:], y[80:], epochs=6)
    assert len(history.train_loss) == len(history.val_accuracy) == 6
    assert history.best_epoch == int(np.argmax(history.val_accuracy)) + 1
    assert accuracy(model, X[80:], y[80:]) == max(history.val_accuracy)


def test_the_chapters_networks_have_the_right_shapes() -> None:
    X = torch.rand(3, 64)
    assert tuple(DigitsCNN()(X).shape) == (3, 10)
    assert tuple(DigitsCNN()(X.reshape(3, 1, 8, 8)).shape) == (3, 10)
    assert tuple(RowLSTM(hidden=16)(X).shape) == (3, 10)
    ae = Autoencoder(code_size=2)
    assert tuple(ae.encoder(X).shape) == (3, 2)
    out = ae(X)
    assert tuple(out.shape) == (3, 64) and bool(torch.all((out > 0) & (out < 1)))


# ---------------------------------------------------------------- pictures


def test_pictures_have_titles_and_labelled_axes() -> None:
    rng = np.random.default_rng(0)
    figures = [
        draw.plot_agreement({"output": 1e-16, "dL/dW": 3e-16}),
        draw.plot_training({"a": ([1.0, 0.5], [0.8, 0.9])}),
        draw.plot_codes(rng.normal(size=(30, 2)), np.arange(30) % 10),
    ]
    for fig in figures:
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert all(ax.get_title() for ax in axes)
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in axes)
    assert draw.plot_weight_layouts(np.ones((3, 2))).axes[0].get_title()
    assert draw.plot_reconstructions(rng.random((4, 64)), rng.random((4, 64)))._suptitle is not None
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        draw.plot_codes(np.ones((3, 3)), np.arange(3))


# ---------------------------------------------------------------- the checks


def test_the_references_pass_every_check() -> None:
    C.check_DenseLayer(DenseLayer)
    C.check_DenseLayer(DenseLayer, seed=23, shapes=C.HIDDEN_DENSE_SHAPES, big=C.HIDDEN_DENSE_BIG)
    C.check_train_step(train_step)
    C.check_train_step(train_step, seed=29, cases=C.HIDDEN_STEP_CASES)
    C.check_scratch_grads_match(bridge.scratch_grads_match)
    C.check_scratch_grads_match(bridge.scratch_grads_match, seed=31, shapes=C.HIDDEN_MATCH_SHAPES)


class _NotRegistered(nn.Module):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.W = torch.randn(n_in, n_out) * math.sqrt(2 / (n_in + n_out))
        self.B = torch.zeros(1, n_out)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.W + self.B


class _Detached(DenseLayer):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.W.detach() + self.B


class _NoBias(DenseLayer):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.W


class _Uniform(DenseLayer):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__(n_in, n_out)
        self.W = nn.Parameter(nn.init.xavier_uniform_(torch.empty(n_in, n_out)))


class _LinearDefault(DenseLayer):
    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__(n_in, n_out)
        bound = 1 / math.sqrt(n_in)
        self.W = nn.Parameter(torch.empty(n_in, n_out).uniform_(-bound, bound))


@pytest.mark.parametrize(("cls", "words"), [
    (_NotRegistered, "no parameter is registered"),
    (_Detached, "W.grad is None"),
    (_NoBias, "the bias is missing"),
    (_Uniform, "Glorot's uniform variant"),
    (_LinearDefault, "nn.Linear's default initialisation"),
])
def test_dense_layer_mistakes_are_named(cls: type, words: str) -> None:
    with pytest.raises(CheckFailed, match=words):
        C.check_DenseLayer(cls)


def _no_zero_grad(model, loss_fn, optimizer, X, y):  # type: ignore[no-untyped-def]
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _no_step(model, loss_fn, optimizer, X, y):  # type: ignore[no-untyped-def]
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    return loss.item()


def _loss_after(model, loss_fn, optimizer, X, y):  # type: ignore[no-untyped-def]
    train_step(model, loss_fn, optimizer, X, y)
    return loss_fn(model(X), y).item()


def _tensor(model, loss_fn, optimizer, X, y):  # type: ignore[no-untyped-def]
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


def _own_optimizer(model, loss_fn, optimizer, X, y):  # type: ignore[no-untyped-def]
    # ignores the optimizer it was given: plain SGD instead of momentum / Adam
    model.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.3 * p.grad
    return loss.item()


@pytest.mark.parametrize(("step", "words"), [
    (_no_zero_grad, "without optimizer.zero_grad()"),
    (_no_step, "the weights did not change"),
    (_loss_after, "loss of the updated model"),
    (_tensor, r"loss.item\(\)"),
    (_own_optimizer, "all the weights after the step"),
])
def test_train_step_mistakes_are_named(step, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckFailed, match=words):
        C.check_train_step(step)


def test_scratch_grads_match_mistakes_are_named() -> None:
    with pytest.raises(CheckFailed, match="said True for gradients that are wrong"):
        C.check_scratch_grads_match(lambda W, B, X, G, grads: {"X": True, "W": True, "B": True})
    with pytest.raises(CheckFailed, match="right gradients disagree"):
        C.check_scratch_grads_match(lambda W, B, X, G, grads: {"X": False, "W": False, "B": False})
    with pytest.raises(CheckFailed, match="keys 'X', 'W' and 'B'"):
        C.check_scratch_grads_match(lambda W, B, X, G, grads: True)

    def broadcasting(W, B, X, G, grads):  # type: ignore[no-untyped-def]
        right = {"X": G @ W.T, "W": X.T @ G, "B": G.sum(axis=0)}
        return {k: bool(np.allclose(grads[k], right[k], rtol=1e-6, atol=1e-9)) for k in right}

    with pytest.raises(CheckFailed, match="np.allclose broadcasts"):
        C.check_scratch_grads_match(broadcasting)
