"""sklhep.reweight: classifier-based reweighting with signed weights, cross-fitting, guards,
and the closure check."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from sklhep import BDTClassifier
from sklhep._sklearn_compat import InvalidParameterError
from sklhep.exceptions import LowEffectiveSampleSizeWarning, SklhepWarning
from sklhep.reweight import (
    ClippedProbabilityWarning,
    Reweighter,
    default_estimator,
    reweighting_closure,
)
from sklhep.weights import weighted_mean


@pytest.fixture(autouse=True)
def _one_thread():
    """One OpenMP thread: the fits are small, and threads only add contention."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


FAST_BDT = BDTClassifier(n_estimators=30, max_depth=3, min_child_weight=5, device="cpu")


def _signed_gaussians(seed: int = 0, n: int = 4000):
    """Original N(0, 1); target with the net density N(0.5, 1): n positive events from
    it, plus n/4 positive and n/4 negative events from N(-1, 0.5) that cancel in the net
    density but not in |w| (mean 0) nor with the negatives dropped (mean 0.2)."""
    rng = np.random.default_rng(seed)
    original = rng.normal(0.0, 1.0, size=(n, 1))
    k = n // 4
    target = np.concatenate(
        [rng.normal(0.5, 1.0, size=(n, 1)), rng.normal(-1.0, 0.5, size=(2 * k, 1))]
    )
    target_weight = np.r_[np.ones(n + k), -np.ones(k)]
    return original, target, target_weight


def _truth_ratio(x):
    return norm.pdf(x, 0.5, 1.0) / norm.pdf(x, 0.0, 1.0)


def test_signed_target_recovers_the_analytic_density_ratio():
    original, target, tw = _signed_gaussians()
    rw = Reweighter(random_state=0)
    w = rw.fit_predict_weights(original, target, target_weight=tw)
    x = original[:, 0]
    assert weighted_mean(x, w) == pytest.approx(0.5, abs=0.06)
    central = np.abs(x) < 1.5
    ratio = w / w[central].mean() * _truth_ratio(x[central]).mean()
    assert np.median(np.abs(ratio[central] / _truth_ratio(x[central]) - 1)) < 0.15
    assert w.sum() == pytest.approx(tw.sum())
    # |w| and dropping the negatives learn other densities (means 0 and 0.2)
    w_abs = Reweighter(random_state=0).fit_predict_weights(original, target, None, np.abs(tw))
    keep = tw > 0
    w_drop = Reweighter(random_state=0).fit_predict_weights(original, target[keep])
    assert weighted_mean(x, w_abs) < 0.2
    assert weighted_mean(x, w_drop) < 0.35


def test_signed_original_weights():
    """Negative weights on the original side, spread over the sample as NLO's are: the
    ratio is that of the net densities, and each event keeps its weight's sign."""
    rng = np.random.default_rng(1)
    original = rng.normal(0.5, 1.0, size=(3000, 1))
    ow = np.where(rng.random(3000) < 0.15, -1.0, 1.0)
    target = rng.normal(0.0, 1.0, size=(3000, 1))
    w = Reweighter(random_state=0).fit_predict_weights(original, target, original_weight=ow)
    assert weighted_mean(original[:, 0], w) == pytest.approx(0.0, abs=0.1)
    assert np.all((w < 0) == (ow < 0))


class _Recorder(ClassifierMixin, BaseEstimator):
    """Predicts 1/2 and records whether it was asked about an event it trained on."""

    seen_training_event = False

    def fit(self, X, y, sample_weight=None):
        self.classes_ = np.unique(y)
        self.train_rows_ = {row.tobytes() for row in np.asarray(X)}
        return self

    def predict_proba(self, X):
        if any(row.tobytes() in self.train_rows_ for row in np.asarray(X)):
            type(self).seen_training_event = True
        return np.full((len(X), 2), 0.5)


def test_fit_predict_weights_is_cross_fitted():
    rng = np.random.default_rng(0)
    original, target = rng.normal(size=(300, 2)), rng.normal(size=(200, 2))
    _Recorder.seen_training_event = False
    rw = Reweighter(_Recorder(), cv=3, random_state=0)
    w = rw.fit_predict_weights(original, target)
    assert not _Recorder.seen_training_event
    assert len(rw.estimators_) == 3
    for model in rw.estimators_:  # target events are split too
        n_target = sum(row.tobytes() in model.train_rows_ for row in target)
        assert 100 <= n_target <= 150
    # p = 1/2 and balanced classes: a ratio of 1, normalised to the target's 200 events
    np.testing.assert_allclose(w, 200 / 300)
    rw.fit(original, target).predict_weights(original)
    assert _Recorder.seen_training_event  # the in-sample path does see its events


def test_predict_weights_averages_the_fold_models():
    original, target, tw = _signed_gaussians(n=2000)
    rw = Reweighter(FAST_BDT, cv=2, random_state=0)
    rw.fit_predict_weights(original, target, target_weight=tw)
    X_new = np.linspace(-1, 1, 5).reshape(-1, 1)
    w = rw.predict_weights(X_new)
    ratios = [m.predict_proba(X_new)[:, 1] / m.predict_proba(X_new)[:, 0] for m in rw.estimators_]
    expected = np.exp(np.mean(np.log(np.array(ratios) * rw.prior_ratios_[:, None]), axis=0))
    np.testing.assert_allclose(w / w.sum(), expected / expected.sum(), rtol=1e-6)
    assert w.sum() == pytest.approx(rw.target_net_weight_)


def test_normalize_and_attributes():
    original, target, tw = _signed_gaussians(n=2000)
    rw = Reweighter(FAST_BDT, normalize=False, random_state=0)
    w = rw.fit_predict_weights(original, target, target_weight=tw)
    assert w.sum() == pytest.approx(2000, rel=0.1)  # the original's own net sum, roughly
    assert rw.target_net_weight_ == pytest.approx(tw.sum())
    assert rw.ess_original_ == pytest.approx(2000)
    assert rw.ess_target_ == pytest.approx(tw.sum() ** 2 / len(tw))
    assert 0.5 * rw.ess_original_ < rw.ess_reweighted_ < rw.ess_original_
    assert rw.clip_fraction_ == 0.0
    assert rw.n_features_in_ == 1
    w2 = Reweighter(FAST_BDT, random_state=0).fit_predict_weights(original, target, None, tw)
    np.testing.assert_allclose(w2, w * tw.sum() / w.sum())


def test_random_state_is_reproducible():
    original, target, tw = _signed_gaussians(n=2000)
    a = Reweighter(random_state=3).fit_predict_weights(original, target, None, tw)
    b = Reweighter(random_state=3).fit_predict_weights(original, target, None, tw)
    c = Reweighter(random_state=4).fit_predict_weights(original, target, None, tw)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_default_estimator_scales_its_leaves_with_the_effective_fraction():
    assert default_estimator().min_child_weight == pytest.approx(10.0)
    assert default_estimator(0.5).min_child_weight == pytest.approx(20.0)
    model = default_estimator(random_state=3)
    assert model.max_depth == 3
    assert model.early_stopping is False
    assert model.random_state == 3


def test_dataframes_keep_feature_names():
    original, target, tw = _signed_gaussians(n=1000)
    o, t = pd.DataFrame(original, columns=["pt"]), pd.DataFrame(target, columns=["pt"])
    rw = Reweighter(FAST_BDT, random_state=0).fit(o, t, target_weight=tw)
    assert list(rw.feature_names_in_) == ["pt"]
    assert rw.predict_weights(o).shape == (1000,)
    result = reweighting_closure(o, t, rw.predict_weights(o), tw)
    assert result.feature_names == ["pt"]
    assert list(result.to_frame().index) == ["pt"]
    shuffled = pd.Series(tw, index=np.arange(len(tw))[::-1])
    with pytest.raises(ValueError, match="index differs"):
        Reweighter(FAST_BDT).fit(o, t, target_weight=shuffled)


# -- other estimators and weight routing --------------------------------------------------
def test_scikit_learn_classifier_and_pipeline():
    original, target, tw = _signed_gaussians(n=2000)
    for est in (LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression())):
        w = Reweighter(est, random_state=0).fit_predict_weights(original, target, None, tw)
        assert weighted_mean(original[:, 0], w) == pytest.approx(0.5, abs=0.1)


def test_estimator_without_sample_weight():
    """Unit weights: fit unweighted and correct the prior (the counts); weights: an error."""
    rng = np.random.default_rng(0)
    original, target = rng.normal(size=(1000, 1)), rng.normal(size=(3000, 1))
    rw = Reweighter(KNeighborsClassifier(n_neighbors=200), normalize=False, random_state=0)
    w = rw.fit_predict_weights(original, target)
    assert rw.prior_ratios_ == pytest.approx([1 / 3, 1 / 3])
    assert w.mean() == pytest.approx(1.0, abs=0.1)
    with pytest.raises(TypeError, match=r"does not accept sample_weight.*BDTClassifier"):
        rw.fit(original, target, target_weight=np.full(3000, 2.0))


def test_estimator_refusing_negative_weights():
    original, target, tw = _signed_gaussians(n=500)
    with pytest.raises(ValueError, match=r"refused the negative weights.*BDTClassifier"):
        Reweighter(RandomForestClassifier(n_estimators=2)).fit(original, target, None, tw)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"cv": 1}, "'cv' parameter"),
        ({"clip": 0.5}, "'clip' parameter"),
        ({"estimator": LinearRegression()}, "'estimator' parameter"),
        ({"normalize": "yes"}, "'normalize' parameter"),
    ],
)
def test_parameter_validation(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        Reweighter(**params).fit(np.zeros((4, 1)), np.ones((4, 1)))


def test_non_positive_net_weight_is_an_error():
    X = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"net sample weight of the target sample.*density ratio"):
        Reweighter().fit(X, X, target_weight=[1.0, -1.0, -1.0, 0.5])


def test_clone_keeps_parameters():
    rw = Reweighter(FAST_BDT, cv=3, clip=0.01, normalize=False, random_state=1)
    assert clone(rw).get_params()["cv"] == 3


# -- guards -------------------------------------------------------------------------------
def test_disjoint_samples_warn_and_clip():
    rng = np.random.default_rng(0)
    original = rng.normal(0.0, 1.0, size=(2000, 1))
    target = rng.normal(4.0, 1.0, size=(2000, 1))
    rw = Reweighter(clip=0.01, random_state=0)
    with pytest.warns(SklhepWarning) as record:
        w = rw.fit_predict_weights(original, target)
    messages = {type(r.message): str(r.message) for r in record}
    assert "at the clip (0.01)" in messages[ClippedProbabilityWarning]
    assert "effective sample size" in messages[LowEffectiveSampleSizeWarning]
    assert rw.clip_fraction_ > 0.5
    assert rw.ess_reweighted_ < 0.1 * rw.ess_original_
    assert w.max() / w.min() <= (0.99 / 0.01) ** 2 * 1.0001  # bounded by the clip


# -- closure ------------------------------------------------------------------------------
def test_closure_pulls_and_ks():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4000, 2)), rng.normal(size=(4000, 2))
    same = reweighting_closure(a, b, None)
    assert np.all(np.abs(same.pull) < 4)
    assert np.all(same.ks_pvalue > 1e-3)
    shifted = reweighting_closure(a, b + np.array([0.2, 0.0]), None)
    assert shifted.pull[0] < -10
    assert abs(shifted.pull[1]) < 4
    assert shifted.ks_pvalue[0] < 1e-6
    assert abs(shifted.pull_combined[0]) < abs(shifted.pull[0])
    # a NaN feature value is left out of that feature only
    a[0, 1] = np.nan
    assert np.isfinite(reweighting_closure(a, b, None).pull).all()
    with pytest.raises(ValueError, match="same features"):
        reweighting_closure(a, b[:, :1], None)


def test_closure_reports_the_weighted_chi2_per_feature():
    from sklhep.metrics._two_sample import two_sample_chi2

    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2))
    tw = np.where(rng.random(3000) < 0.15, -1.0, 1.0)
    same = reweighting_closure(a, b, None, tw)
    assert np.all(same.chi2_pvalue > 1e-3)
    assert same.chi2_ndf.tolist() == [19, 19]
    expected = two_sample_chi2(a[:, 0], b[:, 0], weights2=tw)
    assert same.chi2_statistic[0] == pytest.approx(expected.statistic, rel=1e-12)
    shifted = reweighting_closure(a, b + np.array([0.3, 0.0]), None, tw)
    assert shifted.chi2_pvalue[0] < 1e-6 < shifted.chi2_pvalue[1]
    frame = shifted.to_frame()
    assert {"chi2", "chi2_ndf", "chi2_pvalue"} <= set(frame.columns)
    # a feature with a single value: no chi2 (NaN, ndf 0), the other columns still hold
    a[:, 1], b[:, 1] = 1.0, 1.0
    constant = reweighting_closure(a, b, None)
    assert np.isnan(constant.chi2_statistic[1])
    assert constant.chi2_ndf[1] == 0
    assert np.isfinite(constant.chi2_statistic[0])


@pytest.mark.slow
def test_mlp_classifier_works():
    from sklhep import MLPClassifier

    original, target, tw = _signed_gaussians(n=1000)
    mlp = MLPClassifier((8,), max_epochs=3, device="cpu", random_state=0)
    w = Reweighter(mlp, random_state=0).fit_predict_weights(original, target, None, tw)
    assert np.isfinite(w).all()
    assert w.sum() == pytest.approx(tw.sum())


# -- real data ----------------------------------------------------------------------------
FEATURES = ["lp_pt", "lp_eta", "lm_pt", "lm_eta", "mll", "ptll", "yll", "j1_pt"]
CLOSED = ["ptll", "j1_pt", "mll", "lp_pt", "lm_pt"]


@pytest.mark.data
@pytest.mark.slow
def test_zjets_lo_to_nlo_closes_with_signed_weights(data_path):
    """LO (MLM) reweighted to NLO (FxFx, 18.5 % negative weights) with the defaults closes
    the NLO signed means within their errors; |w| and dropped negatives do not."""
    lo = pd.read_csv(data_path("zjets_lhe_7tev", "zjets_mlm_lo.csv"))
    nlo = pd.read_csv(data_path("zjets_lhe_7tev", "zjets_fxfx_nlo.csv"))
    original, target = lo[FEATURES], nlo[FEATURES]
    ow, tw = lo["weight"].to_numpy(), nlo["weight"].to_numpy()
    rw = Reweighter(random_state=0)
    w = rw.fit_predict_weights(original, target, ow, tw)
    pulls = reweighting_closure(original, target, w, tw).to_frame()["pull"]
    assert (pulls[CLOSED].abs() < 1.5).all(), pulls
    assert rw.ess_reweighted_ > 0.7 * rw.ess_original_
    before = reweighting_closure(original, target, ow, tw).to_frame()["pull"]
    assert before["ptll"] > 3
    for policy_weights, keep in ((np.abs(tw), slice(None)), (tw[tw > 0], tw > 0)):
        biased = Reweighter(random_state=0).fit_predict_weights(
            original, target[keep], ow, policy_weights
        )
        pull = reweighting_closure(original, target, biased, tw).to_frame()["pull"]
        assert pull["ptll"] > 3, pull
    # the BDTClassifier defaults before issue 14 (min_child_weight=1, now "auto") over-fit
    # the ratio (ptll -1.5 to -3.7 sigma over five fold splits in
    # benchmarks/reweight_zjets.py), and the clip guard says so
    today = Reweighter(BDTClassifier(min_child_weight=1.0), random_state=0)
    with pytest.warns(SklhepWarning) as record:
        w_today = today.fit_predict_weights(original, target, ow, tw)
    assert ClippedProbabilityWarning in {type(r.message) for r in record}
    pull = reweighting_closure(original, target, w_today, tw).to_frame()["pull"]
    assert pull["ptll"] < -1.0, pull


@pytest.mark.data
@pytest.mark.slow
def test_zjets_mlp_defaults_close_and_the_old_defaults_do_not(data_path):
    """Issue 14's MLP measurement (benchmarks/mlp_signed_defaults.py): the old
    MLPClassifier defaults (dropout=0) over-fit the signed NLO weights; the default
    dropout="auto" (0.3 with negative weights) closes the observables."""
    from sklhep import MLPClassifier

    lo = pd.read_csv(data_path("zjets_lhe_7tev", "zjets_mlm_lo.csv"))
    nlo = pd.read_csv(data_path("zjets_lhe_7tev", "zjets_fxfx_nlo.csv"))
    original, target = lo[FEATURES], nlo[FEATURES]
    ow, tw = lo["weight"].to_numpy(), nlo["weight"].to_numpy()
    worst: dict[str, list[float]] = {"today": [], "dropout": []}
    # three fold splits and seeds: the over-fit of the old defaults is erratic (one split of
    # the five in benchmarks/mlp_signed_defaults.py closes by chance; the others miss by
    # 4-120 sigma), the default closes on every one
    for seed in (0, 1, 2):
        for name, params in (("today", {"dropout": 0.0}), ("dropout", {})):
            mlp = MLPClassifier(device="cpu", n_jobs=1, random_state=seed, **params)
            rw = Reweighter(make_pipeline(StandardScaler(), mlp), random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SklhepWarning)  # today's defaults trip guards
                w = rw.fit_predict_weights(original, target, ow, tw)
            pulls = reweighting_closure(original, target, w, tw).to_frame()["pull"]
            worst[name].append(float(pulls[CLOSED].abs().max()))
    assert max(worst["dropout"]) < 1.75, worst
    assert np.mean(worst["today"]) > 3.0, worst


def test_n_jobs_reaches_the_default_estimator() -> None:
    """``Reweighter(n_jobs=...)`` is the default BDT's ``n_jobs`` (plumbing, not speed)."""
    rng = np.random.default_rng(3)
    original = rng.normal(0.0, 1.0, size=(300, 2))
    target = rng.normal(0.2, 1.0, size=(300, 2))
    rw = Reweighter(n_jobs=1, random_state=0).fit(original, target)
    assert rw.estimators_[0].n_jobs == 1
    assert Reweighter(random_state=0).fit(original, target).estimators_[0].n_jobs is None
