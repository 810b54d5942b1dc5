"""``sklhep bench``'s training options reach the fitted models, the MLP's batch size and
epoch cap scale with the events, a model stopped at its cap is reported, and NaN inputs
are imputed for the MLP only.

The end-to-end tests record the fold models that ``CrossEvaluator`` fitted and inspect
them (parameters, ``history_``, the data they saw), so that they fail when an option stops
reaching a model, not only when the run crashes.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from sklhep import BDTClassifier
from sklhep.bench import BenchConfig, BenchError, _report, _runner, minimum_events, run_bench

#: Small and fast; one thread (small batches on a shared machine, see docs/performance.md).
FAST: dict[str, Any] = {
    "quick": True,
    "n_events": 2_000,
    "max_epochs": 3,
    "n_estimators": 15,
    "threads": 1,
    "progress": False,
}


@pytest.fixture(autouse=True)
def no_plots(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plots are tested in test_bench.py; here they would only cost time."""
    monkeypatch.setattr(_report, "_plots", lambda config, report, extras: [])


@pytest.fixture
def fitted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """The fold models of each run, by family (``"MLP"``/``"BDT"``), as fitted."""
    models: dict[str, list[Any]] = {}

    class Recording(_runner.CrossEvaluator):
        def fit(self, X, y=None, **params):
            super().fit(X, y, **params)
            est = self.estimators_[0]
            est = est.regressor_ if hasattr(est, "regressor_") else est
            last = est[-1] if isinstance(est, Pipeline) else est
            family = "BDT" if "BDT" in type(last).__name__ else "MLP"
            models[family] = list(self.estimators_)
            return self

    monkeypatch.setattr(_runner, "CrossEvaluator", Recording)
    return models


def _last(model: Any) -> Any:
    model = getattr(model, "regressor_", model)
    return model[-1] if isinstance(model, Pipeline) else model


# --- the options reach both families --------------------------------------------------------


def test_options_reach_the_fitted_models(tmp_path, fitted):
    config = BenchConfig(
        out=tmp_path / "o",
        batch_size=77,
        class_weight="balanced",
        validation_fraction=0.25,
        **FAST,
    )
    report = run_bench(config)
    for mlp in map(_last, fitted["MLP"]):
        assert mlp.batch_size == 77
        assert mlp.class_weight == "balanced"
        assert mlp.validation_fraction == 0.25
        assert mlp.early_stopping is True
        assert mlp.max_epochs == 3
    for bdt in map(_last, fitted["BDT"]):
        assert bdt.class_weight == "balanced"
        assert bdt.validation_fraction == 0.25
        assert bdt.early_stopping is True
    mlp, bdt = report["models"]["MLP"]["settings"], report["models"]["BDT"]["settings"]
    assert mlp["batch_size"] == 77
    assert mlp["batch_size_rule"] == "--batch-size"
    assert mlp["class_weight"] == bdt["class_weight"] == "balanced"
    assert mlp["validation_fraction"] == bdt["validation_fraction"] == 0.25
    md = (tmp_path / "o" / "report.md").read_text()
    assert "| batch_size | 77 (--batch-size) |" in md
    assert "| class_weight | balanced | balanced |" in md


def test_class_weight_balanced_changes_the_fit(root_samples, tmp_path, fitted):
    """Not only a parameter: with a signal of a tenth of the background's net weight, the
    balanced fold models score the same event higher."""
    probe = pd.DataFrame({"pt": [40.0], "eta": [0.5]})
    scores = []
    for k, weight in enumerate(("none", "balanced")):
        config = BenchConfig(
            out=tmp_path / str(k),
            tree="tree",
            branches=["pt", "eta"],
            samples={"sig": [str(root_samples["sig"])], "bkg": [str(root_samples["bkg"])]},
            labels={"sig": 1, "bkg": 0},
            sample_scale={"sig": 0.1},
            class_weight=weight,
            **{**FAST, "n_events": None},
        )
        run_bench(config)
        for name in ("MLP", "BDT"):
            assert _last(fitted[name][0]).class_weight == (None if k == 0 else "balanced")
        scores.append([fitted[n][0].predict_proba(probe)[0, 1] for n in ("MLP", "BDT")])
    for plain, balanced in zip(*scores, strict=True):
        assert balanced > plain + 0.05


def test_no_early_stopping_trains_to_the_caps(tmp_path, fitted):
    config = BenchConfig(out=tmp_path / "o", early_stopping=False, **FAST)
    report = run_bench(config)
    for mlp in map(_last, fitted["MLP"]):
        assert mlp.early_stopping is False
        assert len(mlp.history_) == 3  # every epoch, no validation loss
        assert all(np.isnan(row["valid_loss"]) for row in mlp.history_)
    for bdt in map(_last, fitted["BDT"]):
        assert bdt.early_stopping is False
        assert bdt.n_estimators_ == 15
    for model in report["models"].values():
        assert model["settings"]["early_stopping"] is False
        assert model["settings"]["validation_fraction"] is None
        assert model["convergence"] == {
            "checked": False,
            "converged": None,
            "folds_at_cap": [],
            "warnings": [],
        }


def test_validation_fraction_sets_the_minimum_events(tmp_path):
    default = minimum_events("binary", 2, 0.15)
    assert minimum_events("binary", 2, 0.15, validation_fraction=0.2) < default
    assert minimum_events("binary", 2, 0.15, validation_fraction=0.05) > default
    assert minimum_events("binary", 2, 0.15, early_stopping=False) < default
    need = minimum_events("binary", 2, 0.15, validation_fraction=0.05)
    with pytest.raises(BenchError, match=f"--n-events {need} or more"):
        BenchConfig(out=tmp_path, quick=True, n_events=need - 1, validation_fraction=0.05)
    BenchConfig(out=tmp_path, quick=True, n_events=need, validation_fraction=0.05)


def test_toml_training_options(tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text(
        'batch_size = 64\nclass_weight = "balanced"\nearly_stopping = false\nquick = true\n'
    )
    config = BenchConfig.from_toml(cfg, out=tmp_path / "o")
    assert (config.batch_size, config.class_weight, config.early_stopping) == (
        64,
        "balanced",
        False,
    )
    mlp = _runner._make_model("mlp", config)[-1]
    assert (mlp.batch_size, mlp.class_weight, mlp.early_stopping) == (64, "balanced", False)
    assert _runner._make_model("bdt", config).class_weight == "balanced"


# --- the batch size and epoch cap scale with the events --------------------------------------


@pytest.mark.parametrize(
    ("n_events", "quick", "batch", "epochs", "patience"),
    [
        (2_304, False, 32, 114, 12),  # zmumu_2010, 3 folds: 1,382 training events per fold
        (7_500, False, 90, 100, 10),  # higgs_uci_subset
        (200_000, False, 1024, 43, 5),  # the default binary run
        (150_000, False, 1024, 57, 6),  # the default regression run
        (20_000, True, 180, 20, 5),  # --quick
    ],
)
def test_batch_size_and_epochs_scale_with_the_events(
    tmp_path, n_events, quick, batch, epochs, patience
):
    config = BenchConfig(out=tmp_path, quick=quick)
    plan = _runner.training_plan(config, n_events)
    assert (plan.batch_size, plan.max_epochs, plan.patience) == (batch, epochs, patience)
    assert _runner._make_model("mlp", config, plan=plan)[-1].n_iter_no_change == patience
    steps = plan.max_epochs * -(-plan.n_train // plan.batch_size)
    assert steps >= _runner.MIN_STEPS[quick] or plan.max_epochs == _runner.EPOCH_RANGE[quick][1]


def test_given_batch_size_and_epochs_are_used_as_given(tmp_path):
    config = BenchConfig(out=tmp_path, batch_size=16, max_epochs=7)
    plan = _runner.training_plan(config, 100_000)
    assert (plan.batch_size, plan.max_epochs) == (16, 7)
    assert plan.batch_size_rule == "--batch-size"
    assert plan.max_epochs_rule == "--max-epochs"
    # a given batch size still scales the automatic epoch cap
    plan = _runner.training_plan(BenchConfig(out=tmp_path, batch_size=4096), 2_304)
    assert plan.max_epochs == 300  # 1 step per epoch: the cap


# --- a model stopped at its cap is reported ----------------------------------------------------


def test_model_at_its_cap_is_reported(tmp_path, capsys):
    """One epoch: its best epoch is the last, so the MLP is not converged; 2 trees: the BDT
    grows all of them. Both say so in report.json, report.md and the printed summary."""
    out = tmp_path / "o"
    config = BenchConfig(out=out, **{**FAST, "max_epochs": 1, "n_estimators": 2})
    run_bench(config)
    report = json.loads((out / "report.json").read_text())
    mlp = report["models"]["MLP"]["convergence"]
    assert mlp["checked"] is True
    assert mlp["converged"] is False
    assert mlp["folds_at_cap"] == [0, 1]
    assert mlp["stopped_at"] == [1, 1]
    assert "max_epochs=1" in mlp["message"]
    assert any("ConvergenceWarning" in w or "max_epochs=1" in w for w in mlp["warnings"])
    bdt = report["models"]["BDT"]["convergence"]
    assert bdt["converged"] is False
    assert "--n-estimators" in bdt["message"]
    md = (out / "report.md").read_text()
    assert "**MLP not converged:**" in md
    assert "**BDT not converged:**" in md
    printed = capsys.readouterr().out
    assert "note: MLP not converged:" in printed


def test_converged_model_has_no_note(tmp_path):
    config = BenchConfig(out=tmp_path / "o", models=("bdt",), **{**FAST, "n_estimators": 400})
    report = run_bench(config)
    conv = report["models"]["BDT"]["convergence"]
    assert conv["converged"] is True
    assert conv["message"] is None
    assert "not converged" not in (tmp_path / "o" / "report.md").read_text()


# --- missing values ---------------------------------------------------------------------------


def _jet_config(out, jet_samples, **extra):
    return BenchConfig(
        out=out,
        tree="Events",
        branches=["met", "Jet_pt[0]"],
        samples={"sig": [str(jet_samples["sig"])], "bkg": [str(jet_samples["bkg"])]},
        **{**FAST, "n_events": None, **extra},
    )


def test_nan_inputs_mlp_imputes_bdt_native(jet_samples, tmp_path, fitted, monkeypatch):
    seen: list[np.ndarray] = []
    fit = BDTClassifier.fit

    def spy(self, X, y, **kwargs):
        seen.append(np.asarray(X, dtype=np.float64))
        return fit(self, X, y, **kwargs)

    monkeypatch.setattr(BDTClassifier, "fit", spy)
    out = tmp_path / "o"
    report = run_bench(_jet_config(out, jet_samples))
    missing = report["data"]["missing"]
    assert list(missing) == ["Jet_pt[0]"]
    assert 0.2 < missing["Jet_pt[0]"] < 0.5
    # the BDT sees the NaN itself: no imputation in front of it
    assert seen
    assert all(np.isnan(X[:, 1]).any() for X in seen)
    assert not any(isinstance(m, Pipeline) for m in fitted["BDT"])
    # the MLP: median imputation + a missing indicator, then the scaler
    for model in fitted["MLP"]:
        imputer = model.named_steps["imputer"]
        assert isinstance(imputer, SimpleImputer)
        assert imputer.strategy == "median"
        assert imputer.add_indicator
        assert model[-1].n_features_in_ == 3  # met, Jet_pt[0], is-missing(Jet_pt[0])
    for name in ("MLP", "BDT"):
        assert 0.6 < report["models"][name]["auc"] <= 1
    assert "median imputation" in report["models"]["MLP"]["settings"]["missing_values"]
    assert "native" in report["models"]["BDT"]["settings"]["missing_values"]
    md = (out / "report.md").read_text()
    assert "**Missing values (NaN)** in Jet_pt[0]" in md
    assert "MLP: median imputation with a missing-value indicator" in md
    assert "BDT: xgboost's native missing-value handling" in md


def test_no_nan_no_imputer(tmp_path, fitted):
    report = run_bench(BenchConfig(out=tmp_path / "o", models=("mlp",), **FAST))
    assert report["data"]["missing"] == {}
    assert "imputer" not in fitted["MLP"][0].named_steps
    assert report["models"]["MLP"]["settings"]["missing_values"] is None


@pytest.mark.data
def test_zmumu_gets_small_batches_and_more_epochs(data_path, tmp_path):
    """The 2,304 real Z→μμ events (docs/bench.md): batch 32, a cap of 114 epochs and a
    patience of 12, where the former fixed setting (batch 1024, 30 epochs) gave 60 steps."""
    from sklhep.bench._data import load_data

    path = data_path("zmumu_2010", "uproot-Zmumu.root")
    config = BenchConfig(
        out=tmp_path / "o",
        task="regression",
        tree="events",
        branches=["E1", "px1", "py1", "pz1", "E2", "px2", "py2", "pz2"],
        target="M",
        samples={"z": [str(path)]},
        progress=False,
    )
    data = load_data(config)
    assert len(data.y) == 2304
    plan = _runner.training_plan(config, len(data.y), missing=bool(data.X.isna().any().any()))
    assert (plan.n_train, plan.batch_size, plan.max_epochs, plan.patience) == (1382, 32, 114, 12)
    assert not plan.impute
