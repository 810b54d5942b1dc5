r"""Weighted log-loss, valid with signed event weights."""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from sklhep.metrics._common import check_scaled, class_codes, labels_1d, rescale_weights
from sklhep.weights import check_sample_weight, net_weight

__all__ = ["log_loss"]


def log_loss(
    y_true: ArrayLike,
    y_prob: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    labels: ArrayLike | None = None,
) -> float:
    r"""Cross-entropy :math:`-\sum_i w_i \ln p_i(y_i) / \sum_i w_i` with signed weights.

    It is the mean negative log-likelihood under the net (signed-weight) distribution: the
    quantity sklhep's classifiers minimise. Unlike :func:`sklearn.metrics.log_loss` it
    accepts negative weights; the net weight :math:`\sum_i w_i` must be positive. With
    :math:`w \ge 0` the two agree. Probabilities are clipped to
    :math:`[\epsilon, 1 - \epsilon]` with the float64 machine epsilon.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Class labels.
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes)
        ``predict_proba`` output with columns in ``labels`` order, or for two classes the
        probability of the larger label.
    sample_weight : array-like of shape (n_samples,), default=None
        Signed event weights.
    labels : array-like of shape (n_classes,), default=None
        The labels of ``y_prob``'s columns; default the sorted labels of ``y_true`` (which
        must then contain every class).

    Returns
    -------
    float

    References
    ----------
    .. [1] C. M. Bishop, "Pattern Recognition and Machine Learning", Springer (2006), section
           4.3.4 (cross-entropy as the negative log-likelihood).

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.metrics import log_loss
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> p_signal = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2])
    >>> w = np.array([1.0, -0.5, 1.0, 1.0, 1.0, 0.5])  # one negative NLO weight
    >>> round(log_loss(y, p_signal, sample_weight=w), 4)
    0.4163
    >>> round(log_loss(y, np.column_stack([1 - p_signal, p_signal]), sample_weight=w), 4)
    0.4163
    """
    y = labels_1d(y_true)
    p = np.asarray(y_prob, dtype=np.float64)
    classes = np.unique(y) if labels is None else np.asarray(labels)
    if p.ndim == 1:
        if classes.shape[0] != 2:
            raise ValueError(
                f"A one-dimensional y_prob needs exactly two labels, got {classes.tolist()}; "
                "pass labels=estimator.classes_."
            )
        p = np.column_stack([1 - p, p])
    if p.ndim != 2 or p.shape[0] != y.shape[0] or p.shape[1] != classes.shape[0]:
        raise ValueError(
            f"y_prob has shape {p.shape}; expected ({y.shape[0]}, {classes.shape[0]}) for the "
            f"labels {classes.tolist()[:10]}. Pass labels=estimator.classes_ if some class is "
            "absent from y_true."
        )
    if not np.all(np.isfinite(p)):
        raise ValueError("y_prob contains NaN or infinite values.")
    idx = class_codes(y, classes)
    if np.any(idx == classes.shape[0]):
        raise ValueError("y_true contains labels that are not in labels.")
    # the loss is a weighted mean, invariant to the weight scale: rescale by a power of two
    # (exact) so that the sums cannot overflow or underflow for 1e300 or 1e-300 weights
    w, exponent = rescale_weights(check_sample_weight(sample_weight, y.shape[0]))
    total = check_scaled(
        partial(net_weight, why="The weighted mean loss is undefined."), w, exponent
    )
    eps = np.finfo(np.float64).eps
    p_true = np.clip(p[np.arange(y.shape[0]), idx], eps, 1 - eps)
    return float(-np.dot(w, np.log(p_true)) / total)
