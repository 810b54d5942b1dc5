"""make_mass_sculpting: layout, signed weights, determinism and visible sculpting."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep.datasets import SCULPTING_FEATURES, make_mass_sculpting
from sklhep.metrics import sculpting_jsd


def test_layout_and_weights():
    df = make_mass_sculpting(5000, negative_fraction=0.2, signal_fraction=0.3, random_state=0)
    assert list(df.columns) == [*SCULPTING_FEATURES, "mass", "weight", "label", "sample", "event"]
    assert df.attrs["features"] == SCULPTING_FEATURES
    assert df.attrs["protected"] == "mass"
    assert len(df) == 5000
    assert df["event"].is_unique
    assert abs(float((df["weight"] < 0).mean()) - 0.2) < 0.01
    net = df.groupby("label")["weight"].sum()
    assert net[0] == pytest.approx(3500)
    assert net[1] == pytest.approx(1500)
    background = df[df["label"] == 0]
    assert background["mass"].between(40.0, 300.0).all()
    assert np.isfinite(df[list(SCULPTING_FEATURES)].to_numpy()).all()


def test_deterministic():
    a = make_mass_sculpting(2000, random_state=3)
    b = make_mass_sculpting(2000, random_state=3)
    assert a.equals(b)
    assert not a.equals(make_mass_sculpting(2000, random_state=4))


@pytest.mark.parametrize(
    "kwargs", [{"negative_fraction": 0.5}, {"signal_fraction": 1.0}, {"correlation": -1.0}]
)
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_mass_sculpting(100, **kwargs)


def _jsd_of_plain_classifier(correlation: float) -> float:
    train = make_mass_sculpting(20_000, correlation=correlation, random_state=0)
    test = make_mass_sculpting(40_000, correlation=correlation, random_state=1)
    features = list(SCULPTING_FEATURES)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    model.fit(
        train[features], train["label"], logisticregression__sample_weight=train["weight"].abs()
    )
    score = model.predict_proba(test[features])[:, 1]
    return sculpting_jsd(test["label"], score, test["mass"], sample_weight=test["weight"], bins=20)


def test_plain_classifier_sculpts_the_background_mass():
    sculpted = _jsd_of_plain_classifier(1.0)
    rng = np.random.default_rng(0)
    test = make_mass_sculpting(40_000, random_state=1)
    random = sculpting_jsd(
        test["label"], rng.random(len(test)), test["mass"], sample_weight=test["weight"], bins=20
    )
    assert sculpted > 0.05
    assert sculpted > 10 * random
