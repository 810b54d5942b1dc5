"""No silent unweighted scores: which scikit-learn tools route sample_weight to scorers.

Each claim of the routing table in ``docs/tuning.md`` is one test here: a recording
metric notes whether it received the weights.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import make_scorer
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import BDTClassifier, MLPClassifier, request_sample_weight
from sklhep.metrics import get_scorer
from sklhep.routing import UnweightedScoreWarning, check_weight_routing

optuna = pytest.importorskip("optuna")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, 300)
    return X, y, w


class _Recorder:
    """A scorer that records whether it got sample_weight."""

    def __init__(self, request: bool):
        self.calls: list[bool] = []

        def metric(y_true, y_pred, sample_weight=None):
            self.calls.append(sample_weight is not None)
            return 0.5

        self.scorer = make_scorer(metric)
        if request:
            with sklearn.config_context(enable_metadata_routing=True):
                self.scorer.set_score_request(sample_weight=True)


def _run(tool: str, routing: bool, X, y, w) -> list[bool]:
    rec = _Recorder(request=routing)
    est = LogisticRegression()
    if routing:
        with sklearn.config_context(enable_metadata_routing=True):
            est.set_fit_request(sample_weight=True)
    with sklearn.config_context(enable_metadata_routing=routing), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if tool == "cross_validate":
            cross_validate(est, X, y, cv=2, scoring=rec.scorer, params={"sample_weight": w})
        elif tool == "cross_val_score":
            cross_val_score(est, X, y, cv=2, scoring=rec.scorer, params={"sample_weight": w})
        elif tool == "learning_curve":
            learning_curve(
                est, X, y, cv=2, train_sizes=[1.0], scoring=rec.scorer, params={"sample_weight": w}
            )
        elif tool == "validation_curve":
            validation_curve(
                est,
                X,
                y,
                param_name="C",
                param_range=[1.0],
                cv=2,
                scoring=rec.scorer,
                params={"sample_weight": w},
            )
        elif tool == "GridSearchCV":
            GridSearchCV(est, {"C": [1.0]}, cv=2, scoring=rec.scorer).fit(X, y, sample_weight=w)
        elif tool == "RandomizedSearchCV":
            RandomizedSearchCV(est, {"C": [1.0]}, n_iter=1, cv=2, scoring=rec.scorer).fit(
                X, y, sample_weight=w
            )
        elif tool == "OptunaSearchCV":
            from sklhep.model_selection import OptunaSearchCV

            OptunaSearchCV(est, {"C": [1.0]}, n_trials=1, cv=2, scoring=rec.scorer).fit(
                X, y, sample_weight=w
            )
        elif tool == "permutation_importance":
            est.fit(X, y)
            permutation_importance(
                est, X, y, scoring=rec.scorer, n_repeats=1, sample_weight=w, random_state=0
            )
    assert rec.calls
    return rec.calls


# tool -> (weights reach the scorer with routing off, with routing on)
TABLE = {
    "cross_validate": (False, True),
    "cross_val_score": (False, True),
    "learning_curve": (False, True),
    "validation_curve": (False, True),
    "GridSearchCV": (True, True),
    "RandomizedSearchCV": (True, True),
    "OptunaSearchCV": (True, True),
    "permutation_importance": (True, True),
}


@pytest.mark.parametrize("tool", sorted(TABLE))
@pytest.mark.parametrize("routing", [False, True], ids=["routing-off", "routing-on"])
def test_routing_table(tool, routing, data):
    X, y, w = data
    calls = _run(tool, routing, X, y, w)
    assert set(calls) == {TABLE[tool][int(routing)]}


# -- the sklhep scorer's warning ----------------------------------------------------------
class _WeightedLR(LogisticRegression):
    """Records fit_used_sample_weight_, as sklhep's estimators do."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        self.fit_used_sample_weight_ = sample_weight is not None
        return self


def test_scorer_warns_on_a_weighted_fit_without_weights(data):
    X, y, w = data
    model = _WeightedLR().fit(X, y, sample_weight=w)
    scorer = get_scorer("roc_auc")
    with pytest.warns(UnweightedScoreWarning, match="enable_metadata_routing=True"):
        scorer(model, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnweightedScoreWarning)
        scorer(model, X, y, sample_weight=w)
        scorer(_WeightedLR().fit(X, y), X, y)  # unweighted fit: nothing to warn about
        pipe = make_pipeline(StandardScaler(), _WeightedLR()).fit(X, y)
        scorer(pipe, X, y)


def test_cross_validate_without_routing_warns(data):
    X, y, w = data
    with pytest.warns(UnweightedScoreWarning):
        cross_validate(
            _WeightedLR(), X, y, cv=2, scoring=get_scorer("roc_auc"), params={"sample_weight": w}
        )


def test_cross_validate_with_routing_does_not_warn(data):
    X, y, w = data
    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("error", UnweightedScoreWarning)
        est = request_sample_weight(_WeightedLR())
        cross_validate(est, X, y, cv=2, scoring=get_scorer("roc_auc"), params={"sample_weight": w})


def test_pipeline_step_recorded(data):
    X, y, w = data
    pipe = make_pipeline(StandardScaler(), _WeightedLR())
    pipe.fit(X, y, _weightedlr__sample_weight=w)
    with pytest.warns(UnweightedScoreWarning):
        get_scorer("roc_auc")(pipe, X, y)


@pytest.mark.parametrize(
    "model",
    [
        MLPClassifier((4,), max_epochs=2, early_stopping=False, random_state=0),
        BDTClassifier(n_estimators=3, device="cpu", n_jobs=1),
    ],
    ids=["MLP", "BDT"],
)
def test_sklhep_estimators_record_weighted_fits(model, data):
    X, y, w = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y, sample_weight=w)
    assert model.fit_used_sample_weight_ is True
    with pytest.warns(UnweightedScoreWarning):
        get_scorer("roc_auc")(model, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    assert model.fit_used_sample_weight_ is False


# -- the check helper ---------------------------------------------------------------------
def test_check_weight_routing_helper():
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [1.0]},
        scoring="roc_auc",
    )
    with pytest.warns(UnweightedScoreWarning, match="request_sample_weight"):
        problems = check_weight_routing(search)
    assert any("Pipeline.fit" in p for p in problems)
    with sklearn.config_context(enable_metadata_routing=True):
        problems = check_weight_routing(search, warn=False)
        assert "StandardScaler.fit does not request sample_weight" in problems
        assert any("scorer" in p for p in problems)
        request_sample_weight(search)
        assert check_weight_routing(search) == []
    unweighted = GridSearchCV(LogisticRegression(), {"C": [1.0]}, scoring=lambda e, X, y: 0.0)
    problems = check_weight_routing(unweighted, warn=False)
    assert any("takes no sample_weight" in p for p in problems)
