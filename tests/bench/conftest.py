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


@pytest.fixture
def jet_samples(tmp_path):
    """Signal and background ROOT files with a jet collection: ``Jet_pt[0]`` is NaN in the
    events without jets (more of them in the background), as ``read_root`` documents."""
    uproot = pytest.importorskip("uproot")
    ak = pytest.importorskip("awkward")
    rng = np.random.default_rng(2)
    paths = {}
    for name, shift, mean_jets in (("sig", 1.0, 1.5), ("bkg", 0.0, 0.6)):
        n = 1500
        counts = rng.poisson(mean_jets, n)
        jet_pt = ak.unflatten(
            (rng.exponential(40, counts.sum()) + 20 * shift).astype(np.float32), counts
        )
        path = tmp_path / f"jets_{name}.root"
        with uproot.recreate(path) as f:
            tree = f.mktree("Events", {"met": np.float64, "Jet_pt": "var * float32"})
            tree.extend({"met": rng.exponential(30, n) + 15 * shift, "Jet_pt": jet_pt})
        paths[name] = path
    return paths
