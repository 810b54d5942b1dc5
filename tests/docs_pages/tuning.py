"""Setup of docs/tuning.md: the names the page assumes (the ``estimator`` and
``param_distributions`` of the signature, the training arrays of the optuna objective),
and fewer events, trials, trees and epochs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import optuna

from sklhep import BDTClassifier
from sklhep.datasets import make_signal_background


def setup(tmp_path: Path) -> dict[str, Any]:
    df = make_signal_background(1000, negative_fraction=0.15, random_state=0)
    return {
        "estimator": BDTClassifier(),
        "param_distributions": {"max_depth": optuna.distributions.IntDistribution(2, 8)},
        "X_train": df.drop(columns=["weight", "label", "sample", "event"]),
        "y_train": df["label"],
        "w_train": df["weight"],
    }


REPLACEMENTS = [
    # the Bayesian search over the MLP and the BDT
    ("make_signal_background(50_000,", "make_signal_background(2000,"),
    ("n_estimators=300,", "n_estimators=20,"),
    ("n_trials=40,", "n_trials=3,"),
    ("max_epochs=50,", "max_epochs=3,"),
    # TPE against random search (also the MLP search's n_trials=30)
    ("make_signal_background(6000,", "make_signal_background(1500,"),
    ("make_signal_background(20000,", "make_signal_background(2000,"),
    ("for seed in (0, 1, 2):", "for seed in (0,):"),
    ("n_trials=30,", "n_trials=2,"),
    # the optuna objective with a pruning callback
    (
        "early_stopping=True,\n        callbacks=",
        "early_stopping=True,\n        max_epochs=3,\n        callbacks=",
    ),
    ("n_trials=50)", "n_trials=2)"),
]
