"""The train/validation split used by the estimators' early stopping.

The split is stratified for classifiers (so that each class keeps its share of events), the
weights travel with their events, and the validation part must keep a positive net weight
(in total and, for classifiers, per class) so that a weighted validation loss is defined.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from sklhep.weights import check_net_weight

__all__ = [
    "AUTO_EARLY_STOPPING_EVENTS",
    "DEPRECATED",
    "HISTORY_KEYS",
    "deprecated_alias",
    "early_stopping_enabled",
    "history_record",
    "train_validation_split",
]


def train_validation_split(
    y: NDArray[Any],
    sample_weight: NDArray[np.float64],
    *,
    validation_fraction: float,
    classifier: bool,
    random_state: int | np.random.RandomState | None,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices ``(train, valid)`` of a (stratified) shuffle split.

    Parameters
    ----------
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets; class labels when ``classifier`` is true.
    sample_weight : ndarray of shape (n_samples,)
        Signed weights, validated by :func:`sklhep.weights.check_sample_weight`.
    validation_fraction : float in (0, 1)
    classifier : bool
        Stratify by class, and require a positive net weight for every class in the
        validation part.
    random_state : int, RandomState or None

    Raises
    ------
    ValueError
        If the validation part would be empty, or its net weight (total or of a class) is
        not positive.
    """
    n = y.shape[0]
    n_valid = int(np.ceil(validation_fraction * n))
    advice = (
        "Use more events, change validation_fraction, or turn early stopping off "
        "(early_stopping=False)."
    )
    if n_valid < 1 or n - n_valid < 1:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves an empty training or validation "
            f"set with {n} events. {advice}"
        )
    idx = np.arange(n)
    if classifier:
        labels, counts = np.unique(y, return_counts=True)
        rare = labels[counts < 2]
        if rare.size:
            raise ValueError(
                f"Early stopping needs at least 2 events of every class (one to train on, one "
                f"to validate on), but class(es) {rare.tolist()} have 1. {advice}"
            )
        n_classes = labels.shape[0]
        if n_valid < n_classes or n - n_valid < n_classes:
            raise ValueError(
                f"validation_fraction={validation_fraction} of {n} events gives {n_valid} "
                f"validation and {n - n_valid} training events, but each part needs at least "
                f"one event of each of the {n_classes} classes. {advice}"
            )
        splitter: Any = StratifiedShuffleSplit(
            n_splits=1, test_size=n_valid, random_state=random_state
        )
        train, valid = next(splitter.split(idx, y))
    else:
        splitter = ShuffleSplit(n_splits=1, test_size=n_valid, random_state=random_state)
        train, valid = next(splitter.split(idx))
    try:
        check_net_weight(
            sample_weight[valid],
            y[valid] if classifier else None,
            what="the early-stopping validation set",
        )
    except ValueError as exc:
        raise ValueError(f"{exc} {advice}") from None
    return np.sort(train), np.sort(valid)


#: ``early_stopping="auto"`` turns early stopping on above this many training events, as
#: scikit-learn's HistGradientBoosting does.
AUTO_EARLY_STOPPING_EVENTS = 10_000

#: The keys of every record in ``history_``, for both model families (one record per MLP
#: epoch or BDT round): the 1-based epoch/round, the net weighted training loss, the net
#: weighted validation loss (NaN without early stopping), the learning rate and the
#: wall-clock seconds the epoch/round took.
HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "lr", "duration")

#: The value of a deprecated parameter that was not set.
DEPRECATED = "deprecated"


def early_stopping_enabled(early_stopping: bool | str, n_samples: int) -> bool:
    """Whether to stop early: ``"auto"`` means more than 10,000 training events."""
    if early_stopping == "auto":
        return n_samples > AUTO_EARLY_STOPPING_EVENTS
    return bool(early_stopping)


def deprecated_alias(estimator: object, old: str, new: str, old_value: Any, new_value: Any) -> Any:
    """The value to use for ``new``, warning once per fit when the deprecated ``old`` is set.

    ``old`` keeps working for one release (scikit-learn's deprecation cycle): when it is not
    ``"deprecated"`` its value wins, with a :class:`FutureWarning` that names the new
    parameter.
    """
    if isinstance(old_value, str) and old_value == DEPRECATED:
        return new_value
    import warnings

    warnings.warn(
        f"{type(estimator).__name__}: '{old}' is deprecated and will be removed in the next "
        f"release; use '{new}' instead (both families now share that name).",
        FutureWarning,
        stacklevel=4,
    )
    return old_value


def history_record(
    epoch: int, train_loss: float, valid_loss: float, lr: float, duration: float
) -> dict[str, Any]:
    """One ``history_`` record, with the keys :data:`HISTORY_KEYS`."""
    return {
        "epoch": int(epoch),
        "train_loss": float(train_loss),
        "valid_loss": float(valid_loss),
        "lr": float(lr),
        "duration": float(duration),
    }
