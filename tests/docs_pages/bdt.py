"""Setup of docs/bdt.md: a small signed-weight sample split into training and test events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sklearn.model_selection import train_test_split

from sklhep.datasets import make_signal_background

# fewer boosting rounds (early stopping is on in the page's example anyway)
REPLACEMENTS = [("n_estimators=300,", "n_estimators=40,")]


def setup(tmp_path: Path) -> dict[str, Any]:
    df = make_signal_background(4_000, n_features=6, negative_fraction=0.15, random_state=0)
    features = [c for c in df.columns if c not in ("weight", "label", "sample", "event")]
    train, test = train_test_split(df, test_size=0.25, stratify=df["label"], random_state=0)
    return {
        "X": train[features].to_numpy(),
        "y": train["label"].to_numpy(),
        "w": train["weight"].to_numpy(),
        "X_test": test[features].to_numpy(),
    }
