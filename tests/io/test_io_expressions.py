"""Column expressions: jagged rules (Jet_pt[k], n(...), sum(...)), element-wise arithmetic on
collections, masks, reductions, broadcasting, and the refusal of anything unsafe."""

from __future__ import annotations

import warnings
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot

from sklhep.io import BranchNotFoundError, JaggedBranchError, iterate_root, read_root

nan, inf = np.nan, np.inf


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
        ("median(Jet_pt)", "unknown function 'median'"),
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


# --------------------------------------------------------------------------- expressions
# objects.root (conftest.OBJECTS): jets with pT = hypot(px, py) = [50, 20, 10], [], [10],
# [13, 15], [13]; Jet_eta = [0.5, -2.5, 1], [], [3], [-1, 2], [0]; MET_pt = 10, 0, 20, 40, 5.
def _objects(path: Path, branches: list[str], **kwargs: object):
    return read_root(path, tree="Events", branches=branches, **kwargs)


def _check(df, expected: dict[str, list]) -> None:
    for column, values in expected.items():
        np.testing.assert_allclose(
            df[column].to_numpy(dtype=np.float64), values, rtol=1e-6, err_msg=column
        )


def test_elementwise_arithmetic_on_indexed_objects(objects_file: Path) -> None:
    df = _objects(
        objects_file,
        ["sqrt(Jet_px[0]**2 + Jet_py[0]**2)", "arctan2(Jet_py[0], Jet_px[0])",
         "Jet_eta[0] * 2", "clip(Jet_px[0], 0, 10)", "exp(log(MET_pt + 1)) - 1"],
    )  # fmt: skip
    _check(
        df,
        {
            "sqrt(Jet_px[0]**2 + Jet_py[0]**2)": [50, nan, 10, 13, 13],
            "arctan2(Jet_py[0], Jet_px[0])": [
                np.arctan2(40, 30),
                nan,
                np.arctan2(6, -8),
                np.arctan2(12, 5),
                np.arctan2(-5, 12),
            ],
            "Jet_eta[0] * 2": [1, nan, 6, -2, 0],
            "clip(Jet_px[0], 0, 10)": [10, nan, 0, 5, 10],
            "exp(log(MET_pt + 1)) - 1": [10, 0, 20, 40, 5],
        },
    )
    assert df["Jet_eta[0] * 2"].dtype == np.float32  # constants do not widen float32


def test_jagged_arithmetic_reduced_per_event(objects_file: Path) -> None:
    exprs = {
        "max(sqrt(Jet_px**2 + Jet_py**2))": [50, nan, 10, 15, 13],
        "min(hypot(Jet_px, Jet_py))": [10, nan, 10, 13, 13],
        "sum(hypot(Jet_px, Jet_py))": [80, 0, 10, 28, 13],
        "mean(hypot(Jet_px, Jet_py))": [80 / 3, nan, 10, 14, 13],
        "sum(hypot(Jet_px, Jet_py) * cosh(Jet_eta))": [
            50 * np.cosh(0.5) + 20 * np.cosh(2.5) + 10 * np.cosh(1.0), 0, 10 * np.cosh(3.0),
            13 * np.cosh(1.0) + 15 * np.cosh(2.0), 13,
        ],
        "sum(abs(sin(Jet_eta)) + cos(Jet_eta))": [
            sum(abs(np.sin(e)) + np.cos(e) for e in (0.5, -2.5, 1.0)), 0,
            abs(np.sin(3.0)) + np.cos(3.0),
            sum(abs(np.sin(e)) + np.cos(e) for e in (-1.0, 2.0)), 1,
        ],
        "sum(where(Jet_px > 0, Jet_px, 0))": [36, 0, 0, 14, 12],
        "sum(Jet_px - Jet_px[0])": [-54, 0, 0, 4, 0],
    }  # fmt: skip
    df = _objects(objects_file, list(exprs))
    _check(df, exprs)


def test_counts_and_logical_reductions(objects_file: Path) -> None:
    exprs = {
        "sum(hypot(Jet_px, Jet_py) > 12)": [2, 0, 0, 2, 1],
        "count(hypot(Jet_px, Jet_py) > 12)": [2, 0, 0, 2, 1],
        "sum(Jet_id)": [2, 0, 0, 2, 1],
        "n(Jet_px)": [3, 0, 1, 2, 1],
        "len(Jet_px)": [3, 0, 1, 2, 1],
        "any(Jet_q > 0)": [1, 0, 0, 1, 0],
        "all(Jet_q > 0)": [0, 1, 0, 1, 0],  # all() of no objects is True
        "sum(Jet_q)": [1, 0, -1, 2, -1],
        "max(Jet_q)": [1, nan, -1, 1, -1],
    }
    df = _objects(objects_file, list(exprs))
    _check(df, exprs)
    for column in ("sum(hypot(Jet_px, Jet_py) > 12)", "count(hypot(Jet_px, Jet_py) > 12)",
                   "sum(Jet_id)", "n(Jet_px)", "len(Jet_px)", "sum(Jet_q)"):  # fmt: skip
        assert df[column].dtype == np.int64, column
    assert df["any(Jet_q > 0)"].dtype == np.bool_
    assert df["max(Jet_q)"].dtype == np.float64  # an integer collection's max holds the NaN


def test_empty_lists_sum_and_count_to_zero_others_nan(objects_file: Path) -> None:
    # event 1 has no jet; event 2's only jet fails |eta| < 2.4
    df = _objects(
        objects_file,
        ["sum(Jet_px[abs(Jet_eta) < 2.4])", "count(abs(Jet_eta) < 2.4)",
         "max(Jet_px[abs(Jet_eta) < 2.4])", "min(Jet_px[abs(Jet_eta) < 2.4])",
         "mean(Jet_px[abs(Jet_eta) < 2.4])", "any(abs(Jet_eta) < 2.4)",
         "all(abs(Jet_eta) < 2.4)"],
    )  # fmt: skip
    row = df.iloc[[1, 2]]
    assert (row["sum(Jet_px[abs(Jet_eta) < 2.4])"] == 0).all()
    assert (row["count(abs(Jet_eta) < 2.4)"] == 0).all()
    for func in ("max", "min", "mean"):
        assert row[f"{func}(Jet_px[abs(Jet_eta) < 2.4])"].isna().all()
    assert row["any(abs(Jet_eta) < 2.4)"].tolist() == [False, False]
    assert row["all(abs(Jet_eta) < 2.4)"].tolist() == [True, False]


def test_masks_slices_and_indices_of_selected_objects(objects_file: Path) -> None:
    exprs = {
        "max(Jet_px[abs(Jet_eta) < 2.4])": [30, nan, nan, 9, 12],
        "Jet_px[Jet_px > 5][0]": [30, nan, nan, 9, 12],
        "Jet_px[(Jet_px > 5) & Jet_id][1]": [6, nan, nan, nan, nan],
        "Jet_px[Jet_id and Jet_eta > 0][0]": [30, nan, nan, 9, nan],
        "sum(Jet_px[:2])": [30, 0, -8, 14, 12],
        "Jet_px[1:][0]": [0, nan, nan, 9, nan],
        "n(Jet_px[1:3])": [2, 0, 0, 1, 0],
        "Jet_px[Jet_px > 5][Jet_px[Jet_px > 5] < 20][0]": [6, nan, nan, 9, 12],
    }
    df = _objects(objects_file, list(exprs))
    _check(df, exprs)


def test_flat_and_jagged_operands_broadcast(objects_file: Path) -> None:
    exprs = {
        "max(Jet_px / MET_pt)": [3, nan, -0.4, 9 / 40, 2.4],
        "sum(Jet_px > MET_pt)": [1, 0, 0, 0, 1],
        "Jet_px[0] / MET_pt": [3, nan, -0.4, 5 / 40, 2.4],
        "max(where(MET_pt > 5, Jet_px, -1))": [30, nan, -8, 9, -1],
        "where(MET_pt > 5, max(Jet_px), -1)": [30, -1, -8, 9, -1],
    }
    df = _objects(objects_file, list(exprs))
    _check(df, exprs)


def test_comparisons_and_boolean_operators(objects_file: Path) -> None:
    exprs = {
        "(Jet_px[0] > 5) & (MET_pt > 5)": [1, 0, 0, 0, 0],
        "(Jet_px[0] > 5) | (MET_pt > 30)": [1, 0, 0, 1, 1],
        "~(MET_pt > 5)": [0, 1, 0, 0, 1],
        "MET_pt > 5 and n(Jet_px) >= 2": [1, 0, 0, 1, 0],
        "not (MET_pt > 5 or nJet > 2)": [0, 1, 0, 0, 1],
        "0 < MET_pt <= 20": [1, 0, 1, 0, 1],
        "Jet_px[0] != Jet_px[0]": [0, 1, 0, 0, 0],  # NaN of an absent object
        "isnan(Jet_px[0])": [0, 1, 0, 0, 0],
    }
    df = _objects(objects_file, list(exprs))
    _check(df, exprs)
    assert all(df[c].dtype == np.bool_ for c in exprs)


def test_division_by_zero_gives_inf_and_nan_without_warnings(objects_file: Path) -> None:
    exprs = {
        "MET_pt / 0": [inf, nan, inf, inf, inf],
        "1 / MET_pt": [0.1, inf, 0.05, 0.025, 0.2],
        "-1 / MET_pt": [-0.1, -inf, -0.05, -0.025, -0.2],
        "Jet_px[0] % 0": [nan] * 5,
        "max(Jet_px / 0)": [inf, nan, -inf, inf, inf],
        "log(MET_pt)": [np.log(10), -inf, np.log(20), np.log(40), np.log(5)],
        "sqrt(-MET_pt)": [nan, -0.0, nan, nan, nan],
        "2 ** -1": [0.5] * 5,
        "Jet_q[0] ** -1": [1, nan, -1, 1, -1],  # integers to negative powers: floats
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = _objects(objects_file, list(exprs))
    _check(df, exprs)
    np.testing.assert_array_equal(_objects(objects_file, ["n(Jet_px) // 0"])["n(Jet_px) // 0"],
                                  np.zeros(5))  # fmt: skip


def test_expressions_in_weight_cut_and_event(objects_file: Path) -> None:
    df = _objects(
        objects_file,
        {"ht": "sum(hypot(Jet_px, Jet_py))"},
        weight="w * (1 + count(Jet_id))",
        cut="count(abs(Jet_eta) < 2.4) >= 1",
        event="nJet * 10",
    )
    np.testing.assert_array_equal(df["ht"], [80, 28, 13])  # events 0, 3, 4 pass the cut
    np.testing.assert_array_equal(df["weight"], [1.0 * 3, 1.0 * 3, -1.0 * 2])
    np.testing.assert_array_equal(df["event"], [30, 20, 10])


def test_step_size_iterate_root_and_dask_agree(objects_file: Path) -> None:
    branches = ["max(Jet_px[abs(Jet_eta) < 2.4])", "sum(Jet_px / MET_pt)", "Jet_py[1]"]
    kwargs = {"tree": "Events", "branches": branches, "cut": "n(Jet_px) > 0"}
    whole = read_root(objects_file, **kwargs)
    pd.testing.assert_frame_equal(read_root(objects_file, step_size=2, **kwargs), whole)
    chunks = list(iterate_root(objects_file, step_size=2, **kwargs))
    assert len(chunks) == 3
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    pytest.importorskip("dask.dataframe")
    import dask

    from sklhep.io import read_root_dask

    lazy = read_root_dask(objects_file, step_size=2, **kwargs)
    with dask.config.set(scheduler="synchronous"):
        computed = lazy.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(computed, whole)


def test_only_the_referenced_branches_are_read(
    objects_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[str]]] = []
    original = uproot.behaviors.TBranch.HasBranches.arrays

    def spy(self, expressions=None, *args, **kwargs):
        calls.append((kwargs.get("library"), list(expressions)))
        return original(self, expressions, *args, **kwargs)

    monkeypatch.setattr(uproot.behaviors.TBranch.HasBranches, "arrays", spy)
    df = _objects(objects_file, ["max(Jet_px[abs(Jet_eta) < 2.4])", "MET_pt"], cut="MET_pt > 1")
    assert len(df) == 4
    assert sorted(calls) == [("ak", ["Jet_px", "Jet_eta"]), ("np", ["MET_pt"])]
    calls.clear()
    _objects(objects_file, ["sqrt(MET_pt)"], weight="w")
    assert calls == [("np", ["MET_pt", "w"])]  # flat expressions: numpy only, no awkward


def test_a_list_per_event_result_explains_how_to_reduce_it(objects_file: Path) -> None:
    with pytest.raises(JaggedBranchError) as info:
        _objects(objects_file, ["Jet_px * cosh(Jet_eta)"])
    message = str(info.value)
    assert "'Jet_px'" in message
    assert "list per event" in message
    for hint in ("(Jet_px * cosh(Jet_eta))[0]", "sum(Jet_px * cosh(Jet_eta))",
                 "max(Jet_px * cosh(Jet_eta))", "len(Jet_px * cosh(Jet_eta))"):  # fmt: skip
        assert hint in message
    with pytest.raises(JaggedBranchError, match=r"Jet_px\[1:\]\[0\]"):
        _objects(objects_file, ["Jet_px[1:]"])
    with pytest.raises(JaggedBranchError):
        _objects(objects_file, ["MET_pt"], weight="w * Jet_px")


def test_dotted_branch_names_are_branches_not_attributes(tmp_path: Path) -> None:
    path = tmp_path / "dotted.root"
    with uproot.recreate(path) as f:
        f.mktree("t", {"Jet.pt": "var * float64", "met.x": np.float64}).extend(
            {"Jet.pt": ak.Array([[1.0, 2.0], []]), "met.x": np.array([2.0, 4.0])}
        )
    df = read_root(path, tree="t", branches=["max(Jet.pt) / met.x", "met.x"])
    np.testing.assert_array_equal(df["max(Jet.pt) / met.x"], [1.0, nan])
    with pytest.raises(ValueError, match="attribute access"):
        read_root(path, tree="t", branches=["met.x.real"])


# --------------------------------------------------------------------------- attacks
@pytest.mark.parametrize(
    ("expression", "match"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('touch pwned')", "calling anything but a function"),
        ("().__class__.__bases__[0].__subclasses__()", "calling anything but a function"),
        ("Jet_px.__class__", "attribute access is not allowed"),
        ("sqrt(Jet_px.__class__)", r"attribute access \('Jet_px.__class__'\) is not allowed"),
        ("MET_pt.real", "attribute access"),
        ("(lambda: 1)()", "calling anything but a function"),
        ("lambda: MET_pt", "a lambda"),
        ("[x for x in Jet_px]", "a comprehension"),
        ("sum(x for x in Jet_px)", "a generator expression"),
        ("MET_pt if MET_pt > 0 else 0", r"where\(c, a, b\)"),
        ("(y := MET_pt)", r"assignment \(:=\)"),
        ("eval('1')", "unknown function 'eval'"),
        ("getattr(MET_pt, 'real')", "unknown function 'getattr'"),
        ("median(Jet_px)", "unknown function 'median'"),
        ("sqrt + 1", "'sqrt' is a function"),
        ("MET_pt + 'a'", "a string"),
        ("[MET_pt]", "a list"),
        ("sqrt(MET_pt, 2)", r"sqrt\(\) takes 1 argument, got 2"),
        ("arctan2(MET_pt)", r"arctan2\(\) takes 2 arguments, got 1"),
        ("sqrt(x=MET_pt)", "keyword argument"),
        ("sqrt(*MET_pt)", r"unpacking \(\*\)"),
        ("max(MET_pt, 2)", r"maximum\(a, b\)"),
        ("sum()", r"got 0 arguments"),
        ("sum(MET_pt)", "already has one value per event"),
        ("count(Jet_px)", r"takes a condition.*n\(Jet_px\)"),
        ("any(Jet_px)", "takes a condition"),
        ("MET_pt[0]", "not a collection"),
        ("Jet_px[-1]", "count from 0"),
        ("Jet_px[::2]", "slice step"),
        ("Jet_px[0:n(Jet_px)]", "whole numbers"),
        ("Jet_px[MET_pt > 5]", "To select events, use cut="),
        ("Jet_px[Jet_eta][0]", "numbers, not True/False"),
        ("Jet_px[0, 1]", "a tuple"),
        ("Jet_px > 5 & MET_pt > 0", "'&' combines conditions"),
        ("~MET_pt", "'~' negates a condition"),
        ("where(MET_pt, 1, 2)", "must be a condition"),
        ("1 in Jet_px", "comparison 'in'"),
        ("MET_pt @ MET_pt", "operator MatMult"),
        ("MET_pt > 5 && nJet > 1", "not '&&'"),
        ("MET_pt +", "not a branch name or a valid expression"),
        ("+".join(["MET_pt"] * 300), "nested more than 200 levels"),
        ("-" * 5000 + "MET_pt", "nested too deeply"),
        ("MET_pt + " * 1500 + "MET_pt", "limited to 10000"),
        ("1j * MET_pt", "the constant 1j"),
    ],
)
def test_unsafe_or_invalid_expressions_are_refused(
    objects_file: Path, expression: str, match: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=match) as info:
        _objects(objects_file, [expression])
    assert not (tmp_path / "pwned").exists()
    if "limited" not in match and "deeply" not in match:
        assert repr(expression.strip()) in str(info.value)  # the message names the expression


@pytest.mark.parametrize(
    ("expression", "missing", "close"),
    [("sum(Jet_pz)", "Jet_pz", "Jet_px"), ("__builtins__", "__builtins__", None),
     ("MET_pt / MET_ptt", "MET_ptt", "MET_pt")],
)  # fmt: skip
def test_unknown_branches_in_expressions_suggest_close_matches(
    objects_file: Path, expression: str, missing: str, close: str | None
) -> None:
    with pytest.raises(BranchNotFoundError) as info:
        _objects(objects_file, [expression])
    message = str(info.value)
    assert f"Branch {missing!r}" in message
    assert close is None or f"{close!r}" in message.split("The branches")[0]


def test_objects_of_different_collections_do_not_mix(objects_file: Path) -> None:
    with pytest.raises(ValueError, match="different number of objects"):
        _objects(objects_file, ["max(Jet_px[Muon_pt > 5])"])
    with pytest.raises(ValueError, match="same number of objects in every event"):
        _objects(objects_file, ["sum(Jet_px + Muon_pt)"])
    # reduced first, two collections combine
    df = _objects(objects_file, ["max(Jet_px) - max(Muon_pt)"])
    np.testing.assert_array_equal(df["max(Jet_px) - max(Muon_pt)"], [5, nan, nan, nan, 5])


@pytest.mark.data
def test_jet_pt_from_px_py_on_real_files(data_path) -> None:
    path = data_path("cms_tutorial_2012", "zz.root")
    pt = "sqrt(Jet_Px**2 + Jet_Py**2)"
    branches = ["sqrt(Jet_Px[0]**2 + Jet_Py[0]**2)", f"max({pt})", f"sum({pt} > 30)",
                f"sum({pt}[abs(Jet_Pz / {pt}) < 2])", "Jet_Px[0] / MET_px"]  # fmt: skip
    df = read_root(path, tree="events", branches=branches, weight="EventWeight")
    with uproot.open(path) as f:
        arrays = f["events"].arrays(["Jet_Px", "Jet_Py", "Jet_Pz", "MET_px"])
    jet_pt = np.sqrt(arrays["Jet_Px"] ** 2 + arrays["Jet_Py"] ** 2)
    lead = ak.to_numpy(ak.fill_none(ak.firsts(jet_pt), np.nan))
    assert np.isfinite(lead).sum() > 1000
    np.testing.assert_allclose(df[branches[0]], lead, rtol=1e-6)
    np.testing.assert_allclose(
        df[branches[1]], ak.to_numpy(ak.fill_none(ak.max(jet_pt, axis=1), np.nan)), rtol=1e-6
    )
    np.testing.assert_array_equal(df[branches[2]], ak.to_numpy(ak.sum(jet_pt > 30, axis=1)))
    central = jet_pt[abs(arrays["Jet_Pz"] / jet_pt) < 2]
    np.testing.assert_allclose(df[branches[3]], ak.to_numpy(ak.sum(central, axis=1)), rtol=1e-6)
    first_px = ak.to_numpy(ak.fill_none(ak.firsts(arrays["Jet_Px"]), np.nan))
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(df[branches[4]], first_px / arrays["MET_px"].to_numpy(),
                                   rtol=1e-6)  # fmt: skip
    assert df[branches[0]].dtype == np.float32  # float32 collections stay float32


@pytest.mark.data
def test_nanoaod_expressions_match_awkward(data_path) -> None:
    path = data_path("nanoaod_fixtures", "nanoAOD_2015_CMS_Open_Data_ttbar.root")
    branches = ["sum(Jet_pt * cosh(Jet_eta))", "max(Jet_pt[abs(Jet_eta) < 2.4])",
                "sum(Jet_pt > 30)", "max(Jet_pt / MET_pt)"]  # fmt: skip
    df = read_root(path, tree="Events", branches=branches, weight="genWeight",
                   cut="sum(Jet_pt > 30) >= 1")  # fmt: skip
    with uproot.open(path) as f:
        a = f["Events"].arrays(["Jet_pt", "Jet_eta", "MET_pt"])
    keep = ak.to_numpy(ak.sum(a["Jet_pt"] > 30, axis=1) >= 1)
    assert 0 < keep.sum() < len(keep)
    a = a[keep]
    central = a["Jet_pt"][abs(a["Jet_eta"]) < 2.4]
    expected = [
        ak.sum(a["Jet_pt"] * np.cosh(a["Jet_eta"]), axis=1),
        ak.fill_none(ak.max(central, axis=1), np.nan),
        ak.sum(a["Jet_pt"] > 30, axis=1),
        ak.fill_none(ak.max(a["Jet_pt"] / a["MET_pt"], axis=1), np.nan),
    ]
    for column, values in zip(branches, expected, strict=True):
        np.testing.assert_allclose(df[column], ak.to_numpy(values), rtol=1e-6, err_msg=column)
