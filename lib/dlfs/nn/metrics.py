"""Chapter 06: what a classifier gets right and wrong, class by class.

- :func:`confusion_matrix`: ``C[i, j]`` counts the observations of class ``i`` predicted as class ``j``;
  the diagonal holds the right answers, and ``trace(C) / sum(C)`` is the accuracy.
- :func:`top_confusions`: the largest off-diagonal counts, the mistakes the model makes most.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


def _labels(values: ndarray, n_classes: int, what: str) -> ndarray:
    """Integer labels ``(n,)`` from labels or one-hot rows ``(n, k)``, each in ``0 .. n_classes - 1``."""
    values = np.asarray(values)
    if values.ndim == 2:
        values = values.argmax(axis=1)
    if values.ndim != 1:
        raise ValueError(f"{what} must be labels (n,) or one-hot rows (n, k); received shape {values.shape}")
    labels = values.astype(int)
    if not np.array_equal(labels, values) or labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{what} must be whole numbers from 0 to {n_classes - 1}; received {values[:8]!r}...")
    return labels


def confusion_matrix(labels: ndarray, predictions: ndarray, n_classes: int) -> ndarray:
    """The ``(n_classes, n_classes)`` integer matrix ``C`` with ``C[i, j]`` = how many observations of class ``i``
    were predicted as class ``j``.

    Args:
        labels: the true classes, ``(n,)`` integers (or one-hot rows ``(n, k)``).
        predictions: the predicted classes, ``(n,)`` integers (or scores ``(n, k)``, whose largest entry counts).
        n_classes: ``k``.

    Returns:
        ``C``, shape ``(k, k)``: row ``i`` sums to the number of observations of class ``i``.
    """
    truth = _labels(labels, n_classes, "labels")
    guess = _labels(predictions, n_classes, "predictions")
    if truth.shape != guess.shape:
        raise ValueError(f"labels and predictions need one entry per observation; received {truth.shape} and {guess.shape}")
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (truth, guess), 1)
    return matrix


def top_confusions(matrix: ndarray, count: int = 3) -> list[tuple[int, int, int]]:
    """The ``count`` largest off-diagonal entries of a confusion matrix, as ``(true class, predicted class, how many)``,
    largest first (ties by class)."""
    off = np.array(matrix, dtype=int)
    np.fill_diagonal(off, 0)
    pairs = sorted(((int(off[i, j]), int(i), int(j)) for i, j in zip(*np.nonzero(off))), key=lambda t: (-t[0], t[1], t[2]))
    return [(i, j, n) for n, i, j in pairs[:count]]
