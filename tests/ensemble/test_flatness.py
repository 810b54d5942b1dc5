"""The flatness penalty of the BDT's signed objective: gradient, invariances, effect."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost

from sklhep.ensemble._flatness import FlatnessObjective, FlatnessPenalty, protected_bins
from sklhep.ensemble._objectives import BinaryLogistic, SignedObjective


def _toy(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    mass = rng.exponential(50.0, n)
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.15, -1.0, 1.0)
    margin = rng.normal(size=n) + 0.02 * mass
    return y, mass, w, margin


def _numerical_gradient(penalty, margin, cuts, eps=1e-6):
    out = np.empty_like(margin)
    for i in range(margin.shape[0]):
        step = np.zeros_like(margin)
        step[i] = eps
        out[i] = (penalty.value(margin + step, cuts) - penalty.value(margin - step, cuts)) / (
            2 * eps
        )
    return out


@pytest.mark.parametrize("scale", ["relative", "binomial"])
def test_gradient_matches_finite_differences(scale):
    y, mass, w, margin = _toy()
    bins = protected_bins(mass, y, w, n_bins=4)
    penalty = FlatnessPenalty(y, w, bins, 2.0, n_cuts=6, scale=scale)
    cuts = penalty.cuts(margin)
    grad, hess = penalty.grad_hess(margin, cuts)
    numerical = _numerical_gradient(penalty, margin, cuts)
    np.testing.assert_allclose(grad, numerical, atol=1e-6 * np.abs(grad).max())
    assert np.all(grad[y == 1] == 0)
    assert np.all(hess[y == 1] == 0)
    assert np.all(hess >= 0)


def test_zero_strength_and_value():
    y, mass, w, margin = _toy()
    bins = protected_bins(mass, y, w, n_bins=4)
    off = FlatnessPenalty(y, w, bins, 0.0)
    grad, hess = off.grad_hess(margin)
    assert not grad.any()
    assert not hess.any()
    on = FlatnessPenalty(y, w, bins, 3.0)
    assert on.value(margin) == pytest.approx(3.0 * np.sum(w) * on.distance(margin))
    # an output that does not depend on the mass is (nearly) flat
    flat = np.random.default_rng(5).normal(size=y.shape[0])
    assert on.distance(flat) < on.distance(margin + 0.2 * mass)


def test_zero_weight_is_removal_and_pairs_cancel():
    y, mass, w, margin = _toy()
    bins = protected_bins(mass, y, w, n_bins=4)
    base = FlatnessPenalty(y, w, bins, 1.0, total_weight=100.0)
    grad, _ = base.grad_hess(margin)
    # zero-weight events: nothing changes, and their own gradient is 0
    y0, m0 = np.r_[y, 0, 0], np.r_[margin, 0.3, 2.0]
    w0, b0 = np.r_[w, 0.0, 0.0], np.r_[bins, 1, 2]
    zero = FlatnessPenalty(y0, w0, b0, 1.0, total_weight=100.0)
    grad0, _ = zero.grad_hess(m0)
    np.testing.assert_allclose(grad0[:-2], grad, rtol=1e-12, atol=1e-15)
    assert not grad0[-2:].any()
    assert zero.value(m0) == pytest.approx(base.value(margin), rel=1e-12)
    # a +w/-w pair of identical events: the others' gradients are unchanged and the pair's
    # own gradients are opposite
    y2, m2 = np.r_[y, 0, 0], np.r_[margin, 0.7, 0.7]
    w2, b2 = np.r_[w, 1.3, -1.3], np.r_[bins, 2, 2]
    pair = FlatnessPenalty(y2, w2, b2, 1.0, total_weight=100.0)
    grad2, hess2 = pair.grad_hess(m2)
    np.testing.assert_allclose(grad2[:-2], grad, rtol=1e-9, atol=1e-12)
    assert grad2[-2] == pytest.approx(-grad2[-1])
    assert hess2[-2] == pytest.approx(hess2[-1])


def test_bins_with_no_net_weight_are_refused():
    y = np.zeros(6, int)
    w = np.array([1.0, 1.0, 1.0, -1.0, 1.0, 1.0])
    bins = np.array([0, 0, 1, 1, 2, 2])
    with pytest.raises(ValueError, match=r"bin 1 of the protected variable.*net weight 0"):
        FlatnessPenalty(y, w, bins, 1.0)


def test_protected_bins_have_equal_net_weight():
    y, mass, w, _ = _toy(2000)
    bins = protected_bins(mass, y, np.abs(w), n_bins=5)
    assert np.all(bins[y == 1] == -1)
    counts = np.bincount(bins[y == 0], weights=np.abs(w)[y == 0])
    assert counts.max() / counts.min() < 1.1


def test_flatness_in_xgboost_decorrelates():
    rng = np.random.default_rng(0)
    n = 6000
    y = (rng.random(n) < 0.4).astype(int)
    mass = np.where(y == 1, rng.normal(125, 10, n), 40 + rng.exponential(60, n))
    X = np.column_stack([mass + rng.normal(0, 15, n), y + rng.normal(size=n)]).astype(np.float32)
    w = np.where(rng.random(n) < 0.1, -1.0, 1.0) * 1.25
    bins = protected_bins(mass, y, w, n_bins=5)
    dtrain = xgboost.DMatrix(X, label=y.astype(np.float32), weight=np.abs(w))
    params = {"max_depth": 3, "eta": 0.3, "min_child_weight": 10, "max_delta_step": 5,
              "disable_default_eval_metric": True, "nthread": 1, "seed": 0}  # fmt: skip
    distances = []
    for strength in (0.0, 1.0):
        loss = SignedObjective(BinaryLogistic(), y.astype(np.float32), w, record=False)
        penalty = FlatnessPenalty(y, w, bins, strength)
        objective = FlatnessObjective(loss, penalty)
        booster = xgboost.train(params, dtrain, num_boost_round=30, obj=objective)
        distances.append(penalty.distance(booster.predict(dtrain, output_margin=True)))
    assert distances[1] < 0.5 * distances[0]


def test_efficiency_range_sets_the_cuts():
    y, mass, w, _ = _toy()
    bins = protected_bins(mass, y, w, n_bins=4)
    penalty = FlatnessPenalty(y, w, bins, 1.0, n_cuts=3, efficiency_range=(0.2, 0.05))
    np.testing.assert_allclose(penalty.efficiencies, [0.2, 0.1, 0.05])
    with pytest.raises(ValueError, match="efficiency_range must be"):
        FlatnessPenalty(y, w, bins, 1.0, efficiency_range=(0.01, 0.5))
