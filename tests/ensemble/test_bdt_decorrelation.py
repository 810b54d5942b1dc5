"""Mass decorrelation of the BDT: BDTClassifier(decorrelation=λ) with the flatness penalty,
its errors, its plumbing (protected sliced like X) and its routing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep.datasets import SCULPTING_FEATURES, make_mass_sculpting
from sklhep.ensemble import BDTClassifier, _trainer
from sklhep.metrics import background_rejection, sculpting_jsd
from sklhep.model_selection import CrossEvaluator

FAST: dict[str, Any] = {
    "n_estimators": 10,
    "max_depth": 3,
    "device": "cpu",
    "n_jobs": 1,
    "random_state": 0,
}


def _toy(n=2000, seed=0):
    """A background whose first feature follows the mass, and a signal peak."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    mass = np.where(y == 1, rng.normal(125, 10, n), 40 + rng.exponential(60, n))
    X = np.column_stack([mass / 100 + rng.normal(0, 0.15, n), y + rng.normal(size=n)])
    w = np.where(rng.random(n) < 0.1, -1.0, 1.0) * 1.25
    return X.astype(np.float32), y, w, mass


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "protected", "match"),
    [
        ({"decorrelation": 1.0}, None, "needs the variable to decorrelate from"),
        ({}, "mass", "protected was given but decorrelation=0"),
        ({"decorrelation": 1.0}, np.zeros(5), "protected has 5 values"),
        ({"decorrelation": 1.0}, "nan", "protected contains 1 NaN"),
        ({"decorrelation": 1.0}, np.zeros((2000, 2)), "one-dimensional"),
        (
            {"decorrelation": 1.0, "decorrelation_classes": [7]},
            "mass",
            "decorrelation_classes \\[7\\] are not among",
        ),
        ({"decorrelation": -1.0}, "mass", "decorrelation"),
    ],
)
def test_clear_errors(params, protected, match):
    X, y, w, mass = _toy()
    if isinstance(protected, str) and protected == "mass":
        protected = mass
    elif isinstance(protected, str):
        protected = mass.copy()
        protected[3] = np.nan
    kwargs = {} if protected is None else {"protected": protected}
    with pytest.raises(ValueError, match=match):
        BDTClassifier(**FAST, **params).fit(X, y, w, **kwargs)


def test_multiclass_and_dask_are_refused():
    X, y, w, mass = _toy()
    y3 = np.arange(y.shape[0]) % 3
    with pytest.raises(ValueError, match="binary classification only; y has 3 classes"):
        BDTClassifier(decorrelation=1.0, **FAST).fit(X, y3, w, protected=mass)
    da = pytest.importorskip("dask.array")
    Xd = da.from_array(X, chunks=1000)
    yd = da.from_array(y, chunks=1000)
    with pytest.raises(ValueError, match="not supported on Dask collections"):
        BDTClassifier(decorrelation=1.0, **FAST).fit(Xd, yd, protected=mass)


def test_misaligned_pandas_protected_is_refused():
    pd = pytest.importorskip("pandas")
    X, y, w, mass = _toy()
    frame = pd.DataFrame(X, columns=["a", "b"])
    shuffled = pd.Series(mass, index=frame.index[::-1])
    with pytest.raises(ValueError, match="protected is a pandas Series whose index differs"):
        BDTClassifier(decorrelation=1.0, **FAST).fit(frame, y, w, protected=shuffled)


# -- plumbing ------------------------------------------------------------------------------
def test_zero_decorrelation_is_the_plain_model_and_decorrelation_changes_it():
    X, y, w, mass = _toy()
    plain = BDTClassifier(**FAST).fit(X, y, w)
    zero = BDTClassifier(decorrelation=0.0, decorrelation_classes=[0], **FAST).fit(X, y, w)
    np.testing.assert_array_equal(zero.predict_proba(X), plain.predict_proba(X))
    on = BDTClassifier(decorrelation=1.0, **FAST).fit(X, y, w, protected=mass)
    again = BDTClassifier(decorrelation=1.0, **FAST).fit(X, y, w, protected=mass)
    assert not np.allclose(on.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(on.predict_proba(X), again.predict_proba(X))
    # the booster stays a faithful binary:logistic model
    np.testing.assert_allclose(
        on.booster_.inplace_predict(X), on.predict_proba(X)[:, 1], rtol=1e-5, atol=1e-6
    )


def test_positive_weights_use_the_custom_objective_and_history_is_the_loss_alone():
    X, y, w, mass = _toy()
    w = np.abs(w)
    clf = BDTClassifier(decorrelation=2.0, early_stopping=False, **FAST).fit(
        X, y, w, protected=mass
    )
    assert clf.signed_objective_
    assert not BDTClassifier(**FAST).fit(X, y, w).signed_objective_
    # the last recorded training loss is the weighted log-loss, without the penalty
    p = np.clip(clf.predict_proba(X)[:, 1], 1e-7, 1 - 1e-7)
    logloss = -np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p))) / np.sum(w)
    assert clf.history_[-1]["train_loss"] == pytest.approx(logloss, rel=1e-4)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_protected_is_sliced_like_x(monkeypatch, early_stopping):
    """Through the early-stopping split and the drop policy's mask, the penalty gets every
    training event's own protected value, label and weight."""
    X, y, w, _ = _toy(3000)
    index = np.arange(y.shape[0], dtype=np.float64)  # protected = the row number
    seen: dict[str, Any] = {}
    original = _trainer.flatness_penalty

    def spy(config, y_tr, w_tr, p_tr, codes):
        seen.update(y=y_tr.copy(), w=w_tr.copy(), rows=p_tr.astype(int), codes=codes)
        return original(config, y_tr, w_tr, p_tr, codes)

    monkeypatch.setattr(_trainer, "flatness_penalty", spy)
    BDTClassifier(
        decorrelation=1.0,
        decorrelation_classes=[1],
        negative_weights="drop",
        early_stopping=early_stopping,
        **FAST,
    ).fit(X, y, w, protected=index)
    rows = seen["rows"]
    assert np.all(w[rows] > 0)  # the dropped events are gone from protected too
    n_kept = int(np.sum(w > 0))
    if early_stopping:
        assert rows.shape[0] < 0.95 * n_kept
    else:
        assert rows.shape[0] == n_kept
    np.testing.assert_array_equal(seen["y"], y[rows])
    np.testing.assert_allclose(seen["w"] / seen["w"][0], w[rows] / w[rows][0])
    np.testing.assert_array_equal(seen["codes"], [1])


def test_decorrelation_classes_by_label():
    X, y, w, mass = _toy()
    labels = np.where(y == 1, "sig", "bkg")
    clf = BDTClassifier(decorrelation=1.0, decorrelation_classes=["sig"], **FAST)
    clf.fit(X, labels, w, protected=mass)
    assert list(clf.classes_) == ["bkg", "sig"]


# -- routing -------------------------------------------------------------------------------
@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_grid_search_over_lambda_matches_a_hand_loop(routing):
    X, y, w, mass = _toy(1600)
    model = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        BDTClassifier(**FAST).set_fit_request(sample_weight=True, protected=True),
    )
    cv = KFold(2)
    scorer = sklearn.metrics.get_scorer("neg_log_loss").set_score_request(sample_weight=False)
    lambdas = [0.5, 3.0]
    grid = GridSearchCV(model, {"bdtclassifier__decorrelation": lambdas}, cv=cv, scoring=scorer)
    grid.fit(X, y, sample_weight=w, protected=mass)
    for k, lam in enumerate(lambdas):
        scores = []
        for train, test in cv.split(X, y):
            scaler = StandardScaler().fit(X[train])
            hand = BDTClassifier(decorrelation=lam, **FAST)
            hand.fit(scaler.transform(X[train]), y[train], w[train], protected=mass[train])
            p = hand.predict_proba(scaler.transform(X[test]))
            scores.append(sklearn.metrics.log_loss(y[test], p))
        assert grid.cv_results_["mean_test_score"][k] == pytest.approx(-np.mean(scores), rel=1e-6)
    assert grid.cv_results_["mean_test_score"][0] != grid.cv_results_["mean_test_score"][1]


@pytest.mark.parametrize("enabled", [False, True])
def test_cross_evaluator_forwards_protected(enabled):
    X, y, w, mass = _toy(1200)
    clf = BDTClassifier(decorrelation=1.0, **FAST)
    with sklearn.config_context(enable_metadata_routing=enabled):
        if enabled:
            clf.set_fit_request(protected=True)
        ce = CrossEvaluator(clf, cv=2).fit(X, y, sample_weight=w, protected=mass)
        assert len(ce.estimators_) == 2
        with pytest.raises(ValueError, match="needs the variable to decorrelate from"):
            CrossEvaluator(clf, cv=2).fit(X, y, sample_weight=w)


# -- the trade-off -------------------------------------------------------------------------
#: The settings of the trade-off tests and of ``benchmarks/decorrelation.py``.
TRADE_OFF: dict[str, Any] = {
    "max_depth": 4,
    "learning_rate": 0.2,
    "min_child_weight": 20,
    "early_stopping": False,
    "device": "cpu",
    "n_jobs": 1,
}


def _trade_off(n_train, n_test, lam, n_estimators, seed=1, test_seed=101):
    """Background rejection and 1/JSD at 50 % signal efficiency of the λ model, relative to
    the λ = 0 model's (the setup of ``benchmarks/decorrelation.py``)."""
    features = list(SCULPTING_FEATURES)
    train = make_mass_sculpting(n_train, negative_fraction=0.15, random_state=seed)
    test = make_mass_sculpting(n_test, negative_fraction=0.15, random_state=test_seed)
    out = []
    for strength in (0.0, lam):
        clf = BDTClassifier(
            decorrelation=strength, n_estimators=n_estimators, random_state=seed, **TRADE_OFF
        )
        kwargs = {"protected": train["mass"]} if strength > 0 else {}
        clf.fit(train[features], train["label"], train["weight"], **kwargs)
        score = clf.decision_function(test[features])
        y, w, mass = test["label"], test["weight"], test["mass"]
        rejection = background_rejection(y, score, sample_weight=w, signal_efficiency=0.5)
        inv_jsd = 1 / sculpting_jsd(y, score, mass, sample_weight=w, bins=30)
        out.append((rejection, inv_jsd))
    (rej0, inv0), (rej1, inv1) = out
    return rej1 / rej0, inv1 / inv0


def test_decorrelation_trades_rejection_for_less_sculpting():
    """A reduced problem (20k training events, 100 rounds): λ = 1 gives 7.4x the plain
    model's 1/JSD at 0.61x its rejection (5.3x at 0.70x with the sample of seed 3)."""
    rejection, inv_jsd = _trade_off(20_000, 100_000, 1.0, 100)
    assert inv_jsd >= 3.0
    assert rejection >= 0.4


@pytest.mark.slow
def test_issue_target_at_full_size():
    """The issue's target, in the setup of ``benchmarks/decorrelation.py`` (40k training,
    400k test events, 150 rounds): λ = 1 gives 1/JSD at 50 % signal efficiency >= 10x the
    plain model's, keeping >= 40 % of its background rejection."""
    rejection, inv_jsd = _trade_off(40_000, 400_000, 1.0, 150, seed=1, test_seed=2)
    assert inv_jsd >= 10.0
    assert rejection >= 0.4
