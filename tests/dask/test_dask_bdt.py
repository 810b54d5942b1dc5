"""BDTClassifier/BDTRegressor on Dask input: xgboost.dask with signed weights."""

from __future__ import annotations

from typing import Any

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pytest
from dask_timeouts import bounded

from sklhep.datasets import make_signal_background
from sklhep.ensemble import BDTClassifier, BDTRegressor
from sklhep.ensemble import _dask as bdt_dask
from sklhep.metrics import roc_auc_score

FEATURES = ["m_jj", "lep_pt", "lep_eta", "met", "jet1_pt", "jet2_pt", "delta_r_jj", "ht"]
KW: dict[str, Any] = {
    "n_estimators": 40,
    "max_depth": 4,
    "device": "cpu",
    "random_state": 0,
    "early_stopping": False,
}


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    train = make_signal_background(12_000, negative_fraction=0.15, random_state=0)
    test = make_signal_background(12_000, negative_fraction=0.15, random_state=1)
    return {
        "X": train[FEATURES].to_numpy(),
        "y": train["label"].to_numpy(),
        "w": train["weight"].to_numpy(),
        "Xt": test[FEATURES].to_numpy(),
        "yt": test["label"].to_numpy(),
        "wt": test["weight"].to_numpy(),
    }


def _dask(data: dict[str, np.ndarray]) -> tuple[Any, Any, Any]:
    return (
        da.from_array(data["X"], chunks=(3000, -1)),
        da.from_array(data["y"], chunks=3000),
        da.from_array(data["w"], chunks=3000),
    )


def test_distributed_fit_matches_single_machine_auc(client: Any, data: dict) -> None:
    assert np.mean(data["w"] < 0) == pytest.approx(0.15, abs=0.01)
    local = BDTClassifier(**KW).fit(data["X"], data["y"], sample_weight=data["w"])
    dist = bounded(lambda: BDTClassifier(**KW).fit(*_dask(data)))
    assert dist.signed_objective_
    # min_child_weight="auto" resolves on the same training weights on both paths
    assert dist.min_child_weight_ == pytest.approx(local.min_child_weight_, rel=1e-9)
    assert dist.min_child_weight_ > 1
    auc_local = roc_auc_score(
        data["yt"], local.decision_function(data["Xt"]), sample_weight=data["wt"]
    )
    auc_dist = roc_auc_score(
        data["yt"], dist.decision_function(data["Xt"]), sample_weight=data["wt"]
    )
    assert abs(auc_dist - auc_local) < 0.005
    # The weighted training metric is the net loss of the whole data set, as on one machine
    # (to the difference of the first tree: the distributed quantile sketch depends on how
    # the chunks land on the workers, 1e-4 relative here; a wrong normalisation is > 1e-2).
    np.testing.assert_allclose(
        dist.history_[0]["train_loss"], local.history_[0]["train_loss"], rtol=1e-3
    )
    # Predictions on Dask input: a Dask array, block by block, equal to numpy's.
    proba = dist.predict_proba(da.from_array(data["Xt"], chunks=(5000, -1)))
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(bounded(proba.compute), dist.predict_proba(data["Xt"]))


@pytest.mark.parametrize(
    ("policy", "class_weight"), [("abs", None), ("drop", "balanced"), ("clip", {1: 2.0})]
)
def test_policies_and_class_weights_train_on_the_local_weights(
    client: Any, data: dict, policy: str, class_weight: Any
) -> None:
    """The Dask path takes its training weights from sklhep.weights' plan: the first
    round's net training loss (a function of those weights alone) equals the local one."""
    kw = {**KW, "n_estimators": 2, "negative_weights": policy, "class_weight": class_weight}
    # one signal event in three (so "balanced" matters), and below the local fit's 10k-event
    # training-metric subset, so both metrics use every event
    rows = np.flatnonzero((data["y"] == 0) | (np.arange(data["y"].shape[0]) % 3 == 0))[:8000]
    X, y, w = data["X"][rows], data["y"][rows], data["w"][rows]
    local = BDTClassifier(**kw).fit(X, y, sample_weight=w)
    dist = bounded(
        lambda: BDTClassifier(**kw).fit(
            da.from_array(X, chunks=(2000, -1)),
            da.from_array(y, chunks=2000),
            da.from_array(w, chunks=2000),
        )
    )
    # (the first trees differ a little: the distributed quantile sketch; the policies and
    # class weights move this loss by 1-20 %)
    np.testing.assert_allclose(
        dist.history_[0]["train_loss"], local.history_[0]["train_loss"], rtol=2e-3
    )


def test_dataframe_input_early_stopping_and_classes(client: Any, data: dict) -> None:
    import pandas as pd

    frame = pd.DataFrame(data["X"], columns=FEATURES)
    frame["label"] = np.where(data["y"] == 1, "sig", "bkg")
    frame["weight"] = data["w"]
    ddf = dd.from_pandas(frame, npartitions=4)
    est = BDTClassifier(
        **{**KW, "n_estimators": 200, "early_stopping": True, "n_iter_no_change": 3}
    )
    est = bounded(lambda: est.fit(ddf[FEATURES], ddf["label"], sample_weight=ddf["weight"]))
    assert est.classes_.tolist() == ["bkg", "sig"]
    assert list(est.feature_names_in_) == FEATURES
    assert est.n_estimators_ == est.best_iteration_ + 1 < 200
    valid = [r["valid_loss"] for r in est.history_]
    assert int(np.argmin(valid)) == est.best_iteration_
    labels = bounded(est.predict(dd.from_pandas(frame[FEATURES], npartitions=3)).compute)
    assert set(labels) <= {"bkg", "sig"}


@pytest.mark.parametrize("objective", ["squared_error", "absolute_error"])
def test_regressor_signed_weights(client: Any, data: dict, objective: str) -> None:
    y = data["X"][:, 0] / 100.0
    X, _, w = _dask(data)
    kw = {**KW, "objective": objective}
    local = BDTRegressor(**kw).fit(data["X"], y, sample_weight=data["w"])
    dist = bounded(lambda: BDTRegressor(**kw).fit(X, da.from_array(y, chunks=3000), w))
    err_local = np.average((local.predict(data["Xt"]) - data["Xt"][:, 0] / 100) ** 2)
    err_dist = np.average((dist.predict(data["Xt"]) - data["Xt"][:, 0] / 100) ** 2)
    assert err_dist < 2 * err_local + 1e-4


def test_errors_are_clear(client: Any, data: dict) -> None:
    X, y, w = _dask(data)
    bad = w.copy()
    bad[5] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        bounded(lambda: BDTClassifier(**KW).fit(X, y, bad))
    with pytest.raises(ValueError, match="single class"):
        bounded(lambda: BDTClassifier(**KW).fit(X, da.zeros_like(y), w))
    with pytest.raises(ValueError, match="class 1 has net sample weight"):
        bounded(lambda: BDTClassifier(**KW).fit(X, y, da.where(y == 1, -0.1 * abs(w), w)))
    with pytest.raises(ValueError, match="must match"):
        bounded(lambda: BDTClassifier(**KW).fit(X, y[:100], w[:100]))


def _failing_block(block: np.ndarray) -> np.ndarray:
    if block[0, 0] > -np.inf:  # every block: the worker raises while the fit is running
        raise RuntimeError("worker lost its input file")
    return block  # pragma: no cover


def test_failing_worker_gives_an_error_not_a_hang(client: Any, data: dict) -> None:
    X, y, w = _dask(data)
    X = X.map_blocks(_failing_block, dtype=X.dtype)
    with pytest.raises(Exception, match="worker lost its input file") as info:
        bounded(lambda: BDTClassifier(**KW).fit(X, y, w), timeout=60)
    assert "probably lost" not in str(info.value)  # an error, not a lost worker

    # A failure inside the training loop (here: the objective on one worker) also raises.
    class Exploding(bdt_dask._DistributedObjective):
        def __call__(self, predt: np.ndarray, dtrain: Any) -> Any:
            raise FloatingPointError("objective exploded on a worker")

    real = bdt_dask._DistributedObjective
    bdt_dask._DistributedObjective = Exploding  # type: ignore[misc]
    try:
        with pytest.raises(RuntimeError, match="objective exploded on a worker"):
            bounded(lambda: BDTClassifier(**KW).fit(*_dask(data)), timeout=60)
    finally:
        bdt_dask._DistributedObjective = real  # type: ignore[misc]
    # The cluster is still usable afterwards.
    assert bounded(lambda: client.submit(sum, [1, 2]).result(timeout=30)) == 3


def test_no_client_is_a_clear_error(data: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    def no_client() -> None:
        raise ValueError("No clients found")

    monkeypatch.setattr(distributed, "default_client", no_client)
    with pytest.raises(ValueError, match="needs a running Dask cluster"):
        BDTClassifier(**KW).fit(*_dask(data))


def test_drop_with_an_all_negative_class_is_the_local_error(client: Any) -> None:
    """The distributed fit plans the weights from per-class sums: the same error as the
    in-memory fits (tests/test_weight_plan.py)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.repeat([0, 1, 2], 100)
    w = np.where(y == 2, -1.0, 1.0)
    with pytest.raises(
        ValueError, match=r"class 2 has net sample weight 0 <= 0.*'drop' removed the class's"
    ):
        bounded(
            lambda: BDTClassifier(negative_weights="drop", device="cpu").fit(
                da.from_array(X, chunks=(100, 3)),
                da.from_array(y, chunks=100),
                da.from_array(w, chunks=100),
            )
        )
