"""What the ``sklhep bench`` report judges for the reader: the overtraining flag (a KS
p-value below ``OVERTRAINING_P``) and, on the built-in generators, the Bayes-optimal
classifier of the analytic truth next to the models.

The Bayes figures are recomputed here from the generator, independently of the bench, so
that a run scoring other events, other weights or another column of the posterior fails.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sklhep import datasets, metrics
from sklhep.bench import OVERTRAINING_P, BenchConfig, _report, _runner, run_bench
from sklhep.bench._config import BAYES_LABEL
from sklhep.metrics import KSResult

#: Small and fast, the BDT only; one thread (a shared machine, see docs/performance.md).
FAST: dict[str, Any] = {
    "quick": True,
    "n_events": 2_000,
    "models": ("bdt",),
    "n_estimators": 15,
    "threads": 1,
    "progress": False,
}


@pytest.fixture
def no_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_report, "_plots", lambda config, report, extras: [])


def _fake_ks_pvalue(monkeypatch: pytest.MonkeyPatch, signal: float, background: float) -> None:
    """The bench's KS tests return these p-values (signal first, as the bench calls them)
    and their real statistics."""
    real = metrics.ks_test
    pvalues = iter([signal, background])

    def fake(*args: Any, **kwargs: Any) -> KSResult:
        return KSResult(real(*args, **kwargs).statistic, next(pvalues))

    monkeypatch.setattr(_runner.metrics, "ks_test", fake)


def _outputs(out) -> tuple[dict[str, Any], str]:
    return json.loads((out / "report.json").read_text()), (out / "report.md").read_text()


def _row(markdown: str, label: str) -> list[str]:
    """The cells of the summary-table row ``label`` of ``report.md``."""
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} in report.md")


# --- the overtraining flag ------------------------------------------------------------------


def test_threshold_is_documented_and_exported():
    assert OVERTRAINING_P == 0.01
    from sklhep.bench import _config

    assert _config.OVERTRAINING_P is OVERTRAINING_P


def test_low_ks_p_is_flagged_everywhere(tmp_path, no_plots, monkeypatch, capsys):
    _fake_ks_pvalue(monkeypatch, signal=3e-5, background=0.4)
    out = tmp_path / "o"
    report = run_bench(BenchConfig(out=out, **FAST))
    o = report["models"]["BDT"]["overtraining"]
    assert o["flagged"] is True
    assert o["threshold"] == OVERTRAINING_P
    assert o["ks_p_signal"] == 3e-5
    assert o["ks_p_background"] == 0.4
    assert 0 < o["ks_distance_signal"] < 1
    assert 0 < o["ks_distance_background"] < 1
    assert report["models"]["BDT"]["ks_pvalue"] == {"signal": 3e-5, "background": 0.4}
    assert "signal: KS p = 3e-05" in o["message"]
    assert "background: KS p" not in o["message"]  # only the failing class is named
    saved, markdown = _outputs(out)
    assert saved["models"]["BDT"]["overtraining"] == o
    assert _row(markdown, "overtraining") == [f"FLAGGED (KS p < {OVERTRAINING_P:g})", "–"]
    assert "**BDT overtraining flagged:**" in markdown
    printed = capsys.readouterr().out
    assert "FLAGGED (KS p < 0.01)" in printed
    assert "note: BDT overtraining flagged:" in printed


def test_high_ks_p_is_not_flagged(tmp_path, no_plots, monkeypatch, capsys):
    _fake_ks_pvalue(monkeypatch, signal=0.5, background=0.02)  # 0.02: above 0.01
    out = tmp_path / "o"
    o = run_bench(BenchConfig(out=out, **FAST))["models"]["BDT"]["overtraining"]
    assert o["flagged"] is False
    assert o["message"] is None
    _, markdown = _outputs(out)
    assert _row(markdown, "overtraining")[0] == "no"
    assert "overtraining flagged" not in markdown
    assert "FLAGGED" not in capsys.readouterr().out


def test_the_threshold_decides(tmp_path, no_plots, monkeypatch):
    """A p-value of 0.02 is flagged under a threshold of 0.05: the module constant is what
    the runner compares with, and what the report records."""
    _fake_ks_pvalue(monkeypatch, signal=0.5, background=0.02)
    monkeypatch.setattr(_runner, "OVERTRAINING_P", 0.05)
    out = tmp_path / "o"
    o = run_bench(BenchConfig(out=out, **FAST))["models"]["BDT"]["overtraining"]
    assert o["flagged"] is True
    assert o["threshold"] == 0.05
    assert "background: KS p = 0.02" in o["message"]
    assert _row(_outputs(out)[1], "overtraining")[0] == "FLAGGED (KS p < 0.05)"


def test_overtrained_bdt_is_flagged(tmp_path, no_plots):
    """No early stopping, 300 trees of depth 6 on 2,000 training events: the first fold
    model separates its own training events far better than its test events (D ≈ 0.2, KS p
    ≈ 1e-11 and 1e-6 when written), and the real KS test says so."""
    config = BenchConfig(
        out=tmp_path / "o",
        **{**FAST, "n_events": 4_000, "n_estimators": 300},
        early_stopping=False,
    )
    model = run_bench(config)["models"]["BDT"]
    o = model["overtraining"]
    assert o["flagged"] is True
    assert min(o["ks_p_signal"], o["ks_p_background"]) < OVERTRAINING_P
    assert max(o["ks_distance_signal"], o["ks_distance_background"]) > 0.1
    assert o["ks_p_signal"] == model["ks_pvalue"]["signal"]


def test_flag_follows_the_real_p_values(tmp_path, no_plots):
    """Without faking: ``flagged`` is exactly "a p-value below the threshold", and the
    distances are the KS statistics of the same tests."""
    o = run_bench(BenchConfig(out=tmp_path / "o", **FAST))["models"]["BDT"]["overtraining"]
    p = min(o["ks_p_signal"], o["ks_p_background"])
    assert o["flagged"] == (p < OVERTRAINING_P)
    assert (o["message"] is not None) == o["flagged"]


# --- the Bayes-optimal classifier -----------------------------------------------------------


def test_bayes_optimal_on_the_binary_generator(tmp_path, no_plots, capsys):
    out = tmp_path / "o"
    report = run_bench(BenchConfig(out=out, **{**FAST, "models": ("mlp", "bdt")}, max_epochs=3))
    best = report["bayes_optimal"]
    assert best["label"] == BAYES_LABEL
    assert "generator:make_signal_background" in best["source"]
    # the same events and weights, recomputed from the generator
    df = datasets.make_signal_background(2_000, negative_fraction=0.15, random_state=0)
    y, w, score = df["label"].to_numpy(), df["weight"].to_numpy(), datasets.signal_posterior(df)
    assert best["auc"] == pytest.approx(metrics.roc_auc_score(y, score, sample_weight=w), 1e-12)
    for eff, value in best["background_rejection"].items():
        want = metrics.background_rejection(
            y, score, signal_efficiency=float(eff), sample_weight=w
        )
        assert value == pytest.approx(want, rel=1e-9)
    assert best["max_significance"]["significance"] > 0
    for name, model in report["models"].items():
        assert best["auc"] >= model["auc"] - 0.01, name  # the best possible, within noise
        assert model["auc_below_bayes"] == pytest.approx(best["auc"] - model["auc"])
    saved, markdown = _outputs(out)
    assert saved["bayes_optimal"]["auc"] == pytest.approx(best["auc"])
    assert set(saved["models"]) == {"MLP", "BDT"}  # not a model
    assert f"| metric | MLP | BDT | {BAYES_LABEL} |" in markdown
    assert _row(markdown, "weighted AUC")[2] == f"{best['auc']:.4g}"
    rejection = best["background_rejection"]["0.5"]
    assert _row(markdown, "bkg rejection @ εS=0.5")[2] == f"{rejection:.4g}"
    assert _row(markdown, "KS p (signal)")[2] == "–"
    assert _row(markdown, "AUC below Bayes optimal")[:2] == [
        f"{report['models'][n]['auc_below_bayes']:.4g}" for n in ("MLP", "BDT")
    ]
    printed = capsys.readouterr().out
    assert BAYES_LABEL in printed.splitlines()[2]  # the header of the printed table


def test_bayes_optimal_on_the_multiclass_generator(tmp_path, no_plots):
    report = run_bench(BenchConfig(out=tmp_path / "o", task="multiclass", **FAST))
    best = report["bayes_optimal"]
    df = datasets.make_multiclass(2_000, negative_fraction=0.15, random_state=0)
    y, w = df["label"].to_numpy(), df["weight"].to_numpy()
    proba = datasets.class_posterior(df)
    want = metrics.roc_auc_score(y, proba, sample_weight=w, multi_class="ovr")
    assert best["auc"] == pytest.approx(want, 1e-12)
    # the "signal" of the multi-class run is label 0: its posterior column
    signal = (y == 0).astype(int)
    want = metrics.background_rejection(
        signal, proba[:, 0], signal_efficiency=0.5, sample_weight=w
    )
    assert best["background_rejection"]["0.5"] == pytest.approx(want, rel=1e-9)
    assert best["auc"] >= report["models"]["BDT"]["auc"] - 0.01


def test_roc_plot_has_the_bayes_curve(tmp_path, monkeypatch):
    drawn: list[list[str]] = []
    from sklhep import plotting

    real = plotting.plot_roc

    def recording(curves, **kwargs):
        drawn.append(list(curves))
        return real(curves, **kwargs)

    monkeypatch.setattr(plotting, "plot_roc", recording)
    run_bench(BenchConfig(out=tmp_path / "o", **FAST))
    assert drawn == [["BDT", BAYES_LABEL]]


def test_no_bayes_optimal_for_root_input(root_samples, tmp_path, no_plots, capsys):
    out = tmp_path / "r"
    config = BenchConfig(
        out=out,
        tree="tree",
        branches=["pt", "eta"],
        weight="w",
        samples={"sig": [str(root_samples["sig"])], "bkg": [str(root_samples["bkg"])]},
        **{k: v for k, v in FAST.items() if k != "n_events"},
    )
    report = run_bench(config)
    assert "bayes_optimal" not in report
    assert "auc_below_bayes" not in report["models"]["BDT"]
    saved, markdown = _outputs(out)
    assert "bayes_optimal" not in saved
    assert "Bayes" not in markdown
    assert "| metric | BDT |" in markdown
    assert "overtraining" in saved["models"]["BDT"]  # the KS check still runs
    assert "Bayes" not in capsys.readouterr().out


def test_no_bayes_optimal_for_regression(tmp_path, no_plots):
    report = run_bench(BenchConfig(out=tmp_path / "o", task="regression", **FAST))
    assert "bayes_optimal" not in report
    assert "Bayes" not in (tmp_path / "o" / "report.md").read_text()


def test_bayes_optimal_needs_the_generator_truth(tmp_path):
    """The generated data carry their truth; without it the runner gives no Bayes column."""
    from sklhep.bench._data import load_data

    config = BenchConfig(out=tmp_path / "o", **FAST)
    data = load_data(config)
    assert isinstance(data.truth, datasets.GeneratorTruth)
    assert _runner.bayes_optimal(config, data) is not None
    data.truth = None
    assert _runner.bayes_optimal(config, data) is None
