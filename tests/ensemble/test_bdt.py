"""BDTClassifier / BDTRegressor: signed-weight correctness, routing, bad input, portability."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
import sklearn
import xgboost
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep._device import cuda_device_count
from sklhep.ensemble import BDTClassifier, BDTRegressor

FAST = {"device": "cpu", "n_jobs": 1, "random_state": 0}
POLICIES_BIASED = ["abs", "drop", "clip"]


# -- signed-weight correctness with known analytic answers ---------------------------------
def _binary_sample(rng, n=20_000, m=10_000):
    """Class 1 net density 2x on [0, 1] (plus cancelling +1/-1 events on [0, 0.5]),
    class 0 flat: the net posterior is 2x / (2x + 1)."""
    x1 = np.sqrt(rng.random(n))
    x_plus, x_minus = 0.5 * rng.random(m), 0.5 * rng.random(m)
    x0 = rng.random(n)
    X = np.r_[x1, x_plus, x_minus, x0][:, None]
    y = np.r_[np.ones(n + 2 * m), np.zeros(n)].astype(int)
    w = np.r_[np.ones(n), np.ones(m), -np.ones(m), np.ones(n)]
    return X, y, w


CLS_PARAMS = {"n_estimators": 100, "max_depth": 2, "min_child_weight": 50, **FAST}


@pytest.fixture(scope="module")
def binary_fits():
    X, y, w = _binary_sample(np.random.default_rng(1))
    return {
        policy: BDTClassifier(negative_weights=policy, **CLS_PARAMS).fit(X, y, w)
        for policy in ["keep", *POLICIES_BIASED]
    }


def test_binary_keep_recovers_net_posterior(binary_fits):
    grid = np.linspace(0.05, 0.95, 19)[:, None]
    truth = 2 * grid[:, 0] / (2 * grid[:, 0] + 1)
    model = binary_fits["keep"]
    assert model.signed_objective_
    err = np.abs(model.predict_proba(grid)[:, 1] - truth)
    assert err.mean() < 0.03
    assert err.max() < 0.08


@pytest.mark.parametrize("policy", POLICIES_BIASED)
def test_binary_biased_policies_do_not_recover_posterior(binary_fits, policy):
    grid = np.linspace(0.05, 0.45, 9)[:, None]
    truth = 2 * grid[:, 0] / (2 * grid[:, 0] + 1)
    model = binary_fits[policy]
    assert not model.signed_objective_
    assert np.abs(model.predict_proba(grid)[:, 1] - truth).mean() > 0.1


def _multiclass_sample(rng, n=15_000, m=8_000):
    """Net densities: class 0 flat, class 1 2x, class 2 2(1-x), class 2 with cancelling
    +1/-1 events on [0.5, 1]: posterior f_k(x) / sum_j f_j(x)."""
    x0, x1, x2 = rng.random(n), np.sqrt(rng.random(n)), 1 - np.sqrt(rng.random(n))
    xp, xm = 0.5 + 0.5 * rng.random(m), 0.5 + 0.5 * rng.random(m)
    X = np.r_[x0, x1, x2, xp, xm][:, None]
    y = np.r_[np.zeros(n), np.ones(n), np.full(n + 2 * m, 2)].astype(int)
    w = np.r_[np.ones(3 * n), np.ones(m), -np.ones(m)]
    return X, y, w


def test_multiclass_keep_recovers_net_posterior_and_others_do_not():
    X, y, w = _multiclass_sample(np.random.default_rng(2))
    grid = np.linspace(0.55, 0.95, 9)
    dens = np.column_stack([np.ones_like(grid), 2 * grid, 2 * (1 - grid)])
    truth = dens / dens.sum(axis=1, keepdims=True)
    errors = {}
    for policy in ["keep", *POLICIES_BIASED]:
        model = BDTClassifier(negative_weights=policy, **CLS_PARAMS).fit(X, y, w)
        errors[policy] = np.abs(model.predict_proba(grid[:, None]) - truth).mean()
    assert errors["keep"] < 0.03
    for policy in POLICIES_BIASED:
        assert errors[policy] > 0.08, (policy, errors)


def test_regression_keep_recovers_net_conditional_mean():
    rng = np.random.default_rng(3)
    n, m = 20_000, 8_000
    x = rng.random(n)
    # Cancelling pairs at the same x (independent draws would add a noise of order 0.1).
    xp = rng.random(m)
    X = np.r_[x, xp, xp][:, None]
    # Net conditional mean: sin(2 pi x); the cancelling events sit at y = 3.
    y = np.r_[np.sin(2 * np.pi * x) + 0.1 * rng.normal(size=n), np.full(2 * m, 3.0)]
    w = np.r_[np.ones(n), np.ones(m), -np.ones(m)]
    grid = np.linspace(0.05, 0.95, 19)
    truth = np.sin(2 * np.pi * grid)
    params = {"n_estimators": 150, "max_depth": 3, "min_child_weight": 50, **FAST}
    errors = {}
    for policy in ["keep", *POLICIES_BIASED]:
        model = BDTRegressor(negative_weights=policy, **params).fit(X, y, w)
        errors[policy] = np.abs(model.predict(grid[:, None]) - truth).mean()
    assert errors["keep"] < 0.1
    for policy in POLICIES_BIASED:
        assert errors[policy] > 0.4, (policy, errors)


@pytest.mark.parametrize("objective", ["squared_error", "absolute_error", "pseudo_huber"])
def test_regression_objectives_fit_with_signed_weights(objective, rng):
    X = rng.random((3000, 2))
    y = 2 * X[:, 0] + 0.05 * rng.normal(size=3000)
    w = np.where(rng.random(3000) < 0.1, -0.5, 1.0)
    model = BDTRegressor(objective=objective, n_estimators=60, max_depth=3, **FAST)
    model.fit(X, y, w)
    assert model.signed_objective_
    assert np.abs(model.predict(X) - 2 * X[:, 0]).mean() < 0.15
    assert len(model.history_) == 60


def test_signed_objective_matches_native_when_weights_are_positive(rng):
    """A tiny negative weight switches to the custom objective; the model barely changes.

    The reference gives that event weight 0 (both fits then sketch the bins without it).
    """
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] + rng.normal(size=2000) > 0).astype(int)
    w = np.ones(2000)
    w[0] = 0.0
    native = BDTClassifier(n_estimators=20, max_depth=3, **FAST).fit(X, y, w)
    w_signed = w.copy()
    w_signed[0] = -1e-9
    signed = BDTClassifier(n_estimators=20, max_depth=3, **FAST).fit(X, y, w_signed)
    assert not native.signed_objective_
    assert signed.signed_objective_
    # Same training loss at every round (late trees may pick other near-tied splits).
    np.testing.assert_allclose(
        [r["train_loss"] for r in signed.history_],
        [r["train_loss"] for r in native.history_],
        rtol=1e-3,
    )
    first = {
        name: BDTClassifier(n_estimators=2, max_depth=3, **FAST).fit(X, y, weights)
        for name, weights in [("native", w), ("signed", w_signed)]
    }
    np.testing.assert_allclose(
        first["signed"].predict_proba(X), first["native"].predict_proba(X), atol=2e-3
    )


def test_fast_path_equals_raw_xgboost(rng):
    X = rng.normal(size=(2000, 4))
    y = (X[:, 0] > 0).astype(int)
    w = rng.uniform(0.5, 2.0, 2000)
    model = BDTClassifier(n_estimators=15, max_depth=3, **FAST).fit(X, y, w)
    params = {
        "objective": "binary:logistic",
        "tree_method": "hist",
        "max_depth": 3,
        "learning_rate": 0.1,
        "base_score": float(np.dot(w, y) / w.sum()),
        "nthread": 1,
    }
    # sklhep trains on weights rescaled to a net mean of 1 (min_child_weight in events)
    w_unit = w * (w.shape[0] / w.sum())
    raw = xgboost.train(params, xgboost.DMatrix(X, label=y, weight=w_unit), 15)
    np.testing.assert_allclose(
        model.predict_proba(X)[:, 1], raw.inplace_predict(X), rtol=1e-5, atol=1e-6
    )


# -- early stopping, history, importances ---------------------------------------------------
def test_early_stopping_with_negative_validation_weights(rng):
    X = rng.normal(size=(3000, 3))
    y = (X[:, 0] + 2 * rng.normal(size=3000) > 0).astype(int)
    w = np.where(rng.random(3000) < 0.15, -1.0, 1.0)
    model = BDTClassifier(
        n_estimators=300,
        max_depth=4,
        learning_rate=0.3,
        early_stopping=True,
        n_iter_no_change=5,
        **FAST,
    ).fit(X, y, w)
    valid = [r["valid_loss"] for r in model.history_]
    n_run = len(valid)
    assert n_run < 300
    assert np.all(np.isfinite(valid))
    assert model.best_iteration_ == int(np.argmin(valid))
    assert model.n_estimators_ == model.best_iteration_ + 1
    assert model.booster_.num_boosted_rounds() == model.best_iteration_ + 1
    assert model.feature_importances_.sum() == pytest.approx(1.0)
    assert model.feature_importances_.argmax() == 0


def test_history_without_early_stopping(rng):
    X = rng.normal(size=(500, 2))
    y = X[:, 0] + 0.1 * rng.normal(size=500)
    model = BDTRegressor(n_estimators=10, max_depth=2, **FAST).fit(X, y)
    assert all(np.isnan(r["valid_loss"]) for r in model.history_)
    assert all(r["lr"] == 0.1 and r["duration"] >= 0 for r in model.history_)
    mse = [r["train_loss"] for r in model.history_]
    assert len(mse) == 10
    assert mse[-1] < mse[0]
    assert mse[-1] == pytest.approx(np.mean((model.predict(X) - y) ** 2), rel=1e-3)
    assert model.best_iteration_ == 9


def test_verbose_prints_metrics(rng, capsys):
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > 0).astype(int)
    w = np.where(rng.random(300) < 0.1, -1.0, 1.0)
    model = BDTClassifier(
        n_estimators=4, verbose=2, early_stopping=True, n_iter_no_change=3, **FAST
    )
    model.fit(X, y, w)
    out = capsys.readouterr().out
    assert "train-logloss" in out
    assert "validation-logloss" in out


# -- missing values ---------------------------------------------------------------------------
def test_missing_sentinel_is_treated_like_nan(rng):
    X = rng.normal(size=(2000, 3))
    y = (X[:, 0] > 0).astype(int)
    X_nan = X.copy()
    X_nan[rng.random(X.shape) < 0.2] = np.nan
    X_sentinel = np.where(np.isnan(X_nan), -999.0, X_nan)
    a = BDTClassifier(n_estimators=10, **FAST).fit(X_nan, y)
    b = BDTClassifier(n_estimators=10, missing=-999.0, **FAST).fit(X_sentinel, y)
    np.testing.assert_allclose(a.predict_proba(X_nan), b.predict_proba(X_sentinel))
    # Without missing=-999 the sentinel is an ordinary (extreme) value: a different model.
    c = BDTClassifier(n_estimators=10, **FAST).fit(X_sentinel, y)
    assert not np.allclose(c.predict_proba(X_sentinel), b.predict_proba(X_sentinel))


# -- routing ----------------------------------------------------------------------------------
def _weighted_brier(y_true, proba, sample_weight=None):
    return -float(np.average((proba - y_true) ** 2, weights=sample_weight))


def _scorer():
    return sklearn.metrics.make_scorer(
        _weighted_brier, response_method="predict_proba"
    ).set_score_request(sample_weight=True)


def _routing_data(rng):
    X = rng.normal(size=(900, 3)) * [1.0, 10.0, 100.0]
    y = (X[:, 0] + X[:, 1] / 10 + rng.normal(size=900) > 0).astype(int)
    w = np.where(rng.random(900) < 0.1, -1.0, 1.0) * rng.uniform(0.5, 1.5, 900)
    return X, y, w


def _pipe():
    return make_pipeline(
        StandardScaler().set_fit_request(sample_weight=True),
        BDTClassifier(n_estimators=10, max_depth=2, **FAST),
    )


def _manual_scores(pipe, X, y, w, cv):
    scores = []
    for train, test in cv.split(X, y):
        fitted = clone(pipe)
        fitted.fit(X[train], y[train], sample_weight=w[train])
        proba = fitted.predict_proba(X[test])[:, 1]
        scores.append(_weighted_brier(y[test], proba, sample_weight=w[test]))
    return np.array(scores)


def test_routing_cross_validate_and_grid_search_match_manual_loop(rng):
    X, y, w = _routing_data(rng)
    cv = KFold(3, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = _pipe()
        routed = cross_validate(pipe, X, y, params={"sample_weight": w}, scoring=_scorer(), cv=cv)
        manual = _manual_scores(pipe, X, y, w, cv)
        np.testing.assert_allclose(routed["test_score"], manual, rtol=1e-10)
        # Dropping the weights changes the scores: they really were routed.
        unweighted = cross_validate(pipe, X, y, scoring=_scorer(), cv=cv)
        assert not np.allclose(unweighted["test_score"], manual)

        grid = GridSearchCV(
            pipe, {"bdtclassifier__max_depth": [1, 2]}, scoring=_scorer(), cv=cv, refit=True
        ).fit(X, y, sample_weight=w)
        for i, depth in enumerate([1, 2]):
            manual = _manual_scores(pipe.set_params(bdtclassifier__max_depth=depth), X, y, w, cv)
            assert grid.cv_results_["mean_test_score"][i] == pytest.approx(manual.mean())
        assert grid.best_estimator_[-1].signed_objective_


def test_legacy_step_sample_weight_path(rng):
    X, y, w = _routing_data(rng)
    pipe = Pipeline(
        [("scaler", StandardScaler()), ("bdtclassifier", BDTClassifier(n_estimators=10, **FAST))]
    )
    pipe.fit(X, y, bdtclassifier__sample_weight=w)
    direct = BDTClassifier(n_estimators=10, **FAST).fit(StandardScaler().fit_transform(X), y, w)
    assert pipe[-1].signed_objective_
    np.testing.assert_allclose(pipe.predict_proba(X), direct.predict_proba(pipe[0].transform(X)))


# -- bad input --------------------------------------------------------------------------------
@pytest.fixture
def small(rng):
    X = rng.normal(size=(100, 3))
    y = (X[:, 0] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("Est", [BDTClassifier, BDTRegressor])
def test_inf_features_are_a_clear_error(Est, small):
    X, y = small
    X = X.copy()
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"[Ii]nfinity"):
        Est(**FAST).fit(X, y)


@pytest.mark.parametrize("Est", [BDTClassifier, BDTRegressor])
def test_values_beyond_float32_are_a_clear_error(Est, small):
    X, y = small
    big = X.copy()
    big[3, 1] = -1e300  # xgboost bins in float32: this would become -inf
    with pytest.raises(ValueError, match="float32 range"):
        Est(**FAST).fit(big, y)
    with pytest.raises(ValueError, match="column 1"):
        Est(**FAST).fit(X, y).predict(big)


def test_zero_min_child_weight_with_negative_weights_is_a_clear_error(small):
    X, y = small
    w = np.where(np.arange(100) % 10 == 0, -0.5, 1.0)
    with pytest.raises(ValueError, match="min_child_weight > 0"):
        BDTClassifier(**{**FAST, "min_child_weight": 0}).fit(X, y, w)
    BDTClassifier(**{**FAST, "min_child_weight": 0}).fit(X, y, np.abs(w))  # fast path: fine


def test_nan_weights_and_length_mismatch(small):
    X, y = small
    w = np.ones(100)
    w[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BDTClassifier(**FAST).fit(X, y, w)
    with pytest.raises(ValueError, match="99 entries but X has 100"):
        BDTClassifier(**FAST).fit(X, y, np.ones(99))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        BDTClassifier(**FAST).fit(X, y[:-1])


def test_single_class_and_non_positive_class_weight(small):
    X, y = small
    with pytest.raises(ValueError, match="only one class"):
        BDTClassifier(**FAST).fit(X, np.zeros(100, dtype=int))
    w = np.where(y == 1, -1.0, 1.0)
    with pytest.raises(ValueError, match="class 1 has net sample weight"):
        BDTClassifier(**FAST).fit(X, y, w)
    with pytest.raises(ValueError, match="net sample weight"):
        BDTRegressor(**FAST).fit(X, X[:, 0], -np.ones(100))
    # "drop" removes every event of class 1: a clear error, not an xgboost one.
    with pytest.raises(ValueError, match=r"drop. removed the class.s negative-weight events"):
        BDTClassifier(negative_weights="drop", **FAST).fit(
            X, y, np.where(y == 1, -1.0, 1.0) * (1 + (y == 0))
        )


def test_strings_and_wrong_n_features(small):
    X, y = small
    X_str = X.astype(object)
    X_str[0, 0] = "jet"
    with pytest.raises(TypeError, match="non-numeric"):
        BDTClassifier(**FAST).fit(X_str, y)
    model = BDTClassifier(n_estimators=3, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="expecting 3 features"):
        model.predict(X[:, :2])


@pytest.mark.skipif(cuda_device_count("xgboost") > 0, reason="a CUDA device is present")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_without_device_is_a_clear_error(small, device):
    X, y = small
    with pytest.raises(ValueError, match="sees no CUDA device"):
        BDTClassifier(device=device).fit(X, y)
    assert BDTClassifier(device="auto", n_estimators=2).fit(X, y).booster_ is not None


@pytest.mark.parametrize("device", ["gpu", "cuda:x", "cuda:", 0])
def test_unknown_device_is_a_clear_error(small, device):
    X, y = small
    with pytest.raises(ValueError, match="device"):
        BDTClassifier(device=device).fit(X, y)


# -- portability ------------------------------------------------------------------------------
def test_clone_pickle_joblib_roundtrip(small, tmp_path):
    X, y = small
    w = np.where(np.arange(100) % 10 == 0, -0.5, 1.0)
    model = BDTClassifier(n_estimators=5, **FAST).fit(X, y, w)
    expected = model.predict_proba(X)
    assert pickle.loads(pickle.dumps(model)).predict_proba(X) == pytest.approx(expected)
    joblib.dump(model, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib").predict_proba(X), expected)
    fresh = clone(model)
    assert not hasattr(fresh, "booster_")
    np.testing.assert_array_equal(fresh.fit(X, y, w).predict_proba(X), expected)


def test_dataframe_feature_names(small):
    pd = pytest.importorskip("pandas")
    X, y = small
    df = pd.DataFrame(X, columns=["pt", "eta", "phi"])
    model = BDTClassifier(n_estimators=3, **FAST).fit(df, y)
    assert list(model.feature_names_in_) == ["pt", "eta", "phi"]
    assert model.feature_importances_.shape == (3,)


@pytest.mark.gpu
def test_cuda_model_predicts_on_cpu_only_machine(tmp_path, rng):
    X = rng.normal(size=(5000, 4))
    y = (X[:, 0] > 0).astype(int)
    w = np.where(rng.random(5000) < 0.1, -1.0, 1.0)
    model = BDTClassifier(n_estimators=20, device="cuda", random_state=0).fit(X, y, w)
    expected = model.predict_proba(X)
    path = tmp_path / "m.pkl"
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "p.npy", expected)
    path.write_bytes(pickle.dumps(model))
    code = (
        "import pickle, numpy as np; "
        f"m = pickle.loads(open({str(path)!r}, 'rb').read()); "
        f"X = np.load({str(tmp_path / 'X.npy')!r}); "
        f"np.testing.assert_allclose(m.predict_proba(X), np.load({str(tmp_path / 'p.npy')!r}),"
        " rtol=1e-5)"
    )
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# -- one family: early stopping, patience, history ---------------------------------------------
@pytest.mark.parametrize(("n_events", "stops_early"), [(300, False), (10_001, True)])
def test_early_stopping_auto_above_10000_events(rng, n_events, stops_early):
    X = rng.normal(size=(n_events, 2))
    y = (X[:, 0] > 0).astype(int)
    model = BDTClassifier(n_estimators=2, max_depth=2, **FAST).fit(X, y)
    assert model.early_stopping == "auto"
    valid = [r["valid_loss"] for r in model.history_]
    assert np.all(np.isfinite(valid)) == stops_early
    assert np.all(np.isnan(valid)) == (not stops_early)


@pytest.mark.parametrize("cls", [BDTClassifier, BDTRegressor])
def test_early_stopping_rounds_is_deprecated_but_works(rng, cls):
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(int)
    new = cls(n_estimators=300, early_stopping=True, n_iter_no_change=2, **FAST).fit(X, y)
    with pytest.warns(
        FutureWarning, match="'early_stopping_rounds' is deprecated.*n_iter_no_change"
    ):
        old = cls(n_estimators=300, early_stopping_rounds=2, **FAST).fit(X, y)
    assert old.n_estimators_ == new.n_estimators_ < 300
    assert [r["valid_loss"] for r in old.history_] == [r["valid_loss"] for r in new.history_]
    with pytest.warns(FutureWarning):
        off = cls(n_estimators=5, early_stopping_rounds=None, **FAST).fit(X[:20000], y)
    assert off.n_estimators_ == 5
    assert all(np.isnan(r["valid_loss"]) for r in off.history_)


@pytest.mark.parametrize("policy", ["abs", "drop"])
def test_validation_loss_follows_the_negative_weight_policy(rng, policy):
    """With 'abs' or 'drop' the validation loss is the policy's, not the signed one."""
    from sklhep.ensemble._objectives import BinaryLogistic

    X = rng.normal(size=(2000, 2))
    y = (X[:, 0] + rng.normal(size=2000) > 0).astype(int)
    w = np.where(rng.random(2000) < 0.3, -1.0, 1.0)
    model = BDTClassifier(
        n_estimators=3, early_stopping=True, negative_weights=policy, **FAST
    ).fit(X, y, w)
    # the validation split of the same seed: rebuild it and evaluate both weightings
    from sklhep._early_stopping import train_validation_split

    rs = np.random.RandomState(0)
    rs.randint(np.iinfo(np.int32).max)
    _, valid = train_validation_split(
        y, w, validation_fraction=0.1, classifier=True, random_state=rs
    )
    margin = model.decision_function(X[valid])
    w_va = np.abs(w[valid]) if policy == "abs" else np.maximum(w[valid], 0.0)
    expected = BinaryLogistic().metric_value(margin, y[valid].astype(float), w_va)
    signed = BinaryLogistic().metric_value(margin, y[valid].astype(float), w[valid])
    best = model.history_[model.best_iteration_]["valid_loss"]
    assert best == pytest.approx(expected, rel=1e-5)
    assert best != pytest.approx(signed, rel=1e-3)


def test_base_bdt_is_abstract():
    from sklhep.ensemble._bdt import _BaseBDT

    with pytest.raises(TypeError, match="abstract"):
        _BaseBDT()


def test_a_class_with_a_tiny_share_of_the_weight_warns_when_no_tree_splits():
    """Samples weighted on different scales (one in pb, one in events): xgboost's
    min_child_weight=1 forbids every split and the model is a constant. It says so, and
    class_weight="balanced" (the advice) trains a real model."""
    from sklhep.exceptions import ConstantModelWarning
    from sklhep.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n = 4000
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < 0.5).astype(int)
    X[y == 1, 0] += 1.0
    w = np.where(y == 1, 3000.0, 1.0) * np.where(rng.random(n) < 0.1, -1.0, 1.0)
    with pytest.warns(ConstantModelWarning, match="class_weight"):
        constant = BDTClassifier(random_state=0).fit(X, y, sample_weight=w)
    assert np.ptp(constant.predict_proba(X)[:, 1]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstantModelWarning)
        balanced = BDTClassifier(class_weight="balanced", random_state=0).fit(
            X, y, sample_weight=w
        )
    assert roc_auc_score(y, balanced.predict_proba(X)[:, 1], sample_weight=w) > 0.7
