"""sklhep.save / sklhep.load: a safe format (no pickle), bit-exact round trips."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, RobustScaler, StandardScaler

import sklhep
from sklhep import (
    BDTClassifier,
    BDTRegressor,
    CrossEvaluator,
    EventNumberKFold,
    MLPClassifier,
    MLPRegressor,
)
from sklhep.exceptions import InconsistentVersionWarning, ModelFormatError

MLP = {"hidden_layer_sizes": (16, 8), "max_epochs": 3, "device": "cpu", "random_state": 0}
BDT = {"n_estimators": 20, "max_depth": 3, "device": "cpu", "random_state": 0, "n_jobs": 1}


def _data(task, n=500, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    z = X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n)
    w = np.where(rng.random(n) < 0.2, -0.4, 1.0)
    if task == "binary":
        y = (z > 0.3).astype(int)
    elif task == "multiclass":
        y = np.array(["a", "b", "c"])[np.digitize(z, [0.0, 1.0])]
    else:
        y = 4.0 * z + 7.0
    return X, y, w


def _outputs(model, X, **kw):
    out = [model.predict(X, **kw)]
    if hasattr(model, "predict_proba"):
        out.append(model.predict_proba(X, **kw))
    return out


def _assert_same(a, b, X, **kw):
    for x, y in zip(_outputs(a, X, **kw), _outputs(b, X, **kw), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    ("make", "task"),
    [
        (lambda: MLPClassifier(**MLP, batch_norm=True), "binary"),
        (lambda: MLPClassifier(**MLP, class_weight={"a": 2.0, "b": 1.0, "c": 1.0}), "multiclass"),
        (lambda: MLPRegressor(**MLP), "regression"),
        (lambda: BDTClassifier(**BDT), "binary"),
        (lambda: BDTClassifier(**BDT), "multiclass"),
        (lambda: BDTRegressor(**BDT, objective="pseudo_huber"), "regression"),
    ],
)
def test_round_trip_is_bit_exact(make, task, tmp_path):
    X, y, w = _data(task)
    model = make().fit(X, y, sample_weight=w)
    sklhep.save(model, tmp_path / "m.sklhep")
    loaded = sklhep.load(tmp_path / "m.sklhep")
    assert type(loaded) is type(model)
    np.testing.assert_equal(loaded.get_params(), model.get_params())
    _assert_same(model, loaded, X)
    np.testing.assert_equal(loaded.history_, model.history_)


def test_pipeline_of_preprocessing_steps_round_trip(tmp_path):
    X, y, w = _data("binary")
    X[::17, 2] = np.nan
    with sklearn.config_context(enable_metadata_routing=True):
        steps = [
            s.set_fit_request(sample_weight=False) if hasattr(s, "set_fit_request") else s
            for s in (SimpleImputer(strategy="median"), RobustScaler(), MinMaxScaler(),
                      StandardScaler())
        ]  # fmt: skip
        pipe = make_pipeline(*steps, MLPClassifier(**MLP)).fit(X, y, sample_weight=w)
        sklhep.save(pipe, tmp_path / "p.sklhep")
        loaded = sklhep.load(tmp_path / "p.sklhep")
        _assert_same(pipe, loaded, X)
        # the weight requests survive: the loaded pipeline refits with weights
        loaded.fit(X, y, sample_weight=w)


@pytest.mark.parametrize("family", ["mlp", "bdt"])
def test_cross_evaluator_round_trip(family, tmp_path):
    X, y, w = _data("binary")
    events = np.random.default_rng(1).permutation(10 * X.shape[0])[: X.shape[0]]
    est = MLPClassifier(**MLP) if family == "mlp" else BDTClassifier(**BDT)
    ce = CrossEvaluator(est, cv=EventNumberKFold(3)).fit(X, y, groups=events, sample_weight=w)
    sklhep.save(ce, tmp_path / "ce.sklhep")
    loaded = sklhep.load(tmp_path / "ce.sklhep")
    _assert_same(ce, loaded, X, groups=events)
    _assert_same(ce, loaded, X)


def test_mlp_training_continues_from_the_saved_state(tmp_path):
    X, y, w = _data("binary")
    model = MLPClassifier(**MLP).fit(X, y, sample_weight=w)
    sklhep.save(model, tmp_path / "m.sklhep")
    loaded = sklhep.load(tmp_path / "m.sklhep")
    model.partial_fit(X, y, sample_weight=w)
    loaded.partial_fit(X, y, sample_weight=w)  # same optimizer state, same seeds
    np.testing.assert_array_equal(model.predict_proba(X), loaded.predict_proba(X))


def test_booster_in_the_file_is_plain_ubjson(tmp_path):
    import xgboost

    X, y, w = _data("binary")
    model = BDTClassifier(**BDT).fit(X, y, sample_weight=w)
    sklhep.save(model, tmp_path / "m.sklhep")
    with zipfile.ZipFile(tmp_path / "m.sklhep") as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".ubj")]
        booster = xgboost.Booster(model_file=bytearray(zf.read(name)))
    got = booster.predict(xgboost.DMatrix(X))
    np.testing.assert_allclose(got, model.predict_proba(X)[:, 1], atol=1e-6)


# -- refusing what is not ours ---------------------------------------------------------------
class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_malicious_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.sklhep"
    path.write_bytes(pickle.dumps(_Payload(marker)))
    assert not marker.exists()
    with pytest.raises(ModelFormatError, match="pickle"):
        sklhep.load(path)
    assert not marker.exists()


def test_pickle_inside_a_zip_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.sklhep"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({
            "format": "sklhep-model", "format_version": 1,
            "model": {"class": "sklhep.BDTClassifier", "params": {},
                      "fitted": {"x": {"__ndarray__": "arrays/0.npy"}}},
        }))  # fmt: skip
        # an object-dtype .npy holds a pickle: np.load(allow_pickle=False) refuses it
        zf.writestr("arrays/0.npy", _object_npy(_Payload(marker)))
    with pytest.raises(ModelFormatError, match="never unpickles"):
        sklhep.load(path)
    assert not marker.exists()


def _object_npy(obj):
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([obj], dtype=object), allow_pickle=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    "fitted",
    [
        {"__class__": "x"},
        {"booster_": "not a booster", "_n_threads": 1},
        {"n_features_in_": {"?": 1}},
    ],
)
def test_malformed_content_is_a_format_error(fitted, tmp_path):
    path = tmp_path / "model.sklhep"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({
            "format": "sklhep-model", "format_version": 1,
            "model": {"class": "sklhep.BDTClassifier", "params": {}, "fitted": fitted},
        }))  # fmt: skip
    with pytest.raises(ModelFormatError):
        sklhep.load(path)


def test_class_outside_the_allow_list_is_refused(tmp_path):
    path = tmp_path / "model.sklhep"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", json.dumps({
            "format": "sklhep-model", "format_version": 1,
            "model": {"class": "os.system", "params": {"command": "touch pwned"}},
        }))  # fmt: skip
    with pytest.raises(ModelFormatError, match="allow"):
        sklhep.load(path)


@pytest.mark.parametrize("kind", ["random_zip", "truncated", "random_bytes", "newer_format"])
def test_files_not_in_the_format_are_refused(kind, tmp_path):
    path = tmp_path / "model.sklhep"
    if kind == "random_zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("hello.txt", "not a model")
    elif kind == "random_bytes":
        path.write_bytes(np.random.default_rng(0).bytes(1000))
    else:
        X, y, w = _data("binary")
        sklhep.save(BDTClassifier(**BDT).fit(X, y, w), path)
        if kind == "truncated":
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])
        else:
            _edit_metadata(path, lambda m: m.update(format_version=99))
    with pytest.raises(ModelFormatError):
        sklhep.load(path)


def _edit_metadata(path, edit):
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    meta = json.loads(files["metadata.json"])
    edit(meta)
    files["metadata.json"] = json.dumps(meta).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


# -- versions, devices, files ------------------------------------------------------------------
def test_version_mismatch_warns(tmp_path):
    X, y, w = _data("regression")
    model = BDTRegressor(**BDT).fit(X, y, w)
    path = tmp_path / "m.sklhep"
    sklhep.save(model, path)
    meta = json.loads(zipfile.ZipFile(path).read("metadata.json"))
    assert {"sklhep", "scikit-learn", "xgboost", "torch"} <= set(meta["versions"])
    assert meta["libraries"] == ["scikit-learn", "sklhep", "xgboost"]
    _edit_metadata(path, lambda m: m["versions"].update(xgboost="0.1", sklhep="0.0.1"))
    with pytest.warns(InconsistentVersionWarning, match="xgboost 0.1"):
        loaded = sklhep.load(path)
    _assert_same(model, loaded, X)


def test_gpu_trained_mlp_loads_on_a_cpu_only_machine(tmp_path):
    X, y, w = _data("multiclass")
    model = MLPClassifier(**MLP).fit(X, y, sample_weight=w)
    path = tmp_path / "m.sklhep"
    sklhep.save(model, path)
    _edit_metadata(path, lambda m: m["model"]["mlp"].update(device="cuda:3"))
    loaded = sklhep.load(path)
    assert str(loaded.net_.device) in ("cpu", "cuda:3")
    _assert_same(model, loaded, X)


def test_existing_file_is_not_overwritten_without_consent(tmp_path):
    X, y, w = _data("binary")
    a = BDTClassifier(**BDT).fit(X, y, w)
    b = BDTClassifier(**{**BDT, "n_estimators": 3}).fit(X, y, w)
    path = tmp_path / "m.sklhep"
    sklhep.save(a, path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        sklhep.save(b, path)
    _assert_same(a, sklhep.load(path), X)
    # a failed save with overwrite=True leaves the old file as it was
    bad = make_pipeline(FunctionTransformer(np.log1p), BDTClassifier(**BDT))
    with pytest.raises(TypeError, match="FunctionTransformer"):
        sklhep.save(bad, path, overwrite=True)
    _assert_same(a, sklhep.load(path), X)
    sklhep.save(b, path, overwrite=True)
    _assert_same(b, sklhep.load(path), X)
    assert [p.name for p in tmp_path.iterdir()] == ["m.sklhep"]  # no temporary left


def test_mlp_with_callbacks_is_refused(tmp_path):
    from skorch.callbacks import EpochTimer

    X, y, w = _data("binary")
    model = MLPClassifier(**MLP, callbacks=[EpochTimer()]).fit(X, y, sample_weight=w)
    with pytest.raises(TypeError, match="callbacks"):
        sklhep.save(model, tmp_path / "m.sklhep")
    assert not (tmp_path / "m.sklhep").exists()


def test_save_and_load_do_not_import_torch_or_xgboost():
    code = (
        "import sys, sklhep; sklhep.save, sklhep.load; "
        "assert 'torch' not in sys.modules and 'xgboost' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
