"""Setup of docs/io.md: small NanoAOD-like and Offshell-tutorial-like ROOT files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot


def write_events(path: Path, n: int, seed: int, signal: bool = False) -> None:
    """A NanoAOD-like ``Events`` tree: jets (``nJet``, ``Jet_pt``, ``Jet_eta``, ``Jet_phi``,
    ``Jet_px``, ``Jet_py``), ``MET_pt``, ``MET_phi``, signed ``genWeight``, ``puWeight``,
    ``event``. Some events have no jet or one jet, so ``Jet_pt[1]`` has NaN."""
    rng = np.random.default_rng(seed)
    n_jet = rng.poisson(3.5 if signal else 2.5, size=n)
    total = int(n_jet.sum())
    pt = (rng.exponential(40.0, total) + 20.0).astype(np.float32)
    eta = rng.normal(0.0, 1.5, total).astype(np.float32)
    phi = rng.uniform(-np.pi, np.pi, total).astype(np.float32)
    jets = ak.unflatten(
        ak.zip(
            {
                "pt": pt,
                "eta": eta,
                "phi": phi,
                "px": (pt * np.cos(phi)).astype(np.float32),
                "py": (pt * np.sin(phi)).astype(np.float32),
            }
        ),
        n_jet,
    )
    jets = jets[ak.argsort(jets.pt, ascending=False)]  # leading jet first, as in NanoAOD
    gen_weight = np.where(rng.random(n) < 0.1, -1.0, 1.0).astype(np.float32)
    branches = {
        "Jet": jets,
        "MET_pt": rng.exponential(50.0 if signal else 35.0, n).astype(np.float32),
        "MET_phi": rng.uniform(-np.pi, np.pi, n).astype(np.float32),
        "genWeight": gen_weight,
        "puWeight": rng.normal(1.0, 0.05, n).astype(np.float32),
        "event": np.arange(n, dtype=np.uint64) + 10_000 * seed,
    }
    write_tree(path, "Events", branches)


def write_tree(path: Path, tree: str, branches: dict[str, Any]) -> None:
    """A TTree (``f[tree] = ...`` would write an RNTuple for awkward arrays)."""
    types = {k: v.type if isinstance(v, ak.Array) else v.dtype for k, v in branches.items()}
    with uproot.recreate(path) as f:
        f.mktree(tree, types).extend(branches)


def write_nanoaod_like(tmp_path: Path) -> None:
    """The files the pages read: ``ttH_*.root``, ``tt_*.root`` and ``wjets.root``."""
    write_events(tmp_path / "ttH_1.root", 300, 1, signal=True)
    write_events(tmp_path / "ttH_2.root", 200, 2, signal=True)
    write_events(tmp_path / "tt_1.root", 300, 3)
    write_events(tmp_path / "tt_2.root", 200, 4)
    write_events(tmp_path / "wjets.root", 300, 5)


def setup(tmp_path: Path) -> dict[str, Any]:
    write_nanoaod_like(tmp_path)
    rng = np.random.default_rng(0)
    for name, shift in (("sig", 1.0), ("bkg1", 0.0), ("bkg2", -1.0)):
        arrays = {k: rng.normal(shift, 1.0, 500) for k in ("pt", "mass", "eta")}
        write_tree(tmp_path / f"{name}_Events.root", "tree", arrays)
    return {
        "samples": {"ttH": "ttH_*.root", "ttbar": ["tt_1.root", "tt_2.root"]},
        "features": ["MET_pt", "Jet_pt[0]", "Jet_pt[1]", "n(Jet_pt)", "sum(Jet_pt)"],
    }
