"""Asimov Z and AMS: accuracy against high-precision references in every regime
(s << b, sigma_b^2 >> b, deficits, yields near the float64 limits), and input checks."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklhep.metrics import ams, asimov_significance, max_significance

try:
    import mpmath
except ImportError:  # pragma: no cover - the reference falls back to decimal
    mpmath = None

# enough digits for the cancellations of the textbook formulas at s/b ~ 1e-600
DIGITS = 1500


def reference_z(s: float, b: float, sigma_b: float = 0.0) -> float:
    """Cowan's formulas (as in the docstring) evaluated with DIGITS significant digits:
    mpmath when installed, else the standard library's decimal."""
    if mpmath is not None:
        with mpmath.workdps(DIGITS):
            S, B, V = mpmath.mpf(s), mpmath.mpf(b), mpmath.mpf(sigma_b) ** 2
            log = mpmath.log
            if V == 0:
                q = 2 * ((S + B) * log(1 + S / B) - S)
            else:
                q = 2 * (
                    (S + B) * log((S + B) * (B + V) / (B * B + (S + B) * V))
                    - B * B / V * log(1 + V * S / (B * (B + V)))
                )
            return float(mpmath.sign(S) * mpmath.sqrt(q))
    with localcontext() as ctx:
        ctx.prec = DIGITS
        ctx.Emax, ctx.Emin = 10**6, -(10**6)
        S, B, V = Decimal(s), Decimal(b), Decimal(sigma_b) ** 2
        if V == 0:
            q = 2 * ((S + B) * (1 + S / B).ln() - S)
        else:
            q = 2 * (
                (S + B) * ((S + B) * (B + V) / (B * B + (S + B) * V)).ln()
                - B * B / V * (1 + V * S / (B * (B + V))).ln()
            )
        return math.copysign(float(q.sqrt()), s) if s else 0.0


CASES = [
    # (s, b, sigma_b)
    (10.0, 100.0, 0.0),
    (10.0, 100.0, 10.0),
    (5.0, 3.0, 2.0),
    (100.0, 1.0, 0.1),
    (-10.0, 100.0, 0.0),
    (-2.0, 3.0, 1.0),
    (-0.999, 1.0, 0.0),
    # s << b: the closed forms cancel catastrophically (old: 9.15e-06 for 7.07e-07)
    (1e-3, 1e6, 1e3),
    (1e-6, 1.0, 1e-3),
    (2e-4, 1.0, 0.0),
    (3e-3, 1.0, 0.0),
    (1e-9, 1.0, 0.0),
    (0.1, 1e6, 0.0),
    (1.0, 1e10, 1e5),
    (1e-6, 1e-6, 1e-6),
    (-1e-8, 1.0, 0.5),
    # sigma_b^2 >> b and sigma_b^2 << b
    (10.0, 1e6, 1e5),
    (10.0, 100.0, 1e-6),
    (3.0, 1e4, 1e8),
    # yields near the float64 limits (s/b even beyond it)
    (1e300, 1e300, 1e150),
    (1e-300, 1e-300, 1e-150),
    (1e300, 1e-300, 0.0),
    (1e300, 1e-300, 1e-300),
    (1e300, 1e-300, 1e-160),
    (1e300, 1e-10, 1e300),
    (1.7e308, 1.7e308, 1.7e308),
    (1e308, 5e-324, 0.0),
    (5e-324, 5e-324, 0.0),
    (1e-300, 1e300, 0.0),
    (1e-200, 1e200, 0.0),  # s/b underflows, Z = s/sqrt(b) = 1e-300 does not
    (1e-200, 1e200, 1e100),
    (-1e-200, 1e200, 1e120),
    # around the switches between series and closed forms (s/b = 1, 0.25)
    (1.0, 1.0, 0.0),
    (0.999999, 1.0, 0.5),
    (1.000001, 1.0, 0.5),
    (0.25, 1.0, 0.0),
    (-0.25, 1.0, 2.0),
    (0.2500001, 1.0, 0.0),
]


@pytest.mark.parametrize(("s", "b", "sigma_b"), CASES)
def test_asimov_matches_high_precision_reference(s, b, sigma_b):
    expected = reference_z(s, b, sigma_b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/underflow RuntimeWarning
        got = asimov_significance(s, b, sigma_b)
        vector = asimov_significance([s, s], [b, b], [sigma_b, sigma_b])
    assert np.isfinite(got)
    assert got == pytest.approx(expected, rel=2e-15, abs=1e-300)
    np.testing.assert_array_equal(vector, [got, got])
    if sigma_b == 0:
        assert asimov_significance(s, b) == got


@pytest.mark.parametrize("x", [1e-3, 1e-5, 1e-8, 1e-12, 1e-15])
@pytest.mark.parametrize("b", [1.0, 1e6, 1e-6])
def test_small_signal_limit(x, b):
    # Z = s / sqrt(b + sigma_b^2) (1 + O(s/b)) for s << b, with or without uncertainty
    s = x * b
    assert asimov_significance(s, b) == pytest.approx(s / np.sqrt(b), rel=2 * x + 1e-15)
    for sigma_b in (0.1 * np.sqrt(b), np.sqrt(b), 10 * b):
        assert asimov_significance(s, b, sigma_b) == pytest.approx(
            s / np.sqrt(b + sigma_b**2), rel=2 * x + 1e-15
        )


def test_small_sigma_and_large_sigma_limits():
    s, b = 10.0, 100.0
    assert asimov_significance(s, b, 1e-9) == pytest.approx(asimov_significance(s, b), rel=1e-15)
    # sigma_b -> inf: Z -> 0 like b / sigma_b sqrt(2 (s/b - ln(1 + s/b)))
    big = 1e150
    limit = b / big * np.sqrt(2 * (s / b - np.log1p(s / b)))
    assert asimov_significance(s, b, big) == pytest.approx(limit, rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    log_b=st.floats(-40, 40),
    log_x=st.floats(-16, 12),
    # a deficit s -> -b is ill-conditioned (Z depends on ln(1 + s/b)): stop at 0.99
    deficit=st.floats(0.0, 0.99),
    negative=st.booleans(),
    log_r=st.one_of(st.none(), st.floats(-12, 12)),
)
def test_asimov_matches_reference_property(log_b, log_x, deficit, negative, log_r):
    b = 10.0**log_b
    s = -deficit * b if negative else 10.0**log_x * b
    sigma_b = 0.0 if log_r is None else np.sqrt(b * 10.0**log_r)
    expected = reference_z(s, b, sigma_b)
    assert asimov_significance(s, b, sigma_b) == pytest.approx(expected, rel=1e-13, abs=1e-300)


@settings(max_examples=50, deadline=None)
@given(
    s=st.one_of(st.just(0.0), st.floats(1e-100, 1e3)),
    b=st.floats(1e-3, 1e6),
    rel=st.floats(0.0, 1.0),
    log_scale=st.integers(-200, 200),
)
def test_asimov_is_homogeneous(s, b, rel, log_scale):
    # Z(ks, kb, sqrt(k) sigma) = sqrt(k) Z(s, b, sigma): exact for k = 4**n
    k = 4.0**log_scale
    sigma = rel * np.sqrt(b)
    z = asimov_significance(s, b, sigma)
    scaled = asimov_significance(k * s, k * b, 2.0**log_scale * sigma)
    assert scaled == pytest.approx(2.0**log_scale * z, rel=1e-14, abs=1e-300)


def test_ams_precision_and_extremes():
    assert ams(1e-6, 1e6) == pytest.approx(reference_z(1e-6, 1e6 + 10), rel=2e-15)
    assert ams(1e-9, 0.0, b_reg=1.0) == pytest.approx(reference_z(1e-9, 1.0), rel=2e-15)
    assert ams(1e300, 1e300) == pytest.approx(reference_z(1e300, 1e300), rel=2e-15)
    assert ams(1e-300, 0.0, b_reg=1e-300) == pytest.approx(reference_z(1e-300, 1e-300), rel=2e-15)
    with pytest.raises(ValueError, match="b \\+ b_reg exceeds the float64 range"):
        ams(1.0, 1.7e308, b_reg=1.7e308)


BAD_INPUTS = [
    # (function, args, kwargs, exception, message)
    (asimov_significance, ("5", 10), {}, TypeError, "^s must be a real number"),
    (asimov_significance, (5, "10"), {}, TypeError, "^b must be a real number"),
    (asimov_significance, (5, 10, "1"), {}, TypeError, "^sigma_b must be a real number"),
    (asimov_significance, (None, 10), {}, TypeError, "^s must be a real number"),
    (asimov_significance, (True, 10), {}, TypeError, "^s must be a real number.*bool"),
    (asimov_significance, (1 + 2j, 10), {}, TypeError, "^s must be a real number.*complex"),
    (asimov_significance, ([1, "a"], 10), {}, TypeError, "^s must be a real number"),
    (asimov_significance, ([[1], [1, 2]], 10), {}, ValueError, "^s must be a number"),
    (asimov_significance, (np.nan, 10), {}, ValueError, "^s must be finite"),
    (asimov_significance, (5, np.inf), {}, ValueError, "^b must be finite"),
    (asimov_significance, (5, 10, np.nan), {}, ValueError, "^sigma_b must be finite"),
    (asimov_significance, (5, -5), {}, ValueError, "background yield b must be > 0, got -5"),
    (asimov_significance, (5, 0), {}, ValueError, "background yield b must be > 0"),
    (asimov_significance, (-11, 10), {}, ValueError, "s \\+ b must be > 0"),
    (asimov_significance, (5, 10, -1), {}, ValueError, "sigma_b must be >= 0"),
    (asimov_significance, ([1, 2], [1, 2, 3]), {}, ValueError, "do not broadcast"),
    (ams, (5,), {"b": -5}, ValueError, "background yield b must be >= 0, got -5"),
    (ams, ("5", 10), {}, TypeError, "^s must be a real number"),
    (ams, (5, "10"), {}, TypeError, "^b must be a real number"),
    (ams, (5, np.nan), {}, ValueError, "^b must be finite"),
    (ams, (5, 1), {"b_reg": -1}, ValueError, "b_reg must be >= 0"),
    (ams, (5, 1), {"b_reg": "10"}, TypeError, "^b_reg must be a real number"),
    (ams, (5, 1), {"b_reg": np.nan}, ValueError, "^b_reg must be finite"),
    (ams, (5, 0), {"b_reg": 0}, ValueError, "b \\+ b_reg must be > 0"),
    (ams, (-20, 5), {}, ValueError, "s \\+ b \\+ b_reg must be > 0"),
]


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "exc", "match"),
    BAD_INPUTS,
    ids=[f"{case[0].__name__}{case[1]}{case[2]}" for case in BAD_INPUTS],
)
def test_significance_rejects_invalid_inputs(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"luminosity": "1"}, TypeError, "^luminosity must be a real number"),
        ({"luminosity": np.nan}, ValueError, "^luminosity must be finite"),
        ({"luminosity": 0.0}, ValueError, "luminosity must be a positive number"),
        ({"sigma_b_rel": "0.1"}, TypeError, "^sigma_b_rel must be a real number"),
        ({"sigma_b_rel": np.nan}, ValueError, "^sigma_b_rel must be finite"),
        ({"sigma_b_rel": -0.1}, ValueError, "sigma_b_rel must be >= 0"),
        ({"b_reg": None}, TypeError, "^b_reg must be a real number"),
        ({"b_reg": np.inf}, ValueError, "^b_reg must be finite"),
        ({"b_reg": -1.0}, ValueError, "b_reg must be >= 0"),
        ({"min_background": "5"}, TypeError, "^min_background must be a real number"),
        ({"min_background": np.nan}, ValueError, "^min_background must be finite"),
        ({"min_background": -1.0}, ValueError, "min_background must be >= 0"),
        ({"min_background_ess": "3"}, TypeError, "^min_background_ess must be a real"),
        ({"min_background_ess": [1.0, 2.0]}, ValueError, "must be a single number"),
    ],
)
def test_max_significance_rejects_invalid_parameters(kwargs, exc, match):
    y = np.r_[np.zeros(20), np.ones(20)]
    score = np.linspace(0, 1, 40)
    with pytest.raises(exc, match=match):
        max_significance(y, score, **kwargs)


def test_valid_edge_inputs_are_accepted():
    assert ams(3, 0) == pytest.approx(reference_z(3, 10), rel=2e-15)  # b = 0 is what b_reg is for
    assert asimov_significance(0, 10) == 0.0
    assert asimov_significance(0, 10, 3) == 0.0
    assert asimov_significance(np.float32(5), np.int64(10)) == pytest.approx(
        reference_z(5, 10), rel=2e-15
    )
    assert asimov_significance(Decimal("5"), 10) == pytest.approx(reference_z(5, 10), rel=2e-15)
    z = asimov_significance(np.array([1.0, 2.0]), 10.0, np.array([[0.0], [1.0]]))
    assert z.shape == (2, 2)
