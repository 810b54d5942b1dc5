"""Resolution and bias with signed-weight quantiles."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep.metrics import bias, resolution


@pytest.mark.parametrize("method", ["iqr", "central68", "rms"])
def test_gaussian_residuals_give_sigma(rng, method):
    y_true = np.full(40_000, 10.0)
    y_pred = y_true + rng.normal(0, 0.5, y_true.shape[0])  # relative sigma = 0.05
    assert resolution(y_true, y_pred, method=method) == pytest.approx(0.05, rel=0.03)
    assert resolution(y_true, y_pred, method=method, relative=False) == pytest.approx(
        0.5, rel=0.03
    )


def test_truncated_rms_is_robust_to_tails(rng):
    y_true = np.ones(20_000)
    r = rng.normal(0, 0.1, 20_000)
    r[:200] = 50.0  # 1 % wild outliers
    tr = resolution(y_true, y_true - r, method="truncated_rms")
    assert tr == pytest.approx(0.087, rel=0.1)  # 0.87 sigma of the core, outliers cut
    assert resolution(y_true, y_true - r, method="rms") > 1.0


def test_hand_computed():
    y_true = np.array([1.0, 1.0, 1.0, 1.0])
    y_pred = np.array([0.9, 1.0, 1.1, 1.2])  # relative residuals 0.1, 0, -0.1, -0.2
    assert bias(y_true, y_pred) == pytest.approx(-0.1)  # inverted-CDF median
    assert bias(y_true, y_pred, method="mean") == pytest.approx(-0.05)
    # weighted: weights 3, 1, -1, 1 on residuals 0.1, 0, -0.1, -0.2 (net 4)
    # sorted residuals -0.2 (1), -0.1 (-1), 0 (1), 0.1 (3): CDF .25, 0, .25, 1 -> median 0.1
    w = np.array([3.0, 1.0, -1.0, 1.0])
    assert bias(y_true, y_pred, sample_weight=w) == pytest.approx(0.1)
    # IQR: Q25 = -0.2 (first reach of .25), Q75 = 0.1
    assert resolution(y_true, y_pred, sample_weight=w) == pytest.approx(0.3 / 1.3489795, 1e-6)


def test_integer_weights_equal_repetition(rng):
    t, p = rng.uniform(1, 2, 50), rng.uniform(1, 2, 50)
    k = rng.integers(1, 4, 50)
    for method in ("iqr", "central68", "rms", "truncated_rms"):
        assert resolution(t, p, sample_weight=k, method=method) == pytest.approx(
            resolution(np.repeat(t, k), np.repeat(p, k), method=method)
        )


def test_errors():
    with pytest.raises(ValueError, match="relative=True divides by y_true"):
        resolution([0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="net sample weight"):
        bias([1.0, 2.0], [1.0, 1.0], sample_weight=[1.0, -2.0])
    with pytest.raises(ValueError, match="method must be"):
        resolution([1.0, 2.0], [1.0, 1.0], method="fwhm")
