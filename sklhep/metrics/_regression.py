r"""Regression figures of merit: resolution and bias, from signed-weight quantiles.

The residual is :math:`r = (y_\mathrm{true} - y_\mathrm{pred}) / y_\mathrm{true}` when
``relative=True`` (as the muon-:math:`p_T` regression tutorials plot it) and
:math:`r = y_\mathrm{true} - y_\mathrm{pred}` otherwise. Quantiles are
:func:`sklhep.weights.weighted_quantile`: the first residual at which the *net* cumulative
weight reaches the level, i.e. the quantile of the running maximum of the net CDF. It is
exact whenever the net distribution's CDF is non-decreasing, and monotone in the level
always. The net weight must be positive.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sklhep.metrics._common import check_finite_1d, check_scaled, rescale_weights
from sklhep.weights import (
    check_sample_weight,
    net_weight,
    weighted_mean,
    weighted_quantile,
    weighted_std,
)

__all__ = ["ResolutionMethod", "bias", "resolution"]

#: The width definitions of :func:`resolution`.
ResolutionMethod = Literal["iqr", "central68", "rms", "truncated_rms"]

#: Standard-normal quantiles used to make every method estimate sigma for a Gaussian.
_Q75 = float(stats.norm.ppf(0.75))
_P1SIGMA = float(stats.norm.cdf(1.0))


def _quantiles(
    r: NDArray[np.float64], levels: list[float], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`~sklhep.weights.weighted_quantile` at several levels, as an array."""
    return np.asarray(weighted_quantile(r, levels, w), dtype=np.float64)


def _residuals(
    y_true: ArrayLike, y_pred: ArrayLike, sample_weight: ArrayLike | None, relative: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = check_finite_1d(y_true, "y_true")
    p = check_finite_1d(y_pred, "y_pred")
    if t.shape[0] != p.shape[0]:
        raise ValueError(f"y_true has {t.shape[0]} events but y_pred has {p.shape[0]}.")
    if t.shape[0] == 0:
        raise ValueError("resolution and bias need at least one event.")
    # quantiles, means and widths are invariant to the weight scale: rescale by a power of
    # two (exact) so that weighted sums cannot overflow or underflow
    w, exponent = rescale_weights(check_sample_weight(sample_weight, t.shape[0]))
    if relative:
        zero = t == 0
        if zero.any():
            raise ValueError(
                f"relative=True divides by y_true, which is 0 for {int(zero.sum())} event(s); "
                "use relative=False or remove those events."
            )
        r = (t - p) / t
    else:
        r = t - p
    check_scaled(partial(net_weight, why="There is nothing to measure."), w, exponent)
    return r, w


def resolution(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    relative: bool = True,
    method: ResolutionMethod = "iqr",
) -> float:
    r"""Width of the residual distribution, in units that equal :math:`\sigma` for a Gaussian.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights; the net sum must be positive.
    relative : bool, default=True
        Use :math:`(y_\mathrm{true} - y_\mathrm{pred}) / y_\mathrm{true}`.
    method : {"iqr", "central68", "rms", "truncated_rms"}, default="iqr"
        ``"iqr"``: :math:`(Q_{75} - Q_{25}) / 1.349`. ``"central68"``: half the width of the
        central 68.27 % interval, :math:`(Q_{84.13} - Q_{15.87}) / 2`. ``"rms"``: the
        weighted standard deviation (:func:`sklhep.weights.weighted_std`). ``"truncated_rms"``:
        the weighted standard deviation of the events inside the central 95 % interval
        :math:`[Q_{2.5}, Q_{97.5}]`, robust to tails (it is :math:`0.87\sigma` for a
        Gaussian, not rescaled). Quantiles :math:`Q` are weighted (module docstring).

    Returns
    -------
    float

    References
    ----------
    .. [1] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", Am. Stat. 50
           (1996) 361 (definition 1, the inverted CDF, here with signed weights).
    .. [2] F. James, "Statistical Methods in Experimental Physics", 2nd ed., World Scientific
           (2006) (the Gaussian widths of the IQR and central 68 % interval).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pt_true = rng.uniform(20.0, 100.0, 1000)
    >>> pt_pred = pt_true * rng.normal(0.98, 0.1, 1000)  # 2 % low, 10 % resolution
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # signed NLO weights
    >>> from sklhep.metrics import resolution
    >>> round(resolution(pt_true, pt_pred, sample_weight=w), 4)  # IQR / 1.349
    0.105
    >>> round(resolution(pt_true, pt_pred, sample_weight=w, method="central68"), 4)
    0.1034
    """
    r, w = _residuals(y_true, y_pred, sample_weight, relative)
    if method == "iqr":
        q25, q75 = _quantiles(r, [0.25, 0.75], w)
        return float((q75 - q25) / (2 * _Q75))
    if method == "central68":
        lo, hi = _quantiles(r, [1 - _P1SIGMA, _P1SIGMA], w)
        return float((hi - lo) / 2)
    if method == "rms":
        return float(weighted_std(r, w))
    if method == "truncated_rms":
        lo, hi = _quantiles(r, [0.025, 0.975], w)
        inside = (r >= lo) & (r <= hi)
        net_weight(
            w[inside],
            what="the central 95 % of the residuals",
            why="Their truncated RMS is undefined.",
        )
        return float(weighted_std(r[inside], w[inside]))
    raise ValueError(
        f"method must be 'iqr', 'central68', 'rms' or 'truncated_rms', got {method!r}."
    )


def bias(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    relative: bool = True,
    method: Literal["median", "mean"] = "median",
) -> float:
    r"""Location of the residual distribution: its weighted median (default) or mean.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_pred : array-like of shape (n_samples,)
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights; the net sum must be positive.
    relative : bool, default=True
        Use :math:`(y_\mathrm{true} - y_\mathrm{pred}) / y_\mathrm{true}`.
    method : {"median", "mean"}, default="median"
        :func:`sklhep.weights.weighted_quantile` at 0.5, or
        :func:`sklhep.weights.weighted_mean`. Positive means the prediction is too low.

    Returns
    -------
    float

    References
    ----------
    .. [1] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", Am. Stat. 50
           (1996) 361 (definition 1, the inverted CDF, here with signed weights).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pt_true = rng.uniform(20.0, 100.0, 1000)
    >>> pt_pred = pt_true * rng.normal(0.98, 0.1, 1000)  # 2 % low, 10 % resolution
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # signed NLO weights
    >>> from sklhep.metrics import bias
    >>> round(bias(pt_true, pt_pred, sample_weight=w), 4)  # median of (true - pred) / true
    0.0143
    >>> round(bias(pt_true, pt_pred, sample_weight=w, relative=False), 4)  # in GeV
    0.7294
    """
    r, w = _residuals(y_true, y_pred, sample_weight, relative)
    if method == "median":
        return float(weighted_quantile(r, 0.5, w))
    if method == "mean":
        return float(weighted_mean(r, w))
    raise ValueError(f"method must be 'median' or 'mean', got {method!r}.")
