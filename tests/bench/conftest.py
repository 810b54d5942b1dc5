"""Fixtures of the ``sklhep bench`` tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def root_samples(tmp_path):
    uproot = pytest.importorskip("uproot")
    rng = np.random.default_rng(1)
    paths = {}
    for name, shift in (("sig", 1.0), ("bkg", 0.0)):
        path = tmp_path / f"{name}.root"
        with uproot.recreate(path) as f:
            f.mktree("tree", {"pt": np.float64, "eta": np.float64, "w": np.float64})
            n = 1500
            f["tree"].extend(
                {
                    "pt": rng.exponential(30, n) + 20 * shift,
                    "eta": rng.normal(0, 1 + shift, n),
                    "w": np.where(rng.random(n) < 0.1, -1.0, 1.0),
                }
            )
        paths[name] = path
    return paths
