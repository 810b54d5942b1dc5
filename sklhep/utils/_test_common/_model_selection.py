"""Instances and expected check failures for this estimator family (see the package docstring)."""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import Ridge
from sklearn.tree import DecisionTreeClassifier

from sklhep.model_selection import CrossEvaluator

# Fast sub-estimators. The checks' tiny data sets can leave a fold's training set with a
# single class; LogisticRegression refuses that, a decision tree does not, which also
# exercises CrossEvaluator's alignment of the fold models' classes.
TESTED_ESTIMATORS: list[Any] = [
    CrossEvaluator(DecisionTreeClassifier(max_depth=3, random_state=0), cv=2),
    CrossEvaluator(Ridge(), cv=2),
]
XFAIL_CHECKS: dict[type, dict[str, str]] = {}
