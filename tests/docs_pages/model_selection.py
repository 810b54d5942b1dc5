"""Setup of docs/model_selection.md: the estimator, grid and signed-weight sample the page
calls ``est``, ``grid``, ``X``, ``y``, ``w`` and ``event_number``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sklearn.linear_model import LogisticRegression

from sklhep.datasets import make_signal_background


def setup(tmp_path: Path) -> dict[str, Any]:
    df = make_signal_background(3000, negative_fraction=0.15, random_state=0)
    return {
        "est": LogisticRegression(),
        "grid": {"C": [0.1, 1.0, 10.0]},
        "X": df.drop(columns=["weight", "label", "sample", "event"]),
        "y": df["label"],
        "w": df["weight"],
        "event_number": df["event"],
    }
