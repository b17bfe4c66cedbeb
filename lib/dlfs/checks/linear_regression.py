"""Checks for chapter 05_linear_regression.

- :func:`check_forward_linear_regression` -- the loss and every array of ``forward_info``,
  and a ``ValueError`` for each shape of ``W``, ``B`` or ``y`` that does not fit.
- :func:`check_loss_gradients` -- ``dL/dW`` and ``dL/dB`` of linear regression's mean squared error.
- :func:`check_loss_gradients_nn` -- ``dL/dW1``, ``dL/dB1``, ``dL/dW2``, ``dL/dB2`` of the two-layer network.

Every gradient is compared with a float64 central-difference gradient of the loss
itself, on batches where the number of rows, features and hidden units all differ
(and at least 3 rows, so a missing ``1/n`` cannot hide behind a factor 2). The
learner's function always gets copies: changing the arrays or dicts it is given
cannot change what it is compared with.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import CheckFailed, as_float_array, assert_close, call_learner, check_gradient
from dlfs.functions import sigmoid
from dlfs.regression import forward_linear_regression, forward_loss_nn

# Loose enough for σ' taken with `deriv` (Δ = 0.001); every classic mistake is far outside.
RTOL, ATOL = 1e-4, 1e-6

HINT_NO_MEAN = (
    "you left out the 1/n of the mean: L averages over the n rows of the batch, "
    "so its gradient is divided by n = X.shape[0] too."
)
HINT_NO_TWO = "you left out the factor 2: the derivative of (P - y)² with respect to P is 2(P - y)."
HINT_NO_TWO_NO_MEAN = (
    "you left out both the 2 and the 1/n: for L = mean((P - y)²), dL/dP = (2/n)(P - y). "
    "(Some texts drop them and let the learning rate absorb them; the true gradient has them.)"
)
HINT_SIGN = "you used y - P; the error that the loss squares is P - y, so dL/dP = (2/n)(P - y)."
HINT_USED_N = "you used N = X @ W as the prediction; the prediction is P = N + B, so the error is P - y."
HINT_NOT_SUMMED_B = (
    "your array has shape {shape}, one number per row: you did not add up over the batch: B is added to every row, so dL/dB is dL/dP summed over "
    "the n rows: dL_dP.sum(axis=0, keepdims=True), shape (1, 1) like B."
)
HINT_MEAN_B = "you averaged dL/dP over the rows; the 1/n is already inside dL/dP = (2/n)(P - y): sum it instead."
HINT_SCALAR_B = (
    "your result has shape {shape}; the value is right but a gradient has the shape of its weight, (1, 1) for B: "
    "use .sum(axis=0, keepdims=True) or .reshape(1, 1)."
)
HINT_FLAT_B = "your result has shape {shape}; the number is right but a gradient has the shape of its weight: (1, 1) for B, not (1,); use keepdims=True."
HINT_ELEMENTWISE_W = (
    "your array has shape {shape}: you multiplied X and dL/dP element-wise, which keeps one row per observation; the matrix product "
    "X.T @ dL_dP adds the rows up and has the shape of W."
)
HINT_FLAT_W = "your array has shape {shape}; the numbers are right but the shape is not: the gradient has the shape of W, a column (k, 1)."
HINT_TRANSPOSED_W = "your array has shape {shape}, the transpose: dL/dW must have the shape of W, (k, 1): X.T @ dL_dP, not dL_dP.T @ X."
HINT_SIGMA_AT_M1 = (
    "you evaluated σ' at M1 = X @ W1; the sigmoid's input is N1 = M1 + B1 (the bias included), "
    "so use σ'(N1) = σ(N1) * (1 - σ(N1))."
)
HINT_SIGMA_VALUE = (
    "you multiplied by σ(N1) = O1, the sigmoid's value; the chain rule needs its derivative "
    "σ'(N1) = σ(N1) * (1 - σ(N1)) = O1 * (1 - O1)."
)
HINT_NO_SIGMA = (
    "you left out σ'(N1): the gradient flows back through the sigmoid, so multiply dL/dO1 "
    "element-wise by σ'(N1) = O1 * (1 - O1)."
)
HINT_SIGMA_OF_O1 = (
    "you applied σ(x)(1 - σ(x)) to O1, which is already σ(N1); σ'(N1) = O1 * (1 - O1), "
    "or sigmoid(N1) * (1 - sigmoid(N1))."
)
HINT_W2_FROM_N1 = "dP/dW2 is the hidden layer's output O1 = σ(N1), not N1 (the value before the sigmoid): dL/dW2 = O1.T @ dL_dP."
HINT_NOT_SUMMED_B1 = (
    "your array has shape {shape}, one row per observation: you did not add up over the batch: B1 is added to every row, so dL/dB1 is dL/dN1 summed over "
    "axis 0 (the rows): dL_dN1.sum(axis=0, keepdims=True), shape (1, h) like B1."
)
HINT_AXIS1_B1 = (
    "your array has shape {shape}: you summed over axis 1 (the hidden units); sum over axis 0 (the rows of the batch) "
    "to get one number per hidden unit, shape (1, h) like B1."
)
HINT_ALL_B1 = "your array has shape {shape}: you added up everything; sum over axis 0 only (the rows): one number per hidden unit, shape (1, h) like B1."
HINT_ALL_B1_SCALAR = "your result has shape {shape}: you added up everything into one number; sum over axis 0 only (the rows): shape (1, h) like B1."
HINT_FLAT_B1 = "your array has shape {shape}; the numbers are right but B1 has shape (1, h): use .sum(axis=0, keepdims=True)."
HINT_NOT_SUMMED_B2 = (
    "your array has shape {shape}, one number per row: you did not add up over the batch: B2 is added to every row, so dL/dB2 is dL/dP summed over "
    "the rows: dL_dP.sum(axis=0, keepdims=True), shape (1, 1) like B2."
)

#: Linear regression batches: (rows n, features k), never square.
VISIBLE_SHAPES: tuple[tuple[int, int], ...] = ((6, 3), (4, 7), (9, 2))
HIDDEN_SHAPES: tuple[tuple[int, int], ...] = ((5, 4), (3, 8), (12, 5), (7, 1))
#: Network batches: (rows n, features k, hidden units h), all three different.
VISIBLE_SHAPES_NN: tuple[tuple[int, int, int], ...] = ((5, 3, 4), (4, 6, 3), (8, 2, 5))
HIDDEN_SHAPES_NN: tuple[tuple[int, int, int], ...] = ((6, 4, 7), (3, 5, 2), (10, 3, 6))


# ---------------------------------------------------------------- helpers


def _copy(d: Mapping[str, ndarray]) -> dict[str, ndarray]:
    """A new dict of new arrays: what the learner may change without touching ours."""
    return {key: np.array(value, copy=True) for key, value in d.items()}


def _mse(P: ndarray, y: ndarray) -> float:
    return float(np.mean((P - y) ** 2))


def _linear_case(rng: np.random.Generator, n: int, k: int) -> tuple[ndarray, ndarray, dict[str, ndarray]]:
    """A batch X (n, k), targets y (n, 1), and weights with a bias clearly away from 0."""
    X = rng.normal(size=(n, k))
    y = rng.normal(size=(n, 1)) * 2.0 + 1.0
    bias = rng.uniform(0.5, 1.5) * rng.choice([-1.0, 1.0])
    return X, y, {"W": rng.normal(size=(k, 1)), "B": np.full((1, 1), bias)}


def _nn_case(rng: np.random.Generator, n: int, k: int, h: int) -> tuple[ndarray, ndarray, dict[str, ndarray]]:
    """A batch, targets and network weights; B1 is large enough that σ'(M1) and σ'(N1) differ clearly."""
    X = rng.normal(size=(n, k))
    y = rng.normal(size=(n, 1))
    weights = {
        "W1": rng.normal(size=(k, h)) / np.sqrt(k),
        "B1": rng.uniform(0.5, 1.5, size=(1, h)) * rng.choice([-1.0, 1.0], size=(1, h)),
        "W2": rng.normal(size=(h, 1)),
        "B2": rng.normal(size=(1, 1)),
    }
    return X, y, weights


def _shaped(pairs: Sequence[tuple[str, ndarray]]) -> list[tuple[str, ndarray]]:
    """``(hint, candidate)`` pairs with ``{shape}`` in a hint filled in with the candidate's shape."""
    return [(hint.replace("{shape}", str(np.shape(candidate))), candidate) for hint, candidate in pairs]


def _gradient_dict(got: Any, name: str, keys: Sequence[str]) -> Mapping[str, Any]:
    """The learner's result as a dict with ``keys``, or a clear failure."""
    __tracebackhide__ = True
    wanted = ", ".join(repr(k) for k in keys)
    if not isinstance(got, Mapping):
        raise CheckFailed(
            f"{name} should return a dict with the keys {wanted} (one gradient per weight); "
            f"it returned {type(got).__name__}."
        )
    missing = [k for k in keys if k not in got]
    if missing:
        raise CheckFailed(
            f"{name} should return a dict with the keys {wanted}, the names of the weights; "
            f"yours has the keys {sorted(map(str, got))}, so {', '.join(repr(k) for k in missing)} is missing."
        )
    return got


# ---------------------------------------------------------------- forward_linear_regression


def _expect_value_error(forward: Callable[..., Any], X: ndarray, y: ndarray, weights: dict[str, ndarray],
                        why: str) -> None:
    """Call ``forward`` on shapes that do not fit; it must raise ``ValueError``."""
    __tracebackhide__ = True
    call = (f"forward_linear_regression(X {X.shape}, y {y.shape}, "
            f"{{'W': {weights['W'].shape}, 'B': {weights['B'].shape}}})")
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            forward(X.copy(), y.copy(), _copy(weights))
    except ValueError:
        return
    except NotImplementedError:
        raise CheckFailed("forward_linear_regression is not written yet: replace `raise NotImplementedError()` with your code.") from None
    except Exception as exc:  # noqa: BLE001 -- any other exception is the learner's, reported in words
        raise CheckFailed(f"{call} raised {type(exc).__name__}: {exc}\n  It should raise ValueError: {why}") from None
    raise CheckFailed(f"{call} returned a result; it should raise ValueError, because {why}")


def check_forward_linear_regression(forward_linear_regression: Callable[..., Any], seed: int = 0,
                                    shapes: Sequence[tuple[int, int]] = VISIBLE_SHAPES) -> None:
    """``forward_linear_regression(X, y, weights)`` returns ``(mean((X @ W + B - y)²), {"X", "N", "P", "y"})``
    and raises ``ValueError`` when ``W``, ``B`` or ``y`` do not fit ``X`` (each wrong shape tried on its own:
    W with a row too many, W with two columns, B of shape (1, 2), a flat y, y with two columns)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    forward = forward_linear_regression
    for n, k in shapes:
        X, y, weights = _linear_case(rng, n, k)
        W, B = weights["W"], weights["B"]
        N = X @ W
        P = N + B
        label = f"for X {X.shape}, y {y.shape}, W {W.shape}, B {B.shape}"
        got = call_learner(forward, X.copy(), y.copy(), _copy(weights), name="forward_linear_regression")
        if not isinstance(got, tuple | list) or len(got) != 2:
            raise CheckFailed(
                "forward_linear_regression should return a pair (loss, forward_info); it returned "
                f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, tuple | list) else "") + "."
            )
        loss, info = got
        if isinstance(loss, list | tuple) or loss is None:
            raise CheckFailed(f"the loss from forward_linear_regression {label} should be one number (a float); "
                              f"received {'None' if loss is None else 'a Python ' + type(loss).__name__}.")
        as_float_array(loss, f"the loss from forward_linear_regression {label}", 0.0)
        if np.ndim(loss) != 0:
            raise CheckFailed(
                f"the loss from forward_linear_regression {label} should be one number (a float); received an array "
                f"of shape {np.shape(loss)}. Hint: np.mean(...) without an axis gives one number; float(...) makes it a float."
            )
        assert_close(
            loss, _mse(P, y), what=f"the loss from forward_linear_regression {label}", rtol=1e-9, atol=1e-12,
            mistakes={
                "you added up the squared errors; the loss is their mean: divide by n, the number of rows.": n * _mse(P, y),
                "this is the root of the mean squared error (RMSE); the loss is the mean squared error itself.":
                    np.sqrt(_mse(P, y)),
                "you left out the bias: the predictions are P = X @ W + B.": _mse(N, y),
                "this is the mean of P - y; square the errors before averaging them.": float(np.mean(P - y)),
                "this is the mean absolute error; the loss squares the errors: mean((P - y) ** 2).":
                    float(np.mean(np.abs(P - y))),
            },
        )
        if not isinstance(info, Mapping):
            raise CheckFailed(f"forward_info should be a dict with the keys 'X', 'N', 'P', 'y'; it is a {type(info).__name__}.")
        missing = [key for key in ("X", "N", "P", "y") if key not in info]
        if missing:
            raise CheckFailed(
                f"forward_info should have the keys 'X', 'N', 'P', 'y'; yours has {sorted(map(str, info))}, "
                f"so {', '.join(repr(m) for m in missing)} is missing."
            )
        for key, given in (("X", X), ("y", y)):
            value = as_float_array(info[key], f'forward_info["{key}"] from forward_linear_regression {label}', given)
            if value.shape != given.shape or not np.array_equal(value, given):
                raise CheckFailed(
                    f'forward_info["{key}"] from forward_linear_regression {label} should be the {key}_batch it was given, '
                    f"unchanged (the backward pass needs it); yours has shape {value.shape}"
                    f"{'' if value.shape != given.shape else ' and different values'}."
                )
        assert_close(info["N"], N, what=f'forward_info["N"] from forward_linear_regression {label}', rtol=1e-9, atol=1e-12,
                     mistakes={"N is X @ W, before the bias is added (P = N + B comes next).": P})
        assert_close(info["P"], P, what=f'forward_info["P"] from forward_linear_regression {label}', rtol=1e-9, atol=1e-12,
                     mistakes={"you left out the bias: P = N + B = X @ W + B.": N})

    # Shapes that do not fit must be refused, with a ValueError: each one a lazy shape check lets through.
    n, k = shapes[0]
    X, y, weights = _linear_case(rng, n, k)
    W, B = weights["W"], weights["B"]
    bad: list[tuple[ndarray, dict[str, ndarray], str]] = [
        (y, {"W": rng.normal(size=(k + 1, 1)), "B": B},
         f"X has {k} features (columns) but W has {k + 1} rows: X @ W needs W of shape ({k}, 1)."),
        (y, {"W": rng.normal(size=(k, 2)), "B": B},
         f"W must be one column, shape ({k}, 1); with W of shape ({k}, 2), X @ W has 2 columns, P - y broadcasts to "
         f"shape ({n}, 2) and the loss is silently wrong. Check W's shape, both numbers."),
        (y, {"W": W, "B": np.full((1, 2), B[0, 0])},
         f"B must be one number in an array of shape (1, 1); with B of shape (1, 2), P = N + B has shape ({n}, 2) "
         "and the loss is silently wrong. Check B's shape too."),
        (y.ravel(), weights,
         f"y must be a column of shape (n, 1) = ({n}, 1): with y of shape ({n},), P - y broadcasts "
         f"to shape ({n}, {n}) and the loss is silently wrong. Check y_batch.shape before computing."),
        (np.hstack([y, y]), weights,
         f"y must be one column, shape ({n}, 1); with y of shape ({n}, 2), P - y broadcasts to shape ({n}, 2) and the "
         "loss is silently wrong. Check both numbers of y_batch.shape, not only y_batch.ndim."),
    ]
    for y_bad, w_bad, why in bad:
        _expect_value_error(forward, X, y_bad, w_bad, why)


# ---------------------------------------------------------------- loss_gradients


def check_loss_gradients(loss_gradients: Callable[..., Any], seed: int = 0,
                         shapes: Sequence[tuple[int, int]] = VISIBLE_SHAPES) -> None:
    """``loss_gradients(forward_info, weights)`` returns ``{"W": dL/dW (k, 1), "B": dL/dB (1, 1)}``
    for ``L = mean((X @ W + B - y)²)``, checked against central differences of ``L``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k in shapes:
        X, y, weights = _linear_case(rng, n, k)
        W, B = weights["W"], weights["B"]
        _, info = forward_linear_regression(X.copy(), y.copy(), _copy(weights))
        info = _copy(info)
        got = _gradient_dict(
            call_learner(loss_gradients, _copy(info), _copy(weights), name="loss_gradients"), "loss_gradients", ("W", "B"))

        N, P = X @ W, X @ W + B
        dP = (2.0 / n) * (P - y)
        gW, gB = X.T @ dP, dP.sum(axis=0, keepdims=True)
        dN_wrong = (2.0 / n) * (N - y)
        label = f"from loss_gradients for X {X.shape}, W {W.shape}"
        check_gradient(
            got["W"], lambda w: _mse(X @ w + B, y), W, what=f"dL/dW {label}", rtol=RTOL, atol=ATOL,
            mistakes=_shaped([*{
                HINT_NO_TWO_NO_MEAN: n * gW / 2, HINT_NO_MEAN: n * gW, HINT_NO_TWO: gW / 2, HINT_SIGN: -gW,
                HINT_USED_N: X.T @ dN_wrong, HINT_ELEMENTWISE_W: X * dP, HINT_TRANSPOSED_W: gW.T, HINT_FLAT_W: gW.ravel(),
            }.items()]),
        )
        check_gradient(
            got["B"], lambda b: _mse(X @ W + b, y), B, what=f"dL/dB {label}", rtol=RTOL, atol=ATOL,
            mistakes=_shaped([*{
                HINT_NOT_SUMMED_B: dP, HINT_NO_TWO_NO_MEAN: n * gB / 2, HINT_NO_MEAN: n * gB, HINT_NO_TWO: gB / 2,
                HINT_MEAN_B: gB / n, HINT_SIGN: -gB, HINT_USED_N: dN_wrong.sum(axis=0, keepdims=True),
                HINT_SCALAR_B: gB.reshape(()), HINT_FLAT_B: gB.reshape(1),
            }.items()]),
        )


# ---------------------------------------------------------------- loss_gradients_nn


def _nn_loss(X: ndarray, y: ndarray, weights: dict[str, ndarray], key: str) -> Callable[[ndarray], float]:
    """The network's loss as a function of the one weight ``key``, the others held fixed."""
    def loss(value: ndarray) -> float:
        w = dict(weights)
        w[key] = value
        O1 = sigmoid(X @ w["W1"] + w["B1"])
        return _mse(O1 @ w["W2"] + w["B2"], y)
    return loss


def check_loss_gradients_nn(loss_gradients_nn: Callable[..., Any], seed: int = 0,
                            shapes: Sequence[tuple[int, int, int]] = VISIBLE_SHAPES_NN) -> None:
    """``loss_gradients_nn(forward_info, weights)`` returns the gradients of the two-layer network's
    mean squared error for ``W1 (k, h)``, ``B1 (1, h)``, ``W2 (h, 1)``, ``B2 (1, 1)``, checked against
    central differences of the loss."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, h in shapes:
        X, y, weights = _nn_case(rng, n, k, h)
        _, info = forward_loss_nn(X.copy(), y.copy(), _copy(weights))
        info = _copy(info)
        got = _gradient_dict(
            call_learner(loss_gradients_nn, _copy(info), _copy(weights), name="loss_gradients_nn"),
            "loss_gradients_nn", ("W1", "B1", "W2", "B2"))

        M1, N1, O1, P = info["M1"], info["N1"], info["O1"], info["P"]
        W2 = weights["W2"]
        dP = (2.0 / n) * (P - y)
        dO1 = dP @ W2.T
        dN1 = dO1 * O1 * (1 - O1)
        wrong_dN1 = {
            HINT_SIGMA_AT_M1: dO1 * sigmoid(M1) * (1 - sigmoid(M1)),
            HINT_SIGMA_VALUE: dO1 * O1,
            HINT_NO_SIGMA: dO1,
            HINT_SIGMA_OF_O1: dO1 * sigmoid(O1) * (1 - sigmoid(O1)),
        }
        scale = {HINT_NO_TWO_NO_MEAN: n / 2, HINT_NO_MEAN: n, HINT_NO_TWO: 0.5}
        g = {"W1": X.T @ dN1, "B1": dN1.sum(axis=0, keepdims=True), "W2": O1.T @ dP, "B2": dP.sum(axis=0, keepdims=True)}
        mistakes: dict[str, dict[str, ndarray]] = {key: {hint: s * g[key] for hint, s in scale.items()} for key in g}
        mistakes["W1"].update({hint: X.T @ d for hint, d in wrong_dN1.items()})
        mistakes["B1"] = {
            HINT_NOT_SUMMED_B1: dN1, HINT_AXIS1_B1: dN1.sum(axis=1, keepdims=True),
            HINT_ALL_B1: dN1.sum().reshape(1, 1), HINT_ALL_B1_SCALAR: dN1.sum().reshape(()), HINT_FLAT_B1: g["B1"].ravel(),
            **mistakes["B1"], **{hint: d.sum(axis=0, keepdims=True) for hint, d in wrong_dN1.items()},
        }
        mistakes["W2"].update({HINT_W2_FROM_N1: N1.T @ dP, HINT_SIGN: -g["W2"]})
        mistakes["B2"] = {HINT_NOT_SUMMED_B2: dP, HINT_SCALAR_B.replace("for B", "for B2"): g["B2"].reshape(()),
                          HINT_MEAN_B: g["B2"] / n, HINT_SIGN: -g["B2"], **mistakes["B2"]}

        label = f"from loss_gradients_nn for X {X.shape}, W1 {weights['W1'].shape}, W2 {W2.shape}"
        for key in ("W2", "B2", "W1", "B1"):  # in the order the backward pass meets them
            check_gradient(got[key], _nn_loss(X, y, weights, key), weights[key], what=f"dL/d{key} {label}",
                           rtol=RTOL, atol=ATOL, mistakes=_shaped(list(mistakes[key].items())))


# ---------------------------------------------------------------- train_epoch

#: (rows n, features k, hidden h, batch_size, learning rate): n not a multiple of the batch size
#: (a last, smaller batch), a single batch, batches of one row, a batch larger than n.
VISIBLE_EPOCH_CASES: tuple[tuple[int, int, int, int, float], ...] = ((10, 3, 2, 4, 0.1), (7, 2, 3, 7, 0.05), (9, 4, 2, 2, 0.2))
HIDDEN_EPOCH_CASES: tuple[tuple[int, int, int, int, float], ...] = (
    (13, 2, 3, 5, 0.1), (6, 3, 2, 1, 0.05), (8, 5, 4, 3, 0.15), (5, 2, 2, 8, 0.1))

HINT_EPOCH_ORDER = (
    "you took the batches in the rows' own order (0, 1, 2, ...): batch j holds the rows order[j·b : (j+1)·b], "
    "so index X and y with those row numbers."
)
HINT_EPOCH_Y_ORDER = (
    "you took the rows of X in `order` but the rows of y in their own order: index both with the same row numbers."
)
HINT_EPOCH_LAST_BATCH = (
    "you left out the last, smaller batch: when n is not a multiple of batch_size, the rows left over "
    "make one more (smaller) step. range(0, n, batch_size) gives every batch's first row."
)
HINT_EPOCH_FULL_BATCH = (
    "this is one step on all the rows at once: an epoch takes one step per batch of batch_size rows."
)
HINT_EPOCH_FIRST_BATCH = "this is one step on the first batch only: an epoch takes one step per batch, until every row was used."
HINT_EPOCH_ASCENT = "your steps go uphill: subtract the gradient, θ ← θ − η·∂L/∂θ."
HINT_EPOCH_SAME_START = (
    "every batch's gradient was taken at the starting weights: take the steps one after another, so that each "
    "batch's forward and backward see the weights the previous step left."
)
HINT_EPOCH_AVERAGED = (
    "you averaged the batches' steps (or gradients) into one step: an epoch takes one step per batch, each "
    "from the weights the previous step left."
)
HINT_EPOCH_NO_LR = "your steps leave out the learning rate: θ ← θ − η·∂L/∂θ."
HINT_EPOCH_UNCHANGED = "the weights did not change: every batch must update every weight, θ ← θ − η·∂L/∂θ."


def probe_forward(X_batch: ndarray, y_batch: ndarray, weights: dict[str, ndarray]) -> tuple[float, dict[str, ndarray]]:
    """A model for checking training loops (not one of the chapter's): ``P = (X W1 + B1) W2 + B2``, two linear
    layers without an activation, and ``L = mean((P - y)²)``; keys ``W1 (k, h)``, ``B1 (1, h)``, ``W2 (h, 1)``, ``B2 (1, 1)``."""
    H = X_batch @ weights["W1"] + weights["B1"]
    P = H @ weights["W2"] + weights["B2"]
    return float(np.mean((P - y_batch) ** 2)), {"X": X_batch, "H": H, "P": P, "y": y_batch}


def probe_backward(forward_info: dict[str, ndarray], weights: dict[str, ndarray]) -> dict[str, ndarray]:
    """The gradients of :func:`probe_forward`'s loss, one per weight."""
    X, H, P, y = (forward_info[key] for key in ("X", "H", "P", "y"))
    dP = 2.0 * (P - y) / X.shape[0]
    dH = dP @ weights["W2"].T
    return {"W1": X.T @ dH, "B1": dH.sum(axis=0, keepdims=True), "W2": H.T @ dP, "B2": dP.sum(axis=0, keepdims=True)}


def _epoch_reference(X: ndarray, y: ndarray, weights: dict[str, ndarray], lr: float, b: int, order: ndarray, *,
                     y_order: ndarray | None = None, drop_last: bool = False, mode: str = "steps") -> dict[str, ndarray]:
    """One epoch on :func:`probe_forward`, and the classic mistakes' versions of it."""
    n = X.shape[0]
    y_rows = order if y_order is None else y_order
    starts = [s for s in range(0, n, b) if not (drop_last and s + b > n)]
    w = dict(weights)
    steps = []
    for s in starts:
        _, info = probe_forward(X[order[s:s + b]], y[y_rows[s:s + b]], w if mode == "steps" else weights)
        grads = probe_backward(info, w if mode == "steps" else weights)
        steps.append(grads)
        if mode == "steps":
            w = {key: value - lr * grads[key] for key, value in w.items()}
    if mode == "same start":
        return {key: value - lr * sum(g[key] for g in steps) for key, value in weights.items()}
    if mode == "averaged":
        return {key: value - lr * sum(g[key] for g in steps) / len(steps) for key, value in weights.items()}
    return w


def _epoch_case(rng: np.random.Generator, n: int, k: int, h: int) -> tuple[ndarray, ndarray, dict[str, ndarray], ndarray]:
    X = rng.normal(size=(n, k))
    y = rng.normal(size=(n, 1))
    weights = {"W1": rng.normal(size=(k, h)) * 0.5, "B1": rng.normal(size=(1, h)) * 0.5,
               "W2": rng.normal(size=(h, 1)) * 0.5, "B2": rng.normal(size=(1, 1))}
    order = rng.permutation(n)
    while n > 2 and (np.array_equal(order, np.arange(n)) or np.array_equal(order[:2], np.arange(2))):
        order = rng.permutation(n)  # far from the rows' own order, so a forgotten `order` shows
    return X, y, weights, order


def check_train_epoch(train_epoch: Callable[..., Any], seed: int = 0,
                      cases: Sequence[tuple[int, int, int, int, float]] = VISIBLE_EPOCH_CASES) -> None:
    """``train_epoch(X, y, weights, forward, backward, learning_rate, batch_size, order)`` returns the weights
    after one step ``θ ← θ − η ∂L/∂θ`` per batch, the batches ``order[j·b : (j+1)·b]`` in turn, each step from
    the weights the one before left.

    The model is one the learner has not met, :func:`probe_forward` and :func:`probe_backward` (two linear
    layers with the keys W1, B1, W2, B2), passed in as ``forward`` and ``backward``: a loop that calls
    other functions, or updates only the keys W and B, fails. ``weights``, ``X``, ``y`` and ``order``
    must be left unchanged.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, h, b, lr in cases:
        X, y, weights, order = _epoch_case(rng, n, k, h)
        call = (f"train_epoch(X {X.shape}, y {y.shape}, weights, forward, backward, learning_rate={lr:g}, "
                f"batch_size={b}, order={order.tolist()})")
        got = call_learner(train_epoch, X.copy(), y.copy(), _copy(weights), probe_forward, probe_backward, lr, b,
                           order.copy(), name="train_epoch")
        got = _gradient_dict(got, "train_epoch", tuple(weights))
        want = _epoch_reference(X, y, weights, lr, b, order)
        candidates = [
            (HINT_EPOCH_ORDER, _epoch_reference(X, y, weights, lr, b, np.arange(n))),
            (HINT_EPOCH_Y_ORDER, _epoch_reference(X, y, weights, lr, b, order, y_order=np.arange(n))),
            (HINT_EPOCH_LAST_BATCH, _epoch_reference(X, y, weights, lr, b, order, drop_last=True)),
            (HINT_EPOCH_FULL_BATCH, _epoch_reference(X, y, weights, lr, n, order)),
            (HINT_EPOCH_FIRST_BATCH, _epoch_reference(X[order[:b]], y[order[:b]], weights, lr, n, np.arange(min(b, n)))),
            (HINT_EPOCH_ASCENT, _epoch_reference(X, y, weights, -lr, b, order)),
            (HINT_EPOCH_SAME_START, _epoch_reference(X, y, weights, lr, b, order, mode="same start")),
            (HINT_EPOCH_AVERAGED, _epoch_reference(X, y, weights, lr, b, order, mode="averaged")),
            (HINT_EPOCH_NO_LR, _epoch_reference(X, y, weights, 1.0, b, order)),
            (HINT_EPOCH_UNCHANGED, weights),
        ]
        # mistakes that give the right answer for this case (e.g. one batch: no order to get wrong) say nothing
        candidates = [(hint, c) for hint, c in candidates
                      if not all(np.allclose(c[key], want[key], rtol=1e-9, atol=1e-12) for key in want)]
        unchanged = [key for key in weights if np.shape(got[key]) == weights[key].shape
                     and np.array_equal(np.asarray(got[key], dtype=np.float64), weights[key])]
        if unchanged and len(unchanged) < len(weights):
            raise CheckFailed(
                f"train_epoch left {', '.join(repr(key) for key in unchanged)} unchanged ({call}); the weights here are "
                f"{', '.join(repr(key) for key in weights)}.\n  Hint: update every weight in the dict, whatever its "
                "name (loop over its keys): the network has other weights than linear regression's W and B.")
        for key in weights:
            assert_close(got[key], want[key], what=f'the new weights["{key}"] from {call}', rtol=1e-9, atol=1e-12,
                         mistakes=[(hint, c[key]) for hint, c in candidates])
