"""Boosted decision trees on xgboost that are correct with signed (negative) sample weights."""

from __future__ import annotations

import ctypes
import functools
import numbers
from abc import abstractmethod
from typing import Any

import numpy as np
import xgboost
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, check_random_state

from sklhep._early_stopping import train_validation_split
from sklhep._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    _openmp_effective_n_threads,
)
from sklhep._validation import encode_classes, validate_fit_data, validate_predict_data
from sklhep.base import SampleWeightRequestMixin
from sklhep.ensemble import _dask
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
    NEGATIVE_WEIGHT_POLICIES,
    balanced_class_weight,
    check_sample_weight,
    has_negative_weights,
    prepare_training_weights,
    weighted_std,
)

__all__ = ["BDTClassifier", "BDTRegressor"]


#: Above this many training events, the fast path's training metric uses a random subset.
_MAX_TRAIN_EVAL = 10_000


@functools.lru_cache(maxsize=1)
def _cuda_device_count() -> int:
    """Number of CUDA devices visible to this process (0 without driver or CUDA xgboost)."""
    if not xgboost.build_info().get("USE_CUDA", False):
        return 0
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    count = ctypes.c_int(0)
    if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return int(count.value)


def _resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if _cuda_device_count() > 0 else "cpu"
    if device == "cuda" and _cuda_device_count() == 0:
        raise ValueError(
            "device='cuda' was requested, but no CUDA device is visible (or xgboost was built "
            "without CUDA). Use device='cpu', or device='auto' to pick CUDA only when present."
        )
    return device


class _HistoryCallback(xgboost.callback.TrainingCallback):
    """Records the signed-weight metrics per round, prints them, and stops early."""

    def __init__(
        self,
        loss: Loss,
        *,
        dtrain: xgboost.DMatrix,
        train: tuple[NDArray[Any], NDArray[np.float64]],
        objective: SignedObjective | None,
        dvalid: xgboost.DMatrix | None,
        valid: tuple[NDArray[Any], NDArray[np.float64]] | None,
        early_stopping_rounds: int | None,
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
        self.rounds = early_stopping_rounds
        self.verbose = verbose
        self.n_outputs = n_outputs
        self.train_history: list[float] = []
        self.valid_history: list[float] = []
        self.best_iteration = -1
        self.best_score = np.inf

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
            msg += f"\tvalidation-{self.loss.metric}:{score:.6g}"
            if score < self.best_score:
                self.best_score, self.best_iteration = score, epoch
            elif self.rounds is not None and epoch - self.best_iteration >= self.rounds:
                stop = True
        if self.verbose and (epoch % self.verbose == 0 or stop):
            print(msg)
        return stop

    def finish(self, model: xgboost.Booster, n_rounds: int) -> list[float]:
        """The training metric after every round."""
        if self.objective is not None and not self.verbose:
            recorded = self.objective.losses[1:n_rounds]
            final = self.loss.metric_value(self._margin(model, self.dtrain), *self.train)
            self.train_history = [*recorded, final]
        return list(self.train_history)


class _BaseBDT(SampleWeightRequestMixin, BaseEstimator):
    """Shared fit/predict machinery of :class:`BDTClassifier` and :class:`BDTRegressor`."""

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_depth": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "subsample": [Interval(numbers.Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(numbers.Real, 0, 1, closed="right")],
        "min_child_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_lambda": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "gamma": [Interval(numbers.Real, 0, None, closed="left")],
        "max_bin": [Interval(numbers.Integral, 2, None, closed="left")],
        "early_stopping_rounds": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "negative_weights": [StrOptions(set(NEGATIVE_WEIGHT_POLICIES))],
        "missing": [numbers.Real],
        "device": [StrOptions({"auto", "cpu", "cuda"})],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        negative_weights: str = "keep",
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.max_bin = max_bin
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.negative_weights = negative_weights
        self.missing = missing
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- hooks for the subclasses -------------------------------------------------------
    _classifier: bool = False

    @abstractmethod
    def _prepare_targets(self, y: NDArray[Any]) -> NDArray[Any]:
        """Targets as used for training (encoded labels for classifiers)."""

    @abstractmethod
    def _make_loss(self) -> Loss:
        """The loss of this estimator."""

    def _class_weight(self) -> Any:
        return None

    # -- fitting --------------------------------------------------------------------------
    def _booster_params(self, device: str, n_threads: int, seed: int) -> dict[str, Any]:
        """Booster parameters (the wrapper-only parameters are kept out, as xgboost does)."""
        return {
            "tree_method": "hist",
            "device": device,
            "max_depth": int(self.max_depth),
            "learning_rate": float(self.learning_rate),
            "subsample": float(self.subsample),
            "colsample_bytree": float(self.colsample_bytree),
            "min_child_weight": float(self.min_child_weight),
            "reg_lambda": float(self.reg_lambda),
            "reg_alpha": float(self.reg_alpha),
            "gamma": float(self.gamma),
            "max_bin": int(self.max_bin),
            "nthread": n_threads,
            "seed": seed,
            "verbosity": 0,
            "validate_parameters": True,
        }

    def _quantile_dmatrix(
        self,
        X: NDArray[Any],
        label: NDArray[Any],
        weight: NDArray[Any] | None,
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
            missing=self.missing,
            nthread=n_threads,
            max_bin=int(self.max_bin),
            ref=ref,
        )

    def _check_signed_min_child_weight(self) -> None:
        """With negative training weights min_child_weight is a leaf's least net weight."""
        if not self.min_child_weight > 0:
            raise ValueError(
                f"min_child_weight={self.min_child_weight} with negative training weights: on "
                "the signed path min_child_weight is the least net weight of a leaf, and 0 "
                "lets a leaf's net weight (its Newton step's denominator) reach ~0. Use "
                "min_child_weight > 0 (10-100 is good practice with signed weights)."
            )

    def _signed_max_delta_step(self, y: NDArray[Any], w: NDArray[np.float64]) -> float:
        """Bound on a leaf's value (before the learning rate) on the signed path.

        With signed hessians a leaf's step is the exact Newton step on the net loss; where
        the leaf's net weight is small that step is noisy, so it is bounded (see
        ``SIGNED_MAX_STEP_MARGIN`` and ``SIGNED_MAX_STEP_STD`` in ``_objectives``).
        """
        if self._classifier:
            return SIGNED_MAX_STEP_MARGIN
        spread = float(np.max(np.atleast_1d(weighted_std(y, w))))
        return SIGNED_MAX_STEP_STD * spread if spread > 0 else 0.0

    def _fit(self, X: Any, y: Any, sample_weight: ArrayLike | None) -> _BaseBDT:
        if _dask.is_dask_collection(X, y, sample_weight):
            return _dask.fit(self, X, y, sample_weight)  # xgboost.dask
        X, y = validate_fit_data(
            self, X, y, allow_nan=True, y_numeric=not self._classifier, float32=True
        )
        y_train_all = self._prepare_targets(y)
        sw = check_sample_weight(sample_weight, X)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        device = _resolve_device(self.device)
        n_threads = _openmp_effective_n_threads(self.n_jobs)

        if self.early_stopping_rounds is not None:
            train_idx, valid_idx = train_validation_split(
                y_train_all,
                sw,
                validation_fraction=self.validation_fraction,
                classifier=self._classifier,
                random_state=rng,
            )
            X_tr, y_tr, sw_tr = X[train_idx], y_train_all[train_idx], sw[train_idx]
            X_va, y_va, w_va = X[valid_idx], y_train_all[valid_idx], sw[valid_idx]
            if self._classifier and self._class_weight() is not None:
                w_va = balanced_class_weight(y_va, w_va, self._encoded_class_weight())
        else:
            X_tr, y_tr, sw_tr = X, y_train_all, sw
            X_va = y_va = w_va = None

        labels = self.classes_[y_tr] if self._classifier else y_tr
        w_tr, mask = prepare_training_weights(
            sw_tr,
            X_tr,
            labels,
            negative_weights=self.negative_weights,
            class_weight=self._class_weight(),
            classifier=self._classifier,
        )
        if mask is not None:
            X_tr, y_tr = X_tr[mask], y_tr[mask]
        # Net mean weight 1: the optimum is unchanged, and min_child_weight, reg_lambda and
        # gamma are in units of (net) events whatever the weights' normalisation.
        w_tr = w_tr * (w_tr.shape[0] / w_tr.sum())
        if self._classifier:
            present = np.unique(y_tr)
            if present.shape[0] < self.classes_.shape[0]:
                missing_cls = sorted(set(range(self.classes_.shape[0])) - set(present.tolist()))
                raise ValueError(
                    f"After applying negative_weights={self.negative_weights!r}, class(es) "
                    f"{self.classes_[missing_cls].tolist()} have no training events left. "
                    "Use negative_weights='keep', or add events of those classes."
                )

        loss = self._make_loss()
        n_outputs = getattr(loss, "n_classes", 1)
        margin0 = loss.init_margin(y_tr, w_tr)
        signed = has_negative_weights(w_tr)
        if signed:
            self._check_signed_min_child_weight()
        params = self._booster_params(device, n_threads, seed)
        params["disable_default_eval_metric"] = True
        y_label = y_tr.astype(np.float32)
        if signed:
            dtrain = self._quantile_dmatrix(X_tr, y_label, None, n_threads)
            y_obj = y_tr if n_outputs > 1 else y_label
            objective: SignedObjective | None = SignedObjective(
                loss, y_obj, w_tr, n_outputs=n_outputs, record=not self.verbose
            )
            params["base_score"] = [float(m) for m in margin0]
            params["max_delta_step"] = self._signed_max_delta_step(y_tr, w_tr)
            if n_outputs > 1:
                params["num_class"] = n_outputs
        else:
            dtrain = self._quantile_dmatrix(X_tr, y_label, w_tr, n_threads)
            objective = None
            params["objective"] = loss.native_objective
            params["eval_metric"] = loss.native_metric
            params["base_score"] = loss.native_base_score(margin0)
            if n_outputs > 1:
                params["num_class"] = n_outputs
            if loss.native_objective == "reg:pseudohubererror":
                params["huber_slope"] = 1.0

        evals: list[tuple[xgboost.DMatrix, str]] = []
        if not signed:
            # xgboost's own (weighted, C++) metric gives the training history. Above
            # _MAX_TRAIN_EVAL events it is computed on a fixed random subset, which keeps
            # its cost at a few percent of a round.
            dtrain_eval = dtrain
            if X_tr.shape[0] > _MAX_TRAIN_EVAL:
                sub = np.sort(rng.choice(X_tr.shape[0], _MAX_TRAIN_EVAL, replace=False))
                dtrain_eval = self._quantile_dmatrix(
                    X_tr[sub], y_label[sub], w_tr[sub], n_threads, ref=dtrain
                )
            evals.append((dtrain_eval, "train"))
        dvalid = None
        if X_va is not None:
            # Labels only for xgboost's own train metric; the weights stay out (signed).
            dvalid = self._quantile_dmatrix(
                X_va, y_va.astype(np.float32), None, n_threads, ref=dtrain
            )
            evals.append((dvalid, "validation"))
        y_hist = y_tr if n_outputs > 1 else y_label
        callback = _HistoryCallback(
            loss,
            dtrain=dtrain,
            train=(y_hist, w_tr),
            objective=objective,
            dvalid=dvalid,
            valid=None if X_va is None else (y_va if n_outputs > 1 else y_va.astype(float), w_va),
            early_stopping_rounds=self.early_stopping_rounds,
            verbose=int(self.verbose),
            n_outputs=n_outputs,
        )
        booster = xgboost.train(
            params,
            dtrain,
            num_boost_round=int(self.n_estimators),
            evals=evals,
            obj=objective,
            callbacks=[callback],
            verbose_eval=False,
        )
        n_rounds = booster.num_boosted_rounds()
        train_history = callback.finish(booster, n_rounds)
        if not np.all(np.isfinite(train_history)):
            raise ValueError(
                "Training produced a non-finite loss. Check the targets' scale and the weights."
            )
        self.history_: dict[str, dict[str, list[float]]] = {"train": {loss.metric: train_history}}
        if dvalid is not None:
            self.history_["validation"] = {loss.metric: list(callback.valid_history)}
            self.best_iteration_ = int(callback.best_iteration)
            if self.best_iteration_ + 1 < n_rounds:
                booster = booster[: self.best_iteration_ + 1]
        else:
            self.best_iteration_ = n_rounds - 1
        # Predictions run on the CPU: the inputs are host arrays, and the model stays
        # portable to machines without CUDA.
        booster.set_param({"device": "cpu", "nthread": n_threads})
        self.booster_ = booster
        self.n_estimators_ = booster.num_boosted_rounds()
        self.signed_objective_ = signed
        self._n_threads = n_threads
        return self

    # -- prediction -----------------------------------------------------------------------
    def _raw_predict(self, X: Any) -> NDArray[np.float32]:
        check_is_fitted(self, "booster_")
        X = validate_predict_data(self, X, allow_nan=True, float32=True)
        return self.booster_.inplace_predict(
            X, predict_type="margin", missing=self.missing, validate_features=False
        )

    @property
    def feature_importances_(self) -> NDArray[np.float64]:
        """Total split gain per feature, normalised to sum to 1 (zeros when no split)."""
        check_is_fitted(self, "booster_")
        scores = self.booster_.get_score(importance_type="total_gain")
        imp = np.zeros(self.n_features_in_, dtype=np.float64)
        for name, value in scores.items():
            imp[int(name[1:])] = value
        total = imp.sum()
        return imp / total if total > 0 else imp

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        booster = state.get("booster_")
        if booster is not None:
            # A model trained on a GPU must predict on a CPU-only machine.
            booster.set_param({"device": "cpu"})

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


_SHARED_PARAMS_DOC = """
    n_estimators : int, default=100
        Maximum number of boosting rounds (trees, or trees per class for multi-class).
    max_depth : int, default=6
        Maximum depth of each tree.
    learning_rate : float, default=0.1
        Shrinkage applied to every tree's leaf values.
    subsample : float in (0, 1], default=1.0
        Fraction of the training events sampled (without replacement) for each tree.
    colsample_bytree : float in (0, 1], default=1.0
        Fraction of the features sampled for each tree.
    min_child_weight : float, default=1.0
        Minimum hessian sum in a leaf, in units of events: the weights are rescaled to a
        net mean of 1 first. With negative weights the hessian sum is the leaf's *net* sum,
        so no leaf with a non-positive net weight can be formed (see ``docs/bdt.md``);
        10-100 is good practice with signed weights, and 0 is an error there.
    reg_lambda : float, default=1.0
        L2 regularisation of the leaf values.
    reg_alpha : float, default=0.0
        L1 regularisation of the leaf values.
    gamma : float, default=0.0
        Minimum loss reduction needed to split a leaf.
    max_bin : int, default=256
        Number of histogram bins per feature.
    early_stopping_rounds : int or None, default=None
        Stop when the weighted validation metric has not improved for this many rounds,
        and keep the trees up to the best round. ``None`` turns early stopping off. The
        validation set is a (stratified) ``validation_fraction`` of the data; its metric
        uses the signed weights, whatever ``negative_weights`` says.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the events held out for early stopping.
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        How negative weights are used in training (see :mod:`sklhep.weights`). ``"keep"``
        trains on the signed weights and converges to the net distribution; the others
        are biased.
    missing : float, default=np.nan
        The feature value that means "missing"; NaN is always missing. Set ``-999.0`` to
        treat a HEP sentinel as missing. Missing values go to the side of each split
        learnt in training. Infinite values are an error.
    device : {"auto", "cpu", "cuda"}, default="auto"
        Where to train. ``"auto"`` uses CUDA when xgboost was built with it and a device
        is visible. Predictions always run on the CPU, so a model trained on a GPU
        predicts (and unpickles) on a CPU-only machine.
    n_jobs : int or None, default=None
        Number of threads; ``None`` or ``-1`` use all available cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the row/column subsampling and the early-stopping split.
    verbose : int, default=0
        If positive, print the metrics every ``verbose`` rounds.
"""

_SHARED_ATTRS_DOC = """
    booster_ : xgboost.Booster
        The trained booster (with early stopping, truncated to the best round). It
        returns raw scores: use the estimator's methods for probabilities.
    n_estimators_ : int
        Number of boosting rounds kept.
    best_iteration_ : int
        Index of the last round kept: the best validation round with early stopping,
        else ``n_estimators - 1``.
    history_ : dict
        ``{"train": {metric: [...]}, "validation": {metric: [...]}}``: the net weighted
        metric after every round (``"validation"`` only with early stopping). With
        xgboost's built-in objective (no negative training weight) and more than 10 000
        training events, the training metric is computed on a fixed random subset of
        10 000 of them, to keep it cheap.
    signed_objective_ : bool
        Whether the signed-weight objective was used (some training weight < 0), rather
        than xgboost's built-in objective.
    feature_importances_ : ndarray of shape (n_features_in_,)
        Total split gain per feature, normalised to sum to 1.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when X has string column names.
"""


class BDTClassifier(ClassifierMixin, _BaseBDT):
    __doc__ = (
        """Gradient-boosted decision trees (xgboost) for classification, with signed weights.

    With all training weights non-negative, xgboost's own ``binary:logistic`` or
    ``multi:softprob`` objective is used (the fast path). When some are negative, a custom
    objective with gradient :math:`w_i (p_i - y_i)` and hessian :math:`|w_i| p_i(1-p_i)`
    is used instead, so that training converges to the *net* (signed-weight) class
    posterior. The starting score is the net weighted class fraction. See ``docs/bdt.md``.

    Parameters
    ----------"""
        + _SHARED_PARAMS_DOC
        + """    class_weight : "balanced", dict or None, default=None
        ``"balanced"`` rescales each class to the same net weight sum; a dict multiplies
        each class's weights.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes."""
        + _SHARED_ATTRS_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.ensemble import BDTClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3)); y = (X[:, 0] > 0).astype(int)
    >>> w = np.where(rng.random(1000) < 0.1, -1.0, 1.0)
    >>> clf = BDTClassifier(n_estimators=20, device="cpu").fit(X, y, sample_weight=w)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """
    )

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        **_BaseBDT._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }
    _classifier = True

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        negative_weights: str = "keep",
        class_weight: str | dict[Any, float] | None = None,
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            n_estimators=n_estimators,
            max_depth=max_depth,
            learning_rate=learning_rate,
            subsample=subsample,
            colsample_bytree=colsample_bytree,
            min_child_weight=min_child_weight,
            reg_lambda=reg_lambda,
            reg_alpha=reg_alpha,
            gamma=gamma,
            max_bin=max_bin,
            early_stopping_rounds=early_stopping_rounds,
            validation_fraction=validation_fraction,
            negative_weights=negative_weights,
            missing=missing,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        self.class_weight = class_weight

    def _prepare_targets(self, y: NDArray[Any]) -> NDArray[Any]:
        self.classes_, y_encoded = encode_classes(y)
        self.n_classes_ = int(self.classes_.shape[0])
        return y_encoded

    def _class_weight(self) -> Any:
        return self.class_weight

    def _encoded_class_weight(self) -> Any:
        """``class_weight`` keyed by encoded label (for the encoded validation labels)."""
        if isinstance(self.class_weight, dict):
            index = {c: k for k, c in enumerate(self.classes_.tolist())}
            return {index[c]: v for c, v in self.class_weight.items() if c in index}
        return self.class_weight

    def _make_loss(self) -> Loss:
        if self.n_classes_ == 2:
            return BinaryLogistic()
        return SoftmaxCrossEntropy(self.n_classes_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: ArrayLike | None = None) -> BDTClassifier:
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features; NaN (and ``missing``) mean missing.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-event weights; negative weights are allowed.

        Returns
        -------
        self : BDTClassifier
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Raw scores: the logit for two classes, the softmax margins otherwise.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        if _dask.is_dask_collection(X):
            return _dask.predict(self, X, "decision_function")
        margin = self._raw_predict(X)
        if self.n_classes_ == 2:
            return margin.reshape(-1).astype(np.float64)
        return margin.reshape(-1, self.n_classes_).astype(np.float64)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Class probabilities.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        if _dask.is_dask_collection(X):
            return _dask.predict(self, X, "predict_proba")
        margin = self.decision_function(X)
        if self.n_classes_ == 2:
            p1 = expit(margin)
            return np.column_stack([1.0 - p1, p1])
        return SoftmaxCrossEntropy.softmax(margin)

    def predict(self, X: Any) -> NDArray[Any]:
        """Most probable class.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        if _dask.is_dask_collection(X):
            return _dask.predict(self, X, "predict")
        margin = self.decision_function(X)
        idx = (margin > 0).astype(np.intp) if margin.ndim == 1 else margin.argmax(axis=1)
        return self.classes_[idx]


class BDTRegressor(RegressorMixin, _BaseBDT):
    __doc__ = (
        """Gradient-boosted decision trees (xgboost) for regression, with signed weights.

    With all training weights non-negative, xgboost's own objective is used (the fast
    path). When some are negative, a custom objective with gradient :math:`w_i \\ell'_i`
    and hessian :math:`|w_i| \\ell''_i` is used, so that the fit converges to the *net*
    conditional mean (or median). The starting score is the net weighted mean
    (``squared_error``) or median (the others). See ``docs/bdt.md``.

    Parameters
    ----------"""
        + _SHARED_PARAMS_DOC
        + """    objective : {"squared_error", "absolute_error", "pseudo_huber"}, \
default="squared_error"
        The loss. ``pseudo_huber`` uses xgboost's slope δ = 1: scale the target so that
        the residuals where it should turn linear are of order 1.

    Attributes
    ----------"""
        + _SHARED_ATTRS_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.ensemble import BDTRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 3)); y = X[:, 0] + 0.1 * rng.normal(size=1000)
    >>> reg = BDTRegressor(n_estimators=20, device="cpu").fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """
    )

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        **_BaseBDT._parameter_constraints,
        "objective": [StrOptions(set(LOSSES))],
    }

    def __init__(
        self,
        *,
        objective: str = "squared_error",
        n_estimators: int = 100,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        negative_weights: str = "keep",
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(
            n_estimators=n_estimators,
            max_depth=max_depth,
            learning_rate=learning_rate,
            subsample=subsample,
            colsample_bytree=colsample_bytree,
            min_child_weight=min_child_weight,
            reg_lambda=reg_lambda,
            reg_alpha=reg_alpha,
            gamma=gamma,
            max_bin=max_bin,
            early_stopping_rounds=early_stopping_rounds,
            validation_fraction=validation_fraction,
            negative_weights=negative_weights,
            missing=missing,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
        )
        self.objective = objective

    def _prepare_targets(self, y: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(y, dtype=np.float64)

    def _make_loss(self) -> Loss:
        return LOSSES[self.objective]()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: ArrayLike | None = None) -> BDTRegressor:
        """Fit the regressor.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features; NaN (and ``missing``) mean missing.
        y : array-like of shape (n_samples,)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-event weights; negative weights are allowed.

        Returns
        -------
        self : BDTRegressor
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def predict(self, X: Any) -> NDArray[np.float64]:
        """Predicted targets.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        if _dask.is_dask_collection(X):
            return _dask.predict(self, X, "predict")
        return self._raw_predict(X).reshape(-1).astype(np.float64)
