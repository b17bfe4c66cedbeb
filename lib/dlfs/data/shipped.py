"""Real data sets that ship inside installed packages, so every notebook runs offline.

- :func:`load_diabetes_data` -- regression (chapter 05): scikit-learn's diabetes data,
  442 patients x 10 baseline measurements, target a disease-progression score one year later.
- :func:`load_digits_data` -- classification (chapters 06-08): scikit-learn's handwritten
  digits, 1,797 images of 8 x 8 pixels (16 grey levels), labels 0-9.
"""

from __future__ import annotations

import numpy as np

from dlfs.data.prepare import Split, standardize, train_test_split


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
