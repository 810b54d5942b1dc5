"""Small ROOT files written with uproot for the sklhep.io tests."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

FLAT_TYPES = {"x": np.float32, "y": np.float64, "w": np.float64, "evt": np.int64, "ok": np.bool_}


def flat_arrays(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.normal(1.0, 0.5, size=n)
    w[rng.random(n) < 0.2] *= -1  # 20 % negative weights, as from an NLO generator
    return {
        "x": rng.normal(size=n).astype(np.float32),
        "y": rng.normal(size=n),
        "w": w,
        "evt": np.arange(n, dtype=np.int64) + 1000 * seed,
        "ok": rng.random(n) < 0.7,
    }


def write_flat(path: Path, arrays: dict[str, np.ndarray], tree: str = "events") -> None:
    with uproot.recreate(path) as f:
        f.mktree(tree, {k: v.dtype for k, v in arrays.items()}).extend(arrays)


#: The jagged test file: 6 events, jets with float32 pT, int32 charges, bool ids.
JET_PT = [[50.0, 30.0, 10.0], [], [40.0], [70.0, 20.0], [], [90.0, 60.0, 45.0, 5.0]]
JET_Q = [[1, -1, 1], [], [-1], [1, 1], [], [-1, -1, 1, 1]]
JET_ID = [[True, False, True], [], [True], [False, False], [], [True, True, True, False]]


@pytest.fixture(scope="session")
def jets() -> dict[str, list[list]]:
    """The collections stored in ``jets.root``."""
    return {"Jet_pt": JET_PT, "Jet_q": JET_Q, "Jet_id": JET_ID}


@pytest.fixture(scope="session")
def root_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with flat samples (sig, bkg, bkg2 in two files), a jagged file, bad weights."""
    d = tmp_path_factory.mktemp("root")
    write_flat(d / "sig.root", flat_arrays(300, 1))
    write_flat(d / "bkg.root", flat_arrays(200, 2))
    write_flat(d / "bkg2_a.root", flat_arrays(120, 3))
    write_flat(d / "bkg2_b.root", flat_arrays(80, 4))

    with uproot.recreate(d / "jets.root") as f:
        tree = f.mktree(
            "Events",
            {
                "Jet_pt": "var * float32",
                "Jet_q": "var * int32",
                "Jet_id": "var * bool",
                "met": np.float32,
                "genWeight": np.float32,
                "event": np.uint64,
            },
        )
        tree.extend(
            {
                "Jet_pt": ak.values_astype(ak.Array(JET_PT), np.float32),
                "Jet_q": ak.values_astype(ak.Array(JET_Q), np.int32),
                "Jet_id": ak.Array(JET_ID),
                "met": np.arange(6, dtype=np.float32) * 10,
                "genWeight": np.array([1, -1, 1, 1, -1, 1], dtype=np.float32),
                "event": np.arange(6, dtype=np.uint64) + 100,
            }
        )
        f.mktree("Runs", {"run": np.int32}).extend({"run": np.array([1], dtype=np.int32)})

    bad = flat_arrays(50, 5)
    bad["w"][7] = np.nan
    bad["w"][12] = np.inf
    write_flat(d / "nanw.root", bad)
    (d / "notroot.root").write_bytes(b"this is not a ROOT file" * 10)
    return d


#: The expressions test file (``objects.root``, tree ``Events``): 5 events with jets given
#: by px, py (pT = 50, 20, 10 / - / 10 / 13, 15 / 13), a jet eta and id, muons of a
#: different multiplicity, and a flat MET that is 0 in event 1.
OBJECTS = {
    "Jet_px": [[30.0, 0.0, 6.0], [], [-8.0], [5.0, 9.0], [12.0]],
    "Jet_py": [[40.0, 20.0, 8.0], [], [6.0], [12.0, 12.0], [-5.0]],
    "Jet_eta": [[0.5, -2.5, 1.0], [], [3.0], [-1.0, 2.0], [0.0]],
    "Jet_id": [[True, False, True], [], [False], [True, True], [True]],
    "Jet_q": [[1, -1, 1], [], [-1], [1, 1], [-1]],
    "Muon_pt": [[25.0], [10.0, 5.0], [], [], [7.0]],
}
OBJECTS_FLAT = {
    "MET_pt": np.array([10.0, 0.0, 20.0, 40.0, 5.0]),
    "nJet": np.array([3, 0, 1, 2, 1], dtype=np.int32),
    "w": np.array([1.0, -0.5, 2.0, 1.0, -1.0]),
}


@pytest.fixture(scope="session")
def objects_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``objects.root``: the collections of :data:`OBJECTS` and the flat :data:`OBJECTS_FLAT`."""
    path = tmp_path_factory.mktemp("objects") / "objects.root"
    types = {"Jet_px": np.float64, "Jet_py": np.float64, "Jet_eta": np.float32,
             "Jet_id": np.bool_, "Jet_q": np.int32, "Muon_pt": np.float32}  # fmt: skip
    with uproot.recreate(path) as f:
        branches = {k: f"var * {np.dtype(t).name}" for k, t in types.items()}
        branches["Jet_id"] = "var * bool"
        tree = f.mktree("Events", {**branches, **{k: v.dtype for k, v in OBJECTS_FLAT.items()}})
        tree.extend(
            {
                **{k: ak.values_astype(ak.Array(OBJECTS[k]), t) for k, t in types.items()},
                **OBJECTS_FLAT,
            }
        )
    return path
