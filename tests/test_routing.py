"""request_sample_weight: one call routes weights to every step and the scorer."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import request_sample_weight
from sklhep.metrics import roc_auc_score
from sklhep.model_selection import CrossEvaluator, EventNumberKFold


class RecordingScaler(TransformerMixin, BaseEstimator):
    """Records the sample_weight its fit received (class attribute: survives clones)."""

    received: list = []  # noqa: RUF012

    def fit(self, X, y=None, sample_weight=None):
        RecordingScaler.received.append(sample_weight)
        return self

    def transform(self, X):
        return X


@pytest.fixture
def routing():
    sklearn.set_config(enable_metadata_routing=True)
    yield
    sklearn.set_config(enable_metadata_routing=False)


@pytest.fixture
def data(rng):
    n = 300
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.2, -1, 1)
    return X, y, w, rng.permutation(n).astype(np.uint64)


def fit_request(est):
    return est._get_metadata_request().fit.requests.get("sample_weight")


def test_sets_requests_on_every_step(routing):
    scaler, clf = StandardScaler(), LogisticRegression()
    union = FeatureUnion([("a", StandardScaler()), ("b", "drop")])
    ct = ColumnTransformer([("s", StandardScaler(), [0]), ("u", union, [1, 2])])
    search = GridSearchCV(
        Pipeline([("ct", ct), ("sc", scaler), ("lr", clf)]), {"lr__C": [1]}, scoring="roc_auc"
    )
    assert request_sample_weight(search) is search
    assert fit_request(scaler) is True
    assert fit_request(clf) is True
    assert clf._get_metadata_request().score.requests["sample_weight"] is True
    assert fit_request(ct.transformers[0][1]) is True
    assert fit_request(union.transformer_list[0][1]) is True
    # string scoring -> an sklhep scorer requesting sample_weight
    assert search.scoring.get_metadata_routing().score.requests["sample_weight"] is True
    rs = request_sample_weight(
        RandomizedSearchCV(CrossEvaluator(LogisticRegression()), {}, scoring=["roc_auc", "r2"])
    )
    assert fit_request(rs.estimator.estimator) is True
    assert all(
        s.get_metadata_routing().score.requests["sample_weight"] is True
        for s in rs.scoring.values()
    )


def test_warns_when_routing_disabled():
    clf = LogisticRegression()
    with pytest.warns(UserWarning, match="enable_metadata_routing=True"):
        request_sample_weight(clf)
    with sklearn.config_context(enable_metadata_routing=True):
        assert fit_request(clf) is True


def test_recipe_end_to_end(routing, data):
    """Pipeline + StandardScaler + GridSearchCV + EventNumberKFold, weights everywhere."""
    X, y, w, ev = data
    RecordingScaler.received.clear()
    pipe = make_pipeline(RecordingScaler(), StandardScaler(), LogisticRegression())
    search = request_sample_weight(
        GridSearchCV(
            pipe, {"logisticregression__C": [0.1, 1.0]}, scoring="roc_auc", cv=EventNumberKFold(3)
        )
    )
    search.fit(X, y, sample_weight=w, groups=ev)
    # every fit of the first step got the training fold's weights (3 folds x 2 + refit)
    assert len(RecordingScaler.received) == 7
    assert all(r is not None for r in RecordingScaler.received)
    np.testing.assert_array_equal(RecordingScaler.received[-1], w)
    # the scorer got the test fold's weights: recompute split 0 by hand
    train, test = next(EventNumberKFold(3).split(X, groups=ev))
    C = search.cv_results_["param_logisticregression__C"][0]
    model = request_sample_weight(make_pipeline(StandardScaler(), LogisticRegression(C=C)))
    model.fit(X[train], y[train], sample_weight=w[train])
    expected = roc_auc_score(y[test], model.decision_function(X[test]), sample_weight=w[test])
    assert search.cv_results_["split0_test_score"][0] == pytest.approx(expected)
