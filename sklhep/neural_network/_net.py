"""The skorch net that trains the MLP with a globally normalised weighted loss.

This follows skorch's FAQ recipe for sample weights -- the weights travel inside the batch
(``X`` is a dict ``{"X": features, "sample_weight": weights}``) and :meth:`get_loss`
multiplies the per-event losses (``reduction="none"``) by them -- with two changes:

* the weights arrive divided by the net weight sum ``W`` of the *whole* set -- by
  :func:`sklhep.weights.prepare_training_weights` with ``normalize="unit"``, which also
  applies the negative-weight policy and the class weights -- never by a batch's own sum
  (which can be zero or negative with signed weights). A training batch's loss is
  ``(N / B) * sum_batch(w_i * l_i) / W`` with ``N`` the number of training events and
  ``B = min(batch_size, N)``: an unbiased estimate of the weighted mean loss
  ``sum_all(w_i * l_i) / W``, the same constant for every batch. The recorded
  ``train_loss`` and ``valid_loss`` are ``sum_all(w_i * l_i) / W`` of their set, i.e.
  weighted means;
* skorch's per-batch bookkeeping (a ``.item()`` device sync, history records and
  callback notifications for every batch) is skipped unless a callback actually listens
  to per-batch events. Losses are accumulated on the device and synchronised once per
  epoch.

Performance options: ``precision="bf16"`` / ``"fp16"`` run the forward pass under
``torch.autocast`` (parameters, optimizer state and the loss stay float32; ``"fp16"`` adds a
``torch.amp.GradScaler``), and ``compile_module=True`` trains through
``torch.compile(module_)`` -- a compiled view that is built at the start of training and
dropped at its end, so that ``module_`` itself stays a plain, picklable module.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer, PrintLog
from skorch.utils import TeeGenerator

from sklhep.neural_network._callbacks import StopTraining
from sklhep.neural_network._data import TensorBatchIterator, TensorData
from sklhep.neural_network._disco import distance_correlation

__all__ = ["WeightedNet"]

_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")
#: Batch-dict entries that are not the module's inputs (they go to the loss only).
_LOSS_ONLY_KEYS = ("protected", "decorrelate")

#: Batch size used for the validation set and for prediction (no gradients are kept).
EVAL_BATCH_SIZE = 65536
#: Prediction batches are padded to a multiple of this many rows (batch-invariant outputs:
#: small or ragged matrix shapes take other kernel paths, with other float rounding).
EVAL_ROW_BLOCK = 32

#: ``precision`` values that train with mixed precision, and their autocast dtype.
AUTOCAST_DTYPES: dict[str, torch.dtype] = {"bf16": torch.bfloat16, "fp16": torch.float16}


def autocast(device: str | torch.device, precision: str) -> Any:
    """``torch.autocast`` for a mixed ``precision``, else a no-op context."""
    dtype = AUTOCAST_DTYPES.get(precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def _binary_proba(logits: torch.Tensor) -> torch.Tensor:
    """``(n, 1)`` logits -> ``(n, 2)`` probabilities ``[1 - p, p]``."""
    p = torch.sigmoid(logits.reshape(-1))
    return torch.stack((1 - p, p), dim=1)


def _listens_to_batches(cb: Any) -> bool:
    return any(
        getattr(type(cb), hook, None) is not getattr(Callback, hook) for hook in _BATCH_HOOKS
    )


class WeightedNet(NeuralNet):
    """A :class:`skorch.NeuralNet` trained on :class:`TensorData` with signed weights.

    Parameters (besides skorch's)
    -----------------------------
    loss_kind : {"binary", "multiclass", "regression"}
        How targets and outputs are shaped for the criterion.
    alpha : float
        L2 penalty ``alpha / 2 * sum(W**2)`` over the weight matrices (not biases), added
        to every training batch's loss.
    l1 : float
        L1 penalty ``l1 * sum(|W|)`` over the weight matrices.
    precision : {"float32", "float64", "bf16", "fp16"}
        ``"bf16"`` and ``"fp16"`` run the forward pass under ``torch.autocast``; the
        outputs are cast back to float32 before the loss.
    compile_module : bool
        Train through ``torch.compile(module_)`` (evaluation uses the plain module).
    decorrelation : float
        :math:`\\lambda` of the DisCo penalty (``_disco.py``): every training batch's loss
        gets :math:`\\lambda\\,\\mathrm{dCor}^2` of the output probability and ``protected``
        over the batch's ``decorrelate`` events. The recorded ``train_loss`` and
        ``valid_loss`` then include :math:`\\lambda` times the mean of the batch penalties
        (the validation set is cut into batches of ``batch_size`` for it, in order).
    """

    #: The loss scaler of ``precision="fp16"``, during training only.
    _grad_scaler: torch.amp.GradScaler | None = None

    def __init__(
        self,
        module: Any,
        criterion: Any,
        *args: Any,
        loss_kind: str = "binary",
        alpha: float = 0.0,
        l1: float = 0.0,
        precision: str = "float32",
        compile_module: bool = False,
        decorrelation: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(module, criterion, *args, **kwargs)
        self.loss_kind = loss_kind
        self.alpha = alpha
        self.l1 = l1
        self.precision = precision
        self.compile_module = compile_module
        self.decorrelation = decorrelation

    # -- callbacks -----------------------------------------------------------------------
    @property
    def _default_callbacks(self) -> list[tuple[str, Callback]]:
        # skorch's PassthroughScoring callbacks average per-batch losses; the losses are
        # recorded per epoch by run_single_epoch instead.
        callbacks: list[tuple[str, Callback]] = [("epoch_timer", EpochTimer())]
        if self.verbose:
            callbacks.append(("print_log", PrintLog()))
        return callbacks

    def initialize_callbacks(self) -> WeightedNet:
        super().initialize_callbacks()
        self._batch_hooks = any(_listens_to_batches(cb) for _, cb in self.callbacks_)
        return self

    # -- scikit-learn view (for skorch's EpochScoring and scikit-learn scorers) ---------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        if self.loss_kind != "regression":
            tags.estimator_type = "classifier"
        return tags

    @property
    def classes_(self) -> Any:
        """The class codes ``0 .. K-1`` (the targets the net trains on); classifiers only."""
        if self.loss_kind == "regression":
            raise AttributeError("A regression net has no classes_.")
        return np.arange(max(2, int(self.module_.layers[-1].out_features)))

    def _get_predict_nonlinearity(self) -> Any:
        # The binary net has one logit column; skorch's default for BCEWithLogitsLoss
        # expects a 1-D logit and returns an (n, 2, 1) array ("Found array with dim 3").
        if self.loss_kind == "binary":
            return _binary_proba
        return super()._get_predict_nonlinearity()

    def predict(self, X: Any) -> Any:
        """Class codes (argmax of ``predict_proba``) for classifiers, else the output."""
        out = super().predict(X)
        return out.argmax(axis=1) if self.loss_kind != "regression" else out

    # -- data ----------------------------------------------------------------------------
    def get_iterator(self, dataset: Any, training: bool = False) -> TensorBatchIterator:
        return TensorBatchIterator(
            dataset,
            self.batch_size if training else max(self.batch_size, EVAL_BATCH_SIZE),
            shuffle=training,
            generator=getattr(self, "generator", None),
            device=torch.device(self.device),
        )

    # -- loss ----------------------------------------------------------------------------
    def get_loss(
        self, y_pred: torch.Tensor, y_true: torch.Tensor, X: Any = None, training: bool = False
    ) -> torch.Tensor:
        if self.loss_kind == "binary":
            y_pred = y_pred.squeeze(1)
        per_event = self.criterion_(y_pred, y_true)
        if per_event.ndim > 1:  # several regression targets: mean over targets
            per_event = per_event.mean(dim=1)
        weighted = torch.dot(per_event, X["sample_weight"])
        penalty = None
        if self.decorrelation and isinstance(X, dict) and "protected" in X:
            penalty = self._decorrelation_penalty(y_pred, X, training)
        self._batch_weighted_sum = weighted.detach()
        if not training:
            if penalty is not None:
                weighted = weighted + penalty
                self._batch_weighted_sum = weighted.detach()
            return weighted
        loss = weighted * self._train_scale
        if penalty is not None:
            loss = loss + penalty
            # the recorded epoch loss: lambda x the mean batch penalty
            share = y_pred.shape[0] / self._disco_sizes[True]
            self._batch_weighted_sum = self._batch_weighted_sum + share * penalty.detach()
        if self.alpha:
            loss = loss + 0.5 * self.alpha * sum(
                (w * w).sum() for w in self.module_.weight_matrices()
            )
        if self.l1:
            loss = loss + self.l1 * sum(w.abs().sum() for w in self.module_.weight_matrices())
        return loss

    def _decorrelation_penalty(
        self, y_pred: torch.Tensor, X: dict[str, torch.Tensor], training: bool
    ) -> torch.Tensor:
        """:math:`\\lambda\\,\\mathrm{dCor}^2` of a training batch; for a validation batch,
        the sum over its chunks of ``batch_size`` rows of the penalty times the chunk's
        share of the validation set."""
        score = torch.sigmoid(y_pred.float() if y_pred.dtype == torch.float16 else y_pred)
        mask, protected, w = X["decorrelate"], X["protected"], X["sample_weight"]
        density = self._disco_density[training]  # net decorrelated weight per event

        def one(rows: slice) -> torch.Tensor:
            keep = mask[rows]
            n_rows = keep.shape[0]
            return self.decorrelation * distance_correlation(
                score[rows][keep], protected[rows][keep], w[rows][keep], density * n_rows
            )

        if training:
            return one(slice(None))
        n = score.shape[0]
        step = int(self.batch_size)
        total = score.new_zeros(())
        for start in range(0, n, step):
            rows = slice(start, start + step)
            total = total + one(rows) * (min(step, n - start) / self._disco_sizes[False])
        return total

    def _set_decorrelation_sets(self, train: TensorData, valid: TensorData | None) -> None:
        """Per set: its number of events and net decorrelated weight per event."""
        self._disco_sizes: dict[bool, int] = {}
        self._disco_density: dict[bool, float] = {}
        for training, data in ((True, train), (False, valid)):
            if data is None or data.decorrelate is None:
                continue
            n = len(data)
            net = float((data.weight * data.decorrelate).sum())
            self._disco_sizes[training] = n
            self._disco_density[training] = net / max(n, 1)

    # -- steps ---------------------------------------------------------------------------
    def infer(self, x: Any, **fit_params: Any) -> torch.Tensor:
        """Forward pass: the compiled module when training with ``compile_module``, under
        autocast with a mixed ``precision`` (the output is then cast back to float32)."""
        compiled = getattr(self, "_compiled_module", None)
        module = compiled if compiled is not None and self.module_.training else self.module_
        mixed = self.precision in AUTOCAST_DTYPES
        if isinstance(x, dict) and any(k in x for k in _LOSS_ONLY_KEYS):
            x = {k: v for k, v in x.items() if k not in _LOSS_ONLY_KEYS}
        with autocast(self.device, self.precision):
            out = module(**x, **fit_params) if isinstance(x, dict) else module(x, **fit_params)
        return out.float() if mixed else out

    def train_step(self, batch: Any, **fit_params: Any) -> dict[str, torch.Tensor]:
        Xi, yi = batch
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.infer(Xi)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler = getattr(self, "_grad_scaler", None)
        if scaler is not None:
            scaler.scale(loss).backward()
            if self._batch_hooks:
                scaler.unscale_(self.optimizer_)  # callbacks see the true gradients
        else:
            loss.backward()
        if self._batch_hooks:
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                X=Xi,
                y=yi,
                training=True,
            )
        if scaler is not None:
            scaler.step(self.optimizer_)
            scaler.update()
        else:
            self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def validation_step(self, batch: Any, **fit_params: Any) -> dict[str, torch.Tensor]:
        Xi, yi = batch
        with torch.no_grad():
            y_pred = self.infer(Xi)
            loss = self.get_loss(y_pred, yi, X=Xi, training=False)
        return {"loss": loss, "y_pred": y_pred}

    def run_single_epoch(
        self, iterator: Any, training: bool, prefix: str, step_fn: Any, **fit_params: Any
    ) -> None:
        if iterator is None:
            return
        self._set_training(training)
        hooks = self._batch_hooks
        total: torch.Tensor | float = 0.0
        batch_count = 0
        for batch in iterator:
            if hooks:
                self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            total = total + self._batch_weighted_sum
            if hooks:
                self.history.record_batch(prefix + "_loss", step["loss"].item())
                self.history.record_batch(prefix + "_batch_size", len(batch[1]))
                self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        # One device synchronisation per epoch.
        self.history.record(prefix + "_loss", float(total))
        self.history.record(prefix + "_batch_count", batch_count)

    # -- loop ----------------------------------------------------------------------------
    def fit_loop(
        self, X: TensorData, y: Any = None, epochs: int | None = None, **fit_params: Any
    ) -> WeightedNet:
        epochs = epochs if epochs is not None else self.max_epochs
        valid = getattr(self, "valid_data", None)
        kwargs = {"dataset_train": X, "dataset_valid": valid}
        n = len(X)
        self._train_scale = n / min(self.batch_size, n)
        it_train = self.get_iterator(X, training=True)
        it_valid = self.get_iterator(valid, training=False) if valid is not None else None
        for _ in range(epochs):
            self.notify("on_epoch_begin", **kwargs)
            self.run_single_epoch(it_train, True, "train", self.train_step)
            self.run_single_epoch(it_valid, False, "valid", self.validation_step)
            self.notify("on_epoch_end", **kwargs)
        return self

    def train(
        self, train: TensorData, valid: TensorData | None, epochs: int, generator: Any
    ) -> WeightedNet:
        """Train for up to ``epochs`` epochs; a callback may stop earlier."""
        self.valid_data = valid
        self.generator = generator
        self._set_decorrelation_sets(train, valid)
        if self.compile_module:
            # Not a registered skorch module (skorch refuses those outside initialize_*): a
            # transient view of module_, dropped below.
            object.__setattr__(self, "_compiled_module", torch.compile(self.module_))
        if self.precision == "fp16":
            self._grad_scaler = torch.amp.GradScaler(torch.device(self.device).type)
        try:
            self.notify("on_train_begin", X=train, y=None)
            with contextlib.suppress(StopTraining, KeyboardInterrupt):
                self.fit_loop(train, epochs=epochs)
            self.notify("on_train_end", X=train, y=None)
        finally:
            # Never keep the data (or the generator, the compiled view, the scaler) on the
            # fitted net.
            self.valid_data = None
            self.generator = None
            object.__setattr__(self, "_compiled_module", None)
            self._grad_scaler = None
        return self
