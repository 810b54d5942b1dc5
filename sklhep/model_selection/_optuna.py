"""Bayesian hyperparameter search with optuna on scikit-learn's search machinery.

:class:`OptunaSearchCV` is a scikit-learn ``BaseSearchCV``: optuna (ask/tell) proposes
batches of candidates, and scikit-learn's ``evaluate_candidates`` fits and scores them, so
metadata routing (``sample_weight``, ``groups``), :class:`EventNumberKFold`,
``cv_results_``, ``best_*``, ``refit`` and ``n_jobs`` behave exactly as in
``GridSearchCV``. Pruning reads the estimators' weighted validation loss per epoch (MLP)
or per boosting round (BDT) through :class:`MLPPruningCallback` and
:class:`BDTPruningCallback`. See ``docs/tuning.md``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from numbers import Integral
from typing import Any

import numpy as np
from joblib import effective_n_jobs  # type: ignore[import-untyped]
from sklearn.utils import check_random_state
from xgboost.callback import TrainingCallback

from sklhep import extras
from sklhep._sklearn_compat import BaseSearchCV, Interval, _routing_enabled
from sklhep.neural_network._callbacks import StopTraining
from sklhep.routing import UnweightedScoreWarning, scorer_takes_sample_weight

try:  # skorch is a dependency; the fallback keeps this module importable without it
    from skorch.callbacks import Callback as _SkorchCallback
except ImportError:  # pragma: no cover
    _SkorchCallback = object

__all__ = ["BDTPruningCallback", "MLPPruningCallback", "OptunaSearchCV"]

#: The name of the pruning callback the search adds to each candidate.
PRUNING_CALLBACK = "optuna_pruning"


# -- a trial that replays the pruner inside a fold fit ---------------------------------------
class _FoldTrial:
    """The optuna trial of one fold fit inside :class:`OptunaSearchCV`.

    A fold fit may run in another process, so it cannot report to the search's study. It
    carries a snapshot of the study's finished trials (their learning curves) and the
    pruner, replays them in a private in-memory study, and decides there whether its own
    curve is to be pruned. At the end of training it writes its curve to ``channel_dir``,
    from where the search reports it to the real trial. Copies (scikit-learn's ``clone``
    of the candidate's parameters, one per fold) start with an empty curve.
    """

    def __init__(
        self, pruner: Any, snapshot: list[Any], channel_dir: str, trial_number: int
    ) -> None:
        self.pruner = pruner
        self.snapshot = snapshot
        self.channel_dir = channel_dir
        self.trial_number = trial_number
        self.values: list[tuple[int, float]] = []
        self.pruned_step: int | None = None
        self._replay: Any = None

    def fresh(self) -> _FoldTrial:
        return _FoldTrial(self.pruner, self.snapshot, self.channel_dir, self.trial_number)

    def __deepcopy__(self, memo: dict[int, Any]) -> _FoldTrial:
        return self.fresh()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_replay"] = None  # rebuilt where it is used
        return state

    def _replay_trial(self) -> Any:
        if self._replay is None:
            optuna = extras.optuna()
            storage = optuna.storages.InMemoryStorage()
            name = "sklhep-fold-replay"
            with _optuna_quiet(optuna, 0):  # no "A new study created" per fold fit
                storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], name)
            study = optuna.Study(
                name, storage, sampler=optuna.samplers.RandomSampler(0), pruner=self.pruner
            )
            if self.snapshot:
                study.add_trials(self.snapshot)
            self._replay = study.ask()
        return self._replay

    def report(self, value: float, step: int) -> None:
        self.values.append((int(step), float(value)))
        self._replay_trial().report(float(value), int(step))

    def should_prune(self) -> bool:
        return bool(self._replay_trial().should_prune())

    def finish(self) -> None:
        """Write the fold's curve for the search (one file per fold fit)."""
        if not self.channel_dir or not os.path.isdir(self.channel_dir):
            return
        path = os.path.join(self.channel_dir, f"{self.trial_number}-{uuid.uuid4().hex}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"values": self.values, "pruned_step": self.pruned_step}, f)


def _missing_valid_loss(where: str) -> ValueError:
    return ValueError(
        f"Pruning reads the weighted validation loss, but {where} has none: the estimator "
        "holds out no validation set. Set early_stopping=True on the estimator (its "
        "validation_fraction of the training events gives the loss)."
    )


class _PruningMixin:
    """Reporting and copying shared by the two pruning callbacks."""

    trial: Any

    def _report(self, value: float | None, step: int, where: str) -> bool:
        """Report ``value``; True when the trial is to be pruned."""
        if self.trial is None:  # switched off (the search's refit)
            return False
        if value is None or not math.isfinite(value):
            raise _missing_valid_loss(where)
        self.trial.report(float(value), int(step))
        if not self.trial.should_prune():
            return False
        if isinstance(self.trial, _FoldTrial):
            self.trial.pruned_step = int(step)
            return True
        optuna = extras.optuna()
        raise optuna.TrialPruned(f"Pruned at step {step} (weighted validation loss {value:.6g}).")

    def _finish(self) -> None:
        if isinstance(self.trial, _FoldTrial):
            self.trial.finish()

    def _copy(self) -> Any:
        new = copy.copy(self)
        new.__dict__ = {k: v for k, v in self.__dict__.items() if not k.endswith("_")}
        # a real optuna trial is shared by every copy (a deep copy would disconnect it
        # from its study); a fold trial starts afresh
        if isinstance(self.trial, _FoldTrial):
            new.trial = self.trial.fresh()
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self._copy()

    def __sklearn_clone__(self) -> Any:
        return self._copy()


class MLPPruningCallback(_PruningMixin, _SkorchCallback):
    """A skorch callback that reports the MLP's weighted validation loss to optuna.

    Give it to :class:`~sklhep.MLPClassifier` / :class:`~sklhep.MLPRegressor` in
    ``callbacks=``, inside your own optuna objective. At the end of every epoch it reports
    ``valid_loss`` (the net-weighted validation loss, with ``early_stopping=True``) at
    step ``epoch`` and raises ``optuna.TrialPruned`` when the study's pruner says so.
    :class:`OptunaSearchCV` adds it to each candidate itself when given a ``pruner``.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial to report to. Copies of the callback (the estimators copy their
        callbacks at every fit, ``sklearn.clone`` copies them) share it.
    monitor : str, default="valid_loss"
        The history key reported.

    Examples
    --------
    >>> import numpy as np
    >>> import optuna
    >>> from sklhep import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
    >>> w = np.where(rng.random(300) < 0.1, -1.0, 1.0)
    >>> def objective(trial):
    ...     clf = MLPClassifier(
    ...         (8,),
    ...         learning_rate=trial.suggest_float("learning_rate", 1e-3, 1e-1, log=True),
    ...         max_epochs=3, early_stopping=True, n_jobs=1, random_state=0,
    ...         callbacks=[MLPPruningCallback(trial)],
    ...     ).fit(X, y, sample_weight=w)
    ...     return clf.history_[clf.best_epoch_ - 1]["valid_loss"]
    >>> study = optuna.create_study(
    ...     sampler=optuna.samplers.RandomSampler(seed=0),
    ...     pruner=optuna.pruners.MedianPruner(),
    ... )
    >>> study.optimize(objective, n_trials=2)  # MedianPruner prunes from the 6th trial on
    >>> [sorted(trial.intermediate_values) for trial in study.trials]  # one per epoch
    [[1, 2, 3], [1, 2, 3]]
    """

    def __init__(self, trial: Any, monitor: str = "valid_loss") -> None:
        self.trial = trial
        self.monitor = monitor

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        row = net.history[-1]
        if self._report(row.get(self.monitor), row["epoch"], "this MLP fit"):
            raise StopTraining

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        self._finish()


class BDTPruningCallback(_PruningMixin, TrainingCallback):
    """An xgboost callback that reports the BDT's weighted validation loss to optuna.

    Give it to :class:`~sklhep.BDTClassifier` / :class:`~sklhep.BDTRegressor` in
    ``callbacks=``, inside your own optuna objective. After every boosting round it
    reports sklhep's net-weighted validation loss (``evals_log["sklhep"]["valid_loss"]``,
    with ``early_stopping=True``) at step ``round + 1`` (the ``"epoch"`` of ``history_``)
    and raises ``optuna.TrialPruned`` when the study's pruner says so.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial to report to; shared by every copy of the callback.

    Examples
    --------
    A pruner that stops every trial whose validation loss exceeds 0.1 stops each fit
    after its first boosting round:

    >>> import numpy as np
    >>> import optuna
    >>> from sklhep import BDTClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
    >>> def objective(trial):
    ...     bdt = BDTClassifier(
    ...         n_estimators=5, max_depth=trial.suggest_int("max_depth", 1, 3),
    ...         early_stopping=True, device="cpu", n_jobs=1, random_state=0,
    ...         callbacks=[BDTPruningCallback(trial)],
    ...     ).fit(X, y)
    ...     return bdt.history_[-1]["valid_loss"]
    >>> study = optuna.create_study(
    ...     sampler=optuna.samplers.RandomSampler(seed=0),
    ...     pruner=optuna.pruners.ThresholdPruner(upper=0.1),
    ... )
    >>> study.optimize(objective, n_trials=2)
    >>> [(trial.state.name, sorted(trial.intermediate_values)) for trial in study.trials]
    [('PRUNED', [1]), ('PRUNED', [1])]

    Without pruning (``optuna.pruners.NopPruner``) the trial holds the whole curve, one
    value per round:

    >>> study = optuna.create_study(pruner=optuna.pruners.NopPruner())
    >>> study.optimize(objective, n_trials=1)
    >>> study.trials[0].state.name, sorted(study.trials[0].intermediate_values)
    ('COMPLETE', [1, 2, 3, 4, 5])
    """

    def __init__(self, trial: Any) -> None:
        super().__init__()
        self.trial = trial

    def after_iteration(self, model: Any, epoch: int, evals_log: Mapping[str, Any]) -> bool:
        values = evals_log.get("sklhep", {}).get("valid_loss")
        value = values[-1] if values else None
        return self._report(value, epoch + 1, "this BDT fit")

    def after_training(self, model: Any) -> Any:
        self._finish()
        return model


# -- the search ------------------------------------------------------------------------------
def _final_step(estimator: Any) -> tuple[str, Any]:
    """``(parameter prefix, estimator)`` of the model at the end of a Pipeline."""
    prefix = ""
    while hasattr(estimator, "steps"):
        name, estimator = estimator.steps[-1]
        prefix += f"{name}__"
    return prefix, estimator


@contextmanager
def _optuna_quiet(optuna: Any, verbose: int) -> Any:
    if verbose:
        yield
        return
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class OptunaSearchCV(BaseSearchCV):
    """Bayesian hyperparameter search with optuna, on scikit-learn's search machinery.

    Each round asks optuna's sampler for ``batch_size`` candidates (``study.ask``),
    evaluates them with scikit-learn's ``evaluate_candidates`` -- cross-validation with
    metadata routing, ``n_jobs`` parallel fits, ``error_score`` -- and tells optuna the
    mean test score. Everything ``GridSearchCV`` does works the same way: routed
    ``sample_weight`` reaches every fit and the scorer, ``groups`` reach the splitter
    (:class:`EventNumberKFold`), ``cv_results_``, ``best_params_``, ``best_score_``,
    ``best_estimator_`` (``refit``), ``predict``/``score``. The optuna study is
    ``study_``. Read more in ``docs/tuning.md``.

    Parameters
    ----------
    estimator : estimator object
        The model (or Pipeline) to tune.
    param_distributions : dict of str to optuna distribution
        ``optuna.distributions.FloatDistribution``, ``IntDistribution`` or
        ``CategoricalDistribution`` per parameter name (``step__param`` in a Pipeline).
        A list is taken as a categorical distribution of its values.
    n_trials : int, default=20
        The number of candidates this search evaluates (added to the study's trials).
    sampler : optuna sampler or None, default=None
        ``None``: ``optuna.samplers.TPESampler(seed=...)`` seeded from ``random_state``.
    pruner : optuna pruner or None, default=None
        Prune candidates from the weighted validation loss of their fold fits, per epoch
        (MLP) or boosting round (BDT); the estimator needs ``early_stopping=True``. A
        pruned fold fit stops and is scored as it is; the candidate is told to optuna as
        ``PRUNED`` (``cv_results_["trial_state"]``). Pruners that decide from the
        intermediate values (``MedianPruner``, ``PercentilePruner``, ``ThresholdPruner``,
        ``PatientPruner``, ``WilcoxonPruner``, ``NopPruner``) are supported;
        ``SuccessiveHalvingPruner`` and ``HyperbandPruner`` are not.
    scoring : str, callable, list, dict or None, default=None
        As in ``GridSearchCV``. Use :func:`sklhep.metrics.get_scorer` names (or
        :func:`sklhep.request_sample_weight`) for signed-weight scores. With several
        metrics, ``refit`` names the one optuna maximises.
    n_jobs : int or None, default=None
        Parallel fits (candidates x folds), as in ``GridSearchCV``.
    refit : bool or str, default=True
        Refit the best candidate on the whole data (``best_estimator_``).
    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV`` (5-fold); e.g. :class:`EventNumberKFold`.
    verbose : int, default=0
        scikit-learn's verbosity; optuna's INFO logging is shown when positive.
    pre_dispatch : int or str, default="2*n_jobs"
    random_state : int, RandomState or None, default=None
        Seeds the default TPE sampler: the same seed, data and ``batch_size`` give the
        same candidates (with seeded estimators, the same results).
    error_score : "raise" or float, default=np.nan
        As in ``GridSearchCV``; a candidate with failed fits is told as ``FAIL``.
    return_train_score : bool, default=False
    batch_size : int or None, default=None
        Candidates asked from optuna per round; ``None``: ``max(1, n_jobs)`` (all CPUs
        for ``n_jobs=-1``). Within a round the sampler does not see the others' results.
    storage : str, optuna storage or None, default=None
        An optuna storage (e.g. ``"sqlite:///study.db"``): several processes, or workers
        of a Dask cluster, running searches with the same ``storage`` and ``study_name``
        add their trials to one study, and each one's sampler sees all of them.
    study_name : str or None, default=None
        The study's name in ``storage`` (created, or loaded when it exists).

    Attributes
    ----------
    study_ : optuna.study.Study
        The study, with every trial (its params, its value -- the mean test score --, and
        with a pruner, its mean fold learning curve as intermediate values).
    cv_results_ : dict of ndarray
        As in ``GridSearchCV``, plus ``trial_number`` and ``trial_state``.
    best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_, \
refit_time_, multimetric_
        As in ``GridSearchCV``.

    Examples
    --------
    >>> import optuna
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(200, random_state=0)
    >>> search = OptunaSearchCV(
    ...     LogisticRegression(),
    ...     {"C": optuna.distributions.FloatDistribution(1e-3, 1e2, log=True)},
    ...     n_trials=4, cv=3, random_state=0,
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"]), len(search.study_.trials)
    (4, 4)
    >>> sorted(search.best_params_), list(search.cv_results_["trial_state"])
    (['C'], ['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE'])

    A BDT on signed weights, scored with sklhep's weighted ROC AUC and pruned on its
    per-round weighted validation loss (the study's trials hold the mean fold curves):

    >>> import numpy as np
    >>> from sklhep import BDTClassifier
    >>> w = np.where(np.random.default_rng(0).random(200) < 0.1, -1.0, 1.0)
    >>> bdt = BDTClassifier(
    ...     n_estimators=5, early_stopping=True, device="cpu", n_jobs=1, random_state=0)
    >>> search = OptunaSearchCV(
    ...     bdt,
    ...     {"max_depth": optuna.distributions.IntDistribution(1, 3)},
    ...     pruner=optuna.pruners.MedianPruner(), scoring="roc_auc",
    ...     n_trials=3, cv=2, random_state=0,
    ... ).fit(X, y, sample_weight=w)
    >>> sorted(search.best_params_), sorted(search.study_.trials[0].intermediate_values)
    (['max_depth'], [1, 2, 3, 4, 5])
    >>> "callbacks" in search.best_params_  # the pruning callback is not a parameter
    False
    """

    _parameter_constraints: dict = {  # noqa: RUF012
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict],
        "n_trials": [Interval(Integral, 1, None, closed="left")],
        "sampler": [None, object],
        "pruner": [None, object],
        "random_state": ["random_state"],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "storage": [None, str, object],
        "study_name": [None, str],
    }

    def __init__(
        self,
        estimator: Any,
        param_distributions: dict[str, Any],
        *,
        n_trials: int = 20,
        sampler: Any = None,
        pruner: Any = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        batch_size: int | None = None,
        storage: Any = None,
        study_name: str | None = None,
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_trials = n_trials
        self.sampler = sampler
        self.pruner = pruner
        self.random_state = random_state
        self.batch_size = batch_size
        self.storage = storage
        self.study_name = study_name

    # -- set-up ------------------------------------------------------------------------------
    def _distributions(self, optuna: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, dist in self.param_distributions.items():
            if isinstance(dist, (list, tuple)):
                dist = optuna.distributions.CategoricalDistribution(list(dist))
            if not isinstance(dist, optuna.distributions.BaseDistribution):
                raise TypeError(
                    f"param_distributions[{name!r}] is {dist!r}; give an optuna "
                    "distribution (optuna.distributions.FloatDistribution, "
                    "IntDistribution or CategoricalDistribution) or a list of values."
                )
            out[name] = dist
        if not out:
            raise ValueError("param_distributions is empty: give at least one parameter.")
        return out

    def _batch(self) -> int:
        if self.batch_size is not None:
            if self.batch_size < 1:
                raise ValueError(f"batch_size must be >= 1, got {self.batch_size}.")
            return int(self.batch_size)
        return max(1, int(effective_n_jobs(self.n_jobs)))

    def _make_study(self, optuna: Any) -> Any:
        sampler = self.sampler
        if sampler is None:
            seed = None
            if self.random_state is not None:
                seed = int(check_random_state(self.random_state).randint(2**31 - 1))
            sampler = optuna.samplers.TPESampler(seed=seed)
        pruner = self.pruner if self.pruner is not None else optuna.pruners.NopPruner()
        return optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            sampler=sampler,
            pruner=pruner,
            direction="maximize",
            load_if_exists=self.storage is not None,
        )

    def _pruning_key(self, optuna: Any) -> tuple[str, Any] | None:
        """``(callbacks parameter, pruning callback class)``; None without a pruner."""
        if self.pruner is None:
            return None
        unsupported = (optuna.pruners.SuccessiveHalvingPruner, optuna.pruners.HyperbandPruner)
        if isinstance(self.pruner, unsupported):
            raise ValueError(
                f"{type(self.pruner).__name__} is not supported by OptunaSearchCV: it keeps "
                "its rungs in the study storage, which fold fits in worker processes do not "
                "write. Use optuna.pruners.MedianPruner, PercentilePruner, ThresholdPruner "
                "or PatientPruner."
            )
        from sklhep.ensemble._bdt import _BaseBDT
        from sklhep.neural_network._mlp import _BaseMLP

        prefix, final = _final_step(self.estimator)
        if isinstance(final, _BaseMLP):
            cls: Any = MLPPruningCallback
        elif isinstance(final, _BaseBDT):
            cls = BDTPruningCallback
        else:
            raise ValueError(
                f"pruner= needs an sklhep MLP or BDT (possibly the last step of a Pipeline), "
                f"whose per-epoch/per-round validation loss it reads; got "
                f"{type(final).__name__}. Drop pruner= for other estimators."
            )
        if "callbacks" not in final.get_params(deep=False):
            raise ValueError(
                f"pruner= needs {type(final).__name__}(callbacks=...) to stop a fit early; "
                "this version of the estimator takes no callbacks."
            )
        if final.get_params(deep=False).get("early_stopping") is False:
            raise ValueError(
                "pruner= reads the weighted validation loss, which exists only with early "
                f"stopping: set early_stopping=True on the {type(final).__name__}."
            )
        key = f"{prefix}callbacks"
        if key in self.param_distributions:
            raise ValueError(f"{key!r} cannot be searched over together with pruner=.")
        return key, cls

    # -- the search loop ---------------------------------------------------------------------
    def _refit_metric(self) -> str:
        scoring = self.scoring
        if callable(scoring) or scoring is None or isinstance(scoring, str):
            return "score"
        if not isinstance(self.refit, str):
            raise ValueError(
                "With several metrics in scoring, set refit to the name of the metric "
                "optuna maximises (e.g. refit='roc_auc')."
            )
        return self.refit

    def _run_search(self, evaluate_candidates: Any) -> None:
        optuna = extras.optuna()
        distributions = self._distributions(optuna)
        metric = self._refit_metric()
        pruning = self._pruning_key(optuna)
        batch = self._batch()
        with _optuna_quiet(optuna, self.verbose):
            study = self._make_study(optuna)
        self.study_ = study
        self._trial_numbers: list[int] = []
        self._trial_states: list[str] = []
        channel_dir = tempfile.mkdtemp(prefix="sklhep-optuna-") if pruning else ""
        injected: list[Any] = []
        base_callbacks: list[Any] = []
        if pruning:
            base_callbacks = list(self.estimator.get_params()[pruning[0]] or [])
        try:
            n_done = 0
            while n_done < self.n_trials:
                k = min(batch, self.n_trials - n_done)
                with _optuna_quiet(optuna, self.verbose):
                    trials = [study.ask(distributions) for _ in range(k)]
                candidates = [dict(t.params) for t in trials]
                if pruning:
                    key, cls = pruning
                    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
                    snapshot = [
                        t for t in study.get_trials(states=finished) if t.intermediate_values
                    ]
                    for cand, trial in zip(candidates, trials, strict=True):
                        cb = cls(_FoldTrial(self.pruner, snapshot, channel_dir, trial.number))
                        injected.append(cb)
                        named = cls is MLPPruningCallback  # skorch takes (name, callback)
                        cand[key] = [*base_callbacks, (PRUNING_CALLBACK, cb) if named else cb]
                results = evaluate_candidates(candidates)
                scores = np.asarray(results[f"mean_test_{metric}"][-k:], dtype=float)
                with _optuna_quiet(optuna, self.verbose):
                    for trial, score in zip(trials, scores, strict=True):
                        state = self._tell(optuna, study, trial, score, channel_dir)
                        self._trial_numbers.append(trial.number)
                        self._trial_states.append(state)
                n_done += k
        finally:
            for cb in injected:  # the refit must not prune
                cb.trial = None
            if channel_dir:
                shutil.rmtree(channel_dir, ignore_errors=True)

    def _tell(self, optuna: Any, study: Any, trial: Any, score: float, channel_dir: str) -> str:
        pruned = False
        if channel_dir:
            curves: dict[int, list[float]] = {}
            for name in os.listdir(channel_dir):
                if not name.startswith(f"{trial.number}-"):
                    continue
                with open(os.path.join(channel_dir, name), encoding="utf-8") as f:
                    fold = json.load(f)
                pruned |= fold["pruned_step"] is not None
                for step, value in fold["values"]:
                    curves.setdefault(int(step), []).append(float(value))
            for step in sorted(curves):
                trial.report(float(np.mean(curves[step])), step)
        TrialState = optuna.trial.TrialState
        if pruned:
            study.tell(trial, state=TrialState.PRUNED)
            return "PRUNED"
        if not math.isfinite(score):
            study.tell(trial, state=TrialState.FAIL)
            return "FAIL"
        study.tell(trial, float(score))
        return "COMPLETE"

    # -- fit ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> OptunaSearchCV:
        """Run the search: ``n_trials`` candidates, then the refit of the best.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
        **params : dict
            ``sample_weight``, ``groups`` and other fit parameters, routed as in
            ``GridSearchCV``: with ``sklearn.set_config(enable_metadata_routing=True)``
            to whatever requests them; without routing, ``sample_weight`` goes to the
            estimator's ``fit`` and to scorers that accept it, ``groups`` to the splitter.

        Returns
        -------
        self : OptunaSearchCV
        """
        if params.get("sample_weight") is not None and not _routing_enabled():
            scorers, _ = self._get_scorers()
            if not scorer_takes_sample_weight(scorers):
                warnings.warn(
                    "OptunaSearchCV got sample_weight with metadata routing disabled, and "
                    "its scoring does not take sample_weight: the test scores are "
                    "UNWEIGHTED. Call sklearn.set_config(enable_metadata_routing=True) and "
                    "sklhep.request_sample_weight(search), or use an sklhep scorer "
                    "(scoring='roc_auc', ...).",
                    UnweightedScoreWarning,
                    stacklevel=2,
                )
        super().fit(X, y, **params)
        self._finish_results()
        return self

    def _finish_results(self) -> None:
        results = self.cv_results_
        results["trial_number"] = np.asarray(self._trial_numbers)
        results["trial_state"] = np.asarray(self._trial_states, dtype=object)
        if self.pruner is None:
            return
        prefix, _ = _final_step(self.estimator)
        key = f"{prefix}callbacks"
        results.pop(f"param_{key}", None)
        for p in results["params"]:
            p.pop(key, None)
        best: dict[str, Any] | None = getattr(self, "best_params_", None)
        if best is not None:
            self.best_params_ = {k: v for k, v in best.items() if k != key}
        if hasattr(self, "best_estimator_"):
            self.best_estimator_.set_params(**{key: self.estimator.get_params()[key]})
