"""Every private scikit-learn (and skorch) name sklhep uses, in one place.

scikit-learn's underscore modules are not part of its public API and change between
releases. sklhep imports them only here, as imbalanced-learn's ``_sklearn_compat.py`` does,
so that a scikit-learn release that moves one breaks this file alone, and the version
bounds in ``pyproject.toml`` (``scikit-learn>=1.6,<1.10``, ``skorch>=1.2,<1.5``) are the
range this file is tested against; ``tests/test_packaging.py`` checks that the installed
versions lie within those bounds and that no other sklhep module imports a private name.
Both lower bounds were run (``tests/test_common.py`` and ``tests/test_weights.py``):
scikit-learn 1.6.1 passes; skorch 1.0 and 1.1 fail to unpickle a fitted MLP under
torch >= 2.6 (their ``NeuralNet.__setstate__`` calls ``torch.load`` with the new
``weights_only=True`` default), hence ``skorch>=1.2``.
"""

from __future__ import annotations

import sklearn
from sklearn.base import _fit_context
from sklearn.metrics._scorer import _BaseScorer, _MultimetricScorer
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.utils._metadata_requests import _routing_enabled
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_method_params, _check_sample_weight, _num_samples

__all__ = [
    "SKLEARN_VERSION",
    "GroupsConsumerMixin",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_BaseScorer",
    "_MultimetricScorer",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_openmp_effective_n_threads",
    "_routing_enabled",
    "multimetric_scorers",
    "scorer_accepts_sample_weight",
    "validate_params",
]


def scorer_accepts_sample_weight(scorer: _BaseScorer) -> bool:
    """Whether a scikit-learn scorer's metric takes ``sample_weight`` (a private method)."""
    return bool(scorer._accept_sample_weight())


def multimetric_scorers(scoring: _MultimetricScorer) -> list[_BaseScorer]:
    """The scorers inside a scikit-learn ``_MultimetricScorer`` (a private attribute)."""
    return list(scoring._scorers.values())


#: The installed scikit-learn version, as a string.
SKLEARN_VERSION: str = sklearn.__version__


# -- appended for sklhep.model_selection.OptunaSearchCV and the unweighted-score checks --
from sklearn.metrics._scorer import _Scorer  # noqa: E402
from sklearn.model_selection._search import BaseSearchCV  # noqa: E402


def clone_parametrized(estimator: object) -> object:
    """scikit-learn's default ``clone`` of one estimator (``sklearn.base._clone_parametrized``),
    for a ``__sklearn_clone__`` that changes one parameter's copy."""
    from sklearn.base import _clone_parametrized

    return _clone_parametrized(estimator)


__all__ += ["BaseSearchCV", "_Scorer", "clone_parametrized"]
