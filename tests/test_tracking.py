"""sklhep.tracking.log_history: per-epoch/per-round history to TensorBoard and MLflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sklhep import BDTClassifier, MLPClassifier
from sklhep.tracking import history_of, log_history

pytest.importorskip("tensorboard")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(500, 3)).astype(np.float32)
    y = (X[:, 0] + rng.normal(size=500) > 0).astype(int)
    w = np.where(rng.random(500) < 0.15, -0.5, 1.0)
    return X, y, w


@pytest.fixture(scope="module")
def mlp(data):
    X, y, w = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return MLPClassifier((4,), max_epochs=3, early_stopping=True, random_state=0).fit(
            X, y, sample_weight=w
        )


@pytest.fixture(scope="module")
def bdt(data):
    X, y, w = data
    return BDTClassifier(
        n_estimators=4, early_stopping=True, device="cpu", n_jobs=1, random_state=0
    ).fit(X, y, sample_weight=w)


def _scalars(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


@pytest.mark.parametrize("family", ["mlp", "bdt"])
def test_tensorboard_logdir(family, request, tmp_path):
    model = request.getfixturevalue(family)
    log_history(model, tensorboard=tmp_path, prefix=f"{family}/")
    scalars = _scalars(tmp_path)
    for key in ("train_loss", "valid_loss", "lr"):
        logged = scalars[f"{family}/{key}"]
        assert [s for s, _ in logged] == [r["epoch"] for r in model.history_]
        np.testing.assert_allclose(
            [v for _, v in logged], [r[key] for r in model.history_], rtol=1e-6
        )
    assert f"{family}/best_epoch" in scalars


def test_tensorboard_writer_left_open(mlp, tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    log_history(mlp, tensorboard=writer)
    writer.add_scalar("after", 1.0, 0)  # still usable
    writer.close()
    assert "valid_loss" in _scalars(tmp_path)


def test_nan_valid_loss_is_skipped(data):
    X, y, w = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = MLPClassifier((4,), max_epochs=2, early_stopping=False, random_state=0)
        model.fit(X, y, sample_weight=w)
    names = {name for name, _, _ in log_history(model)}
    assert "valid_loss" not in names
    assert "train_loss" in names


def test_pipeline_and_search_are_unwrapped(bdt, data):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _w = data
    pipe = make_pipeline(StandardScaler(), BDTClassifier(n_estimators=2, device="cpu", n_jobs=1))
    pipe.fit(X, y)
    model, history = history_of(pipe)
    assert model is pipe[-1]
    assert len(history) == 2
    with pytest.raises(ValueError, match="no history_"):
        history_of(StandardScaler())


def test_mlflow_run(mlp, bdt, tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(tmp_path.as_uri())
    try:
        experiment = mlflow.set_experiment("sklhep-test")
        with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
            log_history(mlp, mlflow=True, prefix="mlp/")
            log_history(bdt, mlflow=run, prefix="bdt/")
        client = mlflow.tracking.MlflowClient()
        for prefix, model in (("mlp/", mlp), ("bdt/", bdt)):
            hist = client.get_metric_history(run.info.run_id, f"{prefix}valid_loss")
            got = sorted((m.step, m.value) for m in hist)
            want = [(r["epoch"], r["valid_loss"]) for r in model.history_]
            np.testing.assert_allclose(got, want, rtol=1e-6)
        params = client.get_run(run.info.run_id).data.params
        assert params["mlp/max_epochs"] == "3"
        assert params["bdt/n_estimators"] == "4"
    finally:
        mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_mlflow_sqlite_store(bdt, tmp_path):
    mlflow = pytest.importorskip("mlflow")
    pytest.importorskip("sqlalchemy")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        experiment = mlflow.set_experiment("sklhep-sqlite")
        with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
            log_history(bdt, mlflow=True)
        hist = mlflow.tracking.MlflowClient().get_metric_history(run.info.run_id, "train_loss")
        assert len(hist) == len(bdt.history_)
    finally:
        mlflow.set_tracking_uri(None)
