"""``sklhep bench`` checks every option, the output folder and the input before training.

Most tests here make sure nothing is read or trained: ``load_data`` is replaced by a
function that fails the test if it is called.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from sklhep import cli
from sklhep.bench import BenchConfig, BenchError, _report, _runner, minimum_events, run_bench

FAST = [
    "--quick",
    "--no-progress",
    "--max-epochs",
    "2",
    "--n-estimators",
    "5",
    "--threads",
    "1",
]


def _bench(args: list[str]) -> int:
    return cli.main(["bench", *args])


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("sklhep bench: error: "), err
    return lines[0]


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the run gets as far as reading (or generating) the data."""

    def load_data(config: object) -> None:
        raise AssertionError("the data were read before the options were checked")

    monkeypatch.setattr(_runner, "load_data", load_data)


# --- the output folder ----------------------------------------------------------------------


def test_non_empty_out_is_refused(tmp_path, capsys, no_training):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.md").write_text("my notes")
    assert _bench(["--out", str(out), *FAST]) == 2
    line = _one_line_error(capsys)
    assert str(out) in line
    assert "--overwrite" in line
    assert (out / "report.md").read_text() == "my notes"


def test_hidden_file_makes_out_non_empty(tmp_path, capsys, no_training):
    (tmp_path / ".keep").write_text("")
    assert _bench(["--out", str(tmp_path), *FAST]) == 2
    assert "--overwrite" in _one_line_error(capsys)


def test_out_that_is_a_file_is_refused(tmp_path, capsys, no_training):
    out = tmp_path / "report.md"
    out.write_text("my notes")
    for extra in ([], ["--overwrite"]):
        assert _bench(["--out", str(out), *FAST, *extra]) == 2
        line = _one_line_error(capsys)
        assert str(out) in line
        assert "existing file" in line
    assert out.read_text() == "my notes"


def test_out_under_a_file_is_refused(tmp_path, capsys, no_training):
    parent = tmp_path / "file"
    parent.write_text("")
    assert _bench(["--out", str(parent / "out"), *FAST]) == 2
    assert "--out" in _one_line_error(capsys)


def test_unwritable_out_is_found_before_training(tmp_path, capsys, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)  # 0o500
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("file permissions are not enforced here (running as root?)")
        out = locked / "report"
        assert _bench(["--out", str(out), *FAST]) == 2
        line = _one_line_error(capsys)
        assert "--out" in line
        assert str(out) in line
        assert not out.exists()
    finally:
        locked.chmod(stat.S_IRWXU)


def test_failed_write_probe_is_reported(tmp_path, capsys, monkeypatch, no_training):
    """The write probe (what catches a read-only --out even where root ignores chmod)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_report.tempfile, "TemporaryFile", refuse)
    out = tmp_path / "out"
    assert _bench(["--out", str(out), *FAST]) == 2
    line = _one_line_error(capsys)
    assert f"--out {str(out)!r} cannot be written to: Permission denied" in line


def test_empty_existing_out_is_accepted_and_probe_removed(tmp_path, monkeypatch):
    """An empty folder is fine without --overwrite; the write probe leaves nothing behind."""
    seen = []

    def load_data(config):
        seen.append(sorted(p.name for p in config.out.iterdir()))
        raise RuntimeError("stop here")

    monkeypatch.setattr(_runner, "load_data", load_data)
    with pytest.raises(RuntimeError, match="stop here"):
        run_bench(BenchConfig(out=tmp_path, quick=True, progress=False))
    assert seen == [[]]


def test_overwrite_writes_into_a_non_empty_out(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "report.md").write_text("old report")
    (out / "notes.txt").write_text("keep me")
    args = ["--out", str(out), "--overwrite", "--models", "bdt", "--n-events", "1000", *FAST]
    assert _bench(args) == 0
    assert (out / "report.md").read_text().startswith("# sklhep bench: binary")
    assert json.loads((out / "report.json").read_text())["data"]["n_events"] == 1000
    assert (out / "notes.txt").read_text() == "keep me"


# --- the options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--n-events", "0"], "--n-events"),
        (["--n-events", "-5"], "--n-events"),
        (["--n-estimators", "0"], "--n-estimators"),
        (["--n-estimators", "-1"], "--n-estimators"),
        (["--max-epochs", "0"], "--max-epochs"),
        (["--max-epochs", "-3"], "--max-epochs"),
        (["--folds", "1"], "--folds"),
        (["--folds", "0"], "--folds"),
        (["--n-features", "0"], "--n-features"),
        (["--n-features", "201"], "--n-features"),
        (["--negative-fraction", "-0.1"], "--negative-fraction"),
        (["--negative-fraction", "0.5"], "--negative-fraction"),
        (["--negative-fraction", "nan"], "--negative-fraction"),
        (["--signal-yield", "0"], "--signal-yield"),
        (["--signal-yield", "inf"], "--signal-yield"),
        (["--background-yield", "-1"], "--background-yield"),
        (["--seed", "-1"], "--seed"),
        (["--device", "gpu"], "--device"),
        (["--models", "mlp,xgb"], "--models"),
        (["--models", "bdt,bdt"], "--models"),
        (["--max-entries", "0"], "--max-entries"),
        (["--samples", "sig=a.root", "--sample-scale", "sig=abc"], "--sample-scale"),
        (["--samples", "sig=a.root", "--labels", "bkg=0"], "--labels"),
        (["--samples", "sig=a.root", "--tree", "t"], "--branches"),
        (["--batch-size", "0"], "--batch-size"),
        (["--batch-size", "-32"], "--batch-size"),
        (["--batch-size", "64", "--models", "bdt"], "--batch-size"),
        (["--class-weight", "equal"], "--class-weight"),
        (["--class-weight", "balanced", "--task", "regression"], "--class-weight"),
        (["--validation-fraction", "0"], "--validation-fraction"),
        (["--validation-fraction", "1"], "--validation-fraction"),
        (["--validation-fraction", "nan"], "--validation-fraction"),
        (["--validation-fraction", "0.2", "--no-early-stopping"], "--no-early-stopping"),
    ],
)
def test_bad_option_fails_before_training(args, flag, tmp_path, capsys, no_training):
    out = tmp_path / "out"
    argv = ["--out", str(out), *FAST, *args]
    if "--samples" in args and "--tree" not in args:
        argv += ["--tree", "t", "--branches", "x"]
    assert _bench(argv) == 2
    assert flag in _one_line_error(capsys)
    assert not out.exists()


def test_max_epochs_zero_is_not_the_default(tmp_path):
    """``max_epochs or 10`` made 0 mean 10; 0 is an error, and a value is used as given."""
    with pytest.raises(BenchError, match="--max-epochs"):
        BenchConfig(out=tmp_path, max_epochs=0)
    with pytest.raises(BenchError, match="--n-estimators"):
        BenchConfig(out=tmp_path, n_estimators=0)
    config = BenchConfig(out=tmp_path, quick=True, max_epochs=1, n_estimators=1)
    assert _runner._make_model("mlp", config)[-1].max_epochs == 1
    assert _runner._make_model("bdt", config).n_estimators == 1
    assert _runner._default(0, 10) == 0
    assert _runner._default(None, 10) == 10


def test_threads_reach_both_models(tmp_path):
    with pytest.raises(BenchError, match="--threads"):
        BenchConfig(out=tmp_path, threads=0)
    config = BenchConfig(out=tmp_path, quick=True, threads=1)
    assert _runner._make_model("mlp", config)[-1].n_jobs == 1
    assert _runner._make_model("bdt", config).n_jobs == 1
    default = BenchConfig(out=tmp_path, quick=True)
    assert _runner._make_model("mlp", default)[-1].n_jobs is None  # the CPUs allowed


def test_changed_config_is_checked_again(tmp_path, no_training):
    """run_bench checks the options again: a field set after construction is caught."""
    config = BenchConfig(out=tmp_path / "out", quick=True, progress=False)
    config.max_epochs = 0
    with pytest.raises(BenchError, match="--max-epochs"):
        run_bench(config)


@pytest.mark.parametrize(
    ("toml", "flag"),
    [
        ("n_estimators = 0", "--n-estimators"),
        ("max_epochs = 2.5", "--max-epochs"),
        ('quick = "yes"', "--quick"),
        ("signal_yield = -3.0", "--signal-yield"),
        ("n_events = 10", "--n-events"),
        ("batch_size = 0", "--batch-size"),
        ('class_weight = "auto"', "--class-weight"),
        ("validation_fraction = 1.5", "--validation-fraction"),
        ('early_stopping = "no"', "--no-early-stopping"),
        ("nevents = 10", "unknown keys"),
    ],
)
def test_bad_toml_option(toml, flag, tmp_path, capsys, no_training):
    cfg = tmp_path / "bench.toml"
    cfg.write_text(toml + "\n")
    assert _bench(["--config", str(cfg), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert flag in _one_line_error(capsys)


# --- too few events -------------------------------------------------------------------------


def test_too_few_events_names_the_minimum(tmp_path, capsys, no_training):
    assert _bench(["--out", str(tmp_path / "o"), *FAST, "--n-events", "10"]) == 2
    line = _one_line_error(capsys)
    need = minimum_events("binary", 2, 0.15)
    assert f"--n-events {need} or more" in line
    assert "test_size" not in line


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("folds", [2, 3, 10])
def test_minimum_events_grows_with_negative_weights(task, folds):
    counts = [minimum_events(task, folds, f) for f in (0.0, 0.15, 0.3, 0.45)]
    assert counts == sorted(counts)
    assert counts[0] >= 10 * folds  # 10 events per class per fold at least


def test_minimum_events_is_accepted_and_runs(tmp_path):
    need = minimum_events("binary", 2, 0.15)
    with pytest.raises(BenchError, match=f"--n-events {need} or more"):
        BenchConfig(out=tmp_path, quick=True, n_events=need - 1)
    out = tmp_path / "o"
    assert _bench(["--out", str(out), *FAST, "--n-events", str(need)]) == 0
    assert json.loads((out / "report.json").read_text())["data"]["n_events"] == need


def test_default_events_checked_against_negative_fraction(tmp_path, capsys, no_training):
    """The default --quick sample (20,000 events) is too small for 45 % negative weights."""
    assert _bench(["--out", str(tmp_path / "o"), *FAST, "--negative-fraction", "0.45"]) == 2
    line = _one_line_error(capsys)
    assert "--n-events 20000 (the default)" in line


def _root_args(out, *extra):
    return [
        "--out",
        str(out),
        "--tree",
        "tree",
        "--branches",
        "pt",
        "eta",
        "--weight",
        "w",
        *FAST,
        *extra,
    ]


def test_root_input_too_small_fails_before_training(root_samples, tmp_path, capsys, monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("trained on too few events")

    monkeypatch.setattr(_runner.CrossEvaluator, "fit", fit)
    samples = ["--samples", f"sig={root_samples['sig']}", f"bkg={root_samples['bkg']}"]
    args = _root_args(tmp_path / "o", *samples, "--max-entries", "30")
    assert _bench(args) == 2
    line = _one_line_error(capsys)
    assert "30 events" in line
    assert "--max-entries" in line


def test_root_input_one_class_fails_before_training(root_samples, tmp_path, capsys, monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("trained on one class")

    monkeypatch.setattr(_runner.CrossEvaluator, "fit", fit)
    args = _root_args(tmp_path / "o", "--samples", f"sig={root_samples['sig']}")
    assert _bench(args) == 2
    assert "two or more" in _one_line_error(capsys)


# --- errors that are bugs -------------------------------------------------------------------


@pytest.mark.parametrize("error", [ValueError, KeyError, TypeError])
def test_a_bug_keeps_its_traceback(error, tmp_path, monkeypatch):
    """Only the validation errors become one-line messages; a bug is not hidden."""

    def load_data(config):
        raise error("a bug")

    monkeypatch.setattr(_runner, "load_data", load_data)
    with pytest.raises(error, match="a bug"):
        _bench(["--out", str(tmp_path / "o"), *FAST])


def test_debug_shows_the_traceback(tmp_path, no_training):
    with pytest.raises(BenchError, match="--max-epochs"):
        cli.main(["--debug", "bench", "--out", str(tmp_path / "o"), "--max-epochs", "0"])


def test_quick_run_gives_the_fold_models_their_feature_names(tmp_path):
    """The fold models learn the feature names, so the bench's direct calls (overtraining
    check, permutation importance) pass DataFrames: no "X does not have valid feature
    names" warning."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*valid feature names")
        config = BenchConfig(
            out=tmp_path / "out",
            quick=True,
            n_events=2_000,
            max_epochs=2,
            n_estimators=5,
            threads=1,
            progress=False,
        )
        run_bench(config)
