"""Chapter 04: gradients through matrix multiplication.

Conventions: ``X`` is a batch of observations, shape ``(n_rows, n_features)``;
``W`` is a weight matrix, shape ``(n_features, n_outputs)``; ``N = X @ W`` has
shape ``(n_rows, n_outputs)``; ``S = σ(N)`` element-wise; ``L = sum(S)`` is the
scalar a gradient needs. Every gradient has the shape of what it is the
gradient of. :func:`matmul_backward` takes any gradient ``G = dL/dN`` arriving
from the rest of a network: the backward pass of every dense layer.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from dlfs.derivatives import deriv
from dlfs.functions import ArrayFunction


def check_matmul_shapes(X: ndarray, W: ndarray) -> None:
    """Raise ``ValueError`` unless ``X`` is ``(n, k)`` and ``W`` is ``(k, m)``."""
    if X.ndim != 2 or W.ndim != 2:
        raise ValueError(f"X and W must be 2-D; got X {X.shape} and W {W.shape}")
    if X.shape[1] != W.shape[0]:
        raise ValueError(
            f"X has {X.shape[1]} features (columns) but W has {W.shape[0]} rows; "
            f"X @ W needs X (n, k) and W (k, m), got X {X.shape} and W {W.shape}"
        )


def matmul_forward(X: ndarray, W: ndarray) -> ndarray:
    """``N = X @ W``: each output column is a weighted sum of the features. Shape ``(n, m)``."""
    check_matmul_shapes(X, W)
    return X @ W


def matmul_backward_first(X: ndarray, W: ndarray) -> ndarray:
    """Gradient of ``sum(X @ W)`` with respect to ``X``: ``ones((n, m)) @ W.T``, shape of ``X``.

    For one observation and one output (``X`` is ``(1, k)``, ``W`` is ``(k, 1)``)
    this is exactly ``W.T``: nudging ``X[0, j]`` moves the output by ``W[j, 0]``.
    """
    check_matmul_shapes(X, W)
    return np.ones((X.shape[0], W.shape[1])) @ W.T


def matmul_backward(X: ndarray, W: ndarray, dL_dN: ndarray) -> tuple[ndarray, ndarray]:
    """Backward pass of ``N = X @ W`` for any upstream gradient ``G = dL/dN`` of shape ``(n, m)``.

    ``dL/dX = G @ W.T`` (shape of ``X``) and ``dL/dW = X.T @ G`` (shape of ``W``): each element
    of ``N`` passes its share ``G[a, b]`` back along the products that made it.

    Returns:
        ``(dL_dX, dL_dW)``, shapes ``(n, k)`` and ``(k, m)``.
    """
    check_matmul_shapes(X, W)
    if dL_dN.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"dL_dN must have the shape of N = X @ W, {(X.shape[0], W.shape[1])}; got {dL_dN.shape}")
    return dL_dN @ W.T, X.T @ dL_dN


def matrix_forward_sum(X: ndarray, W: ndarray, sigma: ArrayFunction) -> float:
    """``L = sum(σ(X @ W))``: the whole forward pass, down to one number."""
    check_matmul_shapes(X, W)
    return float(np.sum(sigma(X @ W)))


def matrix_function_backward_1(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """``dS/dX`` for ``S = σ(X @ W)``, one observation ``X`` (1, k) and one weight column ``W`` (k, 1).

    ``σ'(N) * W.T``, shape ``(1, k)``.
    """
    check_matmul_shapes(X, W)
    if X.shape[0] != 1 or W.shape[1] != 1:
        raise ValueError(f"expected one observation X (1, k) and one column W (k, 1); got X {X.shape}, W {W.shape}")
    N = X @ W
    return deriv(sigma, N) * W.T


def matrix_function_backward_sum_1(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """``dL/dX`` for ``L = sum(σ(X @ W))``: ``σ'(N) @ W.T``, shape ``(n, k)`` like ``X``."""
    check_matmul_shapes(X, W)
    N = X @ W
    dL_dN = deriv(sigma, N)  # dL/dS is all ones, so dL/dN = σ'(N)
    return dL_dN @ W.T


def matrix_function_backward_sum_W(X: ndarray, W: ndarray, sigma: ArrayFunction) -> ndarray:
    """``dL/dW`` for ``L = sum(σ(X @ W))``: ``X.T @ σ'(N)``, shape ``(k, m)`` like ``W``."""
    check_matmul_shapes(X, W)
    N = X @ W
    return X.T @ deriv(sigma, N)
