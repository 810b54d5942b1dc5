"""ROC, AUC and operating points: exact with signed weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from sklhep.metrics import (
    RocCurve,
    background_rejection,
    roc_auc_score,
    roc_curve,
    signal_efficiency_at,
)


def pair_sum_auc(y, s, w):
    """The O(n^2) weighted Mann-Whitney definition."""
    sig, bkg = y == 1, y == 0
    fs, fb = s[sig][:, None], s[bkg][None, :]
    ww = w[sig][:, None] * w[bkg][None, :]
    num = np.sum(ww * ((fs > fb) + 0.5 * (fs == fb)))
    return num / (w[sig].sum() * w[bkg].sum())


@st.composite
def signed_problem(draw):
    n = draw(st.integers(4, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    s = rng.integers(0, 6, n).astype(float)  # many ties
    w = rng.uniform(0.1, 2.0, n) * np.where(rng.random(n) < 0.2, -1.0, 1.0)
    # keep each class's net weight positive
    for c in (0, 1):
        m = y == c
        if w[m].sum() <= 0:
            w[m] = np.abs(w[m])
    return y, s, w


@settings(max_examples=60, deadline=None)
@given(signed_problem())
def test_auc_equals_pair_sum_with_ties_and_negative_weights(problem):
    y, s, w = problem
    scale = np.abs(w[y == 1]).sum() * np.abs(w[y == 0]).sum() / (w[y == 1].sum() * w[y == 0].sum())
    assert roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        pair_sum_auc(y, s, w), abs=1e-12 * scale
    )


@settings(max_examples=30, deadline=None)
@given(signed_problem(), st.integers(0, 2**32 - 1))
def test_auc_weight_properties(problem, seed):
    y, s, w = problem
    rng = np.random.default_rng(seed)
    auc = roc_auc_score(y, s, sample_weight=w)
    # zero weight == removal
    extra = rng.integers(0, 2, 5)
    y0, s0 = np.r_[y, extra], np.r_[s, rng.integers(0, 6, 5).astype(float)]
    assert roc_auc_score(y0, s0, sample_weight=np.r_[w, np.zeros(5)]) == pytest.approx(auc)
    # +w/-w pair on identical events cancels
    y1, s1 = np.r_[y, extra, extra], np.r_[s, s0[-5:], s0[-5:]]
    wpm = rng.uniform(0.5, 2, 5)
    assert roc_auc_score(y1, s1, sample_weight=np.r_[w, wpm, -wpm]) == pytest.approx(auc)
    # integer weight == repetition
    k = rng.integers(1, 4, y.shape[0])
    rep = np.repeat(np.arange(y.shape[0]), k)
    assume(all((w * k)[y == c].sum() > 1e-3 for c in (0, 1)))
    assert roc_auc_score(y, s, sample_weight=w * k) == pytest.approx(
        roc_auc_score(y[rep], s[rep], sample_weight=w[rep])
    )


def test_auc_and_curve_match_sklearn_for_positive_weights(rng):
    n = 3000
    y = rng.integers(0, 2, n)
    s = np.round(rng.normal(y, 1.0), 2)
    w = rng.uniform(0, 3, n)
    w[:20] = 0.0
    assert roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        skm.roc_auc_score(y, s, sample_weight=w), rel=1e-12
    )
    ours = roc_curve(y, s, sample_weight=w)
    ref = skm.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b)
    ours = roc_curve(y, s, sample_weight=w, drop_intermediate=True)
    ref = skm.roc_curve(y, s, sample_weight=w)
    for a, b in zip(ours, ref, strict=True):
        np.testing.assert_allclose(a, b)


def test_roc_curve_field_order_and_aliases():
    y, s = np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])
    roc = roc_curve(y, s)
    assert isinstance(roc, RocCurve)
    fpr, tpr, thr = roc
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(tpr, [0, 0.5, 0.5, 1, 1])
    assert thr[0] == np.inf
    assert roc.fpr is roc.background_efficiency
    assert roc.tpr is roc.signal_efficiency


def test_auc_hand_computed():
    assert roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert roc_auc_score([0, 1], [0.5, 0.5]) == pytest.approx(0.5)  # a tie counts 1/2
    # signal (2 @ 0.9, -1 @ 0.2); background (1 @ 0.5, 1 @ 0.1):
    # (2*1 + 2*1 + (-1)*0 + (-1)*1) / (1 * 2) = 1.5 -- signed weights can leave [0, 1]
    y, s, w = [1, 1, 0, 0], [0.9, 0.2, 0.5, 0.1], [2.0, -1.0, 1.0, 1.0]
    assert roc_auc_score(y, s, sample_weight=w) == pytest.approx(1.5)
    assert roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        pair_sum_auc(np.array(y), np.array(s), np.array(w))
    )
    # string labels: the larger label is signal; two-column predict_proba accepted
    assert roc_auc_score(
        ["b", "b", "s", "s"], np.c_[[0.9, 0.6, 0.65, 0.2], [0.1, 0.4, 0.35, 0.8]]
    ) == (pytest.approx(0.75))


def test_auc_rejects_non_positive_class_weight():
    with pytest.raises(ValueError, match="net sample weight of the signal class"):
        roc_auc_score([0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[1.0, 1.0, -2.0])
    with pytest.raises(ValueError, match="only one class"):
        roc_auc_score([1, 1], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        roc_auc_score([0, 1], [np.nan, 0.2])


def test_multiclass_matches_sklearn(rng):
    n, k = 600, 3
    y = rng.integers(0, k, n)
    p = rng.dirichlet(np.ones(k), n)
    p[np.arange(n), y] += 0.3
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.1, 2, n)
    for average in ("macro", "weighted"):
        assert roc_auc_score(y, p, sample_weight=w, average=average) == pytest.approx(
            skm.roc_auc_score(y, p, sample_weight=w, multi_class="ovr", average=average)
        )
        assert roc_auc_score(y, p, multi_class="ovo", average=average) == pytest.approx(
            skm.roc_auc_score(y, p, multi_class="ovo", average=average)
        )
    w[y == 2] *= -1
    with pytest.raises(ValueError, match="class 2 has net sample weight"):
        roc_auc_score(y, p, sample_weight=w)
    with pytest.raises(ValueError, match="one score column per class"):
        roc_auc_score(y, p[:, :2].repeat(2, axis=1))


def test_background_rejection_and_signal_efficiency():
    # scores: signal 4 events, background 4 events, all distinct
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    s = np.array([8, 7, 5, 3, 6, 4, 2, 1], dtype=float)
    # eps_S = 0.5 is reached at threshold 7 with eps_B = 0 -> inf
    assert background_rejection(y, s, signal_efficiency=0.5) == np.inf
    # eps_S = 0.75 at threshold 5 with eps_B = 0.25 -> 4
    assert background_rejection(y, s, signal_efficiency=0.75) == pytest.approx(4.0)
    # eps_S = 0.625: interpolate between (eps_B=0, eps_S=.5) at 7 and (0.25, 0.5) at 6
    # and (0.25, 0.75) at 5: first crossing is between thresholds 6 and 5 -> eps_B = 0.25
    assert background_rejection(y, s, signal_efficiency=0.625) == pytest.approx(4.0)
    # eps_S = 0.875: between (0.5, 0.75) at 4 and (0.5, 1.0) at 3 -> eps_B = 0.5
    assert background_rejection(y, s, signal_efficiency=0.875) == pytest.approx(2.0)
    assert signal_efficiency_at(y, s, background_efficiency=0.25) == pytest.approx(0.5)
    # eps_B = 0.125: between (0, 0.5) at 7 and (0.25, 0.5) at 6 -> 0.5
    assert signal_efficiency_at(y, s, background_efficiency=0.125) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="signal_efficiency must lie"):
        background_rejection(y, s, signal_efficiency=0.0)


def test_background_rejection_interpolates_linearly():
    y = np.array([1, 0, 1, 0])
    s = np.array([4.0, 3.0, 2.0, 1.0])
    # ROC: (0,0) (0,.5) (.5,.5) (.5,1) (1,1); eps_S=0.75 between (.5,.5) and (.5,1) -> .5
    assert background_rejection(y, s, signal_efficiency=0.75) == pytest.approx(2.0)
    # weighted: background event at 3 has weight 3 of 4 -> eps_B = 0.75 there
    w = np.array([1.0, 3.0, 1.0, 1.0])
    assert background_rejection(y, s, signal_efficiency=0.75, sample_weight=w) == pytest.approx(
        4 / 3
    )


def test_negative_weights_efficiency_outside_unit_interval():
    y = np.array([0, 0, 1, 1])
    s = np.array([0.9, 0.1, 0.5, 0.6])
    w = np.array([-1.0, 2.0, 1.0, 1.0])
    roc = roc_curve(y, s, sample_weight=w)
    assert roc.fpr.min() < 0  # the negative background event is selected first
    assert roc.fpr[-1] == pytest.approx(1)
    assert roc.tpr[-1] == pytest.approx(1)
    assert background_rejection(y, s, signal_efficiency=1.0, sample_weight=w) == np.inf
