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
from sklhep.exceptions import UnweightedScoreWarning

__all__ = [
    "UnweightedScoreWarning",
    "check_weight_routing",
    "request_sample_weight",
    "scorer_takes_sample_weight",
]


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


def _request(obj: Any, method: str) -> Any:
    """The ``sample_weight`` request of ``obj.<method>`` (True, False, None, or an alias)."""
    try:
        routing = obj.get_metadata_routing()
    except Exception:  # not a consumer
        return True
    requests = getattr(getattr(routing, method, None), "requests", None)
    if requests is None:
        return True  # a router: its children are checked
    return requests.get("sample_weight", True)


def _scorers_of(estimator: Any) -> list[tuple[str, Any]]:
    from sklearn.metrics import check_scoring

    scoring = estimator.get_params(deep=False).get("scoring")
    inner = estimator.get_params(deep=False).get("estimator")
    if scoring is None:
        return [("scoring=None (the estimator's score)", inner)]
    if isinstance(scoring, (str, list, tuple, set, dict)) or not callable(scoring):
        scorer = check_scoring(inner, scoring=scoring)
    else:
        scorer = scoring
    if isinstance(scorer, _MultimetricScorer):
        return [(repr(s), s) for s in multimetric_scorers(scorer)]
    return [(repr(scorer), scorer)]


def scorer_takes_sample_weight(scorer: Any) -> bool:
    """Whether a scorer (or callable ``scoring``) accepts ``sample_weight``.

    With metadata routing disabled, scikit-learn's searches pass ``sample_weight`` to a
    scorer only when it accepts it; a scorer that does not gives unweighted scores.

    Parameters
    ----------
    scorer : scorer object or callable
        A scikit-learn scorer (``make_scorer``, ``get_scorer``, a multi-metric scorer, in
        which case every metric must accept it), or a callable
        ``scoring(estimator, X, y, ...)``.

    Returns
    -------
    takes : bool

    Examples
    --------
    >>> from sklearn.metrics import make_scorer
    >>> from sklearn.metrics import get_scorer as sklearn_get_scorer
    >>> from sklhep.metrics import get_scorer
    >>> scorer_takes_sample_weight(get_scorer("roc_auc"))
    True
    >>> scorer_takes_sample_weight(sklearn_get_scorer("accuracy"))
    True
    >>> def unweighted_metric(y_true, y_pred):
    ...     return 0.0
    >>> scorer_takes_sample_weight(make_scorer(unweighted_metric))
    False
    >>> scorer_takes_sample_weight(lambda estimator, X, y, sample_weight=None: 0.0)
    True
    """
    if isinstance(scorer, _MultimetricScorer):
        return all(scorer_takes_sample_weight(s) for s in multimetric_scorers(scorer))
    if isinstance(scorer, _BaseScorer) or hasattr(scorer, "_accept_sample_weight"):
        return scorer_accepts_sample_weight(scorer)
    try:
        return "sample_weight" in inspect.signature(scorer).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return False


def check_weight_routing(estimator: Any, *, warn: bool = True) -> list[str]:
    """List the places where ``sample_weight`` would not reach a fit or a score.

    A check to run before ``GridSearchCV(...).fit(X, y, sample_weight=w)`` (or
    :class:`~sklhep.model_selection.OptunaSearchCV`, ``cross_validate``, a Pipeline):

    * with metadata routing **disabled**: ``cross_validate``, ``cross_val_score``,
      ``learning_curve`` and ``validation_curve`` score without weights, a Pipeline's
      ``fit`` does not take ``sample_weight``, and a search's scorer gets the weights only
      when it accepts them -- each reported;
    * with routing **enabled**: every object in the estimator tree whose ``fit`` or
      ``score`` accepts ``sample_weight`` but does not request it, and a search's scorer
      that does not request it.

    Parameters
    ----------
    estimator : estimator object
        A model, Pipeline or search (``GridSearchCV``, ``RandomizedSearchCV``,
        ``OptunaSearchCV``).
    warn : bool, default=True
        Emit one :class:`UnweightedScoreWarning` listing the problems (with the fix).

    Returns
    -------
    problems : list of str
        Empty when the weights reach every fit and score.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklhep import request_sample_weight
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     search = request_sample_weight(
    ...         GridSearchCV(LogisticRegression(), {"C": [1.0]}, scoring="roc_auc"))
    ...     check_weight_routing(search)
    []

    With routing disabled (scikit-learn's default), a Pipeline cannot take the weights:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression())
    >>> problems = check_weight_routing(pipe, warn=False)
    >>> problems[0]  # doctest: +ELLIPSIS
    'metadata routing is disabled: cross_validate, cross_val_score, ...'
    >>> problems[1]
    'Pipeline.fit takes no sample_weight without routing'
    """
    problems: list[str] = []
    is_search = "scoring" in estimator.get_params(deep=False) and hasattr(
        estimator.get_params(deep=False).get("estimator"), "fit"
    )
    if not _routing_enabled():
        problems.append(
            "metadata routing is disabled: cross_validate, cross_val_score, "
            "learning_curve and validation_curve pass no sample_weight to their scorers"
        )
        seen: set[int] = set()
        stack = [estimator]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if hasattr(obj, "steps"):
                problems.append(f"{type(obj).__name__}.fit takes no sample_weight without routing")
            stack.extend(_children(obj))
        if is_search:
            for name, scorer in _scorers_of(estimator):
                target = scorer
                if name.startswith("scoring=None"):
                    target = getattr(scorer, "score", None)
                if target is not None and not scorer_takes_sample_weight(target):
                    problems.append(f"the search's scorer {name} takes no sample_weight")
    else:
        seen = set()
        stack = [estimator]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            for method in ("fit", "score"):
                setter = getattr(obj, f"set_{method}_request", None)
                if setter is None or not _accepts_sample_weight(setter):
                    continue
                if _request(obj, method) is not True:
                    problems.append(
                        f"{type(obj).__name__}.{method} does not request sample_weight"
                    )
            stack.extend(_children(obj))
        if is_search:
            for name, scorer in _scorers_of(estimator):
                if name.startswith("scoring=None"):
                    continue  # the estimator's score request, checked above
                if _request(scorer, "score") is not True:
                    problems.append(f"the search's scorer {name} does not request sample_weight")
    if problems and warn:
        warnings.warn(
            "sample_weight will not reach every fit and score: "
            + "; ".join(problems)
            + ". Fix: sklearn.set_config(enable_metadata_routing=True) and "
            "sklhep.request_sample_weight(estimator) (see docs/tuning.md).",
            UnweightedScoreWarning,
            stacklevel=2,
        )
    return problems
