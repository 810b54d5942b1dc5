r"""Reweight one sample to another with a classifier, with signed weights on either side.

A classifier trained to separate an *original* sample (label 0, density :math:`f_0`) from a
*target* sample (label 1, density :math:`f_1`), with the two classes given the same net
weight, converges to :math:`p(x) = f_1(x) / (f_0(x) + f_1(x))`, so that

.. math:: r(x) = \frac{p(x)}{1 - p(x)} = \frac{f_1(x)}{f_0(x)}

is the density ratio, and original events weighted by :math:`w_i\,r(x_i)` follow the
target distribution (the classifier-based density-ratio method: K. Cranmer, J. Pavez,
G. Louppe, arXiv:1506.02169). With signed weights, :math:`f_0` and :math:`f_1` are the
*net* densities; sklhep's classifiers train on signed weights and converge to their
ratio (``docs/reweighting.md``).

:class:`Reweighter` does this with hep_ml's interface (``fit``, ``predict_weights``), adds
cross-fitted weights (``fit_predict_weights``), normalises its output, and reports how
much statistics the reweighting costs. :func:`reweighting_closure` checks the result:
per-feature signed-mean pulls, weighted Kolmogorov-Smirnov distances and binned
:math:`\chi^2` tests between the reweighted original and the target.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from sklhep._sklearn_compat import HasMethods, Interval, _fit_context
from sklhep.exceptions import LowEffectiveSampleSizeWarning, SklhepWarning
from sklhep.metrics import ks_test
from sklhep.metrics._two_sample import two_sample_chi2
from sklhep.weights import (
    balanced_class_weight,
    check_sample_weight,
    effective_sample_size,
    net_weight,
    normalize_weights,
    weighted_mean,
    weighted_std,
)

__all__ = [
    "CLIP_WARN_FRACTION",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MIN_CHILD_WEIGHT",
    "DEFAULT_N_ESTIMATORS",
    "ESS_COLLAPSE_FRACTION",
    "ClippedProbabilityWarning",
    "ClosureResult",
    "Reweighter",
    "default_estimator",
    "reweighting_closure",
]

#: :class:`Reweighter` warns (:class:`ClippedProbabilityWarning`) when more than this
#: fraction of the original events have a probability at the clip.
CLIP_WARN_FRACTION: float = 0.01

#: :class:`Reweighter` warns (:class:`~sklhep.exceptions.LowEffectiveSampleSizeWarning`)
#: when the Kish effective sample size of the reweighted original sample falls below this
#: fraction of the original's own.
ESS_COLLAPSE_FRACTION: float = 0.1

# The default estimator (docs/reweighting.md, "Default estimator", has the measurement).
#: Depth of the default BDT's trees.
DEFAULT_MAX_DEPTH: int = 3
#: Boosting rounds of the default BDT (no early stopping, see the docs).
DEFAULT_N_ESTIMATORS: int = 100
#: The default BDT's least leaf hessian for unit weights. A reweighting classifier's
#: hessian :math:`p(1-p)` is close to 1/4 and weights are rescaled to a net mean of 1, so a
#: leaf holds at least about 40 events; the default divides it by the training set's
#: effective fraction (Kish ESS / events), so that it holds about 40 *effective* events.
DEFAULT_MIN_CHILD_WEIGHT: float = 10.0


class ClippedProbabilityWarning(SklhepWarning):
    """Many original events got a classifier probability at :class:`Reweighter`'s clip.

    Their weights are bounded by the clip instead of the density ratio: the original
    sample has few or no events where the target has many (a region the reweighting
    cannot fill), or the classifier over-fits.
    """


def default_estimator(
    effective_fraction: float = 1.0,
    random_state: int | None = None,
    n_jobs: int | None = None,
) -> Any:
    """The :class:`~sklhep.ensemble.BDTClassifier` that :class:`Reweighter` uses by default.

    Shallow trees (``max_depth=3``), 100 rounds at a learning rate of 0.1, and leaves that
    hold about 40 effective events: ``min_child_weight`` is
    :data:`DEFAULT_MIN_CHILD_WEIGHT` (10) over the training set's effective fraction
    (Kish ESS over events, after the classes are balanced), so that cancelling negative
    weights get proportionally larger leaves. Early stopping is off: the validation loss
    of two nearly identical samples is too noisy to stop on. ``docs/reweighting.md`` has
    the measurements behind these values.

    Parameters
    ----------
    effective_fraction : float, default=1.0
        Kish effective sample size of the training set over its number of events.
    random_state : int or None, default=None
        The BDT's seed.
    n_jobs : int or None, default=None
        The BDT's threads (``None``: the CPUs this process may use).

    Returns
    -------
    BDTClassifier
        Unfitted.

    Examples
    --------
    >>> from sklhep.reweight import default_estimator
    >>> bdt = default_estimator(effective_fraction=0.5, random_state=0)
    >>> bdt.max_depth, bdt.min_child_weight, bdt.early_stopping
    (3, 20.0, False)
    """
    from sklhep.ensemble import BDTClassifier  # xgboost only when it is used

    return BDTClassifier(
        n_estimators=DEFAULT_N_ESTIMATORS,
        max_depth=DEFAULT_MAX_DEPTH,
        learning_rate=0.1,
        min_child_weight=DEFAULT_MIN_CHILD_WEIGHT / min(max(effective_fraction, 1e-3), 1.0),
        early_stopping=False,
        random_state=random_state,
        n_jobs=n_jobs,
    )


def _prior(w: NDArray[np.float64], y: NDArray[np.intp]) -> float:
    """The net weight of the original class over the target's, as a classifier trains."""
    return net_weight(w[y == 0], what="the original events") / net_weight(
        w[y == 1], what="the target events"
    )


class Reweighter(BaseEstimator):
    r"""Reweight an original sample to a target sample with a classifier's density ratio.

    A classifier learns to tell original events (label 0) from target events (label 1),
    and each original event's weight is multiplied by the density ratio
    :math:`r(x) = p(x) / (1 - p(x))`, corrected for the classes' net weights in training
    (they are balanced to the same net sum when the classifier accepts ``sample_weight``).
    Negative weights are allowed on either side: the ratio is that of the *net* densities.
    The interface is hep_ml's ``GBReweighter``'s (``fit``, ``predict_weights``); see
    ``docs/reweighting.md``.

    Parameters
    ----------
    estimator : classifier or None, default=None
        Any classifier with ``fit`` and ``predict_proba``: an sklhep estimator, a
        scikit-learn one, or a :class:`~sklearn.pipeline.Pipeline` ending in one. It is
        cloned for every fit and trained with the (balanced) weights as ``sample_weight``;
        one that does not accept ``sample_weight`` can only be used when both samples
        have unit weights. ``None`` uses a :class:`~sklhep.ensemble.BDTClassifier` with
        reweighting settings (:func:`default_estimator`: depth 3, 100 rounds, leaves of
        about 40 effective events), which trains on signed weights.
    cv : int or cross-validation splitter, default=2
        Folds of :meth:`fit_predict_weights`: an int ``k`` splits the original and the
        target events (shuffled, stratified by sample) into ``k`` folds, and each original
        event is weighted by the model trained on the other folds. A splitter's
        ``split(X, y)`` gets the concatenated samples and their labels (0: original,
        1: target). Not used by :meth:`fit`.
    clip : float in [0, 0.5), default=1e-3
        Probabilities are clipped to ``[clip, 1 - clip]`` before the ratio is taken, so
        that no ratio exceeds ``(1 - clip) / clip`` (999 by default) or falls below its
        inverse. The fraction of events that hit the clip is ``clip_fraction_``, and a
        :class:`ClippedProbabilityWarning` is emitted when it exceeds
        :data:`CLIP_WARN_FRACTION`. ``0`` disables the clip.
    normalize : bool, default=True
        Scale the returned weights so that their net sum is the target's net weight
        sum (the reweighted original then predicts the target's event yields). ``False``
        returns ``original_weight * r(x)``, whose net sum is that of the original
        weights only approximately.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of :meth:`fit_predict_weights` and the default estimator. A
        user-supplied estimator keeps its own ``random_state``.
    n_jobs : int or None, default=None
        Threads of the default estimator (``None``: the CPUs this process may use). A
        user-supplied estimator keeps its own ``n_jobs``.

    Attributes
    ----------
    estimators_ : list of classifiers
        The fitted classifiers: one after :meth:`fit`, the ``cv`` fold models after
        :meth:`fit_predict_weights`. :meth:`predict_weights` uses the geometric mean of
        their density ratios.
    prior_ratios_ : ndarray of shape (n_estimators,)
        Each classifier's training net weight of the original class over the target's;
        the ratio is :math:`p / (1 - p)` times this factor (1 when the classes were
        balanced).
    target_net_weight_ : float
        Net weight sum of the target sample: the net sum of the returned weights when
        ``normalize=True``.
    ess_original_ : float
        Kish effective sample size of the original sample's weights.
    ess_reweighted_ : float
        Kish effective sample size of the reweighted original sample: cross-fitted after
        :meth:`fit_predict_weights`; on the training events themselves (optimistic)
        after :meth:`fit`.
    ess_target_ : float
        Kish effective sample size of the target sample's weights.
    clip_fraction_ : float
        Fraction of the original events whose probability was clipped, in the weights of
        the last fit.
    n_features_in_ : int
        Number of features.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when the samples are DataFrames with string column names.

    See Also
    --------
    reweighting_closure : Pulls and KS distances between reweighted original and target.

    Notes
    -----
    ``fit(original, target).predict_weights(original)`` weights each original event by a
    model that trained on it, which over-fits the target sample's fluctuations;
    :meth:`fit_predict_weights` does not (the pattern of scikit-learn's
    ``TargetEncoder.fit_transform``). Use it for the sample you reweight, and
    :meth:`predict_weights` for new events.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.reweight import Reweighter, reweighting_closure
    >>> rng = np.random.default_rng(0)
    >>> original = rng.normal(0.0, 1.0, size=(4000, 2))
    >>> target = rng.normal(0.3, 1.0, size=(4000, 2))
    >>> target_weight = np.where(rng.random(4000) < 0.1, -1.0, 1.0)  # 10 % negative
    >>> rw = Reweighter(random_state=0)
    >>> w = rw.fit_predict_weights(original, target, target_weight=target_weight)
    >>> round(float(w.sum()), 6) == float(target_weight.sum())
    True
    >>> closure = reweighting_closure(original, target, w, target_weight)
    >>> bool(np.all(np.abs(closure.pull) < 3))
    True
    """

    _parameter_constraints: dict[str, list[Any]] = {  # noqa: RUF012
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": [
            Interval(numbers.Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
        ],
        "clip": [Interval(numbers.Real, 0, 0.5, closed="left")],
        "normalize": ["boolean"],
        "random_state": ["random_state"],
        "n_jobs": [Interval(numbers.Integral, None, None, closed="neither"), None],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        cv: int | Any = 2,
        clip: float = 1e-3,
        normalize: bool = True,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.cv = cv
        self.clip = clip
        self.normalize = normalize
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting ----------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(
        self,
        original: Any,
        target: Any,
        original_weight: ArrayLike | None = None,
        target_weight: ArrayLike | None = None,
    ) -> Reweighter:
        """Train one classifier on all the original and target events.

        Parameters
        ----------
        original : array-like of shape (n_original, n_features)
            The sample to reweight.
        target : array-like of shape (n_target, n_features)
            The sample whose distribution the reweighted original should follow.
        original_weight, target_weight : array-like of shape (n_original,), \
(n_target,), default=None
            Signed event weights; ``None`` means unit weights. Each sample's net weight
            must be positive.

        Returns
        -------
        self : Reweighter
            Fitted reweighter.
        """
        X, y, w = self._validate_samples(original, target, original_weight, target_weight)
        rng = check_random_state(self.random_state)
        model, prior = self._fit_one(X, y, w, rng)
        self.estimators_ = [model]
        self.prior_ratios_ = np.array([prior])
        ratio, clipped = self._ratio(model, prior, X[y == 0])
        self._finish(w[y == 0] * ratio, clipped, w[y == 0])
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_predict_weights(
        self,
        original: Any,
        target: Any,
        original_weight: ArrayLike | None = None,
        target_weight: ArrayLike | None = None,
    ) -> NDArray[np.float64]:
        """Cross-fitted weights of the original events.

        The original and target events are split into ``cv`` folds; each original event
        is weighted by the classifier trained on the other folds, so that no event's
        weight comes from a model that saw it. The fold models are kept in
        ``estimators_`` for :meth:`predict_weights`.

        Parameters
        ----------
        original : array-like of shape (n_original, n_features)
            The sample to reweight.
        target : array-like of shape (n_target, n_features)
            The sample whose distribution the reweighted original should follow.
        original_weight, target_weight : array-like of shape (n_original,), \
(n_target,), default=None
            Signed event weights; ``None`` means unit weights.

        Returns
        -------
        ndarray of shape (n_original,)
            The new weights of the original events: ``original_weight`` times the
            density ratio, normalised to the target's net weight sum when ``normalize``.
        """
        X, y, w = self._validate_samples(original, target, original_weight, target_weight)
        rng = check_random_state(self.random_state)
        splitter: Any = self.cv
        if isinstance(splitter, numbers.Integral):
            seed = int(rng.randint(np.iinfo(np.int32).max))
            splitter = StratifiedKFold(int(splitter), shuffle=True, random_state=seed)
        n_original = int(np.count_nonzero(y == 0))
        ratio = np.full(n_original, np.nan)
        clipped = np.zeros(n_original, dtype=bool)
        models, priors = [], []
        for train, test in splitter.split(X, y):
            model, prior = self._fit_one(X[train], y[train], w[train], rng)
            apply = test[y[test] == 0]  # the original events are the first n_original
            ratio[apply], clipped[apply] = self._ratio(model, prior, X[apply])
            models.append(model)
            priors.append(prior)
        if np.isnan(ratio).any():
            raise ValueError(
                f"The cv splitter {splitter!r} left {int(np.isnan(ratio).sum())} original "
                "events out of every test fold; use a splitter whose test folds cover every "
                "event (a KFold-like splitter)."
            )
        self.estimators_ = models
        self.prior_ratios_ = np.array(priors)
        return self._finish(w[y == 0] * ratio, clipped, w[y == 0])

    # -- prediction -------------------------------------------------------------------
    def predict_weights(
        self, original: Any, original_weight: ArrayLike | None = None
    ) -> NDArray[np.float64]:
        """New weights of original events: their weights times the density ratio.

        Parameters
        ----------
        original : array-like of shape (n_samples, n_features)
            Events of the original distribution.
        original_weight : array-like of shape (n_samples,), default=None
            Their signed weights; ``None`` means unit weights.

        Returns
        -------
        ndarray of shape (n_samples,)
            Normalised to the target's net weight sum (``target_net_weight_``) when
            ``normalize``.
        """
        check_is_fitted(self, "estimators_")
        X = validate_data(self, original, reset=False, ensure_all_finite="allow-nan")
        w = check_sample_weight(original_weight, original, name="original_weight")
        log_ratio = np.zeros(X.shape[0])
        clipped = np.zeros(X.shape[0], dtype=bool)
        for model, prior in zip(self.estimators_, self.prior_ratios_, strict=True):
            ratio, hit = self._ratio(model, float(prior), X)
            log_ratio += np.log(ratio)
            clipped |= hit
        new = w * np.exp(log_ratio / len(self.estimators_))
        self._warn_clip(float(clipped.mean()) if clipped.size else 0.0)
        return self._normalize(new)

    # -- helpers ----------------------------------------------------------------------
    def _validate_samples(
        self,
        original: Any,
        target: Any,
        original_weight: ArrayLike | None,
        target_weight: ArrayLike | None,
    ) -> tuple[NDArray[Any], NDArray[np.intp], NDArray[np.float64]]:
        """Both samples as one array, the labels (0: original, 1: target), the weights."""
        Xo = validate_data(self, original, reset=True, ensure_all_finite="allow-nan")
        Xt = validate_data(self, target, reset=False, ensure_all_finite="allow-nan")
        # the samples as given: a weight Series must have the DataFrame's index
        wo = check_sample_weight(original_weight, original, name="original_weight")
        wt = check_sample_weight(target_weight, target, name="target_weight")
        why = "A density ratio needs a positive net weight in both samples."
        net_weight(wo, what="the original sample", why=why)
        self.target_net_weight_ = net_weight(wt, what="the target sample", why=why)
        self.ess_original_ = effective_sample_size(wo)
        self.ess_target_ = effective_sample_size(wt)
        X = np.concatenate([Xo, Xt])
        y = np.r_[np.zeros(Xo.shape[0], np.intp), np.ones(Xt.shape[0], np.intp)]
        return X, y, np.concatenate([wo, wt])

    def _fit_one(
        self,
        X: NDArray[Any],
        y: NDArray[np.intp],
        w: NDArray[np.float64],
        rng: np.random.RandomState,
    ) -> tuple[Any, float]:
        """Clone and fit the classifier on one training set; return it and its prior."""
        seed = int(rng.randint(np.iinfo(np.int32).max))
        balanced = balanced_class_weight(y, w)
        if self.estimator is None:
            fraction = effective_sample_size(balanced) / max(X.shape[0], 1)
            model = default_estimator(fraction, seed, self.n_jobs)
        else:
            model = clone(self.estimator)
        if not _accepts_sample_weight(model):
            if not np.all(w == 1.0):
                raise TypeError(
                    f"{type(model).__name__}.fit does not accept sample_weight, so it "
                    "cannot train on weighted samples. Use a classifier that does "
                    "(sklhep's BDTClassifier, the default, or MLPClassifier train on "
                    "signed weights), or a Pipeline whose last step does."
                )
            _fit(model, X, y, None)
            return model, _prior(w, y)
        _fit(model, X, y, balanced)
        return model, _prior(balanced, y)

    def _ratio(
        self, model: Any, prior: float, X: NDArray[Any]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The clipped density ratio of ``model`` on X, and which events hit the clip."""
        column = int(np.flatnonzero(np.asarray(model.classes_) == 1)[0])
        p = np.asarray(model.predict_proba(X), dtype=np.float64)[:, column]
        if not np.all(np.isfinite(p)):
            raise ValueError(
                f"{type(model).__name__}.predict_proba returned non-finite probabilities; "
                "the classifier did not train (check its parameters and the inputs)."
            )
        lo, hi = float(self.clip), 1.0 - float(self.clip)
        clipped = (p <= lo) | (p >= hi) if self.clip > 0 else np.zeros(p.shape, bool)
        p = np.clip(p, lo, hi)
        with np.errstate(divide="ignore"):
            ratio = p / (1.0 - p) * prior
        return ratio, clipped

    def _normalize(self, new: NDArray[np.float64]) -> NDArray[np.float64]:
        if not self.normalize:
            return new
        return normalize_weights(
            new, self.target_net_weight_, what="the reweighted original sample"
        )

    def _warn_clip(self, fraction: float) -> None:
        if fraction > CLIP_WARN_FRACTION:
            warnings.warn(
                f"{fraction:.1%} of the original events have a classifier probability at "
                f"the clip ({self.clip:g}), so their weights are bounded instead of set by "
                "the density ratio: the original sample lacks events where the target has "
                "them, or the classifier over-fits (regularise it, e.g. larger leaves).",
                ClippedProbabilityWarning,
                stacklevel=3,
            )

    def _finish(
        self,
        new: NDArray[np.float64],
        clipped: NDArray[np.bool_],
        original_weight: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """Normalise, record the guards and warn."""
        self.clip_fraction_ = float(clipped.mean()) if clipped.size else 0.0
        self._warn_clip(self.clip_fraction_)
        out = self._normalize(new)
        self.ess_reweighted_ = effective_sample_size(out)
        if self.ess_reweighted_ < ESS_COLLAPSE_FRACTION * self.ess_original_:
            warnings.warn(
                f"The reweighting leaves an effective sample size of "
                f"{self.ess_reweighted_:.1f} against {self.ess_original_:.1f} before "
                f"({self.ess_reweighted_ / self.ess_original_:.1%}): a few events carry "
                "most of the weight. The samples overlap poorly or the classifier "
                "over-fits; check the closure and regularise the classifier.",
                LowEffectiveSampleSizeWarning,
                stacklevel=3,
            )
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _accepts_sample_weight(model: Any) -> bool:
    """Whether ``fit`` takes ``sample_weight`` (a Pipeline: its last step's)."""
    if isinstance(model, Pipeline):
        return has_fit_parameter(model.steps[-1][1], "sample_weight")
    return has_fit_parameter(model, "sample_weight")


def _fit(model: Any, X: NDArray[Any], y: NDArray[np.intp], w: NDArray[np.float64] | None) -> None:
    """Fit with the weights routed the way the model takes them."""
    kwargs: dict[str, Any] = {}
    if w is not None:
        if isinstance(model, Pipeline) and not sklearn.get_config()["enable_metadata_routing"]:
            kwargs = {f"{model.steps[-1][0]}__sample_weight": w}
        else:
            kwargs = {"sample_weight": w}
    try:
        model.fit(X, y, **kwargs)
    except ValueError as exc:
        if w is not None and np.any(w < 0) and "negative" in str(exc).lower():
            raise ValueError(
                f"{type(model).__name__} refused the negative weights ({exc}). Reweighting "
                "with signed weights needs a classifier that trains on them: sklhep's "
                "BDTClassifier (the default) or MLPClassifier."
            ) from exc
        raise


@dataclass(frozen=True)
class ClosureResult:
    """What :func:`reweighting_closure` returns: one entry per feature."""

    #: The feature names (``x0``, ``x1``, ... for arrays).
    feature_names: list[str]
    #: Signed-weight mean of each feature in the reweighted original sample.
    mean_reweighted: NDArray[np.float64]
    #: Signed-weight mean of each feature in the target sample.
    mean_target: NDArray[np.float64]
    #: Statistical error of the target mean: weighted standard deviation over the square
    #: root of the target's Kish effective sample size.
    error_target: NDArray[np.float64]
    #: ``(mean_reweighted - mean_target) / error_target``.
    pull: NDArray[np.float64]
    #: The same difference over the two samples' errors added in quadrature.
    pull_combined: NDArray[np.float64]
    #: Weighted two-sample Kolmogorov-Smirnov distance (:func:`sklhep.metrics.ks_test`).
    ks_statistic: NDArray[np.float64]
    #: Its p-value, at the two samples' effective sizes.
    ks_pvalue: NDArray[np.float64]
    #: Gagunashvili's weighted two-sample :math:`\chi^2` of the normalised histograms
    #: (``two_sample_chi2`` in ``sklhep.metrics``, 20 quantile bins of the pooled sample);
    #: NaN for a feature with a single value.
    chi2_statistic: NDArray[np.float64]
    #: Its degrees of freedom (bins with events minus one; 0 where it is NaN).
    chi2_ndf: NDArray[np.int64]
    #: Its p-value.
    chi2_pvalue: NDArray[np.float64]

    def to_frame(self) -> Any:
        """The result as a pandas DataFrame, one row per feature."""
        import pandas as pd

        return pd.DataFrame(
            {
                "mean_reweighted": self.mean_reweighted,
                "mean_target": self.mean_target,
                "error_target": self.error_target,
                "pull": self.pull,
                "pull_combined": self.pull_combined,
                "ks_statistic": self.ks_statistic,
                "ks_pvalue": self.ks_pvalue,
                "chi2": self.chi2_statistic,
                "chi2_ndf": self.chi2_ndf,
                "chi2_pvalue": self.chi2_pvalue,
            },
            index=pd.Index(self.feature_names, name="feature"),
        )


def reweighting_closure(
    original: Any,
    target: Any,
    weights: ArrayLike | None,
    target_weight: ArrayLike | None = None,
) -> ClosureResult:
    r"""Does the reweighted original sample match the target, feature by feature?

    For each feature, the signed-weight means of the reweighted original and of the target
    are compared in units of the target mean's statistical error
    :math:`\sigma_t = s_t / \sqrt{n_t^\mathrm{eff}}` (:math:`s_t` the signed-weight standard
    deviation, :math:`n_t^\mathrm{eff}` Kish's effective sample size), and in units of
    both samples' errors added in quadrature; the weighted Kolmogorov-Smirnov distance
    and the weighted binned :math:`\chi^2` (Gagunashvili's test for weighted histograms,
    ROOT's ``Chi2Test("WW")``, on 20 quantile bins) compare the whole distributions. A
    reweighting that closes has pulls of order 1 and KS and :math:`\chi^2` p-values that
    are not small. The same call with the original weights gives the
    figures before reweighting.

    Evaluate the weights of :meth:`Reweighter.fit_predict_weights` (cross-fitted), or those
    of an independent sample; in-sample weights close too well.

    Parameters
    ----------
    original : array-like of shape (n_original, n_features)
        The original events (a DataFrame's columns name the features).
    target : array-like of shape (n_target, n_features)
        The target events, with the same features.
    weights : array-like of shape (n_original,) or None
        The original events' weights after reweighting (signed).
    target_weight : array-like of shape (n_target,), default=None
        The target's signed weights; ``None`` means unit weights.

    Returns
    -------
    ClosureResult
        Per-feature means, errors, pulls, KS and :math:`\chi^2` results;
        ``.to_frame()`` makes a table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.reweight import reweighting_closure
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2000, 1))
    >>> result = reweighting_closure(x, x + 1.0, None)
    >>> round(float(result.pull[0]))
    -45
    """
    Xo = _as_2d(original, "original")
    Xt = _as_2d(target, "target")
    if Xo.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"original has {Xo.shape[1]} features but target has {Xt.shape[1]}; pass the "
            "same features (columns) for both samples."
        )
    wo = check_sample_weight(weights, Xo, name="weights")
    wt = check_sample_weight(target_weight, Xt, name="target_weight")
    names = [str(c) for c in getattr(original, "columns", [])] or [
        f"x{i}" for i in range(Xo.shape[1])
    ]
    fields: dict[str, list[float]] = {
        k: [] for k in ("mo", "mt", "et", "eo", "ks", "p", "chi2", "ndf", "chi2_p")
    }
    ess_o, ess_t = effective_sample_size(wo), effective_sample_size(wt)
    for j in range(Xo.shape[1]):
        xo, xt = Xo[:, j], Xt[:, j]
        ko, kt = ~np.isnan(xo), ~np.isnan(xt)  # NaN (a missing feature) is left out
        fields["mo"].append(float(weighted_mean(xo[ko], wo[ko])))
        fields["mt"].append(float(weighted_mean(xt[kt], wt[kt])))
        fields["eo"].append(float(weighted_std(xo[ko], wo[ko])) / np.sqrt(max(ess_o, 1e-300)))
        fields["et"].append(float(weighted_std(xt[kt], wt[kt])) / np.sqrt(max(ess_t, 1e-300)))
        ks = ks_test(xo[ko], xt[kt], weights_train=wo[ko], weights_test=wt[kt])
        fields["ks"].append(ks.statistic)
        fields["p"].append(ks.pvalue)
        try:
            chi2 = two_sample_chi2(xo[ko], xt[kt], weights1=wo[ko], weights2=wt[kt])
        except ValueError:  # a single value: nothing to bin (the pulls and KS still hold)
            if np.unique(np.r_[xo[ko], xt[kt]]).shape[0] > 1:
                raise
            chi2 = None
        fields["chi2"].append(np.nan if chi2 is None else chi2.statistic)
        fields["ndf"].append(0 if chi2 is None else chi2.ndf)
        fields["chi2_p"].append(np.nan if chi2 is None else chi2.pvalue)
    mo, mt, et, eo = (np.array(fields[k]) for k in ("mo", "mt", "et", "eo"))
    with np.errstate(divide="ignore", invalid="ignore"):
        pull = (mo - mt) / et
        pull_combined = (mo - mt) / np.hypot(et, eo)
    return ClosureResult(
        feature_names=names,
        mean_reweighted=mo,
        mean_target=mt,
        error_target=et,
        pull=pull,
        pull_combined=pull_combined,
        ks_statistic=np.array(fields["ks"]),
        ks_pvalue=np.array(fields["p"]),
        chi2_statistic=np.array(fields["chi2"]),
        chi2_ndf=np.array(fields["ndf"], dtype=np.int64),
        chi2_pvalue=np.array(fields["chi2_p"]),
    )


def _as_2d(X: Any, name: str) -> NDArray[np.float64]:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (events x features), got {arr.ndim}-d.")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values; only NaN (missing) is allowed.")
    return arr
