"""The MLP follows the package's "one family" design: the parameters, the history format,
the device values and the weight handling it shares with the BDT."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import is_classifier, is_regressor

import sklhep.neural_network._mlp as mlp_impl
from sklhep import MLPClassifier, MLPRegressor
from sklhep._early_stopping import AUTO_EARLY_STOPPING_EVENTS, HISTORY_KEYS
from sklhep._sklearn_compat import InvalidParameterError

FAST = {
    "hidden_layer_sizes": (4,),
    "batch_size": 4096,
    "max_epochs": 2,
    "learning_rate": 1e-2,
    "device": "cpu",
    "random_state": 0,
}


def _data(rng, n):
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    w = np.where(rng.random(n) < 0.15, -0.5, 1.0)
    return X, y, w


# -- early_stopping="auto" -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "on"), [(200, False), (AUTO_EARLY_STOPPING_EVENTS + 1, True)], ids=["200", "10001"]
)
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_early_stopping_auto_depends_on_the_number_of_events(rng, cls, n, on):
    X, y, w = _data(rng, n)
    est = cls(**FAST)
    assert est.early_stopping == "auto"
    est.fit(X, y, sample_weight=w)
    valid = [row["valid_loss"] for row in est.history_]
    assert len(valid) == 2
    assert all(math.isfinite(v) for v in valid) if on else all(math.isnan(v) for v in valid)
    assert ("early_stopping" in dict(est.net_.callbacks_)) == on


def test_early_stopping_explicit_values_win_over_the_event_count(rng):
    X, y, w = _data(rng, 200)
    on = MLPClassifier(**FAST, early_stopping=True).fit(X, y, sample_weight=w)
    assert all(math.isfinite(row["valid_loss"]) for row in on.history_)
    with pytest.raises(InvalidParameterError, match="early_stopping"):
        MLPClassifier(**FAST, early_stopping="sometimes").fit(X, y)


# -- history_ ------------------------------------------------------------------------------
@pytest.mark.parametrize("early_stopping", [False, True])
def test_history_records_have_the_shared_keys(rng, early_stopping):
    X, y, w = _data(rng, 300)
    clf = MLPClassifier(**FAST, early_stopping=early_stopping).fit(X, y, sample_weight=w)
    assert [row["epoch"] for row in clf.history_] == [1, 2]
    for row in clf.history_:
        assert tuple(row) == HISTORY_KEYS
        assert all(isinstance(row[key], float) for key in HISTORY_KEYS[1:])
        assert math.isfinite(row["train_loss"])
        assert row["duration"] >= 0
        assert row["lr"] == pytest.approx(1e-2)
        assert math.isfinite(row["valid_loss"]) == early_stopping
    assert clf.n_epochs_ == 2
    assert 1 <= clf.best_epoch_ <= 2


def test_partial_fit_history_continues_the_epoch_count(rng):
    X, _y, w = _data(rng, 300)
    reg = MLPRegressor(**FAST)
    for _ in range(3):
        reg.partial_fit(X, X[:, 0], sample_weight=w)
    assert [row["epoch"] for row in reg.history_] == [1, 2, 3]
    assert all(math.isnan(row["valid_loss"]) for row in reg.history_)
    assert reg.best_epoch_ == reg.n_epochs_ == 3


# -- n_iter_no_change and the deprecated patience ------------------------------------------
def test_patience_is_a_deprecated_alias_of_n_iter_no_change(rng):
    X, y, w = _data(rng, 600)
    params = {**FAST, "hidden_layer_sizes": (8,), "batch_size": 256, "max_epochs": 200}
    params.update(early_stopping=True, learning_rate=0.05, tol=0.0)
    with pytest.warns(FutureWarning, match="'patience' is deprecated.*n_iter_no_change"):
        old = MLPClassifier(**params, patience=3).fit(X, y, sample_weight=w)
    new = MLPClassifier(**params, n_iter_no_change=3).fit(X, y, sample_weight=w)
    assert old.n_epochs_ < 200
    assert old.n_epochs_ == new.n_epochs_ == new.best_epoch_ + 3
    assert old.best_epoch_ == new.best_epoch_
    np.testing.assert_array_equal(old.predict_proba(X), new.predict_proba(X))
    # patience wins over n_iter_no_change while it is kept
    with pytest.warns(FutureWarning):
        both = MLPClassifier(**params, patience=3, n_iter_no_change=50).fit(X, y, sample_weight=w)
    assert both.n_epochs_ == new.n_epochs_


def test_default_parameters_do_not_warn(rng):
    X, y, w = _data(rng, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        MLPClassifier(**FAST).fit(X, y, sample_weight=w)
        MLPRegressor(**FAST).partial_fit(X, X[:, 0], sample_weight=w)


def test_patience_warns_once_per_partial_fit_stream(rng):
    X, y, w = _data(rng, 300)
    clf = MLPClassifier(**FAST, patience=4, lr_schedule="plateau")
    with pytest.warns(FutureWarning, match="patience"):
        clf.partial_fit(X, y, sample_weight=w, classes=[0, 1])
    assert dict(clf.net_.callbacks_)["lr_schedule"].patience == 2  # max(1, 4 // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        clf.partial_fit(X, y, sample_weight=w)


def test_plateau_patience_follows_n_iter_no_change(rng):
    X, y, w = _data(rng, 300)
    for n_iter, expected in [(10, 5), (3, 1), (1, 1)]:
        clf = MLPClassifier(**FAST, n_iter_no_change=n_iter, lr_schedule="plateau")
        clf.fit(X, y, sample_weight=w)
        assert dict(clf.net_.callbacks_)["lr_schedule"].patience == expected


@pytest.mark.parametrize("value", [0, -1, 2.5])
def test_n_iter_no_change_is_validated(rng, value):
    X, y, _w = _data(rng, 50)
    with pytest.raises(InvalidParameterError, match="n_iter_no_change"):
        MLPClassifier(**FAST, n_iter_no_change=value).fit(X, y)
    with pytest.raises(InvalidParameterError, match="patience"):
        MLPClassifier(**FAST, patience=value).fit(X, y)


# -- device --------------------------------------------------------------------------------
@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_device_on_a_cpu_machine_is_a_clear_error(rng, device):
    X, y, _w = _data(rng, 50)
    with pytest.raises(ValueError, match=rf"device='{device}'.*no CUDA device.*device='cpu'"):
        MLPClassifier(**{**FAST, "device": device}).fit(X, y)


@pytest.mark.parametrize("device", ["bogus", "tpu", "cuda:", "cuda:x", "CPU", ""])
def test_unknown_device_is_a_clear_error(rng, device):
    X, _y, _w = _data(rng, 50)
    with pytest.raises(ValueError, match="is not one of 'auto', 'cpu', 'cuda' or 'cuda:N'"):
        MLPRegressor(**{**FAST, "device": device}).fit(X, X[:, 0])


def test_device_must_be_a_string(rng):
    X, y, _w = _data(rng, 50)
    with pytest.raises(InvalidParameterError, match="device"):
        MLPClassifier(**{**FAST, "device": 0}).fit(X, y)


def test_the_module_has_no_device_logic_of_its_own():
    assert not hasattr(mlp_impl, "_resolve_device")


# -- the validation weights follow the training policy -------------------------------------
def _record_split(monkeypatch):
    seen = {}
    original = mlp_impl.train_validation_split

    def spy(*args, **kwargs):
        seen["split"] = original(*args, **kwargs)
        return seen["split"]

    monkeypatch.setattr(mlp_impl, "train_validation_split", spy)
    return seen


def _bce(clf, X, y):
    p = clf.predict_proba(X)[:, 1].astype(np.float64)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


@pytest.mark.parametrize("policy", ["keep", "abs", "drop", "clip"])
def test_valid_loss_uses_the_negative_weight_policy(rng, monkeypatch, policy):
    X, y, w = _data(rng, 600)
    seen = _record_split(monkeypatch)
    params = {**FAST, "hidden_layer_sizes": (8,), "max_epochs": 1, "precision": "float64"}
    clf = MLPClassifier(
        **params, early_stopping=True, validation_fraction=0.3, negative_weights=policy
    ).fit(X, y, sample_weight=w)
    _, valid = seen["split"]
    wv, yv = w[valid], y[valid]
    assert (wv < 0).any()
    bce = _bce(clf, X[valid], yv)
    per_policy = {
        "keep": wv,
        "abs": np.abs(wv),
        "drop": np.maximum(wv, 0.0),
        # "clip" zeroes the negative weights and rescales each class to its net weight
        "clip": np.maximum(wv, 0.0)
        * np.where(
            yv == 1,
            wv[yv == 1].sum() / np.maximum(wv[yv == 1], 0).sum(),
            wv[yv == 0].sum() / np.maximum(wv[yv == 0], 0).sum(),
        ),
    }
    used = per_policy[policy]
    expected = np.dot(used, bce) / used.sum()
    got = clf.history_[0]["valid_loss"]
    assert got == pytest.approx(expected, rel=1e-9)
    if policy != "keep":
        assert got != pytest.approx(np.dot(wv, bce) / wv.sum(), rel=1e-6)


def test_valid_loss_with_abs_policy_and_balanced_classes(rng, monkeypatch):
    X, y, w = _data(rng, 600)
    y = (X[:, 0] > 0.8).astype(int)  # about 20 % class 1
    seen = _record_split(monkeypatch)
    params = {**FAST, "hidden_layer_sizes": (8,), "max_epochs": 1, "precision": "float64"}
    clf = MLPClassifier(
        **params,
        early_stopping=True,
        validation_fraction=0.3,
        negative_weights="abs",
        class_weight="balanced",
    ).fit(X, y, sample_weight=w)
    _, valid = seen["split"]
    a, yv = np.abs(w[valid]), y[valid]
    balanced = a / np.where(yv == 1, a[yv == 1].sum(), a[yv == 0].sum())  # equal class sums
    expected = np.dot(balanced, _bce(clf, X[valid], yv)) / balanced.sum()
    assert clf.history_[0]["valid_loss"] == pytest.approx(expected, rel=1e-9)


def test_validation_set_must_hold_every_class(rng):
    """A class of one event cannot be in both parts: an error, not silently left out."""
    X, y, w = _data(rng, 300)
    y[:] = 0
    y[0] = 1
    w = np.ones(300)
    clf = MLPClassifier(**FAST, early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match=r"at least 2 events of every class.*\[1\] have 1"):
        clf.fit(X, y, sample_weight=w)


def test_validation_weights_go_through_prepare_training_weights(rng, monkeypatch):
    calls = []
    original = mlp_impl.prepare_training_weights

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(mlp_impl, "prepare_training_weights", spy)
    X, y, w = _data(rng, 300)
    MLPClassifier(**FAST, early_stopping=True, negative_weights="abs").fit(X, y, sample_weight=w)
    valid, train = calls
    assert valid["what"] == "the early-stopping validation set"
    assert valid["normalize"] == train["normalize"] == "unit"
    assert valid["negative_weights"] == train["negative_weights"] == "abs"
    assert valid["warn_ess"] is False
    np.testing.assert_array_equal(valid["classes"], [0, 1])


def test_training_weights_arrive_normalised(rng, monkeypatch):
    """The net trains on weights with a net sum of 1: in a fit and in each partial_fit chunk."""
    sums = []
    original = mlp_impl._BaseMLP._tensor_data

    def spy(self, X, y, weight, *args, **kwargs):
        sums.append(float(weight.sum()))
        return original(self, X, y, weight, *args, **kwargs)

    monkeypatch.setattr(mlp_impl._BaseMLP, "_tensor_data", spy)
    X, y, w = _data(rng, 400)
    MLPClassifier(**FAST, early_stopping=True).fit(X, y, sample_weight=3.0 * w)
    clf = MLPClassifier(**FAST)
    clf.partial_fit(X[:200], y[:200], sample_weight=w[:200], classes=[0, 1])
    clf.partial_fit(X[200:], y[200:], sample_weight=10.0 * w[200:])
    np.testing.assert_allclose(sums, [1.0] * 4, rtol=1e-12)


# -- abstract base class -------------------------------------------------------------------
def test_base_class_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        mlp_impl._BaseMLP()
    assert mlp_impl._BaseMLP.__abstractmethods__ == {
        "_validate_targets",
        "_n_outputs",
        "_criterion",
        "_loss_kind",
        "_target_tensor",
    }
    assert is_classifier(MLPClassifier())
    assert not is_regressor(MLPClassifier())
    assert is_regressor(MLPRegressor())
    assert not is_classifier(MLPRegressor())
    assert not hasattr(MLPClassifier, "_is_classifier")


def test_shared_parameter_names():
    for cls in (MLPClassifier, MLPRegressor):
        params = cls().get_params()
        assert params["early_stopping"] == "auto"
        assert params["n_iter_no_change"] == 10
        assert params["patience"] == "deprecated"
        assert params["validation_fraction"] == 0.1


# -- skorch's EarlyStopping ----------------------------------------------------------------
def test_early_stopping_is_skorchs_and_drops_the_best_copy(rng):
    from skorch.callbacks import EarlyStopping

    X, y, w = _data(rng, 600)
    clf = MLPClassifier(**{**FAST, "max_epochs": 4}, early_stopping=True).fit(
        X, y, sample_weight=w
    )
    stopper = dict(clf.net_.callbacks_)["early_stopping"]
    assert isinstance(stopper, EarlyStopping)
    assert stopper.monitor == "valid_loss"
    assert stopper.load_best
    assert stopper.threshold_mode == "abs"
    assert stopper.best_model_weights_ is None  # no second copy kept on the fitted model


def test_partial_fit_after_an_early_stopped_fit(rng):
    """Epochs without a validation loss do not trip skorch's EarlyStopping."""
    X, y, w = _data(rng, 600)
    clf = MLPClassifier(**{**FAST, "max_epochs": 3}, early_stopping=True)
    clf.fit(X, y, sample_weight=w)
    clf.partial_fit(X, y, sample_weight=w)
    assert clf.n_epochs_ == 4
    assert clf.best_epoch_ == 4
    assert math.isnan(clf.history_[-1]["valid_loss"])
    assert all(math.isfinite(row["valid_loss"]) for row in clf.history_[:3])
