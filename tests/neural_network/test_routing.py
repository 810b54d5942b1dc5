"""Signed weights reach the scaler, the MLP and the scorer through sklearn's meta-estimators."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import MLPClassifier

MLP = MLPClassifier(
    (8,), batch_size=512, max_epochs=5, learning_rate=0.02, early_stopping=False,
    device="cpu", random_state=0,
)  # fmt: skip
CV = KFold(3, shuffle=True, random_state=0)


def brier(y_true, proba, sample_weight=None):
    return float(np.average((y_true - proba) ** 2, weights=sample_weight))


def _scorer():
    return make_scorer(
        brier, greater_is_better=False, response_method="predict_proba"
    ).set_score_request(sample_weight=True)


@pytest.fixture
def data(rng):
    X = rng.normal(size=(450, 3)) * [1.0, 20.0, 300.0] + [0.0, 50.0, -100.0]
    y = (X[:, 0] + X[:, 1] / 20 + rng.normal(size=450) > 1).astype(int)
    w = np.where(rng.random(450) < 0.2, -0.7, 1.3) * rng.uniform(0.5, 1.5, 450)
    return X, y, w


def _hand_scores(X, y, w, *, lr=0.02, scaler_w=True, fit_w=True, score_w=True):
    scores = []
    for train, test in CV.split(X, y):
        scaler = StandardScaler().fit(X[train], sample_weight=w[train] if scaler_w else None)
        clf = clone(MLP).set_params(learning_rate=lr)
        clf.fit(scaler.transform(X[train]), y[train], sample_weight=w[train] if fit_w else None)
        proba = clf.predict_proba(scaler.transform(X[test]))[:, 1]
        scores.append(-brier(y[test], proba, w[test] if score_w else None))
    return np.array(scores)


def test_cross_validate_and_grid_search_route_signed_weights(data):
    X, y, w = data
    expected = _hand_scores(X, y, w)
    # Each step's weighting matters, so matching `expected` proves each step got them.
    for off in ("scaler_w", "fit_w", "score_w"):
        assert not np.allclose(_hand_scores(X, y, w, **{off: False}), expected, rtol=1e-6)

    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=True), clone(MLP))
        cv = cross_validate(
            pipe, X, y, params={"sample_weight": w}, cv=CV, scoring=_scorer(),
            return_estimator=True,
        )  # fmt: skip
        np.testing.assert_allclose(cv["test_score"], expected, rtol=1e-6)
        train0 = next(CV.split(X, y))[0]
        scaler = cv["estimator"][0][0]
        np.testing.assert_allclose(
            scaler.mean_, np.average(X[train0], axis=0, weights=w[train0]), rtol=1e-10
        )

        grid = GridSearchCV(
            pipe, {"mlpclassifier__learning_rate": [0.02, 0.05]}, cv=CV, scoring=_scorer()
        ).fit(X, y, sample_weight=w)
    for i, lr in enumerate([0.02, 0.05]):
        hand = _hand_scores(X, y, w, lr=lr)
        got = [grid.cv_results_[f"split{k}_test_score"][i] for k in range(3)]
        np.testing.assert_allclose(got, hand, rtol=1e-6)


def test_legacy_step_sample_weight_without_routing(data):
    X, y, w = data
    pipe = make_pipeline(StandardScaler(), clone(MLP))
    pipe.fit(X, y, mlpclassifier__sample_weight=w)
    scaled = StandardScaler().fit_transform(X)
    direct = clone(MLP).fit(scaled, y, sample_weight=w)
    np.testing.assert_array_equal(pipe.predict_proba(X), direct.predict_proba(scaled))
    unweighted = clone(MLP).fit(scaled, y)
    assert not np.array_equal(pipe.predict_proba(X), unweighted.predict_proba(scaled))
