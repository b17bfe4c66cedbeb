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
