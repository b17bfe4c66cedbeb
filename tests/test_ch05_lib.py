"""Chapter 05 in the library: linear regression, a two-layer network, their training, checks and pictures.

The references' gradients are compared with float64 central differences of the loss
on several batches (more than one row, never only square); training must reach
scikit-learn's closed-form test RMSE within 1 %; every check accepts right answers
written other ways, is not fooled by a function that changes what it is given, and
names each classic mistake.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from dlfs import regression as R
from dlfs.checks import linear_regression as lrc
from dlfs.checks.gradcheck import CheckFailed, numerical_gradient
from dlfs.data.shipped import load_diabetes_data
from dlfs.derivatives import deriv
from dlfs.functions import sigmoid

LINEAR_SHAPES = [(6, 3), (4, 7), (9, 1), (2, 5), (12, 4)]
NN_SHAPES = [(5, 3, 4), (4, 6, 3), (8, 2, 5), (3, 1, 7), (10, 4, 2)]


def _linear(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, k)), rng.normal(size=(n, 1)), {"W": rng.normal(size=(k, 1)), "B": rng.normal(size=(1, 1))}


def _nn(n: int, k: int, h: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    weights = {"W1": rng.normal(size=(k, h)), "B1": rng.normal(size=(1, h)),
               "W2": rng.normal(size=(h, 1)), "B2": rng.normal(size=(1, 1))}
    return rng.normal(size=(n, k)), rng.normal(size=(n, 1)), weights


# ---------------------------------------------------------------- reference implementations


@pytest.mark.parametrize(("n", "k"), LINEAR_SHAPES)
def test_linear_regression_gradients_match_numerical_gradients(n: int, k: int) -> None:
    X, y, w = _linear(n, k, seed=n * 10 + k)
    loss, info = R.forward_linear_regression(X, y, w)
    assert isinstance(loss, float) and set(info) == {"X", "N", "P", "y"}
    np.testing.assert_allclose(info["N"], X @ w["W"])
    np.testing.assert_allclose(info["P"], X @ w["W"] + w["B"])
    np.testing.assert_allclose(loss, np.mean((info["P"] - y) ** 2))
    grads = R.loss_gradients(info, w)
    for key in ("W", "B"):
        def f(value: np.ndarray, key: str = key) -> float:
            return R.forward_linear_regression(X, y, {**w, key: value})[0]
        assert grads[key].shape == w[key].shape
        np.testing.assert_allclose(grads[key], numerical_gradient(f, w[key]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("n", "k", "h"), NN_SHAPES)
def test_network_gradients_match_numerical_gradients(n: int, k: int, h: int) -> None:
    X, y, w = _nn(n, k, h, seed=n * 100 + k * 10 + h)
    loss, info = R.forward_loss_nn(X, y, w)
    assert set(info) == {"X", "M1", "N1", "O1", "M2", "P", "y"}
    np.testing.assert_allclose(info["O1"], sigmoid(X @ w["W1"] + w["B1"]))
    np.testing.assert_allclose(info["P"], R.predict_nn(X, w))
    grads = R.loss_gradients_nn(info, w)
    assert set(grads) == {"W1", "B1", "W2", "B2"}
    for key in grads:
        def f(value: np.ndarray, key: str = key) -> float:
            return R.forward_loss_nn(X, y, {**w, key: value})[0]
        assert grads[key].shape == w[key].shape
        np.testing.assert_allclose(grads[key], numerical_gradient(f, w[key]), rtol=1e-6, atol=1e-8)


def test_the_gradient_is_the_true_one_not_the_books_shortcut() -> None:
    # dL/dW = (2/n) X.T (P - y): dropping the 2/n would be n/2 times too large here
    X, y, w = _linear(8, 3, seed=4)
    _, info = R.forward_linear_regression(X, y, w)
    np.testing.assert_allclose(R.loss_gradients(info, w)["W"], (2 / 8) * X.T @ (info["P"] - y))
    np.testing.assert_allclose(R.loss_gradients(info, w)["B"], [[(2 / 8) * np.sum(info["P"] - y)]])


def test_shape_errors_name_the_shapes() -> None:
    X, y, w = _linear(5, 3)
    with pytest.raises(ValueError, match=r"\(5, 1\).*got shape \(5,\).*reshape"):
        R.forward_linear_regression(X, y.ravel(), w)
    with pytest.raises(ValueError, match=r"weights\['W'\] must have shape \(3, 1\); got \(4, 1\)"):
        R.forward_linear_regression(X, y, {"W": np.ones((4, 1)), "B": w["B"]})
    with pytest.raises(ValueError, match="2-D"):
        R.predict(X[0], w)
    Xn, yn, wn = _nn(5, 3, 4)
    with pytest.raises(ValueError, match=r"weights\['B1'\] must have shape \(1, 4\)"):
        R.forward_loss_nn(Xn, yn, {**wn, "B1": np.ones((5, 4))})
    with pytest.raises(ValueError, match="no 'W2'"):
        R.predict_nn(Xn, {k: v for k, v in wn.items() if k != "W2"})
    with pytest.raises(ValueError, match="same shape"):
        R.rmse(np.ones((3, 1)), np.ones(3))


def test_metrics() -> None:
    y, p = np.array([[1.0], [2.0], [4.0]]), np.array([[2.0], [2.0], [1.0]])
    assert R.mae(y, p) == pytest.approx(4 / 3)
    assert R.rmse(y, p) == pytest.approx(np.sqrt(10 / 3))


def test_init_weights_shapes_and_bias() -> None:
    w = R.init_weights(4, seed=1, bias=2.5)
    assert w["W"].shape == (4, 1) and w["B"].tolist() == [[2.5]]
    v = R.init_weights_nn(4, 6, seed=1, bias=-1.0)
    assert {k: a.shape for k, a in v.items()} == {"W1": (4, 6), "B1": (1, 6), "W2": (6, 1), "B2": (1, 1)}
    assert v["B2"].tolist() == [[-1.0]] and not v["B1"].any()


def test_train_is_seeded_leaves_its_input_alone_and_records_every_epoch() -> None:
    X, y, _ = _linear(50, 3, seed=2)
    start = R.init_weights(3, seed=0)
    before = {k: v.copy() for k, v in start.items()}
    w1, h1 = R.train(X, y, start, learning_rate=0.05, epochs=7, batch_size=8, seed=3, X_val=X[:10], y_val=y[:10])
    w2, h2 = R.train(X, y, start, learning_rate=0.05, epochs=7, batch_size=8, seed=3)
    assert all(np.array_equal(start[k], before[k]) for k in start)
    assert len(h1["train"]) == 8 and len(h1["validation"]) == 8 and "validation" not in h2
    assert h1["train"] == h2["train"] and np.array_equal(w1["W"], w2["W"])
    assert h1["train"][-1] < h1["train"][0]
    _, h3 = R.train(X, y, start, learning_rate=0.05, epochs=7, batch_size=8, seed=4)
    assert h3["train"] != h1["train"]  # another seed, another shuffling


def test_train_reports_divergence_instead_of_warning() -> None:
    X, y, _ = _linear(40, 3, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FloatingPointError, match="smaller learning_rate"):
            R.train(X * 100, y, R.init_weights(3), learning_rate=10.0, epochs=50)


def test_gradient_descent_reaches_scikit_learns_closed_form_within_one_percent() -> None:
    from sklearn.linear_model import LinearRegression

    d = load_diabetes_data()
    w, history = R.train(d.X_train, d.y_train, R.init_weights(10, seed=0), learning_rate=0.03, epochs=300,
                         batch_size=32, seed=0)
    ours = R.rmse(d.y_test, R.predict(d.X_test, w))
    sk = LinearRegression().fit(d.X_train, d.y_train)
    closed = R.rmse(d.y_test, sk.predict(d.X_test))
    assert abs(ours - closed) / closed <= 0.01, (ours, closed)
    best_train_mse = R.rmse(d.y_train, sk.predict(d.X_train)) ** 2  # the lowest training loss there is
    assert best_train_mse <= history["train"][-1] <= 1.01 * best_train_mse


# ---------------------------------------------------------------- checks accept right answers


def _forward_other_way(X_batch: np.ndarray, y_batch: np.ndarray, weights: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    if y_batch.ndim != 2 or y_batch.shape != (len(X_batch), 1):
        raise ValueError(f"y_batch must be ({len(X_batch)}, 1), got {y_batch.shape}")
    if weights["W"].shape != (X_batch.shape[1], 1) or weights["B"].size != 1:
        raise ValueError(f"W must be ({X_batch.shape[1]}, 1) and B one number; got {weights['W'].shape}, {weights['B'].shape}")
    N = np.einsum("nk,km->nm", X_batch, weights["W"])
    P = N + weights["B"][0, 0]
    return np.square(P - y_batch).sum() / len(P), {"X": X_batch, "N": N, "P": P, "y": y_batch}


def _gradients_recomputed(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    X, y = info["X"], info["y"]
    err = X @ weights["W"] + weights["B"] - y  # recomputed, not read from info["P"]
    return {"W": 2 * np.mean(X * err, axis=0).reshape(-1, 1), "B": 2 * np.mean(err).reshape(1, 1)}


def _gradients_mutating(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    grads = {k: v.copy() for k, v in R.loss_gradients(info, weights).items()}
    for d in (info, weights):  # a right answer that then scribbles over everything it was given
        for v in d.values():
            v[...] = 0.0
        d["extra"] = np.ones(1)
    return grads


def _nn_with_deriv(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # σ' from chapter 02's central difference, einsum for the products
    n = info["X"].shape[0]
    dP = 2 * (info["P"] - info["y"]) / n
    dN1 = np.einsum("nu,hu->nh", dP, weights["W2"]) * deriv(sigmoid, info["N1"])
    return {"W1": np.einsum("nk,nh->kh", info["X"], dN1), "B1": dN1.sum(axis=0)[None, :],
            "W2": np.einsum("nh,nu->hu", info["O1"], dP), "B2": np.array([[dP.sum()]])}


def _nn_from_scratch(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # only X and y from info; everything else recomputed from the weights
    X, y = info["X"], info["y"]
    O1 = 1 / (1 + np.exp(-(X @ weights["W1"] + weights["B1"])))
    dP = 2 * (O1 @ weights["W2"] + weights["B2"] - y) / len(X)
    dN1 = dP @ weights["W2"].T * O1 * (1 - O1)
    return {"B2": dP.sum(axis=0, keepdims=True), "W2": O1.T @ dP, "B1": dN1.sum(axis=0, keepdims=True), "W1": X.T @ dN1}


RIGHT = [
    (lrc.check_forward_linear_regression, R.forward_linear_regression, {}),
    (lrc.check_forward_linear_regression, R.forward_linear_regression, {"seed": 7, "shapes": lrc.HIDDEN_SHAPES}),
    (lrc.check_forward_linear_regression, _forward_other_way, {}),
    (lrc.check_loss_gradients, R.loss_gradients, {}),
    (lrc.check_loss_gradients, R.loss_gradients, {"seed": 11, "shapes": lrc.HIDDEN_SHAPES}),
    (lrc.check_loss_gradients, _gradients_recomputed, {}),
    (lrc.check_loss_gradients_nn, R.loss_gradients_nn, {}),
    (lrc.check_loss_gradients_nn, R.loss_gradients_nn, {"seed": 13, "shapes": lrc.HIDDEN_SHAPES_NN}),
    (lrc.check_loss_gradients_nn, _nn_with_deriv, {}),
    (lrc.check_loss_gradients_nn, _nn_from_scratch, {"seed": 2}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers_quickly(check: Callable[..., None], answer: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    start = time.perf_counter()
    check(answer, **kwargs)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------- checks name the classic mistakes


def _lin(mistake: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], dict[str, np.ndarray]]) -> Callable[..., Any]:
    """A loss_gradients written from X, N, P, y and n."""
    def loss_gradients(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return mistake(info["X"], info["N"], info["P"], info["y"], info["X"].shape[0])
    return loss_gradients


def _right_w(X: np.ndarray, P: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    return 2 / n * X.T @ (P - y)


def _right_b(P: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    return 2 / n * (P - y).sum(axis=0, keepdims=True)


def _ds(z: np.ndarray) -> np.ndarray:
    return sigmoid(z) * (1 - sigmoid(z))


def _nn_mistake(*, dsigma: Callable[[dict[str, np.ndarray]], Any] = lambda i: _ds(i["N1"]), factor: float = 2.0,
                mean: bool = True, b1: Callable[[np.ndarray], np.ndarray] = lambda d: d.sum(axis=0, keepdims=True),
                b2: Callable[[np.ndarray], np.ndarray] = lambda d: d.sum(axis=0, keepdims=True),
                w2_from: str = "O1") -> Callable[..., Any]:
    def loss_gradients_nn(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        n = info["X"].shape[0]
        dP = factor * (info["P"] - info["y"]) / (n if mean else 1)
        dN1 = dP @ weights["W2"].T * dsigma(info)
        return {"W1": info["X"].T @ dN1, "B1": b1(dN1), "W2": info[w2_from].T @ dP, "B2": b2(dP)}
    return loss_gradients_nn


def _forward_mistake(kind: str) -> Callable[..., Any]:
    def forward_linear_regression(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[Any, dict[str, Any]]:
        N = X @ w["W"]
        P = N + w["B"]
        losses = {"sum": np.sum((P - y) ** 2), "rmse": np.sqrt(np.mean((P - y) ** 2)), "no bias": np.mean((N - y) ** 2),
                  "axis": np.mean((P - y) ** 2, axis=0), "abs": np.mean(np.abs(P - y))}
        loss = losses.get(kind, np.mean((P - y) ** 2))
        info = {"X": X, "N": P if kind == "N with bias" else N, "P": P, "y": y}
        if kind == "mutates X":
            X *= 2
        if kind == "y two columns" and (w["W"].shape != (X.shape[1], 1) or w["B"].shape != (1, 1)
                                        or y.ndim != 2 or y.shape[0] != X.shape[0]):
            raise ValueError("shapes do not fit")
        if kind == "no key":
            del info["N"]
        if kind == "assert":
            assert w["W"].shape == (X.shape[1], 1) and w["B"].shape == (1, 1) and y.shape == (X.shape[0], 1)
        return loss, info
    return forward_linear_regression


def _forward_checks_ndim_only(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    # the example: checks y's rows and W's rows, so a W of shape (k, 2) or a y with two columns slips through
    if y.ndim != 2 or X.shape[0] != y.shape[0] or X.shape[1] != w["W"].shape[0]:
        raise ValueError("shapes do not fit")
    return _unchecked_forward(X, y, w)


def _unchecked_forward(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    N = X @ w["W"]
    P = N + w["B"]
    return float(np.mean((P - y) ** 2)), {"X": X, "N": N, "P": P, "y": y}


def _forward_checks_w_rows_only(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    if w["W"].shape != (X.shape[1], 1):
        raise ValueError(f"W must be ({X.shape[1]}, 1)")
    return _unchecked_forward(X, y, w)


def _forward_flat_y_accepted(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    if w["W"].shape != (X.shape[1], 1) or w["B"].shape != (1, 1):
        raise ValueError("W or B has the wrong shape")
    return _unchecked_forward(X, y, w)


def _forward_list_info(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[float, dict[str, Any]]:
    loss, info = R.forward_linear_regression(X, y, w)
    return loss, {**info, "P": info["P"].tolist()}


def _forward_float_loss_list(X: np.ndarray, y: np.ndarray, w: dict[str, np.ndarray]) -> tuple[Any, dict[str, Any]]:
    loss, info = R.forward_linear_regression(X, y, w)
    return [loss], info


MISTAKES: list[tuple[Callable[..., None], Callable[..., Any], str]] = [
    (lrc.check_loss_gradients, _gradients_mutating, "changed its input `info['X']` in place"),
    (lrc.check_forward_linear_regression, _forward_mistake("sum"), "divide by n"),
    (lrc.check_forward_linear_regression, _forward_mistake("rmse"), "(RMSE)"),
    (lrc.check_forward_linear_regression, _forward_mistake("no bias"), "you left out the bias"),
    (lrc.check_forward_linear_regression, _forward_mistake("abs"), "mean absolute error"),
    (lrc.check_forward_linear_regression, _forward_mistake("axis"), "should be one number"),
    (lrc.check_forward_linear_regression, _forward_mistake("N with bias"), "before the bias is added"),
    (lrc.check_forward_linear_regression, _forward_mistake("mutates X"), "in place"),
    (lrc.check_forward_linear_regression, _forward_mistake("no key"), "'N' is missing"),
    (lrc.check_forward_linear_regression, _forward_mistake("none"), "X @ W has 2 columns"),
    (lrc.check_forward_linear_regression, _forward_checks_ndim_only, "Check W's shape, both numbers"),
    (lrc.check_forward_linear_regression, _forward_checks_w_rows_only, "Check B's shape too"),
    (lrc.check_forward_linear_regression, _forward_flat_y_accepted, "broadcasts to shape (6, 6)"),
    (lrc.check_forward_linear_regression, _forward_list_info, "received a Python list"),
    (lrc.check_forward_linear_regression, _forward_float_loss_list, "received a Python list"),
    (lrc.check_forward_linear_regression, _forward_mistake("y two columns"), "not only y_batch.ndim"),
    (lrc.check_forward_linear_regression, _forward_mistake("assert"), "raised AssertionError"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": 2 * X.T @ (P - y), "B": _right_b(P, y, n)}), "1/n of the mean"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": X.T @ (P - y) / n, "B": _right_b(P, y, n)}), "the factor 2"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": X.T @ (P - y), "B": (P - y).sum(keepdims=True)}), "both the 2 and the 1/n"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": (2 / n * (P - y)).T @ X, "B": _right_b(P, y, n)}), "the transpose"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": 2 / n * X * (P - y), "B": _right_b(P, y, n)}), "element-wise"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, P, y, n).ravel(), "B": _right_b(P, y, n)}), "shape (3,)"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": -_right_w(X, P, y, n), "B": _right_b(P, y, n)}), "you used y - P"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, N, y, n), "B": _right_b(N, y, n)}), "you used N = X @ W"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, P, y, n), "B": 2 / n * (P - y)}),
     "shape (6, 1), one number per row: you did not add up over the batch"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, P, y, n), "B": 2 / n * (P - y).sum()}), "shape (); the value is right"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, P, y, n), "B": 2 / n * (P - y).mean(keepdims=True)}),
     "you averaged dL/dP"),
    (lrc.check_loss_gradients, _lin(lambda X, N, P, y, n: {"W": _right_w(X, P, y, n), "b": _right_b(P, y, n)}), "'B' is missing"),
    (lrc.check_loss_gradients, lambda info, w: (R.loss_gradients(info, w)["W"], R.loss_gradients(info, w)["B"]), "should return a dict"),
    (lrc.check_loss_gradients, lambda info, w: None, "should return a dict"),
    (lrc.check_loss_gradients_nn, _nn_mistake(dsigma=lambda i: _ds(i["M1"])), "σ' at M1 = X @ W1"),
    (lrc.check_loss_gradients_nn, _nn_mistake(dsigma=lambda i: i["O1"]), "the sigmoid's value"),
    (lrc.check_loss_gradients_nn, _nn_mistake(dsigma=lambda i: sigmoid(i["N1"])), "the sigmoid's value"),
    (lrc.check_loss_gradients_nn, _nn_mistake(dsigma=lambda i: 1.0), "you left out σ'(N1)"),
    (lrc.check_loss_gradients_nn, _nn_mistake(dsigma=lambda i: _ds(i["O1"])), "already σ(N1)"),
    (lrc.check_loss_gradients_nn, _nn_mistake(factor=1.0), "dL/dW2 from loss_gradients_nn"),
    (lrc.check_loss_gradients_nn, _nn_mistake(factor=1.0), "the factor 2"),
    (lrc.check_loss_gradients_nn, _nn_mistake(mean=False), "1/n of the mean"),
    (lrc.check_loss_gradients_nn, _nn_mistake(factor=1.0, mean=False), "both the 2 and the 1/n"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b1=lambda d: d), "dL/dB1"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b1=lambda d: d), "shape (5, 4), one row per observation"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b1=lambda d: d.sum(axis=1, keepdims=True)), "you summed over axis 1"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b1=lambda d: d.sum(keepdims=True)), "you added up everything"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b1=lambda d: d.sum(axis=0)), "keepdims=True"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b2=lambda d: d), "dL/dB2"),
    (lrc.check_loss_gradients_nn, _nn_mistake(b2=lambda d: d), "you did not add up over the batch"),
    (lrc.check_loss_gradients_nn, _nn_mistake(w2_from="N1"), "not N1"),
    (lrc.check_loss_gradients_nn, lambda info, w: {"W1": 0, "B1": 0, "W2": 0}, "'B2' is missing"),
    (lrc.check_loss_gradients_nn, lambda info, w: (_ for _ in ()).throw(NotImplementedError()), "not written yet"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)


def test_mutating_the_inputs_cannot_fool_a_check() -> None:
    def sneaky(info: dict[str, np.ndarray], weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # a wrong answer (zeros) that also zeroes P - y in what it was given, hoping the check reads it back
        info["P"][...] = info["y"]
        for v in weights.values():
            v[...] = 0.0
        return {"W": np.zeros_like(weights["W"]), "B": np.zeros((1, 1))}

    with pytest.raises(CheckFailed, match=r"changed its input `info\['P'\]` in place"):
        lrc.check_loss_gradients(sneaky)


def test_case_shapes_cannot_hide_a_mistake() -> None:
    for n, k in lrc.VISIBLE_SHAPES + lrc.HIDDEN_SHAPES[:3]:
        assert n >= 3 and n != k  # n >= 3: a missing 1/n never equals a missing factor 2; n != k: transposes show
    for n, k, h in lrc.VISIBLE_SHAPES_NN + lrc.HIDDEN_SHAPES_NN:
        assert n >= 3 and len({n, k, h}) == 3 and h >= 2


def test_hidden_cases_differ_from_visible_ones() -> None:
    assert set(lrc.HIDDEN_SHAPES).isdisjoint(lrc.VISIBLE_SHAPES)
    assert set(lrc.HIDDEN_SHAPES_NN).isdisjoint(lrc.VISIBLE_SHAPES_NN)


# ---------------------------------------------------------------- pictures and the explorer


def test_gradient_descent_path_shows_the_three_regimes() -> None:
    from dlfs.draw.landscapes import gradient_descent_path, two_weight_loss

    d = load_diabetes_data()
    names = list(d.feature_names)
    X2 = d.X_train[:, [names.index("s1"), names.index("s2")]]
    best = np.linalg.lstsq(X2, d.y_train - d.y_train.mean(), rcond=None)[0].ravel()
    lowest = float(two_weight_loss(X2, d.y_train, best))
    _, slow = gradient_descent_path(X2, d.y_train, (0, 0), 0.01, 30)
    _, good = gradient_descent_path(X2, d.y_train, (0, 0), 0.3, 100)
    _, bad = gradient_descent_path(X2, d.y_train, (0, 0), 0.6, 100)
    assert slow[-1] > lowest + 0.05 * (slow[0] - lowest)  # crawls
    assert good[-1] < lowest + 1e-3 * (good[0] - lowest)  # converges
    assert bad[-1] > bad[0] and len(bad) < 101  # diverges, and stops
    np.testing.assert_allclose(good[0], float(np.mean((d.y_train - d.y_train.mean()) ** 2)))


def test_figures_and_explorer_work_headless_with_titles_and_labels(capfd: pytest.CaptureFixture[str]) -> None:
    from dlfs.draw.graphs import linear_regression_graph, network_graph
    from dlfs.draw.landscapes import plot_gradient_descent, plot_learning_rates
    from dlfs.draw.networks import network_units_diagram
    from dlfs.draw.results import (
        plot_feature_weights, plot_fits_1d, plot_hidden_units_1d, plot_line_and_errors, plot_loss_histories,
        plot_predicted_vs_actual, plot_target_against_features,
    )
    from dlfs.widgets.linear_regression import loss_surface_explorer

    d = load_diabetes_data()
    names = list(d.feature_names)
    w = R.init_weights_nn(1, 3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [
            plot_learning_rates(d.X_train[:, [4, 5]], d.y_train, [0.01, 0.3, 0.6], 20, (0, 0), names=("s1", "s2")),
            plot_gradient_descent(d.X_train[:, [2, 8]], d.y_train, 0.1, 10, (0, 0), names=("bmi", "s5")),
            plot_target_against_features(d.X_train, d.y_train, names),
            plot_line_and_errors(d.X_train[:, 2], d.y_train, 40.0, 150.0, feature="bmi"),
            plot_loss_histories({"train": [3.0, 2.0, 1.0]}),
            plot_predicted_vs_actual(d.y_test, {"a": d.y_test + 1}),
            plot_feature_weights({"a": np.ones((10, 1)), "b": np.arange(10)}, names),
            plot_fits_1d(np.arange(5.0), np.arange(5.0), np.arange(5.0), {"line": np.arange(5.0)}),
            plot_hidden_units_1d(np.linspace(-2, 2, 9), w),
        ]
        for fig in figures:
            for ax in fig.axes:
                if ax.axison:
                    assert ax.get_title() or fig.get_suptitle(), fig
                    assert ax.get_xlabel() and (ax.get_ylabel() or ax.get_subplotspec().colspan.start > 0), ax.get_title()
            assert fig._repr_png_()[:4] == b"\x89PNG"
        for diagram in (linear_regression_graph(), linear_regression_graph(gradients=True), network_graph(True),
                        network_units_diagram(("a", "b"), 3)):
            assert diagram.axes[0].get_title()
            assert diagram._repr_png_()[:4] == b"\x89PNG"
        box = loss_surface_explorer(d.X_train, d.y_train, names, learning_rate=0.02, steps=5)
        controls = box.children[0].children
        controls[1].value = 0.9  # too large: diverges
        assert "diverged" in box.children[1].value
        controls[0].value = controls[0].options[1]
        controls[1].value = 0.3
        controls[2].value = 60
        assert "converged" in box.children[1].value
    assert capfd.readouterr().err == ""
    with pytest.raises(ValueError, match="not in feature_names"):
        loss_surface_explorer(d.X_train, d.y_train, names, pairs=(("bmi", "nope"),))
    with pytest.raises(ValueError, match="10 values"):
        plot_feature_weights({"a": np.ones(3)}, names)


# ---------------------------------------------------------------- train_epoch: the training loop, written by the learner


def _epoch_array_split(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray], forward: Callable[..., Any],
                       backward: Callable[..., Any], learning_rate: float, batch_size: int, order: np.ndarray) -> dict[str, np.ndarray]:
    # batches by slicing a reordered copy, a while loop, in-place updates on its own copies
    Xs, ys = X[order], y[order]
    w = {key: value.copy() for key, value in weights.items()}
    start = 0
    while start < len(Xs):
        _, info = forward(Xs[start:start + batch_size], ys[start:start + batch_size], w)
        for key, grad in backward(info, w).items():
            w[key] -= learning_rate * grad
        start += batch_size
    return w


def _epoch_mistake(kind: str) -> Callable[..., Any]:
    def train_epoch(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray], forward: Callable[..., Any],
                    backward: Callable[..., Any], learning_rate: float, batch_size: int, order: np.ndarray) -> Any:
        n = len(X)
        rows = np.arange(n) if kind == "no order" else order
        w = dict(weights)
        stop = n - batch_size + 1 if kind == "drop last" else n
        for start in range(0, stop, batch_size):
            r = rows[start:start + batch_size]
            y_rows = np.arange(n)[start:start + batch_size] if kind == "y order" else r
            _, info = forward(X[r], y[y_rows], w)
            grads = backward(info, w)
            if kind == "in place":
                for key in w:
                    w[key] -= learning_rate * grads[key]
                continue
            sign = -1.0 if kind == "ascent" else 1.0
            w = {key: w[key] - sign * learning_rate * grads[key] for key in w}
            if kind == "first batch":
                break
        if kind == "W only":
            return {**weights, "W1": w["W1"]}
        if kind == "tuple":
            return tuple(w.values())
        if kind == "list values":
            return {key: value.tolist() for key, value in w.items()}
        return w
    return train_epoch


EPOCH_RIGHT = [
    (R.train_epoch, {}),
    (R.train_epoch, {"seed": 17, "cases": lrc.HIDDEN_EPOCH_CASES}),
    (_epoch_array_split, {}),
    (_epoch_array_split, {"seed": 3, "cases": lrc.HIDDEN_EPOCH_CASES}),
]


@pytest.mark.parametrize(("answer", "kwargs"), EPOCH_RIGHT)
def test_train_epoch_check_accepts_right_answers(answer: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    lrc.check_train_epoch(answer, **kwargs)


EPOCH_MISTAKES = [
    ("no order", "in the rows' own order"),
    ("y order", "the rows of y in their own order"),
    ("drop last", "you left out the last, smaller batch"),
    ("ascent", "your steps go uphill"),
    ("first batch", "one step on the first batch only"),
    ("in place", "changed its input `weights['W1']` in place"),
    ("W only", "left 'B1', 'W2', 'B2' unchanged"),
    ("tuple", "should return a dict"),
    ("list values", "received a Python list"),
]


@pytest.mark.parametrize(("kind", "message"), EPOCH_MISTAKES)
def test_train_epoch_check_names_the_classic_mistake(kind: str, message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        lrc.check_train_epoch(_epoch_mistake(kind))
    assert message in str(info.value), str(info.value)


def test_train_epoch_check_names_steps_not_taken_one_after_another() -> None:
    def same_start(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray], forward: Callable[..., Any],
                   backward: Callable[..., Any], lr: float, b: int, order: np.ndarray) -> dict[str, np.ndarray]:
        total = {key: np.zeros_like(value) for key, value in weights.items()}
        for start in range(0, len(X), b):
            _, info = forward(X[order[start:start + b]], y[order[start:start + b]], weights)
            for key, grad in backward(info, weights).items():
                total[key] = total[key] + grad
        return {key: weights[key] - lr * total[key] for key in weights}

    def full_batch(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray], forward: Callable[..., Any],
                   backward: Callable[..., Any], lr: float, b: int, order: np.ndarray) -> dict[str, np.ndarray]:
        _, info = forward(X, y, weights)
        return {key: weights[key] - lr * g for key, g in backward(info, weights).items()}

    def ignores_forward(X: np.ndarray, y: np.ndarray, weights: dict[str, np.ndarray], forward: Callable[..., Any],
                        backward: Callable[..., Any], lr: float, b: int, order: np.ndarray) -> dict[str, np.ndarray]:
        # calls the chapter's linear regression instead of the functions it was given
        return R.train_epoch(X, y, weights, R.forward_linear_regression, R.loss_gradients, lr, b, order)

    for answer, message in ((same_start, "every batch's gradient was taken at the starting weights"),
                            (full_batch, "one step on all the rows at once"),
                            (ignores_forward, "raised ValueError")):
        with pytest.raises(CheckFailed) as info:
            lrc.check_train_epoch(answer)
        assert message in str(info.value), str(info.value)


def test_library_train_is_train_epoch_on_shuffled_orders() -> None:
    X, y, _ = _linear(23, 3, seed=5)
    start = R.init_weights(3, seed=1)
    trained, _ = R.train(X, y, start, learning_rate=0.05, epochs=4, batch_size=5, seed=9)
    rng, w = np.random.default_rng(9), start
    for _ in range(4):
        w = R.train_epoch(X, y, w, R.forward_linear_regression, R.loss_gradients, 0.05, 5, rng.permutation(23))
    for key in start:
        np.testing.assert_array_equal(trained[key], w[key])


def test_probe_model_gradients_match_numerical_gradients() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    w = {"W1": rng.normal(size=(3, 4)), "B1": rng.normal(size=(1, 4)), "W2": rng.normal(size=(4, 1)), "B2": rng.normal(size=(1, 1))}
    _, info = lrc.probe_forward(X, y, w)
    grads = lrc.probe_backward(info, w)
    for key in w:
        np.testing.assert_allclose(grads[key], numerical_gradient(lambda v, key=key: lrc.probe_forward(X, y, {**w, key: v})[0], w[key]),
                                   rtol=1e-6, atol=1e-9)


def test_train_epoch_check_works_through_the_graders_channel(tmp_path: Any) -> None:
    from conftest import open_channel

    from dlfs_autograder.remote import RemoteFunction

    code = ("from dlfs.regression import _epoch\n"
            "def train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order):\n"
            "    return _epoch(X, y, weights, forward, backward, learning_rate, batch_size, order)\n"
            "def no_order(X, y, weights, forward, backward, learning_rate, batch_size, order):\n"
            "    return _epoch(X, y, weights, forward, backward, learning_rate, batch_size, sorted(order))\n")
    channel_gen = open_channel(tmp_path, code, cell_seconds=20)
    channel = next(channel_gen)
    try:
        lrc.check_train_epoch(RemoteFunction(channel, "train_epoch"))
        with pytest.raises(CheckFailed, match="in the rows' own order"):
            lrc.check_train_epoch(RemoteFunction(channel, "no_order"))
    finally:
        channel_gen.close()


# ---------------------------------------------------------------- the numbers the chapter's prose quotes


def _prose(chapter: str) -> str:
    import nbformat

    from conftest import solution_path
    nb = nbformat.read(str(solution_path(chapter)), as_version=4)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def test_the_numbers_in_chapter_05s_prose_are_the_ones_its_code_prints() -> None:
    from sklearn.linear_model import LinearRegression

    text = _prose("05_linear_regression")
    d = load_diabetes_data(test_fraction=0.3, seed=0)
    w, history = R.train(d.X_train, d.y_train, R.init_weights(10, seed=0), learning_rate=0.03, epochs=300,
                         batch_size=32, seed=0)
    before, after = history["train"][0], history["train"][-1]
    assert round(before, -4) == 30_000 and "about 30,000" in text
    assert round(after, -2) == 2_900 and "to about 2,900" in text
    assert history["train"][5] < 1.2 * after  # "within a few epochs, and then hardly moves"
    mae_test, std_test = R.mae(d.y_test, R.predict(d.X_test, w)), float(d.y_test.std())
    assert f"about {round(mae_test)} points" in text and f"deviation is about {round(std_test)}" in text
    names = list(d.feature_names)
    corr = np.corrcoef(d.X_train[:, names.index("s1")], d.X_train[:, names.index("s2")])[0, 1]
    assert f"strongly correlated ({corr:.2f})" in text
    assert f"{len(d.X_test)} test patients" in text and f"{len(d.X_train)} patients" in text and "442" in text
    closed = R.rmse(d.y_test, LinearRegression().fit(d.X_train, d.y_train).predict(d.X_test))
    assert abs(R.rmse(d.y_test, R.predict(d.X_test, w)) - closed) / closed < 0.01 and "within 1 %" in text
    # a hidden unit's step is centred at x = -B1 / W1, as the text of section 16 and question 4 say
    assert "x = -B_{1,j} / W_{1,j}" in text
    x = np.array([[1.5]])
    assert sigmoid(x * 2.0 - 3.0)[0, 0] == 0.5
