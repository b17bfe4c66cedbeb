"""Checks for chapter 01_functions: ``square``, ``leaky_relu``, ``sigmoid``, ``add_bias_rows``, ``center_columns``.

Every check calls the learner's function through :func:`~dlfs.checks.gradcheck.call_learner`
(so an input changed in place fails, and a crash names the shapes) and compares with
:func:`~dlfs.checks.gradcheck.assert_close` (so a list, a single number, an integer array
or a wrong shape gets its own message). Inputs are random, of several shapes, and far from
what a lazy answer could fit: negative and positive values, non-zero column means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs import functions as ref
from dlfs.checks.gradcheck import CheckFailed, assert_close, call_learner

Shape = tuple[int, ...]
DEFAULT_SHAPES: tuple[Shape, ...] = ((6,), (3, 4), (2, 3, 5))

HINT_LEAKY_CONSTANT = (
    "for negative inputs you returned alpha itself, a constant; leaky ReLU multiplies them by it: alpha * x."
)
HINT_PLAIN_RELU = "this is plain ReLU: negative inputs should be multiplied by alpha, not set to 0."
HINT_WRONG_SIDE = "you scaled the positive inputs by alpha; positives pass through unchanged, negatives are scaled."
HINT_DEFAULT_ALPHA = "you used the slope 0.01 even though another alpha was passed: use the `alpha` argument."
HINT_OVERALL_MEAN = "you subtracted one number, the mean of the whole array; subtract each column's own mean (axis=0)."
HINT_ROW_MEANS = "you subtracted each row's mean (axis=1); a feature is a column, so average over the rows: axis=0."
HINT_COLUMN_SUMS = "you subtracted the column sums; the mean is the sum divided by the number of rows."
HINT_STANDARDIZED = "you also divided by the standard deviation; centring only subtracts the mean."


def _inputs(seed: int, shapes: Sequence[Shape], scale: float = 3.0) -> list[ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * scale for shape in shapes]


def _nan_like(x: ndarray) -> ndarray:
    """A candidate that matches nothing (for a mistake that does not apply to this input)."""
    return np.full(x.shape, np.nan)


def check_square(square: Callable[[ndarray], ndarray], seed: int = 0, shapes: Sequence[Shape] = DEFAULT_SHAPES) -> None:
    """``square(x)`` equals ``x ** 2`` element-wise for arrays of every shape in ``shapes``."""
    __tracebackhide__ = True
    for x in _inputs(seed, shapes):
        got = call_learner(square, x, name="square")
        assert_close(
            got, x**2, what=f"square(x) for x of shape {x.shape}",
            mistakes={
                "this is 2·x, the derivative of x², not x² itself.": 2 * x,
                "this is |x|: square the values instead.": np.abs(x),
            },
        )


def check_leaky_relu(
    leaky_relu: Callable[..., ndarray], seed: int = 0, shapes: Sequence[Shape] = DEFAULT_SHAPES, alpha: float = 0.2
) -> None:
    """``leaky_relu(x)`` uses slope 0.01 for negatives by default, and ``leaky_relu(x, alpha)`` uses ``alpha``."""
    __tracebackhide__ = True
    for x in _inputs(seed, shapes):
        for args, a in (((), 0.01), ((alpha,), alpha)):
            got = call_learner(leaky_relu, x, *args, name="leaky_relu")
            call = "leaky_relu(x)" if not args else f"leaky_relu(x, {alpha})"
            assert_close(
                got, ref.leaky_relu(x, a), what=f"{call} for x of shape {x.shape}",
                mistakes={
                    HINT_PLAIN_RELU: ref.relu(x),
                    HINT_WRONG_SIDE: np.where(x > 0, a * x, x),
                    HINT_LEAKY_CONSTANT: np.where(x > 0, x, a),
                    HINT_DEFAULT_ALPHA: ref.leaky_relu(x, 0.01) if a != 0.01 else _nan_like(x),
                },
            )


def check_sigmoid(sigmoid: Callable[[ndarray], ndarray], seed: int = 0, shapes: Sequence[Shape] = DEFAULT_SHAPES) -> None:
    """``sigmoid(x)`` is ``1 / (1 + exp(-x))`` element-wise, finite even for inputs of ±1000."""
    __tracebackhide__ = True
    cases = _inputs(seed, shapes) + [np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])]
    for x in cases:
        got = call_learner(sigmoid, x, name="sigmoid")
        s = ref.sigmoid(x)
        assert_close(
            got, s, what=f"sigmoid(x) for x = {x.tolist()}" if x.ndim == 1 and x.size == 7 else f"sigmoid(x) for x of shape {x.shape}",
            rtol=1e-7, atol=1e-12,
            mistakes={
                "this is sigmoid(-x) = 1 / (1 + exp(x)): check the sign inside np.exp.": ref.sigmoid(-x),
                "this is 1 + exp(-x): `1/1 + np.exp(-x)` divides only the 1; put the denominator in parentheses.":
                    1 + np.exp(-np.clip(x, -700, 700)),
                "this is σ(x)(1 - σ(x)), the derivative of the sigmoid, not the sigmoid itself.": s * (1 - s),
                "this is tanh(x), which runs from -1 to 1; the sigmoid runs from 0 to 1.": np.tanh(x),
            },
        )


def _expect_value_error(func: Callable[..., Any], name: str, args: tuple[ndarray, ...], why: str, fix: str) -> None:
    """``func(*args)`` must raise ``ValueError``; anything else is a :class:`CheckFailed` saying why it should."""
    __tracebackhide__ = True
    shapes = ", ".join(f"{label} of shape {a.shape}" for label, a in zip(("X", "b"), args))
    try:
        call_learner(func, *args, name=name)
    except CheckFailed as failed:
        cause = failed.__cause__
        if isinstance(cause, ValueError):
            return
        if cause is None:  # not written yet, or an input changed in place: that message says it best
            raise
        raise CheckFailed(
            f"{name}({shapes}) raised {type(cause).__name__}; it should raise ValueError ({why})."
        ) from None
    raise CheckFailed(
        f"{name}({shapes}) returned a result, but it should raise ValueError: {why}.\n  Hint: {fix}"
    )


def check_add_bias_rows(add_bias_rows: Callable[[ndarray, ndarray], ndarray], seed: int = 0,
                        shapes: Sequence[tuple[int, int]] = ((4, 3), (2, 5), (6, 1))) -> None:
    """``add_bias_rows(X, b)`` adds ``b`` (n_features,) to every row of ``X`` (n_rows, n_features),
    returns a new array (``X`` and ``b`` unchanged), and raises ``ValueError`` when ``b`` has any
    other shape or ``X`` is not 2-D."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n_rows, n_features in shapes:
        X = rng.normal(size=(n_rows, n_features))
        b = rng.normal(size=n_features)
        got = call_learner(add_bias_rows, X, b, name="add_bias_rows")
        assert_close(
            got, X + b, what=f"add_bias_rows(X, b) for X of shape {X.shape} and b of shape {b.shape}",
            mistakes={
                "you added one number (the sum of b) to every element: add b[j] to column j instead.": X + b.sum(),
                "you added b to only the first row: broadcasting `X + b` adds it to every row.":
                    np.vstack([X[:1] + b, X[1:]]),
            },
        )
    X = rng.normal(size=(4, 3))
    fix = "check `b.shape == (X.shape[1],)` and `X.ndim == 2` first, and `raise ValueError(...)` with a message that says the shapes."
    bad_inputs = [
        (X, rng.normal(size=(4, 1)), "b is a column of shape (4, 1); NumPy would silently broadcast it into a (4, 3) result"),
        (X, rng.normal(size=(2,)), "b has 2 elements but X has 3 features"),
        (X, rng.normal(size=(1, 3)), "b has shape (1, 3), not (3,)"),
        (rng.normal(size=(3,)), rng.normal(size=(3,)), "X is 1-D, not (n_rows, n_features)"),
    ]
    for X_bad, b_bad, why in bad_inputs:
        _expect_value_error(add_bias_rows, "add_bias_rows", (X_bad, b_bad), why, fix)


def check_center_columns(center_columns: Callable[[ndarray], ndarray], seed: int = 0,
                         shapes: Sequence[tuple[int, int]] = ((5, 3), (2, 4), (6, 1))) -> None:
    """``center_columns(X)`` returns ``X - X.mean(axis=0)`` as a new array (``X`` unchanged),
    and raises ``ValueError`` when ``X`` is not 2-D.

    Every column of the inputs has its own, clearly non-zero mean, so returning ``X``,
    subtracting the wrong mean or the same number everywhere cannot pass.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n_rows, n_features in shapes:
        X = rng.normal(size=(n_rows, n_features)) + rng.uniform(-5.0, 5.0, size=n_features)
        got = call_learner(center_columns, X, name="center_columns")
        means = X.mean(axis=0)
        with np.errstate(all="ignore"):
            standardized = (X - means) / X.std(axis=0)
        assert_close(
            got, X - means, what=f"center_columns(X) for X of shape {X.shape}",
            mistakes={
                HINT_OVERALL_MEAN: X - X.mean() if n_features > 1 else _nan_like(X),
                HINT_ROW_MEANS: X - X.mean(axis=1, keepdims=True),
                HINT_COLUMN_SUMS: X - X.sum(axis=0) if n_rows > 1 else _nan_like(X),
                HINT_STANDARDIZED: standardized if n_rows > 1 else _nan_like(X),
                "you returned the column means themselves; subtract them from X.": np.broadcast_to(means, X.shape),
                "you returned X unchanged: subtract each column's mean.": X,
            },
        )
    fix = "check `X.ndim == 2` first and `raise ValueError(...)` with a message that says the shape."
    for X_bad, why in ((rng.normal(size=(5,)), "X is 1-D, not (n_rows, n_features)"),
                       (rng.normal(size=(2, 3, 4)), "X is 3-D, not (n_rows, n_features)")):
        _expect_value_error(center_columns, "center_columns", (X_bad,), why, fix)
