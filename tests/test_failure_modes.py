"""Regression tests for failure modes that used to give wrong answers silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklhep import BDTClassifier, CrossEvaluator, EventNumberKFold, MLPClassifier, MLPRegressor
from sklhep.exceptions import ConvergenceWarning, DivergenceError

MLP_FAST = {"hidden_layer_sizes": (8,), "device": "cpu", "random_state": 0}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_diverging_mlp_raises_even_when_the_loss_stays_finite(data, cls):
    """learning_rate=1e3 drives the loss to 1e6-1e30 (finite): not a model to return."""
    X, y = data
    target = y if cls is MLPClassifier else 3 * X[:, 0]
    with pytest.raises(DivergenceError, match="100 times the loss of a constant prediction"):
        cls(learning_rate=1e3, max_epochs=10, **MLP_FAST).fit(X, target)


def test_a_normal_fit_is_not_called_divergent(data):
    X, y = data
    clf = MLPClassifier(max_epochs=5, **MLP_FAST).fit(X, y)
    assert clf.n_epochs_ == 5


def test_convergence_warning_when_max_epochs_stops_an_improving_fit(data):
    X, _ = data
    with pytest.warns(ConvergenceWarning, match="max_epochs=2 while the validation loss"):
        MLPRegressor(max_epochs=2, early_stopping=True, batch_size=1024, **MLP_FAST).fit(
            X, X[:, 0] + X[:, 1]
        )


def test_the_convergence_warning_is_scikit_learns_too():
    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    assert issubclass(ConvergenceWarning, SklearnConvergenceWarning)


def _misaligned(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(1000, 1600))
    w = pd.Series(np.ones(600), index=frame.index[::-1])  # same labels, other order
    return frame, pd.Series(y, index=frame.index), w


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLPClassifier(max_epochs=1, **MLP_FAST),
        lambda: BDTClassifier(n_estimators=2, device="cpu"),
        lambda: CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=2),
    ],
    ids=["MLP", "BDT", "CrossEvaluator"],
)
def test_a_weight_series_with_another_index_is_refused(data, make):
    X, y, w = _misaligned(data)
    with pytest.raises(ValueError, match=r"index differs from X's index.*reindex\(X.index\)"):
        make().fit(X, y, sample_weight=w)
    # aligned: accepted
    make().fit(X, y, sample_weight=w.reindex(X.index))


def test_partial_fit_with_other_classes_raises(data):
    X, y = data
    clf = MLPClassifier(**MLP_FAST).partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)  # no classes: fine
    clf.partial_fit(X, y, classes=[0, 1])  # the same: fine
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_cross_evaluator_accepts_event_numbers(data):
    """The alignment check does not get in the way of groups (event numbers)."""
    X, y, w = _misaligned(data)
    cv = CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=EventNumberKFold(2))
    cv.fit(X, y, groups=np.arange(600), sample_weight=w.reindex(X.index))


# -- early stopping on small data: sklhep's message, for both families -----------------------
FAMILIES = [
    pytest.param(lambda: MLPClassifier(early_stopping=True, max_epochs=1, **MLP_FAST), id="MLP"),
    pytest.param(
        lambda: BDTClassifier(early_stopping=True, n_estimators=2, device="cpu"), id="BDT"
    ),
]


@pytest.mark.parametrize("make", FAMILIES)
def test_early_stopping_on_tiny_data_names_sklheps_parameters(make):
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match=r"validation_fraction=0.1 of 6 events.*early_stopping"):
        make().fit(X, y)


@pytest.mark.parametrize("make", FAMILIES)
def test_early_stopping_with_a_single_event_class_is_a_clear_error(make):
    """The class's one event cannot be in both parts: no silent loss of the class."""
    X = np.arange(40.0).reshape(-1, 1)
    y = np.array([0] * 20 + [1] * 19 + [2])
    with pytest.raises(ValueError, match=r"class\(es\) \[2\] have 1.*early_stopping=False"):
        make().fit(X, y)


# -- pickles carry the sklhep version ------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: MLPClassifier(max_epochs=1, **MLP_FAST),
        lambda: BDTClassifier(n_estimators=2, device="cpu"),
        lambda: CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=2),
    ],
    ids=["MLP", "BDT", "CrossEvaluator"],
)
def test_pickles_carry_the_version_and_warn_on_another(data, make):
    import pickle

    import sklhep
    from sklhep.exceptions import InconsistentVersionWarning

    X, y = data
    est = make().fit(X, y)
    state = est.__getstate__()
    assert state["_sklhep_version"] == sklhep.__version__
    same = pickle.loads(pickle.dumps(est))  # no warning: the filters make it an error
    np.testing.assert_allclose(same.predict_proba(X), est.predict_proba(X))
    state["_sklhep_version"] = "0.0.1"
    other = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning, match="pickled by sklhep 0.0.1"):
        other.__setstate__(state)
    np.testing.assert_allclose(other.predict_proba(X), est.predict_proba(X))


def test_cross_evaluator_lets_an_imputing_pipeline_handle_nan(data):
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    X, y = data
    X = X.copy()
    X[::7, 1] = np.nan  # absent objects, as read_root gives for Jet_pt[0]
    model = make_pipeline(SimpleImputer(), MLPClassifier(max_epochs=1, **MLP_FAST))
    cv = CrossEvaluator(model, cv=2).fit(X, y)
    assert np.isfinite(cv.predict_proba(X)).all()
    # an estimator that rejects NaN still says so, in its own words
    with pytest.raises(ValueError, match="NaN"):
        CrossEvaluator(MLPClassifier(max_epochs=1, **MLP_FAST), cv=2).fit(X, y)


# -- CrossEvaluator and routing --------------------------------------------------------------
def test_request_sample_weight_leaves_an_estimators_own_scoring_alone():
    """HistGradientBoosting's scoring="loss" is its own convention, not a scorer name."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklhep import request_sample_weight

    with pytest.warns(UserWarning, match="routing is disabled"):
        est = request_sample_weight(CrossEvaluator(HistGradientBoostingClassifier()))
    assert est.estimator.scoring == "loss"


def test_cross_evaluator_set_fit_request_and_nested_routing(data):
    import sklearn
    from sklearn.model_selection import GridSearchCV

    X, y = data
    w = np.where(np.arange(600) % 9 == 0, -0.5, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        cv = CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=2)
        assert cv.set_fit_request(sample_weight=True) is cv
        search = GridSearchCV(cv, {"cv": [2, 3]}, cv=2)
        search.fit(X, y, sample_weight=w)
    assert search.best_estimator_.estimators_[0].signed_objective_  # the weights arrived


def test_cross_evaluator_fold_models_keep_feature_names(data):
    import warnings

    X, y, _ = _misaligned(data)
    cv = CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=2).fit(X, y)
    for model in cv.estimators_:
        assert list(model.feature_names_in_) == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        cv.predict_proba(X)
        cv.predict_proba(X, groups=np.arange(600))


# -- threads ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_mlp_n_jobs_sets_torch_threads_for_the_fit_and_restores_them(data, n_jobs):
    import torch
    from skorch.callbacks import Callback

    class Threads(Callback):
        seen: list[int] = []  # noqa: RUF012

        def on_epoch_begin(self, net, **kwargs):
            Threads.seen.append(torch.get_num_threads())

    X, y = data
    before = torch.get_num_threads()
    other = 3 if before != 3 else 4
    torch.set_num_threads(other)
    try:
        clf = MLPClassifier(max_epochs=2, n_jobs=n_jobs, callbacks=[Threads()], **MLP_FAST)
        clf.fit(X, y)
        assert Threads.seen[-2:] == [n_jobs, n_jobs]
        assert torch.get_num_threads() == other  # restored
        clf.predict_proba(X)
        assert torch.get_num_threads() == other
    finally:
        torch.set_num_threads(before)


def test_default_threads_follow_the_cpus_this_process_may_use():
    import os

    from sklhep._device import effective_n_threads

    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    n = effective_n_threads(None)
    assert n >= 1
    if allowed is not None:
        assert n <= allowed
