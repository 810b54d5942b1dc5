"""Input validation shared by sklhep's estimators.

Thin wrappers around :func:`sklearn.utils.validation.validate_data` that turn the errors
HEP users meet most (string columns, NaN, a single class) into messages that name the
problem and the fix. Weight semantics live in :mod:`sklhep.weights`, not here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

__all__ = [
    "check_protected",
    "decorrelation_mask",
    "encode_classes",
    "validate_fit_data",
    "validate_predict_data",
]

_STRING_HINTS = ("could not convert", "string", "bytes", "argument must be a string")


def _reraise_non_numeric(exc: Exception, estimator: Any) -> None:
    msg = str(exc)
    if any(h in msg for h in _STRING_HINTS):
        name = type(estimator).__name__
        raise TypeError(
            f"X has non-numeric (e.g. string) features, which {name} cannot use: {msg}. "
            "Encode categorical columns first, for example with "
            "sklearn.preprocessing.OrdinalEncoder inside a ColumnTransformer, or drop them."
        ) from None


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_float32_range(X: NDArray[Any]) -> NDArray[Any]:
    """Both engines compute in float32: a finite float64 beyond its range would become inf."""
    if X.dtype != np.float64 or X.size == 0:
        return X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN X (the BDT allows NaN)
        low, high = float(np.nanmin(X)), float(np.nanmax(X))
    if max(-low, high) > _FLOAT32_MAX:
        worst = high if high > -low else low
        column = int(np.flatnonzero(np.nanmax(np.abs(X), axis=0) > _FLOAT32_MAX)[0])
        raise ValueError(
            f"X has a value {worst:.6g} (first in column {column}) beyond the float32 range "
            f"(±{_FLOAT32_MAX:.4g}) that the models compute in: it would become infinity. "
            "Rescale that feature (e.g. take its logarithm) or replace the sentinel value."
        )
    return X


def validate_fit_data(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    allow_nan: bool = False,
    multi_output: bool = False,
    y_numeric: bool = False,
    dtype: Any = (np.float64, np.float32),
    float32: bool = False,
    sample_weight: Any = None,
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Validate ``X`` and ``y`` in ``fit`` and set ``n_features_in_``/``feature_names_in_``.

    ``float32=True``: the estimator computes in float32, so values beyond its range are an
    error (they would silently become infinity). ``sample_weight``: checked to be aligned
    with ``X`` while ``X`` still has its pandas index
    (:func:`sklhep.weights.check_weight_index`).
    """
    from sklhep.weights import check_weight_index

    check_weight_index(sample_weight, X)
    try:
        X, y = validate_data(
            estimator,
            X,
            y,
            reset=True,
            dtype=dtype,
            ensure_all_finite="allow-nan" if allow_nan else True,
            multi_output=multi_output,
            y_numeric=y_numeric,
            ensure_min_samples=2,
        )
    except (TypeError, ValueError) as exc:
        _reraise_non_numeric(exc, estimator)
        raise
    # read by sklhep's scorers: scoring a weighted fit without weights warns
    estimator.fit_used_sample_weight_ = sample_weight is not None
    return (_check_float32_range(X) if float32 else X), y


def validate_predict_data(
    estimator: Any,
    X: Any,
    *,
    allow_nan: bool = False,
    dtype: Any = (np.float64, np.float32),
    float32: bool = False,
) -> NDArray[Any]:
    """Validate ``X`` at predict time against what ``fit`` saw (number and names of features)."""
    try:
        X = validate_data(
            estimator,
            X,
            reset=False,
            dtype=dtype,
            ensure_all_finite="allow-nan" if allow_nan else True,
        )
    except (TypeError, ValueError) as exc:
        _reraise_non_numeric(exc, estimator)
        raise
    return _check_float32_range(X) if float32 else X


def encode_classes(y: Any) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """Return ``(classes_, y_encoded)`` for classification targets of any label type.

    Raises ValueError for continuous targets and when only one class is present.
    """
    check_classification_targets(y)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    classes, y_encoded = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(
            f"y contains only one class ({classes[0]!r}); a classifier needs events of at "
            "least two classes. Check the labels, or the selection that produced them."
        )
    return classes, y_encoded.reshape(-1).astype(np.intp)


def check_protected(
    protected: ArrayLike | None, n_samples: int, decorrelation: float
) -> NDArray[np.float64] | None:
    """Validate ``protected`` against ``decorrelation``: a finite 1-D array or None."""
    if protected is None:
        if decorrelation > 0:
            raise ValueError(
                f"decorrelation={decorrelation} needs the variable to decorrelate from: pass "
                "fit(X, y, protected=mass) (with metadata routing, request it with "
                "est.set_fit_request(protected=True)), or set decorrelation=0."
            )
        return None
    if decorrelation == 0:
        raise ValueError(
            "protected was given but decorrelation=0, so it would be ignored: set "
            "decorrelation > 0 (e.g. decorrelation=1.0) to decorrelate from it, or do not "
            "pass protected."
        )
    values = np.asarray(protected)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values.ravel()
    if values.ndim != 1:
        raise ValueError(
            f"protected must be one-dimensional (one value per event), got shape {values.shape}."
        )
    try:
        values = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"protected must be numeric ({exc}).") from None
    if values.shape[0] != n_samples:
        raise ValueError(
            f"protected has {values.shape[0]} values but X has {n_samples} events; pass one "
            "value per event."
        )
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"protected contains {int(bad.sum())} NaN or infinite value(s) (first at index "
            f"{int(np.flatnonzero(bad)[0])}); fix or remove those events."
        )
    return values


def decorrelation_mask(
    codes: NDArray[np.intp],
    classes: NDArray[Any],
    decorrelation_classes: Sequence[Any] | None,
    decorrelation: float,
) -> NDArray[np.bool_]:
    """Which events the penalty is computed on: those of ``decorrelation_classes`` (labels;
    default the first class, the background). Binary classification only."""
    if classes.shape[0] != 2:
        raise ValueError(
            f"decorrelation={decorrelation} supports binary classification only; y has "
            f"{classes.shape[0]} classes. Merge the classes you do not decorrelate into "
            "signal and background, or set decorrelation=0."
        )
    chosen = [classes[0]] if decorrelation_classes is None else list(decorrelation_classes)
    if len(chosen) == 0:
        raise ValueError("decorrelation_classes is empty; name at least one class label.")
    unknown = [c for c in chosen if c not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"decorrelation_classes {unknown} are not among the classes {classes.tolist()}."
        )
    codes_chosen = np.searchsorted(classes, np.asarray(chosen, dtype=classes.dtype))
    return np.isin(codes, codes_chosen)
