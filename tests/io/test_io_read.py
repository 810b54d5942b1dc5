"""read_root: every option and every error, on small files written in tmp_path."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import uproot

from sklhep.io import (
    BranchNotFoundError,
    JaggedBranchError,
    TreeNotFoundError,
    read_root,
)


def _plain(path: Path, branches: list[str], tree: str = "events") -> dict[str, np.ndarray]:
    with uproot.open(path) as f:
        return f[tree].arrays(branches, library="np")


def test_single_file_columns_dtypes_and_values(root_dir: Path) -> None:
    df = read_root(root_dir / "sig.root", tree="events", branches=["x", "y"])
    assert list(df.columns) == ["x", "y", "weight", "label", "sample"]
    assert df["x"].dtype == np.float32  # stored dtype kept, no conversion
    assert df["y"].dtype == np.float64
    assert df["weight"].dtype == np.float64
    assert df["label"].dtype == np.int64
    assert isinstance(df["sample"].dtype, pd.CategoricalDtype)
    assert list(df["sample"].cat.categories) == ["sample"]
    assert isinstance(df.index, pd.RangeIndex)
    plain = _plain(root_dir / "sig.root", ["x", "y"])
    np.testing.assert_array_equal(df["x"].to_numpy(), plain["x"])
    np.testing.assert_array_equal(df["y"].to_numpy(), plain["y"])
    np.testing.assert_array_equal(df["weight"].to_numpy(), np.ones(300))
    assert (df["label"] == 0).all()


def test_mapping_gives_labels_in_order_and_rows_in_order(root_dir: Path) -> None:
    samples = {
        "bkg": root_dir / "bkg.root",
        "sig": str(root_dir / "sig.root"),
        "bkg2": [root_dir / "bkg2_a.root", root_dir / "bkg2_b.root"],
    }
    df = read_root(samples, tree="events", branches=["y"])
    assert list(df["sample"].cat.categories) == ["bkg", "sig", "bkg2"]
    assert df.groupby("sample", observed=True).size().to_dict() == {
        "bkg": 200,
        "sig": 300,
        "bkg2": 200,
    }
    assert df.groupby("sample", observed=True)["label"].unique().map(list).to_dict() == {
        "bkg": [0],
        "sig": [1],
        "bkg2": [2],
    }
    # rows: sample by sample, file by file, entry by entry
    expected = np.concatenate(
        [
            _plain(root_dir / f, ["y"])["y"]
            for f in ("bkg.root", "sig.root", "bkg2_a.root", "bkg2_b.root")
        ]
    )
    np.testing.assert_array_equal(df["y"].to_numpy(), expected)


def test_labels_mapping_lets_samples_share_a_class(root_dir: Path) -> None:
    samples = {"sig": root_dir / "sig.root", "bkg": root_dir / "bkg.root"}
    samples["bkg2"] = str(root_dir / "bkg2_*.root")
    df = read_root(samples, tree="events", branches=["x"], labels={"sig": 1, "bkg": 0, "bkg2": 0})
    assert df.loc[df["sample"] == "sig", "label"].eq(1).all()
    assert df.loc[df["sample"] != "sig", "label"].eq(0).all()
    assert df["label"].dtype == np.int64

    named = read_root(samples, tree="events", branches=["x"], labels=dict.fromkeys(samples, "b"))
    assert set(named["label"]) == {"b"}


def test_weight_branch_expression_and_negative_weights(root_dir: Path) -> None:
    path = root_dir / "sig.root"
    w = _plain(path, ["w"])["w"]
    df = read_root(path, tree="events", branches=["x"], weight="w")
    np.testing.assert_array_equal(df["weight"].to_numpy(), w)
    assert (df["weight"] < 0).mean() == pytest.approx((w < 0).mean())
    assert (df["weight"] < 0).any()  # negative weights are kept as they are

    df2 = read_root(path, tree="events", branches=["x"], weight="w * abs(y)")
    np.testing.assert_allclose(df2["weight"], w * np.abs(_plain(path, ["y"])["y"]))


def test_sample_scale_multiplies_weights(root_dir: Path) -> None:
    samples = {"sig": root_dir / "sig.root", "bkg": root_dir / "bkg.root"}
    df = read_root(samples, tree="events", branches=["w"], weight="w", sample_scale={"sig": 2.5})
    sig = df[df["sample"] == "sig"]
    np.testing.assert_allclose(sig["weight"], 2.5 * sig["w"])
    bkg = df[df["sample"] == "bkg"]
    np.testing.assert_array_equal(bkg["weight"], bkg["w"])  # not in the mapping: factor 1
    # the feature column "w" is not scaled along with the weight
    np.testing.assert_array_equal(sig["w"], _plain(root_dir / "sig.root", ["w"])["w"])

    unit = read_root(samples, tree="events", branches=["x"], sample_scale={"bkg": 0.5})
    assert unit.groupby("sample", observed=True)["weight"].unique().map(list).to_dict() == {
        "sig": [1.0],
        "bkg": [0.5],
    }


def test_cut_and_event(root_dir: Path) -> None:
    path = root_dir / "sig.root"
    plain = _plain(path, ["x", "y", "w", "evt", "ok"])
    mask = (plain["x"] > 0) & plain["ok"]
    df = read_root(path, tree="events", branches=["x", "y"], weight="w", cut="(x > 0) & ok",
                   event="evt")  # fmt: skip
    assert list(df.columns) == ["x", "y", "weight", "label", "sample", "event"]
    np.testing.assert_array_equal(df["y"], plain["y"][mask])
    np.testing.assert_array_equal(df["weight"], plain["w"][mask])
    np.testing.assert_array_equal(df["event"], plain["evt"][mask])
    assert df["event"].dtype == np.int64


def test_max_entries_spans_files_and_step_size_gives_the_same_result(root_dir: Path) -> None:
    samples = {"bkg2": [root_dir / "bkg2_a.root", root_dir / "bkg2_b.root"]}
    df = read_root(samples, tree="events", branches=["evt"], max_entries=150)
    expected = np.concatenate(
        [_plain(root_dir / "bkg2_a.root", ["evt"])["evt"], _plain(root_dir / "bkg2_b.root",
                                                                  ["evt"])["evt"][:30]]
    )  # fmt: skip
    np.testing.assert_array_equal(df["evt"], expected)

    whole = read_root(samples, tree="events", branches=["x", "y"], weight="w", cut="y > 0")
    for step in (7, "1 kB"):
        stepped = read_root(
            samples, tree="events", branches=["x", "y"], weight="w", cut="y > 0", step_size=step
        )
        pd.testing.assert_frame_equal(stepped, whole)


def test_branch_mapping_renames_and_expressions(root_dir: Path) -> None:
    path = root_dir / "sig.root"
    df = read_root(path, tree="events", branches={"weight_branch": "w", "r": "sqrt(x**2 + y**2)"})
    plain = _plain(path, ["x", "y", "w"])
    assert list(df.columns[:2]) == ["weight_branch", "r"]
    np.testing.assert_array_equal(df["weight_branch"], plain["w"])
    np.testing.assert_allclose(df["r"], np.sqrt(plain["x"] ** 2 + plain["y"] ** 2), rtol=1e-6)


# --------------------------------------------------------------------------- errors
def test_missing_file_and_empty_glob(root_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"Sample 'sig': file .*sgi\.root.*Did you mean"):
        read_root({"sig": root_dir / "sgi.root"}, tree="events", branches=["x"])
    with pytest.raises(FileNotFoundError, match="matches no file"):
        read_root(str(root_dir / "nothing_*.root"), tree="events", branches=["x"])
    with pytest.raises(FileNotFoundError, match="directory"):
        read_root(root_dir, tree="events", branches=["x"])


def test_not_a_root_file(root_dir: Path) -> None:
    with pytest.raises(ValueError, match="cannot be opened as a ROOT file"):
        read_root(root_dir / "notroot.root", tree="events", branches=["x"])


def test_missing_tree_lists_the_trees(root_dir: Path) -> None:
    with pytest.raises(TreeNotFoundError, match=r"no tree 'events'.*'Events'.*'Runs'") as info:
        read_root(root_dir / "jets.root", tree="events", branches=["met"])
    assert isinstance(info.value, KeyError)
    assert str(info.value).startswith("Sample")  # readable, not a quoted repr


@pytest.mark.parametrize(
    ("kwargs", "missing", "suggestion"),
    [
        ({"branches": ["Jet_ptt[0]"]}, "Jet_ptt", "Jet_pt"),
        ({"branches": ["mett"]}, "mett", "met"),
        ({"branches": ["met * 2 + Met"]}, "Met", "met"),
        ({"branches": ["met"], "weight": "genweight"}, "genweight", "genWeight"),
        ({"branches": ["met"], "cut": "mte > 1"}, "mte", "met"),
        ({"branches": ["met"], "event": "evnt"}, "evnt", "event"),
    ],
)
def test_missing_branch_suggests_close_matches(
    root_dir: Path, kwargs: dict, missing: str, suggestion: str
) -> None:
    with pytest.raises(BranchNotFoundError) as info:
        read_root(root_dir / "jets.root", tree="Events", **kwargs)
    message = str(info.value)
    assert f"Branch {missing!r}" in message
    assert f"Did you mean {suggestion!r}" in message or f"{suggestion!r} or" in message
    assert "The branches of that tree are:" in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"branches": ["Jet_pt"]},
        {"branches": ["Jet_pt * 2"]},
        {"branches": ["met"], "weight": "Jet_q"},
    ],
)
def test_jagged_branch_without_rule(root_dir: Path, kwargs: dict) -> None:
    with pytest.raises(JaggedBranchError, match=r"jagged collection.*\[0\].*n\(") as info:
        read_root(root_dir / "jets.root", tree="Events", **kwargs)
    assert isinstance(info.value, ValueError)


def test_cut_that_leaves_no_events(root_dir: Path) -> None:
    samples = {"sig": root_dir / "sig.root", "bkg": root_dir / "bkg.root"}
    with pytest.raises(ValueError, match=r"cut 'y > 1e9' leaves no events of sample 'sig'"):
        read_root(samples, tree="events", branches=["x"], cut="y > 1e9")
    with pytest.raises(ValueError, match="not True/False"):
        read_root(samples, tree="events", branches=["x"], cut="y * 2")
    with pytest.raises(ValueError, match="not True/False"):
        read_root(root_dir / "jets.root", tree="Events", branches=["met"], cut="n(Jet_pt)")


def test_nan_and_inf_weights_name_the_sample_file_and_count(root_dir: Path) -> None:
    path = root_dir / "nanw.root"
    with pytest.raises(ValueError) as info:
        read_root({"ttbar": path}, tree="events", branches=["x"], weight="w")
    message = str(info.value)
    assert "'ttbar'" in message
    assert "2 non-finite value(s)" in message
    assert "nanw.root" in message
    assert "entry 7" in message
    # with a cut that removes entry 7, the first bad event is entry 12
    with pytest.raises(ValueError, match="entry 12"):
        read_root({"ttbar": path}, tree="events", branches=["x"], weight="w", cut="evt != 5007")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"branches": ["x", "weight"]}, ValueError, "taken by the column"),
        ({"branches": ["x", "evt"], "event": "evt"}, None, None),
        ({"branches": ["x", "event"], "event": "evt"}, ValueError, "taken by the column"),
        ({"branches": ["x", "x"]}, ValueError, "twice"),
        ({"branches": []}, ValueError, "empty"),
        ({"branches": [3]}, TypeError, "non-empty strings"),
        ({"branches": ["x"], "labels": {"sig": 1}}, ValueError, "no label for samples"),
        (
            {"branches": ["x"], "labels": {"sig": 1, "bkg": 0, "z": 2}},
            ValueError,
            "not in samples",
        ),
        ({"branches": ["x"], "labels": [0, 1]}, TypeError, "mapping"),
        ({"branches": ["x"], "sample_scale": {"zz": 1.0}}, ValueError, "not in samples"),
        ({"branches": ["x"], "sample_scale": {"sig": np.nan}}, ValueError, "finite"),
        ({"branches": ["x"], "sample_scale": 2.0}, TypeError, "mapping"),
        ({"branches": ["x"], "max_entries": 0}, ValueError, "positive integer"),
        ({"branches": ["x"], "step_size": -5}, ValueError, "positive integer"),
        ({"branches": ["x"], "step_size": "lots"}, ValueError, "memory size"),
        ({"branches": ["x +"]}, ValueError, "not a branch name"),
        ({"branches": ["x"], "tree": ""}, TypeError, "TTree"),
    ],
)
def test_argument_errors(root_dir: Path, kwargs: dict, error: type | None, match: str) -> None:
    samples = {"sig": root_dir / "sig.root", "bkg": root_dir / "bkg.root"}
    kwargs = {"tree": "events", **kwargs}
    if error is None:
        read_root(samples, **kwargs)
        return
    with pytest.raises(error, match=re.escape(match) if "(" in match else match):
        read_root(samples, **kwargs)
