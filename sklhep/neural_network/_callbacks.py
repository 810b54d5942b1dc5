"""skorch callbacks that implement the MLP's training behaviour.

Each runs at the end of an epoch (never per batch, so that they cost nothing per step):

* :class:`LearningRateRecorder` -- records the learning rate used in the epoch;
* :class:`DivergenceCheck` -- stops with :class:`~sklhep.exceptions.DivergenceError` when
  a loss is NaN or infinite;
* :class:`LearningRateSchedule` -- ``"plateau"`` or ``"cosine"``;
* :class:`EarlyStoppingBest` -- stops when the weighted validation loss has not improved by
  ``tol`` for ``patience`` epochs, and restores the weights of the best epoch.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from skorch.callbacks import Callback

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
    """Raise :class:`~sklhep.exceptions.DivergenceError` when an epoch's loss is not finite."""

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                raise DivergenceError(
                    f"Training diverged: {key} is {value} at epoch {row['epoch']} "
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


class EarlyStoppingBest(Callback):
    """Stop on the weighted validation loss and restore the best epoch's weights.

    Does nothing in epochs without a ``valid_loss`` (``partial_fit``).

    Parameters
    ----------
    patience : int
        Epochs without an improvement larger than ``tol`` before stopping.
    tol : float
        The minimal decrease of the validation loss that counts as an improvement.
    """

    def __init__(self, patience: int = 10, tol: float = 1e-4) -> None:
        self.patience = patience
        self.tol = tol

    def initialize(self) -> EarlyStoppingBest:
        self.best_loss_ = math.inf
        self.best_epoch_: int | None = None
        self.wait_ = 0
        self._best_state: dict[str, torch.Tensor] | None = None
        return self

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self.initialize()

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        row = net.history[-1]
        value = row.get("valid_loss")
        if value is None:
            return
        if value < self.best_loss_ - self.tol or self.best_epoch_ is None:
            self.best_loss_ = value
            self.best_epoch_ = int(row["epoch"])
            self.wait_ = 0
            # Kept on the CPU: cheap (once per improvement) and never pins GPU memory.
            self._best_state = {
                k: v.detach().to("cpu", copy=True) for k, v in net.module_.state_dict().items()
            }
            return
        self.wait_ += 1
        if self.wait_ >= self.patience:
            if net.verbose:
                print(
                    f"Early stopping: no improvement of valid_loss by more than {self.tol} for "
                    f"{self.patience} epochs; restoring epoch {self.best_epoch_} "
                    f"(valid_loss={self.best_loss_:.6g})."
                )
            raise StopTraining

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        if self._best_state is not None:
            net.module_.load_state_dict(self._best_state)
            self._best_state = None
