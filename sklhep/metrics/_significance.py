r"""Discovery significance: Asimov Z, the HiggsML AMS, and a cut scan.

``s`` and ``b`` are expected signal and background yields: net (signed) weighted sums of
selected events, normalised to the luminosity of interest. Negative event weights enter
those sums with their sign; only the yields themselves need to be physical (``b > 0``).
"""

from __future__ import annotations

import decimal
import numbers
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.metrics._common import binary_inputs
from sklhep.metrics._roc import _grouped_sums

__all__ = ["SignificanceScan", "ams", "asimov_significance", "max_significance"]

# |y| below which the power series of _g2 and _m2 are used: 30 terms are exact to double
# precision there, and outside it the closed forms lose at most a few bits to cancellation.
_SERIES_BELOW = 0.25
_N_TERMS = 30
_J = np.arange(1, _N_TERMS + 1, dtype=np.float64)
_SIGNS = np.where(_J % 2 == 1, 1.0, -1.0)
#: Coefficients of y^(j-1), j = 1, 2, ..., in _g2 and _m2.
_G2_COEFFS = _SIGNS / (_J * (_J + 1))
_M2_COEFFS = _SIGNS / (_J + 1)


def _series(y: NDArray[np.float64], coeffs: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`\sum_j c_j y^{j-1}` (``coeffs`` from :math:`j = 1`), by Horner's rule, with
    only as many terms as the largest :math:`|y|` needs for double precision."""
    largest = float(np.max(np.abs(y), initial=0.0))
    n_terms = coeffs.shape[0]
    if largest < 2.0**-53:
        n_terms = 1
    elif largest < _SERIES_BELOW:
        # the neglected terms are below 2**-56 of the leading one
        n_terms = min(n_terms, int(np.ceil(-56.0 / np.log2(largest))) + 1)
    acc = np.full_like(y, coeffs[n_terms - 1])
    for c in coeffs[n_terms - 2 :: -1]:
        acc *= y
        acc += c
    return acc


def _g2(y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`((1+y)\ln(1+y) - y)/y^2` for :math:`-1 < y < 1` (1/2 at 0): the series
    :math:`1/2 - y/6 + y^2/12 - \dots` for small :math:`|y|`, where the closed form
    cancels."""
    return _series_or_closed(y, _G2_COEFFS, lambda v: ((1 + v) * np.log1p(v) - v) / (v * v))


def _m2(y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`(y - \ln(1+y))/y^2` for :math:`-1 < y < 1` (1/2 at 0): the series
    :math:`1/2 - y/3 + y^2/4 - \dots` for small :math:`|y|`, where the closed form
    cancels."""
    return _series_or_closed(y, _M2_COEFFS, lambda v: (v - np.log1p(v)) / (v * v))


def _series_or_closed(
    y: NDArray[np.float64],
    coeffs: NDArray[np.float64],
    closed: Callable[[NDArray[np.float64]], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """The series where :math:`|y|` < ``_SERIES_BELOW``, else ``closed(y)``; each is
    evaluated only on its own elements."""
    y = np.asarray(y, dtype=np.float64)
    small = np.abs(y) < _SERIES_BELOW
    out = np.empty_like(y)
    out[small] = _series(y[small], coeffs)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out[~small] = closed(y[~small])
    return out


def _g1(y: NDArray[np.float64], log1p_y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`((1+y)\ln(1+y) - y)/y` for :math:`y \ge 0`. ``log1p_y`` is
    :math:`\ln(1+y)`, passed in so that it is finite also where :math:`y` overflows."""
    small = y < 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        large = log1p_y * (1 + 1 / y) - 1  # no overflow of (1+y) ln(1+y) for huge y
    return np.where(small, y * _g2(np.where(small, y, 0.0)), large)


def _m1(y: NDArray[np.float64]) -> NDArray[np.float64]:
    r""":math:`(y - \ln(1+y))/y` for :math:`y \ge 0` (1 at ``inf``)."""
    small = y < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isinf(y), 0.0, np.log1p(y) / y)
    return np.where(small, y * _m2(np.where(small, y, 0.0)), 1 - ratio)


def _asimov(
    s: NDArray[np.float64], b: NDArray[np.float64], sigma_b: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    r"""Signed Asimov Z for valid inputs (finite, ``b > 0``, ``s + b > 0``,
    ``sigma_b >= 0``), vectorised, to a few ulps for every such input.

    With :math:`x = s/b`, :math:`r = \sigma_b^2/b`, :math:`c = 1/(1+r)`, :math:`a = 1 - c`
    and :math:`z = c x/(1 + a x)`, Cowan's formula (see :func:`asimov_significance`) is
    exactly

    .. math:: Z^2 = 2 s c \left[G(z) + M(a x)\right],\quad
              G(y) = \frac{(1+y)\ln(1+y) - y}{y},\quad M(y) = \frac{y - \ln(1+y)}{y}

    (:math:`\sigma_b = 0`: :math:`c = 1`, :math:`a = 0`, :math:`Z^2 = 2 s G(s/b)`). For
    :math:`y > -1`, :math:`G(y)` and :math:`M(y)` have the sign of :math:`y`, and so do
    :math:`z` and :math:`a x`: the bracket is a sum of two terms of the same sign and never
    cancels. Where :math:`|x| < 1` it is evaluated as

    .. math:: Z = \frac{|s|}{\sqrt{b + \sigma_b^2}}
              \sqrt{2\left[\frac{c\,G_2(z)}{1 + a x} + a M_2(a x)\right]},\quad
              G_2(y) = G(y)/y,\ M_2(y) = M(y)/y,

    with power series for :math:`G_2` and :math:`M_2` near 0 (both tend to 1/2, which gives
    :math:`Z \to s/\sqrt{b + \sigma_b^2}` for :math:`s \ll b`, also where :math:`s/b`
    underflows), and elsewhere as :math:`\sqrt{2(G + M)}\,\sqrt{s c}`, with
    :math:`\ln(1+z)` from logarithms of the yields where :math:`s/b` overflows. No
    intermediate overflows or underflows unless :math:`Z` itself does.
    """
    shape = np.broadcast_shapes(s.shape, b.shape, () if sigma_b is None else sigma_b.shape)
    s, b = (np.broadcast_to(v, shape).ravel() for v in (s, b))
    sigma = np.zeros_like(b) if sigma_b is None else np.broadcast_to(sigma_b, shape).ravel()
    out = np.empty_like(s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        root_b = np.sqrt(b)
        q = sigma / root_b  # sqrt(r)
        p = root_b / sigma  # 1/sqrt(r), used where r > 1
        low = q <= 1
        r_or_inv = np.where(low, q * q, p * p)  # r (r <= 1) or 1/r (r > 1): no overflow
        c = np.where(low, 1 / (1 + r_or_inv), r_or_inv / (1 + r_or_inv))
        a = np.where(low, r_or_inv / (1 + r_or_inv), 1 / (1 + r_or_inv))
        hyp = np.hypot(1.0, np.where(low, q, p))  # sqrt(1 + r) or sqrt(1 + 1/r)
        x = s / b
        small = np.abs(x) < 1
        # |s| < b: Z = |s| / sqrt(b + sigma^2) * sqrt(2 (c G2(z) / (1 + a x) + a M2(a x)))
        i = np.flatnonzero(small)
        xs, ci, ai, abs_s = x[i], c[i], a[i], np.abs(s[i])
        axs = ai * xs
        k_small = ci / (1 + axs) * _g2(ci * xs / (1 + axs)) + ai * _m2(axs)
        s_over_root = np.where(low[i], abs_s / root_b[i], abs_s / sigma[i]) / hyp[i]
        out[i] = s_over_root * np.sqrt(2 * k_small)
        # s >= b: Z = sqrt(2 (G(z) + M(a x))) * sqrt(s c)
        j = np.flatnonzero(~small)
        xl, cj, aj, sj, bj = x[j], c[j], a[j], s[j], b[j]  # x >= 1, or inf (s/b overflows)
        finite = np.isfinite(xl)
        # s/b beyond the float range: z = c x/(1 + a x) = c/(a + b/s), a x = a s/b
        z = np.where(finite, cj * xl / (1 + aj * xl), cj / (aj + bj / sj))
        # ln(1+z) = ln((s+b)/(b+as)), finite also where z overflows (s >> b, a ~ 0)
        log1p_z = np.where(np.isfinite(z), np.log1p(z), np.log(sj + bj) - np.log(bj + aj * sj))
        ax = np.where(finite, aj * xl, (aj * sj) / bj)
        root_s = np.sqrt(sj)
        root_sc = np.where(low[j], root_s, root_s * root_b[j] / sigma[j]) / hyp[j]
        out[j] = root_sc * np.sqrt(2 * (_g1(z, log1p_z) + _m1(ax)))
    return (np.sign(s) * out).reshape(shape)


def _real(value: Any, name: str) -> NDArray[np.float64]:
    """``value`` as a float64 array of finite real numbers, or TypeError/ValueError
    naming ``name``."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or an array of numbers ({exc}).") from None
    kind = arr.dtype.kind
    if kind == "O" and all(
        isinstance(v, numbers.Real | decimal.Decimal) and not isinstance(v, bool | np.bool_)
        for v in arr.flat
    ):
        kind = "f"
    if kind not in "iuf":
        what = type(value).__name__ if arr.ndim == 0 else f"an array of dtype {arr.dtype}"
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, got {what} "
            f"({value!r:.80}). Convert it with float() or np.asarray(..., dtype=float)."
        )
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{name} could not be converted to float ({exc}).") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        where = "" if arr.ndim == 0 else f" at {int(bad.sum())} position(s)"
        raise ValueError(f"{name} must be finite, got NaN or infinity{where} ({value!r:.80}).")
    return arr


def _show(arr: NDArray[np.float64]) -> str:
    """A short text of a validated value, for messages."""
    if arr.ndim == 0:
        return repr(float(arr))
    return np.array2string(arr.ravel(), threshold=6, edgeitems=3)


def _real_scalar(value: Any, name: str) -> float:
    arr = _real(value, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number, got an array of shape {arr.shape}.")
    return float(arr)


def _as_yields(
    s: ArrayLike, b: ArrayLike, sigma_b: ArrayLike | None, *, b_reg: ArrayLike | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    """Validated and broadcast ``(s, b, sigma_b)``; with ``b_reg`` (the AMS) ``b >= 0``,
    ``b_reg >= 0`` and the returned background is ``b + b_reg``."""
    s_arr = _real(s, "s")
    b_arr = _real(b, "b")
    sig = None if sigma_b is None else _real(sigma_b, "sigma_b")
    if b_reg is not None:
        reg = _real(b_reg, "b_reg")
        if np.any(b_arr < 0):
            raise ValueError(
                f"The background yield b must be >= 0, got {_show(b_arr)}: a yield is an "
                "expected number of events (b_reg regularises b = 0, not b < 0)."
            )
        if np.any(reg < 0):
            raise ValueError(f"b_reg must be >= 0, got {_show(reg)}.")
        try:
            with np.errstate(over="ignore"):
                b_arr = b_arr + reg
        except ValueError:
            raise ValueError(
                f"b {b_arr.shape} and b_reg {reg.shape} do not broadcast to one shape."
            ) from None
        if not np.all(np.isfinite(b_arr)):
            raise ValueError("b + b_reg exceeds the float64 range.")
    try:
        arrays = np.broadcast_arrays(s_arr, b_arr, *(() if sig is None else (sig,)))
    except ValueError:
        shapes = f"s {s_arr.shape}, b {b_arr.shape}" + (
            "" if sig is None else f", sigma_b {sig.shape}"
        )
        raise ValueError(f"The shapes of the yields do not broadcast: {shapes}.") from None
    b_name = "b" if b_reg is None else "b + b_reg"
    if np.any(b_arr <= 0):
        what = "b + b_reg" if b_reg is not None else "The background yield b"
        raise ValueError(
            f"{what} must be > 0, got {_show(b_arr)}: the significance of a cut "
            "with no (net) background is unbounded. Require a minimum background."
        )
    with np.errstate(over="ignore"):
        if np.any(s_arr + b_arr <= 0):
            raise ValueError(
                f"s + {b_name} must be > 0 (an expected count), got s={_show(s_arr)}, "
                f"{b_name}={_show(b_arr)}."
            )
    if sig is not None and np.any(sig < 0):
        raise ValueError(f"sigma_b must be >= 0, got {_show(sig)}.")
    return arrays[0], arrays[1], (None if sig is None else arrays[2])


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

    With uncertainty it tends to :math:`s/\sqrt{b + \sigma_b^2}` for :math:`s \ll b`.
    ``s`` and ``b`` are expected yields (net weighted sums). A negative ``s`` (a deficit)
    gives a negative ``Z`` of the same magnitude formula.

    Both formulas are evaluated in an algebraically equivalent form without cancellation
    (series where :math:`s \ll b`, see ``_asimov``), accurate to a few units in the last
    place for every valid input, including :math:`s \ll b`, :math:`\sigma_b^2 \gg b` and
    yields anywhere in the float64 range (``1e300`` or ``1e-300``).

    Parameters
    ----------
    s : float or array-like
        Expected signal yield; ``s + b > 0``.
    b : float or array-like
        Expected background yield, ``> 0``.
    sigma_b : float or array-like, default=None
        Absolute uncertainty on ``b``, ``>= 0``; ``None`` or 0 means none.

    Returns
    -------
    float or ndarray (broadcast shape of the inputs)

    Raises
    ------
    TypeError
        If an argument is not a real number (or an array of them), e.g. a string or a bool.
    ValueError
        If an argument is NaN or infinite, ``b <= 0``, ``s + b <= 0``, ``sigma_b < 0``, or
        the shapes do not broadcast.

    Examples
    --------
    >>> round(asimov_significance(10.0, 100.0), 6)
    0.983992
    >>> float(f"{asimov_significance(1e-3, 1e6, 1e3):.12g}")  # s << b: s / sqrt(b + sigma_b**2)
    7.0710678101e-07
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
        Expected background yield, ``>= 0`` (``b = 0`` is what ``b_reg`` regularises);
        ``b + b_reg`` must be ``> 0``.
    b_reg : float, default=10.0
        The regularisation term, ``>= 0``.

    Returns
    -------
    float or ndarray

    Raises
    ------
    TypeError
        If an argument is not a real number (or an array of them).
    ValueError
        If an argument is NaN or infinite, ``b < 0``, ``b_reg < 0``, ``b + b_reg <= 0`` or
        ``s + b + b_reg <= 0``.

    Examples
    --------
    >>> from sklhep.metrics import ams
    >>> round(ams(10.0, 100.0), 4)  # the Asimov significance with b + 10
    0.9395
    >>> round(ams(3.0, 0.0), 4)  # finite without background, thanks to b_reg
    0.9064
    >>> ams([1.0, 5.0], 2.0).round(4)
    array([0.2848, 1.3574])
    """
    s_arr, b_arr, _ = _as_yields(s, b, None, b_reg=b_reg)
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

    The scan is exact for weights anywhere in the float64 range: they are rescaled by a
    power of two before summing, and :math:`Z` is evaluated without overflow, so weights of
    order ``1e300`` or ``1e-300`` give the yields and :math:`Z` of order ``1e300`` or
    ``1e-300`` times those of unit weights (:math:`Z` itself scales as
    :math:`\sqrt{\text{yields}}` for ``"asimov"`` without ``sigma_b_rel`` and for
    ``"s_over_sqrt_b"``).

    Raises
    ------
    TypeError
        If ``luminosity``, ``sigma_b_rel``, ``b_reg``, ``min_background`` or
        ``min_background_ess`` is not a real number.
    ValueError
        If one of them is NaN, infinite or negative (``luminosity``: not positive); if the
        yields exceed the float64 range; or if no cut leaves :math:`s > 0`,
        :math:`b >` ``min_background`` and enough effective background events.

    References
    ----------
    .. [1] G. Cowan, K. Cranmer, E. Gross and O. Vitells, "Asymptotic formulae for likelihood-
           based tests of new physics", Eur. Phys. J. C 71 (2011) 1554, arXiv:1007.1727.
    .. [2] C. Adam-Bourdarios et al., "The Higgs boson machine learning challenge", JMLR W&CP
           42 (2015) 19 (the AMS).

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics import max_significance
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 500)
    >>> score = np.r_[rng.normal(0.0, 1.0, 500), rng.normal(1.5, 1.0, 500)]
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # signed NLO weights
    >>> scan = max_significance(y, score, sample_weight=w, luminosity=0.1, min_background=1.0)
    >>> round(scan.cut, 4), round(scan.significance, 4), round(scan.s, 4), round(scan.b, 4)
    (1.0913, 8.1247, 27.8, 5.25)
    """
    if metric not in ("asimov", "ams", "s_over_sqrt_b"):
        raise ValueError(f"metric must be 'asimov', 'ams' or 's_over_sqrt_b', got {metric!r}.")
    luminosity = _real_scalar(luminosity, "luminosity")
    if not luminosity > 0:
        raise ValueError(f"luminosity must be a positive number, got {luminosity!r}.")
    if sigma_b_rel is not None:
        sigma_b_rel = _real_scalar(sigma_b_rel, "sigma_b_rel")
        if sigma_b_rel < 0:
            raise ValueError(f"sigma_b_rel must be >= 0, got {sigma_b_rel!r}.")
    b_reg = _real_scalar(b_reg, "b_reg")
    if b_reg < 0:
        raise ValueError(f"b_reg must be >= 0, got {b_reg!r}.")
    min_background = _real_scalar(min_background, "min_background")
    if min_background < 0:
        raise ValueError(
            f"min_background must be >= 0 (a background yield), got {min_background!r}."
        )
    min_background_ess = _real_scalar(min_background_ess, "min_background_ess")
    if min_background_ess < 0:
        raise ValueError(f"min_background_ess must be >= 0, got {min_background_ess!r}.")
    # the weights come rescaled by 2**-exponent (exact), so that the cumulative sums below
    # cannot overflow; the yields are scaled back with ldexp, exactly, at the end
    is_signal, score, w, exponent = binary_inputs(y_true, y_score, sample_weight, pos_label)
    values, s_at, b_at, *b2_at = _grouped_sums(
        is_signal, score, w, background_squares=min_background_ess > 0
    )
    cuts = values[::-1]
    s_scaled = np.cumsum(s_at[::-1])
    b_scaled = np.cumsum(b_at[::-1])
    lumi_mantissa, lumi_exponent = np.frexp(luminosity)
    with np.errstate(over="ignore", under="ignore"):
        s = np.ldexp(s_scaled * lumi_mantissa, exponent + int(lumi_exponent))
        b = np.ldexp(b_scaled * lumi_mantissa, exponent + int(lumi_exponent))
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(b))):
        raise ValueError(
            "The selected yields (net weight times luminosity) exceed the float64 range "
            f"(~{np.finfo(np.float64).max:.3g}); rescale the weights or the luminosity."
        )
    valid = (s > 0) & (b > min_background)
    if min_background_ess > 0:
        # the effective sample size is invariant to the weight scale: use the scaled sums
        b2 = np.cumsum(b2_at[0][::-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            ess = np.where(b2 > 0, b_scaled * b_scaled / b2, 0.0)
        valid &= ess >= min_background_ess
    if not valid.any():
        raise ValueError(
            f"No cut leaves a positive signal yield and a background yield above "
            f"min_background={min_background} from at least min_background_ess="
            f"{min_background_ess} effective events; check the weights and the luminosity."
        )
    sv, bv = s[valid], b[valid]
    if metric == "asimov":
        with np.errstate(over="ignore"):  # sigma_b = inf is the limit Z -> 0
            sigma = None if sigma_b_rel is None else sigma_b_rel * bv
        z = _asimov(sv, bv, sigma)
    elif metric == "ams":
        with np.errstate(over="ignore"):
            b_total = bv + b_reg
        if not np.all(np.isfinite(b_total)):
            raise ValueError("b + b_reg exceeds the float64 range; rescale the weights.")
        z = _asimov(sv, b_total, None)
    else:
        z = sv / np.sqrt(bv)
    best = int(np.argmax(z))
    idx = np.flatnonzero(valid)[best]
    return SignificanceScan(float(cuts[idx]), float(z[best]), float(s[idx]), float(b[idx]))
