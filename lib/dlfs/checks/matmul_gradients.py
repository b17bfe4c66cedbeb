"""Checks for chapter 04_matmul_gradients.

Every gradient is compared with a central-difference gradient of the scalar it
belongs to (float64), on shapes where rows, features and outputs all differ,
so a missing transpose or a product in the wrong order is caught by the values
and the shapes, not by luck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

from dlfs.checks.cases import LEAKY_RELU, SIGMOID, SIN, SQUARE, TANH, Fn, away_from_kinks
from dlfs.checks.gradcheck import CheckFailed, call_learner, check_gradient

# Loose enough for σ' from `deriv` with Δ = 0.001 summed over a batch (errors ~1e-6),
# tight enough that every classic mistake (off by a factor, a transpose, σ for σ') is far outside.
RTOL, ATOL = 1e-4, 1e-6
HINT_FORGOT_DSIGMA = "you left out σ'(N): the gradient flows through σ, so multiply by its derivative at N = X @ W."
HINT_USED_SIGMA = "you used σ(N), the function's value; the chain rule needs σ'(N), its derivative."
HINT_ELEMENTWISE = "you multiplied element-wise (*) where a matrix product (@) belongs, or the other way round."
HINT_IGNORED_G = (
    "this is what an upstream gradient of all ones would give: your function ignores dL_dN. The gradient arriving "
    "from the right can be any array: put it where the ones were (dL_dN @ W.T, X.T @ dL_dN)."
)
HINT_STALE_G = (
    "this is the right answer for the dL_dN of the previous call, not this one: your function keeps something "
    "between calls. Compute from the arguments of each call alone."
)
HINT_SUM_OF_G = (
    "you summed dL_dN into one number (or used its mean) before the product; keep it as the (n, m) array it is."
)

VISIBLE_SHAPES: tuple[tuple[int, int, int], ...] = ((4, 3, 2), (2, 5, 3), (5, 2, 4))
HIDDEN_SHAPES: tuple[tuple[int, int, int], ...] = ((3, 6, 2), (6, 4, 5), (7, 3, 1))
VISIBLE_SIGMAS: tuple[Fn, ...] = (SIGMOID, SQUARE)
HIDDEN_SIGMAS: tuple[Fn, ...] = (TANH, LEAKY_RELU, SIN)


def _batch(rng: np.random.Generator, n: int, k: int, m: int, sigma: Fn | None = None) -> tuple[ndarray, ndarray]:
    """A batch X (n, k) and weights W (k, m) with X @ W away from σ's kinks."""
    while True:
        X, W = rng.normal(size=(n, k)), rng.normal(size=(k, m))
        if sigma is None or away_from_kinks(X @ W, (sigma,)):
            return X, W


def check_matmul_backward_first(matmul_backward_first: Callable[..., ndarray], seed: int = 0,
                                shapes: Sequence[tuple[int, int, int]] = VISIBLE_SHAPES) -> None:
    """``matmul_backward_first(X, W)`` is the gradient of ``sum(X @ W)`` with respect to ``X`` (shape of X)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, m in ((1, 3, 1), *shapes):
        X, W = _batch(rng, n, k, m)
        got = call_learner(matmul_backward_first, X.copy(), W.copy(), name="matmul_backward_first")
        check_gradient(
            got, lambda x: np.sum(x @ W), X, what=f"matmul_backward_first(X, W) for X {X.shape}, W {W.shape}",
            rtol=RTOL, atol=ATOL,
            mistakes={
                "you returned W.T, which is the answer for one observation and one output only; for a batch, "
                "the gradient has the shape of X: ones((n, m)) @ W.T.": W.T,
                "you returned W.T for one output column; with m outputs, each column's weights add up: ones((n, m)) @ W.T.":
                    np.broadcast_to(W.T[:1], X.shape) if m > 1 else np.full(X.shape, np.nan),
                "this is W itself, not its transpose.": W if W.shape == X.shape else np.full(X.shape, np.nan),
            },
        )


def _dN(X: ndarray, W: ndarray, sigma: Fn) -> ndarray:
    return sigma.df(X @ W)


def check_matrix_function_backward_1(backward: Callable[..., ndarray], seed: int = 0,
                                     features: Sequence[int] = (3, 5), sigmas: Sequence[Fn] = VISIBLE_SIGMAS) -> None:
    """``matrix_function_backward_1(X, W, σ)``: ``dS/dX`` for ``S = σ(X @ W)``, X (1, k), W (k, 1)."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for k in features:
        for sigma in sigmas:
            X, W = _batch(rng, 1, k, 1, sigma)
            N = X @ W
            got = call_learner(backward, X.copy(), W.copy(), sigma.f, name="matrix_function_backward_1")
            check_gradient(
                got, lambda x: np.sum(sigma.f(x @ W)), X,
                what=f"matrix_function_backward_1(X, W, {sigma.name}) for X {X.shape}, W {W.shape}",
                rtol=RTOL, atol=ATOL,
                mistakes={
                    HINT_FORGOT_DSIGMA: W.T,
                    HINT_USED_SIGMA: sigma.f(N) * W.T,
                    "you evaluated σ' at X instead of at N = X @ W.": sigma.df(X) * W.T,
                },
            )


def _sum_mistakes(X: ndarray, W: ndarray, sigma: Fn, wrt: str) -> dict[str, ndarray]:
    N = X @ W
    if wrt == "X":
        return {
            HINT_FORGOT_DSIGMA: np.ones_like(N) @ W.T,
            HINT_USED_SIGMA: sigma.f(N) @ W.T,
            "you evaluated σ' at X instead of at N = X @ W (and multiplied element-wise).":
                sigma.df(X) * (np.ones_like(N) @ W.T),
        }
    return {
        HINT_FORGOT_DSIGMA: X.T @ np.ones_like(N),
        HINT_USED_SIGMA: X.T @ sigma.f(N),
    }


def _check_sum_gradient(backward: Callable[..., ndarray], name: str, wrt: str, seed: int,
                        shapes: Sequence[tuple[int, int, int]], sigmas: Sequence[Fn]) -> None:
    """Check ``backward(X, W, σ)`` against the numerical gradient of ``L = sum(σ(X @ W))`` w.r.t. ``wrt``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, m in shapes:
        for sigma in sigmas:
            X, W = _batch(rng, n, k, m, sigma)
            got = call_learner(backward, X.copy(), W.copy(), sigma.f, name=name)
            if wrt == "X":
                point, loss = X, (lambda x, W=W, s=sigma: np.sum(s.f(x @ W)))
            else:
                point, loss = W, (lambda w, X=X, s=sigma: np.sum(s.f(X @ w)))
            check_gradient(
                got, loss, point,
                what=f"dL/d{wrt} from {name}(X, W, {sigma.name}) for X {X.shape}, W {W.shape}",
                rtol=RTOL, atol=ATOL, mistakes=_sum_mistakes(X, W, sigma, wrt),
            )


def check_matrix_function_backward_sum_1(backward: Callable[..., ndarray], seed: int = 0,
                                         shapes: Sequence[tuple[int, int, int]] = VISIBLE_SHAPES,
                                         sigmas: Sequence[Fn] = VISIBLE_SIGMAS) -> None:
    """``matrix_function_backward_sum_1(X, W, σ)``: ``dL/dX`` for ``L = sum(σ(X @ W))``, shape of X."""
    __tracebackhide__ = True
    _check_sum_gradient(backward, "matrix_function_backward_sum_1", "X", seed, shapes, sigmas)


def check_matrix_function_backward_sum_W(backward: Callable[..., ndarray], seed: int = 0,
                                         shapes: Sequence[tuple[int, int, int]] = VISIBLE_SHAPES,
                                         sigmas: Sequence[Fn] = VISIBLE_SIGMAS) -> None:
    """``matrix_function_backward_sum_W(X, W, σ)``: ``dL/dW`` for ``L = sum(σ(X @ W))``, shape of W."""
    __tracebackhide__ = True
    _check_sum_gradient(backward, "matrix_function_backward_sum_W", "W", seed, shapes, sigmas)


#: Shapes ``(n, k, m)`` for :func:`check_matmul_backward`: all different, never square.
VISIBLE_UPSTREAM_SHAPES: tuple[tuple[int, int, int], ...] = ((4, 3, 2), (2, 5, 3), (6, 2, 4))
HIDDEN_UPSTREAM_SHAPES: tuple[tuple[int, int, int], ...] = ((3, 7, 2), (5, 4, 6), (8, 1, 3))


def _pair(got: object, call: str, X: ndarray, W: ndarray) -> tuple[object, object]:
    """The learner's ``(dL_dX, dL_dW)``; a clear :class:`CheckFailed` for anything else, or for the two swapped."""
    __tracebackhide__ = True
    if not isinstance(got, tuple | list) or len(got) != 2:
        got_text = type(got).__name__ + (f" of length {len(got)}" if isinstance(got, tuple | list) else "")
        raise CheckFailed(f"{call} should return a pair (dL_dX, dL_dW); it returned {got_text}.")
    first, second = got
    if np.shape(first) == W.shape and np.shape(second) == X.shape and X.shape != W.shape:
        raise CheckFailed(
            f"{call} returned arrays of shapes {np.shape(first)} and {np.shape(second)}: that is (dL_dW, dL_dX). "
            f"Return them in the order (dL_dX, dL_dW), shapes {X.shape} and {W.shape}."
        )
    return first, second


def check_matmul_backward(matmul_backward: Callable[..., object], seed: int = 0,
                          shapes: Sequence[tuple[int, int, int]] = VISIBLE_UPSTREAM_SHAPES) -> None:
    """``matmul_backward(X, W, dL_dN)`` returns ``(dL/dX, dL/dW)`` for ``N = X @ W`` and any upstream ``dL/dN``.

    For each shape, the same ``X`` and ``W`` are used with two different random upstream
    gradients, so an answer that ignores ``dL_dN`` (or keeps something from the first call) fails.
    Both gradients are compared with central differences of ``L = sum(G * (X @ W))``, whose
    gradient with respect to ``N`` is exactly ``G``.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, m in shapes:
        X, W = rng.normal(size=(n, k)), rng.normal(size=(k, m))
        previous = np.full((n, m), np.nan)
        for _ in range(2):
            G = rng.normal(size=(n, m)) * rng.uniform(0.5, 3.0)
            call = f"matmul_backward(X, W, dL_dN) for X {X.shape}, W {W.shape}, dL_dN {G.shape}"
            dX, dW = _pair(call_learner(matmul_backward, X, W, G, name="matmul_backward"), call, X, W)
            ones = np.ones_like(G)
            check_gradient(
                dX, lambda x: np.sum(G * (x @ W)), X, what=f"dL_dX from {call}", rtol=RTOL, atol=ATOL,
                mistakes=[(HINT_IGNORED_G, ones @ W.T), (HINT_SUM_OF_G, np.sum(G) * (ones @ W.T)),
                          (HINT_SUM_OF_G, np.mean(G) * (ones @ W.T)), (HINT_STALE_G, previous @ W.T)],
            )
            check_gradient(
                dW, lambda w: np.sum(G * (X @ w)), W, what=f"dL_dW from {call}", rtol=RTOL, atol=ATOL,
                mistakes=[(HINT_IGNORED_G, X.T @ ones), (HINT_SUM_OF_G, np.sum(G) * (X.T @ ones)),
                          (HINT_SUM_OF_G, np.mean(G) * (X.T @ ones)), (HINT_STALE_G, X.T @ previous)],
            )
            previous = G
