r"""Binned chi-square comparison of two weighted (signed-weight) samples."""

from __future__ import annotations

import numbers
from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sklhep.metrics._common import check_finite_1d, check_scaled, rescale_weights
from sklhep.weights import check_sample_weight, net_weight, normalize_weights, weighted_quantile

__all__ = ["DEFAULT_BINS", "Chi2Result", "two_sample_chi2"]

#: Number of bins of :func:`two_sample_chi2` by default (weighted quantiles of the pooled
#: sample, so about equally populated).
DEFAULT_BINS: int = 20


class Chi2Result(NamedTuple):
    """The result of :func:`two_sample_chi2`."""

    #: Gagunashvili's :math:`X^2` of the two normalised weighted histograms.
    statistic: float
    #: Degrees of freedom: the number of bins with events, minus one.
    ndf: int
    #: :math:`P(\chi^2_\mathrm{ndf} \ge X^2)`.
    pvalue: float
    #: Per-bin adjusted residuals (ROOT's ``res``; approximately standard normal under the
    #: null hypothesis); NaN in the bins without events, which do not count.
    residuals: NDArray[np.float64]
    #: The bin edges used, of shape ``(n_bins + 1,)``.
    edges: NDArray[np.float64]


def _check_bins(bins: int | ArrayLike) -> int | NDArray[np.float64]:
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        if bins < 2:
            raise ValueError(f"bins must be at least 2 (one bin tests nothing), got {bins}.")
        return int(bins)
    if isinstance(bins, (str, bool)) or np.ndim(bins) != 1:
        raise ValueError(
            f"bins must be an int (the number of quantile bins) or a 1-d array of edges, got "
            f"{bins!r}."
        )
    edges = check_finite_1d(bins, "bins")
    if edges.shape[0] < 3 or np.any(np.diff(edges) <= 0):
        raise ValueError(
            "bins as edges must be at least 3 strictly increasing values (2 bins), got "
            f"{edges.tolist()[:10]}."
        )
    return edges


def two_sample_chi2(
    x1: ArrayLike,
    x2: ArrayLike,
    *,
    weights1: ArrayLike | None = None,
    weights2: ArrayLike | None = None,
    bins: int | ArrayLike = DEFAULT_BINS,
    range: tuple[float, float] | None = None,
) -> Chi2Result:
    r"""Binned :math:`\chi^2` test that two weighted samples follow the same distribution.

    The homogeneity test for two *weighted* histograms of N. D. Gagunashvili, "Comparison
    of weighted and unweighted histograms", arXiv:physics/0605123 (2006), which is ROOT's
    ``TH1::Chi2Test(h2, "WW")``. With :math:`n_{ji}` the net (signed) weight of sample
    :math:`j` in bin :math:`i`, :math:`s_{ji}^2 = \sum w^2` its variance and :math:`W_j =
    \sum_i n_{ji}` the net weight of sample :math:`j` in the binned range,

    .. math:: X^2 = \sum_i \frac{(W_2 n_{1i} - W_1 n_{2i})^2}{W_1^2 s_{2i}^2 +
              W_2^2 s_{1i}^2},

    which compares the *normalised* histograms :math:`n_{1i} / W_1` and :math:`n_{2i} /
    W_2`: it is invariant to a global scale of either sample's weights, so a sample with
    a different cross-section or luminosity is compared on its shape only. Under the null
    hypothesis (same distribution) :math:`X^2` follows approximately a
    :math:`\chi^2_{r-1}` distribution, :math:`r` the number of bins with events; the
    approximation wants about 10 effective events (:math:`n^2/s^2`) per bin and sample.
    For unit weights and two samples of the same size it equals the classical two-sample
    (contingency-table) :math:`\chi^2`; for unit weights and different sizes it is
    asymptotically equivalent to it.

    **Signed weights.** :math:`n_{ji}` may be negative (a bin dominated by negative
    weights) and the test is still defined: the numerator compares the net contents, and
    the variance :math:`s_{ji}^2 = \sum w^2` counts every event, whatever its sign. Only
    each sample's net weight :math:`W_j` must be positive. **Empty bins.** A bin without
    events in either sample (:math:`s_{1i}^2 = s_{2i}^2 = 0`) carries no information: it
    is left out and the degrees of freedom reduced by one, as in ROOT. A bin whose net
    contents cancel to zero but that holds events is kept (ROOT tests the contents,
    which are zero only without events when the weights are positive). A bin with
    events in one sample only is kept: its variance comes from that sample alone.

    By default the bins are :data:`DEFAULT_BINS` weighted quantiles of the pooled sample
    (each sample normalised to the same net weight, :func:`sklhep.weights.
    weighted_quantile`), so that they hold about equal net weight; repeated values
    (a discrete feature) merge edges, which gives fewer bins.

    Parameters
    ----------
    x1, x2 : array-like of shape (n1,), (n2,)
        The values of one feature in the two samples (NaN or inf raise: remove missing
        values first).
    weights1, weights2 : array-like of shape (n1,), (n2,), default=None
        Signed event weights; ``None`` means unit weights. Each sample's net weight in the
        range must be positive.
    bins : int or array-like of edges, default=DEFAULT_BINS
        The number of bins, placed at weighted quantiles of the pooled sample, or the
        bin edges (strictly increasing).
    range : (float, float), default=None
        Keep only the events in ``[low, high]``. By default every event counts; with
        explicit edges, events outside the edges are left out.

    Returns
    -------
    Chi2Result
        ``(statistic, ndf, pvalue, residuals, edges)``.

    Raises
    ------
    ValueError
        On mismatched lengths, non-finite values or weights, a non-positive net weight, or
        fewer than two bins with events.

    See Also
    --------
    ks_test : The weighted Kolmogorov-Smirnov distance between two samples (unbinned).

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics._two_sample import two_sample_chi2
    >>> rng = np.random.default_rng(0)
    >>> x1, x2 = rng.normal(size=2000), rng.normal(size=3000)
    >>> w2 = np.where(rng.random(3000) < 0.2, -1.0, 1.0)  # 20 % negative NLO weights
    >>> result = two_sample_chi2(x1, x2, weights2=w2)
    >>> result.ndf, result.pvalue > 0.01  # same distribution
    (19, True)
    >>> two_sample_chi2(x1, x2 + 0.3, weights2=w2).pvalue < 1e-6  # shifted
    True
    """
    a = check_finite_1d(x1, "x1")
    b = check_finite_1d(x2, "x2")
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise ValueError("two_sample_chi2 needs at least one event in each sample.")
    w1 = check_sample_weight(weights1, a.shape[0], name="weights1")
    w2 = check_sample_weight(weights2, b.shape[0], name="weights2")
    n_bins = _check_bins(bins)
    if range is not None:
        if len(range) != 2 or not np.all(np.isfinite(range)) or range[1] <= range[0]:
            raise ValueError(f"range must be (low, high) with low < high, got {range!r}.")
        lo, hi = float(range[0]), float(range[1])
        keep1, keep2 = (a >= lo) & (a <= hi), (b >= lo) & (b <= hi)
        a, w1, b, w2 = a[keep1], w1[keep1], b[keep2], w2[keep2]
    elif not isinstance(n_bins, int):
        keep1 = (a >= n_bins[0]) & (a <= n_bins[-1])
        keep2 = (b >= n_bins[0]) & (b <= n_bins[-1])
        a, w1, b, w2 = a[keep1], w1[keep1], b[keep2], w2[keep2]
    if a.shape[0] == 0 or b.shape[0] == 0:
        raise ValueError(
            f"{'x1' if a.shape[0] == 0 else 'x2'} has no event in the range or the bins; "
            "widen range (or the edges)."
        )
    # each histogram's shape is invariant to its weight scale: rescale by a power of two
    # (exact) so that sums of squares can neither overflow nor underflow
    w1, e1 = rescale_weights(w1)
    w2, e2 = rescale_weights(w2)
    why = "Its normalised histogram does not exist; check the weights or the range."
    total1 = check_scaled(partial(net_weight, what="sample 1 (x1)", why=why), w1, e1)
    total2 = check_scaled(partial(net_weight, what="sample 2 (x2)", why=why), w2, e2)
    if isinstance(n_bins, int):
        pooled = np.concatenate([a, b])
        pooled_w = np.concatenate([normalize_weights(w1, 0.5), normalize_weights(w2, 0.5)])
        q = weighted_quantile(pooled, np.linspace(0.0, 1.0, n_bins + 1), pooled_w)
        edges = np.unique(np.r_[pooled.min(), np.asarray(q)[1:-1], pooled.max()])
        if edges.shape[0] < 2:  # every value the same
            raise ValueError(
                "every event of both samples has the same value: there is nothing to bin; "
                "pass explicit bins if that is expected."
            )
    else:
        edges = n_bins
    c1, _ = np.histogram(a, edges, weights=w1)
    c2, _ = np.histogram(b, edges, weights=w2)
    v1, _ = np.histogram(a, edges, weights=w1 * w1)
    v2, _ = np.histogram(b, edges, weights=w2 * w2)
    used = (v1 > 0) | (v2 > 0)
    ndf = int(np.count_nonzero(used)) - 1
    if ndf < 1:
        raise ValueError(
            f"only {ndf + 1} bin(s) hold events, at least 2 are needed; use more bins or "
            "check that the samples overlap."
        )
    c1, c2, v1, v2 = c1[used], c2[used], v1[used], v2[used]
    sigma = total1 * total1 * v2 + total2 * total2 * v1
    delta = total2 * c1 - total1 * c2
    statistic = float(np.sum(delta * delta / sigma))
    # ROOT's adjusted residuals: the sample with the larger variance in the bin
    prob = (c1 * total1 * v2 + c2 * total2 * v1) / sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        z1 = (c1 - total1 * prob) / np.sqrt(v1 * (1.0 - v2 * total1 * total1 / sigma))
        z2 = -(c2 - total2 * prob) / np.sqrt(v2 * (1.0 - v1 * total2 * total2 / sigma))
    residuals = np.full(used.shape[0], np.nan)
    residuals[used] = np.where(v1 > v2, z1, z2)
    pvalue = float(stats.chi2.sf(statistic, ndf))
    return Chi2Result(statistic, ndf, min(max(pvalue, 0.0), 1.0), residuals, edges)
