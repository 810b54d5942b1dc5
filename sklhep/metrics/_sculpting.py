r"""Mass sculpting: how much a cut on a classifier changes the background's mass spectrum.

A classifier that has learnt the background's mass selects background events whose mass
looks like the signal's, so the background passing a cut on its output has another mass
spectrum than the background failing it: a fake peak in a bump hunt, a biased sideband
fit. Kasieczka and Shih (PRL 125 (2020) 122001, arXiv:2001.05310) quantify it as the
Jensen-Shannon divergence of the two spectra at the cut that keeps half of the signal,
and report :math:`1/\mathrm{JSD}` (larger is less sculpted) against the background
rejection at the same cut.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.metrics._common import binary_inputs, check_finite_1d
from sklhep.metrics._roc import _check_level, _grouped_sums
from sklhep.weights import net_weight, normalize_weights

__all__ = ["SculptingCut", "sculpting_cut", "sculpting_jsd"]  # the first two: for plotting


class SculptingCut:
    """The background split by a cut at a signal efficiency (see :func:`sculpting_cut`).

    Attributes
    ----------
    threshold : float
        Events with ``score >= threshold`` pass.
    passing, failing : ndarray of bool of shape (n_background,)
        Which background events pass and fail.
    protected, weight : ndarray of shape (n_background,)
        The background's protected variable and (caller-scale) signed weights.
    """

    def __init__(
        self,
        threshold: float,
        passing: NDArray[np.bool_],
        protected: NDArray[np.float64],
        weight: NDArray[np.float64],
    ) -> None:
        self.threshold = threshold
        self.passing = passing
        self.failing = ~passing
        self.protected = protected
        self.weight = weight


def _threshold_at(
    is_signal: NDArray[np.bool_],
    score: NDArray[np.float64],
    w: NDArray[np.float64],
    target: float,
) -> float:
    """The largest threshold whose cut ``score >= t`` reaches the signal efficiency."""
    keep = w != 0
    values, s, _ = _grouped_sums(is_signal[keep], score[keep], w[keep])
    passing = np.cumsum(s[::-1])  # net signal weight at or above each threshold
    total = passing[-1]
    reached = np.flatnonzero(passing >= target * total * (1 - 1e-12))
    return float(values[::-1][int(reached[0]) if reached.shape[0] else -1])


def sculpting_cut(
    y_true: ArrayLike,
    y_score: ArrayLike,
    protected: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    signal_efficiency: float = 0.5,
    pos_label: Any = None,
) -> SculptingCut:
    r"""The background events passing and failing the cut at a signal efficiency.

    The cut is ``y_score >= t`` with :math:`t` the largest threshold at which the net
    signal efficiency :math:`\varepsilon_S(t)` first reaches ``signal_efficiency`` (the
    ROC point :func:`~sklhep.metrics.background_rejection` starts from, without
    interpolation: an event either passes or fails). The parameters are those of
    :func:`sculpting_jsd`.

    Returns
    -------
    SculptingCut
    """
    target = _check_level(signal_efficiency, "signal_efficiency", allow_zero=False)
    is_signal, score, w, exponent = binary_inputs(y_true, y_score, sample_weight, pos_label)
    m = check_finite_1d(protected, "protected")
    if m.shape[0] != score.shape[0]:
        raise ValueError(
            f"protected has {m.shape[0]} values but y_true has {score.shape[0]} events; pass "
            "the protected variable (e.g. the mass) of every event."
        )
    threshold = _threshold_at(is_signal, score, w, target)
    background = ~is_signal
    return SculptingCut(
        threshold,
        score[background] >= threshold,
        m[background],
        np.ldexp(w[background], exponent),
    )


def _normalised_histogram(
    x: NDArray[np.float64], w: NDArray[np.float64], edges: NDArray[np.float64], what: str
) -> NDArray[np.float64]:
    inside = (x >= edges[0]) & (x <= edges[-1])
    h, _ = np.histogram(x[inside], edges, weights=w[inside])
    why = "Its protected-variable distribution is undefined: use a sample with more events."
    net_weight(h, what=what, why=why)
    # a bin with a negative net weight (a fluctuation of the signed weights) has no
    # probability: clip it at 0 and renormalise, so that both are probability vectors
    p = np.clip(normalize_weights(h, what=what), 0.0, None)
    return normalize_weights(p, what=what)


def _jsd(p: NDArray[np.float64], q: NDArray[np.float64]) -> float:
    """Jensen-Shannon divergence in bits of two probability vectors."""
    mid = 0.5 * (p + q)

    def kl(a: NDArray[np.float64]) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / mid[nz])))

    return max(0.5 * kl(p) + 0.5 * kl(q), 0.0)


def _edges(
    x: NDArray[np.float64], w: NDArray[np.float64], bins: int | ArrayLike
) -> NDArray[np.float64]:
    if isinstance(bins, (int, np.integer)):
        if bins < 2:
            raise ValueError(f"bins must be at least 2, got {bins}.")
        support = x[w != 0]
        if support.shape[0] == 0:
            raise ValueError("The background has no event with a non-zero weight.")
        low, high = float(support.min()), float(support.max())
        if not high > low:
            high = low + 1.0
        return np.linspace(low, high, int(bins) + 1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or edges.shape[0] < 3 or not np.all(np.isfinite(edges)):
        raise ValueError("bins must be an int or at least 3 finite, increasing bin edges.")
    if not np.all(np.diff(edges) > 0):
        raise ValueError("bin edges must be strictly increasing.")
    return edges


def sculpting_jsd(
    y_true: ArrayLike,
    y_score: ArrayLike,
    protected: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    signal_efficiency: float = 0.5,
    bins: int | ArrayLike = 50,
    pos_label: Any = None,
) -> float:
    r"""Jensen-Shannon divergence of the background's protected variable passing vs failing a cut.

    The cut keeps the events with ``y_score >= t``, :math:`t` set so that a fraction
    ``signal_efficiency`` of the net signal weight passes (:func:`sculpting_cut`). The
    background's ``protected`` variable (a mass) is histogrammed with its signed weights,
    separately for the events that pass and that fail; each histogram is normalised to unit
    net weight, and

    .. math::

        \mathrm{JSD}(P, Q) = \tfrac12 \mathrm{KL}(P \,\|\, M) + \tfrac12 \mathrm{KL}(Q \,\|\, M),
        \qquad M = \tfrac12 (P + Q),

    in bits (base-2 logarithms, so :math:`0 \le \mathrm{JSD} \le 1`). It is 0 when the cut
    does not change the spectrum; Kasieczka and Shih [1]_ plot :math:`1/\mathrm{JSD}`
    against the background rejection at the same cut
    (:func:`~sklhep.metrics.background_rejection`).

    Signed weights: a bin whose net weight comes out negative (a fluctuation of the
    signed weights, in a sparsely populated bin) has no meaning as a probability; each
    normalised histogram is clipped at 0 and normalised again. The net weight of the
    passing and of the failing background must be positive. A zero weight is the same as
    removing the event, and a :math:`+w/-w` pair of identical events cancels. A histogram
    JSD is biased upwards by the statistical fluctuations of the bins (about
    :math:`(n_\mathrm{bins} - 1) / (2 \ln 2\, N_\mathrm{eff})` bits for an unsculpted
    spectrum with :math:`N_\mathrm{eff}` effective events per histogram), which caps the
    measurable :math:`1/\mathrm{JSD}`: compare models on the same events and bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Classifier scores, larger for signal (a two-column ``predict_proba`` uses column 1).
    protected : array-like of shape (n_samples,)
        The variable that should not be sculpted, e.g. the jet mass.
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights; each class's net weight must be positive.
    signal_efficiency : float in (0, 1], default=0.5
        The signal efficiency of the cut. At 1 no background fails unless ties keep it out.
    bins : int or array-like, default=50
        Number of equal-width bins between the smallest and largest background value with a
        non-zero weight, or the bin edges (values outside them are left out).
    pos_label : label, default=None
        The signal label; by default the larger label.

    Returns
    -------
    float
        The JSD in bits, in ``[0, 1]``.

    Raises
    ------
    ValueError
        For mismatched lengths, NaN, a class or a passing/failing background with a
        non-positive net weight.

    References
    ----------
    .. [1] G. Kasieczka and D. Shih, "Robust jet classifiers through distance correlation",
           Phys. Rev. Lett. 125 (2020) 122001, arXiv:2001.05310.
    .. [2] J. Lin, "Divergence measures based on the Shannon entropy", IEEE Trans. Inf.
           Theory 37 (1991) 145.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics import sculpting_jsd
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 5000); mass = rng.exponential(50.0, 10_000)
    >>> flat = sculpting_jsd(y, y + rng.normal(size=10_000), mass, bins=10)
    >>> sculpted = sculpting_jsd(y, y + rng.normal(size=10_000) - mass / 50, mass, bins=10)
    >>> bool(flat < 0.01 < sculpted)
    True
    """
    cut = sculpting_cut(
        y_true,
        y_score,
        protected,
        sample_weight=sample_weight,
        signal_efficiency=signal_efficiency,
        pos_label=pos_label,
    )
    edges = _edges(cut.protected, cut.weight, bins)
    p = _normalised_histogram(
        cut.protected[cut.passing], cut.weight[cut.passing], edges, "the passing background"
    )
    q = _normalised_histogram(
        cut.protected[cut.failing], cut.weight[cut.failing], edges, "the failing background"
    )
    return _jsd(p, q)
