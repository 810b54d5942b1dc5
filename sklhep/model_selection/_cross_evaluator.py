"""Train one model per fold and apply each event with the model that did not see it."""

from __future__ import annotations

import copy
import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import r2_score
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, get_tags

from sklhep._sklearn_compat import (
    GroupsConsumerMixin,
    HasMethods,
    Interval,
    _check_method_params,
    _fit_context,
    _routing_enabled,
)
from sklhep._validation import encode_classes, validate_fit_data, validate_predict_data
from sklhep.base import VersionedStateMixin
from sklhep.model_selection._split import EventNumberKFold
from sklhep.weights import check_net_weight, check_sample_weight, net_weight

__all__ = ["CrossEvaluator"]


def _estimator_has(attr: str) -> Any:
    """Check the fitted fold models if any, else the unfitted ``estimator``."""

    def check(self: CrossEvaluator) -> bool:
        if hasattr(self, "estimators_"):
            return hasattr(self.estimators_[0], attr)
        return hasattr(self.estimator, attr)

    return check


def _fit_one(estimator: Any, X: Any, y: Any, params: dict[str, Any]) -> Any:
    return estimator.fit(X, y, **params)


def _rows(X: Any, rows: NDArray[Any]) -> Any:
    """Rows of an array or (by position) of a DataFrame."""
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


class CrossEvaluator(MetaEstimatorMixin, VersionedStateMixin, BaseEstimator):
    """k-fold training with out-of-fold application, like TMVA's ``CrossValidation``.

    The events are split into folds by event number (:class:`EventNumberKFold`: fold =
    ``event_number % n_splits``). One clone of ``estimator`` is trained per fold ``k`` on
    all the *other* folds. At prediction time, an event of fold ``k`` (by its event number)
    is answered by model ``k``, which never saw it: every event of the training sample can
    be evaluated without bias, and a new event is answered by one well-defined model, as
    TMVA's ``CrossValidation`` does in application mode.

    * Without ``groups`` at ``fit``, the row index ``0, 1, ..., n-1`` is used as the event
      number (so fold ``k`` is rows ``k, k + n_splits, ...``).
    * Without ``groups`` at prediction, the fold models are *averaged*: the mean of
      ``predict_proba``/``decision_function``/regression ``predict`` over folds; a
      classifier's ``predict`` is the class of the largest mean probability (else mean
      decision function, else the majority vote). Use this for data no fold trained on;
      for the training events it is *not* out-of-fold.

    Parameters
    ----------
    estimator : estimator object
        The model to clone and fit on each fold.
    cv : int, EventNumberKFold, cross-validation generator or iterable, default=None
        ``None`` means ``EventNumberKFold(5)``, an integer ``k`` means
        ``EventNumberKFold(k)``. A splitter with a ``fold_index(groups)`` method (as
        :class:`EventNumberKFold`) assigns *any* event, including new ones, to a fold at
        prediction. Any other scikit-learn splitter (``KFold``, ``GroupKFold``, ...) or an
        iterable of ``(train, test)`` index arrays also works: the fold of each event
        number is then recorded from the test sets at ``fit``, and ``groups`` at
        prediction may only contain event numbers seen there (each in at most one test
        set).
    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib); ``None`` means 1.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted fold models; ``estimators_[k]`` did not see fold ``k``.
    cv_ : EventNumberKFold or None
        The splitter used when it has ``fold_index``, else ``None``.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifiers only).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string column names.

    Notes
    -----
    Sample weights: with ``sklearn.set_config(enable_metadata_routing=True)`` the
    ``sample_weight`` given to ``fit`` is routed to ``estimator.fit`` when the estimator
    requests it (sklhep estimators do by default; see :func:`sklhep.request_sample_weight`),
    and other fit parameters likewise. With routing disabled, ``sample_weight`` (validated
    by :func:`sklhep.weights.check_sample_weight`, so it may be negative) and every other
    ``**fit_params`` are passed to ``estimator.fit``. In both cases each fold model gets
    its training rows' slice. ``groups`` is requested by default for ``fit``,
    ``predict``, ``predict_proba``, ``decision_function`` and ``score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklhep.model_selection import CrossEvaluator
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    >>> event_number = rng.permutation(200).astype(np.uint64)
    >>> ce = CrossEvaluator(LogisticRegression(), cv=4).fit(X, y, groups=event_number)
    >>> len(ce.estimators_)
    4
    >>> ce.predict_proba(X, groups=event_number).shape  # out-of-fold scores
    (200, 2)

    With signed event weights (about 10 % negative), scored with the same weights:

    >>> from sklhep.metrics import roc_auc_score
    >>> w = np.where(rng.random(200) < 0.1, -0.5, 1.0)
    >>> ce = CrossEvaluator(LogisticRegression(), cv=4)
    >>> ce = ce.fit(X, y, groups=event_number, sample_weight=w)
    >>> score = ce.predict_proba(X, groups=event_number)[:, 1]
    >>> round(roc_auc_score(y, score, sample_weight=w), 3)
    0.998
    """

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        "estimator": [HasMethods(["fit"])],
        "cv": [
            None,
            Interval(numbers.Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
            "cv_object",
        ],
        "n_jobs": [None, numbers.Integral],
    }

    # groups (event numbers) are consumed by CrossEvaluator itself; sample_weight only by
    # the sub-estimator (through the router below).
    # sample_weight: used here (the net-weight check) and routed to estimator.fit
    __metadata_request__fit = {"groups": True, "sample_weight": True}  # noqa: RUF012
    __metadata_request__predict = {"groups": True}  # noqa: RUF012
    __metadata_request__predict_proba = {"groups": True}  # noqa: RUF012
    __metadata_request__decision_function = {"groups": True}  # noqa: RUF012
    __metadata_request__score = {"groups": True, "sample_weight": True}  # noqa: RUF012

    def __init__(self, estimator: Any, cv: Any = None, *, n_jobs: int | None = None) -> None:
        self.estimator = estimator
        self.cv = cv
        self.n_jobs = n_jobs

    # ----------------------------------------------------------------------------- tags
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = copy.deepcopy(sub.classifier_tags)
        tags.regressor_tags = copy.deepcopy(sub.regressor_tags)
        tags.target_tags = copy.deepcopy(sub.target_tags)
        tags.target_tags.required = True
        tags.target_tags.multi_output = False  # one target column only
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_label = False
        tags.input_tags.allow_nan = sub.input_tags.allow_nan
        tags.input_tags.sparse = False
        return tags

    def _allow_nan(self) -> bool:
        # NaN is the wrapped estimator's business: a Pipeline that imputes first accepts it
        # although its tag (its first step's) may say otherwise, and an estimator that
        # rejects NaN raises its own error in each fold.
        return True

    # ----------------------------------------------------------------------------- routing
    def get_metadata_routing(self) -> MetadataRouter:
        """Route ``fit`` metadata (``sample_weight``, ...) to ``estimator.fit``.

        Returns
        -------
        MetadataRouter
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                estimator=self.estimator,
                method_mapping=MethodMapping().add(caller="fit", callee="fit"),
            )
        )

    def _resolve_cv(self) -> Any:
        if self.cv is None:
            return EventNumberKFold(5)
        if isinstance(self.cv, numbers.Integral):
            return EventNumberKFold(int(self.cv))
        return self.cv

    # ----------------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        groups: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
        **fit_params: Any,
    ) -> CrossEvaluator:
        """Fit one clone of ``estimator`` per fold, on the events of the other folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        groups : array-like of shape (n_samples,), default=None
            Event numbers; ``None`` uses the row index.
        sample_weight : array-like of shape (n_samples,), default=None
            Signed event weights, sliced per fold and passed to ``estimator.fit`` (see
            Notes for metadata routing).
        **fit_params : dict
            Other parameters of ``estimator.fit``, sliced per fold when they have one entry
            per event.

        Returns
        -------
        self : CrossEvaluator
        """
        X, y = validate_fit_data(
            self, X, y, allow_nan=self._allow_nan(), sample_weight=sample_weight
        )
        n = X.shape[0]
        if is_classifier(self.estimator):
            self.classes_, _ = encode_classes(y)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, n)
            check_net_weight(
                sample_weight,
                y if is_classifier(self.estimator) else None,
                what="CrossEvaluator's data",
            )
        cv = self._resolve_cv()
        event_number = np.arange(n) if groups is None else np.asarray(groups)
        if event_number.shape[0] != n:
            raise ValueError(
                f"groups has {event_number.shape[0]} event numbers but X has {n} events."
            )

        if _routing_enabled():
            given = {"sample_weight": sample_weight, **fit_params}
            given = {k: v for k, v in given.items() if v is not None}
            routed = process_routing(self, "fit", groups=groups, **given)
            params = dict(routed.estimator.fit)
        else:
            params = dict(fit_params)
            if sample_weight is not None:
                params["sample_weight"] = sample_weight

        if hasattr(cv, "split"):
            wants_groups = isinstance(cv, GroupsConsumerMixin) or hasattr(cv, "fold_index")
            splits = list(cv.split(X, y, groups=event_number if wants_groups else None))
        else:
            splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv]
        if len(splits) < 2:
            raise ValueError(f"cv gave {len(splits)} split(s); CrossEvaluator needs >= 2.")
        # cv_ (an EventNumberKFold-like splitter) or _fold_events_ (the folds a generic cv
        # gave the events at fit) assigns a fold to an event at predict; one is None.
        self._fold_events_: tuple[NDArray[Any], NDArray[np.intp]] | None
        if hasattr(cv, "fold_index"):
            self.cv_ = cv
            self._fold_events_ = None
        else:
            self.cv_ = None
            self._fold_events_ = self._record_folds(splits, event_number)
        jobs = [(train, _check_method_params(X, params, train)) for train, _ in splits]
        X_named = self._named(X)
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(clone(self.estimator), _rows(X_named, train), y[train], p)
            for train, p in jobs
        )
        return self

    def _named(self, X: NDArray[Any]) -> Any:
        """X as a DataFrame with the feature names seen in fit (when there were names), so
        that the fold models learn and check ``feature_names_in_`` too."""
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            return X
        import pandas as pd

        return pd.DataFrame(X, columns=names, copy=False)

    @staticmethod
    def _record_folds(
        splits: list[tuple[NDArray[Any], NDArray[Any]]], event_number: NDArray[Any]
    ) -> tuple[NDArray[Any], NDArray[np.intp]]:
        """Sorted event numbers of the test sets and the fold of each."""
        tests = [np.asarray(te) for _, te in splits]
        events = np.concatenate([event_number[te] for te in tests])
        fold = np.concatenate(
            [np.full(te.shape[0], k, dtype=np.intp) for k, te in enumerate(tests)]
        )
        order = np.argsort(events, kind="stable")
        events, fold = events[order], fold[order]
        if events.shape[0] > 1 and np.any(events[1:] == events[:-1]):
            raise ValueError(
                "An event number appears in more than one test set of cv; CrossEvaluator "
                "needs disjoint test folds to know which model did not see each event."
            )
        return events, fold

    # ----------------------------------------------------------------------------- apply
    def _folds_at_predict(self, groups: ArrayLike, n: int) -> NDArray[np.intp]:
        if self._fold_events_ is None:
            folds = self.cv_.fold_index(groups)
        else:
            events, fold = self._fold_events_
            query = np.asarray(groups)
            pos = np.minimum(np.searchsorted(events, query), events.shape[0] - 1)
            unknown = events[pos] != query
            if unknown.any():
                raise ValueError(
                    f"{int(unknown.sum())} event number(s) in groups were in no test fold at "
                    "fit (first: {!r}); with a generic cv only those events can be assigned "
                    "a fold. Use EventNumberKFold, or predict without groups to average the "
                    "fold models.".format(query[np.flatnonzero(unknown)[0]])
                )
            folds = fold[pos]
        if folds.shape[0] != n:
            raise ValueError(f"groups has {folds.shape[0]} event numbers but X has {n} events.")
        if folds.shape[0] and (folds.max() >= len(self.estimators_)):
            raise ValueError("groups maps events to a fold that was not fitted.")
        return folds

    def _out_of_fold(self, method: str, X: Any, groups: ArrayLike) -> NDArray[Any]:
        folds = self._folds_at_predict(groups, X.shape[0])
        parts: list[tuple[NDArray[np.intp], NDArray[Any]]] = []
        for k, est in enumerate(self.estimators_):
            rows = np.flatnonzero(folds == k)
            if rows.shape[0]:
                parts.append((rows, self._call(est, k, method, _rows(X, rows))))
        dtype = np.result_type(*(p.dtype for _, p in parts))
        out = np.empty((X.shape[0], *parts[0][1].shape[1:]), dtype=dtype)
        for rows, pred in parts:
            out[rows] = pred
        return out

    def _call(self, est: Any, k: int, method: str, X: Any) -> NDArray[Any]:
        """``est.method(X)``, with class columns aligned to ``classes_``."""
        out = np.asarray(getattr(est, method)(X))
        if not is_classifier(self.estimator) or method == "predict":
            return out
        fold_classes = est.classes_
        if np.array_equal(fold_classes, self.classes_):
            return out
        if method == "predict_proba":
            aligned = np.zeros((out.shape[0], self.classes_.shape[0]), dtype=out.dtype)
            aligned[:, np.searchsorted(self.classes_, fold_classes)] = out
            return aligned
        missing = np.setdiff1d(self.classes_, fold_classes).tolist()
        raise ValueError(
            f"Fold model {k} was trained without class(es) {missing}, so its "
            f"{method} cannot be aligned with the other folds. Use predict_proba, fewer "
            "folds, or more events of those classes."
        )

    def _mean(self, method: str, X: Any) -> NDArray[np.float64]:
        total = None
        for k, est in enumerate(self.estimators_):
            pred = np.asarray(self._call(est, k, method, X), dtype=np.float64)
            total = pred if total is None else total + pred
        assert total is not None
        return total / len(self.estimators_)

    def _validate_X(self, X: ArrayLike) -> Any:
        check_is_fitted(self)
        return self._named(validate_predict_data(self, X, allow_nan=self._allow_nan()))

    @available_if(_estimator_has("predict"))
    def predict(self, X: ArrayLike, groups: ArrayLike | None = None) -> NDArray[Any]:
        """Predict with the fold model that did not train on each event.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), default=None
            Event numbers. ``None``: combine all fold models (see the class docstring).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._validate_X(X)
        if groups is not None:
            return self._out_of_fold("predict", X, groups)
        if not is_classifier(self.estimator):
            return self._mean("predict", X)
        first = self.estimators_[0]
        if hasattr(first, "predict_proba"):
            return self.classes_[np.argmax(self._mean("predict_proba", X), axis=1)]
        if hasattr(first, "decision_function"):
            d = self._mean("decision_function", X)
            idx = (d > 0).astype(np.intp) if d.ndim == 1 else np.argmax(d, axis=1)
            return self.classes_[idx]
        votes = np.stack([np.asarray(e.predict(X)) for e in self.estimators_], axis=1)
        codes = np.searchsorted(self.classes_, votes)
        counts = np.apply_along_axis(np.bincount, 1, codes, minlength=len(self.classes_))
        return self.classes_[np.argmax(counts, axis=1)]

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: ArrayLike, groups: ArrayLike | None = None) -> NDArray[Any]:
        """Class probabilities from the fold model that did not train on each event.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), default=None
            Event numbers. ``None``: the mean over the fold models.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        X = self._validate_X(X)
        if groups is not None:
            return self._out_of_fold("predict_proba", X, groups)
        return self._mean("predict_proba", X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: ArrayLike, groups: ArrayLike | None = None) -> NDArray[Any]:
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), default=None

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, groups=groups))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: ArrayLike, groups: ArrayLike | None = None) -> NDArray[Any]:
        """Decision function from the fold model that did not train on each event.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        groups : array-like of shape (n_samples,), default=None
            Event numbers. ``None``: the mean over the fold models.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._validate_X(X)
        if groups is not None:
            return self._out_of_fold("decision_function", X, groups)
        return self._mean("decision_function", X)

    @available_if(_estimator_has("predict"))
    def score(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        groups: ArrayLike | None = None,
    ) -> float:
        """Weighted accuracy (classifiers) or :math:`R^2` (regressors) of :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Signed event weights; the net sum must be positive.
        groups : array-like of shape (n_samples,), default=None
            Event numbers, for out-of-fold predictions.

        Returns
        -------
        float
        """
        pred = self.predict(X, groups=groups)
        y = np.asarray(y)
        w = check_sample_weight(sample_weight, y.shape[0])
        if not is_classifier(self.estimator):
            return float(r2_score(y, pred, sample_weight=w))
        total = net_weight(w, why="The weighted accuracy is undefined.")
        return float(np.dot(w, (pred == y.reshape(pred.shape)).astype(np.float64)) / total)
