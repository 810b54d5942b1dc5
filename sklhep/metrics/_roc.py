r"""ROC curve, AUC and operating points, exact with signed event weights.

Weighted input means: every event contributes its weight to every sum. Signal efficiency
at threshold :math:`t` is :math:`\varepsilon_S(t) = \sum_{i \in S, f_i \ge t} w_i /
\sum_{i \in S} w_i`, and likewise :math:`\varepsilon_B` for background. With negative weights
the numerator is a *net* sum, so an efficiency can locally leave :math:`[0, 1]` and the ROC
need not be monotone; it still starts at (0, 0) and ends at (1, 1). The class totals
(denominators) must be positive.

Every quantity here is a ratio of weighted sums, so it does not depend on a global weight
scale: the weights are rescaled internally by a power of two (exact in floating point),
and weights of order ``1e300`` or ``1e-300`` give the same result as weights of order 1.
"""

from __future__ import annotations

import itertools
from functools import partial
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.metrics._common import (
    binary_inputs,
    check_finite_1d,
    check_scaled,
    class_codes,
    labels_1d,
    rescale_weights,
)
from sklhep.weights import (
    WeightSums,
    check_net_weight,
    check_sample_weight,
    net_weight,
    weighted_mean,
)

__all__ = [
    "RocCurve",
    "background_rejection",
    "roc_auc_score",
    "roc_curve",
    "signal_efficiency_at",
]


class RocCurve(NamedTuple):
    """A ROC curve; unpacks like scikit-learn's ``(fpr, tpr, thresholds)``."""

    #: Background efficiency (false-positive rate) at each threshold.
    background_efficiency: NDArray[np.float64]
    #: Signal efficiency (true-positive rate) at each threshold.
    signal_efficiency: NDArray[np.float64]
    #: Decreasing thresholds; an event is selected when its score is ``>=`` the threshold.
    #: The first is ``inf`` (nothing selected).
    thresholds: NDArray[np.float64]

    @property
    def fpr(self) -> NDArray[np.float64]:
        """Alias of :attr:`background_efficiency`."""
        return self.background_efficiency

    @property
    def tpr(self) -> NDArray[np.float64]:
        """Alias of :attr:`signal_efficiency`."""
        return self.signal_efficiency


def _grouped_sums(
    is_signal: NDArray[np.bool_],
    score: NDArray[np.float64],
    w: NDArray[np.float64],
    *,
    background_squares: bool = False,
) -> tuple[NDArray[np.float64], ...]:
    r"""Unique scores (ascending) with the net signal and background weight at each, and
    with ``background_squares`` the background's :math:`\sum w^2` at each too.

    One O(n log n) sort; ties are merged so that they are treated as one point.
    """
    order = np.argsort(score)  # ties are merged below, so stability is not needed
    xs = score[order]
    ws = w[order]
    sig = is_signal[order]
    new_value = np.empty(xs.shape[0], dtype=bool)
    new_value[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new_value[1:])
    group = np.cumsum(new_value) - 1
    n_groups = int(group[-1]) + 1
    b_w = np.where(sig, 0.0, ws)

    def per_score(values: NDArray[np.float64]) -> NDArray[np.float64]:
        # a weighted bincount is float64 (numpy's stubs say intp): no copy is made
        return np.bincount(group, weights=values, minlength=n_groups).astype(
            np.float64, copy=False
        )

    s, b = per_score(np.where(sig, ws, 0.0)), per_score(b_w)
    if background_squares:
        return xs[new_value], s, b, per_score(b_w * b_w)
    return xs[new_value], s, b


def _binary_auc(
    is_signal: NDArray[np.bool_], score: NDArray[np.float64], w: NDArray[np.float64]
) -> float:
    """The weighted Mann-Whitney AUC; ``w`` rescaled by ``rescale_weights`` (largest
    :math:`|w|` near 1), so that the products of weights neither overflow nor underflow."""
    _, s, b = _grouped_sums(is_signal, score, w)
    b_below = np.cumsum(b) - b
    numerator = float(np.dot(s, b_below + 0.5 * b))
    why = "The AUC is undefined."
    return numerator / (
        net_weight(s, what="the signal events", why=why)
        * net_weight(b, what="the background events", why=why)
    )


def roc_curve(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    pos_label: Any = None,
    drop_intermediate: bool = False,
) -> RocCurve:
    r"""Signal and background efficiency of the cut ``y_score >= t`` for every threshold.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Scores, larger for signal (a two-column ``predict_proba`` output uses column 1).
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights (see the module docstring). Zero-weight events are removed
        first, as scikit-learn does, so that they add no thresholds.
    pos_label : label, default=None
        The signal label; by default the larger of the two labels.
    drop_intermediate : bool, default=False
        Drop thresholds whose point lies on the straight line through its neighbours (as
        scikit-learn's ``drop_intermediate=True``); the curve's shape is unchanged.

    Returns
    -------
    RocCurve
        ``(background_efficiency, signal_efficiency, thresholds)``, with ``fpr``/``tpr``
        aliases. The first point is ``(0, 0)`` at threshold ``inf``; the last is ``(1, 1)``.
        With negative weights, intermediate efficiencies may lie outside ``[0, 1]``.

    Raises
    ------
    ValueError
        If a class's net weight is not positive, or only one class is present.

    References
    ----------
    .. [1] T. Fawcett, "An introduction to ROC analysis", Pattern Recognit. Lett. 27 (2006)
           861.
    .. [2] A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
           arXiv:physics/0703039 (the signal-efficiency vs background-rejection curve).

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics import roc_curve
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> score = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2])
    >>> w = np.array([1.0, -0.5, 1.0, 1.0, 1.0, 0.5])  # one negative-weight background event
    >>> roc = roc_curve(y, score, sample_weight=w)
    >>> np.round(roc.background_efficiency, 4)  # a net efficiency can dip below zero
    array([ 0.    ,  0.    ,  0.    , -0.3333,  0.3333,  0.3333,  1.    ])
    >>> roc.signal_efficiency
    array([0. , 0.4, 0.8, 0.8, 0.8, 1. , 1. ])
    >>> roc.thresholds
    array([ inf, 0.8 , 0.7 , 0.4 , 0.35, 0.2 , 0.1 ])
    """
    is_signal, score, w, _ = binary_inputs(y_true, y_score, sample_weight, pos_label)
    keep = w != 0
    if not keep.all():
        is_signal, score, w = is_signal[keep], score[keep], w[keep]
    values, s, b = _grouped_sums(is_signal, score, w)
    tps = np.r_[0.0, np.cumsum(s[::-1])]
    fps = np.r_[0.0, np.cumsum(b[::-1])]
    thresholds = np.r_[np.inf, values[::-1]]
    if drop_intermediate and tps.shape[0] > 2:
        keep_pt = np.r_[True, np.logical_or(np.diff(fps, 2) != 0, np.diff(tps, 2) != 0), True]
        tps, fps, thresholds = tps[keep_pt], fps[keep_pt], thresholds[keep_pt]
    return RocCurve(fps / fps[-1], tps / tps[-1], thresholds)


def roc_auc_score(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    multi_class: Literal["ovr", "ovo"] = "ovr",
    average: Literal["macro", "weighted"] = "macro",
    labels: ArrayLike | None = None,
) -> float:
    r"""Area under the ROC curve: the weighted Mann-Whitney statistic, exact with signed weights.

    For two classes it is

    .. math::

        \mathrm{AUC} = \frac{\sum_{s \in S} \sum_{b \in B} w_s w_b
        \left([f_s > f_b] + \tfrac12 [f_s = f_b]\right)}{\sum_{s} w_s \sum_{b} w_b},

    the probability that a signal event scores above a background event under the net
    (signed-weight) distributions, ties counting one half (H. B. Mann and D. R. Whitney,
    Ann. Math. Statist. 18 (1947) 50). It equals the trapezoidal area under
    :func:`roc_curve`. It is computed exactly in :math:`O(n \log n)`: one sort, ties grouped,
    and the cumulative background weight below each score. With non-negative weights it
    agrees with :func:`sklearn.metrics.roc_auc_score`; unlike that function it accepts
    negative weights. A zero weight is the same as removing the event, an integer weight
    :math:`k` the same as repeating it :math:`k` times, and a :math:`+w/-w` pair cancels.
    With negative weights the value can (rarely, for tiny samples) leave ``[0, 1]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Class labels.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary: the signal score (larger for the larger label), or a two-column
        ``predict_proba``. Multi-class: one column per class in sorted label order (or in
        ``labels`` order); any monotone score per class works, not only probabilities.
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights. Each class's net weight must be positive.
    multi_class : {"ovr", "ovo"}, default="ovr"
        Multi-class only. ``"ovr"``: for each class :math:`k`, the binary AUC of class
        :math:`k` against all others using column :math:`k`. ``"ovo"`` (Hand and Till, Mach.
        Learn. 45 (2001) 171): for each pair :math:`(j, k)` on the events of those two
        classes, the mean of AUC(:math:`j` vs :math:`k`, column :math:`j`) and AUC(:math:`k`
        vs :math:`j`, column :math:`k`).
    average : {"macro", "weighted"}, default="macro"
        Multi-class only: the unweighted mean of the per-class (per-pair) AUCs, or their mean
        weighted by the net weight of the class (of the pair's two classes).
    labels : array-like of shape (n_classes,), default=None
        Multi-class only: the labels of ``y_score``'s columns; default the sorted labels of
        ``y_true``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a class's net weight is not positive, only one class is present, or the shapes
        do not match.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 500)  # 500 background, 500 signal events
    >>> score = np.r_[rng.normal(0.0, 1.0, 500), rng.normal(1.5, 1.0, 500)]
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # about 10 % negative NLO weights
    >>> from sklhep.metrics import roc_auc_score
    >>> round(roc_auc_score(y, score, sample_weight=w), 4)
    0.8671
    >>> round(roc_auc_score(y, score), 4)  # ignoring the weights biases the AUC
    0.8552
    """
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(f"multi_class must be 'ovr' or 'ovo', got {multi_class!r}.")
    if average not in ("macro", "weighted"):
        raise ValueError(f"average must be 'macro' or 'weighted', got {average!r}.")
    y = labels_1d(y_true)
    score = np.asarray(y_score)
    classes = np.unique(y) if labels is None else np.asarray(labels)
    if score.ndim == 1 or (score.ndim == 2 and score.shape[1] <= 2 and classes.shape[0] <= 2):
        is_signal, s_arr, w, _ = binary_inputs(
            y, score, sample_weight, None if labels is None else classes[-1]
        )
        return _binary_auc(is_signal, s_arr, w)
    if score.ndim != 2 or score.shape[1] != classes.shape[0]:
        raise ValueError(
            f"y_score has shape {score.shape} but y_true has {classes.shape[0]} classes "
            f"{classes.tolist()[:10]}: pass one score column per class (sorted label order), "
            "or the labels of the columns with labels=."
        )
    if score.shape[0] != y.shape[0]:
        raise ValueError(f"y_true has {y.shape[0]} events but y_score has {score.shape[0]}.")
    w, exponent = rescale_weights(check_sample_weight(sample_weight, y.shape[0]))
    if not np.all(np.isfinite(score.astype(np.float64))):
        raise ValueError("y_score contains NaN or infinite values; fix or remove those events.")
    check_scaled(
        partial(
            check_net_weight,
            y=y,
            what="y_true",
            why="Its AUC is undefined: check the weights or merge classes.",
        ),
        w,
        exponent,
    )
    n_classes = classes.shape[0]
    codes = class_codes(y, classes)  # n_classes for a label not in ``labels``
    masks = [codes == k for k in range(n_classes)]
    net = WeightSums.from_weights(w, codes, n_classes + 1).net[:n_classes]
    aucs: list[float] = []
    prevalence: list[float] = []
    if multi_class == "ovr":
        for k in range(n_classes):
            col = check_finite_1d(score[:, k], "y_score")
            _check_class_pair(masks[k], w, str(classes[k]))
            aucs.append(_binary_auc(masks[k], col, w))
            prevalence.append(net[k])
    else:
        for j, k in itertools.combinations(range(n_classes), 2):
            pair = masks[j] | masks[k]
            wj = w[pair]
            auc_j = _binary_auc(masks[j][pair], check_finite_1d(score[pair, j], "y_score"), wj)
            auc_k = _binary_auc(masks[k][pair], check_finite_1d(score[pair, k], "y_score"), wj)
            aucs.append(0.5 * (auc_j + auc_k))
            prevalence.append(net[j] + net[k])
    # "weighted": the mean of the AUCs weighted by the classes' net weights
    return float(weighted_mean(aucs, None if average == "macro" else prevalence))


def _check_class_pair(is_signal: NDArray[np.bool_], w: NDArray[np.float64], name: str) -> None:
    net_weight(
        w[~is_signal],
        what=f"the events not in class {name}",
        why="The one-vs-rest AUC is undefined.",
    )


def _interpolate_at(x: NDArray[np.float64], y: NDArray[np.float64], target: float) -> float:
    """``y`` at the first crossing of ``x`` up to ``target``, linearly interpolated.

    ``x`` starts at 0; the first index :math:`k` with :math:`x_k \\ge` target is found
    (the running maximum of ``x``, as in :func:`sklhep.weights.weighted_quantile`), and
    ``y`` is interpolated linearly between points :math:`k-1` and :math:`k`.
    """
    reached = np.flatnonzero(x >= target * (1 - 1e-12))
    k = int(reached[0]) if reached.shape[0] else x.shape[0] - 1
    if k == 0:
        return float(y[0])
    x0, x1, y0, y1 = x[k - 1], x[k], y[k - 1], y[k]
    if x1 == x0:
        return float(y1)
    return float(y0 + (target - x0) * (y1 - y0) / (x1 - x0))


def _check_level(value: float, name: str, *, allow_zero: bool) -> float:
    value = float(value)
    ok = (0.0 <= value <= 1.0) if allow_zero else (0.0 < value <= 1.0)
    if not ok:
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}.")
    return value


def background_rejection(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    signal_efficiency: float = 0.5,
    sample_weight: ArrayLike | None = None,
    pos_label: Any = None,
) -> float:
    r"""Background rejection :math:`1/\varepsilon_B` at a signal efficiency :math:`\varepsilon_S`.

    The ROC (:func:`roc_curve`, thresholds decreasing) is walked until the signal efficiency
    first reaches ``signal_efficiency``; :math:`\varepsilon_B` is interpolated linearly in
    :math:`\varepsilon_S` between that ROC point and the previous one. With negative weights
    the efficiencies are net sums and need not be monotone; the *first* crossing is used,
    as :func:`sklhep.weights.weighted_quantile` does. When the interpolated
    :math:`\varepsilon_B \le 0` (no net background passes the cut) the rejection is
    ``inf``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels.
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
        Signal scores.
    signal_efficiency : float in (0, 1], default=0.5
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights; each class's net weight must be positive.
    pos_label : label, default=None
        The signal label; by default the larger label.

    Returns
    -------
    float
        :math:`1/\varepsilon_B`, ``inf`` when :math:`\varepsilon_B \le 0`.

    References
    ----------
    .. [1] A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
           arXiv:physics/0703039 (background rejection at fixed signal efficiency).
    .. [2] T. Fawcett, "An introduction to ROC analysis", Pattern Recognit. Lett. 27 (2006)
           861.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 500)  # 500 background, 500 signal events
    >>> score = np.r_[rng.normal(0.0, 1.0, 500), rng.normal(1.5, 1.0, 500)]
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # about 10 % negative NLO weights
    >>> from sklhep.metrics import background_rejection
    >>> round(background_rejection(y, score, sample_weight=w, signal_efficiency=0.5), 4)
    14.2807
    """
    target = _check_level(signal_efficiency, "signal_efficiency", allow_zero=False)
    roc = roc_curve(y_true, y_score, sample_weight=sample_weight, pos_label=pos_label)
    eff_b = _interpolate_at(roc.signal_efficiency, roc.background_efficiency, target)
    return float("inf") if eff_b <= 0 else 1.0 / eff_b


def signal_efficiency_at(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    background_efficiency: float = 0.1,
    sample_weight: ArrayLike | None = None,
    pos_label: Any = None,
) -> float:
    r"""Signal efficiency :math:`\varepsilon_S` at a background efficiency :math:`\varepsilon_B`.

    The counterpart of :func:`background_rejection`: the ROC is walked until the background
    efficiency first reaches ``background_efficiency`` and :math:`\varepsilon_S` is
    interpolated linearly in :math:`\varepsilon_B` between that point and the previous one.
    With negative weights the result may lie outside ``[0, 1]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_score : array-like of shape (n_samples,) or (n_samples, 2)
    background_efficiency : float in (0, 1], default=0.1
    sample_weight : array-like of shape (n_samples,), default=None
    pos_label : label, default=None

    Returns
    -------
    float

    References
    ----------
    .. [1] A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
           arXiv:physics/0703039.
    .. [2] T. Fawcett, "An introduction to ROC analysis", Pattern Recognit. Lett. 27 (2006)
           861.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 500)  # 500 background, 500 signal events
    >>> score = np.r_[rng.normal(0.0, 1.0, 500), rng.normal(1.5, 1.0, 500)]
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # about 10 % negative NLO weights
    >>> from sklhep.metrics import signal_efficiency_at
    >>> round(signal_efficiency_at(y, score, sample_weight=w, background_efficiency=0.1), 4)
    0.5817
    """
    target = _check_level(background_efficiency, "background_efficiency", allow_zero=False)
    roc = roc_curve(y_true, y_score, sample_weight=sample_weight, pos_label=pos_label)
    return _interpolate_at(roc.background_efficiency, roc.signal_efficiency, target)
