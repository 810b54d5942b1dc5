"""Setup of docs/mlp.md: a small signed-weight sample, a test set and streamed chunks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from sklhep.datasets import make_signal_background

# fewer epochs: the page's example trains 50
REPLACEMENTS = [("max_epochs=50,", "max_epochs=5,")]


def setup(tmp_path: Path) -> dict[str, Any]:
    df = make_signal_background(4_000, n_features=6, negative_fraction=0.15, random_state=0)
    features = [c for c in df.columns if c not in ("weight", "label", "sample", "event")]
    train, test = train_test_split(df, test_size=0.25, stratify=df["label"], random_state=0)
    X = train[features].to_numpy(np.float32)
    y = train["label"].to_numpy()
    w = train["weight"].to_numpy()
    # what ``uproot.iterate`` would give: consecutive chunks of the training events
    chunks = [
        (X[i : i + 1_000], y[i : i + 1_000], w[i : i + 1_000]) for i in range(0, len(y), 1_000)
    ]
    return {
        "X": X,
        "y": y,
        "w": w,
        "X_test": test[features].to_numpy(np.float32),
        "chunks": chunks,
    }
