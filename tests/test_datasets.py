"""dlfs.data: offline data, deterministic splits, no test statistics leaking into training."""

from __future__ import annotations

import numpy as np
import pytest

from dlfs.data import prepare, shipped


def test_diabetes_split_shapes_and_standardization() -> None:
    split = shipped.load_diabetes_data(test_fraction=0.25, seed=3)
    assert split.X_train.shape == (332, 10) and split.X_test.shape == (110, 10)
    assert split.y_train.shape == (332, 1) and split.y_test.shape == (110, 1)
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.std(axis=0), 1, atol=1e-12)
    assert abs(split.X_test.mean()) < 0.3  # standardized with training statistics: close to, not exactly, 0
    assert split.feature_names[:3] == ("age", "sex", "bmi")
    assert 25 <= split.y_train.min() and split.y_train.max() <= 346


def test_splits_are_deterministic_and_disjoint() -> None:
    a, b = shipped.load_digits_data(seed=1), shipped.load_digits_data(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert a.X_train.shape[0] + a.X_test.shape[0] == 1797
    assert a.X_train.min() >= 0 and a.X_train.max() <= 1 and a.y_train.dtype == np.int64
    c = shipped.load_digits_data(seed=2)
    assert not np.array_equal(a.X_train, c.X_train)


def test_one_hot_and_its_errors() -> None:
    np.testing.assert_array_equal(prepare.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="0..2"):
        prepare.one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="1-D"):
        prepare.one_hot(np.array([[1]]), 3)


def test_train_test_split_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="same number of rows"):
        prepare.train_test_split(np.ones((4, 2)), np.ones(3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        prepare.train_test_split(np.ones((4, 2)), np.ones(4), test_fraction=1.5)
