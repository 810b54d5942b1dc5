"""``booster_`` is a faithful stand-alone xgboost model, whatever objective trained it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xgboost

from sklhep.ensemble import BDTClassifier, BDTRegressor

FAST = {"n_estimators": 20, "max_depth": 3, "device": "cpu", "random_state": 0, "n_jobs": 1}


def _data(task, n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    X[rng.random((n, 4)) < 0.05] = np.nan  # missing values take the learnt default side
    w = np.where(rng.random(n) < 0.2, -0.5, 1.0)  # signed weights
    if task == "binary":
        y = (np.nan_to_num(X[:, 0]) + rng.normal(size=n) > 0).astype(int)
    elif task == "multiclass":
        y = np.digitize(np.nan_to_num(X[:, 1]) + 0.3 * rng.normal(size=n), [-0.5, 0.5])
    else:
        y = 3.0 * np.nan_to_num(X[:, 0]) + rng.normal(size=n) + 10.0
    return X, y, w


def _fit(task, signed=True, **kw):
    X, y, w = _data(task)
    est = BDTRegressor(**FAST, **kw) if task == "regression" else BDTClassifier(**FAST, **kw)
    return est.fit(X, y, sample_weight=w if signed else None), X


def _objective(booster):
    return json.loads(booster.save_raw("json"))["learner"]["objective"]["name"]


@pytest.mark.parametrize("fmt", ["json", "ubj"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_saved_booster_reloaded_by_plain_xgboost_predicts_like_the_estimator(task, fmt, tmp_path):
    est, X = _fit(task)
    assert est.signed_objective_
    path = tmp_path / f"model.{fmt}"
    est.booster_.save_model(path)
    plain = xgboost.Booster(model_file=str(path))
    got = plain.predict(xgboost.DMatrix(X, missing=np.nan))
    if task == "binary":
        assert _objective(plain) == "binary:logistic"
        np.testing.assert_allclose(got, est.predict_proba(X)[:, 1], atol=1e-6)
    elif task == "multiclass":
        assert _objective(plain) == "multi:softprob"
        np.testing.assert_allclose(got, est.predict_proba(X), atol=1e-6)
    else:
        assert _objective(plain) == "reg:squarederror"
        np.testing.assert_allclose(got, est.predict(X), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize(
    ("objective", "native"),
    [("absolute_error", "reg:absoluteerror"), ("pseudo_huber", "reg:pseudohubererror")],
)
def test_regression_objectives_are_native_and_faithful(objective, native):
    est, X = _fit("regression", objective=objective)
    assert _objective(est.booster_) == native
    np.testing.assert_allclose(
        est.booster_.predict(xgboost.DMatrix(X)), est.predict(X), rtol=1e-6, atol=1e-5
    )


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_native_fit_booster_is_faithful_too(task):
    est, X = _fit(task, signed=False)
    assert not est.signed_objective_
    want = est.predict(X) if task == "regression" else est.predict_proba(X)
    if task == "binary":
        want = want[:, 1]
    np.testing.assert_allclose(est.booster_.inplace_predict(X), want, rtol=1e-6, atol=1e-6)


def test_margins_unchanged_by_the_relabelling():
    """The estimator's decision function is the booster's margin (one float32 step of the
    base score at most), and the class probabilities still sum to one."""
    est, X = _fit("multiclass")
    margin = est.booster_.inplace_predict(X, predict_type="margin")
    np.testing.assert_array_equal(est.decision_function(X), margin.astype(np.float64))
    np.testing.assert_allclose(est.predict_proba(X).sum(axis=1), 1.0, atol=1e-12)


def test_booster_predict_class_probabilities_not_indices():
    est, X = _fit("multiclass")
    got = est.booster_.predict(xgboost.DMatrix(X))
    assert got.shape == (X.shape[0], 3)
