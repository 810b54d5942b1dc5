"""OptunaSearchCV: scikit-learn's search machinery with optuna's sampler and pruners."""

from __future__ import annotations

import contextlib
import warnings

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from sklhep import BDTClassifier, MLPClassifier, request_sample_weight
from sklhep.metrics import get_scorer, roc_auc_score
from sklhep.model_selection import (
    EventNumberKFold,
    MLPPruningCallback,
    OptunaSearchCV,
    UnweightedScoreWarning,
)

optuna = pytest.importorskip("optuna")
D = optuna.distributions


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    n = 600
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] + 0.7 * X[:, 1] + rng.normal(size=n) > 0).astype(int)
    w = np.where(rng.random(n) < 0.15, -0.4, 1.0) * rng.uniform(0.5, 1.5, n)
    event = rng.permutation(n).astype(np.uint64) * 7 + 3
    return X, y, w, event


def _lr_space():
    return {"C": D.FloatDistribution(1e-4, 1e2, log=True)}


@contextlib.contextmanager
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarnings of tiny fits
        yield


def test_results_like_grid_search(data):
    X, y, _, _ = data
    search = OptunaSearchCV(LogisticRegression(), _lr_space(), n_trials=5, cv=3, random_state=0)
    search.fit(X, y)
    res = search.cv_results_
    assert len(res["params"]) == 5
    assert res["split2_test_score"].shape == (5,)
    assert search.best_score_ == pytest.approx(np.max(res["mean_test_score"]))
    assert search.best_params_ == res["params"][search.best_index_]
    assert search.best_params_["C"] == search.best_estimator_.C
    assert len(search.study_.trials) == 5
    assert list(res["trial_number"]) == [0, 1, 2, 3, 4]
    assert set(res["trial_state"]) == {"COMPLETE"}
    np.testing.assert_allclose(
        [t.value for t in search.study_.trials], res["mean_test_score"], rtol=1e-12
    )
    assert search.predict(X[:3]).shape == (3,)


def test_random_state_makes_it_reproducible(data):
    X, y, _, _ = data
    runs = [
        OptunaSearchCV(LogisticRegression(), _lr_space(), n_trials=4, cv=3, random_state=7)
        .fit(X, y)
        .cv_results_["params"]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    other = OptunaSearchCV(LogisticRegression(), _lr_space(), n_trials=4, cv=3, random_state=8)
    assert other.fit(X, y).cv_results_["params"] != runs[0]


def test_routed_signed_weights_and_event_folds_give_the_hand_score(data, routing):
    """best_score_ is the signed-weight CV AUC of best_params_, computed by hand."""
    X, y, w, event = data
    est = BDTClassifier(
        n_estimators=5, device="cpu", early_stopping=False, n_jobs=1, random_state=0
    )
    space = {
        "max_depth": D.IntDistribution(1, 4),
        "min_child_weight": D.FloatDistribution(1.0, 30.0),
    }
    search = request_sample_weight(
        OptunaSearchCV(
            est, space, n_trials=3, cv=EventNumberKFold(3), scoring="roc_auc", random_state=0
        )
    )
    search.fit(X, y, sample_weight=w, groups=event)
    scores = []
    for train, test in EventNumberKFold(3).split(X, y, groups=event):
        model = clone(est).set_params(**search.best_params_)
        model.fit(X[train], y[train], sample_weight=w[train])
        p = model.predict_proba(X[test])[:, 1]
        scores.append(roc_auc_score(y[test], p, sample_weight=w[test]))
    assert search.best_score_ == pytest.approx(np.mean(scores), rel=1e-10)
    # the unweighted AUC differs: the weights did reach the scorer
    unweighted = []
    for train, test in EventNumberKFold(3).split(X, y, groups=event):
        model = clone(est).set_params(**search.best_params_)
        model.fit(X[train], y[train], sample_weight=w[train])
        unweighted.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1]))
    assert np.mean(unweighted) != pytest.approx(search.best_score_, rel=1e-6)


def test_groups_reach_the_splitter_without_routing(data):
    X, y, _, event = data
    search = OptunaSearchCV(
        LogisticRegression(), _lr_space(), n_trials=2, cv=EventNumberKFold(3), random_state=0
    )
    search.fit(X, y, groups=event)
    assert search.n_splits_ == 3
    assert len(search.study_.trials) == 2


def test_parallel_candidates(data):
    X, y, _, _ = data
    search = OptunaSearchCV(
        LogisticRegression(), _lr_space(), n_trials=2, cv=2, n_jobs=2, random_state=0
    )
    with joblib.parallel_backend("threading"):  # processes take seconds to start
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    serial = OptunaSearchCV(
        LogisticRegression(), _lr_space(), n_trials=2, cv=2, batch_size=2, random_state=0
    ).fit(X, y)
    assert serial.cv_results_["params"] == search.cv_results_["params"]


def test_shared_storage_two_searches_one_study(data, tmp_path):
    X, y, _, _ = data
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    kw = {"n_trials": 2, "cv": 2, "storage": storage, "study_name": "shared"}
    first = OptunaSearchCV(LogisticRegression(), _lr_space(), random_state=0, **kw).fit(X, y)
    second = OptunaSearchCV(LogisticRegression(), _lr_space(), random_state=1, **kw).fit(X, y)
    assert len(first.cv_results_["params"]) == 2
    assert len(second.cv_results_["params"]) == 2
    study = optuna.load_study(study_name="shared", storage=storage)
    assert len(study.trials) == 4
    assert list(second.cv_results_["trial_number"]) == [2, 3]
    assert second.study_.best_value == pytest.approx(
        max(first.best_score_, second.best_score_), rel=1e-12
    )


def test_multimetric_needs_refit_name(data):
    X, y, _, _ = data
    search = OptunaSearchCV(
        LogisticRegression(),
        _lr_space(),
        n_trials=2,
        cv=2,
        scoring={"auc": get_scorer("roc_auc"), "acc": "accuracy"},
        refit="auc",
    ).fit(X, y)
    assert "mean_test_acc" in search.cv_results_
    assert search.study_.best_value == pytest.approx(search.best_score_)
    with pytest.raises(ValueError, match="refit to the name"):
        OptunaSearchCV(
            LogisticRegression(), _lr_space(), n_trials=1, cv=2, scoring=["roc_auc"], refit=False
        ).fit(X, y)


def test_bad_distribution_and_pruner_errors(data):
    X, y, _, _ = data
    with pytest.raises(TypeError, match="optuna distribution"):
        OptunaSearchCV(LogisticRegression(), {"C": 1.0}, n_trials=1, cv=2).fit(X, y)
    with pytest.raises(ValueError, match="not supported"):
        OptunaSearchCV(
            MLPClassifier(), {"alpha": [0.0]}, pruner=optuna.pruners.HyperbandPruner()
        ).fit(X, y)
    with pytest.raises(ValueError, match="sklhep MLP or BDT"):
        OptunaSearchCV(
            LogisticRegression(), _lr_space(), pruner=optuna.pruners.MedianPruner()
        ).fit(X, y)
    with pytest.raises(ValueError, match="early_stopping=True"):
        OptunaSearchCV(
            MLPClassifier(early_stopping=False),
            {"alpha": [0.0]},
            pruner=optuna.pruners.MedianPruner(),
        ).fit(X, y)
    # a list is a categorical distribution
    search = OptunaSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_trials=2, cv=2)
    assert search.fit(X, y).best_params_["C"] in (0.1, 1.0)


# -- unweighted scores --------------------------------------------------------------------
def test_warns_when_weights_cannot_reach_the_scorer(data):
    X, y, w, _ = data

    def unweighted_auc(est, X, y):
        return roc_auc_score(y, est.predict_proba(X)[:, 1])

    search = OptunaSearchCV(
        LogisticRegression(), _lr_space(), n_trials=1, cv=2, scoring=unweighted_auc
    )
    with pytest.warns(UnweightedScoreWarning, match="enable_metadata_routing=True"):
        search.fit(X, y, sample_weight=np.abs(w))


def test_no_warning_when_the_scorer_gets_the_weights(data, routing):
    X, y, w, _ = data
    search = request_sample_weight(
        OptunaSearchCV(LogisticRegression(), _lr_space(), n_trials=1, cv=2, scoring="roc_auc")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnweightedScoreWarning)
        search.fit(X, y, sample_weight=w)


def test_no_warning_without_routing_for_weight_taking_scorers(data):
    """Without routing, BaseSearchCV passes sample_weight to scorers that take it."""
    X, y, w, _ = data
    search = OptunaSearchCV(
        LogisticRegression(), _lr_space(), n_trials=1, cv=KFold(2), scoring="roc_auc"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnweightedScoreWarning)
        search.fit(X, y, sample_weight=np.abs(w))


# -- pruning ------------------------------------------------------------------------------
def _mlp(**kw):
    params = {
        "hidden_layer_sizes": (4,),
        "max_epochs": 4,
        "early_stopping": True,
        "batch_size": 256,
        "random_state": 0,
    }
    params.update(kw)
    return MLPClassifier(**params)


def test_mlp_pruning_stops_fold_fits(data):
    X, y, w, _ = data
    # every validation loss exceeds 0.01: each candidate is pruned at its first epoch
    search = OptunaSearchCV(
        _mlp(),
        {"learning_rate": D.FloatDistribution(1e-3, 1e-2, log=True)},
        n_trials=2,
        cv=2,
        pruner=optuna.pruners.ThresholdPruner(upper=0.01),
        random_state=0,
    )
    with _quiet():
        search.fit(X, y, sample_weight=w)
    assert list(search.cv_results_["trial_state"]) == ["PRUNED", "PRUNED"]
    for trial in search.study_.trials:
        assert trial.state == optuna.trial.TrialState.PRUNED
        assert list(trial.intermediate_values) == [1]  # stopped after epoch 1
    # the pruning callback is gone from the results and from the refitted model
    assert "callbacks" not in search.best_params_
    assert "param_callbacks" not in search.cv_results_
    assert search.best_estimator_.callbacks is None
    assert search.best_estimator_.n_epochs_ == 4  # the refit was not pruned


def test_mlp_learning_curves_reach_the_study(data):
    X, y, w, _ = data
    search = OptunaSearchCV(
        _mlp(max_epochs=3),
        {"learning_rate": D.FloatDistribution(1e-3, 1e-2, log=True)},
        n_trials=2,
        cv=2,
        pruner=optuna.pruners.NopPruner(),
        random_state=0,
    )
    with _quiet():
        search.fit(X, y, sample_weight=w)
    for trial in search.study_.trials:
        assert trial.state == optuna.trial.TrialState.COMPLETE
        assert sorted(trial.intermediate_values) == [1, 2, 3]
        assert all(v > 0 for v in trial.intermediate_values.values())


def test_median_pruner_prunes_a_bad_candidate(data, tmp_path):
    X, y, w, _ = data
    storage = f"sqlite:///{tmp_path / 'median.db'}"
    study = optuna.create_study(storage=storage, study_name="m", direction="maximize")
    study.enqueue_trial({"learning_rate": 3e-2})  # learns: completes
    study.enqueue_trial({"learning_rate": 1e-7})  # does not learn: pruned
    search = OptunaSearchCV(
        _mlp(max_epochs=4),
        {"learning_rate": D.FloatDistribution(1e-8, 1e-1, log=True)},
        n_trials=2,
        cv=2,
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=1),
        storage=storage,
        study_name="m",
    )
    with _quiet():
        search.fit(X, y, sample_weight=w)
    assert [p["learning_rate"] for p in search.cv_results_["params"]] == [3e-2, 1e-7]
    assert list(search.cv_results_["trial_state"]) == ["COMPLETE", "PRUNED"]
    good, bad = search.study_.trials
    assert sorted(good.intermediate_values) == [1, 2, 3, 4]
    assert bad.state == optuna.trial.TrialState.PRUNED


def test_bdt_pruning_stops_fold_fits(data):
    X, y, w, _ = data
    est = BDTClassifier(
        n_estimators=6, early_stopping=True, device="cpu", n_jobs=1, random_state=0
    )
    search = OptunaSearchCV(
        est,
        {"max_depth": D.IntDistribution(1, 3)},
        n_trials=2,
        cv=2,
        pruner=optuna.pruners.ThresholdPruner(upper=0.01),
        random_state=0,
    )
    search.fit(X, y, sample_weight=np.abs(w))
    assert list(search.cv_results_["trial_state"]) == ["PRUNED", "PRUNED"]
    for trial in search.study_.trials:
        assert list(trial.intermediate_values) == [1]


def test_pruning_callback_in_an_objective(data):
    """Used directly in an optuna objective: TrialPruned ends the trial."""
    X, y, w, _ = data

    def objective(trial):
        clf = _mlp(
            learning_rate=trial.suggest_float("learning_rate", 1e-3, 1e-2, log=True),
            callbacks=[MLPPruningCallback(trial)],
        )
        with _quiet():
            clf.fit(X, y, sample_weight=w)
        return clf.history_[-1]["valid_loss"]

    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.01))
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.PRUNED
    assert list(study.trials[0].intermediate_values) == [1]
