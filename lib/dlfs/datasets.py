"""Real data sets that ship inside installed packages, so every notebook runs offline.

- :func:`load_diabetes_data` -- regression (chapter 05): scikit-learn's diabetes data,
  442 patients x 10 baseline measurements, target a disease-progression score one year later.
- :func:`load_digits_data` -- classification (chapters 06-08): scikit-learn's handwritten
  digits, 1,797 images of 8 x 8 pixels (16 grey levels), labels 0-9.

Both return a :class:`Split` of float64 arrays, standardized or scaled with
statistics of the training part only, so nothing about the test part leaks in.
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


def load_diabetes_data(test_fraction: float = 0.3, seed: int = 0) -> Split:
    """The diabetes regression data (Efron et al., 2004), shipped with scikit-learn.

    442 patients; 10 features measured at baseline (age, sex, body-mass index,
    average blood pressure and six blood-serum measurements s1-s6); the target is
    a quantitative measure of disease progression one year later (about 25-346).
    Features are standardized with the training rows' mean and standard deviation;
    the target is left in its own units. ``y_*`` have shape (n, 1).
    """
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    X = np.asarray(data.data, dtype=np.float64)
    y = np.asarray(data.target, dtype=np.float64).reshape(-1, 1)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed)
    X_train, X_test = standardize(X_train, X_test)
    return Split(X_train, X_test, y_train, y_test, tuple(data.feature_names), load_diabetes_data.__doc__ or "")


def load_digits_data(test_fraction: float = 0.3, seed: int = 0) -> Split:
    """Handwritten digits (the UCI optical-recognition test set), shipped with scikit-learn.

    1,797 images of 8 x 8 pixels with grey levels 0-16, flattened to 64 features
    and scaled to [0, 1]; labels are the digits 0-9 as ints, ``y_*`` of shape (n,).
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    X = np.asarray(data.data, dtype=np.float64) / 16.0
    y = np.asarray(data.target, dtype=np.int64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction, seed)
    names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    return Split(X_train, X_test, y_train, y_test, names, load_digits_data.__doc__ or "")


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
