r"""TMVA's overtraining check: a weighted two-sample Kolmogorov-Smirnov test."""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sklhep.metrics._common import check_finite_1d, check_scaled, rescale_weights
from sklhep.weights import check_sample_weight, effective_sample_size, net_weight

__all__ = ["KSResult", "ks_test"]


class KSResult(NamedTuple):
    """The result of :func:`ks_test`."""

    #: :math:`\sup_t |F_1(t) - F_2(t)|` of the weighted empirical CDFs.
    statistic: float
    #: Two-sided p-value from the Kolmogorov distribution at the effective sample sizes.
    pvalue: float


def ks_test(
    scores_train: ArrayLike,
    scores_test: ArrayLike,
    *,
    weights_train: ArrayLike | None = None,
    weights_test: ArrayLike | None = None,
) -> KSResult:
    r"""Weighted two-sample Kolmogorov-Smirnov test, TMVA's overtraining check.

    Compares a classifier's score distribution on the training events with that on
    independent test events (per class, typically); a small p-value signals overtraining
    (TMVA Users Guide, section 3.1.9 / "Kolmogorov-Smirnov test" in the TMVA GUI).

    The statistic is :math:`D = \sup_t |F_1(t) - F_2(t)|` with the weighted empirical CDFs
    :math:`F_j(t) = \sum_{i \in j, x_i \le t} w_i / \sum_{i \in j} w_i`, evaluated at every
    distinct score (ties merged). With negative weights the :math:`F_j` are net CDFs and may
    be non-monotone; :math:`D` is still their largest distance. Each sample's net weight
    must be positive.

    The p-value uses Kish's effective sample sizes :math:`n_j^\mathrm{eff} = (\sum w)^2 /
    \sum w^2` (:func:`sklhep.weights.effective_sample_size`) in place of the event counts:
    with :math:`n = n_1^\mathrm{eff} n_2^\mathrm{eff} / (n_1^\mathrm{eff} +
    n_2^\mathrm{eff})`, it is the survival function of the one-sample two-sided Kolmogorov
    distribution at :math:`D` for :math:`\mathrm{round}(n)` events
    (:data:`scipy.stats.kstwo`), which is exactly what :func:`scipy.stats.ks_2samp` computes
    with ``method="asymp"``. For unit weights the statistic equals ``ks_2samp``'s and the
    p-value equals its asymptotic one. With weights the p-value is an approximation that is
    good when the weights are not too uneven. Both the statistic and the p-value are
    invariant to a global scale of either sample's weights (each sample's weights are
    rescaled internally by a power of two, so ``1e300`` or ``1e-300`` weights work).

    Parameters
    ----------
    scores_train, scores_test : array-like of shape (n_train,), (n_test,)
        Classifier outputs of the two samples.
    weights_train, weights_test : array-like, default=None
        Signed event weights; ``None`` means unit weights.

    Returns
    -------
    KSResult
        ``(statistic, pvalue)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics import ks_test
    >>> rng = np.random.default_rng(0)
    >>> score_train, score_test = rng.normal(size=250), rng.normal(size=250)
    >>> w_train = np.where(rng.random(250) < 0.1, -0.5, 1.0)  # signed weights, train sample
    >>> result = ks_test(score_train, score_test, weights_train=w_train)
    >>> result.pvalue > 0.05  # same distribution: no sign of overtraining
    True
    >>> ks_test(score_train, score_test + 0.5).pvalue < 1e-3  # shifted scores
    True
    """
    x1 = check_finite_1d(scores_train, "scores_train")
    x2 = check_finite_1d(scores_test, "scores_test")
    if x1.shape[0] == 0 or x2.shape[0] == 0:
        raise ValueError("ks_test needs at least one event in each sample.")
    # each sample's CDF and effective size are invariant to its weight scale: rescale each
    # by a power of two (exact) so that its sums and sum of squares cannot overflow
    w1, e1 = rescale_weights(check_sample_weight(weights_train, x1.shape[0], name="weights_train"))
    w2, e2 = rescale_weights(check_sample_weight(weights_test, x2.shape[0], name="weights_test"))
    t1, t2 = (
        check_scaled(partial(net_weight, what=name, why="Its weighted CDF does not exist."), w, e)
        for w, e, name in ((w1, e1, "scores_train"), (w2, e2, "scores_test"))
    )
    x = np.concatenate([x1, x2])
    contrib = np.concatenate([w1 / t1, -w2 / t2])
    order = np.argsort(x, kind="stable")
    xs = x[order]
    last_of_run = np.r_[xs[1:] != xs[:-1], True]
    diff = np.cumsum(contrib[order])[last_of_run]
    statistic = float(np.max(np.abs(diff)))
    n1, n2 = effective_sample_size(w1), effective_sample_size(w2)
    n_eff = n1 * n2 / (n1 + n2)
    pvalue = float(stats.kstwo.sf(statistic, max(1, round(n_eff))))
    return KSResult(statistic, min(max(pvalue, 0.0), 1.0))
