"""Scorers: names, sample_weight requests, use in GridSearchCV."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.model_selection import GridSearchCV

from sklhep.metrics import (
    background_rejection,
    get_scorer,
    get_scorer_names,
    log_loss,
    resolution,
    roc_auc_score,
)
from sklhep.model_selection import EventNumberKFold


@pytest.fixture
def binary(rng):
    n = 400
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.2, -1, 1)
    return X, y, w


@pytest.fixture
def routing():
    sklearn.set_config(enable_metadata_routing=True)
    yield
    sklearn.set_config(enable_metadata_routing=False)


def test_names_and_unknown():
    names = get_scorer_names()
    for name in ("roc_auc", "roc_auc_ovr", "neg_log_loss", "background_rejection@0.5"):
        assert name in names
    with pytest.raises(ValueError, match=r"Unknown sklhep scorer 'accuracy'.*roc_auc"):
        get_scorer("accuracy")
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        get_scorer("background_rejection@1.5")


def test_scorers_with_routing_off(binary):
    X, y, w = binary
    clf = LogisticRegression().fit(X, y, sample_weight=w)
    d = clf.decision_function(X)
    assert get_scorer("roc_auc")(clf, X, y, sample_weight=w) == pytest.approx(
        roc_auc_score(y, d, sample_weight=w)
    )
    assert get_scorer("background_rejection@0.37")(clf, X, y, sample_weight=w) == pytest.approx(
        background_rejection(y, d, signal_efficiency=0.37, sample_weight=w)
    )
    p = clf.predict_proba(X)
    assert get_scorer("neg_log_loss")(clf, X, y, sample_weight=w) == pytest.approx(
        -log_loss(y, p, sample_weight=w)
    )
    assert np.isfinite(get_scorer("max_significance")(clf, X, y, sample_weight=w))
    assert 0 <= get_scorer("signal_efficiency@0.1")(clf, X, y) <= 1
    reg = Ridge().fit(X, X[:, 0] + 5)
    assert get_scorer("neg_resolution")(reg, X, X[:, 0] + 5, sample_weight=np.abs(w)) == (
        pytest.approx(-resolution(X[:, 0] + 5, reg.predict(X), sample_weight=np.abs(w)))
    )
    assert get_scorer("resolution")(reg, X, X[:, 0] + 5, sample_weight=np.abs(w)) == (
        pytest.approx(-resolution(X[:, 0] + 5, reg.predict(X), sample_weight=np.abs(w)))
    )
    assert get_scorer("neg_abs_bias")(reg, X, X[:, 0] + 5) <= 0


def test_log_loss_matches_sklearn(rng):
    y = rng.integers(0, 3, 100)
    p = rng.dirichlet(np.ones(3), 100)
    w = rng.uniform(0, 2, 100)
    assert log_loss(y, p, sample_weight=w) == pytest.approx(sk_log_loss(y, p, sample_weight=w))
    yb = rng.integers(0, 2, 100)
    assert log_loss(yb, p[:, 0]) == pytest.approx(sk_log_loss(yb, p[:, 0]))
    with pytest.raises(ValueError, match="net sample weight"):
        log_loss(yb, p[:, 0], sample_weight=-w)


def test_scorer_requests_sample_weight_under_routing(routing, binary):
    X, y, w = binary
    scorer = get_scorer("roc_auc")
    assert scorer.get_metadata_routing().score.requests["sample_weight"] is True
    search = GridSearchCV(
        LogisticRegression().set_fit_request(sample_weight=True),
        {"C": [0.1, 1.0]},
        scoring={"auc": scorer, "eff": get_scorer("signal_efficiency@0.3")},
        refit="auc",
        cv=EventNumberKFold(3),
    )
    events = np.arange(y.shape[0])
    search.fit(X, y, sample_weight=w, groups=events)
    # the score of split 0 is the signed-weight AUC on fold 0 of a model fitted with weights
    train, test = next(EventNumberKFold(3).split(X, groups=events))
    clf = LogisticRegression(C=0.1).fit(X[train], y[train], sample_weight=w[train])
    expected = roc_auc_score(y[test], clf.decision_function(X[test]), sample_weight=w[test])
    assert search.cv_results_["split0_test_auc"][0] == pytest.approx(expected)
