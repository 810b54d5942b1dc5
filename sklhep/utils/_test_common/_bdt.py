"""Instances and expected check failures for this estimator family (see the package docstring)."""

from __future__ import annotations

from typing import Any

from sklhep.ensemble import BDTClassifier, BDTRegressor

# Small, single-threaded, CPU-only instances: the whole suite runs in seconds.
TESTED_ESTIMATORS: list[Any] = [
    BDTClassifier(n_estimators=20, max_depth=3, device="cpu", n_jobs=1, random_state=0),
    BDTRegressor(n_estimators=20, max_depth=3, device="cpu", n_jobs=1, random_state=0),
]

# scikit-learn's HistGradientBoosting expects check_sample_weight_equivalence_on_dense_data
# and ..._on_sparse_data to fail ("sample_weight is not equivalent to removing/repeating
# samples."). With these instances the dense check passes and the sparse one does not
# apply (no sparse input), so nothing is expected to fail.
XFAIL_CHECKS: dict[type, dict[str, str]] = {}
