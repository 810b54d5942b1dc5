"""Asimov significance, AMS and the cut scan."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep.metrics import ams, asimov_significance, max_significance


def test_asimov_hand_computed():
    expected = np.sqrt(2 * (110 * np.log(1.1) - 10))
    assert asimov_significance(10, 100) == pytest.approx(expected, rel=1e-12)
    # s << b: Z -> s / sqrt(b), also where (1+x)ln(1+x)-x cancels catastrophically
    assert asimov_significance(1e-6, 1.0) == pytest.approx(1e-6, rel=1e-6)
    assert asimov_significance(-10, 100) == pytest.approx(-np.sqrt(2 * (90 * np.log(0.9) + 10)))
    z20 = np.sqrt(2 * (120 * np.log(1.2) - 20))
    np.testing.assert_allclose(asimov_significance([10, 20], 100), [expected, z20], rtol=1e-12)


def test_asimov_with_background_uncertainty():
    s, b = 10.0, 100.0
    # sigma_b -> 0 recovers the simple formula; sigma_b = 0 is exactly it
    assert asimov_significance(s, b, 0.0) == asimov_significance(s, b)
    assert asimov_significance(s, b, 1e-4) == pytest.approx(asimov_significance(s, b), rel=1e-6)
    # hand value of Cowan's formula at sigma_b = 10
    v = 100.0
    t1 = (s + b) * np.log((s + b) * (b + v) / (b**2 + (s + b) * v))
    t2 = (b**2 / v) * np.log(1 + v * s / (b * (b + v)))
    assert asimov_significance(s, b, 10.0) == pytest.approx(np.sqrt(2 * (t1 - t2)))
    assert asimov_significance(s, b, 10.0) < asimov_significance(s, b)
    with pytest.raises(ValueError, match="background yield b must be > 0"):
        asimov_significance(1.0, 0.0)
    with pytest.raises(ValueError, match="sigma_b"):
        asimov_significance(1.0, 1.0, -1.0)


def test_ams_is_asimov_with_regularised_background():
    assert ams(10, 100) == pytest.approx(asimov_significance(10, 110))
    assert ams(3, 0) == pytest.approx(np.sqrt(2 * (13 * np.log(1.3) - 3)))
    assert ams(3, 0, b_reg=0.5) == pytest.approx(asimov_significance(3, 0.5))


def brute_force_scan(y, s, w, lumi=1.0):
    best = (-np.inf, None, None, None)
    for cut in np.unique(s):
        sel = s >= cut
        ss, bb = lumi * w[sel & (y == 1)].sum(), lumi * w[sel & (y == 0)].sum()
        if ss > 0 and bb > 0:
            z = asimov_significance(ss, bb)
            if z > best[0]:
                best = (z, cut, ss, bb)
    return best


def test_max_significance_matches_brute_force(rng):
    n = 400
    y = rng.integers(0, 2, n)
    s = np.round(rng.normal(y, 1.0), 1)
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.2, -1, 1)
    w[y == 1] *= 0.1
    z, cut, ss, bb = brute_force_scan(y, s, w, lumi=3.0)
    res = max_significance(y, s, sample_weight=w, luminosity=3.0)
    assert res.significance == pytest.approx(z)
    assert res.cut == cut
    assert res.s == pytest.approx(ss)
    assert res.b == pytest.approx(bb)
    # other metrics and min_background
    r2 = max_significance(y, s, sample_weight=w, metric="s_over_sqrt_b", min_background=5)
    assert r2.b > 5
    assert r2.significance == pytest.approx(r2.s / np.sqrt(r2.b))
    r3 = max_significance(y, s, sample_weight=w, metric="ams")
    assert r3.significance == pytest.approx(ams(r3.s, r3.b))
    r4 = max_significance(y, s, sample_weight=w, sigma_b_rel=0.1)
    assert r4.significance == pytest.approx(asimov_significance(r4.s, r4.b, 0.1 * r4.b))
    with pytest.raises(ValueError, match="No cut"):
        max_significance(y, s, sample_weight=w, min_background=1e9)


def test_min_background_ess_skips_cancelled_backgrounds(rng):
    """A tight cut where a +w/-w background pair cancels to b ~ 0 wins the plain scan with
    an absurd Z; requiring an effective background sample skips it. Checked against a
    brute-force scan over the cuts that pass the requirement."""
    n = 600
    y = rng.integers(0, 2, n)
    score = rng.normal(y, 1.0)
    w = rng.uniform(0.5, 1.5, n) * np.where(rng.random(n) < 0.2, -1, 1)
    w[y == 1] = np.abs(w[y == 1]) * 0.05
    # the two highest-scoring events: a background pair that cancels, above all signal
    y = np.r_[y, 0, 0, 1]
    score = np.r_[score, 10.0, 10.0, 9.0]
    w = np.r_[w, 2.0, -2.0 + 1e-9, 1.0]
    plain = max_significance(y, score, sample_weight=w)
    assert plain.b < 1e-6  # the cancelled pair
    ess = 10.0
    res = max_significance(y, score, sample_weight=w, min_background_ess=ess)
    best = -np.inf
    for cut in np.unique(score):
        sel = score >= cut
        s, b = w[sel & (y == 1)].sum(), w[sel & (y == 0)].sum()
        wb = w[sel & (y == 0)]
        if s > 0 and b > 0 and b * b / np.dot(wb, wb) >= ess:
            z = asimov_significance(s, b)
            if z > best:
                best, best_cut = z, cut
    assert res.significance == pytest.approx(best)
    assert res.cut == best_cut
    assert res.significance < plain.significance
    with pytest.raises(ValueError, match="min_background_ess"):
        max_significance(y, score, sample_weight=w, min_background_ess=-1)
