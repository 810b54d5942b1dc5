"""Setup of docs/bench.md: a small stand-in for ``higgs_uci_subset/binary.{train,test}``.

The real files (``../shared/data``) are not in a user's clone nor in CI; the stand-in has
their format: tab-separated, the label (0 or 1) in column 0, then 28 features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

REPLACEMENTS = [('d = "../shared/data/higgs_uci_subset/"', 'd = "higgs_uci_subset/"')]


def setup(tmp_path: Path) -> dict[str, Any]:
    d = tmp_path / "higgs_uci_subset"  # the page runs in tmp_path
    d.mkdir()
    rng = np.random.default_rng(0)
    for name, n in (("binary.train", 70), ("binary.test", 30)):
        label = rng.integers(0, 2, n)
        features = rng.normal(size=(n, 28)) + 0.5 * label[:, None]
        rows = np.column_stack([label, features])
        np.savetxt(d / name, rows, fmt=["%d"] + ["%.3f"] * 28, delimiter="\t")
    return {}
