"""ONNX export of CrossEvaluator: one graph, the fold model chosen by the event number."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import BDTClassifier, BDTRegressor, CrossEvaluator, EventNumberKFold, MLPClassifier
from sklhep.export import to_onnx

ort = pytest.importorskip("onnxruntime")

N = 600


@pytest.fixture(autouse=True)
def _routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, 4))
    z = X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=N)
    w = np.where(rng.random(N) < 0.2, -0.4, 1.0)
    # event numbers: large, some negative, in no particular order
    events = rng.choice(2**40, size=N, replace=False).astype(np.int64) - 2**39
    return X, z, w, events


def _run(proto, X, events):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, {"X": X, "event_number": events}), strict=True))


@pytest.mark.parametrize("family", ["mlp", "bdt"])
def test_classifier_graph_applies_the_out_of_fold_model(family):
    X, z, w, events = _data()
    y = np.array(["bkg", "sig", "other"])[np.digitize(z, [0.0, 1.0])]
    step = (
        MLPClassifier((8,), max_epochs=3, device="cpu", random_state=0)
        if family == "mlp"
        else BDTClassifier(n_estimators=20, max_depth=3, device="cpu", random_state=0)
    )
    scaler = StandardScaler().set_fit_request(sample_weight=False)
    ce = CrossEvaluator(make_pipeline(scaler, step), cv=EventNumberKFold(3))
    ce.fit(X, y, groups=events, sample_weight=w)
    proto = to_onnx(ce, X[:1])
    assert [i.name for i in proto.graph.input] == ["X", "event_number"]
    out = _run(proto, X, events)
    np.testing.assert_allclose(
        out["probabilities"],
        ce.predict_proba(X, groups=events),
        atol=1e-5 if family == "mlp" else 1e-4,
    )
    np.testing.assert_array_equal(out["label"], ce.predict(X, groups=events))
    # each event really gets its own fold's model: the fold models disagree
    folds = np.mod(events, 3)
    other = ce.estimators_[0].predict_proba(X[folds == 1])
    assert np.abs(other - out["probabilities"][folds == 1]).max() > 1e-3


def test_regressor_graph_and_new_events():
    X, z, w, events = _data(1)
    y = 3.0 * z + 10.0
    ce = CrossEvaluator(BDTRegressor(n_estimators=20, device="cpu", random_state=0), cv=4)
    ce.fit(X, y, groups=events, sample_weight=w)
    proto = to_onnx(ce, X[:1].astype(np.float32))
    X_new = np.random.default_rng(9).normal(size=(200, 4)).astype(np.float32)
    ev_new = np.arange(10**12, 10**12 + 200, dtype=np.int64)
    out = _run(proto, X_new, ev_new)
    np.testing.assert_allclose(
        out["variable"].ravel(), ce.predict(X_new, groups=ev_new), rtol=1e-5
    )


def test_generic_cv_is_refused():
    X, z, _, _ = _data(2)
    ce = CrossEvaluator(BDTRegressor(n_estimators=3, device="cpu"), cv=KFold(3)).fit(X, z)
    with pytest.raises(ValueError, match="EventNumberKFold"):
        to_onnx(ce, X[:1])
