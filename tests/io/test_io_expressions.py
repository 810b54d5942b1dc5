"""The jagged-collection syntax: Jet_pt[k], n(...), sum/min/max/mean(...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sklhep.io import JaggedBranchError, read_root

nan = np.nan


def _read(root_dir: Path, branches: list[str], **kwargs: object):
    return read_root(root_dir / "jets.root", tree="Events", branches=branches, **kwargs)


def test_index_rule_pads_with_nan(root_dir: Path) -> None:
    df = _read(root_dir, ["Jet_pt[0]", "Jet_pt[1]", "Jet_pt[3]"])
    assert list(df.columns[:3]) == ["Jet_pt[0]", "Jet_pt[1]", "Jet_pt[3]"]
    np.testing.assert_array_equal(df["Jet_pt[0]"], [50, nan, 40, 70, nan, 90])
    np.testing.assert_array_equal(df["Jet_pt[1]"], [30, nan, nan, 20, nan, 60])
    np.testing.assert_array_equal(df["Jet_pt[3]"], [nan, nan, nan, nan, nan, 5])
    assert df["Jet_pt[0]"].dtype == np.float32  # float collections keep their dtype


def test_multiplicity_and_reductions(root_dir: Path, jets: dict) -> None:
    jet_pt = jets["Jet_pt"]
    df = _read(
        root_dir, ["n(Jet_pt)", "sum(Jet_pt)", "min(Jet_pt)", "max(Jet_pt)", "mean(Jet_pt)"]
    )
    np.testing.assert_array_equal(df["n(Jet_pt)"], [len(j) for j in jet_pt])
    assert df["n(Jet_pt)"].dtype == np.int64
    np.testing.assert_allclose(df["sum(Jet_pt)"], [sum(j) for j in jet_pt])
    expected_min = [min(j) if j else nan for j in jet_pt]
    np.testing.assert_array_equal(df["min(Jet_pt)"], expected_min)
    np.testing.assert_array_equal(df["max(Jet_pt)"], [max(j) if j else nan for j in jet_pt])
    np.testing.assert_allclose(df["mean(Jet_pt)"], [np.mean(j) if j else nan for j in jet_pt])


def test_integer_and_boolean_collections_become_float(root_dir: Path, jets: dict) -> None:
    jet_q, jet_id = jets["Jet_q"], jets["Jet_id"]
    df = _read(root_dir, ["Jet_q[0]", "Jet_id[1]", "sum(Jet_id)", "max(Jet_q)"])
    np.testing.assert_array_equal(df["Jet_q[0]"], [j[0] if j else nan for j in jet_q])
    assert df["Jet_q[0]"].dtype == np.float64
    np.testing.assert_array_equal(
        df["Jet_id[1]"], [float(j[1]) if len(j) > 1 else nan for j in jet_id]
    )
    np.testing.assert_array_equal(df["sum(Jet_id)"], [sum(j) for j in jet_id])
    np.testing.assert_array_equal(df["max(Jet_q)"], [max(j) if j else nan for j in jet_q])


def test_rules_mix_with_flat_branches_cut_weight_and_event(root_dir: Path, jets: dict) -> None:
    jet_q = jets["Jet_q"]
    df = _read(
        root_dir,
        ["met", "Jet_pt[0]", "n(Jet_q)"],
        cut="met >= 20",
        weight="genWeight",
        event="event",
    )
    keep = np.arange(6) >= 2
    np.testing.assert_array_equal(df["met"], (np.arange(6) * 10)[keep])
    np.testing.assert_array_equal(df["Jet_pt[0]"], np.array([50, nan, 40, 70, nan, 90])[keep])
    np.testing.assert_array_equal(df["n(Jet_q)"], np.array([len(j) for j in jet_q])[keep])
    np.testing.assert_array_equal(df["weight"], np.array([1, -1, 1, 1, -1, 1])[keep])
    np.testing.assert_array_equal(df["event"], (np.arange(6) + 100)[keep])
    # the same rows whether read at once or in small steps
    stepped = _read(
        root_dir,
        ["met", "Jet_pt[0]", "n(Jet_q)"],
        cut="met >= 20",
        weight="genWeight",
        event="event",
        step_size=4,
    )
    assert stepped.equals(df)


@pytest.mark.parametrize(
    ("request_", "match"),
    [
        ("met[0]", "not a collection"),
        ("Jet_pt[-1]", "count from 0"),
        ("median(Jet_pt)", "unknown reduction"),
    ],
)
def test_rule_errors(root_dir: Path, request_: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _read(root_dir, [request_])


def test_fixed_size_arrays_take_the_same_rules(tmp_path: Path) -> None:
    import uproot

    path = tmp_path / "fixed.root"
    with uproot.recreate(path) as f:
        f.mktree("t", {"v": np.dtype((np.float32, (3,)))}).extend(
            {"v": np.arange(12, dtype=np.float32).reshape(4, 3)}
        )
    df = read_root(path, tree="t", branches=["v[0]", "v[2]", "v[3]", "n(v)", "sum(v)"])
    np.testing.assert_array_equal(df["v[0]"], [0, 3, 6, 9])
    np.testing.assert_array_equal(df["v[2]"], [2, 5, 8, 11])
    assert df["v[3]"].isna().all()
    np.testing.assert_array_equal(df["n(v)"], [3, 3, 3, 3])
    np.testing.assert_array_equal(df["sum(v)"], [3, 12, 21, 30])
    with pytest.raises(JaggedBranchError, match=r"'v\[0\]'"):
        read_root(path, tree="t", branches=["v"])
