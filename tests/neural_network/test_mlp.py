"""Behaviour of MLPClassifier / MLPRegressor: losses, early stopping, input errors, state."""

from __future__ import annotations

import itertools
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

import sklhep.neural_network._mlp as mlp_impl
from sklhep import MLPClassifier, MLPRegressor
from sklhep.exceptions import DivergenceError, LowEffectiveSampleSizeWarning

FAST = {
    "hidden_layer_sizes": (8,),
    "batch_size": 256,
    "max_epochs": 3,
    "learning_rate": 1e-2,
    "early_stopping": False,
    "device": "cpu",
    "random_state": 0,
}


@pytest.fixture
def binary(rng):
    X = rng.normal(size=(600, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(int)
    w = np.where(rng.random(600) < 0.15, -0.5, 1.0)
    return X, y, w


def _record_split(monkeypatch):
    seen = {}
    original = mlp_impl.train_validation_split

    def spy(*args, **kwargs):
        seen["split"] = original(*args, **kwargs)
        return seen["split"]

    monkeypatch.setattr(mlp_impl, "train_validation_split", spy)
    return seen


def test_valid_loss_is_weighted_mean_binary(binary, monkeypatch):
    X, y, w = binary
    seen = _record_split(monkeypatch)
    params = {**FAST, "early_stopping": True, "max_epochs": 1, "validation_fraction": 0.3}
    clf = MLPClassifier(**params).fit(X, y, sample_weight=w)
    _, valid = seen["split"]
    assert (w[valid] < 0).any()
    p = clf.predict_proba(X[valid])[:, 1]
    bce = -(y[valid] * np.log(p) + (1 - y[valid]) * np.log(1 - p))
    expected = np.sum(w[valid] * bce) / np.sum(w[valid])
    assert clf.history_[0]["valid_loss"] == pytest.approx(expected, rel=1e-4)
    assert set(clf.history_[0]) == {"epoch", "train_loss", "valid_loss", "lr", "duration"}


def test_valid_loss_is_weighted_mean_multiclass_and_regression(rng, monkeypatch):
    X = rng.normal(size=(600, 2))
    y = rng.integers(0, 3, 600)
    w = np.where(rng.random(600) < 0.15, -0.5, 1.0)
    seen = _record_split(monkeypatch)
    params = {**FAST, "early_stopping": True, "max_epochs": 1, "validation_fraction": 0.3}
    clf = MLPClassifier(**params).fit(X, y, sample_weight=w)
    _, valid = seen["split"]
    ce = -np.log(clf.predict_proba(X[valid])[np.arange(len(valid)), y[valid]])
    expected = np.sum(w[valid] * ce) / np.sum(w[valid])
    assert clf.history_[0]["valid_loss"] == pytest.approx(expected, rel=1e-4)

    target = 1000.0 * X[:, 0] + 3.0
    reg = MLPRegressor(**params).fit(X, target, sample_weight=w)
    _, valid = seen["split"]
    z = (reg.predict(X[valid]) - target[valid]) / reg.y_scale_[0]
    expected = np.sum(w[valid] * z**2) / np.sum(w[valid])
    assert reg.history_[0]["valid_loss"] == pytest.approx(expected, rel=1e-3)


def test_reproducible_bit_for_bit(binary):
    X, y, w = binary
    params = {**FAST, "dropout": 0.2, "batch_norm": True, "early_stopping": True, "max_epochs": 4}
    a = MLPClassifier(**params).fit(X, y, sample_weight=w).predict_proba(X)
    b = MLPClassifier(**params).fit(X, y, sample_weight=w).predict_proba(X)
    assert np.array_equal(a, b)
    c = MLPClassifier(**{**params, "random_state": 1}).fit(X, y, sample_weight=w).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_does_not_touch_global_torch_rng(binary):
    X, y, w = binary
    state = torch.random.get_rng_state()
    MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    assert torch.equal(state, torch.random.get_rng_state())


def test_dataframe_and_fitted_attributes(binary):
    X, y, w = binary
    df = pd.DataFrame(X, columns=["pt", "eta", "phi"])
    clf = MLPClassifier(**FAST).fit(df, np.array(["bkg", "sig"])[y], sample_weight=w)
    assert list(clf.feature_names_in_) == ["pt", "eta", "phi"]
    assert clf.n_features_in_ == 3
    assert list(clf.classes_) == ["bkg", "sig"]
    assert clf.module_ is clf.net_.module_
    assert clf.n_epochs_ == 3
    assert clf.best_epoch_ == 3
    assert len(clf.history_) == 3
    assert set(clf.predict(df)) <= {"bkg", "sig"}


def test_regressor_2d_targets_and_scaling(rng):
    X = rng.normal(size=(500, 2))
    Y = np.column_stack([200.0 * X[:, 0] + 1000.0, -50.0 * X[:, 1]])
    reg = MLPRegressor(**{**FAST, "max_epochs": 30}).fit(X, Y)
    assert reg.predict(X).shape == (500, 2)
    np.testing.assert_allclose(reg.y_mean_, Y.mean(axis=0))
    assert reg.score(X, Y) > 0.8
    assert MLPRegressor(**FAST).fit(X, Y[:, 0]).predict(X).shape == (500,)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("optimizer", ["adam", "adamw", "nadam", "sgd"])
def test_losses_and_optimizers_run(rng, loss, optimizer):
    X = rng.normal(size=(200, 2))
    reg = MLPRegressor(
        **{**FAST, "max_epochs": 1}, loss=loss, optimizer=optimizer, alpha=1e-3, l1=1e-4
    )
    assert np.isfinite(reg.fit(X, X[:, 0]).predict(X)).all()


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "selu", "gelu", "tanh"])
@pytest.mark.parametrize("weight_init", ["default", "kaiming", "xavier"])
def test_network_options(binary, activation, weight_init):
    X, y, w = binary
    clf = MLPClassifier(
        **{**FAST, "max_epochs": 1}, activation=activation, weight_init=weight_init
    )
    assert clf.fit(X, y, sample_weight=w).predict_proba(X).shape == (600, 2)


def test_early_stopping_restores_best_epoch(binary, monkeypatch):
    X, y, w = binary
    seen = _record_split(monkeypatch)
    params = {**FAST, "early_stopping": True, "max_epochs": 200, "n_iter_no_change": 3}
    params["tol"] = 0.0
    clf = MLPClassifier(**{**params, "learning_rate": 0.05}).fit(X, y, sample_weight=w)
    losses = [h["valid_loss"] for h in clf.history_]
    assert clf.n_epochs_ < 200
    assert clf.best_epoch_ == int(np.argmin(losses)) + 1
    assert clf.n_epochs_ == clf.best_epoch_ + 3
    _, valid = seen["split"]  # the restored weights give the best validation loss
    p = clf.predict_proba(X[valid])[:, 1]
    bce = -(y[valid] * np.log(p) + (1 - y[valid]) * np.log(1 - p))
    assert np.sum(w[valid] * bce) / np.sum(w[valid]) == pytest.approx(min(losses), rel=1e-4)


@pytest.mark.parametrize("schedule", ["plateau", "cosine"])
def test_lr_schedule(binary, schedule):
    X, y, w = binary
    clf = MLPClassifier(**{**FAST, "max_epochs": 6, "n_iter_no_change": 2}, lr_schedule=schedule)
    lrs = [h["lr"] for h in clf.fit(X, y, sample_weight=w).history_]
    assert lrs[0] == pytest.approx(1e-2)
    if schedule == "cosine":
        assert all(a > b for a, b in itertools.pairwise(lrs))


def test_user_callbacks_with_batch_hooks(binary):
    class Counter(Callback):
        def initialize(self):
            self.batches = 0
            return self

        def on_batch_end(self, net, **kwargs):
            self.batches += 1

    X, y, w = binary
    cb = Counter()
    clf = MLPClassifier(**FAST, callbacks=[("counter", cb)]).fit(X, y, sample_weight=w)
    assert dict(clf.net_.callbacks_)["counter"].batches == 3 * 3  # 3 epochs x 3 batches
    assert not hasattr(cb, "batches")  # the parameter is copied, not mutated
    fast = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.predict_proba(X), fast.predict_proba(X), rtol=1e-5)


def test_partial_fit_continues(binary):
    X, y, w = binary
    clf = MLPClassifier(**FAST)
    clf.partial_fit(X[:300], y[:300], sample_weight=w[:300], classes=[0, 1])
    optimizer = clf.net_.optimizer_
    clf.partial_fit(X[300:], y[300:], sample_weight=w[300:])
    assert clf.net_.optimizer_ is optimizer
    assert clf.n_epochs_ == 2
    state = next(iter(optimizer.state.values()))
    assert int(state["step"]) == 2 * 2  # two chunks of two batches
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X[:10], np.full(10, 7))
    one_class = clf.partial_fit(X[:10], np.ones(10, dtype=int))  # a chunk may miss a class
    assert one_class.n_epochs_ == 3
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:10, :2], y[:10])


def test_divergence_raises_with_hint(rng):
    X = rng.normal(size=(300, 2)) * 1e3
    reg = MLPRegressor(**{**FAST, "max_epochs": 20, "learning_rate": 1e6}, optimizer="sgd")
    with pytest.raises(DivergenceError, match="Lower learning_rate"):
        reg.fit(X, X[:, 0] ** 2)
    assert issubclass(DivergenceError, ValueError)


def test_clone_pickle_joblib(binary, tmp_path):
    X, y, w = binary
    clf = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    expected = clf.predict_proba(X)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clone(clf), "net_")
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), expected)
    assert again.module_ is again.net_.module_
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="fakes a CUDA-trained model on CPU")
def test_cuda_trained_model_loads_on_cpu_only_machine(binary):
    X, y, w = binary
    clf = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"  # what a GPU fit leaves behind
    blob = pickle.dumps(clf)
    with pytest.warns(UserWarning, match="(?i)cuda"):
        loaded = pickle.loads(blob)
    assert str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def test_device_errors(binary):
    X, y, _w = binary
    with pytest.raises(ValueError, match="device"):
        MLPClassifier(**{**FAST, "device": "tpu"}).fit(X, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            MLPClassifier(**{**FAST, "device": "cuda"}).fit(X, y)


@pytest.mark.gpu
def test_gpu_fit_predict_and_cpu_roundtrip(binary):
    X, y, w = binary
    gpu = MLPClassifier(**{**FAST, "device": "cuda"}).fit(X, y, sample_weight=w)
    assert gpu.net_.module_.layers[0].weight.is_cuda
    proba = gpu.predict_proba(X)
    state = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_allclose(state.predict_proba(X), proba, rtol=1e-6)
    cpu = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(cpu.predict_proba(X), proba, atol=1e-3)


@pytest.mark.gpu
def test_gpu_auto_device(binary):
    X, _y, w = binary
    clf = MLPRegressor(**{**FAST, "device": "auto"}).fit(X, X[:, 0], sample_weight=w)
    assert str(clf.net_.device).startswith("cuda")


# -- bad input ------------------------------------------------------------------------------
def test_nan_in_X_suggests_imputer(binary):
    X, y, w = binary
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"(?s)NaN.*imputer"):
        MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        MLPClassifier(**FAST).fit(X, y, sample_weight=w)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (lambda w: np.where(np.arange(len(w)) == 5, np.nan, w), "non-finite"),
        (lambda w: w[:-1], "entries but X has"),
    ],
)
def test_bad_weights(binary, weights, match):
    X, y, w = binary
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**FAST).fit(X, y, sample_weight=weights(w))


def test_length_mismatch_and_single_class(binary):
    X, y, _w = binary
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="only one class"):
        MLPClassifier(**FAST).fit(X, np.zeros(len(y), dtype=int))


def test_class_with_non_positive_net_weight(binary):
    X, y, w = binary
    w = np.where(y == 1, -1.0, 1.0)
    with pytest.raises(ValueError, match="class 1 has net sample weight"):
        MLPClassifier(**FAST).fit(X, y, sample_weight=w)


def test_string_features_and_wrong_n_features(binary):
    X, y, _w = binary
    Xs = X.astype(object)
    Xs[0, 0] = "jet"
    with pytest.raises(TypeError, match="non-numeric"):
        MLPClassifier(**FAST).fit(Xs, y)
    clf = MLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict_proba(X[:, :2])


# -- loss normalisation and shuffling -------------------------------------------------------
def test_train_loss_is_global_weighted_mean_with_net_negative_batches(rng):
    """Batches of 16 events with 45 % weights of -1: many batches have a net weight <= 0.
    Normalising by the whole set's net weight (not each batch's) makes train_loss the exact
    weighted mean loss; with a negligible learning rate the model is fixed, so it can be
    computed by hand from the fitted model."""
    n = 640
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    w = np.where(rng.random(n) < 0.45, -1.0, 1.0)
    batch_nets = [w[i : i + 16].sum() for i in range(0, n, 16)]
    assert min(batch_nets) <= 0 < w.sum()
    clf = MLPClassifier(
        **{**FAST, "batch_size": 16, "max_epochs": 1, "learning_rate": 1e-12},
        optimizer="sgd",
        dropout=0.0,  # "auto" would be 0.3 here: the training loss would not be the model's
    )
    with pytest.warns(LowEffectiveSampleSizeWarning):  # (1 - 2 * 0.45)^2: 1 % of n
        clf.fit(X, y, sample_weight=w)
    p = clf.predict_proba(X)[:, 1].astype(np.float64)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert clf.history_[0]["train_loss"] == pytest.approx(np.dot(w, bce) / w.sum(), rel=1e-4)


@pytest.fixture
def randperm_calls(monkeypatch):
    """Every permutation the training iterator draws (torch.randperm, spied on)."""
    perms = []
    original = torch.randperm

    def spy(*args, **kwargs):
        perms.append(original(*args, **kwargs))
        return perms[-1]

    monkeypatch.setattr(torch, "randperm", spy)
    return perms


def test_training_batches_are_reshuffled_every_epoch(rng, randperm_calls):
    """Inputs sorted by class (signal file, then background): every epoch draws a fresh
    permutation, so every batch mixes the classes."""
    n = 512
    X = rng.normal(size=(n, 3))
    y = np.r_[np.ones(n // 2, int), np.zeros(n // 2, int)]  # sorted, as HEP files arrive
    MLPClassifier(**{**FAST, "batch_size": 64, "max_epochs": 3}).fit(X, y)
    assert len(randperm_calls) == 3
    for perm in randperm_calls:
        assert sorted(perm.tolist()) == list(range(n))
        first_batch = y[perm[:64].numpy()]
        assert 0 < first_batch.mean() < 1
    assert not torch.equal(randperm_calls[0], randperm_calls[1])
    assert not torch.equal(randperm_calls[1], randperm_calls[2])


def test_partial_fit_chunks_get_fresh_shuffles_reproducibly(binary, randperm_calls):
    X, y, w = binary
    probas = []
    for _ in range(2):
        clf = MLPClassifier(**{**FAST, "dropout": 0.2})
        for _chunk in range(2):  # the same chunk twice, with a fixed random_state
            clf.partial_fit(X, y, sample_weight=w, classes=[0, 1])
        probas.append(clf.predict_proba(X))
    assert not torch.equal(randperm_calls[0], randperm_calls[1])
    assert torch.equal(randperm_calls[0], randperm_calls[2])
    assert torch.equal(randperm_calls[1], randperm_calls[3])
    np.testing.assert_array_equal(probas[0], probas[1])


def test_sigmoid_and_balanced_class_weight(rng):
    n = 800
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] > 1.0).astype(int)  # about 16 % class 1
    w = np.where(rng.random(n) < 0.1, -0.5, 1.0)
    kw = {**FAST, "max_epochs": 10, "activation": "sigmoid"}
    plain = MLPClassifier(**kw).fit(X, y, sample_weight=w)
    balanced = MLPClassifier(**kw, class_weight="balanced").fit(X, y, sample_weight=w)
    # Balancing the net class weights raises the minority class's predicted probability.
    assert balanced.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.1


def test_values_beyond_float32_are_a_clear_error(binary):
    X, y, w = binary
    big = X.copy()
    big[4, 2] = 1e300
    with pytest.raises(ValueError, match="float32 range"):
        MLPClassifier(**FAST).fit(big, y, sample_weight=w)
    clf = MLPClassifier(**FAST).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="column 2"):
        clf.predict_proba(big)
    # precision="float64" computes in float64: such values are then allowed
    large = X.copy()
    large[4, 2] = 1e39
    MLPClassifier(**FAST, precision="float64").fit(large, y, sample_weight=w)


@pytest.mark.gpu
def test_gpu_model_predicts_in_a_cpu_only_process(binary, tmp_path):
    """Pickled after a CUDA fit, loaded where no GPU is visible (CUDA_VISIBLE_DEVICES="")."""
    import os
    import subprocess
    import sys

    X, y, w = binary
    gpu = MLPClassifier(**{**FAST, "device": "cuda"}).fit(X, y, sample_weight=w)
    joblib.dump(gpu, tmp_path / "gpu.joblib")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", gpu.predict_proba(X))
    code = (
        "import sys, warnings, joblib, numpy as np, torch\n"
        "assert not torch.cuda.is_available()\n"
        "warnings.simplefilter('ignore')\n"
        "d = sys.argv[1]\n"
        "clf = joblib.load(d + '/gpu.joblib')\n"
        "assert str(clf.net_.device) == 'cpu'\n"
        "got = clf.predict_proba(np.load(d + '/X.npy'))\n"
        "np.testing.assert_allclose(got, np.load(d + '/expected.npy'), rtol=1e-5, atol=1e-6)\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
