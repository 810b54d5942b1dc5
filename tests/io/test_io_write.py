"""write_root: round trips, friend-tree alignment, update mode, atomicity, errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pytest
import uproot

import sklhep.io._write as write_module
from sklhep.io import read_root, write_root


def _tree(path: Path, tree: str = "scores") -> dict[str, np.ndarray]:
    with uproot.open(path) as f:
        assert f[tree].classname == "TTree"
        return f[tree].arrays(library="np")


def test_round_trip_dict_and_dataframe(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data: dict[str, np.ndarray] = {
        "score": rng.random(1000),
        "score32": rng.random(1000).astype(np.float32),
        "cls": rng.integers(0, 3, 1000).astype(np.int32),
        "big": rng.integers(0, 2**40, 1000),
        "flag": rng.random(1000) < 0.5,
    }
    write_root(tmp_path / "d.root", data)
    back = _tree(tmp_path / "d.root")
    assert list(back) == list(data)
    for name, values in data.items():
        np.testing.assert_array_equal(back[name], values)
        assert back[name].dtype == values.dtype

    df = pd.DataFrame(data, index=np.arange(1000)[::-1])  # the index is not written
    write_root(tmp_path / "df.root", df, tree="friends/bdt")
    back = _tree(tmp_path / "df.root", "friends/bdt")
    for name in data:
        np.testing.assert_array_equal(back[name], df[name].to_numpy())


def test_scores_line_up_with_the_input_entries(root_dir: Path, tmp_path: Path) -> None:
    source = root_dir / "sig.root"
    df = read_root(source, tree="events", branches=["x", "y", "evt"])
    scores = 1 / (1 + np.exp(-(df["x"].to_numpy() + df["y"].to_numpy())))
    out = tmp_path / "sig_scores.root"
    write_root(out, {"score": scores, "evt": df["evt"].to_numpy()})

    # read back with read_root itself: identical, and entry i is input entry i
    back = read_root(out, tree="scores", branches=["score", "evt"])
    np.testing.assert_array_equal(back["score"], scores)
    with uproot.open(source) as f:
        inputs = f["events"].arrays(["x", "y", "evt"], library="np")
    np.testing.assert_array_equal(back["evt"], inputs["evt"])
    np.testing.assert_allclose(back["score"], 1 / (1 + np.exp(-(inputs["x"] + inputs["y"]))))


def test_update_keeps_other_trees_and_replaces_the_same_name(tmp_path: Path) -> None:
    path = tmp_path / "f.root"
    write_root(path, {"a": np.arange(5.0)}, tree="first", mode="update")  # creates the file
    write_root(path, {"b": np.arange(3)}, tree="second", mode="update")
    write_root(path, {"c": np.ones(4)}, tree="first", mode="update")  # replaces "first"
    with uproot.open(path) as f:
        assert sorted(f.keys(cycle=False)) == ["first", "second"]
    np.testing.assert_array_equal(_tree(path, "first")["c"], np.ones(4))
    np.testing.assert_array_equal(_tree(path, "second")["b"], np.arange(3))

    write_root(path, {"d": np.zeros(2)})  # recreate: only the new tree remains
    with uproot.open(path) as f:
        assert f.keys(cycle=False) == ["scores"]


def test_output_permissions_follow_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "p.root"
    write_root(path, {"a": np.arange(3.0)})
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    "error", [OSError("disk full (simulated)"), KeyboardInterrupt("Ctrl-C (simulated)")]
)
@pytest.mark.parametrize("mode", ["recreate", "update"])
def test_failure_half_way_leaves_the_original_intact(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: Literal["recreate", "update"],
    error: BaseException,
) -> None:
    path = tmp_path / "scores.root"
    write_root(path, {"score": np.arange(10.0)}, tree="scores")
    original = path.read_bytes()

    monkeypatch.setattr(write_module, "_CHUNK", 100)
    real_extend = uproot.writing.writable.WritableTree.extend
    calls = {"n": 0}

    def failing_extend(self: Any, data: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise error
        return real_extend(self, data)

    monkeypatch.setattr(uproot.writing.writable.WritableTree, "extend", failing_extend)
    with pytest.raises(type(error), match="simulated"):
        write_root(path, {"score": np.arange(1000.0)}, tree="scores", mode=mode)
    assert calls["n"] == 3  # two baskets were written before the failure
    assert path.read_bytes() == original
    # no temporary and no lock file left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.root"]
    np.testing.assert_array_equal(_tree(path)["score"], np.arange(10.0))


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        ({"a": np.arange(3)}, {"mode": "append"}, ValueError, "mode must be"),
        ({}, {}, ValueError, "no columns"),
        ([1, 2, 3], {}, TypeError, "DataFrame or a dict"),
        ({"a": np.array(["x", "y"])}, {}, ValueError, "dtype"),
        ({"a": np.zeros((3, 2))}, {}, ValueError, "Split a 2-D array"),
        ({"a": np.zeros(3), "b": np.zeros(4)}, {}, ValueError, "different lengths"),
        (pd.DataFrame({"s": pd.Categorical(["a", "b"])}), {}, ValueError, "categorical"),
        ({"a/b": np.zeros(3)}, {}, ValueError, "cannot be a branch name"),
        ({"a": np.zeros(3)}, {"tree": ""}, ValueError, "non-empty"),
    ],
)
def test_errors(tmp_path: Path, data: object, kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        write_root(tmp_path / "out.root", data, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_and_update_of_a_non_root_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_root(tmp_path / "nope" / "out.root", {"a": np.zeros(3)})
    bad = tmp_path / "bad.root"
    bad.write_bytes(b"not root")
    with pytest.raises(ValueError, match="mode='recreate'"):
        write_root(bad, {"a": np.zeros(3)}, mode="update")
    assert bad.read_bytes() == b"not root"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.root"]
