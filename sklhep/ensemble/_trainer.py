"""The BDT trainer: a configuration in, a fit result out.

:class:`~sklhep.ensemble.BDTClassifier` and :class:`~sklhep.ensemble.BDTRegressor` validate
their parameters and data, build a :class:`BoostingConfig` from their public parameters,
and hand it to a trainer: :func:`train` here for in-memory data, or
:func:`sklhep.ensemble._dask.train` for Dask collections. Both plan the training weights
with :func:`sklhep.weights.plan_training_weights` (the one implementation of the
negative-weight policy, class weights and normalisation) and return a :class:`FitResult`;
the estimator's one finalisation step turns it into fitted attributes. Neither trainer
reads an estimator.

Mass decorrelation (``decorrelation > 0``, classifiers): the custom objective is used
whatever the signs of the weights, and a :class:`~sklhep.ensemble._flatness.FlatnessPenalty`
on the ``protected`` variable is added to its gradient and hessian
(:class:`~sklhep.ensemble._flatness.FlatnessObjective`). The recorded training and
validation losses are the loss alone, without the penalty: the penalty depends on the
whole training set's margins (per-bin efficiencies), not on a sum over events, so it has no
per-event value on a held-out set.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xgboost
from numpy.typing import NDArray
from scipy.special import expit
from sklearn.utils.validation import check_random_state

from sklhep._device import resolve_device
from sklhep._early_stopping import (
    early_stopping_enabled,
    history_record,
    train_validation_split,
)
from sklhep._sklearn_compat import _openmp_effective_n_threads
from sklhep._validation import decorrelation_mask, encode_classes
from sklhep.ensemble._flatness import FlatnessObjective, FlatnessPenalty, protected_bins
from sklhep.ensemble._objectives import (
    LOSSES,
    SIGNED_MAX_STEP_MARGIN,
    SIGNED_MAX_STEP_STD,
    BinaryLogistic,
    Loss,
    SignedObjective,
    SoftmaxCrossEntropy,
)
from sklhep.weights import (
    WeightSums,
    has_negative_weights,
    merge_training_events,
    prepare_training_weights,
    signed_leaf_weight,
    weighted_std,
)

__all__ = [
    "BoostingConfig",
    "FitResult",
    "faithful_booster",
    "make_loss",
    "native_objective",
    "train",
]

#: Above this many training events, the fast path's training metric uses a random subset.
MAX_TRAIN_EVAL = 10_000
#: Bins of the protected variable (equal net weight, per decorrelated class) of the
#: flatness penalty ...
DECORRELATION_BINS = 10
#: ... fewer when a class has fewer than this many events per bin (so that >= 25 of them
#: pass the tightest cut, 1 %, in every bin: the penalty must not chase fluctuations).
MIN_EVENTS_PER_BIN = 2500


@dataclass(frozen=True)
class BoostingConfig:
    """Everything a trainer needs, taken from the estimator's public parameters.

    ``booster`` holds the tree parameters that go to xgboost unchanged; the other fields are
    sklhep's wrapper parameters, kept apart as in ``xgboost/sklearn.py``.
    """

    classifier: bool
    booster: dict[str, Any]
    n_estimators: int
    objective: str = "squared_error"
    class_weight: Any = None
    early_stopping: bool | str = "auto"
    n_iter_no_change: int | None = 10
    validation_fraction: float = 0.1
    negative_weights: str = "keep"
    missing: float = np.nan
    device: str = "auto"
    n_jobs: int | None = None
    random_state: Any = None
    verbose: int = 0
    #: The user's xgboost TrainingCallbacks, copied at every fit and run after sklhep's.
    callbacks: tuple[Any, ...] = ()
    #: Strength of the flatness penalty on ``protected`` (0: off; classifiers only).
    decorrelation: float = 0.0
    #: Labels of the classes to decorrelate (None: the first class).
    decorrelation_classes: tuple[Any, ...] | None = None

    def stops_early(self, n_samples: int) -> bool:
        """Whether this fit holds out a validation set and stops early."""
        return self.n_iter_no_change is not None and early_stopping_enabled(
            self.early_stopping, n_samples
        )

    def resolve_min_child_weight(self, sums: WeightSums, factors: Any = None) -> float:
        """``min_child_weight`` for training weights with these sums (``"auto"`` resolved:
        :func:`sklhep.weights.signed_leaf_weight`)."""
        value = self.booster["min_child_weight"]
        if value == "auto":
            return signed_leaf_weight(sums, factors, classifier=self.classifier)
        return float(value)

    def check_signed_min_child_weight(self) -> None:
        """With negative training weights min_child_weight is a leaf's least net weight."""
        value = self.booster["min_child_weight"]
        if value != "auto" and not value > 0:
            raise ValueError(
                f"min_child_weight={value} with negative training weights: on the signed "
                "path min_child_weight is the least net weight of a leaf, and 0 lets a "
                "leaf's net weight (its Newton step's denominator) reach ~0. Use "
                'min_child_weight > 0, or "auto" (the default), which scales it with the '
                "statistics that cancelling weights cost."
            )

    def xgboost_params(self, device: str, n_threads: int | None, seed: int) -> dict[str, Any]:
        """The parameters of ``xgboost.train`` common to both trainers."""
        params = {
            "tree_method": "hist",
            "device": device,
            **self.booster,
            # "auto" is resolved on the training weights by the trainer; 1 until then
            "min_child_weight": self.resolve_min_child_weight(WeightSums.from_weights([])),
            "seed": seed,
            "verbosity": 0,
            "validate_parameters": True,
            "disable_default_eval_metric": True,
        }
        if n_threads is not None:
            params["nthread"] = n_threads
        return params


@dataclass
class FitResult:
    """What a trainer returns; the estimator's finalisation turns it into attributes."""

    #: The trained booster, truncated to the best round with early stopping, on the CPU.
    booster: xgboost.Booster
    #: One record per round, with the keys of :data:`sklhep._early_stopping.HISTORY_KEYS`.
    history: list[dict[str, Any]]
    #: Index of the last round kept.
    best_iteration: int
    #: Whether sklhep's custom objective was used (negative weights, or decorrelation).
    signed: bool
    #: Threads the booster predicts with.
    n_threads: int
    n_features_in: int
    #: The class labels (classifiers), else None.
    classes: NDArray[Any] | None = None
    feature_names_in: NDArray[Any] | None = None
    #: The name of the metric in ``history`` (``"logloss"``, ``"mse"``, ...).
    metric: str = field(default="")
    #: The ``min_child_weight`` the booster was trained with (``"auto"`` resolved).
    min_child_weight: float = 1.0
    #: Classifiers: the smallest class's share of the net training weight (after the
    #: policy and the class weights); None when not known (regression, Dask).
    min_class_share: float | None = None


def make_loss(config: BoostingConfig, n_classes: int) -> Loss:
    """The loss of a classifier with ``n_classes`` classes, or of the regression objective."""
    if config.classifier:
        return BinaryLogistic() if n_classes == 2 else SoftmaxCrossEntropy(n_classes)
    return LOSSES[config.objective]()


def signed_max_delta_step(classifier: bool, y: NDArray[Any], w: NDArray[np.float64]) -> float:
    """Bound on a leaf's value (before the learning rate) on the signed path.

    With signed hessians a leaf's step is the exact Newton step on the net loss; where the
    leaf's net weight is small that step is noisy, so it is bounded (see
    ``SIGNED_MAX_STEP_MARGIN`` and ``SIGNED_MAX_STEP_STD`` in ``_objectives``).
    """
    if classifier:
        return SIGNED_MAX_STEP_MARGIN
    spread = float(np.max(np.atleast_1d(weighted_std(y, w))))
    return SIGNED_MAX_STEP_STD * spread if spread > 0 else 0.0


def check_finite_history(history: list[dict[str, Any]]) -> None:
    """Raise when the training loss became non-finite."""
    if not all(np.isfinite(r["train_loss"]) for r in history):
        raise ValueError(
            "Training produced a non-finite loss. Check the targets' scale and the weights."
        )


class _HistoryCallback(xgboost.callback.TrainingCallback):
    """Records the signed-weight metrics and the duration of every round, prints them, and
    stops early."""

    def __init__(
        self,
        loss: Loss,
        *,
        dtrain: xgboost.DMatrix,
        train: tuple[NDArray[Any], NDArray[np.float64]],
        objective: SignedObjective | None,
        dvalid: xgboost.DMatrix | None,
        valid: tuple[NDArray[Any], NDArray[np.float64]] | None,
        n_iter_no_change: int | None,
        verbose: int,
        n_outputs: int,
    ) -> None:
        super().__init__()
        self.loss = loss
        self.dtrain = dtrain
        self.train = train
        self.objective = objective
        self.dvalid = dvalid
        self.valid = valid
        self.rounds = n_iter_no_change
        self.verbose = verbose
        self.n_outputs = n_outputs
        self.train_history: list[float] = []
        self.valid_history: list[float] = []
        self.durations: list[float] = []
        self.best_iteration = -1
        self.best_score = np.inf
        self._last = time.perf_counter()

    def before_training(self, model: Any) -> Any:
        self._last = time.perf_counter()
        return model

    def _margin(self, model: xgboost.Booster, dmat: xgboost.DMatrix) -> NDArray[Any]:
        # dmat is in the booster's prediction cache: this is a copy, not a prediction.
        margin = model.predict(dmat, output_margin=True)
        return margin if self.n_outputs == 1 else margin.reshape(-1, self.n_outputs)

    def train_metric(self, model: xgboost.Booster, evals_log: dict[str, Any]) -> float:
        if self.objective is None:
            native = float(evals_log["train"][self.loss.native_metric][-1])
            return self.loss.from_native_metric(native)
        return self.loss.metric_value(self._margin(model, self.dtrain), *self.train)

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        # The signed objective records the training loss at the start of the next round;
        # compute it here only when it is printed.
        if self.objective is None or self.verbose:
            self.train_history.append(self.train_metric(model, evals_log))
        msg = f"[{epoch}]"
        if self.train_history and len(self.train_history) == epoch + 1:
            msg += f"\ttrain-{self.loss.metric}:{self.train_history[-1]:.6g}"
        stop = False
        if self.dvalid is not None and self.valid is not None:
            score = self.loss.metric_value(self._margin(model, self.dvalid), *self.valid)
            self.valid_history.append(score)
            # sklhep's weighted validation loss, for the user's callbacks (pruning)
            evals_log.setdefault("sklhep", {}).setdefault("valid_loss", []).append(score)
            msg += f"\tvalidation-{self.loss.metric}:{score:.6g}"
            if score < self.best_score:
                self.best_score, self.best_iteration = score, epoch
            elif self.rounds is not None and epoch - self.best_iteration >= self.rounds:
                stop = True
        if self.verbose and (epoch % self.verbose == 0 or stop):
            print(msg)
        now = time.perf_counter()
        self.durations.append(now - self._last)
        self._last = now
        return stop

    def finish(self, model: xgboost.Booster, n_rounds: int) -> list[float]:
        """The training metric after every round."""
        if self.objective is not None and not self.verbose:
            recorded = self.objective.losses[1:n_rounds]
            final = self.loss.metric_value(self._margin(model, self.dtrain), *self.train)
            self.train_history = [*recorded, final]
        return list(self.train_history)


def rounds_history(
    train: list[float], valid: list[float] | None, lr: float, durations: list[float]
) -> list[dict[str, Any]]:
    """The ``history_`` records of a BDT fit (``valid_loss`` NaN without early stopping)."""
    return [
        history_record(
            i + 1,
            loss,
            valid[i] if valid is not None else np.nan,
            lr,
            durations[i] if i < len(durations) else np.nan,
        )
        for i, loss in enumerate(train)
    ]


def _quantile_dmatrix(
    X: NDArray[Any],
    label: NDArray[Any],
    weight: NDArray[Any] | None,
    config: BoostingConfig,
    n_threads: int,
    ref: xgboost.QuantileDMatrix | None = None,
) -> xgboost.QuantileDMatrix:
    """The binned matrix the ``hist`` method trains on, without a float copy of X.

    A plain ``DMatrix`` keeps X as floats besides the bins (peak memory about 3x the
    input); ``QuantileDMatrix`` builds the bins directly (about 1x).
    """
    return xgboost.QuantileDMatrix(
        X,
        label=label,
        weight=weight,
        missing=config.missing,
        nthread=n_threads,
        max_bin=int(config.booster["max_bin"]),
        ref=ref,
    )


def _encoded_class_weight(class_weight: Any, classes: NDArray[Any] | None) -> Any:
    """``class_weight`` keyed by encoded label (for the encoded training labels)."""
    if isinstance(class_weight, dict) and classes is not None:
        index = {c: k for k, c in enumerate(classes.tolist())}
        return {index[c]: v for c, v in class_weight.items() if c in index}
    return class_weight


def decorrelated_codes(config: BoostingConfig, classes: NDArray[Any] | None) -> NDArray[np.intp]:
    """The encoded labels of the classes to decorrelate; checks that decorrelation applies."""
    if classes is None:
        raise ValueError("decorrelation is for classifiers only.")
    chosen = decorrelation_mask(
        np.arange(classes.shape[0]), classes, config.decorrelation_classes, config.decorrelation
    )
    return np.flatnonzero(chosen)


def flatness_penalty(
    config: BoostingConfig,
    y: NDArray[np.intp],
    w: NDArray[np.float64],
    protected: NDArray[np.float64],
    codes: NDArray[np.intp],
) -> FlatnessPenalty:
    """The flatness penalty on the training events (``w``: the training weights)."""
    n_class = min(int(np.sum(y == c)) for c in codes)
    n_bins = int(np.clip(n_class // MIN_EVENTS_PER_BIN, 2, DECORRELATION_BINS))
    bins = protected_bins(protected, y, w, classes=tuple(codes.tolist()), n_bins=n_bins)
    return FlatnessPenalty(y, w, bins, config.decorrelation, classes=tuple(codes.tolist()))


def train(
    config: BoostingConfig,
    X: NDArray[Any],
    y: NDArray[Any],
    sample_weight: NDArray[np.float64],
    feature_names_in: NDArray[Any] | None = None,
    protected: NDArray[np.float64] | None = None,
) -> FitResult:
    """Train on in-memory data that the estimator has validated.

    Parameters
    ----------
    config : BoostingConfig
    X : ndarray of shape (n_samples, n_features), float32
    y : ndarray of shape (n_samples,)
        Class labels (classifiers) or targets.
    sample_weight : ndarray of shape (n_samples,)
        Validated signed weights.
    feature_names_in : ndarray or None
        Passed through to the result.
    protected : ndarray of shape (n_samples,) or None
        The validated variable to decorrelate from (with ``config.decorrelation > 0``).
    """
    classes: NDArray[Any] | None = None
    if config.classifier:
        classes, y_all = encode_classes(y)
        n_classes = int(classes.shape[0])
    else:
        y_all, n_classes = np.asarray(y, dtype=np.float64), 0
    # Zero-weight events go, identical events merge (a +w/-w pair cancels, k copies are
    # one event of weight k) before anything counts or splits events.
    extra = () if protected is None else (protected,)
    index, sample_weight = merge_training_events(
        sample_weight, X, y_all, *extra, negative_weights=config.negative_weights
    )
    if index is not None:
        X, y_all = X[index], y_all[index]
        protected = None if protected is None else protected[index]
    decorrelate = config.decorrelation > 0
    if decorrelate != (protected is not None):
        raise ValueError("protected must be given exactly when decorrelation > 0.")
    decorrelated = decorrelated_codes(config, classes) if decorrelate else None
    class_weight = _encoded_class_weight(config.class_weight, classes)
    codes = np.arange(n_classes) if config.classifier else None
    rng = check_random_state(config.random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    device = resolve_device(config.device, "xgboost")
    n_threads = _openmp_effective_n_threads(config.n_jobs)

    valid: tuple[NDArray[Any], NDArray[Any], NDArray[np.float64]] | None = None
    if config.stops_early(X.shape[0]):
        train_idx, valid_idx = train_validation_split(
            y_all,
            sample_weight,
            validation_fraction=config.validation_fraction,
            classifier=config.classifier,
            random_state=rng,
        )
        X_tr, y_tr, sw_tr = X[train_idx], y_all[train_idx], sample_weight[train_idx]
        # the validation set needs no protected: its loss is the loss alone
        p_tr = protected[train_idx] if protected is not None else None
        # The validation loss follows the training policy and class weights.
        w_va, mask_va = prepare_training_weights(
            sample_weight[valid_idx],
            valid_idx.shape[0],
            y_all[valid_idx],
            negative_weights=config.negative_weights,
            class_weight=class_weight,
            classifier=config.classifier,
            classes=codes,
            what="the early-stopping validation set",
            warn_ess=False,
        )
        X_va, y_va = X[valid_idx], y_all[valid_idx]
        if mask_va is not None:
            X_va, y_va = X_va[mask_va], y_va[mask_va]
        valid = (X_va, y_va, w_va)
    else:
        X_tr, y_tr, sw_tr, p_tr = X, y_all, sample_weight, protected

    # Net mean weight 1: the optimum is unchanged, and min_child_weight, reg_lambda and
    # gamma are in units of (net) events whatever the weights' normalisation.
    w_tr, mask = prepare_training_weights(
        sw_tr,
        X_tr,
        y_tr,
        negative_weights=config.negative_weights,
        class_weight=class_weight,
        classifier=config.classifier,
        classes=codes,
        normalize="events",
    )
    if mask is not None:
        X_tr, y_tr = X_tr[mask], y_tr[mask]
        p_tr = p_tr[mask] if p_tr is not None else None

    loss = make_loss(config, n_classes)
    n_outputs = n_classes if n_classes > 2 else 1
    margin0 = loss.init_margin(y_tr, w_tr)
    signed = has_negative_weights(w_tr)
    params = config.xgboost_params(device, n_threads, seed)
    sums = WeightSums.from_weights(w_tr, y_tr if config.classifier else None, max(n_classes, 1))
    params["min_child_weight"] = config.resolve_min_child_weight(sums)
    y_label = y_tr.astype(np.float32)
    objective: SignedObjective | None = None
    custom: Any = None  # what xgboost calls: the signed objective, plus the penalty
    if signed or decorrelated is not None:
        if signed:
            config.check_signed_min_child_weight()
        # |w| only weights the quantile sketch (a zero-weight event then moves no bin
        # edge); a custom objective's gradients are used as they are.
        dtrain = _quantile_dmatrix(X_tr, y_label, np.abs(w_tr), config, n_threads)
        objective = SignedObjective(
            loss, y_tr if n_outputs > 1 else y_label, w_tr, n_outputs=n_outputs,
            record=not config.verbose,
        )  # fmt: skip
        custom = objective
        if decorrelated is not None and p_tr is not None:
            penalty = flatness_penalty(config, y_tr, w_tr, p_tr, decorrelated)
            custom = FlatnessObjective(objective, penalty)
        params["base_score"] = [float(m) for m in margin0]
        params["max_delta_step"] = signed_max_delta_step(config.classifier, y_tr, w_tr)
    else:
        dtrain = _quantile_dmatrix(X_tr, y_label, w_tr, config, n_threads)
        params["objective"] = loss.native_objective
        params["eval_metric"] = loss.native_metric
        params["base_score"] = loss.native_base_score(margin0)
        if loss.native_objective == "reg:pseudohubererror":
            params["huber_slope"] = 1.0
    if n_outputs > 1:
        params["num_class"] = n_outputs

    evals: list[tuple[xgboost.DMatrix, str]] = []
    if objective is None:
        # xgboost's own (weighted, C++) metric gives the training history. Above
        # MAX_TRAIN_EVAL events it is computed on a fixed random subset, which keeps its
        # cost at a few percent of a round.
        dtrain_eval = dtrain
        if X_tr.shape[0] > MAX_TRAIN_EVAL:
            sub = np.sort(rng.choice(X_tr.shape[0], MAX_TRAIN_EVAL, replace=False))
            dtrain_eval = _quantile_dmatrix(
                X_tr[sub], y_label[sub], w_tr[sub], config, n_threads, ref=dtrain
            )
        evals.append((dtrain_eval, "train"))
    dvalid = None
    valid_data = None
    if valid is not None:
        X_va, y_va, w_va = valid
        # Labels only for xgboost's own train metric; the weights stay out (signed).
        dvalid = _quantile_dmatrix(X_va, y_va.astype(np.float32), None, config, n_threads, dtrain)
        evals.append((dvalid, "validation"))
        valid_data = (y_va if n_outputs > 1 else y_va.astype(np.float64), w_va)
    callback = _HistoryCallback(
        loss,
        dtrain=dtrain,
        train=(y_tr if n_outputs > 1 else y_label, w_tr),
        objective=objective,
        dvalid=dvalid,
        valid=valid_data,
        n_iter_no_change=config.n_iter_no_change,
        verbose=int(config.verbose),
        n_outputs=n_outputs,
    )
    booster = xgboost.train(
        params,
        dtrain,
        num_boost_round=int(config.n_estimators),
        evals=evals,
        obj=custom,
        callbacks=[callback, *(copy.deepcopy(cb) for cb in config.callbacks)],
        verbose_eval=False,
    )
    n_rounds = booster.num_boosted_rounds()
    history = rounds_history(
        callback.finish(booster, n_rounds),
        callback.valid_history if valid is not None else None,
        float(config.booster["learning_rate"]),
        callback.durations,
    )
    check_finite_history(history)
    best_iteration = n_rounds - 1
    if valid is not None:
        best_iteration = int(callback.best_iteration)
        if best_iteration + 1 < n_rounds:
            booster = booster[: best_iteration + 1]
    return FitResult(
        booster=to_cpu(booster, n_threads),
        history=history,
        best_iteration=best_iteration,
        signed=objective is not None,
        min_child_weight=float(params["min_child_weight"]),
        n_threads=n_threads,
        n_features_in=int(X.shape[1]),
        classes=classes,
        feature_names_in=feature_names_in,
        metric=loss.metric,
        min_class_share=float(sums.net.min() / sums.net.sum()) if config.classifier else None,
    )


def to_cpu(booster: xgboost.Booster, n_threads: int) -> xgboost.Booster:
    """The booster set to predict on the CPU: the inputs are host arrays, and the model
    stays portable to machines without CUDA."""
    booster.set_param({"device": "cpu", "nthread": n_threads})
    return booster


#: xgboost's JSON configuration of each native objective (as xgboost 3 writes it), for
#: :func:`faithful_booster`.
_OBJECTIVE_CONFIGS: dict[str, dict[str, Any]] = {
    "binary:logistic": {"reg_loss_param": {"scale_pos_weight": "1"}},
    "multi:softprob": {},  # softmax_multiclass_param is added with the number of classes
    "reg:squarederror": {"reg_loss_param": {"scale_pos_weight": "1"}},
    "reg:absoluteerror": {},
    "reg:pseudohubererror": {"pseudo_huber_param": {"huber_slope": "1"}},
}


def native_objective(classifier: bool, n_classes: int, objective: str = "squared_error") -> str:
    """xgboost's built-in objective equivalent to a task's loss.

    Parameters
    ----------
    classifier : bool
    n_classes : int
        Number of classes (classifiers).
    objective : str, default="squared_error"
        A key of :data:`~sklhep.ensemble._objectives.LOSSES` (regressors).

    Returns
    -------
    str
        ``"binary:logistic"``, ``"multi:softprob"`` or the regression loss's objective.
    """
    if classifier:
        return "binary:logistic" if n_classes == 2 else "multi:softprob"
    return LOSSES[objective].native_objective


def faithful_booster(booster: xgboost.Booster, objective: str, n_threads: int) -> xgboost.Booster:
    """The booster relabelled with xgboost's own ``objective``, so that it is a faithful
    stand-alone model.

    A fit with the signed-weight (custom) objective leaves xgboost's default objective in
    the booster (``reg:squarederror``, or ``multi:softmax`` with classes), and its
    ``base_score`` is a margin. Plain xgboost, a saved JSON/UBJSON file and converters
    (onnxmltools, ...) would then return raw margins or class indices. The trees do not
    depend on the objective: only the objective and ``base_score`` (a probability for
    ``binary:logistic``, a margin for the others) are rewritten, so ``booster.predict``
    gives the estimator's probabilities (classifiers) and values (regressors). The margin
    of ``binary:logistic`` goes through the probability and back, which may move it by
    one float32 rounding step (~1e-7).

    Parameters
    ----------
    booster : xgboost.Booster
    objective : str
        The native objective (see :func:`native_objective`).
    n_threads : int
        Threads of the returned booster.

    Returns
    -------
    xgboost.Booster
        ``booster`` itself when it already carries ``objective``, else a new booster.
    """
    # the configuration (no trees) is cheap to read; the model only when it must change
    if json.loads(booster.save_config())["learner"]["objective"].get("name") == objective:
        return booster
    model = json.loads(booster.save_raw("json"))
    learner = model["learner"]
    params = learner["learner_model_param"]
    base = [float(v) for v in json.loads(params["base_score"])]
    config: dict[str, Any] = {"name": objective, **_OBJECTIVE_CONFIGS[objective]}
    if objective == "binary:logistic":
        # xgboost stores base_score as a probability for the logistic loss
        base = [float(np.float32(expit(np.float64(b)))) for b in base]
    elif objective == "multi:softprob":
        config["softmax_multiclass_param"] = {"num_class": params["num_class"]}
    params["base_score"] = "[" + ",".join(repr(b) for b in base) + "]"
    learner["objective"] = config
    out = xgboost.Booster(model_file=bytearray(json.dumps(model).encode()))
    # the model file has no training configuration: carry it over (max_depth, eta, ...),
    # so that booster_.save_config() still says how the trees were grown
    training = json.loads(booster.save_config())
    training["learner"]["objective"] = config
    training["learner"]["learner_model_param"] = params
    out.load_config(json.dumps(training))
    return to_cpu(out, n_threads)
