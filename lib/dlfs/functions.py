"""Chapter 01: array functions, applied element by element.

Every function here takes an ``ndarray`` of any shape and returns an ``ndarray``
of the same shape. None of them loops in Python: NumPy applies the arithmetic
to every element at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy import ndarray

#: An array function: takes an array, returns an array of the same shape.
ArrayFunction = Callable[[ndarray], ndarray]


def square(x: ndarray) -> ndarray:
    """Return ``x ** 2`` element-wise. Shape in = shape out."""
    return np.power(x, 2)


def relu(x: ndarray) -> ndarray:
    """Rectified linear unit: ``max(x, 0)`` element-wise. Shape in = shape out."""
    return np.maximum(x, 0.0)


def leaky_relu(x: ndarray, alpha: float = 0.01) -> ndarray:
    """Leaky ReLU: ``x`` where ``x > 0``, else ``alpha * x``. Shape in = shape out."""
    return np.where(x > 0, x, alpha * x)


def sigmoid(x: ndarray) -> ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-x))`` element-wise, without overflow.

    For negative inputs the algebraically equal form ``exp(x) / (1 + exp(x))`` is
    used, so ``np.exp`` never sees a large positive argument. Shape in = shape out.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def add_bias_rows(X: ndarray, b: ndarray) -> ndarray:
    """Add the bias row ``b`` to every row of ``X``.

    Args:
        X: shape ``(n_rows, n_features)``.
        b: shape ``(n_features,)``.

    Returns:
        shape ``(n_rows, n_features)``: ``X[i, j] + b[j]``.

    Raises:
        ValueError: if ``X`` is not 2-D or ``b`` is not of shape ``(n_features,)``.
    """
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_rows, n_features); got shape {X.shape}")
    if b.shape != (X.shape[1],):
        raise ValueError(f"b must have shape ({X.shape[1]},) to match X {X.shape}; got {b.shape}")
    return X + b


def center_columns(X: ndarray) -> ndarray:
    """Subtract each column's mean from that column: every feature of the result has mean 0.

    Args:
        X: shape ``(n_rows, n_features)``.

    Returns:
        a new array of shape ``(n_rows, n_features)``: ``X[i, j] - mean over i of X[i, j]``.
        ``X`` itself is left unchanged.

    Raises:
        ValueError: if ``X`` is not 2-D.
    """
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_rows, n_features); got shape {X.shape}")
    return X - X.mean(axis=0)
