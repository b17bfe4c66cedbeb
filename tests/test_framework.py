"""Chapters 06-07 in the library: operations, layers, losses, network, optimizers, dropout, trainer.

Every backward pass is compared, in float64, with a central-difference gradient
of the very function its forward computes, on several non-square shapes with
batch > 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from numpy import ndarray

from dlfs.checks.gradcheck import numerical_gradient
from dlfs.data.prepare import one_hot
from dlfs.data.shipped import load_digits_data
from dlfs.nn import trainer as trainer_module
from dlfs.nn.dropout import Dropout
from dlfs.nn.init import glorot_init, standard_init
from dlfs.nn.layers import Dense
from dlfs.nn.losses import MeanSquaredError, SoftmaxCrossEntropy, softmax
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import BiasAdd, Linear, Operation, ReLU, Sigmoid, Tanh, WeightMultiply
from dlfs.nn.optim import SGD, SGDMomentum, exponential_decay, linear_decay
from dlfs.nn.trainer import Trainer, accuracy

SHAPES = [(4, 3, 2), (2, 5, 3), (6, 2, 4)]  # (batch n, input width k, output width m)


def rng_for(*key: int) -> np.random.Generator:
    return np.random.default_rng(list(key))


def assert_grad(received: ndarray, f: Callable[[ndarray], float], x: ndarray) -> None:
    np.testing.assert_allclose(received, numerical_gradient(f, x), rtol=1e-5, atol=1e-8)


def check_input_grad(make_op: Callable[[], Operation], X: ndarray, G: ndarray) -> None:
    """``op.backward(G)`` is the gradient of ``sum(op.forward(X) * G)`` with respect to ``X``."""
    op = make_op()
    op.forward(X)
    assert_grad(op.backward(G), lambda v: float(np.sum(make_op().forward(v) * G)), X)


# ---------------------------------------------------------------- operations


@pytest.mark.parametrize(("n", "k", "m"), SHAPES)
def test_weight_multiply_input_and_param_grads(n: int, k: int, m: int) -> None:
    rng = rng_for(n, k, m)
    X, W, G = rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    check_input_grad(lambda: WeightMultiply(W), X, G)
    op = WeightMultiply(W)
    op.forward(X)
    op.backward(G)
    assert_grad(op.param_grad, lambda w: float(np.sum(WeightMultiply(w).forward(X) * G)), W)


@pytest.mark.parametrize(("n", "k", "m"), SHAPES)
def test_bias_add_input_and_param_grads(n: int, k: int, m: int) -> None:
    rng = rng_for(n, k, m, 1)
    X, B, G = rng.normal(size=(n, m)), rng.normal(size=(1, m)), rng.normal(size=(n, m))
    check_input_grad(lambda: BiasAdd(B), X, G)
    op = BiasAdd(B)
    op.forward(X)
    op.backward(G)
    assert op.param_grad.shape == (1, m)
    assert_grad(op.param_grad, lambda b: float(np.sum(BiasAdd(b).forward(X) * G)), B)


@pytest.mark.parametrize("activation", [Sigmoid, Tanh, ReLU, Linear])
@pytest.mark.parametrize("shape", [(4, 3), (2, 7), (5, 1)])
def test_activation_input_grads(activation: type[Operation], shape: tuple[int, int]) -> None:
    rng = rng_for(*shape)
    X = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)  # away from ReLU's kink
    check_input_grad(activation, X, rng.normal(size=shape))


def test_sigmoid_does_not_overflow() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]])


# ---------------------------------------------------------------- layers and network


@pytest.mark.parametrize(("n", "k", "m"), SHAPES)
@pytest.mark.parametrize("activation", [Sigmoid, Tanh])
def test_dense_layer_grads(n: int, k: int, m: int, activation: type[Operation]) -> None:
    rng = rng_for(n, k, m, 2)
    X, G = rng.normal(size=(n, k)), rng.normal(size=(n, m))
    layer = Dense(m, activation(), weight_init="glorot", seed=3)
    assert layer.forward(X).shape == (n, m)
    input_grad = layer.backward(G)
    assert_grad(input_grad, lambda v: float(np.sum(layer.forward(v) * G)), X)
    for param, grad in zip(layer.params(), layer.param_grads()):
        def f(value: ndarray, param: ndarray = param) -> float:
            old = param.copy()
            param[...] = value
            out = float(np.sum(layer.forward(X) * G))
            param[...] = old
            return out

        assert_grad(grad, f, param.copy())


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy, MeanSquaredError])
def test_network_param_grads_match_numerical_gradients(loss: type) -> None:
    rng = rng_for(7)
    X, y = rng.normal(size=(5, 4)), one_hot(rng.integers(0, 3, size=5), 3)
    net = NeuralNetwork([Dense(6, Tanh(), "glorot"), Dense(3, Linear(), "glorot")], loss(), seed=0)
    net.train_batch(X, y)
    params, grads = net.params(), [g.copy() for g in net.param_grads()]
    assert [p.shape for p in params] == [(4, 6), (1, 6), (6, 3), (1, 3)]
    for param, grad in zip(params, grads):
        def f(value: ndarray, param: ndarray = param) -> float:
            old = param.copy()
            param[...] = value
            out = net.loss.forward(net.forward(X), y)
            param[...] = old
            return out

        assert_grad(grad, f, param.copy())


def test_each_dense_gets_its_own_activation_and_seeded_weights() -> None:
    act = Tanh()
    a, b = Dense(3, act, seed=1), Dense(3, act, seed=1)
    assert a.activation is not b.activation
    X = np.ones((2, 4))
    a.forward(X), b.forward(X)
    np.testing.assert_array_equal(a.params()[0], b.params()[0])
    net = NeuralNetwork([Dense(3), Dense(2)], MeanSquaredError(), seed=5)
    assert [layer.seed for layer in net.layers] == [5, 6]


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("shape", [(4, 3), (2, 10), (7, 2)])
def test_mse_backward_is_the_gradient_of_its_forward(shape: tuple[int, int]) -> None:
    rng = rng_for(*shape, 3)
    P, Y = rng.normal(size=shape), rng.normal(size=shape)
    loss = MeanSquaredError()
    value = loss.forward(P, Y)
    assert value == pytest.approx(np.sum((P - Y) ** 2) / shape[0])
    assert_grad(loss.backward(), lambda p: MeanSquaredError().forward(p, Y), P)


@pytest.mark.parametrize("shape", [(4, 3), (2, 10), (7, 2)])
def test_softmax_cross_entropy_backward_is_the_gradient_of_its_forward(shape: tuple[int, int]) -> None:
    rng = rng_for(*shape, 4)
    Z, Y = 3 * rng.normal(size=shape), one_hot(rng.integers(0, shape[1], size=shape[0]), shape[1])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(Z, Y)
    assert value == pytest.approx(-np.mean(np.sum(Y * np.log(softmax(Z)), axis=1)))
    grad = loss.backward()
    np.testing.assert_allclose(grad, (softmax(Z) - Y) / shape[0], atol=1e-15)
    assert_grad(grad, lambda z: SoftmaxCrossEntropy().forward(z, Y), Z)


def test_softmax_and_cross_entropy_are_stable_for_huge_logits() -> None:
    Z = np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    Y = one_hot(np.array([1, 2, 0]), 3)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        S = softmax(Z)
        loss = SoftmaxCrossEntropy()
        value = loss.forward(Z, Y)
        grad = loss.backward()
    assert np.all(np.isfinite(S)) and np.all(np.isfinite(grad)) and np.isfinite(value)
    np.testing.assert_allclose(S.sum(axis=1), 1.0)
    np.testing.assert_allclose(S[2], [1 / 3] * 3)
    np.testing.assert_allclose(softmax(Z.T, axis=0), S.T)
    assert value == pytest.approx((2000.0 + (1000.0 - 999.0 + np.log(2 + np.exp(-1.0))) + np.log(3)) / 3)


# ---------------------------------------------------------------- dropout


def test_dropout_scales_kept_units_and_backward_uses_the_same_mask() -> None:
    rng = rng_for(8)
    X, G = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    mask = rng.integers(0, 2, size=(4, 5)).astype(float)
    drop = Dropout(0.8, mask_fn=lambda shape: mask)
    np.testing.assert_allclose(drop.forward(X), X * mask / 0.8)
    np.testing.assert_allclose(drop.backward(G), G * mask / 0.8)
    check_input_grad(lambda: Dropout(0.8, mask_fn=lambda shape: mask), X, G)


def test_dropout_with_a_seed_is_reproducible_and_backward_matches_its_forward() -> None:
    X, G = np.random.default_rng(9).normal(size=(6, 7)), np.ones((6, 7))
    a, b = Dropout(0.6, seed=4), Dropout(0.6, seed=4)
    out = a.forward(X)
    np.testing.assert_array_equal(out, b.forward(X))
    assert set(np.unique(out / X).round(12)) <= {0.0, round(1 / 0.6, 12)}
    np.testing.assert_allclose(a.backward(G), (out != 0) / 0.6)


def test_dropout_is_the_identity_at_inference() -> None:
    X = np.random.default_rng(10).normal(size=(3, 4))
    drop = Dropout(0.5, seed=0)
    drop.training = False
    np.testing.assert_array_equal(drop.forward(X), X)
    np.testing.assert_array_equal(drop.backward(2 * X), 2 * X)
    net = NeuralNetwork([Dense(4, Linear(), dropout=0.5)], MeanSquaredError(), seed=0)
    np.testing.assert_array_equal(net.predict(X), net.predict(X))
    assert net.training and not np.array_equal(net.forward(X), net.predict(X))


def test_dropout_preserves_the_expected_value() -> None:
    out = Dropout(0.8, seed=11).forward(np.ones((400, 250)))
    assert abs(out.mean() - 1.0) < 0.01
    assert abs(np.mean(out == 0) - 0.2) < 0.01


# ---------------------------------------------------------------- initialisation


def test_glorot_and_standard_variances() -> None:
    rng = np.random.default_rng(12)
    W = glorot_init(300, 200, rng)
    assert W.shape == (300, 200)
    assert abs(W.mean()) < 0.002
    assert W.var() == pytest.approx(2 / (300 + 200), rel=0.03)
    assert standard_init(300, 200, rng).var() == pytest.approx(1.0, rel=0.03)
    layer = Dense(200, weight_init="glorot", seed=0)
    layer.forward(np.zeros((1, 300)))
    assert layer.params()[0].var() == pytest.approx(2 / 500, rel=0.03)


# ---------------------------------------------------------------- optimizers and schedules


def test_sgd_momentum_exact_update_sequence() -> None:
    """Constant gradient 1, lr 0.1, momentum 0.9: v = 0.1, 0.19, 0.271; param = 0.9, 0.71, 0.439."""
    param = np.array([1.0])
    opt = SGDMomentum(lr=0.1, momentum=0.9)
    seen = []
    for _ in range(3):
        opt.step([param], [np.array([1.0])])
        seen.append((float(opt.velocities[0][0]), float(param[0])))
    np.testing.assert_allclose(seen, [(0.1, 0.9), (0.19, 0.71), (0.271, 0.439)], rtol=1e-14)


def test_sgd_momentum_on_two_parameters_follows_the_documented_rule() -> None:
    rng = rng_for(13)
    params = [rng.normal(size=(3, 2)), rng.normal(size=(1, 2))]
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    opt = SGDMomentum(lr=0.05, momentum=0.8)
    for _ in range(4):
        grads = [rng.normal(size=p.shape) for p in params]
        opt.step(params, grads)
        for i, g in enumerate(grads):
            velocity[i] = 0.8 * velocity[i] + 0.05 * g
            expected[i] = expected[i] - velocity[i]
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p, e, rtol=1e-13)
    plain = np.array([1.0, 2.0])
    SGD(lr=0.5).step([plain], [np.array([1.0, -1.0])])
    np.testing.assert_array_equal(plain, [0.5, 2.5])


def test_decay_schedules_endpoints_and_shapes() -> None:
    assert linear_decay(0.1, 0.01, 0, 10) == pytest.approx(0.1)
    assert linear_decay(0.1, 0.01, 9, 10) == pytest.approx(0.01)
    assert linear_decay(0.1, 0.01, 3, 7) == pytest.approx(0.055)
    assert exponential_decay(0.1, 0.001, 0, 5) == pytest.approx(0.1)
    assert exponential_decay(0.1, 0.001, 4, 5) == pytest.approx(0.001)
    assert exponential_decay(0.1, 0.001, 2, 5) == pytest.approx(0.01)
    rates = [exponential_decay(0.1, 0.01, e, 6) for e in range(6)]
    np.testing.assert_allclose(np.diff(np.log(rates)), np.log(0.1) / 5)
    assert linear_decay(0.1, 0.01, 0, 1) == 0.1
    opt = SGDMomentum(lr=0.2, final_lr=0.02, decay="linear")
    opt.start_epoch(4, 5)
    assert opt.current_lr == pytest.approx(0.02)
    with pytest.raises(ValueError, match="epoch must be in 0..max_epochs - 1"):
        linear_decay(0.1, 0.01, 10, 10)
    with pytest.raises(ValueError, match="final_lr > 0"):
        exponential_decay(0.1, 0.0, 1, 10)
    with pytest.raises(ValueError, match="needs final_lr"):
        SGD(lr=0.1, decay="linear")
    with pytest.raises(ValueError, match="'linear' or 'exponential'"):
        SGD(lr=0.1, final_lr=0.01, decay="cosine")


# ---------------------------------------------------------------- trainer


@pytest.fixture(scope="module")
def digits() -> tuple[ndarray, ndarray, ndarray, ndarray, ndarray]:
    d = load_digits_data()
    return d.X_train, one_hot(d.y_train, 10), d.X_test, one_hot(d.y_test, 10), d.y_test


def digits_net(seed: int, hidden: int = 32, keep: float = 1.0) -> NeuralNetwork:
    layers = [Dense(hidden, Tanh(), "glorot", dropout=keep), Dense(10, Linear(), "glorot")]
    return NeuralNetwork(layers, SoftmaxCrossEntropy(), seed=seed)


def test_trainer_history_lengths_and_accuracy_on_digits(digits, capsys) -> None:
    X_train, Y_train, X_test, Y_test, labels = digits
    net = digits_net(seed=0)
    trainer = Trainer(net, SGDMomentum(lr=0.1, momentum=0.9, final_lr=0.01, decay="exponential"))
    history = trainer.fit(X_train, Y_train, X_test, Y_test, epochs=12, eval_every=4, batch_size=60,
                          seed=0, early_stopping=False, restore_best=False, progress=False)
    assert history["epoch"] == [4, 8, 12]
    assert {k: len(v) for k, v in history.items()} == {"epoch": 3, "train_loss": 3, "test_loss": 3, "test_accuracy": 3}
    assert history["test_accuracy"][-1] == accuracy(net, X_test, labels) == accuracy(net, X_test, Y_test)
    assert accuracy(net, X_test, labels) > 0.93
    assert capsys.readouterr() == ("", "")  # progress=False: nothing on stdout or stderr


def test_trainer_progress_bar_goes_to_stdout_not_stderr(digits, capsys, monkeypatch) -> None:
    X_train, Y_train, X_test, Y_test, _ = digits
    monkeypatch.setattr(trainer_module, "PROGRESS_DELAY_S", 0.0)  # show it at once, however short the fit
    Trainer(digits_net(seed=0, hidden=8), SGD(lr=0.1)).fit(
        X_train[:100], Y_train[:100], X_test[:50], Y_test[:50], epochs=2, eval_every=1, progress=True)
    out, err = capsys.readouterr()
    assert err == "" and "epochs" in out


def test_trainer_is_deterministic_with_a_seed(digits) -> None:
    X_train, Y_train, X_test, Y_test, _ = digits

    def run(seed: int) -> tuple[dict, list[ndarray]]:
        net = digits_net(seed=1, hidden=16, keep=0.8)
        h = Trainer(net, SGDMomentum(lr=0.1)).fit(X_train[:300], Y_train[:300], X_test, Y_test,
                                                   epochs=4, eval_every=2, batch_size=60, seed=seed, progress=False)
        return h, net.params()

    (h1, p1), (h2, p2), (h3, _) = run(5), run(5), run(6)
    assert h1 == h2
    for a, b in zip(p1, p2):
        np.testing.assert_array_equal(a, b)
    assert h1["test_loss"] != h3["test_loss"]


def test_early_stopping_restores_the_best_weights() -> None:
    """Test targets are minus the training targets: learning the training set makes the test loss worse."""
    rng = rng_for(14)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[3.0], [-2.0], [1.0]])

    def fit(epochs: int, restore_best: bool) -> tuple[Trainer, dict]:
        net = NeuralNetwork([Dense(1, Linear(), "glorot")], MeanSquaredError(), seed=0)
        trainer = Trainer(net, SGD(lr=0.01))
        return trainer, trainer.fit(X, y, X, -y, epochs=epochs, eval_every=2, batch_size=8, seed=0,
                                    restore_best=restore_best, progress=False)

    trainer, history = fit(40, restore_best=True)
    assert len(history["epoch"]) < 20 and history["test_loss"][-1] >= min(history["test_loss"])
    assert all(np.isnan(history["test_accuracy"]))  # one regression output: no accuracy
    best = trainer.best_epoch
    assert history["test_loss"][history["epoch"].index(best)] == min(history["test_loss"])
    reference, _ = fit(best, restore_best=False)  # the same run, stopped at the best epoch
    for restored, expected in zip(trainer.net.params(), reference.net.params()):
        np.testing.assert_array_equal(restored, expected)
    not_restored, _ = fit(40, restore_best=False)
    assert not np.array_equal(not_restored.net.params()[0], reference.net.params()[0])


# ---------------------------------------------------------------- clear errors


def test_shape_errors_say_expected_and_received() -> None:
    op = WeightMultiply(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="before WeightMultiply.forward"):
        op.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"input must have shape \(n, 3\).*received shape \(4, 5\)"):
        op.forward(np.ones((4, 5)))
    op.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"output_grad.*expected shape \(4, 2\), received shape \(2, 4\)"):
        op.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\(1, n_out\).*received shape \(3,\)"):
        BiasAdd(np.ones(3))
    with pytest.raises(ValueError, match=r"target must have the prediction's shape.*expected shape \(4, 10\), received shape \(4,\)"):
        SoftmaxCrossEntropy().forward(np.ones((4, 10)), np.arange(4))
    with pytest.raises(ValueError, match="sum to 1"):
        SoftmaxCrossEntropy().forward(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"gradient 0 must have the shape of parameter 0.*expected shape \(3, 2\)"):
        SGD().step([np.ones((3, 2))], [np.ones((2, 3))])
    with pytest.raises(ValueError, match="weight_init must be one of"):
        Dense(3, weight_init="xavier")
    with pytest.raises(ValueError, match="keep_prob must be in"):
        Dropout(0.0)


def test_a_wrong_backward_shape_in_a_subclass_is_caught() -> None:
    class Broken(Operation):
        def _output(self) -> ndarray:
            return self.input_.sum(axis=1, keepdims=True)

        def _input_grad(self, output_grad: ndarray) -> ndarray:
            return output_grad  # forgot to broadcast back to the input's shape

    op = Broken()
    op.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Broken._input_grad must return the input's shape: expected shape \(4, 3\), received shape \(4, 1\)"):
        op.backward(np.ones((4, 1)))
