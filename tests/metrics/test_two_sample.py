"""Gagunashvili's weighted two-sample chi-square (ROOT's Chi2Test "WW")."""

import itertools

import numpy as np
import pytest
from scipy import stats

from sklhep.metrics._two_sample import DEFAULT_BINS, Chi2Result, two_sample_chi2


def _reference(x1, w1, x2, w2, edges):
    """Gagunashvili (2006), eq. for two weighted histograms, bin by bin (ROOT's loop)."""
    n1, n2, s1, s2 = [], [], [], []
    for lo, hi in itertools.pairwise(edges):
        in1 = [w for x, w in zip(x1, w1, strict=True) if lo <= x < hi]
        in2 = [w for x, w in zip(x2, w2, strict=True) if lo <= x < hi]
        n1.append(sum(in1))
        n2.append(sum(in2))
        s1.append(sum(w * w for w in in1))
        s2.append(sum(w * w for w in in2))
    big1, big2 = sum(n1), sum(n2)
    chi2, ndf = 0.0, len(n1) - 1
    for a, b, va, vb in zip(n1, n2, s1, s2, strict=True):
        if va == 0 and vb == 0:
            ndf -= 1
            continue
        chi2 += (big2 * a - big1 * b) ** 2 / (big1**2 * vb + big2**2 * va)
    return chi2, ndf


@pytest.fixture
def signed():
    rng = np.random.default_rng(1)
    x1, x2 = rng.normal(size=400), rng.normal(0.1, 1.1, size=600)
    w1 = rng.uniform(0.5, 2.0, size=400)
    w2 = np.where(rng.random(600) < 0.2, -1.0, 1.0) * rng.uniform(0.5, 1.5, size=600)
    return x1, w1, x2, w2


def test_matches_a_direct_implementation_of_gagunashvili(signed):
    x1, w1, x2, w2 = signed
    edges = np.linspace(-3.0, 3.000001, 13)
    keep1, keep2 = (x1 >= -3) & (x1 < 3), (x2 >= -3) & (x2 < 3)
    ref, ndf = _reference(x1[keep1], w1[keep1], x2[keep2], w2[keep2], edges)
    result = two_sample_chi2(x1, x2, weights1=w1, weights2=w2, bins=edges)
    assert isinstance(result, Chi2Result)
    assert result.statistic == pytest.approx(ref, rel=1e-10)
    assert result.ndf == ndf == 11
    assert result.pvalue == pytest.approx(stats.chi2.sf(ref, ndf), rel=1e-9)
    np.testing.assert_array_equal(result.edges, edges)


def test_negative_bin_contents_are_allowed():
    x1 = np.array([0.5, 1.5, 1.6, 2.5, 2.6])
    x2 = np.array([0.4, 0.6, 1.5, 2.5, 2.7])
    w2 = np.array([-1.0, -0.5, 2.0, 1.0, 1.5])  # bin [0, 1) of sample 2 is net negative
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    result = two_sample_chi2(x1, x2, weights2=w2, bins=edges)
    ref, ndf = _reference(x1, np.ones(5), x2, w2, edges)
    assert np.isfinite(result.statistic)
    assert result.statistic == pytest.approx(ref, rel=1e-12)
    assert result.ndf == ndf == 2


def test_unweighted_equal_sizes_is_the_classical_chi2():
    rng = np.random.default_rng(2)
    a, b = rng.exponential(size=500), rng.exponential(1.2, size=500)
    edges = np.r_[0.0, np.quantile(np.r_[a, b], np.linspace(0.1, 0.9, 9)), 100.0]
    table = np.array([np.histogram(a, edges)[0], np.histogram(b, edges)[0]])
    classical = stats.chi2_contingency(table, correction=False)
    result = two_sample_chi2(a, b, bins=edges)
    assert result.statistic == pytest.approx(classical.statistic, rel=1e-12)
    assert result.ndf == classical.dof
    assert result.pvalue == pytest.approx(classical.pvalue, rel=1e-9)


def test_unweighted_different_sizes_is_close_to_the_classical_chi2():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=4000), rng.normal(size=9000)
    edges = np.linspace(-3, 3, 11)
    a, b = a[np.abs(a) < 3], b[np.abs(b) < 3]
    table = np.array([np.histogram(a, edges)[0], np.histogram(b, edges)[0]])
    classical = stats.chi2_contingency(table, correction=False).statistic
    assert two_sample_chi2(a, b, bins=edges).statistic == pytest.approx(classical, rel=0.1)


def test_zero_weight_is_removal(signed):
    x1, w1, x2, w2 = signed
    w2_zeroed = w2.copy()
    w2_zeroed[:100] = 0.0
    edges = np.linspace(-4, 4, 9)
    full = two_sample_chi2(x1, x2, weights1=w1, weights2=w2_zeroed, bins=edges)
    removed = two_sample_chi2(x1, x2[100:], weights1=w1, weights2=w2[100:], bins=edges)
    assert full.statistic == pytest.approx(removed.statistic, rel=1e-12)
    assert full.ndf == removed.ndf


def test_a_cancelling_pair_changes_only_the_variance(signed):
    x1, w1, x2, w2 = signed
    edges = np.linspace(-4, 4, 9)
    with_pair = two_sample_chi2(
        x1, np.r_[x2, 0.3, 0.3], weights1=w1, weights2=np.r_[w2, 2.0, -2.0], bins=edges
    )
    without = two_sample_chi2(x1, x2, weights1=w1, weights2=w2, bins=edges)
    # same net contents; the pair adds 2 * 2**2 to the variance of bin [0, 1): X^2 drops
    assert with_pair.statistic <= without.statistic
    ref, _ = _reference(x1, w1, np.r_[x2, 0.3, 0.3], np.r_[w2, 2.0, -2.0], edges)
    assert with_pair.statistic == pytest.approx(ref, rel=1e-10)
    assert np.isfinite(with_pair.residuals).all()


@pytest.mark.parametrize("scale", [1e-300, 1e-3, 7.0, 1e300])
def test_invariant_to_each_samples_weight_scale(signed, scale):
    x1, w1, x2, w2 = signed
    base = two_sample_chi2(x1, x2, weights1=w1, weights2=w2)
    scaled = two_sample_chi2(x1, x2, weights1=scale * w1, weights2=w2 / scale)
    assert scaled.statistic == pytest.approx(base.statistic, rel=1e-10)
    np.testing.assert_allclose(scaled.edges, base.edges)


def test_symmetric_in_the_two_samples(signed):
    x1, w1, x2, w2 = signed
    ab = two_sample_chi2(x1, x2, weights1=w1, weights2=w2)
    ba = two_sample_chi2(x2, x1, weights1=w2, weights2=w1)
    assert ab.statistic == pytest.approx(ba.statistic, rel=1e-10)
    np.testing.assert_allclose(ab.residuals, -ba.residuals, rtol=1e-8)


def test_empty_bins_are_left_out():
    rng = np.random.default_rng(4)
    a, b = rng.uniform(0, 1, 300), rng.uniform(0, 1, 300)
    a[a > 0.5] += 1.0  # both samples live in [0, 0.5) and [1.5, 2): two empty bins
    b[b > 0.5] += 1.0
    edges = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    result = two_sample_chi2(a, b, bins=edges)
    assert result.ndf == 1  # two of the four bins hold events
    assert np.isnan(result.residuals[[1, 2]]).all()
    assert np.isfinite(result.residuals[[0, 3]]).all()


def test_default_bins_are_pooled_weighted_quantiles():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=3000), rng.normal(size=3000)
    result = two_sample_chi2(a, b)
    assert result.ndf == DEFAULT_BINS - 1
    counts, _ = np.histogram(np.r_[a, b], result.edges)
    assert counts.min() > 0.8 * 300
    assert counts.max() < 1.2 * 300
    assert result.edges[0] == min(a.min(), b.min())
    assert result.edges[-1] == max(a.max(), b.max())


def test_discrete_feature_merges_edges():
    a, b = np.repeat([1.0, 2.0, 3.0], 100), np.repeat([1.0, 2.0, 3.0], [90, 110, 100])
    result = two_sample_chi2(a, b, bins=10)
    assert result.ndf == 1  # three distinct values: edges merge to [1, 2, 3]


def test_pvalues_are_calibrated_under_the_null():
    rng = np.random.default_rng(6)
    pvalues = []
    for _ in range(300):
        a = rng.exponential(size=1500)
        b = rng.exponential(size=2000)
        wb = np.where(rng.random(2000) < 0.15, -1.0, 1.0) * rng.uniform(0.5, 1.5, 2000)
        pvalues.append(two_sample_chi2(a, b, weights2=wb, bins=10).pvalue)
    pvalues = np.array(pvalues)
    assert stats.kstest(pvalues, "uniform").pvalue > 1e-3
    assert 0.01 < np.mean(pvalues < 0.05) < 0.11


def test_detects_a_shift():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=5000), rng.normal(0.15, 1.0, size=5000)
    assert two_sample_chi2(a, b).pvalue < 1e-6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights1": np.ones(3)}, "weights1"),
        ({"bins": 1}, "at least 2"),
        ({"bins": [0.0, 2.0, 1.0]}, "strictly increasing"),
        ({"bins": "auto"}, "bins must be an int"),
        ({"range": (1.0, 0.0)}, "low < high"),
        ({"range": (50.0, 60.0)}, "no event in the range"),
        ({"weights2": -np.ones(20)}, "sample 2"),
    ],
)
def test_bad_input_errors(kwargs, match):
    x = np.linspace(0, 1, 20)
    with pytest.raises(ValueError, match=match):
        two_sample_chi2(x, x, **kwargs)


def test_nan_and_constant_inputs_error():
    with pytest.raises(ValueError, match="x1 contains 1 NaN"):
        two_sample_chi2([0.0, np.nan], [0.0, 1.0])
    with pytest.raises(ValueError, match="same value"):
        two_sample_chi2(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="at least one event"):
        two_sample_chi2([], [1.0])
