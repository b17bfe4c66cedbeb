"""Checks for chapter 01_functions: ``square``, ``leaky_relu``, ``sigmoid``, ``add_bias_rows``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

from dlfs import functions as ref
from dlfs.checks.gradcheck import CheckFailed, assert_close, call_learner

Shape = tuple[int, ...]
DEFAULT_SHAPES: tuple[Shape, ...] = ((6,), (3, 4), (2, 3, 5))


def _inputs(seed: int, shapes: Sequence[Shape], scale: float = 3.0) -> list[ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * scale for shape in shapes]


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
                    "this is plain ReLU: negative inputs should be multiplied by alpha, not set to 0.": ref.relu(x),
                    "you scaled the positive inputs by alpha; positives pass through unchanged, negatives are scaled.":
                        np.where(x > 0, a * x, x),
                    "you used the slope 0.01 even though another alpha was passed: use the `alpha` argument.":
                        ref.leaky_relu(x, 0.01) if a != 0.01 else np.full(x.shape, np.nan),
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
            },
        )


def check_add_bias_rows(add_bias_rows: Callable[[ndarray, ndarray], ndarray], seed: int = 0,
                        shapes: Sequence[tuple[int, int]] = ((4, 3), (2, 5), (6, 1))) -> None:
    """``add_bias_rows(X, b)`` adds ``b`` (n_features,) to every row of ``X`` (n_rows, n_features),
    and raises ``ValueError`` when ``b`` has any other shape or ``X`` is not 2-D."""
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
    bad_inputs = [
        (X, rng.normal(size=(4, 1)), "b is a column of shape (4, 1); NumPy would silently broadcast it into a (4, 3) result"),
        (X, rng.normal(size=(2,)), "b has 2 elements but X has 3 features"),
        (X, rng.normal(size=(1, 3)), "b has shape (1, 3), not (3,)"),
        (rng.normal(size=(3,)), rng.normal(size=(3,)), "X is 1-D, not (n_rows, n_features)"),
    ]
    for X_bad, b_bad, why in bad_inputs:
        try:
            with np.errstate(all="ignore"):
                add_bias_rows(X_bad, b_bad)
        except ValueError:
            continue
        except NotImplementedError:
            raise CheckFailed("add_bias_rows is not written yet: replace `raise NotImplementedError()` with your code.") from None
        except Exception as exc:  # noqa: BLE001
            raise CheckFailed(
                f"add_bias_rows(X of shape {X_bad.shape}, b of shape {b_bad.shape}) raised {type(exc).__name__}; "
                f"it should raise ValueError ({why})."
            ) from None
        raise CheckFailed(
            f"add_bias_rows(X of shape {X_bad.shape}, b of shape {b_bad.shape}) returned a result, "
            f"but it should raise ValueError: {why}.\n"
            "  Hint: check `b.shape == (X.shape[1],)` and `X.ndim == 2` first, and `raise ValueError(...)` with a message that says the shapes."
        )
