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

# No expected failures. scikit-learn's HistGradientBoosting lists
# check_sample_weight_equivalence_on_dense_data (its quantile sketch of a weighted event is
# not the sketch of the repeated event); sklhep merges identical events into one before
# anything else (sklhep.weights.merge_identical_events), so a weight k and k repeats, or a
# zero weight and a removed event, give the same training set and the same trees.
XFAIL_CHECKS: dict[type, dict[str, str]] = {}
