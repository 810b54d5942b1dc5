"""scikit-learn scorers for the sklhep metrics, with ``sample_weight`` requested.

The scorers warn (:class:`~sklhep.routing.UnweightedScoreWarning`) when they are called
without ``sample_weight`` on a model whose ``fit`` used weights
(``fit_used_sample_weight_``), the silent failure of ``cross_validate`` and
``cross_val_score`` with metadata routing disabled.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn import config_context

from sklhep._sklearn_compat import _Scorer
from sklhep.metrics._classification import log_loss
from sklhep.metrics._regression import bias, resolution
from sklhep.metrics._roc import background_rejection, roc_auc_score, signal_efficiency_at
from sklhep.metrics._significance import max_significance

__all__ = ["fitted_with_sample_weight", "get_scorer", "get_scorer_names"]

_SCORE = ("decision_function", "predict_proba")


def _max_significance_score(
    y_true: ArrayLike, y_score: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """The Asimov significance at the best cut (:func:`max_significance`)."""
    return max_significance(y_true, y_score, sample_weight=sample_weight).significance


def _abs_bias(
    y_true: ArrayLike, y_pred: ArrayLike, *, sample_weight: ArrayLike | None = None
) -> float:
    """``|bias|`` (relative, median) of the residuals."""
    return abs(bias(y_true, y_pred, sample_weight=sample_weight))


# name -> (score function, response method, greater_is_better, fixed kwargs)
_FIXED: dict[str, tuple[Callable[..., float], Any, bool, dict[str, Any]]] = {
    "roc_auc": (roc_auc_score, _SCORE, True, {}),
    "roc_auc_ovr": (roc_auc_score, "predict_proba", True, {"multi_class": "ovr"}),
    "roc_auc_ovo": (roc_auc_score, "predict_proba", True, {"multi_class": "ovo"}),
    "neg_log_loss": (log_loss, "predict_proba", False, {}),
    "max_significance": (_max_significance_score, _SCORE, True, {}),
    "neg_resolution": (resolution, "predict", False, {}),
    # the name; like "neg_resolution" it returns minus the resolution (greater is
    # better, as every scikit-learn scorer)
    "resolution": (resolution, "predict", False, {}),
    "neg_abs_bias": (_abs_bias, "predict", False, {}),
}
# name -> (score function, the keyword that takes the level after the '@')
_PARAMETRISED: dict[str, tuple[Callable[..., float], str]] = {
    "background_rejection": (background_rejection, "signal_efficiency"),
    "signal_efficiency": (signal_efficiency_at, "background_efficiency"),
}
_PATTERN = re.compile(r"^(background_rejection|signal_efficiency)@([0-9]*\.?[0-9]+)$")


def get_scorer_names() -> list[str]:
    """The names :func:`get_scorer` accepts (``@x`` takes any level in (0, 1]).

    Returns
    -------
    names : list of str
        Sorted; ``"background_rejection@<signal efficiency>"`` and
        ``"signal_efficiency@<background efficiency>"`` stand for any level, e.g.
        ``"background_rejection@0.4"``.

    Examples
    --------
    >>> from sklhep.metrics import get_scorer_names
    >>> names = get_scorer_names()
    >>> "roc_auc" in names, "background_rejection@0.5" in names
    (True, True)
    >>> [name for name in names if name.startswith("neg_")]
    ['neg_abs_bias', 'neg_log_loss', 'neg_resolution']
    """
    return sorted(
        [
            *_FIXED,
            *(f"background_rejection@{x}" for x in ("0.3", "0.5", "0.7", "0.9")),
            "background_rejection@<signal efficiency>",
            "signal_efficiency@<background efficiency>",
        ]
    )


def fitted_with_sample_weight(estimator: Any) -> bool:
    """Whether ``estimator`` (or the last step of a Pipeline, or a search's
    ``best_estimator_``) was fitted with ``sample_weight``.

    Reads the fitted attribute ``fit_used_sample_weight_`` that sklhep's estimators set;
    an estimator without it counts as unweighted.
    """
    seen = 0
    while estimator is not None and seen < 10:
        seen += 1
        used = getattr(estimator, "fit_used_sample_weight_", None)
        if used is not None:
            return bool(used)
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        else:
            estimator = getattr(estimator, "best_estimator_", None)
    return False


class _SklhepScorer(_Scorer):
    """scikit-learn's scorer, warning when the weights of a weighted fit are missing."""

    def __call__(
        self, estimator: Any, X: Any, y_true: Any, *, sample_weight: Any = None, **kwargs: Any
    ) -> float:
        if (
            sample_weight is None
            and kwargs.get("sample_weight") is None
            and fitted_with_sample_weight(estimator)
        ):
            from sklhep.routing import UnweightedScoreWarning

            warnings.warn(
                f"The sklhep scorer {self!r} was called without sample_weight on a model "
                "fitted with sample_weight: the score is UNWEIGHTED. scikit-learn's "
                "cross_validate / cross_val_score pass no weights to scorers while metadata "
                "routing is disabled. Call sklearn.set_config(enable_metadata_routing=True) "
                "and pass params={'sample_weight': w} (sklhep.request_sample_weight(model) "
                "for Pipelines), or call the scorer with sample_weight=w.",
                UnweightedScoreWarning,
                stacklevel=2,
            )
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return float(super().__call__(estimator, X, y_true, **kwargs))


def make_scorer(func: Callable[..., float], *, response_method: Any, **kwargs: Any) -> Any:
    """``sklearn.metrics.make_scorer`` (with ``greater_is_better``), returning an
    :class:`_SklhepScorer`."""
    sign = 1 if kwargs.pop("greater_is_better", True) else -1
    return _SklhepScorer(func, sign, kwargs, response_method)


def _with_weight_request(scorer: Any) -> Any:
    # A scorer's set_score_request raises while routing is disabled; the request set here
    # is stored on the scorer and used whenever routing is enabled later. With routing
    # disabled, scikit-learn passes sample_weight to any scorer whose function accepts it.
    with config_context(enable_metadata_routing=True):
        scorer.set_score_request(sample_weight=True)
    return scorer


def get_scorer(name: str) -> Any:
    """A scikit-learn scorer for an sklhep metric, requesting ``sample_weight``.

    The scorer can be passed as ``scoring=`` to ``GridSearchCV``, ``cross_validate`` and
    the like. It requests ``sample_weight`` for metadata routing (so the evaluation weights
    reach it when ``sklearn.set_config(enable_metadata_routing=True)``); with routing
    disabled it accepts ``scorer(estimator, X, y, sample_weight=w)`` as usual.

    Names (see ``docs/metrics.md``):

    ``"roc_auc"``
        :func:`roc_auc_score` on ``decision_function`` (else ``predict_proba``); binary or
        one-vs-rest multi-class.
    ``"roc_auc_ovr"``, ``"roc_auc_ovo"``
        :func:`roc_auc_score` on ``predict_proba`` with ``multi_class="ovr"``/``"ovo"``.
    ``"background_rejection@x"``
        :func:`background_rejection` at signal efficiency ``x`` (e.g. ``@0.3``, ``@0.5``,
        ``@0.7``, ``@0.9``, or any level in (0, 1]).
    ``"signal_efficiency@x"``
        :func:`signal_efficiency_at` at background efficiency ``x``.
    ``"neg_log_loss"``
        Minus :func:`log_loss` (signed-weight safe) on ``predict_proba``.
    ``"max_significance"``
        The Asimov significance at the best cut (:func:`max_significance`, unit
        luminosity: the weights must be normalised to the yields you expect).
    ``"neg_resolution"`` (alias ``"resolution"``), ``"neg_abs_bias"``
        Regression: minus the relative IQR :func:`resolution`, minus ``|bias|`` (relative,
        median). Scorers are maximised, so both are negated, as scikit-learn's
        ``"neg_mean_squared_error"`` is.

    Parameters
    ----------
    name : str

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y, sample_weight=None)``

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    Score a model on signed event weights:

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklhep.metrics import get_scorer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    >>> w = np.where(rng.random(400) < 0.1, -1.0, 1.0)
    >>> clf = LogisticRegression().fit(X, y, sample_weight=w)
    >>> round(get_scorer("roc_auc")(clf, X, y, sample_weight=w), 3)
    0.865
    >>> round(get_scorer("background_rejection@0.5")(clf, X, y, sample_weight=w), 2)
    26.33

    With metadata routing, ``cross_validate`` passes the weights to the fits and to the
    scorer (which requests them):

    >>> import sklearn
    >>> from sklearn.model_selection import cross_validate
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     model = LogisticRegression().set_fit_request(sample_weight=True)
    ...     scores = cross_validate(model, X, y, scoring=get_scorer("roc_auc"), cv=3,
    ...                             params={"sample_weight": w})
    >>> scores["test_score"].shape
    (3,)

    >>> get_scorer("auc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Unknown sklhep scorer 'auc'; known names: [...].
    """
    if not isinstance(name, str):
        raise ValueError(f"A scorer name must be a string, got {name!r}.")
    if name in _FIXED:
        func, response, greater, kwargs = _FIXED[name]
        scorer = make_scorer(func, response_method=response, greater_is_better=greater, **kwargs)
        return _with_weight_request(scorer)
    match = _PATTERN.match(name)
    if match:
        func, param = _PARAMETRISED[match.group(1)]
        level = float(match.group(2))
        if not 0 < level <= 1 or not np.isfinite(level):
            raise ValueError(f"The level in {name!r} must lie in (0, 1].")
        scorer = make_scorer(func, response_method=_SCORE, **{param: level})
        return _with_weight_request(scorer)
    raise ValueError(f"Unknown sklhep scorer {name!r}; known names: {get_scorer_names()}.")
