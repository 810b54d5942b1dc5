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
"""

from __future__ import annotations

import math
from typing import Any

import torch
from skorch.callbacks import Callback, EarlyStopping

from sklhep.exceptions import DivergenceError

__all__ = [
    "DivergenceCheck",
    "EarlyStoppingBest",
    "LearningRateRecorder",
    "LearningRateSchedule",
    "StopTraining",
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
