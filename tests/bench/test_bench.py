"""``sklhep bench``: every task end to end (small), the report's keys, the plots, the errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sklhep import cli
from sklhep.bench import BenchConfig

SMALL = [
    "--quick",
    "--n-events",
    "4000",
    "--max-epochs",
    "3",
    "--n-estimators",
    "20",
    "--no-progress",
    "--threads",  # one thread: small batches on a shared machine (docs/performance.md)
    "1",
]
CLASSIFICATION_KEYS = {"auc", "background_rejection", "max_significance", "ks_pvalue"}
COMMON_KEYS = {"fit_time_s", "inference_events_per_s", "permutation_importance", "history"}


def _run(args: list[str]) -> int:
    return cli.main(["bench", *args])


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_quick_run_writes_report_and_plots(task, tmp_path, capsys):
    out = tmp_path / task
    assert _run(["--task", task, "--out", str(out), *SMALL]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == task
    data = report["data"]
    assert data["n_events"] == 4000
    assert 0.1 < data["negative_fraction"] < 0.2
    assert 0 < data["effective_sample_size"] < 4000
    assert set(report["models"]) == {"MLP", "BDT"}
    for model in report["models"].values():
        assert set(model) >= COMMON_KEYS
        if task == "regression":
            assert {"resolution", "bias", "binned"} <= set(model)
            assert model["binned"]
        else:
            assert set(model) >= CLASSIFICATION_KEYS
            assert set(model["background_rejection"]) == {"0.3", "0.5", "0.7", "0.9"}
            assert 0.5 < model["auc"] <= 1
    assert "feature_importances_gain" in report["models"]["BDT"]
    assert report["plots"]
    for name in report["plots"]:
        assert (out / name).stat().st_size > 5_000, name
    assert (out / "report.md").read_text().startswith(f"# sklhep bench: {task}")
    assert "weighted AUC" in capsys.readouterr().out or task == "regression"


def test_seed_reproducible(tmp_path):
    reports = []
    for k in range(2):
        out = tmp_path / str(k)
        assert _run(["--out", str(out), "--models", "bdt", *SMALL]) == 0
        reports.append(json.loads((out / "report.json").read_text())["models"]["BDT"]["auc"])
    assert reports[0] == reports[1]


def test_toml_config(tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text('task = "binary"\nmodels = ["bdt"]\nn_events = 3000\nquick = true\n')
    assert _run(["--config", str(cfg), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert list(report["models"]) == ["BDT"]
    assert report["data"]["n_events"] == 3000


def test_root_input(root_samples, tmp_path):
    out = tmp_path / "r"
    args = [
        "--out",
        str(out),
        "--tree",
        "tree",
        "--branches",
        "pt",
        "eta",
        "--weight",
        "w",
        "--samples",
        f"sig={root_samples['sig']}",
        f"bkg={root_samples['bkg']}",
        "--labels",
        "sig=1",
        "bkg=0",
        *SMALL,
    ]
    assert _run(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "binary"
    assert report["data"]["source"] == "root"
    assert report["data"]["features"] == ["pt", "eta"]
    assert report["models"]["BDT"]["auc"] > 0.6
    assert report["data"]["signal_class"] == "sig"


def test_root_input_first_sample_is_the_signal(root_samples, tmp_path):
    """Without --labels the samples are numbered 0, 1 in order; the first is still the
    signal, so the figures match an explicit --labels sig=1 bkg=0 run (up to the fits
    themselves, which see swapped class codes)."""
    base = ["--tree", "tree", "--branches", "pt", "eta", "--weight", "w", *SMALL]
    samples = ["--samples", f"sig={root_samples['sig']}", f"bkg={root_samples['bkg']}"]
    reports = []
    for k, labels in enumerate(([], ["--labels", "sig=1", "bkg=0"])):
        out = tmp_path / str(k)
        assert _run(["--out", str(out), *base, *samples, *labels]) == 0
        reports.append(json.loads((out / "report.json").read_text()))
    default, explicit = reports
    assert default["data"]["signal_class"] == explicit["data"]["signal_class"] == "sig"
    got, want = default["models"]["BDT"], explicit["models"]["BDT"]
    assert got["auc"] == pytest.approx(want["auc"], abs=0.02)
    for eff in ("0.3", "0.5", "0.7"):
        assert got["background_rejection"][eff] == pytest.approx(
            want["background_rejection"][eff], rel=0.25
        )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--samples", "sig=/nonexistent/file.root"], "file.root"),
        (["--samples", "sig={sig}", "bkg={bkg}", "--branches", "ptt"], "ptt"),
        (["--samples", "sig={sig}", "bkg={bkg}", "--cut", "pt < -1"], "no events"),
        (["--samples", "sig={sig}"], "--tree"),
        (["--n-events", "0"], "--n-events"),
        (["--max-epochs", "0"], "--max-epochs"),
        (["--n-estimators", "-1"], "--n-estimators"),
    ],
)
def test_bad_arguments_one_line_no_traceback(root_samples, tmp_path, extra, message):
    extra = [a.format(sig=root_samples["sig"], bkg=root_samples["bkg"]) for a in extra]
    args = ["--out", str(tmp_path / "x"), *SMALL]
    if "--tree" not in message:
        args += ["--tree", "tree"]
    if "--branches" not in extra and "--tree" not in message:
        args += ["--branches", "pt", "eta"]
    proc = subprocess.run(
        [sys.executable, "-m", "sklhep", "bench", *args, *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sklhep bench: error:")
    assert message in lines[0]


def test_config_validation(tmp_path):
    with pytest.raises(ValueError, match="--task must be one of"):
        BenchConfig(out=tmp_path, task="ranking")
    with pytest.raises(ValueError, match="--negative-fraction"):
        BenchConfig(out=tmp_path, negative_fraction=0.7)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        BenchConfig.from_toml(tmp_path / "missing.toml", out=tmp_path)


@pytest.mark.data
def test_offshell_tutorial_files(data_path, tmp_path):
    """The Offshell workshop's 3-class problem (sig, bkg1, bkg2; pt, mass, eta)."""
    folder = data_path("offshell_tutorial")
    out = tmp_path / "offshell"
    samples = [f"{name}={folder / f'{name}_Events.root'}" for name in ("sig", "bkg1", "bkg2")]
    args = [
        "--out",
        str(out),
        "--tree",
        "tree",
        "--branches",
        "pt",
        "mass",
        "eta",
        "--samples",
        *samples,
        "--max-entries",
        "5000",
        *SMALL,
    ]
    assert _run(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "multiclass"
    assert report["data"]["n_events"] == 15000
    assert list(report["data"]["classes"]) == ["sig", "bkg1", "bkg2"]
    for model in report["models"].values():
        assert 0.6 < model["auc"] <= 1
