"""skorch callbacks given in ``callbacks=`` work inside sklhep fits as in plain skorch.

The estimator tests need the MLP to copy its callbacks with
:func:`sklhep.neural_network._callbacks.clone_callbacks` (not ``copy.deepcopy``), to record
``*_loss_best`` (:class:`LossBestRecorder`) and a binary net whose ``predict_proba`` is
``(n, 2)`` (``WeightedNet``); the function tests need nothing else.
"""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from skorch.callbacks import Callback, Checkpoint, EpochScoring, LRScheduler, ProgressBar

from sklhep import MLPClassifier, MLPRegressor
from sklhep.neural_network._callbacks import LossBestRecorder, clone_callback, clone_callbacks


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.normal(size=400) > 0).astype(int)
    w = np.where(rng.random(400) < 0.15, -0.5, 1.0)
    return X, y, w


def _mlp(callbacks, **kw):
    params = {"hidden_layer_sizes": (8,), "max_epochs": 3, "early_stopping": True}
    params.update(kw)
    return MLPClassifier(**params, random_state=0, callbacks=callbacks)


def _fit_quiet(est, X, y, w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarning of 3 epochs
        return est.fit(X, y, sample_weight=w)


class _Locked(Callback):
    """A callback holding an unpicklable resource, as TensorBoard's writer does."""

    def __init__(self, lock=None, factor=1.0):
        self.lock = lock
        self.factor = factor


class _OddInit(Callback):
    """A callback whose ``__init__`` does not take its ``get_params``."""

    def __init__(self, n):
        self.half = n / 2
        self._private = [1, 2]


# -- the copy function --------------------------------------------------------------------
def test_clone_callback_shares_unpicklable_resources():
    lock = threading.Lock()
    cb = _Locked(lock, factor=2.0)
    new = clone_callback(cb)
    assert type(new) is _Locked
    assert new is not cb
    assert new.lock is lock  # shared, never deep-copied
    assert new.factor == 2.0


def test_clone_callback_deep_copies_plain_parameters():
    cb = _Locked(None, factor=[1, 2])
    new = clone_callback(cb)
    assert new.factor == [1, 2]
    assert new.factor is not cb.factor


def test_clone_callback_falls_back_to_attribute_copy():
    cb = _OddInit(4)
    cb.state_ = "fitted"
    new = clone_callback(cb)
    assert type(new) is _OddInit
    assert new.half == 2
    assert new._private == [1, 2]
    assert new._private is not cb._private
    assert not hasattr(new, "state_")  # fitted state dropped; skorch re-initialises


def test_clone_callbacks_names_like_the_estimator():
    cb = EpochScoring("roc_auc", lower_is_better=False)
    named = clone_callbacks([cb, ("mine", _Locked())])
    assert [n for n, _ in named] == ["user_0_EpochScoring", "mine"]
    assert named[0][1] is not cb
    assert clone_callbacks(None) == []


def test_clone_tensorboard_shares_the_writer(tmp_path):
    from skorch.callbacks import TensorBoard
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    new = clone_callback(TensorBoard(writer))
    assert new.writer is writer
    writer.close()


# -- inside real fits ---------------------------------------------------------------------
def test_epoch_scoring_roc_auc(data):
    X, y, w = data
    clf = _fit_quiet(_mlp([EpochScoring("roc_auc", lower_is_better=False)]), X, y, w)
    scores = clf.net_.history[:, "roc_auc"]
    assert len(scores) == clf.n_epochs_
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_epoch_scoring_accuracy_and_multiclass_auc(data):
    X, _, w = data
    y3 = np.digitize(X[:, 0], [-0.5, 0.5])
    cbs = [EpochScoring("roc_auc_ovr", lower_is_better=False), EpochScoring("accuracy")]
    clf = _fit_quiet(_mlp(cbs), X, y3, np.abs(w))
    assert all(0.0 <= s <= 1.0 for s in clf.net_.history[:, "roc_auc_ovr"])
    assert all(0.0 <= s <= 1.0 for s in clf.net_.history[:, "accuracy"])


def test_checkpoint_with_defaults(data, tmp_path):
    X, y, w = data
    clf = _fit_quiet(_mlp([Checkpoint(dirname=str(tmp_path))]), X, y, w)
    assert (tmp_path / "params.pt").exists()
    assert (tmp_path / "history.json").exists()
    best = clf.net_.history[:, "valid_loss_best"]
    assert best[0] is True
    assert len(best) == clf.n_epochs_
    assert "event_cp" in clf.net_.history[-1]


def test_loss_best_recorder_marks_improvements(data):
    X, y, w = data
    clf = _fit_quiet(_mlp(None, max_epochs=4), X, y, w)
    losses = clf.net_.history[:, "valid_loss"]
    best = clf.net_.history[:, "valid_loss_best"]
    running = np.minimum.accumulate(losses)
    expected = [True] + [bool(losses[i] < running[i - 1]) for i in range(1, len(losses))]
    assert best == expected
    assert LossBestRecorder in {type(cb) for _, cb in clf.net_.callbacks_}


def test_lr_scheduler(data):
    X, y, w = data
    from torch.optim.lr_scheduler import StepLR

    clf = _fit_quiet(_mlp([LRScheduler(StepLR, step_size=1, gamma=0.5)]), X, y, w)
    assert len(clf.history_) == clf.n_epochs_


def test_progress_bar(data, capsys):
    X, y, w = data
    clf = _fit_quiet(_mlp([ProgressBar()]), X, y, w)
    assert clf.n_epochs_ >= 1
    clf2 = _fit_quiet(_mlp([ProgressBar()]), X, y, w)  # a second fit: a fresh bar
    assert clf2.n_epochs_ == clf.n_epochs_


def test_tensorboard_writes_weighted_losses(data, tmp_path):
    from skorch.callbacks import TensorBoard
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter

    X, y, w = data
    writer = SummaryWriter(str(tmp_path))
    clf = _fit_quiet(_mlp([TensorBoard(writer)]), X, y, w)
    writer.flush()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert "Loss/valid_loss" in tags
    assert "Loss/train_loss" in tags
    logged = [e.value for e in acc.Scalars("Loss/valid_loss")]
    expected = [r["valid_loss"] for r in clf.history_]
    np.testing.assert_allclose(logged, expected, rtol=1e-6)
    writer.close()


def test_regressor_takes_callbacks(data, tmp_path):
    X, _, w = data
    y = X[:, 0] * 3.0
    reg = MLPRegressor(
        (8,),
        max_epochs=2,
        early_stopping=True,
        random_state=0,
        callbacks=[Checkpoint(dirname=str(tmp_path)), EpochScoring("r2")],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        reg.fit(X, y, sample_weight=np.abs(w))
    assert len(reg.net_.history[:, "r2"]) == reg.n_epochs_


def test_clone_with_callbacks_keeps_requests_and_shares_the_writer(tmp_path):
    import sklearn
    from skorch.callbacks import TensorBoard
    from torch.utils.tensorboard import SummaryWriter

    from sklhep.neural_network._callbacks import clone_with_callbacks

    writer = SummaryWriter(str(tmp_path))
    est = MLPClassifier(max_epochs=3, callbacks=[("tb", TensorBoard(writer)), ProgressBar()])
    with sklearn.config_context(enable_metadata_routing=True):
        est.set_fit_request(sample_weight=False)
    new = clone_with_callbacks(est)
    assert new.max_epochs == 3
    assert new is not est
    assert new.callbacks[0][0] == "tb"
    assert new.callbacks[0][1].writer is writer
    assert isinstance(new.callbacks[1], ProgressBar)
    assert new.callbacks[1] is not est.callbacks[1]
    assert new.get_metadata_routing().fit.requests["sample_weight"] is False
    writer.close()


def test_sklearn_clone_of_an_mlp_with_tensorboard(data, tmp_path):
    """GridSearchCV, cross_validate and CrossEvaluator clone the MLP with its callbacks."""
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate
    from skorch.callbacks import TensorBoard
    from torch.utils.tensorboard import SummaryWriter

    X, y, w = data
    writer = SummaryWriter(str(tmp_path))
    est = _mlp([TensorBoard(writer)], max_epochs=2)
    assert clone(est).callbacks[0].writer is writer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = cross_validate(est, X, y, cv=2, params={"sample_weight": w})
    assert np.isfinite(res["test_score"]).all()
    writer.close()
