"""Extreme weights: metrics invariant to a global weight scale give the same answer for
``w``, ``1e300 * w`` and ``1e-300 * w``; the others give finite, correctly scaled values or a
clear ValueError, never NaN or a raw Python/numpy exception."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sklhep.metrics import (
    background_rejection,
    bias,
    ks_test,
    log_loss,
    max_significance,
    resolution,
    roc_auc_score,
    roc_curve,
    signal_efficiency_at,
)
from sklhep.weights import effective_sample_size

SCALES = (1e300, 1e-300)


def _binary(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = rng.normal(size=n) + y
    w = rng.uniform(0.5, 2.0, n) * np.where(rng.random(n) < 0.15, -0.5, 1.0)
    return y, score, w


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e306, 2.0**-1000])
def test_auc_unit_weights_times_a_huge_or_tiny_constant(scale):
    # 1e300: the products of weights overflowed (NaN); 1e-300: they underflowed to 0
    # (ZeroDivisionError)
    y, score, _ = _binary()
    ref = roc_auc_score(y, score)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/underflow RuntimeWarning either
        got = roc_auc_score(y, score, sample_weight=np.full(y.shape[0], scale))
    assert got == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1e306])
def test_ks_test_huge_and_tiny_weights(scale):
    # 1e300: the sum of squares overflowed and round(inf) raised OverflowError
    y, score, w = _binary()
    a, b = score[y == 0], score[y == 1]
    wa, wb = w[y == 0], w[y == 1]
    ref = ks_test(a, b, weights_train=wa, weights_test=wb)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ks_test(a, b, weights_train=wa * scale, weights_test=wb * scale)
        mixed = ks_test(a, b, weights_train=wa * scale, weights_test=wb)
    for res in (got, mixed):
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)


def test_sums_that_overflow_although_each_weight_is_finite():
    # 300 weights of 1e307 sum to 3e309 > float64 max; the metrics only need ratios
    y, score, w = _binary()
    big = np.abs(w) * 1e307
    ref = roc_auc_score(y, score, sample_weight=np.abs(w))
    assert roc_auc_score(y, score, sample_weight=big) == pytest.approx(ref, rel=1e-12)
    np.testing.assert_allclose(
        roc_curve(y, score, sample_weight=big).tpr,
        roc_curve(y, score, sample_weight=np.abs(w)).tpr,
        rtol=1e-12,
    )


def test_non_positive_net_weight_is_reported_in_the_callers_units():
    y, score, w = _binary()
    w = np.where(y == 0, -np.abs(w), w) * 1e300
    with pytest.raises(ValueError, match=r"background class is -\d.*e\+302"):
        roc_auc_score(y, score, sample_weight=w)
    with pytest.raises(ValueError, match=r"net sample weight"):
        ks_test(score[:10], score[10:], weights_train=-np.abs(w[:10]))


def test_cancelling_huge_weights_raise_not_nan():
    # +-1e308 pairs: a naive sum gives inf - inf = NaN or a spurious +inf
    y = np.array([0, 0, 0, 0, 1, 1])
    score = np.arange(6.0)
    w = np.array([1e308, 1e308, -1e308, -1e308, 1.0, 1.0])
    with pytest.raises(ValueError, match="background class"):
        roc_auc_score(y, score, sample_weight=w)
    with pytest.raises(ValueError, match="net sample weight"):
        log_loss(y, np.full(6, 0.5), sample_weight=np.r_[w[:4], -1.0, 0.5])


@st.composite
def weighted_problem(draw):
    """A binary, a three-class and a regression problem with signed weights whose class
    net weights are far from zero (so that every metric is well conditioned)."""
    n = draw(st.integers(8, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    y3 = rng.integers(0, 3, n)
    y3[:3] = [0, 1, 2]
    ties = draw(st.booleans())
    score = rng.integers(0, 6, n).astype(float) if ties else rng.normal(size=n) + y
    score3 = rng.normal(size=(n, 3)) + np.eye(3)[y3]
    w = rng.uniform(0.1, 10.0, n) * np.where(rng.random(n) < 0.2, -0.3, 1.0)
    for labels in (y, y3):
        for c in np.unique(labels):
            m = labels == c
            assume(w[m].sum() > 0.3 * np.abs(w[m]).sum())
    y_true = rng.uniform(1.0, 2.0, n)
    y_pred = y_true * (1 + rng.normal(0, 0.1, n))
    return y, score, y3, score3, w, y_true, y_pred


def _scale_invariant_metrics(problem):
    y, score, y3, score3, _, y_true, y_pred = problem
    half = y.shape[0] // 2
    p = 1 / (1 + np.exp(-score))
    return {
        "roc_auc": lambda w: roc_auc_score(y, score, sample_weight=w),
        "roc_auc_ovr": lambda w: roc_auc_score(y3, score3, sample_weight=w),
        "roc_auc_ovo_weighted": lambda w: roc_auc_score(
            y3, score3, sample_weight=w, multi_class="ovo", average="weighted"
        ),
        "roc_curve": lambda w: np.concatenate(roc_curve(y, score, sample_weight=w)[:2]),
        "background_rejection": lambda w: background_rejection(y, score, sample_weight=w),
        "signal_efficiency_at": lambda w: signal_efficiency_at(
            y, score, background_efficiency=0.3, sample_weight=w
        ),
        "ks_test": lambda w: np.array(
            ks_test(score[:half], score[half:], weights_train=w[:half], weights_test=w[half:])
        ),
        "log_loss": lambda w: log_loss(y, p, sample_weight=w),
        "resolution_iqr": lambda w: resolution(y_true, y_pred, sample_weight=w),
        "resolution_rms": lambda w: resolution(y_true, y_pred, sample_weight=w, method="rms"),
        "resolution_truncated_rms": lambda w: resolution(
            y_true, y_pred, sample_weight=w, method="truncated_rms"
        ),
        "bias_median": lambda w: bias(y_true, y_pred, sample_weight=w),
        "bias_mean": lambda w: bias(y_true, y_pred, sample_weight=w, method="mean"),
    }


@settings(max_examples=40, deadline=None)
@given(weighted_problem())
def test_scale_invariant_metrics_ignore_a_global_weight_scale(problem):
    w = problem[4]
    half = w.shape[0] // 2
    for part in (w[:half], w[half:]):
        assume(part.sum() > 0.3 * np.abs(part).sum())
    # the KS p-value uses round(n_eff): keep n_eff away from a rounding boundary
    n1, n2 = effective_sample_size(w[:half]), effective_sample_size(w[half:])
    assume(abs((n1 * n2 / (n1 + n2)) % 1 - 0.5) > 1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/underflow RuntimeWarning either
        for name, metric in _scale_invariant_metrics(problem).items():
            ref = metric(w)
            for scale in SCALES:
                got = metric(w * scale)
                assert np.all(np.isfinite(got) | np.isinf(ref)), (name, scale, got)
                np.testing.assert_allclose(
                    got, ref, rtol=1e-12, atol=1e-13, err_msg=f"{name} at scale {scale}"
                )


@pytest.mark.parametrize("scale", [1e300, 1e-300, 2.0**1000, 2.0**-1000])
@pytest.mark.parametrize("metric", ["asimov", "s_over_sqrt_b"])
def test_max_significance_scales_like_the_yields(scale, metric):
    # not scale invariant: the yields scale with the weights and Z with their square root
    # (for these two metrics); the values must stay finite and exact
    y, score, w = _binary(seed=3)
    ref = max_significance(y, score, sample_weight=w, metric=metric)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = max_significance(y, score, sample_weight=w * scale, metric=metric)
    assert got.cut == ref.cut
    assert got.s == pytest.approx(ref.s * scale, rel=1e-12)
    assert got.b == pytest.approx(ref.b * scale, rel=1e-12)
    assert got.significance == pytest.approx(ref.significance * np.sqrt(scale), rel=1e-12)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_max_significance_other_metrics_stay_finite(scale):
    y, score, w = _binary(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kwargs in (
            {"metric": "ams"},
            {"sigma_b_rel": 0.1},
            {"min_background_ess": 5.0},
            {"luminosity": 1 / scale},
        ):
            res = max_significance(y, score, sample_weight=w * scale, **kwargs)
            assert all(np.isfinite(res)), (kwargs, res)
    # the effective-sample-size floor is scale invariant: the same cut as unit scale
    assert (
        max_significance(y, score, sample_weight=w * scale, min_background_ess=20.0).cut
        == max_significance(y, score, sample_weight=w, min_background_ess=20.0).cut
    )
    # luminosity undoing the weight scale gives back the unit-scale result
    ref = max_significance(y, score, sample_weight=w)
    res = max_significance(y, score, sample_weight=w * scale, luminosity=1 / scale)
    assert res.significance == pytest.approx(ref.significance, rel=1e-12)


def test_max_significance_yields_beyond_float64_raise_clearly():
    y, score, w = _binary()
    with pytest.raises(ValueError, match="exceed the float64 range"):
        max_significance(y, score, sample_weight=np.abs(w) * 1e307)
    with pytest.raises(ValueError, match="exceed the float64 range"):
        max_significance(y, score, sample_weight=np.abs(w) * 1e200, luminosity=1e200)
    # but a huge luminosity with tiny weights is fine
    res = max_significance(y, score, sample_weight=w * 1e-300, luminosity=1e300)
    ref = max_significance(y, score, sample_weight=w)
    assert res.significance == pytest.approx(ref.significance, rel=1e-12)
