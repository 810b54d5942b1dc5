"""``sklhep bench --task reweight``: the built-in pair, ROOT samples, the report, the errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sklhep import cli

FAST = ["--task", "reweight", "--quick", "--no-progress", "--threads", "1"]


def _bench(args: list[str]) -> int:
    return cli.main(["bench", *args])


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sklhep bench: error: "), err
    return lines[0]


def test_builtin_pair_closes(tmp_path):
    """The plumbing: the learned weights must move the original onto the target. With
    the weights not applied (or applied to the wrong events) the pulls would not drop."""
    out = tmp_path / "rw"
    assert _bench(["--out", str(out), "--models", "bdt", "--n-events", "4000", *FAST]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "reweight"
    assert report["data"]["original"]["negative_fraction"] == 0
    assert 0.1 < report["data"]["target"]["negative_fraction"] < 0.2
    bdt = report["models"]["BDT"]
    assert bdt["max_abs_pull_before"] > 5
    assert bdt["max_abs_pull_after"] < bdt["max_abs_pull_before"] / 2
    assert 0.1 < bdt["ess_fraction"] <= 1
    assert 0 <= bdt["clip_fraction"] < 0.01
    # normalised to the target's net weight
    assert bdt["net_weight_reweighted"] == pytest.approx(report["data"]["target"]["net_weight"])
    assert bdt["true_ratio"]["log_ratio_correlation"] > 0.4
    row = bdt["closure"]["m_jj"]
    assert {"pull_before", "pull_after", "ks_pvalue_before", "ks_pvalue_after"} <= set(row)
    assert abs(row["pull_after"]) < abs(row["pull_before"])
    assert report["plots"] == ["reweighting_bdt.png"]
    assert (out / "reweighting_bdt.png").stat().st_size > 5_000
    assert "largest |pull| after" in (out / "report.md").read_text()


@pytest.fixture
def lo_nlo(tmp_path):
    uproot = pytest.importorskip("uproot")
    rng = np.random.default_rng(3)
    paths = {}
    for name, scale, negative in (("lo", 30.0, 0.0), ("nlo", 36.0, 0.15)):
        path = tmp_path / f"{name}.root"
        n = 2000
        with uproot.recreate(path) as f:
            f.mktree("Events", {"pt": np.float64, "eta": np.float64, "w": np.float64})
            f["Events"].extend(
                {
                    "pt": rng.exponential(scale, n),
                    "eta": rng.normal(0, 1.5, n),
                    "w": np.where(rng.random(n) < negative, -1.0, 1.0),
                }
            )
        paths[name] = path
    return paths


def test_root_samples(lo_nlo, tmp_path):
    out = tmp_path / "r"
    args = [
        "--out",
        str(out),
        "--tree",
        "Events",
        "--branches",
        "pt",
        "eta",
        "--weight",
        "w",
        "--samples",
        f"lo={lo_nlo['lo']}",
        f"nlo={lo_nlo['nlo']}",
        "--models",
        "bdt,mlp",
        "--max-epochs",
        "3",
        *FAST,
    ]
    assert _bench(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert set(report["models"]) == {"BDT", "MLP"}
    assert report["models"]["MLP"]["settings"]["dropout"] == 0.3
    assert report["plots"] == ["reweighting_bdt.png", "reweighting_mlp.png"]
    assert report["data"]["source"] == "root"
    assert report["data"]["original_sample"] == "lo"
    assert report["data"]["target_sample"] == "nlo"
    assert report["data"]["features"] == ["pt", "eta"]
    pt = report["models"]["BDT"]["closure"]["pt"]
    assert pt["pull_before"] < -3
    assert abs(pt["pull_after"]) < abs(pt["pull_before"]) / 2
    assert "true_ratio" not in report["models"]["BDT"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--class-weight", "balanced"], "--class-weight does not apply to --task reweight"),
        (["--validation-fraction", "0.2"], "--validation-fraction does not apply"),
        (["--decorrelate", "mass"], "--decorrelate does not apply"),
        (["--n-events", "10"], "--n-events 10 is too few"),
    ],
)
def test_bad_reweight_options(extra, needle, tmp_path, capsys):
    assert _bench(["--out", str(tmp_path / "o"), *FAST, *extra]) == 2
    assert needle in _one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_reweight_needs_two_samples(lo_nlo, tmp_path, capsys):
    args = ["--out", str(tmp_path / "o"), "--tree", "Events", "--branches", "pt", *FAST]
    three = [f"a={lo_nlo['lo']}", f"b={lo_nlo['nlo']}", f"c={lo_nlo['nlo']}"]
    assert _bench([*args, "--samples", *three]) == 2
    assert "exactly two --samples" in _one_line_error(capsys)


def test_own_plot_without_plot_reweighting(monkeypatch, tmp_path):
    """Where sklhep.plotting has no plot_reweighting, the bench draws its own."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from sklhep.bench import _reweight

    rng = np.random.default_rng(0)
    data = _reweight.ReweightData(
        pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.exponential(1, 500)}),
        pd.DataFrame({"a": rng.normal(0.3, 1, 400), "b": rng.exponential(1.2, 400)}),
        np.ones(500),
        np.where(rng.random(400) < 0.1, -1.0, 1.0),
        ("lo", "nlo"),
        "test",
    )
    fig = _reweight._own_plot(data, np.ones(500), "title")
    fig.savefig(tmp_path / "own.png")
    assert (tmp_path / "own.png").stat().st_size > 5_000
