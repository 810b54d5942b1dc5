"""Regression tests for failure modes that used to give wrong answers silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sklhep import BDTClassifier, CrossEvaluator, EventNumberKFold, MLPClassifier, MLPRegressor
from sklhep.exceptions import ConvergenceWarning, DivergenceError

MLP_FAST = {"hidden_layer_sizes": (8,), "device": "cpu", "random_state": 0}


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_diverging_mlp_raises_even_when_the_loss_stays_finite(data, cls):
    """learning_rate=1e3 drives the loss to 1e6-1e30 (finite): not a model to return."""
    X, y = data
    target = y if cls is MLPClassifier else 3 * X[:, 0]
    with pytest.raises(DivergenceError, match="100 times the loss of a constant prediction"):
        cls(learning_rate=1e3, max_epochs=10, **MLP_FAST).fit(X, target)


def test_a_normal_fit_is_not_called_divergent(data):
    X, y = data
    clf = MLPClassifier(max_epochs=5, **MLP_FAST).fit(X, y)
    assert clf.n_epochs_ == 5


def test_convergence_warning_when_max_epochs_stops_an_improving_fit(data):
    X, _ = data
    with pytest.warns(ConvergenceWarning, match="max_epochs=2 while the validation loss"):
        MLPRegressor(max_epochs=2, early_stopping=True, batch_size=1024, **MLP_FAST).fit(
            X, X[:, 0] + X[:, 1]
        )


def test_the_convergence_warning_is_scikit_learns_too():
    from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning

    assert issubclass(ConvergenceWarning, SklearnConvergenceWarning)


def _misaligned(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"], index=np.arange(1000, 1600))
    w = pd.Series(np.ones(600), index=frame.index[::-1])  # same labels, other order
    return frame, pd.Series(y, index=frame.index), w


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLPClassifier(max_epochs=1, **MLP_FAST),
        lambda: BDTClassifier(n_estimators=2, device="cpu"),
        lambda: CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=2),
    ],
    ids=["MLP", "BDT", "CrossEvaluator"],
)
def test_a_weight_series_with_another_index_is_refused(data, make):
    X, y, w = _misaligned(data)
    with pytest.raises(ValueError, match=r"index differs from X's index.*reindex\(X.index\)"):
        make().fit(X, y, sample_weight=w)
    # aligned: accepted
    make().fit(X, y, sample_weight=w.reindex(X.index))


def test_partial_fit_with_other_classes_raises(data):
    X, y = data
    clf = MLPClassifier(**MLP_FAST).partial_fit(X, y, classes=[0, 1])
    clf.partial_fit(X, y)  # no classes: fine
    clf.partial_fit(X, y, classes=[0, 1])  # the same: fine
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_cross_evaluator_accepts_event_numbers(data):
    """The alignment check does not get in the way of groups (event numbers)."""
    X, y, w = _misaligned(data)
    cv = CrossEvaluator(BDTClassifier(n_estimators=2, device="cpu"), cv=EventNumberKFold(2))
    cv.fit(X, y, groups=np.arange(600), sample_weight=w.reindex(X.index))
