"""One call to route ``sample_weight`` to every step of a scikit-learn estimator tree.

scikit-learn's metadata routing (``sklearn.set_config(enable_metadata_routing=True)``)
sends ``sample_weight`` only to the objects that *request* it. A HEP workflow wants the
weights everywhere: in every Pipeline step that can use them (``StandardScaler``, the
model), in the scorer of a ``GridSearchCV`` and in ``score``.
:func:`request_sample_weight` sets all those requests at once. See
``docs/model_selection.md`` for the whole recipe.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from sklearn import config_context
from sklearn.metrics import get_scorer as sklearn_get_scorer

from sklhep._sklearn_compat import (
    _BaseScorer,
    _MultimetricScorer,
    _routing_enabled,
    multimetric_scorers,
    scorer_accepts_sample_weight,
)

__all__ = ["request_sample_weight"]

_METHODS = ("fit", "partial_fit", "score")


def _accepts_sample_weight(setter: Any) -> bool:
    try:
        return "sample_weight" in inspect.signature(setter).parameters
    except (TypeError, ValueError):  # pragma: no cover - exotic callables
        return False


def _is_scorer_name(name: str) -> bool:
    """Whether ``name`` names an sklhep or a scikit-learn scorer."""
    from sklearn.metrics import get_scorer_names as sklearn_names

    from sklhep.metrics import get_scorer

    try:
        get_scorer(name)
    except ValueError:
        return name in sklearn_names()
    return True


def _scorer_with_request(scoring: Any) -> Any:
    """``scoring`` (a name, scorer, list or dict of them) with sample_weight requested."""
    if scoring is None:
        return None
    if isinstance(scoring, str):
        from sklhep.metrics import get_scorer, get_scorer_names

        try:
            return get_scorer(scoring)
        except ValueError:
            pass
        try:
            scorer = sklearn_get_scorer(scoring)
        except ValueError:
            raise ValueError(
                f"Unknown scoring {scoring!r}: neither an sklhep scorer "
                f"({get_scorer_names()}) nor a scikit-learn one."
            ) from None
        return _scorer_with_request(scorer)
    if isinstance(scoring, (list, tuple, set)):
        return {name: _scorer_with_request(name) for name in scoring}
    if isinstance(scoring, dict):
        return {name: _scorer_with_request(s) for name, s in scoring.items()}
    if isinstance(scoring, _BaseScorer):
        if scorer_accepts_sample_weight(scoring):
            scoring.set_score_request(sample_weight=True)
        return scoring
    if isinstance(scoring, _MultimetricScorer):
        for s in multimetric_scorers(scoring):
            _scorer_with_request(s)
        return scoring
    setter = getattr(scoring, "set_score_request", None)
    if setter is not None and _accepts_sample_weight(setter):
        setter(sample_weight=True)
    return scoring


def _children(obj: Any) -> list[Any]:
    """Estimators held by ``obj``'s constructor parameters (and its fitted sub-estimators)."""
    try:
        params = obj.get_params(deep=False)
    except Exception:  # not a scikit-learn estimator
        return []
    found: list[Any] = []

    def collect(value: Any) -> None:
        if isinstance(value, (str, bytes)) or value is None:
            return
        if isinstance(value, (list, tuple)):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif hasattr(value, "get_params") and (
            hasattr(value, "fit") or hasattr(value, "set_fit_request")
        ):
            found.append(value)

    for name, value in params.items():
        if name in ("scoring", "cv"):
            continue
        collect(value)
    return found


def _visit(obj: Any, seen: set[int]) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    for method in _METHODS:
        setter = getattr(obj, f"set_{method}_request", None)
        if setter is not None and _accepts_sample_weight(setter):
            setter(sample_weight=True)
    try:
        params = obj.get_params(deep=False)
    except Exception:  # not a scikit-learn estimator
        params = {}
    scoring = params.get("scoring")
    if isinstance(scoring, str) and not _is_scorer_name(scoring):
        # the estimator's own meaning (HistGradientBoosting's scoring="loss"): left alone
        scoring = None
    if scoring is not None:
        new = _scorer_with_request(scoring)
        if new is not scoring:
            obj.set_params(scoring=new)
    for child in _children(obj):
        _visit(child, seen)


def request_sample_weight(estimator: Any) -> Any:
    """Request ``sample_weight`` in every step of ``estimator`` that accepts it.

    Walks the estimator tree (``Pipeline`` steps, ``FeatureUnion`` and
    ``ColumnTransformer`` transformers, the ``estimator`` of ``GridSearchCV``,
    ``RandomizedSearchCV`` and other meta-estimators, ``base_estimator``, ``estimators``,
    ``final_estimator``, :class:`~sklhep.model_selection.CrossEvaluator`: every estimator
    found in a constructor parameter), and on each object whose ``fit``, ``partial_fit`` or
    ``score`` takes ``sample_weight`` calls ``set_fit_request(sample_weight=True)``,
    ``set_partial_fit_request(...)`` or ``set_score_request(...)``. A ``scoring``
    parameter (a name, a list or dict of names, or scorer objects) is replaced by scorers
    that request ``sample_weight``: a name sklhep knows (:func:`sklhep.metrics.get_scorer`,
    e.g. ``"roc_auc"``, exact with negative weights) gives sklhep's scorer, any other name
    scikit-learn's. The estimator is modified in place and returned.

    Metadata routing: scikit-learn's ``set_*_request`` methods raise while routing is
    disabled. This function sets the requests inside
    ``sklearn.config_context(enable_metadata_routing=True)``, so it works either way; the
    requests are stored on the objects, survive ``clone``, and take effect whenever routing
    is enabled (``sklearn.set_config(enable_metadata_routing=True)``, or a
    ``config_context`` around ``fit``). When routing is disabled at the time of the call,
    a ``UserWarning`` says so: without routing, ``GridSearchCV.fit(X, y,
    sample_weight=w)`` on a ``Pipeline`` fails and no scorer receives the weights.

    Parameters
    ----------
    estimator : estimator object
        A scikit-learn compatible estimator, possibly nested.

    Returns
    -------
    estimator : the same object, with the requests set.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklhep import request_sample_weight
    >>> sklearn.set_config(enable_metadata_routing=True)
    >>> search = request_sample_weight(GridSearchCV(
    ...     make_pipeline(StandardScaler(), LogisticRegression()),
    ...     {"logisticregression__C": [0.1, 1.0]}, scoring="roc_auc"))
    >>> sklearn.set_config(enable_metadata_routing=False)
    """
    if not _routing_enabled():
        warnings.warn(
            "scikit-learn metadata routing is disabled: the sample_weight requests are "
            "stored but used only once it is enabled. Call "
            "sklearn.set_config(enable_metadata_routing=True) before fitting.",
            UserWarning,
            stacklevel=2,
        )
    with config_context(enable_metadata_routing=True):
        _visit(estimator, set())
    return estimator
