"""``MLPClassifier(dropout="auto")``: 0 without negative weights, 0.3 with them (issue 14's
safe default, measured in benchmarks/mlp_signed_defaults.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sklhep import MLPClassifier, MLPRegressor
from sklhep.datasets import make_signal_background

FAST = {"max_epochs": 3, "random_state": 0, "device": "cpu", "n_jobs": 1}


def _data(n: int = 2000):
    df = make_signal_background(n, n_features=5, negative_fraction=0.15, random_state=2)
    return df.iloc[:, :5].to_numpy(np.float32), df["label"].to_numpy(), df["weight"].to_numpy()


def _dropouts(model) -> list[float]:
    return [m.p for m in model.module_.modules() if isinstance(m, torch.nn.Dropout)]


def test_defaults():
    assert MLPClassifier().dropout == "auto"
    assert MLPRegressor().dropout == 0.0


def test_auto_without_negative_weights_is_no_dropout_and_identical_to_zero():
    X, y, w = _data()
    auto = MLPClassifier(**FAST).fit(X, y, sample_weight=np.abs(w))
    zero = MLPClassifier(dropout=0.0, **FAST).fit(X, y, sample_weight=np.abs(w))
    assert auto.dropout_ == 0.0
    assert _dropouts(auto) == [0.0] * 3 or _dropouts(auto) == []
    np.testing.assert_array_equal(auto.predict_proba(X), zero.predict_proba(X))


def test_auto_with_negative_weights_trains_with_dropout():
    X, y, w = _data()
    auto = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    assert auto.dropout_ == pytest.approx(0.3)
    assert _dropouts(auto) == [pytest.approx(0.3)] * 3
    explicit = MLPClassifier(dropout=0.3, **FAST).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(auto.predict_proba(X), explicit.predict_proba(X))
    zero = MLPClassifier(dropout=0.0, **FAST).fit(X, y, sample_weight=w)
    assert not np.array_equal(auto.predict_proba(X), zero.predict_proba(X))


@pytest.mark.parametrize("policy", ["abs", "drop", "clip"])
def test_policies_that_remove_negative_weights_give_no_dropout(policy):
    X, y, w = _data()
    model = MLPClassifier(negative_weights=policy, **FAST).fit(X, y, sample_weight=w)
    assert model.dropout_ == 0.0


def test_explicit_value_is_used_and_bad_values_are_refused():
    X, y, w = _data(500)
    assert MLPClassifier(dropout=0.1, **FAST).fit(X, y, sample_weight=w).dropout_ == 0.1
    with pytest.raises(ValueError, match="dropout"):
        MLPClassifier(dropout="Auto", **FAST).fit(X, y, sample_weight=w)
