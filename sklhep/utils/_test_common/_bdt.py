"""Instances and expected check failures for this estimator family (see the package docstring)."""

from __future__ import annotations

from typing import Any

from sklhep.ensemble import BDTClassifier, BDTRegressor

# Small, single-threaded, CPU-only instances (the whole suite runs in seconds), and the
# default instances: what most users run.
TESTED_ESTIMATORS: list[Any] = [
    BDTClassifier(n_estimators=20, max_depth=3, device="cpu", n_jobs=1, random_state=0),
    BDTRegressor(n_estimators=20, max_depth=3, device="cpu", n_jobs=1, random_state=0),
    BDTClassifier(),
    BDTRegressor(),
]

# The same expected failure as scikit-learn's HistGradientBoosting, for the same reason: the
# feature bins come from a weighted quantile sketch (xgboost's QuantileDMatrix, which keeps
# peak memory near the input size), and the sketch of a weighted event is not the sketch of
# the repeated event, so the trees differ slightly. The sparse variant does not apply (no
# sparse input). The loss itself treats weight k exactly as k repeats: see
# tests/ensemble/test_objectives.py.
_REASON = "sample_weight is not equivalent to removing/repeating samples."
XFAIL_CHECKS: dict[type, dict[str, str]] = {
    BDTClassifier: {"check_sample_weight_equivalence_on_dense_data": _REASON},
    BDTRegressor: {"check_sample_weight_equivalence_on_dense_data": _REASON},
}
