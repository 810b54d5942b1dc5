"""BDT training time against every peer: raw ``xgboost.train`` and sklearn's HGBC.

100 trees of depth 6 (learning rate 0.1, 256 bins, ``tree_method="hist"``) on ``n`` x 16
float32 events, two cases:

* ``w>=0``: weights uniform in [0.5, 1.5]. ``raw`` is ``xgboost.train`` on a ``DMatrix``
  built inside the timing (as a user would), with the same weights. Target: sklhep time
  <= 1.1x raw.
* ``signed``: 10 % of the weights negated. sklhep trains on the signed weights (custom
  objective); ``raw`` trains on ``|w|`` with the built-in objective -- the cost of the
  signed path. Target: sklhep time <= 1.6x raw.

``raw_quantile`` is the same ``xgboost.train`` on a ``QuantileDMatrix`` (the matrix sklhep
builds; informational: the target is against the plain ``DMatrix`` a user writes first).
``hgbc`` is ``sklearn.ensemble.HistGradientBoostingClassifier(max_iter=100, max_depth=6,
max_leaf_nodes=None, learning_rate=0.1, max_bins=255, early_stopping=False)`` with the raw
reference's weights (``|w|`` in the signed case: above 200k events its binning draws a
weighted subsample and raises "probabilities are not non-negative" on signed weights). All
contenders use every core.

Sizes: 300k events, 5 repetitions; ``--quick``: 50k events, 3 repetitions.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from benchmarks._suite import SuiteConfig, interleave, make_classification, ratio_row, timed

PART = "bdt"
N_FEATURES = 16
N_TREES = 100
DEPTH = 6


def xgb_params(device: str, n_jobs: int) -> dict[str, Any]:
    return {
        "tree_method": "hist",
        "device": device,
        "objective": "binary:logistic",
        "max_depth": DEPTH,
        "learning_rate": 0.1,
        "max_bin": 256,
        "nthread": n_jobs,
        "seed": 0,
        "verbosity": 0,
    }


def contenders(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, device: str, n_trees: int = N_TREES
) -> dict[str, Any]:
    import xgboost
    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklhep import BDTClassifier

    n_jobs = os.cpu_count() or 1
    params = xgb_params(device, n_jobs)
    w_ref = np.abs(w)

    def raw() -> float:
        def fit() -> None:
            dtrain = xgboost.DMatrix(X, label=y, weight=w_ref, nthread=n_jobs)
            xgboost.train(params, dtrain, num_boost_round=n_trees)

        return timed(fit, device)

    def raw_quantile() -> float:
        def fit() -> None:
            dtrain = xgboost.QuantileDMatrix(
                X, label=y, weight=w_ref, nthread=n_jobs, max_bin=params["max_bin"]
            )
            xgboost.train(params, dtrain, num_boost_round=n_trees)

        return timed(fit, device)

    def sklhep() -> float:
        est = BDTClassifier(
            n_estimators=n_trees,
            max_depth=DEPTH,
            learning_rate=0.1,
            max_bin=256,
            early_stopping=False,
            device=device,
            n_jobs=n_jobs,
            random_state=0,
        )
        return timed(lambda: est.fit(X, y, sample_weight=w), device)

    def hgbc() -> float:
        est = HistGradientBoostingClassifier(
            max_iter=n_trees,
            max_depth=DEPTH,
            max_leaf_nodes=None,
            learning_rate=0.1,
            max_bins=255,
            early_stopping=False,
            random_state=0,
        )
        return timed(lambda: est.fit(X, y, sample_weight=w_ref))

    return {"raw": raw, "raw_quantile": raw_quantile, "sklhep": sklhep, "hgbc": hgbc}


def run(cfg: SuiteConfig) -> list[dict[str, Any]]:
    n = cfg.events(300_000, 50_000)
    repeats = cfg.reps(5, 3)
    rows: list[dict[str, Any]] = []
    for case, neg, target in (("w>=0", 0.0, 1.1), ("signed", 0.10, 1.6)):
        X, y, w = make_classification(n, N_FEATURES, neg_fraction=neg, seed=2)
        assert w is not None
        times = interleave(contenders(X, y, w, cfg.device), repeats)
        common = {"events": n, "device": cfg.device, "trees": N_TREES, "max_depth": DEPTH}
        reference = "raw" if neg == 0 else "raw on abs(w)"
        times[reference] = times["raw"]
        rows += [
            ratio_row(
                PART,
                case,
                "sklhep",
                reference,
                times,
                kind="time",
                target=("<=", target),
                **common,
            ),
            ratio_row(PART, case, "sklhep", "raw_quantile", times, kind="time", **common),
            ratio_row(PART, case, "hgbc", reference, times, kind="time", **common),
            ratio_row(PART, case, "sklhep", "hgbc", times, kind="time", **common),
        ]
    return rows
