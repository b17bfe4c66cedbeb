"""Preparing arrays for learning: splits, standardization, one-hot labels.

All return float64 arrays; statistics come from the training part only, so nothing
about the test part leaks in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy import ndarray


@dataclass(frozen=True)
class Split:
    """A train/test split. ``X_*``: (n, n_features); ``y_*``: (n, 1) for regression, (n,) int labels for classes."""

    X_train: ndarray
    X_test: ndarray
    y_train: ndarray
    y_test: ndarray
    feature_names: tuple[str, ...]
    description: str


def train_test_split(X: ndarray, y: ndarray, test_fraction: float = 0.3, seed: int = 0) -> tuple[ndarray, ndarray, ndarray, ndarray]:
    """Shuffle the rows with ``seed`` and split them: ``(X_train, X_test, y_train, y_test)``."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y need the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    order = np.random.default_rng(seed).permutation(X.shape[0])
    n_test = int(round(test_fraction * X.shape[0]))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(X_train: ndarray, X_test: ndarray) -> tuple[ndarray, ndarray]:
    """Scale every column to mean 0 and standard deviation 1, using the training rows' statistics."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (X_train - mean) / std, (X_test - mean) / std


def one_hot(labels: ndarray, n_classes: int) -> ndarray:
    """Integer labels (n,) to one-hot rows (n, n_classes) of float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (n,), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}")
    out = np.zeros((labels.size, n_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out
