"""read_root and write_root on the real files in ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from sklhep.io import read_root, write_root

pytestmark = pytest.mark.data


def test_offshell_tutorial_loading_step(data_path) -> None:
    folder = data_path("offshell_tutorial")
    samples = {name: folder / f"{name}_Events.root" for name in ("sig", "bkg1", "bkg2")}
    df = read_root(samples, tree="tree", branches=["pt", "mass", "eta"])
    assert df.shape == (300_000, 6)
    assert df.groupby("sample", observed=True)["label"].agg(["min", "max", "size"]).to_dict(
        "list"
    ) == {"min": [0, 1, 2], "max": [0, 1, 2], "size": [100_000] * 3}
    assert (df["weight"] == 1.0).all()
    start = 0
    for path in samples.values():
        with uproot.open(path) as f:
            plain = f["tree"].arrays(["pt", "mass", "eta"], library="np")
        for name, values in plain.items():
            np.testing.assert_array_equal(df[name].to_numpy()[start : start + 100_000], values)
        start += 100_000


def test_offshell_scores_round_trip_as_a_friend_tree(data_path, tmp_path: Path) -> None:
    source = data_path("offshell_tutorial", "sig_Events.root")
    df = read_root(source, tree="tree", branches=["pt", "mass", "eta"])
    score = np.tanh(df["pt"].to_numpy() / 50) * np.cos(df["eta"].to_numpy())
    write_root(tmp_path / "sig_scores.root", {"score": score})
    back = read_root(tmp_path / "sig_scores.root", tree="scores", branches=["score"])
    np.testing.assert_array_equal(back["score"], score)
    with uproot.open(source) as f, uproot.open(tmp_path / "sig_scores.root") as g:
        assert f["tree"].num_entries == g["scores"].num_entries == 100_000
        pt, eta = (f["tree"][b].array(library="np") for b in ("pt", "eta"))
        np.testing.assert_array_equal(g["scores"]["score"].array(library="np"),
                                      np.tanh(pt / 50) * np.cos(eta))  # fmt: skip


def test_cms_tutorial_jagged_collections_and_event_weight(data_path) -> None:
    folder = data_path("cms_tutorial_2012")
    names = ["zz", "wz", "ww", "single_top", "qcd"]
    df = read_root(
        {n: folder / f"{n}.root" for n in names},
        tree="events",
        branches=["Jet_Px[0]", "Jet_E[1]", "n(Jet_Px)", "NJet", "Muon_Pz[0]", "n(Muon_E)",
                  "MET_px"],
        weight="EventWeight",
    )  # fmt: skip
    sizes = df.groupby("sample", observed=True).size().to_dict()
    assert sizes == {"zz": 2421, "wz": 3367, "ww": 4580, "single_top": 5684, "qcd": 142}
    np.testing.assert_array_equal(df["n(Jet_Px)"], df["NJet"])
    assert (df["weight"] >= 0).all()
    assert df["Jet_Px[0]"].isna().to_numpy().tolist() == (df["NJet"] == 0).tolist()
    assert df["Jet_E[1]"].isna().to_numpy().tolist() == (df["NJet"] < 2).tolist()
    with uproot.open(folder / "zz.root") as f:
        jets = f["events"].arrays(["Jet_Px", "Muon_Pz", "EventWeight"])
    zz = df[df["sample"] == "zz"]
    expected = ak.to_numpy(ak.fill_none(ak.firsts(jets["Muon_Pz"]), np.nan))
    np.testing.assert_array_equal(zz["Muon_Pz[0]"], expected)
    np.testing.assert_array_equal(zz["weight"], jets["EventWeight"].to_numpy())


@pytest.mark.parametrize(
    ("name", "n_events", "negative_fraction"),
    [("nanoAOD_2015_CMS_Open_Data_ttbar.root", 200, 0.13), ("nano_dy.root", 40, 0.225)],
)
def test_nanoaod_negative_gen_weights(
    data_path, name: str, n_events: int, negative_fraction: float
) -> None:
    path = data_path("nanoaod_fixtures", name)
    df = read_root(
        {"mc": path},
        tree="Events",
        branches=["Jet_pt[0]", "n(Jet_pt)", "sum(Jet_pt)"],
        weight="genWeight",
        event="event",
    )
    assert len(df) == n_events
    assert (df["weight"] < 0).mean() == pytest.approx(negative_fraction, abs=1e-9)
    with uproot.open(path) as f:
        arrays = f["Events"].arrays(["Jet_pt", "genWeight", "event"])
    np.testing.assert_array_equal(df["weight"], arrays["genWeight"].to_numpy())
    np.testing.assert_array_equal(df["event"], arrays["event"].to_numpy())
    np.testing.assert_array_equal(df["n(Jet_pt)"], ak.num(arrays["Jet_pt"]).to_numpy())
    np.testing.assert_array_equal(
        df["Jet_pt[0]"], ak.to_numpy(ak.fill_none(ak.firsts(arrays["Jet_pt"]), np.nan))
    )
    # the signed (net) sum differs from the |w| sum
    assert abs(df["weight"].sum()) < df["weight"].abs().sum()
