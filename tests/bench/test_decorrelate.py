"""``sklhep bench --decorrelate COLUMN --lambdas ...``: the trade-off scan and its errors."""

from __future__ import annotations

import json

import pytest

from sklhep import cli
from sklhep.bench import BenchConfig, BenchError

SMALL = [
    "--quick",
    "--n-events",
    "4000",
    "--max-epochs",
    "3",
    "--n-estimators",
    "10",
    "--no-progress",
    "--threads",
    "1",
]


def _bench(args: list[str]) -> int:
    return cli.main(["bench", *args])


def test_tradeoff_scan(tmp_path):
    out = tmp_path / "d"
    args = ["--out", str(out), "--decorrelate", "mass", "--lambdas", "10", *SMALL]
    assert _bench(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert "mass" not in report["data"]["features"]
    assert report["data"]["protected"] == "mass"
    assert report["data"]["source"] == "generator:make_mass_sculpting"
    section = report["decorrelation"]
    assert section["lambdas"] == [0.0, 10.0]  # λ = 0 is added
    mlp = section["models"]["MLP"]["points"]
    assert [p["lambda"] for p in mlp] == [0.0, 10.0]
    # λ = 0 is the bench's own MLP fit
    assert mlp[0]["auc"] == pytest.approx(report["models"]["MLP"]["auc"])
    assert mlp[0]["rejection_relative"] == 1.0
    assert mlp[0]["inverse_jsd_relative"] == 1.0
    # the penalty reaches the fit: a strong λ decorrelates (protected was routed)
    assert mlp[1]["inverse_jsd_relative"] > 1.5
    assert set(section["models"]) | set(section["skipped"]) == {"MLP", "BDT"}
    assert "decorrelation_tradeoff.png" in report["plots"]
    assert (out / "decorrelation_tradeoff.png").stat().st_size > 5_000
    assert "1/JSD (rel.)" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"lambdas": "1,3"}, "--lambdas sets the decorrelation strengths"),
        ({"decorrelate": "pt"}, "protects 'mass'"),
        ({"decorrelate": "mass", "task": "multiclass"}, "binary classification"),
        ({"decorrelate": "mass", "lambdas": "1,x"}, "comma-separated numbers"),
        ({"decorrelate": "mass", "lambdas": "-1"}, "0 or more"),
        ({"decorrelate": "mass", "n_features": 4}, "--n-features does not apply"),
        (
            {
                "decorrelate": "m",
                "samples": {"s": ["s.root"], "b": ["b.root"]},
                "tree": "t",
                "branches": ["pt", "m"],
            },
            "must not be a training feature",
        ),
    ],
)
def test_bad_options(options, needle, tmp_path):
    with pytest.raises(BenchError, match=needle.replace("(", r"\(")):
        BenchConfig(out=tmp_path, **options)


def test_bad_option_is_one_line(tmp_path, capsys):
    assert _bench(["--out", str(tmp_path / "o"), "--lambdas", "1", "--quick"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1
    assert err[0].startswith("sklhep bench: error: --lambdas")
    assert not (tmp_path / "o").exists()


def test_root_protected_branch(root_samples, tmp_path):
    """ROOT input: the protected branch is read next to --branches, never a feature."""
    out = tmp_path / "r"
    args = [
        "--out",
        str(out),
        "--tree",
        "tree",
        "--branches",
        "eta",
        "--weight",
        "w",
        "--samples",
        f"sig={root_samples['sig']}",
        f"bkg={root_samples['bkg']}",
        "--decorrelate",
        "pt",
        "--lambdas",
        "5",
        "--models",
        "mlp",
        *SMALL,
    ]
    assert _bench(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["features"] == ["eta"]
    points = report["decorrelation"]["models"]["MLP"]["points"]
    assert [p["lambda"] for p in points] == [0.0, 5.0]
    assert report["models"]["MLP"]["settings"]["batch_size"] >= 256


def test_toml_lambdas(tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text('decorrelate = "mass"\nlambdas = [3, 1]\nquick = true\n')
    config = BenchConfig.from_toml(cfg, out=tmp_path / "o")
    assert config.lambdas == (0.0, 1.0, 3.0)
    assert config.minimum_generated_events() > 818  # the 30 % signal class sets it
