"""EventNumberKFold: deterministic folds by event number."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from sklhep.model_selection import EventNumberKFold


def test_fold_is_event_number_mod_n(rng):
    ev = rng.permutation(1000).astype(np.int64) + 7
    X = np.zeros((1000, 1))
    cv = EventNumberKFold(4)
    assert cv.get_n_splits() == 4
    seen = np.zeros(1000, dtype=int)
    for k, (train, test) in enumerate(cv.split(X, groups=ev)):
        assert np.all(ev[test] % 4 == k)
        assert np.all(ev[train] % 4 != k)
        seen[test] += 1
    assert np.all(seen == 1)
    # deterministic and order independent
    perm = rng.permutation(1000)
    for (_, t1), (_, t2) in zip(cv.split(X, groups=ev), cv.split(X, groups=ev[perm]), strict=True):
        np.testing.assert_array_equal(np.sort(ev[t1]), np.sort(ev[perm][t2]))


def test_uint64_and_float_event_numbers():
    ev = np.array([2**64 - 1, 2**63 + 4, 3, 10], dtype=np.uint64)
    folds = EventNumberKFold(3).fold_index(ev)
    np.testing.assert_array_equal(folds, [(2**64 - 1) % 3, (2**63 + 4) % 3, 0, 1])
    np.testing.assert_array_equal(EventNumberKFold(2).fold_index([4.0, 7.0]), [0, 1])
    np.testing.assert_array_equal(EventNumberKFold(2).fold_index([-3, 6]), [1, 0])


def test_errors():
    with pytest.raises(ValueError, match="needs the event numbers"):
        list(EventNumberKFold(2).split(np.zeros((4, 1))))
    with pytest.raises(ValueError, match="at least 2"):
        EventNumberKFold(1)
    with pytest.raises(ValueError, match="must be integers"):
        EventNumberKFold(2).fold_index([0.5, 1.0])
    with pytest.raises(ValueError, match=r"Fold\(s\) \[1\]"):
        list(EventNumberKFold(2).split(np.zeros((2, 1)), groups=[0, 2]))
    with pytest.raises(ValueError, match="X has 3 events"):
        list(EventNumberKFold(2).split(np.zeros((3, 1)), groups=[0, 1]))


@pytest.fixture
def data(rng):
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > 0).astype(int)
    return X, y, rng.permutation(300).astype(np.uint64)


def test_in_cross_validate_and_grid_search(data):
    X, y, ev = data
    res = cross_validate(LogisticRegression(), X, y, cv=EventNumberKFold(3), groups=ev)
    assert res["test_score"].shape == (3,)
    GridSearchCV(LogisticRegression(), {"C": [1.0, 2.0]}, cv=EventNumberKFold(3)).fit(
        X, y, groups=ev
    )


def test_with_metadata_routing(data):
    X, y, ev = data
    with sklearn.config_context(enable_metadata_routing=True):
        res = cross_validate(
            LogisticRegression(), X, y, cv=EventNumberKFold(3), params={"groups": ev}
        )
        assert res["test_score"].shape == (3,)
        search = GridSearchCV(LogisticRegression(), {"C": [1.0, 2.0]}, cv=EventNumberKFold(3))
        search.fit(X, y, groups=ev)
        assert search.n_splits_ == 3
