"""Weighted two-sample Kolmogorov-Smirnov test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sklhep.metrics import ks_test
from sklhep.weights import effective_sample_size


@pytest.mark.parametrize(("n1", "n2"), [(50, 80), (300, 200)])
def test_unit_weights_match_scipy(rng, n1, n2):
    a = np.round(rng.normal(0, 1, n1), 1)  # ties across samples
    b = np.round(rng.normal(0.3, 1, n2), 1)
    res = ks_test(a, b)
    ref = stats.ks_2samp(a, b, method="asymp")
    assert res.statistic == pytest.approx(ref.statistic, abs=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)


def brute_force_d(a, wa, b, wb):
    grid = np.unique(np.r_[a, b])
    fa = np.array([wa[a <= t].sum() for t in grid]) / wa.sum()
    fb = np.array([wb[b <= t].sum() for t in grid]) / wb.sum()
    return np.max(np.abs(fa - fb))


def test_signed_weights_brute_force_and_ess(rng):
    a, b = rng.normal(0, 1, 200), rng.normal(0.1, 1, 150)
    wa = rng.uniform(0.5, 1.5, 200) * np.where(rng.random(200) < 0.2, -1, 1)
    wb = rng.uniform(0.5, 1.5, 150)
    res = ks_test(a, b, weights_train=wa, weights_test=wb)
    assert res.statistic == pytest.approx(brute_force_d(a, wa, b, wb))
    n1, n2 = effective_sample_size(wa), effective_sample_size(wb)
    expected = stats.kstwo.sf(res.statistic, round(n1 * n2 / (n1 + n2)))
    assert res.pvalue == pytest.approx(expected)


def test_integer_weights_equal_repetition_for_statistic(rng):
    a, b = rng.normal(size=30), rng.normal(size=20)
    k = rng.integers(1, 4, 30)
    res = ks_test(a, b, weights_train=k)
    assert res.statistic == pytest.approx(ks_test(np.repeat(a, k), b).statistic)


def test_hand_computed_and_errors():
    res = ks_test([1.0, 2.0], [3.0, 4.0])
    assert res.statistic == 1.0
    assert ks_test([1.0, 2.0], [1.0, 2.0]).statistic == 0.0
    with pytest.raises(ValueError, match="net sample weight of scores_test"):
        ks_test([1.0], [2.0, 3.0], weights_test=[1.0, -2.0])
    with pytest.raises(ValueError, match="NaN"):
        ks_test([np.nan], [1.0])
