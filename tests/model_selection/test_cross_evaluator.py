"""CrossEvaluator: one model per fold, out-of-fold application."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsClassifier

from sklhep.model_selection import CrossEvaluator, EventNumberKFold


class Memoriser(RegressorMixin, BaseEstimator):
    """Predicts 1 for an event it was trained on and 0 otherwise (column 0 is its id)."""

    def fit(self, X, y, sample_weight=None):
        self.seen_ = set(np.asarray(X)[:, 0].tolist())
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def predict(self, X):
        return np.array([float(v in self.seen_) for v in np.asarray(X)[:, 0]])


@pytest.fixture
def events(rng):
    n = 200
    ids = np.arange(n, dtype=float)
    X = np.c_[ids, rng.normal(size=n)]
    return X, rng.normal(size=n), rng.permutation(n).astype(np.uint64) + 1000


def test_predictions_are_out_of_fold(events):
    X, y, ev = events
    ce = CrossEvaluator(Memoriser(), cv=4).fit(X, y, groups=ev)
    assert len(ce.estimators_) == 4
    # each event is answered by the model that never saw it
    assert np.all(ce.predict(X, groups=ev) == 0.0)
    for k, est in enumerate(ce.estimators_):
        in_fold = ev % 4 == k
        assert not (set(X[in_fold, 0]) & est.seen_)
        assert set(X[~in_fold, 0]) == est.seen_
    # without event numbers the folds are averaged: 3 of 4 models saw each event
    np.testing.assert_allclose(ce.predict(X), 0.75)


def test_knn_memoriser_is_out_of_fold(rng):
    n = 400
    X = rng.normal(size=(n, 2))
    y = rng.integers(0, 2, n)  # pure noise labels
    ev = np.arange(n)
    ce = CrossEvaluator(KNeighborsClassifier(n_neighbors=1), cv=5).fit(X, y, groups=ev)
    assert ce.score(X, y) > 0.75  # averaged: 4 of 5 models memorised each event
    oof = ce.predict(X, groups=ev)
    assert 0.35 < np.mean(oof == y) < 0.65  # out-of-fold: chance level
    proba = ce.predict_proba(X, groups=ev)
    np.testing.assert_array_equal(ce.classes_[proba.argmax(1)], oof)


def test_row_index_default_and_new_events(events):
    X, y, _ = events
    ce = CrossEvaluator(Memoriser(), cv=2).fit(X, y)
    assert np.all(ce.predict(X, groups=np.arange(X.shape[0])) == 0.0)
    # a new event number is routed to fold event % n_splits
    X_new = X[:4]
    np.testing.assert_array_equal(ce.predict(X_new, groups=[1, 0, 3, 2]), [1.0, 1.0, 1.0, 1.0])


def test_generic_cv_records_folds(events):
    X, y, ev = events
    ce = CrossEvaluator(Memoriser(), cv=KFold(3, shuffle=True, random_state=0)).fit(
        X, y, groups=ev
    )
    assert np.all(ce.predict(X, groups=ev) == 0.0)
    with pytest.raises(ValueError, match="in no test fold"):
        ce.predict(X[:1], groups=[5])


def test_sample_weight_sliced_per_fold_without_routing(events):
    X, y, ev = events
    w = np.linspace(-1, 2, X.shape[0])
    ce = CrossEvaluator(Memoriser(), cv=EventNumberKFold(3)).fit(X, y, groups=ev, sample_weight=w)
    for k, est in enumerate(ce.estimators_):
        np.testing.assert_array_equal(est.sample_weight_, w[ev % 3 != k])
    with pytest.raises(ValueError, match="non-finite"):
        CrossEvaluator(Memoriser()).fit(X, y, sample_weight=np.full(X.shape[0], np.nan))


def test_sample_weight_routing(events):
    X, y, ev = events
    w = np.linspace(-1, 2, X.shape[0])
    with sklearn.config_context(enable_metadata_routing=True):
        est = Memoriser().set_fit_request(sample_weight=True)
        ce = CrossEvaluator(est, cv=3).fit(X, y, groups=ev, sample_weight=w)
        for k, fold_est in enumerate(ce.estimators_):
            np.testing.assert_array_equal(fold_est.sample_weight_, w[ev % 3 != k])
        with pytest.raises(Exception, match="sample_weight"):
            CrossEvaluator(Memoriser(), cv=3).fit(X, y, groups=ev, sample_weight=w)


def test_classifier_with_negative_weights_and_errors(rng):
    n = 300
    X = rng.normal(size=(n, 2))
    y = np.where(X[:, 0] > 0, "sig", "bkg")
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.2, -1, 1)
    ce = CrossEvaluator(LogisticRegression(), cv=3).fit(X, y, sample_weight=w)
    assert set(ce.predict(X)) <= {"sig", "bkg"}
    assert ce.decision_function(X, groups=np.arange(n)).shape == (n,)
    assert ce.score(X, y, sample_weight=w, groups=np.arange(n)) > 0.8
    w_bad = np.where(y == "sig", -1.0, 1.0)
    with pytest.raises(ValueError, match="class 'sig' has net sample weight"):
        CrossEvaluator(LogisticRegression()).fit(X, y, sample_weight=w_bad)
    with pytest.raises(ValueError, match="X has 300 events"):
        ce.predict(X, groups=np.arange(5))
