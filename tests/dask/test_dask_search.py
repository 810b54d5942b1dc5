"""GridSearchCV and cross_validate over sklhep estimators on a Dask cluster (joblib backend)."""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np
import pytest
import sklearn
from dask_timeouts import bounded
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import request_sample_weight
from sklhep.datasets import make_signal_background
from sklhep.ensemble import BDTClassifier
from sklhep.metrics import get_scorer, roc_auc_score

FEATURES = ["m_jj", "lep_pt", "met", "ht"]
GRID = {"bdtclassifier__max_depth": [1, 3], "bdtclassifier__n_estimators": [5, 25]}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    df = make_signal_background(1500, negative_fraction=0.15, random_state=1)
    return df[FEATURES].to_numpy(), df["label"].to_numpy(), df["weight"].to_numpy()


def _search() -> GridSearchCV:
    model = make_pipeline(StandardScaler(), BDTClassifier(device="cpu", n_jobs=1, random_state=0))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return request_sample_weight(GridSearchCV(model, GRID, scoring="roc_auc", cv=cv, n_jobs=2))


def _fit(backend: str, X: np.ndarray, y: np.ndarray, w: np.ndarray) -> GridSearchCV:
    # Metadata routing is a thread-local scikit-learn setting: set it where fit runs.
    with sklearn.config_context(enable_metadata_routing=True), joblib.parallel_backend(backend):
        return _search().fit(X, y, sample_weight=w)


def test_grid_search_on_dask_matches_local(client: Any, data: tuple[np.ndarray, ...]) -> None:
    X, y, w = data
    local = _fit("sequential", X, y, w)
    on_dask = bounded(lambda: _fit("dask", X, y, w), timeout=90)
    assert on_dask.best_params_ == local.best_params_
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], rtol=1e-12
    )
    # The tasks ran on the cluster's worker processes.
    assert sum(client.run(lambda: 1).values()) == 2


def test_routed_weights_reach_fit_and_score_on_dask(client: Any, data: tuple) -> None:
    X, y, w = data
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), BDTClassifier(n_estimators=10, device="cpu", n_jobs=1))

    def run() -> dict[str, Any]:
        with (
            sklearn.config_context(enable_metadata_routing=True),
            joblib.parallel_backend("dask"),
        ):
            est = request_sample_weight(model)
            return cross_validate(
                est,
                X,
                y,
                scoring=get_scorer("roc_auc"),
                cv=cv,
                params={"sample_weight": w},
                n_jobs=2,
            )

    scores = bounded(run, timeout=90)["test_score"]
    # The same folds by hand, with the signed weights in fit and in the score.
    expected = []
    for train, test in cv.split(X, y):
        fitted = sklearn.clone(model)
        fitted.fit(X[train], y[train], bdtclassifier__sample_weight=w[train])
        score = fitted.decision_function(X[test])
        expected.append(roc_auc_score(y[test], score, sample_weight=w[test]))
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
