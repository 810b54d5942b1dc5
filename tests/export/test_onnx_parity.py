"""ONNX export: onnxruntime reproduces every estimator's predictions (signed weights)."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import BDTClassifier, BDTRegressor, MLPClassifier, MLPRegressor
from sklhep.export import register_converters, to_onnx

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

N_TRAIN, N_TEST = 500, 300
MLP = {"hidden_layer_sizes": (16, 8), "max_epochs": 3, "device": "cpu", "random_state": 0}
BDT = {"n_estimators": 20, "max_depth": 3, "device": "cpu", "random_state": 0, "n_jobs": 1}
TOL = {"mlp": 1e-5, "bdt": 1e-4}


def _data(task, seed=0):
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_TEST
    X = rng.normal(size=(n, 4)) * [1.0, 2.0, 50.0, 0.1] + [0.0, 1.0, 100.0, 0.0]
    z = X[:, 0] + 0.5 * X[:, 1] + 0.02 * (X[:, 2] - 100) + rng.normal(size=n)
    if task == "binary":
        y = (z > 0.5).astype(int)
    elif task == "multiclass":
        y = np.array(["bkg", "sig", "ttbar"])[np.digitize(z, [0.0, 1.5])]
    else:
        y = 5.0 * z + 20.0
    w = np.where(rng.random(n) < 0.2, -0.4, 1.0)  # signed weights
    return X, y, w


def _run(proto, feeds):
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds), strict=True))


CASES = [
    ("mlp", "binary"),
    ("mlp", "multiclass"),
    ("mlp", "regression"),
    ("bdt", "binary"),
    ("bdt", "multiclass"),
    ("bdt", "regression"),
]


def _estimator(family, task, **kw):
    if family == "mlp":
        return MLPRegressor(**MLP, **kw) if task == "regression" else MLPClassifier(**MLP, **kw)
    return BDTRegressor(**BDT, **kw) if task == "regression" else BDTClassifier(**BDT, **kw)


@pytest.mark.parametrize("scaler", [False, True], ids=["plain", "scaler"])
@pytest.mark.parametrize(("family", "task"), CASES)
def test_onnxruntime_matches_predictions(family, task, scaler):
    X, y, w = _data(task)
    est = _estimator(family, task)
    if family == "mlp" and not scaler:
        X = (X - X[:N_TRAIN].mean(axis=0)) / X[:N_TRAIN].std(axis=0)  # MLPs want scaled inputs
    model = est
    fit_params = {"sample_weight": w[:N_TRAIN]}
    if scaler:
        model = make_pipeline(StandardScaler(), est)
        fit_params = {f"{type(est).__name__.lower()}__sample_weight": w[:N_TRAIN]}
    model.fit(X[:N_TRAIN], y[:N_TRAIN], **fit_params)
    # float64 input with a scaler (the scaler then runs in double, as in scikit-learn)
    X_test = X[N_TRAIN:] if scaler else X[N_TRAIN:].astype(np.float32)
    proto = to_onnx(model, X_test[:2])
    out = _run(proto, {"X": X_test})
    if task == "regression":
        assert list(out) == ["variable"]
        want = model.predict(X_test)
        got = out["variable"].ravel()
        np.testing.assert_allclose(got, want, rtol=TOL[family], atol=TOL[family] * np.std(want))
        return
    assert list(out) == ["label", "probabilities"]
    np.testing.assert_allclose(out["probabilities"], model.predict_proba(X_test), atol=TOL[family])
    np.testing.assert_array_equal(out["label"], model.predict(X_test))


def test_skl2onnx_to_onnx_converts_a_pipeline_after_registration():
    register_converters()
    X, y, w = _data("multiclass")
    pipe = make_pipeline(StandardScaler(), BDTClassifier(**BDT))
    pipe.fit(X[:N_TRAIN], y[:N_TRAIN], bdtclassifier__sample_weight=w[:N_TRAIN])
    X_test = X[N_TRAIN:].astype(np.float32)
    proto = skl2onnx.to_onnx(pipe, X_test[:1], options={"zipmap": False})
    out = _run(proto, {proto.graph.input[0].name: X_test})
    np.testing.assert_allclose(out["probabilities"], pipe.predict_proba(X_test), atol=1e-4)
    # with the default zipmap the classifier still converts (a list of dicts)
    zipped = skl2onnx.to_onnx(pipe, X_test[:1])
    assert [o.name for o in zipped.graph.output] == ["output_label", "output_probability"]


@pytest.mark.parametrize("missing", [np.nan, -999.0])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_bdt_missing_values_follow_the_default_directions(task, missing):
    X, y, w = _data(task, seed=1)
    rng = np.random.default_rng(2)
    X[rng.random(X.shape) < 0.15] = missing
    est = _estimator("bdt", task, missing=missing).fit(X[:N_TRAIN], y[:N_TRAIN], w[:N_TRAIN])
    X_test = X[N_TRAIN:].astype(np.float32)
    out = _run(to_onnx(est, X_test[:1]), {"X": X_test})
    if task == "regression":
        np.testing.assert_allclose(out["variable"].ravel(), est.predict(X_test), rtol=1e-5)
    else:
        np.testing.assert_allclose(out["probabilities"], est.predict_proba(X_test), atol=1e-4)


@pytest.mark.parametrize(
    "activation", ["relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid"]
)
def test_every_mlp_activation_batch_norm_and_dropout(activation):
    X, y, w = _data("binary", seed=3)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    est = MLPClassifier(
        (8, 8), activation=activation, batch_norm=True, dropout=0.2, max_epochs=2,
        device="cpu", random_state=0,
    )  # fmt: skip
    est.fit(X[:N_TRAIN], y[:N_TRAIN], sample_weight=w[:N_TRAIN])
    X_test = X[N_TRAIN:].astype(np.float32)
    ops = {n.op_type for n in to_onnx(est, X_test[:1]).graph.node}
    assert "BatchNormalization" in ops
    assert "Dropout" not in ops
    # GELU is an operator from opset 20, Erf-based before
    for opset in (None, 13) if activation == "gelu" else (None,):
        out = _run(to_onnx(est, X_test[:1], target_opset=opset), {"X": X_test})
        np.testing.assert_allclose(out["probabilities"], est.predict_proba(X_test), atol=1e-5)


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_float64_mlp_exports_a_double_graph(task):
    X, y, w = _data(task, seed=4)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    est = _estimator("mlp", task, precision="float64")
    est.fit(X[:N_TRAIN], y[:N_TRAIN], sample_weight=w[:N_TRAIN])
    X_test = X[N_TRAIN:]
    out = _run(to_onnx(est, X_test[:1]), {"X": X_test})
    if task == "regression":
        assert out["variable"].dtype == np.float64
        np.testing.assert_allclose(out["variable"].ravel(), est.predict(X_test), rtol=1e-6)
    else:
        assert out["probabilities"].dtype == np.float64
        np.testing.assert_allclose(out["probabilities"], est.predict_proba(X_test), atol=1e-6)


def test_multi_output_mlp_regressor():
    X, y, w = _data("regression", seed=5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    Y = np.column_stack([y, -2.0 * y + 1.0])
    est = MLPRegressor(**MLP).fit(X[:N_TRAIN], Y[:N_TRAIN], sample_weight=w[:N_TRAIN])
    X_test = X[N_TRAIN:].astype(np.float32)
    out = _run(to_onnx(est, X_test[:1]), {"X": X_test})
    assert out["variable"].shape == (N_TEST, 2)
    np.testing.assert_allclose(out["variable"], est.predict(X_test), rtol=1e-5, atol=1e-4)


def test_unsupported_step_is_a_clear_error():
    from sklearn.base import BaseEstimator, TransformerMixin

    class Custom(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X

    X, y, _ = _data("binary")
    pipe = make_pipeline(Custom(), BDTClassifier(**BDT)).fit(X, y)
    with pytest.raises(TypeError, match="no ONNX converter"):
        to_onnx(pipe, X[:1])


def test_unfitted_model_is_refused():
    with pytest.raises(sklearn.exceptions.NotFittedError):
        to_onnx(BDTClassifier(), np.zeros((1, 3)))
