"""read_root_dask: lazy, partitioned, and equal to read_root row for row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import dask
import numpy as np
import pandas as pd
import pytest
import uproot
from dask_timeouts import bounded

from sklhep.io import BranchNotFoundError, TreeNotFoundError, read_root, read_root_dask


def _flat(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.normal(1.0, 0.5, size=n)
    w[rng.random(n) < 0.2] *= -1
    return {
        "x": rng.normal(size=n).astype(np.float32),
        "y": rng.normal(size=n),
        "w": w,
        "evt": np.arange(n, dtype=np.int64) + 1000 * seed,
        "ok": rng.random(n) < 0.7,
        "Jet_pt": ak.values_astype(
            ak.unflatten(rng.exponential(40.0, size=2 * n), _counts(rng, n)), np.float32
        ),
    }


def _counts(rng: np.random.Generator, n: int) -> np.ndarray:
    counts = rng.integers(0, 4, size=n)
    counts[-1] += 2 * n - counts.sum()  # the collection holds exactly 2n jets
    if counts[-1] < 0:  # pragma: no cover - rng dependent guard
        counts = np.full(n, 2)
    return counts


def _write(path: Path, arrays: dict[str, Any]) -> None:
    types = {k: "var * float32" if k == "Jet_pt" else v.dtype for k, v in arrays.items()}
    with uproot.recreate(path) as f:
        f.mktree("events", types).extend(arrays)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("dask_root")
    _write(d / "sig.root", _flat(700, 1))
    _write(d / "bkg_a.root", _flat(400, 2))
    _write(d / "bkg_b.root", _flat(300, 3))
    bad = _flat(50, 4)
    bad["w"][17] = np.nan
    _write(d / "nan.root", bad)
    return {"sig": str(d / "sig.root"), "bkg": str(d / "bkg_*.root"), "nan": str(d / "nan.root")}


KW: dict[str, Any] = {
    "tree": "events",
    "branches": ["x", "y", "sqrt(x**2 + y**2)", "Jet_pt[0]", "n(Jet_pt)", "sum(Jet_pt)"],
    "weight": "w",
    "event": "evt",
    "sample_scale": {"bkg": 0.5},
}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"step_size": 150},
        {"cut": "ok & (x > -1)", "step_size": 200},
        {"max_entries": 500, "step_size": "10 kB"},
        {"labels": {"sig": 1, "bkg": 0}},
    ],
    ids=["per-file", "steps", "cut", "max-entries", "labels"],
)
def test_read_root_dask_matches_read_root(
    client: Any, files: dict[str, str], extra: dict[str, Any]
) -> None:
    samples = {"sig": files["sig"], "bkg": files["bkg"]}
    expected = read_root(samples, **KW, **extra)
    ddf = read_root_dask(samples, **KW, **extra)
    assert list(ddf.columns) == list(expected.columns)
    assert ddf.dtypes.to_dict() == expected.dtypes.to_dict()
    got = bounded(lambda: client.compute(ddf).result(timeout=60))
    if "cut" in extra:
        assert not ddf.known_divisions
        got = got.reset_index(drop=True)
    else:
        assert ddf.known_divisions
        assert ddf.npartitions >= 3
    pd.testing.assert_frame_equal(got, expected)


def test_read_root_dask_string_labels(files: dict[str, str]) -> None:
    samples = {"sig": files["sig"], "bkg": files["bkg"]}
    labels = {"sig": "signal", "bkg": "background"}
    expected = read_root(samples, **KW, labels=labels)
    with dask.config.set({"scheduler": "sync", "dataframe.convert-string": False}):
        got = read_root_dask(samples, **KW, labels=labels).compute()
    pd.testing.assert_frame_equal(got, expected)


def test_read_root_dask_errors(files: dict[str, str]) -> None:
    with pytest.raises(TreeNotFoundError, match="no tree 'Events'"):
        read_root_dask(files["sig"], tree="Events", branches=["x"])
    with pytest.raises(BranchNotFoundError, match="'xx'"):
        read_root_dask(files["sig"], tree="events", branches=["xx"])
    with pytest.raises(FileNotFoundError, match="matches no file"):
        read_root_dask("/nonexistent/*.root", tree="events", branches=["x"])
    # Data errors are raised when the partition holding them is computed.
    ddf = read_root_dask(files["nan"], tree="events", branches=["x"], weight="w")
    with (
        dask.config.set(scheduler="sync"),
        pytest.raises(ValueError, match="first such event is entry 17"),
    ):
        ddf.compute()
