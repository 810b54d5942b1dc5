"""Instances and expected check failures for the MLP family (see the package docstring).

The tested instances train full-batch (``batch_size`` above every check's sample size)
without early stopping, on the CPU, in float64 (like scikit-learn's MLPs), with a fixed
``random_state``: training is then deterministic, and a weight ``k`` gives the loss of
``k`` repeated events (the loss is normalised by the whole set's weight sum) up to float64
rounding, as scikit-learn's sample-weight equivalence check (``rtol=1e-7``) requires. In
float32 the same fits agree to ~1e-6 only: summation-order rounding, not a weighting error.
Like scikit-learn's own MLPs they have no expected failures.
"""

from __future__ import annotations

from typing import Any

from sklhep.neural_network import MLPClassifier, MLPRegressor

_FAST: dict[str, Any] = {
    "hidden_layer_sizes": (16,),
    "batch_size": 100_000,
    "max_epochs": 30,
    "learning_rate": 0.03,
    "early_stopping": False,
    "device": "cpu",
    "precision": "float64",
    "random_state": 0,
}

TESTED_ESTIMATORS: list[Any] = [MLPClassifier(**_FAST), MLPRegressor(**_FAST)]
XFAIL_CHECKS: dict[type, dict[str, str]] = {}
