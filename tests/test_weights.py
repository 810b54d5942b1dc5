"""sklhep.weights: validation, policies, net-weight checks, class weights, Kish ESS."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from sklhep.exceptions import LowEffectiveSampleSizeWarning
from sklhep.weights import (
    NEGATIVE_WEIGHT_POLICIES,
    WeightSums,
    apply_negative_weight_policy,
    balanced_class_weight,
    check_effective_sample_size,
    check_net_weight,
    check_sample_weight,
    effective_sample_size,
    plan_training_weights,
    prepare_training_weights,
    weighted_mean,
    weighted_quantile,
    weighted_std,
)

# ---------------------------------------------------------------------------- validation


def test_none_means_unit_weights():
    w = check_sample_weight(None, np.zeros((4, 2)))
    assert w.dtype == np.float64
    assert_array_equal(w, np.ones(4))


@pytest.mark.parametrize(
    "weights",
    [
        [1, -2, 3],
        np.array([1, -2, 3], dtype=np.int32),
        pd.Series([1.0, -2.0, 3.0]),
        (1.0, -2, 3),
        np.array([1, -2.0, 3], dtype=object),
    ],
)
def test_accepts_negative_and_any_numeric(weights):
    w = check_sample_weight(weights, 3)
    assert w.dtype == np.float64
    assert_array_equal(w, [1.0, -2.0, 3.0])


def test_scalar_weight():
    assert_array_equal(check_sample_weight(-2.5, 3), [-2.5, -2.5, -2.5])


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, np.nan, 1.0], "NaN first at index 1"),
        ([1.0, 1.0, np.inf], "infinity first at index 2"),
        ([1.0, 2.0], "2 entries but X has 3 events"),
        (np.ones((3, 1)), "one-dimensional"),
        (["a", "b", "c"], "must be numeric"),
        (["1", "2", "3"], "string dtype"),
        (np.array([1 + 1j, 1.0, 2.0]), "complex dtype"),
        (np.array([True, False, True]), "boolean dtype"),
        (np.array([1.0, "x", 2.0], dtype=object), "object dtype"),
        (float("nan"), "must be finite"),
    ],
)
def test_rejects_bad_weights(weights, match):
    with pytest.raises(ValueError, match=match):
        check_sample_weight(weights, 3)


def test_does_not_modify_input():
    w0 = np.array([1.0, -1.0, 2.0])
    w = check_sample_weight(w0, 3, copy=True)
    w[0] = 99
    assert w0[0] == 1.0


# ---------------------------------------------------------------------------- policies


W = np.array([2.0, -1.0, 3.0, 1.0, -0.5, 1.5])
Y = np.array([0, 0, 0, 1, 1, 1])


def test_policy_keep():
    w, mask = apply_negative_weight_policy(W, "keep", groups=Y)
    assert mask is None
    assert_array_equal(w, W)


def test_policy_abs():
    w, mask = apply_negative_weight_policy(W, "abs", groups=Y)
    assert mask is None
    assert_array_equal(w, [2.0, 1.0, 3.0, 1.0, 0.5, 1.5])


def test_policy_drop():
    w, mask = apply_negative_weight_policy(W, "drop", groups=Y)
    assert_array_equal(mask, [True, False, True, True, False, True])
    assert_array_equal(w, [2.0, 3.0, 1.0, 1.5])


def test_policy_clip_keeps_each_class_net_sum():
    # class 0: net 4, positives 5 -> scale 0.8; class 1: net 2, positives 2.5 -> scale 0.8
    w, mask = apply_negative_weight_policy(W, "clip", groups=Y)
    assert mask is None
    assert_allclose(w, [1.6, 0.0, 2.4, 0.8, 0.0, 1.2])
    assert_allclose([w[:3].sum(), w[3:].sum()], [4.0, 2.0])


def test_policy_clip_without_groups_keeps_total():
    w, _ = apply_negative_weight_policy(np.array([3.0, -1.0, 1.0]), "clip")
    assert_allclose(w, [2.25, 0.0, 0.75])


def test_policy_clip_class_with_non_positive_net_weight():
    with pytest.raises(ValueError, match="class 1 has net sample weight -1"):
        apply_negative_weight_policy(np.array([1.0, 1.0, -2.0, 1.0]), "clip", groups=[0, 0, 1, 1])


@pytest.mark.parametrize("policy", NEGATIVE_WEIGHT_POLICIES)
def test_policies_without_negatives_are_identity(policy):
    w0 = np.array([1.0, 0.0, 2.0])
    w, mask = apply_negative_weight_policy(w0, policy)
    assert mask is None
    assert_array_equal(w, w0)


def test_unknown_policy():
    with pytest.raises(ValueError, match="negative_weights='flip' is not one of"):
        apply_negative_weight_policy(W, "flip")


# ---------------------------------------------------------------------------- net weight


def test_total_net_weight_must_be_positive():
    with pytest.raises(ValueError, match=r"total net sample weight .* is -1 <= 0"):
        check_net_weight(np.array([1.0, -2.0]))


def test_class_net_weight_names_the_class():
    with pytest.raises(ValueError, match="class 'bkg' has net sample weight 0"):
        check_net_weight(np.array([1.0, 1.0, -1.0]), np.array(["sig", "bkg", "bkg"]))


# ---------------------------------------------------------------------------- class weight


def test_balanced_by_net_weight():
    w = balanced_class_weight(Y, W, "balanced")
    # net sums 4 and 2, n=6, K=2: factors 6/(2*4)=0.75 and 6/(2*2)=1.5
    assert_allclose(w, W * [0.75, 0.75, 0.75, 1.5, 1.5, 1.5])
    assert_allclose(w[:3].sum(), w[3:].sum())
    assert_allclose(w.mean(), 1.0)


def test_class_weight_dict_and_none():
    assert_allclose(balanced_class_weight(Y, W, {1: 2.0}), W * [1, 1, 1, 2, 2, 2])
    assert_allclose(balanced_class_weight(Y, W, None), W)
    with pytest.raises(ValueError, match="not in y"):
        balanced_class_weight(Y, W, {7: 2.0})


# ---------------------------------------------------------------------------- Kish ESS


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10)
    # a fraction f of -1 among +1: n (1 - 2f)^2
    w = np.r_[np.ones(80), -np.ones(20)]
    assert effective_sample_size(w) == pytest.approx(100 * 0.6**2)
    assert effective_sample_size(np.zeros(3)) == 0.0


def test_low_ess_warns_per_class():
    w = np.r_[np.ones(50), np.ones(26), -np.ones(24)]
    y = np.r_[np.zeros(50), np.ones(50)]
    with pytest.warns(LowEffectiveSampleSizeWarning, match="class 1.0"):
        check_effective_sample_size(w, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_effective_sample_size(np.ones(5))


# ---------------------------------------------------------------------------- prepare


def test_prepare_drop_returns_mask_and_checks_classes():
    w, mask = prepare_training_weights(W, 6, Y, negative_weights="drop", classifier=True)
    assert_array_equal(mask, W >= 0)
    assert_allclose(w, W[W >= 0])
    w, mask = prepare_training_weights(
        W, 6, Y, negative_weights="keep", class_weight="balanced", classifier=True
    )
    assert mask is None
    assert_allclose(w.mean(), 1.0)
    with pytest.raises(ValueError, match="class 1 has net"):
        prepare_training_weights([1, 1, -1, 0.5], 4, [0, 0, 1, 1], classifier=True)


def test_prepare_regression_ignores_class_weight_and_groups():
    w, mask = prepare_training_weights(
        [3.0, -1.0, 1.0], 3, [0.1, 0.2, 0.3], negative_weights="clip"
    )
    assert mask is None
    assert_allclose(w, [2.25, 0.0, 0.75])


# ---------------------------------------------------------------------------- statistics


def test_weighted_statistics_by_hand():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    w = np.array([1.0, 2.0, 1.0, -1.0])
    assert weighted_mean(x, w) == pytest.approx((1 + 4 + 3 - 10) / 3)
    mean = -2 / 3
    var = (1 * (1 - mean) ** 2 + 2 * (2 - mean) ** 2 + (3 - mean) ** 2 - (10 - mean) ** 2) / 3
    assert weighted_std(x, w) == pytest.approx(np.sqrt(max(var, 0)))
    # net CDF: 1/3, 1, 4/3, 1 -> median is 2, q=0.2 is 1, q=1 is 2 (first crossing)
    assert_array_equal(weighted_quantile(x, [0.2, 0.5, 1.0], w), [1.0, 2.0, 2.0])


def test_weighted_quantile_matches_numpy_for_unit_weights(rng):
    x = rng.normal(size=101)
    q = np.linspace(0, 1, 11)
    assert_allclose(weighted_quantile(x, q), np.quantile(x, q, method="inverted_cdf"))


def test_weighted_quantile_errors():
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        weighted_quantile([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match="<= 0"):
        weighted_quantile([1.0, 2.0], 0.5, [1.0, -1.0])


# ---------------------------------------------------------------------------- properties

values = st.floats(-100, 100, allow_nan=False)
weights = st.floats(0.01, 10, allow_nan=False)
samples = st.lists(st.tuples(values, weights), min_size=2, max_size=30)
STATISTICS = {
    "mean": lambda x, w: weighted_mean(x, w),
    # the variance, not the std: sqrt() turns a cancelling pair's rounding (~1e-12 of the
    # summed terms) into ~1e-6 when the true spread is 0
    "variance": lambda x, w: weighted_std(x, w) ** 2,
    "quantiles": lambda x, w: weighted_quantile(x, [0.1, 0.5, 0.9], w),
}


def _split(sample):
    x, w = zip(*sample, strict=True)
    return np.array(x, dtype=float), np.array(w, dtype=float)


@pytest.mark.parametrize("stat", STATISTICS)
@settings(max_examples=60, deadline=None)
@given(sample=samples, extra=st.tuples(values, st.integers(0, len(STATISTICS))))
def test_zero_weight_equals_removing_the_event(stat, sample, extra):
    x, w = _split(sample)
    f = STATISTICS[stat]
    x0, w0 = np.r_[x, extra[0]], np.r_[w, 0.0]
    assert_allclose(f(x0, w0), f(x, w), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("stat", STATISTICS)
@settings(max_examples=60, deadline=None)
@given(sample=samples, k=st.integers(1, 4), which=st.integers(0, 29))
def test_integer_weight_equals_repeating_the_event(stat, sample, k, which):
    x, w = _split(sample)
    i = which % x.shape[0]
    f = STATISTICS[stat]
    weighted = w.copy()
    weighted[i] *= k
    repeated_x = np.r_[x, np.repeat(x[i], k - 1)]
    repeated_w = np.r_[w, np.repeat(w[i], k - 1)]
    assert_allclose(f(x, weighted), f(repeated_x, repeated_w), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("stat", STATISTICS)
@settings(max_examples=60, deadline=None)
@given(sample=samples, pair=st.tuples(values, weights))
def test_opposite_weight_pair_cancels(stat, sample, pair):
    x, w = _split(sample)
    f = STATISTICS[stat]
    xp, wp = np.r_[x, pair[0], pair[0]], np.r_[w, pair[1], -pair[1]]
    assert_allclose(f(xp, wp), f(x, w), rtol=1e-9, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(sample=samples, pair=st.tuples(values, weights))
def test_pair_cancels_in_net_checks_and_balanced_weights(sample, pair):
    x, w = _split(sample)
    y = (x > np.median(x)).astype(int)
    wp = np.r_[w, pair[1], -pair[1]]
    yp = np.r_[y, 1, 1]
    if len(np.unique(y)) == 2:
        ref = balanced_class_weight(y, w)
        got = balanced_class_weight(yp, wp)
        # same relative weights; the overall scale is n/(K W_c) with n counting the pair
        assert_allclose(got[:-2] / got[:-2].sum(), ref / ref.sum(), rtol=1e-9)
        assert_allclose(got[-2], -got[-1])


# ---------------------------------------------------------------------- per-group plans


@pytest.mark.parametrize("policy", NEGATIVE_WEIGHT_POLICIES)
@pytest.mark.parametrize("class_weight", [None, "balanced", {"b": 3.0}])
@pytest.mark.parametrize("normalize", [False, True])
def test_plan_from_sums_equals_prepare_training_weights(rng, policy, class_weight, normalize):
    """The sums-only path (Dask) gives the in-memory path's training weights exactly."""
    n = 400
    y = rng.choice(np.array(["a", "b", "c"]), n)
    w = rng.exponential(1.0, n) * np.where(rng.random(n) < 0.2, -1.0, 1.0)
    classes, codes = np.unique(y, return_inverse=True)
    want, mask = prepare_training_weights(
        w, n, y, negative_weights=policy, class_weight=class_weight, classifier=True
    )
    # a zero training weight removes the event: it is not counted ("clip" zeroes some)
    n_kept = np.count_nonzero(want)
    if normalize:
        want = want * (n_kept / want.sum())
    plan = plan_training_weights(
        WeightSums.from_weights(w, codes, classes.shape[0]),
        policy,
        classes=classes,
        class_weight=class_weight,
        normalize=normalize,
    )
    step = {"none": w, "abs": np.abs(w), "zero_negative": np.maximum(w, 0.0)}[plan.transform]
    got = step * plan.factors[codes]
    kept = np.ones(n, bool) if mask is None else mask
    assert_allclose(got[kept], want, rtol=1e-12)
    assert_allclose(got[~kept], 0.0)
    assert plan.n_events == n_kept
    assert_allclose(plan.net, np.bincount(codes[kept], weights=want, minlength=3), rtol=1e-12)


@pytest.mark.parametrize("policy", NEGATIVE_WEIGHT_POLICIES)
def test_plan_regression_group_and_messages_match(policy):
    w = np.array([2.0, -1.0, 0.5, -0.25])
    plan = plan_training_weights(WeightSums.from_weights(w), policy, normalize=True)
    want, mask = prepare_training_weights(w, 4, negative_weights=policy)
    kept = np.ones(4, bool) if mask is None else mask
    step = {"none": w, "abs": np.abs(w), "zero_negative": np.maximum(w, 0.0)}[plan.transform]
    n_kept = np.count_nonzero(want)  # zero training weights do not count as events
    assert_allclose((step * plan.factors[0])[kept], want * (n_kept / want.sum()))
    bad = np.array([1.0, -2.0])
    with pytest.raises(ValueError) as from_plan:
        plan_training_weights(WeightSums.from_weights(bad), "keep")
    with pytest.raises(ValueError) as from_array:
        check_net_weight(bad)
    assert str(from_plan.value) == str(from_array.value)


def test_plan_names_the_class_whose_net_weight_is_not_positive():
    w = np.array([1.0, 1.0, 1.0, -2.0])
    codes = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="class 'bkg' has net sample weight -1"):
        plan_training_weights(
            WeightSums.from_weights(w, codes, 2), classes=np.array(["sig", "bkg"])
        )
