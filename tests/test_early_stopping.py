"""The early-stopping split: stratified, weights follow events, positive net weight."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep._early_stopping import train_validation_split


def test_stratified_and_disjoint():
    y = np.r_[np.zeros(90), np.ones(10)]
    w = np.ones(100)
    train, valid = train_validation_split(
        y, w, validation_fraction=0.2, classifier=True, random_state=0
    )
    assert len(valid) == 20
    assert set(train).isdisjoint(valid)
    assert set(train) | set(valid) == set(range(100))
    assert y[valid].sum() == 2  # 10 % of the validation set, as in the whole set


def test_reproducible():
    y, w = np.arange(50.0), np.ones(50)
    a = train_validation_split(y, w, validation_fraction=0.3, classifier=False, random_state=3)
    b = train_validation_split(y, w, validation_fraction=0.3, classifier=False, random_state=3)
    np.testing.assert_array_equal(a[1], b[1])


def test_non_positive_validation_weight():
    y = np.zeros(10)
    w = -np.ones(10)
    with pytest.raises(ValueError, match=r"early-stopping validation set.*validation_fraction"):
        train_validation_split(y, w, validation_fraction=0.2, classifier=False, random_state=0)


def test_empty_split():
    with pytest.raises(ValueError, match="empty training or validation"):
        train_validation_split(
            np.zeros(3), np.ones(3), validation_fraction=0.999, classifier=False, random_state=0
        )
