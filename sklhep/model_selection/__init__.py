"""Event-number folding, k-fold training with out-of-fold application, Bayesian search.

See ``docs/model_selection.md`` and ``docs/tuning.md``. :class:`OptunaSearchCV` and the
pruning callbacks are loaded on first use (they import xgboost and skorch).
"""

from __future__ import annotations

import importlib
from typing import Any

from sklhep.model_selection._cross_evaluator import CrossEvaluator
from sklhep.model_selection._split import EventNumberKFold

__all__ = [
    "BDTPruningCallback",
    "CrossEvaluator",
    "EventNumberKFold",
    "MLPPruningCallback",
    "OptunaSearchCV",
    "UnweightedScoreWarning",
]

_LAZY = {
    "BDTPruningCallback": "sklhep.model_selection._optuna",
    "MLPPruningCallback": "sklhep.model_selection._optuna",
    "OptunaSearchCV": "sklhep.model_selection._optuna",
    "UnweightedScoreWarning": "sklhep.routing",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklhep.model_selection' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
