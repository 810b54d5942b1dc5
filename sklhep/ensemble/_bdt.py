"""Boosted decision trees on xgboost that are correct with signed (negative) sample weights."""

from __future__ import annotations

import numbers
import warnings
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.utils.validation import check_is_fitted

from sklhep._device import check_device
from sklhep._early_stopping import DEPRECATED, deprecated_alias
from sklhep._sklearn_compat import Hidden, Interval, StrOptions, _fit_context
from sklhep._validation import check_protected, validate_fit_data, validate_predict_data
from sklhep.base import SampleWeightRequestMixin, VersionedStateMixin
from sklhep.ensemble import _dask, _trainer
from sklhep.ensemble._objectives import LOSSES, SoftmaxCrossEntropy
from sklhep.ensemble._trainer import BoostingConfig, FitResult
from sklhep.exceptions import ConstantModelWarning
from sklhep.weights import NEGATIVE_WEIGHT_POLICIES, check_sample_weight, check_weight_index

__all__ = ["BDTClassifier", "BDTRegressor"]

#: A classifier whose trees never split warns (ConstantModelWarning) when a class holds
#: less than this share of the net training weight: the weight scale is then the cause.
SMALL_CLASS_SHARE: float = 0.01


class _BaseBDT(SampleWeightRequestMixin, VersionedStateMixin, BaseEstimator, ABC):
    """Shared fit/predict machinery of :class:`BDTClassifier` and :class:`BDTRegressor`.

    ``fit`` validates the parameters and the data, builds a :class:`BoostingConfig`, lets a
    trainer (in memory, or on a Dask cluster) return a :class:`FitResult`, and
    :meth:`_finalize` sets the fitted attributes from it.
    """

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_depth": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "subsample": [Interval(numbers.Real, 0, 1, closed="right")],
        "colsample_bytree": [Interval(numbers.Real, 0, 1, closed="right")],
        "min_child_weight": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"auto"})],
        "reg_lambda": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "gamma": [Interval(numbers.Real, 0, None, closed="left")],
        "max_bin": [Interval(numbers.Integral, 2, None, closed="left")],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping_rounds": [
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
            Hidden(StrOptions({DEPRECATED})),
        ],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "negative_weights": [StrOptions(set(NEGATIVE_WEIGHT_POLICIES))],
        "missing": [numbers.Real],
        "device": [str],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float | str = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        negative_weights: str = "keep",
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        early_stopping_rounds: int | str | None = DEPRECATED,
        callbacks: list[Any] | None = None,
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
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.negative_weights = negative_weights
        self.missing = missing
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.early_stopping_rounds = early_stopping_rounds
        self.callbacks = callbacks

    # -- hooks for the subclasses -------------------------------------------------------
    @abstractmethod
    def _task_config(self) -> dict[str, Any]:
        """The :class:`BoostingConfig` fields of the task (the objective, class weights)."""

    # -- fitting --------------------------------------------------------------------------
    def _booster_params(self) -> dict[str, Any]:
        """The tree parameters, passed to xgboost unchanged (the wrapper's are kept out, as
        ``xgboost/sklearn.py`` does)."""
        return {
            "max_depth": int(self.max_depth),
            "learning_rate": float(self.learning_rate),
            "subsample": float(self.subsample),
            "colsample_bytree": float(self.colsample_bytree),
            "min_child_weight": (
                "auto" if self.min_child_weight == "auto" else float(self.min_child_weight)
            ),
            "reg_lambda": float(self.reg_lambda),
            "reg_alpha": float(self.reg_alpha),
            "gamma": float(self.gamma),
            "max_bin": int(self.max_bin),
        }

    def _boosting_config(self) -> BoostingConfig:
        """The trainer's configuration, from the (validated) public parameters."""
        check_device(self.device)
        early_stopping: bool | str = self.early_stopping
        n_iter_no_change: int | None = self.n_iter_no_change
        rounds = deprecated_alias(
            self, "early_stopping_rounds", "n_iter_no_change", self.early_stopping_rounds, None
        )
        if not (isinstance(self.early_stopping_rounds, str)):
            # the old meaning: None is off, an int k is on with patience k
            early_stopping, n_iter_no_change = rounds is not None, rounds
        return BoostingConfig(
            classifier=is_classifier(self),
            booster=self._booster_params(),
            n_estimators=int(self.n_estimators),
            early_stopping=early_stopping,
            n_iter_no_change=n_iter_no_change,
            validation_fraction=float(self.validation_fraction),
            negative_weights=self.negative_weights,
            missing=float(self.missing),
            device=self.device,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            verbose=int(self.verbose),
            callbacks=tuple(self.callbacks or ()),
            **self._task_config(),
        )

    def _fit(
        self,
        X: Any,
        y: Any,
        sample_weight: ArrayLike | None,
        protected: ArrayLike | None = None,
    ) -> _BaseBDT:
        config = self._boosting_config()
        if _dask.is_dask_collection(X, y, sample_weight, protected):
            if config.decorrelation > 0 or protected is not None:
                raise ValueError(
                    f"decorrelation={config.decorrelation} (and protected) are not supported "
                    "on Dask collections: the flatness penalty needs every training event's "
                    "score at every round. Fit on in-memory data (e.g. X.compute(), or a "
                    "sample that fits in memory), or set decorrelation=0 and drop protected."
                )
            self.fit_used_sample_weight_ = sample_weight is not None
            result = _dask.train(config, X, y, sample_weight)  # xgboost.dask
        else:
            check_weight_index(protected, X, name="protected")
            X, y = validate_fit_data(
                self,
                X,
                y,
                allow_nan=True,
                y_numeric=not config.classifier,
                float32=True,
                sample_weight=sample_weight,
            )
            result = _trainer.train(
                config,
                X,
                y,
                check_sample_weight(sample_weight, X),
                getattr(self, "feature_names_in_", None),
                check_protected(protected, X.shape[0], config.decorrelation),
            )
        return self._finalize(result)

    def _finalize(self, result: FitResult) -> _BaseBDT:
        """Set the fitted attributes from a trainer's result (the one place that does)."""
        self.n_features_in_ = result.n_features_in
        if result.feature_names_in is not None:
            self.feature_names_in_ = result.feature_names_in
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        if result.classes is not None:
            self.classes_ = result.classes
            self.n_classes_ = int(result.classes.shape[0])
        # xgboost's own objective in the booster (the signed fit trains with a custom one):
        # booster_.predict and its saved files give the estimator's probabilities/values.
        n_classes = 0 if result.classes is None else int(result.classes.shape[0])
        objective = getattr(self, "objective", "squared_error")
        self.booster_ = _trainer.faithful_booster(
            result.booster,
            _trainer.native_objective(result.classes is not None, n_classes, objective),
            result.n_threads,
        )
        self.history_ = result.history
        share = result.min_class_share
        if (
            share is not None
            and share < SMALL_CLASS_SHARE
            and self.booster_.num_boosted_rounds() > 0
            and not self.booster_.get_score(importance_type="weight")
        ):
            warnings.warn(
                ConstantModelWarning(
                    f"No tree of this {type(self).__name__} split on any feature: it "
                    "predicts the same probabilities for every event. A class carries "
                    f"{share:.3g} of the net training weight, so no leaf collects the hessian "
                    f"that min_child_weight={result.min_child_weight:g} requires (e.g. one "
                    "sample weighted in pb and the other in events). Fix: "
                    'class_weight="balanced", weights of comparable scale per class, or a '
                    "smaller min_child_weight."
                ),
                stacklevel=5,  # _finalize, _fit, fit, scikit-learn's _fit_context: the caller
            )
        self.best_iteration_ = result.best_iteration
        self.n_estimators_ = result.booster.num_boosted_rounds()
        self.signed_objective_ = result.signed
        self.min_child_weight_ = result.min_child_weight
        self._n_threads = result.n_threads
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
        super().__setstate__(state)  # the version checks (sklhep's, scikit-learn's)
        booster = state.get("booster_")
        if booster is not None:
            # A model trained on a GPU must predict on a CPU-only machine.
            booster.set_param({"device": "cpu"})

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class BDTClassifier(ClassifierMixin, _BaseBDT):
    """Gradient-boosted decision trees (xgboost) for classification, with signed weights.

    With all training weights non-negative, xgboost's own ``binary:logistic`` or
    ``multi:softprob`` objective is used (the fast path). When some are negative, a custom
    objective with gradient :math:`w_i (p_i - y_i)` and hessian :math:`|w_i| p_i(1-p_i)`
    is used instead, so that training converges to the *net* (signed-weight) class
    posterior. The starting score is the net weighted class fraction. See ``docs/bdt.md``.

    Parameters
    ----------
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
    min_child_weight : float or "auto", default="auto"
        Minimum hessian sum in a leaf; the weights are rescaled to a net mean of 1 first.
        With negative weights the hessian sum is the leaf's *net* sum, so no leaf with a
        non-positive net weight can be formed (see ``docs/bdt.md``), and 0 is an error.
        ``"auto"`` is 1 (xgboost's default) when no training weight is negative; with
        negative weights it is max(1, 200 h0 ((Σ|w| / Σw)² - 1))
        (:func:`sklhep.weights.signed_leaf_weight`), where h0 = π(1 - π) is the mean
        hessian per event at the start (π: the net class fraction), so
        that leaves grow with the statistics the cancellations cost (on Z+jets NLO, 18.5 %
        negative weights: 34). The value is a hessian sum, not a count of events: with
        unbalanced classes a fixed 10-100 can forbid every split. The value used is
        ``min_child_weight_``.
    reg_lambda : float, default=1.0
        L2 regularisation of the leaf values.
    reg_alpha : float, default=0.0
        L1 regularisation of the leaf values.
    gamma : float, default=0.0
        Minimum loss reduction needed to split a leaf.
    max_bin : int, default=256
        Number of histogram bins per feature.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the events (stratified by class for a
        classifier), stop when the net weighted validation loss has not improved for
        ``n_iter_no_change`` rounds, and keep the trees up to the best round. ``"auto"``
        turns it on when the training set has more than 10,000 events, as scikit-learn's
        ``HistGradientBoosting`` does. The validation loss uses the same
        ``negative_weights`` policy and class weights as training.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the events held out for early stopping.
    n_iter_no_change : int, default=10
        Rounds without improvement of the validation loss before training stops (the
        MLP's parameter of the same name and meaning).
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        How negative weights are used in training (see :mod:`sklhep.weights`). ``"keep"``
        trains on the signed weights and converges to the net distribution; the others
        are biased.
    missing : float, default=np.nan
        The feature value that means "missing"; NaN is always missing. Set ``-999.0`` to
        treat a HEP sentinel as missing. Missing values go to the side of each split
        learnt in training. Infinite values are an error.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default="auto"
        Where to train. ``"auto"`` uses CUDA when xgboost was built with it and a device
        is visible; ``"cuda:N"`` picks the N-th device. Predictions always run on the
        CPU, so a model trained on a GPU predicts (and unpickles) on a CPU-only machine.
    n_jobs : int or None, default=None
        Number of threads; ``None`` or ``-1`` use all available cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the row/column subsampling and the early-stopping split.
    verbose : int, default=0
        If positive, print the metrics every ``verbose`` rounds.
    early_stopping_rounds : int or None
        Deprecated, removed in the next release: use ``early_stopping`` and
        ``n_iter_no_change``. An int k means ``early_stopping=True, n_iter_no_change=k``;
        ``None`` means ``early_stopping=False``.
    callbacks : list of xgboost.callback.TrainingCallback or None, default=None
        Extra xgboost callbacks (e.g. :class:`sklhep.model_selection.BDTPruningCallback`),
        copied at every ``fit`` and run after sklhep's own after every round; sklhep's
        weighted validation loss is in ``evals_log["sklhep"]["valid_loss"]``. Not used on
        Dask collections.
    class_weight : "balanced", dict or None, default=None
        ``"balanced"`` rescales each class to the same net weight sum; a dict multiplies
        each class's weights.
    decorrelation : float, default=0.0
        Strength :math:`\\lambda \\ge 0` of the flatness penalty that decorrelates the
        output from the ``protected`` variable passed to ``fit`` (e.g. the jet mass), after
        Rogozhnikov et al., JINST 10 (2015) T03002: the objective is the net mean log-loss
        plus :math:`\\lambda D`, where :math:`D` is the spread across bins of ``protected``
        of the background efficiency of cuts on the output (see
        ``docs/decorrelation.md``). 0 (the default) turns it off; 0.5 to 2 is the useful
        range on the built-in sculpting problem, but the trade-off is not smooth in
        :math:`\\lambda`: scan it on a validation sample. Binary classification only;
        trains with sklhep's custom objective (also with positive weights), at several
        times the CPU time per round. Not on Dask collections.
    decorrelation_classes : array-like of labels, default=None
        The classes whose output should not depend on ``protected``; by default the first
        class of ``classes_`` (the background, label 0).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes.
    booster_ : xgboost.Booster
        The trained booster (with early stopping, truncated to the best round). It
        carries xgboost's own objective (``binary:logistic``, ``multi:softprob`` or the
        regression loss's), whatever objective trained it, so ``booster_.predict`` and
        a file written by ``booster_.save_model`` and read by plain xgboost give the
        estimator's probabilities or values (see ``docs/deployment.md``).
    n_estimators_ : int
        Number of boosting rounds kept.
    best_iteration_ : int
        Index of the last round kept: the best validation round with early stopping,
        else ``n_estimators - 1``.
    history_ : list of dict
        One record per round, with the keys of the MLP's ``history_``: ``"epoch"`` (the
        round, from 1), ``"train_loss"`` and ``"valid_loss"`` (the net weighted metric:
        log-loss, multi-class log-loss, MSE, MAE or pseudo-Huber; ``"valid_loss"`` is NaN
        without early stopping), ``"lr"`` (the learning rate) and ``"duration"`` (seconds;
        on a Dask cluster, the mean over the rounds). With
        xgboost's built-in objective (no negative training weight) and more than 10 000
        training events, the training metric is computed on a fixed random subset of
        10 000 of them, to keep it cheap.
    signed_objective_ : bool
        Whether sklhep's custom (signed-weight) objective was used -- some training
        weight < 0, or ``decorrelation > 0`` -- rather than xgboost's built-in objective.
    min_child_weight_ : float
        The ``min_child_weight`` the trees were grown with (``"auto"`` resolved).
    feature_importances_ : ndarray of shape (`n_features_in_`,)
        Total split gain per feature, normalised to sum to 1.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

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

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        **_BaseBDT._parameter_constraints,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "decorrelation": [Interval(numbers.Real, 0, None, closed="left")],
        "decorrelation_classes": ["array-like", None],
    }

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        max_depth: int = 6,
        learning_rate: float = 0.1,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        min_child_weight: float | str = "auto",
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        negative_weights: str = "keep",
        class_weight: str | dict[Any, float] | None = None,
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        early_stopping_rounds: int | str | None = DEPRECATED,
        callbacks: list[Any] | None = None,
        decorrelation: float = 0.0,
        decorrelation_classes: ArrayLike | None = None,
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            negative_weights=negative_weights,
            missing=missing,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
            early_stopping_rounds=early_stopping_rounds,
            callbacks=callbacks,
        )
        self.class_weight = class_weight
        self.decorrelation = decorrelation
        self.decorrelation_classes = decorrelation_classes

    def _task_config(self) -> dict[str, Any]:
        classes = self.decorrelation_classes
        return {
            "class_weight": self.class_weight,
            "decorrelation": float(self.decorrelation),
            "decorrelation_classes": (
                None if classes is None else tuple(np.ravel(classes).tolist())
            ),
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: ArrayLike | None = None,
        *,
        protected: ArrayLike | None = None,
    ) -> BDTClassifier:
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features; NaN (and ``missing``) mean missing.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-event weights; negative weights are allowed.
        protected : array-like of shape (n_samples,), default=None
            The variable to decorrelate from (e.g. the jet mass), required when
            ``decorrelation > 0`` and refused otherwise. With metadata routing, request it
            with ``set_fit_request(protected=True)``.

        Returns
        -------
        self : BDTClassifier
            Fitted estimator.
        """
        return self._fit(X, y, sample_weight, protected)

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
    r"""Gradient-boosted decision trees (xgboost) for regression, with signed weights.

    With all training weights non-negative, xgboost's own objective is used (the fast
    path). When some are negative, a custom objective with gradient :math:`w_i \ell'_i`
    and hessian :math:`|w_i| \ell''_i` is used, so that the fit converges to the *net*
    conditional mean (or median). The starting score is the net weighted mean
    (``squared_error``) or median (the others). See ``docs/bdt.md``.

    Parameters
    ----------
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
    min_child_weight : float or "auto", default=1.0
        Minimum hessian sum in a leaf, in units of events: the weights are rescaled to a
        net mean of 1 first. With negative weights the hessian sum is the leaf's *net* sum,
        so no leaf with a non-positive net weight can be formed (see ``docs/bdt.md``), and
        0 is an error. ``"auto"`` scales it with the statistics that cancelling weights
        cost, as for :class:`BDTClassifier` (with a hessian of 1 per event); it is not the
        default of the regressor, for which it has not been measured yet.
    reg_lambda : float, default=1.0
        L2 regularisation of the leaf values.
    reg_alpha : float, default=0.0
        L1 regularisation of the leaf values.
    gamma : float, default=0.0
        Minimum loss reduction needed to split a leaf.
    max_bin : int, default=256
        Number of histogram bins per feature.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the events (stratified by class for a
        classifier), stop when the net weighted validation loss has not improved for
        ``n_iter_no_change`` rounds, and keep the trees up to the best round. ``"auto"``
        turns it on when the training set has more than 10,000 events, as scikit-learn's
        ``HistGradientBoosting`` does. The validation loss uses the same
        ``negative_weights`` policy and class weights as training.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the events held out for early stopping.
    n_iter_no_change : int, default=10
        Rounds without improvement of the validation loss before training stops (the
        MLP's parameter of the same name and meaning).
    negative_weights : {"keep", "abs", "drop", "clip"}, default="keep"
        How negative weights are used in training (see :mod:`sklhep.weights`). ``"keep"``
        trains on the signed weights and converges to the net distribution; the others
        are biased.
    missing : float, default=np.nan
        The feature value that means "missing"; NaN is always missing. Set ``-999.0`` to
        treat a HEP sentinel as missing. Missing values go to the side of each split
        learnt in training. Infinite values are an error.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default="auto"
        Where to train. ``"auto"`` uses CUDA when xgboost was built with it and a device
        is visible; ``"cuda:N"`` picks the N-th device. Predictions always run on the
        CPU, so a model trained on a GPU predicts (and unpickles) on a CPU-only machine.
    n_jobs : int or None, default=None
        Number of threads; ``None`` or ``-1`` use all available cores.
    random_state : int, RandomState instance or None, default=None
        Seeds the row/column subsampling and the early-stopping split.
    verbose : int, default=0
        If positive, print the metrics every ``verbose`` rounds.
    early_stopping_rounds : int or None
        Deprecated, removed in the next release: use ``early_stopping`` and
        ``n_iter_no_change``. An int k means ``early_stopping=True, n_iter_no_change=k``;
        ``None`` means ``early_stopping=False``.
    callbacks : list of xgboost.callback.TrainingCallback or None, default=None
        Extra xgboost callbacks (e.g. :class:`sklhep.model_selection.BDTPruningCallback`),
        copied at every ``fit`` and run after sklhep's own after every round; sklhep's
        weighted validation loss is in ``evals_log["sklhep"]["valid_loss"]``. Not used on
        Dask collections.
    objective : {"squared_error", "absolute_error", "pseudo_huber"}, default="squared_error"
        The loss. ``pseudo_huber`` uses xgboost's slope δ = 1: scale the target so that
        the residuals where it should turn linear are of order 1.

    Attributes
    ----------
    booster_ : xgboost.Booster
        The trained booster (with early stopping, truncated to the best round). It
        carries xgboost's own objective (``binary:logistic``, ``multi:softprob`` or the
        regression loss's), whatever objective trained it, so ``booster_.predict`` and
        a file written by ``booster_.save_model`` and read by plain xgboost give the
        estimator's probabilities or values (see ``docs/deployment.md``).
    n_estimators_ : int
        Number of boosting rounds kept.
    best_iteration_ : int
        Index of the last round kept: the best validation round with early stopping,
        else ``n_estimators - 1``.
    history_ : list of dict
        One record per round, with the keys of the MLP's ``history_``: ``"epoch"`` (the
        round, from 1), ``"train_loss"`` and ``"valid_loss"`` (the net weighted metric:
        log-loss, multi-class log-loss, MSE, MAE or pseudo-Huber; ``"valid_loss"`` is NaN
        without early stopping), ``"lr"`` (the learning rate) and ``"duration"`` (seconds;
        on a Dask cluster, the mean over the rounds). With
        xgboost's built-in objective (no negative training weight) and more than 10 000
        training events, the training metric is computed on a fixed random subset of
        10 000 of them, to keep it cheap.
    signed_objective_ : bool
        Whether the signed-weight objective was used (some training weight < 0), rather
        than xgboost's built-in objective.
    min_child_weight_ : float
        The ``min_child_weight`` the trees were grown with (``"auto"`` resolved).
    feature_importances_ : ndarray of shape (`n_features_in_`,)
        Total split gain per feature, normalised to sum to 1.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

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
        min_child_weight: float | str = 1.0,
        reg_lambda: float = 1.0,
        reg_alpha: float = 0.0,
        gamma: float = 0.0,
        max_bin: int = 256,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        negative_weights: str = "keep",
        missing: float = np.nan,
        device: str = "auto",
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        early_stopping_rounds: int | str | None = DEPRECATED,
        callbacks: list[Any] | None = None,
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
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            negative_weights=negative_weights,
            missing=missing,
            device=device,
            n_jobs=n_jobs,
            random_state=random_state,
            verbose=verbose,
            early_stopping_rounds=early_stopping_rounds,
            callbacks=callbacks,
        )
        self.objective = objective

    def _task_config(self) -> dict[str, Any]:
        return {"objective": self.objective}

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
