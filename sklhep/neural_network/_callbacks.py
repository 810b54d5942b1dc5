"""skorch callbacks that implement the MLP's training behaviour.

Each runs at the end of an epoch (never per batch, so that they cost nothing per step):

* :class:`LearningRateRecorder` -- records the learning rate used in the epoch;
* :class:`DivergenceCheck` -- stops with :class:`~sklhep.exceptions.DivergenceError` when
  a loss is NaN or infinite;
* :class:`LearningRateSchedule` -- ``"plateau"`` or ``"cosine"``;
* :class:`EarlyStoppingBest` -- skorch's ``EarlyStopping``: stops when the weighted
  validation loss has not improved by ``tol`` for ``patience`` epochs, and restores the
  weights of the best epoch.

The learning-rate schedule stays an own callback rather than skorch's ``LRScheduler``,
which builds a new scheduler at every ``on_train_begin`` (a ``"plateau"`` schedule would
forget its state between ``partial_fit`` calls) and defines ``on_batch_end``, which turns
on the per-batch bookkeeping that :class:`~sklhep.neural_network._net.WeightedNet` skips
(see ``docs/performance.md``, "skorch callbacks vs own callbacks").

Two helpers make the user's own skorch callbacks (``callbacks=``) behave as in plain skorch:

* :func:`clone_callback` / :func:`clone_callbacks` -- the copy of a user callback taken at
  every ``fit``: a fresh instance with copied parameters, where resources that cannot or
  must not be copied (a TensorBoard ``SummaryWriter``, an open file, a lock, an optuna
  trial, an MLflow run) are shared instead of deep-copied;
* :class:`LossBestRecorder` -- records ``train_loss_best`` and ``valid_loss_best`` as
  skorch's default ``PassthroughScoring`` callbacks do, which ``Checkpoint()``'s default
  ``monitor="valid_loss_best"`` and ``PrintLog`` read.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

import torch
from skorch.callbacks import Callback, EarlyStopping

from sklhep.exceptions import DivergenceError

__all__ = [
    "DivergenceCheck",
    "EarlyStoppingBest",
    "LearningRateRecorder",
    "LearningRateSchedule",
    "LossBestRecorder",
    "StopTraining",
    "clone_callback",
    "clone_callbacks",
    "clone_with_callbacks",
]


class StopTraining(Exception):
    """Raised by a callback to end training after the current epoch."""


def _lr(net: Any) -> float:
    return float(net.optimizer_.param_groups[0]["lr"])


class LearningRateRecorder(Callback):
    """Record ``lr``, the learning rate of the epoch, in the history."""

    def on_epoch_begin(self, net: Any, **kwargs: Any) -> None:
        net.history.record("lr", _lr(net))


class DivergenceCheck(Callback):
    """Raise :class:`~sklhep.exceptions.DivergenceError` when training diverges.

    Divergence is a loss that is not finite, or that exceeds ``limit`` (the estimator sets
    it to 100 times a constant model's loss): a loss that climbs to 1e6 while staying
    finite leaves a constant model, which must not be returned as a fit.
    """

    def __init__(self, limit: float = math.inf) -> None:
        self.limit = limit

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is None:
                continue
            finite = math.isfinite(value)
            if finite and value <= self.limit:
                continue
            why = (
                ""
                if not finite
                else (
                    f", more than {self.limit:.3g} (100 times the loss of a constant prediction)"
                )
            )
            raise DivergenceError(
                f"Training diverged: {key} is {value:.3g} at epoch {row['epoch']}{why} "
                f"(learning rate {row.get('lr', _lr(net)):.3g}). Lower learning_rate (for "
                "example by a factor 10), standardise the features (e.g. with "
                "sklearn.preprocessing.StandardScaler), or check the inputs and weights "
                "for extreme values."
            )


class LearningRateSchedule(Callback):
    """Adjust the learning rate at the end of every epoch.

    Parameters
    ----------
    policy : {"plateau", "cosine"}
        ``"plateau"``: divide the learning rate by 10 when the monitored loss (the
        validation loss when there is one, else the training loss) has not improved by
        ``tol`` for ``patience`` epochs. ``"cosine"``: cosine annealing from the initial
        learning rate to 0 over ``max_epochs`` epochs.
    max_epochs : int
    patience : int
    tol : float
    """

    def __init__(
        self, policy: str = "plateau", max_epochs: int = 100, patience: int = 5, tol: float = 0.0
    ) -> None:
        self.policy = policy
        self.max_epochs = max_epochs
        self.patience = patience
        self.tol = tol

    def initialize(self) -> LearningRateSchedule:
        self.scheduler_: Any = None
        return self

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        if self.scheduler_ is not None and self.scheduler_.optimizer is net.optimizer_:
            return  # partial_fit: keep the schedule's state
        if self.policy == "cosine":
            self.scheduler_ = torch.optim.lr_scheduler.CosineAnnealingLR(
                net.optimizer_, T_max=self.max_epochs
            )
        else:
            self.scheduler_ = torch.optim.lr_scheduler.ReduceLROnPlateau(
                net.optimizer_,
                mode="min",
                factor=0.1,
                patience=self.patience,
                threshold=self.tol,
                threshold_mode="abs",
            )

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        if self.policy == "cosine":
            self.scheduler_.step()
            return
        row = net.history[-1]
        value = row.get("valid_loss", row.get("train_loss"))
        if value is not None:
            self.scheduler_.step(value)


class EarlyStoppingBest(EarlyStopping):
    """skorch's :class:`~skorch.callbacks.EarlyStopping` on the weighted validation loss.

    Build it as ``EarlyStoppingBest(monitor="valid_loss", patience=n_iter_no_change,
    threshold=tol, threshold_mode="abs", lower_is_better=True, load_best=True)``: training
    stops when ``valid_loss`` has not decreased by more than ``tol`` for ``patience``
    epochs, and the weights of the best epoch are restored (``best_epoch_``). Two
    additions to skorch's callback:

    * epochs without a ``valid_loss`` (``partial_fit`` after an early-stopped ``fit``) are
      skipped instead of raising ``KeyError``;
    * the copy of the best weights is dropped once restored, so that a fitted model does
      not keep a second copy of its weights (on the GPU after a GPU fit).

    It replaced an own implementation after a same-run measurement showed no throughput
    difference (``docs/performance.md``, "skorch callbacks vs own callbacks").
    """

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        if "valid_loss" in net.history[-1]:
            super().on_epoch_end(net, **kwargs)

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        super().on_train_end(net, **kwargs)
        self.best_model_weights_ = None


class LossBestRecorder(Callback):
    """Record ``train_loss_best`` and ``valid_loss_best`` at the end of every epoch.

    skorch's default ``PassthroughScoring`` callbacks record whether the epoch's loss is
    the best so far; :class:`~sklhep.neural_network._net.WeightedNet` records its losses
    once per epoch instead and drops them, so this callback restores the two keys that
    skorch's ``Checkpoint`` (default ``monitor="valid_loss_best"``), ``PrintLog`` and
    other callbacks read. ``valid_loss_best`` exists only when there is a validation set
    (early stopping on), as in plain skorch without a ``train_split``.

    When the net skipped its per-batch records (no callback listens to batches), one
    summary entry with the epoch's losses is added to the epoch's ``"batches"``, so that
    callbacks that read the last batch (``Checkpoint``'s file-name formatting) work.
    """

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        history = net.history
        if not history[-1].get("batches"):
            history.new_batch()
            for key in ("train_loss", "valid_loss"):
                if history[-1].get(key) is not None:
                    history.record_batch(key, history[-1][key])
        for key in ("train_loss", "valid_loss"):
            value = history[-1].get(key)
            if value is None:
                continue
            earlier = [row[key] for row in history[:-1] if row.get(key) is not None]
            history.record(f"{key}_best", bool(all(value < e for e in earlier)))


#: Modules whose objects are resources (writers, runs, trials, locks, files): a callback
#: that holds one keeps the same object in every copy.
_SHARED_MODULES = (
    "torch.utils.tensorboard",
    "tensorboardX",
    "optuna",
    "mlflow",
    "wandb",
    "neptune",
    "logging",
    "threading",
    "_thread",
    "multiprocessing",
    "io",
    "_io",
    "socket",
    "tqdm",
)


def _is_resource(value: Any) -> bool:
    module = type(value).__module__ or ""
    return any(module == m or module.startswith(m + ".") for m in _SHARED_MODULES)


def _copy_value(value: Any) -> Any:
    """A deep copy of ``value``; the same object for a resource or what cannot be copied."""
    if value is None or isinstance(value, (str, bytes, int, float, bool)):
        return value
    if _is_resource(value):
        return value
    if isinstance(value, (list, tuple)):
        items = [_copy_value(v) for v in value]
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    try:
        return copy.deepcopy(value)
    except Exception:  # a lock, a C handle, ...: shared, as in plain skorch
        return value


def clone_callback(callback: Any) -> Any:
    """A copy of a skorch callback for a new ``fit``, without deep-copying resources.

    The estimators copy the user's ``callbacks=`` at every ``fit`` (so that one fit does
    not leak its state into the next, or into another clone in a search). A plain
    ``copy.deepcopy`` fails on callbacks that hold a resource -- skorch's ``TensorBoard``
    holds a ``SummaryWriter`` with a thread lock -- and would silently disconnect others
    (an optuna trial, an MLflow run). This function instead:

    1. builds a fresh instance ``type(callback)(**params)`` from the callback's
       ``get_params(deep=False)`` (skorch's convention: ``__init__`` stores its arguments
       and ``initialize()`` creates the state), each parameter deep-copied except
       resources -- objects of TensorBoard, tensorboardX, optuna, MLflow, W&B, logging,
       threading, io, tqdm -- and anything that cannot be deep-copied, which are shared;
    2. if that fails (an ``__init__`` that does not take its ``get_params``), copies the
       callback's attributes the same way, dropping fitted state (names ending in ``_``),
       which skorch's ``initialize()`` recreates.

    Parameters
    ----------
    callback : skorch callback or object
        A :class:`skorch.callbacks.Callback` (or any object with the callback methods).

    Returns
    -------
    callback : a new object of the same class.

    Examples
    --------
    >>> from skorch.callbacks import EpochScoring
    >>> cb = EpochScoring("roc_auc", lower_is_better=False)
    >>> new = clone_callback(cb)
    >>> new is not cb and new.get_params()["scoring"] == "roc_auc"
    True
    """
    get_params = getattr(callback, "get_params", None)
    if get_params is not None:
        try:
            params = get_params(deep=False)
            return type(callback)(**{k: _copy_value(v) for k, v in params.items()})
        except Exception:  # fall back to an attribute copy below
            pass
    new = copy.copy(callback)
    state = getattr(callback, "__dict__", None)
    if state is not None:
        new.__dict__ = {
            k: _copy_value(v)
            for k, v in state.items()
            if not (k.endswith("_") and not k.endswith("__"))
        }
    return new


def clone_callbacks(callbacks: Iterable[Any] | None) -> list[tuple[str, Any]]:
    """Copies of the user's callbacks, as named ``(name, callback)`` pairs.

    Each entry of ``callbacks`` is a callback or a ``(name, callback)`` tuple; an unnamed
    callback at position ``i`` is named ``f"user_{i}_{ClassName}"`` (the estimators'
    naming). Each callback is copied by :func:`clone_callback`.

    Parameters
    ----------
    callbacks : list of callbacks or (name, callback) tuples, or None

    Returns
    -------
    list of (str, callback)
    """
    named: list[tuple[str, Any]] = []
    for i, cb in enumerate(callbacks or []):
        name, cb = cb if isinstance(cb, tuple) else (f"user_{i}_{type(cb).__name__}", cb)
        named.append((name, clone_callback(cb)))
    return named


def clone_with_callbacks(estimator: Any) -> Any:
    """``sklearn.clone`` of an estimator with a ``callbacks`` parameter.

    scikit-learn's ``clone`` deep-copies every parameter that is not an estimator, which
    fails for a skorch ``TensorBoard`` callback (its ``SummaryWriter`` holds a lock) in
    ``GridSearchCV``, ``cross_validate`` or :class:`~sklhep.CrossEvaluator`. This is
    scikit-learn's clone (parameters, metadata requests) with the callbacks copied by
    :func:`clone_callback` (entries and ``(name, callback)`` tuples kept as given). The
    MLP's ``__sklearn_clone__`` calls it.

    Parameters
    ----------
    estimator : estimator object with a ``callbacks`` parameter

    Returns
    -------
    clone : an unfitted estimator with the same parameters
    """
    from sklhep._sklearn_compat import clone_parametrized

    callbacks = estimator.callbacks
    shallow = copy.copy(estimator)
    shallow.callbacks = None
    new: Any = clone_parametrized(shallow)
    if callbacks is not None:
        new.callbacks = [
            (cb[0], clone_callback(cb[1])) if isinstance(cb, tuple) else clone_callback(cb)
            for cb in callbacks
        ]
    return new
