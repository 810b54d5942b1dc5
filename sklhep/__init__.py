"""sklhep: scikit-learn estimators and HEP tools that are correct with signed event weights.

The estimators (:class:`MLPClassifier`, :class:`MLPRegressor`, :class:`BDTClassifier`,
:class:`BDTRegressor`), :func:`request_sample_weight`, and :func:`save` / :func:`load` (safe
model files, no pickle) are importable from here; they are loaded lazily, so
``import sklhep`` does not import torch or xgboost.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_LAZY = {
    "MLPClassifier": "sklhep.neural_network",
    "MLPRegressor": "sklhep.neural_network",
    "BDTClassifier": "sklhep.ensemble",
    "BDTRegressor": "sklhep.ensemble",
    "CrossEvaluator": "sklhep.model_selection",
    "EventNumberKFold": "sklhep.model_selection",
    "request_sample_weight": "sklhep.routing",
    "save": "sklhep._persist",
    "load": "sklhep._persist",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklhep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
