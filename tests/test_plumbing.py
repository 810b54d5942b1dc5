"""Parameter plumbing: every estimator parameter reaches the object that uses it.

The other tests check that the estimators learn the right thing; these check, after a tiny
fit, that each parameter value ends up where it acts (the torch optimizer, criterion and
layers of the MLP; the trained xgboost booster's configuration), and that the weight
options (``class_weight``, ``negative_weights``) are exactly equivalent to transforming
``sample_weight`` by hand. A value mapped to the wrong class, or silently dropped back to
its default, fails here.

The expected values are written out in this file on purpose (not read from the package's
own mapping tables), so that a wrong entry in such a table is caught too.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from torch import nn

from sklhep import MLPClassifier, MLPRegressor
from sklhep.ensemble import BDTClassifier, BDTRegressor

N_EVENTS = 200
N_FEATURES = 3


# -- data ----------------------------------------------------------------------------------
def _data():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(N_EVENTS, N_FEATURES))
    score = X[:, 0] + 0.5 * X[:, 1] + 0.7 * rng.normal(size=N_EVENTS)
    # imbalanced binary classes, so that class weights change the fit
    y_bin = (score > 0.6).astype(int)
    y_multi = np.digitize(score, [-0.3, 0.5])
    y_reg = 3.0 * X[:, 0] - X[:, 2] + 0.3 * rng.normal(size=N_EVENTS)
    w_pos = rng.uniform(0.5, 2.0, size=N_EVENTS)
    # ~15 % negative weights, well inside the net-positive / effective-size limits
    w_signed = np.where(rng.random(N_EVENTS) < 0.15, -0.5, 1.0) * rng.uniform(0.5, 1.5, N_EVENTS)
    return X, y_bin, y_multi, y_reg, w_pos, w_signed


X, Y_BIN, Y_MULTI, Y_REG, W_POS, W_SIGNED = _data()


# -- MLP helpers ---------------------------------------------------------------------------
def _mlp_params(**kwargs):
    params = {
        "hidden_layer_sizes": (4,),
        "max_epochs": 1,
        "batch_size": 64,
        "early_stopping": False,
        "device": "cpu",
        "random_state": 0,
    }
    params.update(kwargs)
    return params


def _fit_clf(y=Y_BIN, sample_weight=None, **kwargs):
    return MLPClassifier(**_mlp_params(**kwargs)).fit(X, y, sample_weight=sample_weight)


def _fit_reg(sample_weight=None, **kwargs):
    return MLPRegressor(**_mlp_params(**kwargs)).fit(X, Y_REG, sample_weight=sample_weight)


def _modules(est):
    return list(est.module_.modules())


def _linears(est):
    return [m for m in _modules(est) if isinstance(m, nn.Linear)]


EXPECTED_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "nadam": torch.optim.NAdam,
    "sgd": torch.optim.SGD,
}
EXPECTED_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}
EXPECTED_REGRESSION_LOSSES = {"mse": nn.MSELoss, "mae": nn.L1Loss, "huber": nn.HuberLoss}


# -- MLP: optimizer ------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", sorted(EXPECTED_OPTIMIZERS))
def test_mlp_optimizer_class(optimizer):
    est = _fit_clf(optimizer=optimizer)
    # exact type: AdamW is not a subclass of Adam in recent torch, but be strict anyway
    assert type(est.net_.optimizer_) is EXPECTED_OPTIMIZERS[optimizer]


def test_mlp_sgd_momentum():
    est = _fit_clf(optimizer="sgd")
    for group in est.net_.optimizer_.param_groups:
        assert group["momentum"] == pytest.approx(0.9)


@pytest.mark.parametrize("alpha", [0.0, 0.03])
def test_mlp_adamw_alpha_is_weight_decay(alpha):
    est = _fit_clf(optimizer="adamw", alpha=alpha)
    for group in est.net_.optimizer_.param_groups:
        assert group["weight_decay"] == pytest.approx(alpha)
    # decoupled decay only: no explicit L2 term in the loss as well
    assert est.net_.alpha == 0.0


@pytest.mark.parametrize("optimizer", ["adam", "nadam", "sgd"])
def test_mlp_alpha_is_explicit_l2_penalty(optimizer):
    est = _fit_clf(optimizer=optimizer, alpha=0.03)
    for group in est.net_.optimizer_.param_groups:
        assert group["weight_decay"] == 0
    assert est.net_.alpha == pytest.approx(0.03)


@pytest.mark.parametrize(
    ("penalty", "optimizer"), [("alpha", "adam"), ("alpha", "adamw"), ("l1", "adam")]
)
def test_mlp_penalty_shrinks_weights(penalty, optimizer):
    """The penalty is not only stored: it acts on training."""
    params = {"optimizer": optimizer, "max_epochs": 5, "learning_rate": 0.05}
    free = _fit_clf(**params)
    penalised = _fit_clf(**params, **{penalty: 1.0})

    def norm(est):
        return sum(float(w.detach().abs().sum()) for w in est.module_.weight_matrices())

    assert norm(penalised) < 0.9 * norm(free)


def test_mlp_l1_value():
    est = _fit_clf(l1=0.0123)
    assert est.net_.l1 == pytest.approx(0.0123)


@pytest.mark.parametrize("optimizer", sorted(EXPECTED_OPTIMIZERS))
def test_mlp_learning_rate(optimizer):
    est = _fit_clf(optimizer=optimizer, learning_rate=0.0123)
    for group in est.net_.optimizer_.param_groups:
        assert group["lr"] == pytest.approx(0.0123)
    assert est.history_[0]["lr"] == pytest.approx(0.0123)


# -- MLP: loss -----------------------------------------------------------------------------
@pytest.mark.parametrize("loss", sorted(EXPECTED_REGRESSION_LOSSES))
def test_mlp_regression_loss(loss):
    est = _fit_reg(loss=loss)
    assert type(est.net_.criterion_) is EXPECTED_REGRESSION_LOSSES[loss]
    # the per-event losses are weighted by hand: the criterion must not reduce them
    assert est.net_.criterion_.reduction == "none"


def test_mlp_regression_losses_train_differently():
    preds = {loss: _fit_reg(loss=loss, max_epochs=3).predict(X) for loss in ("mse", "mae")}
    assert not np.allclose(preds["mse"], preds["mae"])


@pytest.mark.parametrize(
    ("y", "criterion", "n_outputs"),
    [(Y_BIN, nn.BCEWithLogitsLoss, 1), (Y_MULTI, nn.CrossEntropyLoss, 3)],
    ids=["binary", "3-class"],
)
def test_mlp_classifier_criterion(y, criterion, n_outputs):
    est = _fit_clf(y=y)
    assert type(est.net_.criterion_) is criterion
    assert est.net_.criterion_.reduction == "none"
    assert _linears(est)[-1].out_features == n_outputs


# -- MLP: architecture ---------------------------------------------------------------------
@pytest.mark.parametrize("activation", sorted(EXPECTED_ACTIVATIONS))
def test_mlp_activation(activation):
    est = _fit_clf(activation=activation, hidden_layer_sizes=(4, 3))
    expected = EXPECTED_ACTIVATIONS[activation]
    found = [m for m in _modules(est) if type(m) in EXPECTED_ACTIVATIONS.values()]
    assert len(found) == 2
    assert all(type(m) is expected for m in found)


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_mlp_dropout(dropout):
    est = _fit_clf(dropout=dropout, hidden_layer_sizes=(4, 3))
    found = [m for m in _modules(est) if isinstance(m, nn.Dropout)]
    if dropout == 0:
        assert found == []
    else:
        assert len(found) == 2
        assert all(m.p == pytest.approx(dropout) for m in found)


@pytest.mark.parametrize("batch_norm", [False, True])
def test_mlp_batch_norm(batch_norm):
    est = _fit_clf(batch_norm=batch_norm, hidden_layer_sizes=(4, 3))
    found = [m for m in _modules(est) if isinstance(m, nn.BatchNorm1d)]
    if batch_norm:
        assert [m.num_features for m in found] == [4, 3]
    else:
        assert found == []


@pytest.mark.parametrize(
    ("hidden_layer_sizes", "shapes"),
    [
        ((5,), [(3, 5), (5, 1)]),
        ((7, 2), [(3, 7), (7, 2), (2, 1)]),
        (6, [(3, 6), (6, 1)]),
        ((4, 5, 6), [(3, 4), (4, 5), (5, 6), (6, 1)]),
    ],
)
def test_mlp_hidden_layer_sizes(hidden_layer_sizes, shapes):
    est = _fit_clf(hidden_layer_sizes=hidden_layer_sizes)
    assert [(m.in_features, m.out_features) for m in _linears(est)] == shapes


@pytest.mark.parametrize("weight_init", ["default", "kaiming", "xavier"])
def test_mlp_weight_init(weight_init):
    """Observable through the initial ranges: one step with a negligible learning rate
    (Adam moves each parameter by about ``lr``) leaves the initialisation in place.

    First layer, 3 -> 64 with ReLU: kaiming U(±sqrt(6/3) = ±1.41), xavier
    U(±sqrt(6/67) = ±0.30), PyTorch's default U(±1/sqrt(3) = ±0.58); the custom inits
    zero the biases, the default draws them from U(±0.58).
    """
    est = _fit_clf(weight_init=weight_init, hidden_layer_sizes=(64,), learning_rate=1e-9)
    first = _linears(est)[0]
    w_max = float(first.weight.detach().abs().max())
    b_max = float(first.bias.detach().abs().max())
    if weight_init == "default":
        assert 0.31 < w_max <= 1 / math.sqrt(3) + 1e-6
        assert b_max > 0.1
    elif weight_init == "kaiming":
        assert w_max > 0.6
        assert b_max < 1e-6
    else:
        assert w_max <= math.sqrt(6 / 67) + 1e-6
        assert b_max < 1e-6


# -- MLP: training loop --------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [16, 64, 500])
def test_mlp_batch_size(batch_size):
    est = _fit_clf(batch_size=batch_size)
    assert est.net_.batch_size == batch_size
    assert est.net_.history[-1]["train_batch_count"] == math.ceil(N_EVENTS / batch_size)


@pytest.mark.parametrize("max_epochs", [1, 3])
def test_mlp_max_epochs(max_epochs):
    est = _fit_clf(max_epochs=max_epochs)
    assert len(est.history_) == max_epochs
    assert est.n_epochs_ == max_epochs
    assert len(est.net_.history) == max_epochs


@pytest.mark.parametrize(
    ("precision", "dtype"),
    [("float32", torch.float32), ("float64", torch.float64), ("bf16", torch.float32)],
)
def test_mlp_precision(precision, dtype):
    est = _fit_clf(precision=precision)
    assert {p.dtype for p in est.module_.parameters()} == {dtype}
    assert est.net_.precision == precision
    assert np.all(np.isfinite(est.predict_proba(X)))


def test_mlp_lr_schedule_cosine():
    est = _fit_clf(lr_schedule="cosine", max_epochs=2, learning_rate=0.01)
    # CosineAnnealingLR with T_max = max_epochs = 2: lr, then lr * (1 + cos(pi/2)) / 2
    assert [row["lr"] for row in est.history_] == pytest.approx([0.01, 0.005])


def test_mlp_lr_schedule_none_keeps_lr():
    est = _fit_clf(lr_schedule=None, max_epochs=2, learning_rate=0.01)
    assert [row["lr"] for row in est.history_] == pytest.approx([0.01, 0.01])


def test_mlp_lr_schedule_plateau():
    est = _fit_clf(lr_schedule="plateau", max_epochs=2)
    schedulers = [
        getattr(cb, "scheduler_", None) for _, cb in est.net_.callbacks_ if hasattr(cb, "policy")
    ]
    assert any(isinstance(s, torch.optim.lr_scheduler.ReduceLROnPlateau) for s in schedulers)


def test_mlp_random_state():
    a = _fit_clf(random_state=1, max_epochs=2).predict_proba(X)
    b = _fit_clf(random_state=1, max_epochs=2).predict_proba(X)
    c = _fit_clf(random_state=2, max_epochs=2).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_mlp_device_cpu():
    est = _fit_clf(device="cpu")
    assert str(est.net_.device) == "cpu"
    assert {p.device.type for p in est.module_.parameters()} == {"cpu"}


class _EpochCounter(Callback):
    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def test_mlp_user_callbacks():
    est = _fit_clf(callbacks=[_EpochCounter()], max_epochs=2)
    counters = [cb for _, cb in est.net_.callbacks_ if isinstance(cb, _EpochCounter)]
    assert len(counters) == 1
    assert counters[0].epochs_ == 2


# -- MLP: weight options -------------------------------------------------------------------
def _balanced(y, w):
    """``class_weight="balanced"`` by hand: class c scaled by n / (K * W_c)."""
    classes = np.unique(y)
    factors = {c: len(y) / (len(classes) * w[y == c].sum()) for c in classes}
    return w * np.array([factors[c] for c in y])


def _by_dict(y, w, class_weight):
    return w * np.array([class_weight.get(c, 1.0) for c in y])


def _clip(y, w):
    """``negative_weights="clip"`` by hand: zero the negatives, rescale each group's
    positives to keep its net sum (``y=None``: one group)."""
    groups = np.zeros(len(w), int) if y is None else y
    out = np.where(w < 0, 0.0, w)
    for g in np.unique(groups):
        sel = groups == g
        out[sel] *= w[sel].sum() / out[sel].sum()
    return out


# exact in float64 with full-batch training (batch_size >= n: no batch composition)
MLP_EXACT = {"precision": "float64", "batch_size": 512, "max_epochs": 3, "learning_rate": 0.05}


@pytest.mark.parametrize("y", [Y_BIN, Y_MULTI], ids=["binary", "3-class"])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0}], ids=["balanced", "dict"])
def test_mlp_class_weight_equals_hand_weights(y, class_weight):
    hand = _balanced(y, W_POS) if class_weight == "balanced" else _by_dict(y, W_POS, class_weight)
    got = _fit_clf(y=y, sample_weight=W_POS, class_weight=class_weight, **MLP_EXACT)
    ref = _fit_clf(y=y, sample_weight=hand, class_weight=None, **MLP_EXACT)
    plain = _fit_clf(y=y, sample_weight=W_POS, class_weight=None, **MLP_EXACT)
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6)
    assert not np.allclose(got.predict_proba(X), plain.predict_proba(X), rtol=0, atol=1e-4)


@pytest.mark.parametrize("policy", ["abs", "clip", "drop"])
def test_mlp_negative_weights_equal_hand_weights(policy):
    w = W_SIGNED
    got = _fit_clf(sample_weight=w, negative_weights=policy, **MLP_EXACT).predict_proba(X)
    if policy == "drop":
        keep = w >= 0
        ref_est = MLPClassifier(**_mlp_params(**MLP_EXACT)).fit(
            X[keep], Y_BIN[keep], sample_weight=w[keep]
        )
    else:
        hand = np.abs(w) if policy == "abs" else _clip(Y_BIN, w)
        ref_est = _fit_clf(sample_weight=hand, negative_weights="keep", **MLP_EXACT)
    signed = _fit_clf(sample_weight=w, negative_weights="keep", **MLP_EXACT).predict_proba(X)
    np.testing.assert_allclose(got, ref_est.predict_proba(X), rtol=0, atol=1e-6)
    assert not np.allclose(got, signed, rtol=0, atol=1e-4)


# -- BDT helpers ---------------------------------------------------------------------------
BDT_FAST = {"n_estimators": 3, "device": "cpu", "random_state": 0}


def _bdt(cls, **kwargs):
    return cls(**{**BDT_FAST, **kwargs})


def _fit_bdt(cls, sample_weight=None, y=None, **kwargs):
    if y is None:
        y = Y_BIN if cls is BDTClassifier else Y_REG
    return _bdt(cls, **kwargs).fit(X, y, sample_weight=sample_weight)


def _config(est):
    return json.loads(est.booster_.save_config())["learner"]


def _tree_param(est, key):
    return _config(est)["gradient_booster"]["tree_train_param"][key]


def _output(est, X_=X):
    return est.predict_proba(X_) if isinstance(est, BDTClassifier) else est.predict(X_)


# (estimator parameter, non-default value, booster config keys in tree_train_param)
BDT_TREE_PARAMS = [
    ("max_depth", 3, ["max_depth"]),
    ("learning_rate", 0.37, ["eta", "learning_rate"]),
    ("min_child_weight", 4.5, ["min_child_weight"]),
    ("reg_lambda", 2.5, ["lambda", "reg_lambda"]),
    ("reg_alpha", 0.3, ["alpha", "reg_alpha"]),
    ("gamma", 0.7, ["gamma", "min_split_loss"]),
    ("subsample", 0.6, ["subsample"]),
    ("colsample_bytree", 0.66, ["colsample_bytree"]),
    ("max_bin", 32, ["max_bin"]),
]
BDT_CLASSES = pytest.mark.parametrize(
    "cls", [BDTClassifier, BDTRegressor], ids=["classifier", "regressor"]
)


def _assert_tree_param(est, keys, value):
    for key in keys:
        assert float(_tree_param(est, key)) == pytest.approx(value, rel=1e-6), key


# -- BDT: booster parameters ---------------------------------------------------------------
@BDT_CLASSES
@pytest.mark.parametrize(("param", "value", "keys"), BDT_TREE_PARAMS, ids=lambda v: str(v))
def test_bdt_booster_param_fast_path(cls, param, value, keys):
    est = _fit_bdt(cls, sample_weight=W_POS, **{param: value})
    assert not est.signed_objective_
    _assert_tree_param(est, keys, value)


@BDT_CLASSES
@pytest.mark.parametrize(("param", "value", "keys"), BDT_TREE_PARAMS, ids=lambda v: str(v))
def test_bdt_booster_param_signed_path(cls, param, value, keys):
    est = _fit_bdt(cls, sample_weight=W_SIGNED, **{param: value})
    assert est.signed_objective_
    _assert_tree_param(est, keys, value)


@BDT_CLASSES
@pytest.mark.parametrize("weights", ["positive", "signed"])
def test_bdt_tree_method_hist(cls, weights):
    w = W_POS if weights == "positive" else W_SIGNED
    est = _fit_bdt(cls, sample_weight=w)
    assert _config(est)["gradient_booster"]["gbtree_train_param"]["tree_method"] == "hist"


@BDT_CLASSES
def test_bdt_signed_path_bounds_leaf_values(cls):
    est = _fit_bdt(cls, sample_weight=W_SIGNED)
    assert est.signed_objective_
    assert float(_tree_param(est, "max_delta_step")) > 0
    fast = _fit_bdt(cls, sample_weight=W_POS)
    assert float(_tree_param(fast, "max_delta_step")) == 0


@BDT_CLASSES
def test_bdt_n_jobs(cls):
    est = _fit_bdt(cls, n_jobs=1)
    assert _config(est)["generic_param"]["nthread"] == "1"


@BDT_CLASSES
@pytest.mark.parametrize("weights", ["positive", "signed"])
@pytest.mark.parametrize("n_estimators", [2, 5])
def test_bdt_n_estimators(cls, weights, n_estimators):
    w = W_POS if weights == "positive" else W_SIGNED
    est = _fit_bdt(cls, sample_weight=w, n_estimators=n_estimators)
    assert est.booster_.num_boosted_rounds() == n_estimators
    assert est.n_estimators_ == n_estimators
    assert len(est.history_) == n_estimators
    assert [r["epoch"] for r in est.history_] == list(range(1, n_estimators + 1))


@pytest.mark.parametrize(
    ("y", "objective", "num_class"),
    [(Y_BIN, "binary:logistic", "0"), (Y_MULTI, "multi:softprob", "3")],
    ids=["binary", "3-class"],
)
def test_bdt_classifier_objective(y, objective, num_class):
    est = _fit_bdt(BDTClassifier, y=y, sample_weight=W_POS)
    config = _config(est)
    assert config["objective"]["name"] == objective
    assert config["learner_model_param"]["num_class"] == num_class


def test_bdt_classifier_signed_multiclass_has_one_tree_per_class():
    est = _fit_bdt(BDTClassifier, y=Y_MULTI, sample_weight=W_SIGNED, n_estimators=2)
    assert est.signed_objective_
    assert _config(est)["learner_model_param"]["num_class"] == "3"
    assert est.decision_function(X).shape == (N_EVENTS, 3)


REGRESSION_OBJECTIVES = [
    ("squared_error", "reg:squarederror", "mse"),
    ("absolute_error", "reg:absoluteerror", "mae"),
    ("pseudo_huber", "reg:pseudohubererror", "mphe"),
]


def _regression_metrics(est, w):
    """The net weighted MSE, MAE and pseudo-Huber loss of ``est`` on the training data."""
    r = est.predict(X) - Y_REG
    return {
        "mse": np.dot(w, r**2) / w.sum(),
        "mae": np.dot(w, np.abs(r)) / w.sum(),
        "mphe": np.dot(w, np.sqrt(1 + r**2) - 1) / w.sum(),
    }


@pytest.mark.parametrize(("objective", "native", "metric"), REGRESSION_OBJECTIVES)
def test_bdt_regressor_objective_fast_path(objective, native, metric):
    est = _fit_bdt(BDTRegressor, sample_weight=W_POS, objective=objective)
    assert _config(est)["objective"]["name"] == native
    values = _regression_metrics(est, W_POS)
    assert est.history_[-1]["train_loss"] == pytest.approx(values[metric], rel=1e-3)


@pytest.mark.parametrize(("objective", "native", "metric"), REGRESSION_OBJECTIVES)
def test_bdt_regressor_objective_signed_path(objective, native, metric):
    """The custom objective has no booster name: its loss is the history's training loss."""
    est = _fit_bdt(BDTRegressor, sample_weight=W_SIGNED, objective=objective)
    assert est.signed_objective_
    values = _regression_metrics(est, W_SIGNED)
    assert est.history_[-1]["train_loss"] == pytest.approx(values[metric], rel=1e-3)
    others = [v for k, v in values.items() if k != metric]
    assert all(abs(v - values[metric]) > 1e-3 * abs(values[metric]) for v in others)


def test_bdt_regressor_objectives_train_differently():
    preds = [
        _fit_bdt(BDTRegressor, sample_weight=W_SIGNED, objective=o).predict(X)
        for o, _, _ in REGRESSION_OBJECTIVES
    ]
    assert not np.allclose(preds[0], preds[1])
    assert not np.allclose(preds[0], preds[2])


@BDT_CLASSES
def test_bdt_random_state(cls):
    params = {"subsample": 0.5, "colsample_bytree": 0.5, "sample_weight": W_POS}
    a = _output(_fit_bdt(cls, random_state=1, **params))
    b = _output(_fit_bdt(cls, random_state=1, **params))
    c = _output(_fit_bdt(cls, random_state=2, **params))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@BDT_CLASSES
def test_bdt_missing_sentinel(cls):
    """``missing=-999`` on sentinel data is the same fit as NaN with the default."""
    X_nan = X.copy()
    X_nan[::4, 0] = np.nan
    X_sentinel = np.where(np.isnan(X_nan), -999.0, X_nan)
    y = Y_BIN if cls is BDTClassifier else Y_REG
    as_nan = _bdt(cls).fit(X_nan, y, sample_weight=W_POS)
    as_missing = _bdt(cls, missing=-999.0).fit(X_sentinel, y, sample_weight=W_POS)
    as_value = _bdt(cls).fit(X_sentinel, y, sample_weight=W_POS)
    np.testing.assert_allclose(
        _output(as_missing, X_sentinel), _output(as_nan, X_nan), rtol=0, atol=1e-6
    )
    assert not np.allclose(_output(as_value, X_sentinel), _output(as_nan, X_nan))


# -- BDT: weight options -------------------------------------------------------------------
@pytest.mark.parametrize("y", [Y_BIN, Y_MULTI], ids=["binary", "3-class"])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 3.0}], ids=["balanced", "dict"])
def test_bdt_class_weight_equals_hand_weights(y, class_weight):
    hand = _balanced(y, W_POS) if class_weight == "balanced" else _by_dict(y, W_POS, class_weight)
    got = _fit_bdt(BDTClassifier, y=y, sample_weight=W_POS, class_weight=class_weight)
    ref = _fit_bdt(BDTClassifier, y=y, sample_weight=hand, class_weight=None)
    plain = _fit_bdt(BDTClassifier, y=y, sample_weight=W_POS, class_weight=None)
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6)
    assert not np.allclose(got.predict_proba(X), plain.predict_proba(X), rtol=0, atol=1e-4)


def test_bdt_class_weight_signed_path_equals_hand_weights():
    hand = _balanced(Y_BIN, W_SIGNED)
    got = _fit_bdt(BDTClassifier, sample_weight=W_SIGNED, class_weight="balanced")
    ref = _fit_bdt(BDTClassifier, sample_weight=hand, class_weight=None)
    assert got.signed_objective_
    np.testing.assert_allclose(got.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-6)


@BDT_CLASSES
@pytest.mark.parametrize("policy", ["abs", "clip", "drop"])
def test_bdt_negative_weights_equal_hand_weights(cls, policy):
    w = W_SIGNED
    y = Y_BIN if cls is BDTClassifier else Y_REG
    got = _fit_bdt(cls, y=y, sample_weight=w, negative_weights=policy)
    assert not got.signed_objective_
    if policy == "drop":
        keep = w >= 0
        ref = _bdt(cls).fit(X[keep], y[keep], sample_weight=w[keep])
    else:
        groups = y if cls is BDTClassifier else None
        hand = np.abs(w) if policy == "abs" else _clip(groups, w)
        ref = _fit_bdt(cls, y=y, sample_weight=hand, negative_weights="keep")
    signed = _fit_bdt(cls, y=y, sample_weight=w, negative_weights="keep")
    np.testing.assert_allclose(_output(got), _output(ref), rtol=0, atol=1e-6)
    assert not np.allclose(_output(got), _output(signed), rtol=0, atol=1e-4)


@BDT_CLASSES
def test_bdt_negative_weights_keep_uses_signed_objective(cls):
    est = _fit_bdt(cls, sample_weight=W_SIGNED, negative_weights="keep")
    assert est.signed_objective_


@BDT_CLASSES
@pytest.mark.parametrize("weights", ["positive", "signed"])
def test_bdt_zero_weight_equals_removed_event(cls, weights):
    """A zero weight removes the event: from the sums, the "events" unit of
    min_child_weight and the quantile sketch alike."""
    y = Y_BIN if cls is BDTClassifier else Y_REG
    w = (W_POS if weights == "positive" else W_SIGNED).copy()
    w[:40] = 0.0
    zero = _fit_bdt(cls, y=y, sample_weight=w)
    removed = _bdt(cls).fit(X[40:], y[40:], sample_weight=w[40:])
    np.testing.assert_allclose(_output(zero), _output(removed), rtol=0, atol=1e-6)
