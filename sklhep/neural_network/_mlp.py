"""Multilayer perceptrons trained with signed sample weights: MLPClassifier, MLPRegressor."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from sklhep._device import effective_n_threads, resolve_device, torch_threads
from sklhep._early_stopping import (
    DEPRECATED,
    deprecated_alias,
    early_stopping_enabled,
    history_record,
    train_validation_split,
)
from sklhep._sklearn_compat import Hidden, Interval, StrOptions, _fit_context
from sklhep._validation import encode_classes, validate_fit_data, validate_predict_data
from sklhep.base import SampleWeightRequestMixin, VersionedStateMixin
from sklhep.exceptions import ConvergenceWarning
from sklhep.neural_network._callbacks import (
    DivergenceCheck,
    EarlyStoppingBest,
    LearningRateRecorder,
    LearningRateSchedule,
    LossBestRecorder,
    clone_callbacks,
    clone_with_callbacks,
)
from sklhep.neural_network._data import TensorData
from sklhep.neural_network._disco import (
    check_decorrelation_batches,
    check_protected,
    decorrelation_mask,
)
from sklhep.neural_network._module import ACTIVATIONS, WEIGHT_INITS, MLPModule
from sklhep.neural_network._net import (
    AUTOCAST_DTYPES,
    EVAL_BATCH_SIZE,
    EVAL_ROW_BLOCK,
    WeightedNet,
    autocast,
)
from sklhep.neural_network._persist import MLPPersistMixin
from sklhep.weights import (
    NEGATIVE_WEIGHT_POLICIES,
    check_sample_weight,
    check_weight_index,
    has_negative_weights,
    merge_training_events,
    prepare_training_weights,
    weighted_mean,
    weighted_std,
)

__all__ = ["MLPClassifier", "MLPRegressor"]

#: The classifier's ``dropout="auto"`` with negative training weights: it keeps the network
#: from fitting the weight fluctuations of an NLO sample (Z+jets LO -> NLO reweighting
#: closes within 1 sigma instead of 19; ``benchmarks/mlp_signed_defaults.py``).
SIGNED_DROPOUT = 0.3

#: A loss above this many times a constant model's loss (:meth:`_BaseMLP._constant_loss`)
#: is divergence: no trained model is 100 times worse than predicting a constant.
DIVERGENCE_FACTOR = 100.0

_OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "nadam": torch.optim.NAdam,
    "sgd": torch.optim.SGD,
}
_REGRESSION_LOSSES: dict[str, type[torch.nn.Module]] = {
    "mse": torch.nn.MSELoss,
    "mae": torch.nn.L1Loss,
    "huber": torch.nn.HuberLoss,
}


def _to_device(arr: NDArray[Any], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """A tensor on ``device`` when it fits there, else on the CPU (batches then move)."""
    arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:  # torch.as_tensor warns on read-only (e.g. memmap) arrays
        arr = arr.copy()
    t = torch.as_tensor(arr, dtype=dtype)
    if device.type == "cpu":
        return t
    try:
        return t.to(device)
    except torch.cuda.OutOfMemoryError:  # pragma: no cover - needs a full GPU
        return t.pin_memory()


class _BaseMLP(MLPPersistMixin, SampleWeightRequestMixin, VersionedStateMixin, BaseEstimator, ABC):
    """Shared parameters and training logic of MLPClassifier and MLPRegressor.

    The family-specific pieces are the abstract hooks below; whether the estimator is a
    classifier is :func:`sklearn.base.is_classifier` (its estimator-type tag).
    """

    _parameter_constraints: dict = {  # noqa: RUF012
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "batch_norm": ["boolean"],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr_schedule": [StrOptions({"plateau", "cosine"}), None],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "patience": [
            Interval(Integral, 1, None, closed="left"),
            Hidden(StrOptions({DEPRECATED})),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "negative_weights": [StrOptions(set(NEGATIVE_WEIGHT_POLICIES))],
        "precision": [StrOptions({"float32", "float64", *AUTOCAST_DTYPES})],
        "compile": ["boolean"],
        # "auto", "cpu", "cuda" or "cuda:N": checked by sklhep._device.resolve_device in fit
        "device": [str],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | int = (64, 32, 32),
        *,
        activation: str = "relu",
        dropout: float | str = 0.0,
        batch_norm: bool = False,
        weight_init: str = "default",
        alpha: float = 0.0,
        l1: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int = 1024,
        max_epochs: int = 100,
        lr_schedule: str | None = None,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        patience: int | str = DEPRECATED,
        tol: float = 1e-4,
        negative_weights: str = "keep",
        precision: str = "float32",
        compile: bool = False,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        callbacks: list[Any] | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.weight_init = weight_init
        self.alpha = alpha
        self.l1 = l1
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.patience = patience
        self.tol = tol
        self.negative_weights = negative_weights
        self.precision = precision
        self.compile = compile
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # -- family-specific hooks --------------------------------------------------------------
    @abstractmethod
    def _validate_targets(self, X: Any, y: Any, *, first: bool, classes: Any) -> Any:
        """Check ``y`` and return the targets training uses (class codes, 2-D targets)."""

    @abstractmethod
    def _n_outputs(self) -> int:
        """The number of network outputs."""

    @abstractmethod
    def _criterion(self) -> type[torch.nn.Module]:
        """The per-event loss (built with ``reduction="none"``)."""

    @abstractmethod
    def _loss_kind(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"`` (see ``WeightedNet``)."""

    @abstractmethod
    def _target_tensor(self, y: Any, device: torch.device) -> torch.Tensor:
        """The targets as a tensor on ``device``, shaped for the criterion."""

    def _class_weight(self) -> Any:
        return None

    def _labels(self, y: Any) -> Any:
        """What the weight functions group by: the original class labels, or ``y``."""
        return y

    def _set_target_scaling(self, y: Any, w: NDArray[np.float64]) -> None:
        """Regressors standardise their targets (a no-op for classifiers)."""

    # -- building ---------------------------------------------------------------------------
    def _dtype(self) -> torch.dtype:
        return torch.float64 if self.precision == "float64" else torch.float32

    def _hidden_sizes(self) -> tuple[int, ...]:
        raw = self.hidden_layer_sizes
        if isinstance(raw, (int, Integral)):
            sizes: tuple[int, ...] = (int(raw),)
        else:
            sizes = tuple(int(s) for s in raw)
        if any(s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes}.")
        return sizes

    def _constant_loss(self) -> float:
        """The scale of a constant model's loss: log(K) for K classes (the cross-entropy of
        a uniform prediction); 1 for a regressor, whose targets are standardised (the half
        squared error of the mean is 0.5, the absolute error of the median below 1)."""
        if is_classifier(self):
            return float(np.log(max(len(self.classes_), 2)))
        return 1.0

    def _training_callbacks(
        self, *, early_stopping: bool, n_iter_no_change: int
    ) -> list[tuple[str, Any]]:
        """The callbacks that implement the training behaviour, then the user's (copied)."""
        callbacks: list[tuple[str, Any]] = [
            ("lr_recorder", LearningRateRecorder()),
            ("divergence", DivergenceCheck(DIVERGENCE_FACTOR * self._constant_loss())),
            ("loss_best", LossBestRecorder()),
        ]
        if self.lr_schedule is not None:
            schedule = LearningRateSchedule(
                self.lr_schedule,
                self.max_epochs,
                patience=max(1, n_iter_no_change // 2),
                tol=self.tol,
            )
            callbacks.append(("lr_schedule", schedule))
        if early_stopping:
            stopper = EarlyStoppingBest(
                monitor="valid_loss",
                patience=n_iter_no_change,
                threshold=self.tol,
                threshold_mode="abs",
                lower_is_better=True,
                load_best=True,
            )
            callbacks.append(("early_stopping", stopper))
        callbacks.extend(clone_callbacks(self.callbacks))
        return callbacks

    def _resolved_dropout(self) -> float:
        """The dropout of the network: ``dropout_`` once fitted (``"auto"`` resolved)."""
        if hasattr(self, "dropout_"):
            return float(self.dropout_)
        return 0.0 if isinstance(self.dropout, str) else float(self.dropout)

    def _build_net(
        self, device: torch.device, seed: int, callbacks: list[tuple[str, Any]]
    ) -> None:
        """Create ``module_`` and ``net_`` with a seeded initialisation."""
        optimizer_kwargs: dict[str, Any] = {}
        if self.optimizer == "sgd":
            optimizer_kwargs["optimizer__momentum"] = 0.9
        if self.optimizer == "adamw":
            optimizer_kwargs["optimizer__weight_decay"] = self.alpha
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = MLPModule(
                self.n_features_in_,
                self._hidden_sizes(),
                self._n_outputs(),
                activation=self.activation,
                dropout=self._resolved_dropout(),
                batch_norm=self.batch_norm,
                weight_init=self.weight_init,
            ).to(self._dtype())
        self.net_ = WeightedNet(
            module=module,
            criterion=self._criterion(),
            criterion__reduction="none",
            optimizer=_OPTIMIZERS[self.optimizer],
            lr=self.learning_rate,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            train_split=None,
            callbacks=callbacks,
            device=str(device),
            verbose=self.verbose,
            loss_kind=self._loss_kind(),
            alpha=0.0 if self.optimizer == "adamw" else self.alpha,
            l1=self.l1,
            precision=self.precision,
            compile_module=bool(self.compile),
            decorrelation=float(getattr(self, "decorrelation", 0.0)),
            **optimizer_kwargs,
        )
        self.net_.initialize()
        self.module_ = self.net_.module_

    def _tensor_data(
        self,
        X: NDArray[Any],
        y: Any,
        weight: NDArray[np.float64],
        device: torch.device,
        decorrelation: tuple[NDArray[np.float64], NDArray[np.bool_]] | None = None,
    ) -> TensorData:
        """Tensors, built once. ``weight`` comes normalised to a net sum of 1 from
        :func:`~sklhep.weights.prepare_training_weights` (``normalize="unit"``);
        ``decorrelation`` is ``(protected, decorrelate)`` (see ``_disco.py``)."""
        data = TensorData(
            X=_to_device(X, device, self._dtype()),
            y=self._target_tensor(y, device),
            weight=_to_device(weight, device, self._dtype()),
        )
        if decorrelation is not None:
            data.protected = _to_device(decorrelation[0], data.X.device, self._dtype())
            data.decorrelate = _to_device(decorrelation[1], data.X.device, torch.bool)
        return data

    def _decorrelation_inputs(
        self, protected: ArrayLike | None, y: Any, n_samples: int
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]] | None:
        """``(protected, decorrelate mask)`` for the fit, or None without decorrelation."""
        strength = float(getattr(self, "decorrelation", 0.0))
        if not is_classifier(self):
            if protected is not None:
                raise ValueError(
                    f"{type(self).__name__} does not decorrelate: protected is for "
                    "MLPClassifier(decorrelation=...)."
                )
            return None
        values = check_protected(protected, n_samples, strength)
        if values is None:
            return None
        mask = decorrelation_mask(
            np.asarray(y), self.classes_, getattr(self, "decorrelation_classes", None), strength
        )
        return values, mask

    # -- fitting ----------------------------------------------------------------------------
    def _fit(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`_fit_threads` with PyTorch's threads set to ``n_jobs`` for the fit."""
        with torch_threads(effective_n_threads(self.n_jobs)):
            return self._fit_threads(*args, **kwargs)

    def _fit_threads(
        self,
        X: Any,
        y: Any,
        sample_weight: ArrayLike | None,
        *,
        incremental: bool,
        n_iter_no_change: int,
        classes: Any = None,
        protected: ArrayLike | None = None,
    ) -> Any:
        classifier = is_classifier(self)
        first = not (incremental and hasattr(self, "net_"))
        # The device first: a bad value fails before any data are converted.
        device = torch.device(
            resolve_device(self.device, "torch") if first else str(self.net_.device)
        )
        if self.precision == "fp16" and device.type != "cuda":
            raise ValueError(
                f"precision='fp16' needs a CUDA device, but the model trains on {device.type!r}."
                " On the CPU use precision='bf16' (bfloat16 autocast) or 'float32'."
            )
        if first:
            X, y = validate_fit_data(
                self,
                X,
                y,
                multi_output=not classifier,
                y_numeric=not classifier,
                float32=self._dtype() == torch.float32,
                sample_weight=sample_weight,
            )
        else:
            check_weight_index(sample_weight, X)
            X = validate_predict_data(self, X, float32=self._dtype() == torch.float32)
        y = self._validate_targets(X, y, first=first, classes=classes)
        decorrelation = self._decorrelation_inputs(protected, y, X.shape[0])
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        split_seed = int(rng.randint(np.iinfo(np.int32).max))
        shuffle_seed = int(rng.randint(np.iinfo(np.int32).max))
        if not first:
            # a fixed random_state would give every chunk the same shuffle and dropout
            # masks: mix in how many chunks came before (still reproducible)
            seed, shuffle_seed = (
                int(np.random.SeedSequence([s, self.n_epochs_]).generate_state(1)[0] >> 1)
                for s in (seed, shuffle_seed)
            )

        signed = check_sample_weight(sample_weight, X)
        labels = self._labels(y)
        # Zero-weight events go, identical events merge (a +w/-w pair cancels, k copies
        # are one event of weight k) before anything splits or batches events.
        extra = () if decorrelation is None else (decorrelation[0],)
        index, merged = merge_training_events(
            signed, X, y, *extra, negative_weights=self.negative_weights
        )
        if index is not None:
            X, y, labels, signed = X[index], y[index], labels[index], merged
            if decorrelation is not None:
                decorrelation = (decorrelation[0][index], decorrelation[1][index])
        early_stopping = not incremental and early_stopping_enabled(
            self.early_stopping, X.shape[0]
        )
        # Every weight (training and validation) goes through prepare_training_weights:
        # the negative-weight policy, the class weights and the normalisation to a net sum
        # of 1, so that a set's loss is sum(w_i * l_i) -- its weighted mean loss.
        weight_options: dict[str, Any] = {
            "negative_weights": self.negative_weights,
            "class_weight": self._class_weight(),
            "classifier": classifier,
            "normalize": "unit",
        }
        valid = None
        if early_stopping:
            train_idx, valid_idx = train_validation_split(
                labels if classifier else y,
                signed,
                validation_fraction=self.validation_fraction,
                classifier=classifier,
                random_state=split_seed,
            )
            X_valid, y_valid = X[valid_idx], y[valid_idx]
            w_valid, keep = prepare_training_weights(
                signed[valid_idx],
                X_valid,
                labels[valid_idx] if classifier else y_valid,
                classes=self.classes_ if classifier else None,
                what="the early-stopping validation set",
                warn_ess=False,
                **weight_options,
            )
            if keep is not None:
                X_valid, y_valid = X_valid[keep], y_valid[keep]
            X, y, signed, labels = X[train_idx], y[train_idx], signed[train_idx], labels[train_idx]
            if decorrelation is not None:
                valid_rows = valid_idx if keep is None else valid_idx[keep]
                decorrelation_valid = (decorrelation[0][valid_rows], decorrelation[1][valid_rows])
                decorrelation = (decorrelation[0][train_idx], decorrelation[1][train_idx])
        w_train, keep = prepare_training_weights(
            signed, X, labels if classifier else y, **weight_options
        )
        if keep is not None:
            X, y = X[keep], y[keep]
            if decorrelation is not None:
                decorrelation = (decorrelation[0][keep], decorrelation[1][keep])
        if decorrelation is not None:
            check_decorrelation_batches(
                self.batch_size, X.shape[0], int(decorrelation[1].sum()), stacklevel=5
            )
        if first:
            self._set_target_scaling(y, w_train)
            self.dropout_ = (
                (SIGNED_DROPOUT if has_negative_weights(w_train) else 0.0)
                if isinstance(self.dropout, str)
                else float(self.dropout)
            )
            self._build_net(
                device,
                seed,
                self._training_callbacks(
                    early_stopping=early_stopping, n_iter_no_change=n_iter_no_change
                ),
            )
            self.history_: list[dict[str, Any]] = []
        train = self._tensor_data(X, y, w_train, device, decorrelation)
        if early_stopping:
            valid = self._tensor_data(
                X_valid, y_valid, w_valid, device, decorrelation_valid if decorrelation else None
            )
        self.net_.decorrelation = float(getattr(self, "decorrelation", 0.0))
        generator = torch.Generator(device=train.X.device)
        generator.manual_seed(shuffle_seed)

        epochs = 1 if incremental else self.max_epochs
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=fork_devices):
            torch.manual_seed(seed)  # dropout
            self.net_.train(train, valid, epochs, generator)
        self._collect_history()
        if early_stopping and not incremental:
            self._warn_if_not_converged()
        return self

    def _warn_if_not_converged(self) -> None:
        """Warn, as scikit-learn does, when max_epochs stopped a still-improving fit."""
        if self.n_epochs_ < self.max_epochs or self.best_epoch_ < self.n_epochs_:
            return
        warnings.warn(
            f"{type(self).__name__} stopped at max_epochs={self.max_epochs} while the "
            "validation loss was still improving (its best epoch is the last): the model has "
            "not converged. Raise max_epochs, or raise learning_rate or lower batch_size "
            "(more steps per epoch).",
            ConvergenceWarning,
            stacklevel=3,
        )

    def _collect_history(self) -> None:
        nan = float("nan")
        self.history_ = [
            history_record(
                row["epoch"],
                row.get("train_loss", nan),
                row.get("valid_loss", nan),  # NaN without early stopping
                row.get("lr", nan),
                row.get("dur", nan),
            )
            for row in self.net_.history
        ]
        self.n_epochs_ = len(self.history_)
        stopper = dict(self.net_.callbacks_).get("early_stopping")
        best = getattr(stopper, "best_epoch_", None)
        self.best_epoch_ = int(best) if best else self.n_epochs_

    # -- prediction -------------------------------------------------------------------------
    def _forward(self, X: Any) -> NDArray[np.floating]:
        check_is_fitted(self)
        with torch_threads(effective_n_threads(getattr(self, "n_jobs", None))):
            return self._forward_threads(X)

    def _forward_threads(self, X: Any) -> NDArray[np.floating]:
        X = validate_predict_data(self, X, float32=self._dtype() == torch.float32)
        device = torch.device(self.net_.device)
        module = self.net_.module_
        module.eval()
        out = []
        with torch.inference_mode(), autocast(device, self.precision):
            for start in range(0, X.shape[0], EVAL_BATCH_SIZE):
                xb = _to_device(X[start : start + EVAL_BATCH_SIZE], device, self._dtype())
                n_rows = xb.shape[0]
                # Rows padded to a multiple of EVAL_ROW_BLOCK: the matrix kernels then take
                # the same path for every row, so an event's prediction does not depend on
                # which other events are predicted with it (measured bit-identical on CPU).
                padded = -(-n_rows // EVAL_ROW_BLOCK) * EVAL_ROW_BLOCK
                if padded != n_rows:
                    xb = torch.cat([xb, xb.new_zeros((padded - n_rows, xb.shape[1]))])
                out.append(module(xb)[:n_rows].float().cpu())
        return torch.cat(out).numpy() if out else np.empty((0, self._n_outputs()))

    # -- pickling ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: object.__getstate__ is __dict__
        # module_ is net_.module_: skorch pickles it with a device map, so that a model
        # trained on a GPU loads on a CPU-only machine.
        state.pop("module_", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if "net_" in state:
            self.module_ = self.net_.module_

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "net_")

    def __sklearn_clone__(self) -> Any:
        # the user's callbacks may hold resources (TensorBoard's SummaryWriter) that
        # scikit-learn's clone would deep-copy
        return clone_with_callbacks(self)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multilayer-perceptron classifier trained with signed (negative) sample weights.

    A PyTorch network trained through skorch. The training loss is the weighted mean of
    the per-event losses, normalised by the net weight sum of the *whole* training set, so
    that the fit converges to the net (signed-weight) distribution. Binary problems use one
    logit with binary cross-entropy; multi-class problems a softmax with cross-entropy.

    Read more in ``docs/mlp.md``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64, 32, 32)
        The width of each hidden layer.
    activation : {"relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid"}, \
            default="relu"
        The hidden layers' activation function.
    dropout : float in [0, 1) or "auto", default="auto"
        Dropout probability after each hidden activation. ``"auto"`` is 0 when no training
        weight is negative, and 0.3 with negative weights: on an NLO sample (Z+jets,
        18.5 % negative weights) the network otherwise fits the weight fluctuations (LO →
        NLO reweighting misses by 19σ on average; with 0.3 it closes within 1σ), while
        all-positive fits are unchanged. The value used is ``dropout_``.
    batch_norm : bool, default=False
        Insert batch normalisation after each hidden linear layer. The batch statistics
        are unweighted.
    weight_init : {"default", "kaiming", "xavier"}, default="default"
        ``"default"`` keeps PyTorch's initialisation.
    alpha : float, default=0.0
        L2 penalty ``alpha / 2 * sum(W**2)`` on the weight matrices (not the biases), added
        to each batch's loss. With ``optimizer="adamw"`` it is AdamW's decoupled
        ``weight_decay`` instead.
    l1 : float, default=0.0
        L1 penalty ``l1 * sum(|W|)`` on the weight matrices.
    optimizer : {"adam", "adamw", "nadam", "sgd"}, default="adam"
        ``"sgd"`` uses momentum 0.9.
    learning_rate : float, default=1e-3
        The initial learning rate.
    batch_size : int, default=1024
        Events per mini-batch. Use a value at least the number of events for full-batch
        training.
    max_epochs : int, default=100
        The maximal number of passes over the training data.
    lr_schedule : {"plateau", "cosine"} or None, default=None
        ``"plateau"`` divides the learning rate by 10 when the (validation, else training)
        loss has not improved by ``tol`` for ``max(1, n_iter_no_change // 2)`` epochs;
        ``"cosine"`` anneals it to 0 over ``max_epochs``.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the events (stratified by class, with their
        weights), stop when the weighted validation loss has not improved by more than
        ``tol`` for ``n_iter_no_change`` epochs, and restore the weights of the best
        epoch. ``"auto"`` turns it on when ``fit`` gets more than 10,000 events, as
        scikit-learn's ``HistGradientBoostingClassifier`` does. When off, exactly
        ``max_epochs`` epochs are run on all events. ``partial_fit`` never stops early.
    validation_fraction : float in (0, 1), default=0.1
        The fraction of events held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement larger than ``tol`` before early stopping (the
        BDT's parameter of the same name counts boosting rounds).
    patience : int, default="deprecated"
        Deprecated alias of ``n_iter_no_change``, kept for one release: when set it wins,
        with a ``FutureWarning``.
    tol : float, default=1e-4
        The minimal decrease of the validation loss that counts as an improvement.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        What training does with negative weights (see :mod:`sklhep.weights`). The
        early-stopping validation loss follows the same policy, so that it measures the
        loss training minimises.
    class_weight : "balanced", dict or None, default=None
        ``"balanced"`` re-weights the classes to equal *net* weight; a dict multiplies each
        class's weights. Applied to the training and validation weights.
    decorrelation : float, default=0.0
        Strength :math:`\\lambda \\ge 0` of the DisCo mass-decorrelation penalty
        (Kasieczka and Shih, arXiv:2001.05310): every batch's loss gets
        :math:`\\lambda\\,\\mathrm{dCor}^2` of the signal probability and the ``protected``
        variable passed to ``fit``, over the batch's events of ``decorrelation_classes``,
        with their signed weights. 0 (the default) turns it off; 0.1 to 10 is the useful
        range (see ``docs/decorrelation.md``). Binary classification only. The penalty needs
        a few hundred decorrelated events per batch (a warning says when there are fewer).
    decorrelation_classes : array-like of labels, default=None
        The classes whose output should not depend on ``protected``; by default the first
        class of ``classes_`` (the background, label 0).
    precision : {"float32", "float64", "bf16", "fp16"}, default="float32"
        The arithmetic of training and prediction. ``"float32"`` and ``"float64"`` set the
        type of the parameters and of the computation (``"float64"`` is slower but free of
        float32 rounding, e.g. for exact comparisons). ``"bf16"`` and ``"fp16"`` are mixed
        precision: float32 parameters, optimizer state and loss, with the forward pass
        under ``torch.autocast`` in bfloat16 / float16 (``"fp16"`` also scales the loss
        with ``torch.amp.GradScaler``). They are meant for GPUs; ``"bf16"`` also runs on
        the CPU, ``"fp16"`` needs CUDA (a ``ValueError`` otherwise). See ``docs/mlp.md``.
    compile : bool, default=False
        Train through ``torch.compile(module)``. Compiling costs tens of seconds at the
        start of every ``fit``; it pays off only for long trainings of wide networks (see
        ``docs/mlp.md``). ``module_`` stays the plain, picklable module.
    device : str, default="auto"
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        ``fit`` raises a ``ValueError`` for another value, or for a CUDA device PyTorch
        does not see.
    n_jobs : int or None, default=None
        PyTorch intra-op threads during ``fit`` and prediction, set for the call and
        restored after (PyTorch's global setting is never left changed). ``None`` or -1:
        the CPUs this process may use (its CPU affinity and cgroup quota, as batch systems
        set them), not the machine's core count: on a shared or pinned machine, PyTorch's
        own default oversubscribes the cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the validation split, the batch shuffling and dropout.
        With an int, fits on the CPU are bit-for-bit reproducible.
    verbose : int, default=0
        Print a table of the losses at every epoch when positive.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks (TensorBoard, MLflow, W&B, ...), copied at every ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when X was a DataFrame with string column names.
    net_ : skorch.NeuralNet
        The trained skorch net.
    module_ : torch.nn.Module
        The trained PyTorch module (``net_.module_``).
    history_ : list of dict
        One dict per epoch with the keys of ``sklhep._early_stopping.HISTORY_KEYS``, as
        the BDT's: ``epoch`` (1-based), ``train_loss``, ``valid_loss`` (NaN without early
        stopping), ``lr`` and ``duration`` (seconds). Losses are weighted means over the
        whole set.
    n_epochs_ : int
        Number of epochs run (over all ``fit``/``partial_fit`` calls since the last fit).
    best_epoch_ : int
        The epoch whose weights were kept (the last one without early stopping).
    dropout_ : float
        The dropout the network was trained with (``"auto"`` resolved).

    See Also
    --------
    MLPRegressor : The regression counterpart.
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP, without negative weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 3)); y = (X[:, 0] > 0).astype(int)
    >>> w = np.where(rng.random(2000) < 0.1, -1.0, 1.0)
    >>> clf = MLPClassifier((16,), max_epochs=5, random_state=0).fit(X, y, sample_weight=w)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {  # noqa: RUF012
        **_BaseMLP._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "decorrelation": [Interval(Real, 0, None, closed="left")],
        "decorrelation_classes": ["array-like", None],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | int = (64, 32, 32),
        *,
        activation: str = "relu",
        dropout: float | str = "auto",
        batch_norm: bool = False,
        weight_init: str = "default",
        alpha: float = 0.0,
        l1: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int = 1024,
        max_epochs: int = 100,
        lr_schedule: str | None = None,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        patience: int | str = DEPRECATED,
        tol: float = 1e-4,
        negative_weights: str = "keep",
        class_weight: str | dict[Any, float] | None = None,
        decorrelation: float = 0.0,
        decorrelation_classes: ArrayLike | None = None,
        precision: str = "float32",
        compile: bool = False,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        callbacks: list[Any] | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            weight_init=weight_init,
            alpha=alpha,
            l1=l1,
            optimizer=optimizer,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            patience=patience,
            tol=tol,
            negative_weights=negative_weights,
            precision=precision,
            compile=compile,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.class_weight = class_weight
        self.decorrelation = decorrelation
        self.decorrelation_classes = decorrelation_classes

    def _class_weight(self) -> Any:
        return self.class_weight

    def _validate_targets(self, X: Any, y: Any, *, first: bool, classes: Any) -> Any:
        if first:
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
                if self.classes_.shape[0] < 2:
                    raise ValueError(
                        f"classes={classes!r} has fewer than two classes; a classifier needs "
                        "at least two."
                    )
                y = column_or_1d(y, warn=True)
                check_classification_targets(y)
                return self._encode_known(y)
            self.classes_, encoded = encode_classes(y)
            return encoded
        if classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={np.unique(np.asarray(classes)).tolist()} differs from the classes "
                f"of the first partial_fit call, {self.classes_.tolist()}. Pass the same "
                "classes= (or none) on later calls, or start again with fit()."
            )
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} events.")
        return self._encode_known(y)

    def _encode_known(self, y: NDArray[Any]) -> NDArray[np.intp]:
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}: pass every label in classes= at the first "
                "partial_fit call."
            )
        return np.searchsorted(self.classes_, y).astype(np.intp)

    def _labels(self, y: Any) -> Any:
        # Original labels in messages and class_weight keys.
        return self.classes_[y]

    def _n_outputs(self) -> int:
        return 1 if self.classes_.shape[0] == 2 else int(self.classes_.shape[0])

    def _loss_kind(self) -> str:
        return "binary" if self.classes_.shape[0] == 2 else "multiclass"

    def _criterion(self) -> type[torch.nn.Module]:
        if self.classes_.shape[0] == 2:
            return torch.nn.BCEWithLogitsLoss
        return torch.nn.CrossEntropyLoss

    def _target_tensor(self, y: Any, device: torch.device) -> torch.Tensor:
        dtype = self._dtype() if self.classes_.shape[0] == 2 else torch.long
        return _to_device(np.asarray(y), device, dtype)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        *,
        protected: ArrayLike | None = None,
    ) -> Any:
        """Train the network from scratch.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features (any float or integer dtype; float32 is used internally).
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Signed per-event weights; ``None`` means unit weights.
        protected : array-like of shape (n_samples,), default=None
            The variable to decorrelate from (e.g. the jet mass), required when
            ``decorrelation > 0`` and refused otherwise. With metadata routing, request it
            with ``set_fit_request(protected=True)``.

        Returns
        -------
        self : MLPClassifier
        """
        n_iter_no_change = deprecated_alias(
            self, "patience", "n_iter_no_change", self.patience, self.n_iter_no_change
        )
        for attr in ("net_", "module_"):
            self.__dict__.pop(attr, None)
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=False,
            n_iter_no_change=n_iter_no_change,
            protected=protected,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
        *,
        protected: ArrayLike | None = None,
    ) -> Any:
        """Train for one epoch on a chunk, continuing from the current state.

        The first call builds the network (pass every label in ``classes`` when a chunk
        may miss a class); later calls continue with the same optimizer state. There is no
        early stopping. Each chunk's loss is normalised by that chunk's own net weight sum.
        With an int ``random_state`` every chunk gets its own (reproducible) shuffle.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The chunk's features.
        y : array-like of shape (n_samples,)
            The chunk's labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Signed event weights; each class's net sum in the chunk must be positive.
        classes : array-like of shape (n_classes,), default=None
            All the class labels; used at the first call only.
        protected : array-like of shape (n_samples,), default=None
            The chunk's variable to decorrelate from (with ``decorrelation > 0``).

        Returns
        -------
        self : MLPClassifier
        """
        n_iter_no_change = self.n_iter_no_change
        if not hasattr(self, "net_"):  # the first call builds the network: warn once
            n_iter_no_change = deprecated_alias(
                self, "patience", "n_iter_no_change", self.patience, self.n_iter_no_change
            )
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=True,
            n_iter_no_change=n_iter_no_change,
            classes=classes,
            protected=protected,
        )

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities, in the order of ``classes_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Computed in batches on the model's device, without gradients.
        """
        logits = self._forward(X).astype(np.float64)
        if self.classes_.shape[0] == 2:
            p = expit(logits[:, 0])
            return np.column_stack([1.0 - p, p])
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class of each event.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multilayer-perceptron regressor trained with signed (negative) sample weights.

    The targets are standardised internally with the signed-weighted mean and standard
    deviation of the training targets (so raw GeV-scale targets train well), and
    predictions are transformed back. 1-D and 2-D targets are supported. The training loss
    is the weighted mean of the per-event losses (``mse``, ``mae`` or ``huber`` on the
    standardised scale, averaged over targets), normalised by the net weight sum of the
    whole training set.

    Read more in ``docs/mlp.md``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64, 32, 32)
        The width of each hidden layer.
    activation : {"relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid"}, \
            default="relu"
        The hidden layers' activation function.
    dropout : float in [0, 1), default=0.0
        Dropout probability after each hidden activation.
    batch_norm : bool, default=False
        Insert batch normalisation after each hidden linear layer.
    weight_init : {"default", "kaiming", "xavier"}, default="default"
        ``"default"`` keeps PyTorch's initialisation.
    alpha : float, default=0.0
        L2 penalty ``alpha / 2 * sum(W**2)`` on the weight matrices; AdamW's
        ``weight_decay`` with ``optimizer="adamw"``.
    l1 : float, default=0.0
        L1 penalty ``l1 * sum(|W|)`` on the weight matrices.
    optimizer : {"adam", "adamw", "nadam", "sgd"}, default="adam"
        ``"sgd"`` uses momentum 0.9.
    learning_rate : float, default=1e-3
        The initial learning rate.
    batch_size : int, default=1024
        Events per mini-batch.
    max_epochs : int, default=100
        The maximal number of passes over the training data.
    lr_schedule : {"plateau", "cosine"} or None, default=None
        See :class:`MLPClassifier`.
    early_stopping : "auto" or bool, default="auto"
        Stop on the weighted validation loss and restore the best epoch's weights;
        ``"auto"``: when ``fit`` gets more than 10,000 events. See :class:`MLPClassifier`.
    validation_fraction : float in (0, 1), default=0.1
        The fraction of events held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement larger than ``tol`` before early stopping.
    patience : int, default="deprecated"
        Deprecated alias of ``n_iter_no_change`` (a ``FutureWarning`` when set).
    tol : float, default=1e-4
        The minimal decrease of the validation loss that counts as an improvement.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        What training does with negative weights (see :mod:`sklhep.weights`); the
        validation loss follows the same policy.
    loss : {"mse", "mae", "huber"}, default="mse"
        The per-event loss on the standardised targets (Huber with ``delta=1``).
    precision : {"float32", "float64", "bf16", "fp16"}, default="float32"
        See :class:`MLPClassifier`.
    compile : bool, default=False
        Train through ``torch.compile(module)``; see :class:`MLPClassifier`.
    device : str, default="auto"
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (a ``ValueError`` in ``fit``
        otherwise).
    n_jobs : int or None, default=None
        PyTorch intra-op threads during ``fit`` and prediction, set for the call and
        restored after (PyTorch's global setting is never left changed). ``None`` or -1:
        the CPUs this process may use (its CPU affinity and cgroup quota, as batch systems
        set them), not the machine's core count: on a shared or pinned machine, PyTorch's
        own default oversubscribes the cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the validation split, the shuffling and dropout.
    verbose : int, default=0
        Print a table of the losses at every epoch when positive.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks, copied at every ``fit``.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when X was a DataFrame with string column names.
    net_ : skorch.NeuralNet
        The trained skorch net.
    module_ : torch.nn.Module
        The trained PyTorch module.
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        The weighted mean and standard deviation used to standardise the targets.
    history_ : list of dict
        One dict per epoch (``epoch``, ``train_loss``, ``valid_loss`` -- NaN without
        early stopping --, ``lr``, ``duration``); losses are on the standardised scale.
    n_epochs_ : int
        Number of epochs run.
    best_epoch_ : int
        The epoch whose weights were kept.
    dropout_ : float
        The dropout the network was trained with.

    See Also
    --------
    MLPClassifier : The classification counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep import MLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 2)); y = 100.0 * X[:, 0] + 500.0
    >>> reg = MLPRegressor((16,), max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {  # noqa: RUF012
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions(set(_REGRESSION_LOSSES))],
    }

    def __init__(
        self,
        hidden_layer_sizes: tuple[int, ...] | int = (64, 32, 32),
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        weight_init: str = "default",
        alpha: float = 0.0,
        l1: float = 0.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int = 1024,
        max_epochs: int = 100,
        lr_schedule: str | None = None,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        patience: int | str = DEPRECATED,
        tol: float = 1e-4,
        negative_weights: str = "keep",
        loss: str = "mse",
        precision: str = "float32",
        compile: bool = False,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        callbacks: list[Any] | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            weight_init=weight_init,
            alpha=alpha,
            l1=l1,
            optimizer=optimizer,
            learning_rate=learning_rate,
            batch_size=batch_size,
            max_epochs=max_epochs,
            lr_schedule=lr_schedule,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            patience=patience,
            tol=tol,
            negative_weights=negative_weights,
            precision=precision,
            compile=compile,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.loss = loss

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _validate_targets(self, X: Any, y: Any, *, first: bool, classes: Any) -> Any:
        y = check_array(
            y, ensure_2d=False, dtype=np.float64, input_name="y", ensure_all_finite=True
        )
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"y has {y.shape[0]} entries but X has {X.shape[0]} events.")
        y2 = y.reshape(y.shape[0], -1)
        if first:
            self._y_ndim = y.ndim
        elif y2.shape[1] != self.y_mean_.shape[0]:
            raise ValueError(
                f"y has {y2.shape[1]} target(s) but the model was fitted with "
                f"{self.y_mean_.shape[0]}."
            )
        return y2

    def _set_target_scaling(self, y: Any, w: NDArray[np.float64]) -> None:
        self.y_mean_ = np.atleast_1d(np.asarray(weighted_mean(y, w), dtype=np.float64))
        scale = np.atleast_1d(np.asarray(weighted_std(y, w), dtype=np.float64))
        self.y_scale_ = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)

    def _n_outputs(self) -> int:
        return int(self.y_mean_.shape[0])

    def _loss_kind(self) -> str:
        return "regression"

    def _criterion(self) -> type[torch.nn.Module]:
        return _REGRESSION_LOSSES[self.loss]

    def _target_tensor(self, y: Any, device: torch.device) -> torch.Tensor:
        return _to_device((y - self.y_mean_) / self.y_scale_, device, self._dtype())

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Any:
        """Train the network from scratch.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features (any float or integer dtype; float32 is used internally).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, in any units (they are standardised internally).
        sample_weight : array-like of shape (n_samples,), default=None
            Signed per-event weights; ``None`` means unit weights.

        Returns
        -------
        self : MLPRegressor
        """
        n_iter_no_change = deprecated_alias(
            self, "patience", "n_iter_no_change", self.patience, self.n_iter_no_change
        )
        for attr in ("net_", "module_"):
            self.__dict__.pop(attr, None)
        return self._fit(X, y, sample_weight, incremental=False, n_iter_no_change=n_iter_no_change)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Any:
        """Train for one epoch on a chunk, continuing from the current state.

        The target standardisation is fixed by the first chunk. Each chunk's loss is
        normalised by that chunk's own net weight sum; there is no early stopping. With an
        int ``random_state`` every chunk gets its own (reproducible) shuffle.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The chunk's features.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The chunk's targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Signed event weights; the chunk's net sum must be positive.

        Returns
        -------
        self : MLPRegressor
        """
        n_iter_no_change = self.n_iter_no_change
        if not hasattr(self, "net_"):  # the first call builds the network: warn once
            n_iter_no_change = deprecated_alias(
                self, "patience", "n_iter_no_change", self.patience, self.n_iter_no_change
            )
        return self._fit(X, y, sample_weight, incremental=True, n_iter_no_change=n_iter_no_change)

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Predicted targets, on the scale of the training targets.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Shaped like the ``y`` given to ``fit``.
        """
        out = self._forward(X).astype(np.float64) * self.y_scale_ + self.y_mean_
        return out.ravel() if self._y_ndim == 1 else out
