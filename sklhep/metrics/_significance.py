r"""Discovery significance: Asimov Z, the HiggsML AMS, and a cut scan.

``s`` and ``b`` are expected signal and background yields: net (signed) weighted sums of
selected events, normalised to the luminosity of interest. Negative event weights enter
those sums with their sign; only the yields themselves need to be physical (``b > 0``).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.metrics._common import binary_inputs
from sklhep.metrics._roc import _grouped_sums

__all__ = ["SignificanceScan", "ams", "asimov_significance", "max_significance"]


def _xlog1px_minus_x(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """:math:`(1+x)\\ln(1+x) - x`, accurate also for small :math:`|x|` (series below 1e-4)."""
    small = np.abs(x) < 1e-4
    xs = np.where(small, x, 0.0)
    series = xs**2 / 2 - xs**3 / 6 + xs**4 / 12 - xs**5 / 20
    xl = np.where(small, 0.0, x)
    direct = (1 + xl) * np.log1p(xl) - xl
    return np.where(small, series, direct)


def _asimov(
    s: NDArray[np.float64], b: NDArray[np.float64], sigma_b: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """Signed Asimov Z for valid inputs (``b > 0``, ``s + b > 0``), vectorised."""
    q = 2 * b * _xlog1px_minus_x(s / b)
    if sigma_b is not None:
        var = sigma_b**2
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (s + b) * np.log((s + b) * (b + var) / (b**2 + (s + b) * var))
            t2 = (b**2 / var) * np.log1p(var * s / (b * (b + var)))
            q = np.where(var > 0, 2 * (t1 - t2), q)
    return np.sign(s) * np.sqrt(np.maximum(q, 0.0))


def _as_yields(
    s: ArrayLike, b: ArrayLike, sigma_b: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    s_arr = np.asarray(s, dtype=np.float64)
    b_arr = np.asarray(b, dtype=np.float64)
    sig = None if sigma_b is None else np.asarray(sigma_b, dtype=np.float64)
    for name, arr in (("s", s_arr), ("b", b_arr), ("sigma_b", sig)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite, got {arr!r}.")
    if np.any(b_arr <= 0):
        raise ValueError(
            f"The background yield b must be > 0, got {b_arr!r}: the significance of a cut "
            "with no (net) background is unbounded. Require a minimum background."
        )
    if np.any(s_arr + b_arr <= 0):
        raise ValueError(f"s + b must be > 0 (an expected count), got s={s_arr!r}, b={b_arr!r}.")
    if sig is not None and np.any(sig < 0):
        raise ValueError(f"sigma_b must be >= 0, got {sig!r}.")
    return s_arr, b_arr, sig


def asimov_significance(
    s: ArrayLike, b: ArrayLike, sigma_b: ArrayLike | None = None
) -> NDArray[np.float64] | float:
    r"""Median discovery significance for the Asimov data set.

    Without background uncertainty (Cowan, Cranmer, Gross and Vitells, EPJC 71 (2011) 1554,
    eq. 97):

    .. math:: Z = \sqrt{2\left((s+b)\ln(1+s/b) - s\right)},

    which tends to :math:`s/\sqrt{b}` for :math:`s \ll b`. With an absolute uncertainty
    :math:`\sigma_b` on ``b`` (the same paper's profile-likelihood treatment, as quoted in
    G. Cowan, "Discovery sensitivity for a counting experiment with background
    uncertainty", 2012):

    .. math:: Z = \sqrt{2\left[(s+b)\ln\frac{(s+b)(b+\sigma_b^2)}{b^2+(s+b)\sigma_b^2}
              - \frac{b^2}{\sigma_b^2}\ln\left(1+\frac{\sigma_b^2 s}{b(b+\sigma_b^2)}\right)
              \right]}.

    ``s`` and ``b`` are expected yields (net weighted sums). A negative ``s`` (a deficit)
    gives a negative ``Z`` of the same magnitude formula.

    Parameters
    ----------
    s : float or array-like
        Expected signal yield.
    b : float or array-like
        Expected background yield, ``> 0``.
    sigma_b : float or array-like, default=None
        Absolute uncertainty on ``b``, ``>= 0``; ``None`` or 0 means none.

    Returns
    -------
    float or ndarray (broadcast shape of the inputs)
    """
    s_arr, b_arr, sig = _as_yields(s, b, sigma_b)
    z = _asimov(s_arr, b_arr, sig)
    return float(z) if z.ndim == 0 else z


def ams(s: ArrayLike, b: ArrayLike, b_reg: float = 10.0) -> NDArray[np.float64] | float:
    r"""Approximate Median Significance of the HiggsML challenge.

    .. math:: \mathrm{AMS} = \sqrt{2\left((s+b+b_r)\ln\left(1+\frac{s}{b+b_r}\right)
              - s\right)},

    with the regularisation term :math:`b_r = 10` (C. Adam-Bourdarios et al., "The Higgs
    boson machine learning challenge", JMLR W&CP 42 (2015) 19). It is the Asimov
    significance with background :math:`b + b_r`; ``s`` and ``b`` are net weighted sums of
    the selected events.

    Parameters
    ----------
    s : float or array-like
        Expected signal yield.
    b : float or array-like
        Expected background yield; ``b + b_reg`` must be ``> 0``.
    b_reg : float, default=10.0

    Returns
    -------
    float or ndarray
    """
    s_arr, b_arr, _ = _as_yields(s, np.asarray(b, dtype=np.float64) + b_reg, None)
    z = _asimov(s_arr, b_arr, None)
    return float(z) if z.ndim == 0 else z


class SignificanceScan(NamedTuple):
    """The result of :func:`max_significance`."""

    #: The best cut: events with ``score >= cut`` are selected.
    cut: float
    #: The significance at that cut.
    significance: float
    #: Selected signal yield (net weighted sum times ``luminosity``).
    s: float
    #: Selected background yield.
    b: float


def max_significance(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    metric: Literal["asimov", "ams", "s_over_sqrt_b"] = "asimov",
    luminosity: float = 1.0,
    sigma_b_rel: float | None = None,
    b_reg: float = 10.0,
    min_background: float = 0.0,
    min_background_ess: float = 0.0,
    pos_label: Any = None,
) -> SignificanceScan:
    r"""Scan the cut ``y_score >= t`` and return the one with the largest significance.

    Every distinct score is tried as a threshold (an exact scan, :math:`O(n \log n)`). At
    each, :math:`s` and :math:`b` are the net weighted sums of selected signal and
    background events times ``luminosity``. Cuts with :math:`s \le 0` or
    :math:`b \le` ``min_background`` are skipped: with few background events left, the
    significance grows without bound, so set ``min_background`` to the smallest yield you
    trust. With signed weights a tight cut can also leave a background whose positive and
    negative weights cancel to :math:`b \approx 0` although it is estimated from a handful
    of events: ``min_background_ess`` skips cuts whose selected background has a Kish
    effective sample size :math:`(\sum w)^2 / \sum w^2` below it (10 asks for a
    background estimate with about 30 % statistical precision or better).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels (signal = the larger label, or ``pos_label``).
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Signal scores.
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights: each event's contribution to the expected yield.
    metric : {"asimov", "ams", "s_over_sqrt_b"}, default="asimov"
        :func:`asimov_significance` (with :math:`\sigma_b` = ``sigma_b_rel`` :math:`\cdot b`
        when given), :func:`ams` with ``b_reg``, or :math:`s/\sqrt{b}`.
    luminosity : float, default=1.0
        Multiplies every weight (e.g. the ratio of target to simulated luminosity).
    sigma_b_rel : float, default=None
        Relative background uncertainty for ``metric="asimov"``.
    b_reg : float, default=10.0
        Regularisation of ``metric="ams"``.
    min_background : float, default=0.0
        Only cuts with :math:`b >` ``min_background`` are considered.
    min_background_ess : float, default=0.0
        Only cuts whose selected background events have an effective sample size of at
        least ``min_background_ess`` are considered.
    pos_label : label, default=None

    Returns
    -------
    SignificanceScan
        ``(cut, significance, s, b)``.

    Raises
    ------
    ValueError
        If no cut leaves :math:`s > 0`, :math:`b >` ``min_background`` and enough
        effective background events.

    References
    ----------
    .. [1] G. Cowan, K. Cranmer, E. Gross and O. Vitells, "Asymptotic formulae for likelihood-
           based tests of new physics", Eur. Phys. J. C 71 (2011) 1554, arXiv:1007.1727.
    .. [2] C. Adam-Bourdarios et al., "The Higgs boson machine learning challenge", JMLR W&CP
           42 (2015) 19 (the AMS).
    """
    if metric not in ("asimov", "ams", "s_over_sqrt_b"):
        raise ValueError(f"metric must be 'asimov', 'ams' or 's_over_sqrt_b', got {metric!r}.")
    if not (np.isfinite(luminosity) and luminosity > 0):
        raise ValueError(f"luminosity must be a positive number, got {luminosity!r}.")
    is_signal, score, w = binary_inputs(y_true, y_score, sample_weight, pos_label)
    if not (np.isfinite(min_background_ess) and min_background_ess >= 0):
        raise ValueError(f"min_background_ess must be >= 0, got {min_background_ess!r}.")
    values, s_at, b_at, *b2_at = _grouped_sums(
        is_signal, score, w, background_squares=min_background_ess > 0
    )
    cuts = values[::-1]
    s = np.cumsum(s_at[::-1]) * luminosity
    b = np.cumsum(b_at[::-1]) * luminosity
    valid = (s > 0) & (b > min_background)
    if min_background_ess > 0:
        b2 = np.cumsum(b2_at[0][::-1]) * luminosity**2
        with np.errstate(divide="ignore", invalid="ignore"):
            ess = np.where(b2 > 0, b * b / b2, 0.0)
        valid &= ess >= min_background_ess
    if metric == "ams":
        valid &= b + b_reg > 0
    if not valid.any():
        raise ValueError(
            f"No cut leaves a positive signal yield and a background yield above "
            f"min_background={min_background} from at least min_background_ess="
            f"{min_background_ess} effective events; check the weights and the luminosity."
        )
    sv, bv = s[valid], b[valid]
    if metric == "asimov":
        z = _asimov(sv, bv, None if sigma_b_rel is None else sigma_b_rel * bv)
    elif metric == "ams":
        z = _asimov(sv, bv + b_reg, None)
    else:
        z = sv / np.sqrt(bv)
    best = int(np.argmax(z))
    idx = np.flatnonzero(valid)[best]
    return SignificanceScan(float(cuts[idx]), float(z[best]), float(s[idx]), float(b[idx]))
