"""Train the MLP and the BDT with event-number cross-evaluation, measure, and report."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklhep
from sklhep import metrics
from sklhep._device import effective_n_threads
from sklhep.bench._config import BAYES_LABEL, OVERTRAINING_P, BenchConfig, BenchError
from sklhep.bench._data import BenchData, describe, load_data
from sklhep.bench._decorrelate import min_decorrelation_batch
from sklhep.bench._decorrelate import scan as decorrelation_scan
from sklhep.bench._report import prepare_output_dir, progress_bar, write_reports
from sklhep.bench._summary import print_summary
from sklhep.exceptions import ConvergenceWarning
from sklhep.model_selection import CrossEvaluator, EventNumberKFold
from sklhep.weights import WeightSums, effective_sample_size, normalize_weights

__all__ = [
    "REJECTION_EFFICIENCIES",
    "TrainingPlan",
    "bayes_optimal",
    "run_bench",
    "training_plan",
]

REJECTION_EFFICIENCIES = (0.3, 0.5, 0.7, 0.9)
#: The significance scan skips cuts whose selected background is estimated from fewer
#: effective MC events than this: with signed weights a tight cut can leave a background
#: that cancels to ~0 and an absurd Z.
MIN_BACKGROUND_ESS = 10.0
N_PERMUTATION_EVENTS = 20_000
N_RESOLUTION_BINS = 8


def _log_target(model: Any) -> TransformedTargetRegressor:
    """Regress log(y): relative errors count the same at 10 and at 1000 GeV."""
    return TransformedTargetRegressor(
        regressor=model, func=np.log, inverse_func=np.exp, check_inverse=False
    )


def _final_estimator(model: Any) -> Any:
    if isinstance(model, TransformedTargetRegressor):
        model = model.regressor_
    return model[-1] if isinstance(model, Pipeline) else model


#: The MLP's batch size, when ``--batch-size`` is not given: the training events of one fold
#: model divided by ``AUTO_BATCHES_PER_EPOCH``, within ``[MIN_BATCH_SIZE, MAX_BATCH_SIZE]``
#: (``MAX_BATCH_SIZE_QUICK`` with ``--quick``), so that a small sample still gets many
#: optimiser steps per epoch.
AUTO_BATCHES_PER_EPOCH = 50
MIN_BATCH_SIZE = 32
MAX_BATCH_SIZE = 1024
MAX_BATCH_SIZE_QUICK = 512
#: The MLP's epoch cap, when ``--max-epochs`` is not given: enough epochs for ``MIN_STEPS``
#: optimiser steps, within ``EPOCH_RANGE`` (normal, ``--quick``). Early stopping usually
#: ends the fit before the cap.
MIN_STEPS = {False: 5000, True: 1000}
EPOCH_RANGE = {False: (30, 300), True: (10, 100)}
#: The MLP's early-stopping patience: enough epochs for ``PATIENCE_STEPS`` optimiser steps
#: without improvement, within ``PATIENCE_RANGE`` epochs (a small sample's validation loss
#: is noisy, and a patience of 5 epochs of 44 steps stopped it early).
PATIENCE_STEPS = {False: 500, True: 200}
PATIENCE_RANGE = (5, 20)
#: The BDT's early-stopping patience (rounds without improvement).
BDT_PATIENCE = 20

#: How each family treats missing (NaN) feature values, as the report states it.
MLP_MISSING = (
    "median imputation with a missing-value indicator per feature that has NaN "
    "(SimpleImputer(strategy='median', add_indicator=True)) before the StandardScaler"
)
BDT_MISSING = (
    "xgboost's native missing-value handling: each split sends NaN to the side learned in "
    "training (no imputation)"
)


@dataclasses.dataclass(frozen=True)
class TrainingPlan:
    """What the models are trained with, fixed before training from the options and the
    number of events; recorded in the report (``models.<M>.settings``)."""

    n_train: int  # training events of one fold model (validation set held out)
    batch_size: int
    batch_size_rule: str
    max_epochs: int
    max_epochs_rule: str
    patience: int  # the MLP's n_iter_no_change
    patience_rule: str
    n_estimators: int
    impute: bool  # the data have NaN: the MLP imputes (the BDT never does)


def training_plan(
    config: BenchConfig,
    n_events: int,
    *,
    missing: bool = False,
    min_batch_size: int | None = None,
) -> TrainingPlan:
    """The MLP's batch size and epoch cap (given, or scaled with the training events), the
    BDT's trees, and whether the MLP imputes missing values.

    The automatic batch size is ``clip(n_train / 50, 32, 1024)`` (512 with ``--quick``),
    where ``n_train`` is the training events of one fold model; the automatic epoch cap
    gives at least 5,000 optimiser steps (1,000 with ``--quick``) within 30–300 epochs
    (10–100); the early-stopping patience is 500 steps (200), within 5–20 epochs. On
    200,000 events that is batch 1024, 43 epochs and patience 5 (formerly a fixed 30
    epochs); on the 2,304 Z→μμ events of ``zmumu_2010`` it is batch 32, 114 epochs and
    patience 12, where the fixed setting left the MLP unconverged after 60 steps.
    ``min_batch_size`` (``--decorrelate``: enough background events per batch for DisCo)
    raises the automatic batch size to at least that.
    """
    folds = config.n_folds
    kept = 1.0 - config.holdout if config.early_stopping else 1.0
    n_train = max(1, int(n_events * (folds - 1) / folds * kept))
    quick = bool(config.quick)
    if config.batch_size is not None:
        batch_size, batch_rule = config.batch_size, "--batch-size"
    else:
        high = MAX_BATCH_SIZE_QUICK if quick else MAX_BATCH_SIZE
        low = MIN_BATCH_SIZE
        if min_batch_size is not None and min_batch_size > low:
            low = min_batch_size
            high = max(high, low)
        batch_size = int(np.clip(round(n_train / AUTO_BATCHES_PER_EPOCH), low, high))
        batch_rule = (
            f"auto: {n_train} training events per fold model / {AUTO_BATCHES_PER_EPOCH}, "
            f"within [{low}, {high}]"
        )
        if low != MIN_BATCH_SIZE:
            batch_rule += " (the lower bound: --decorrelate's background events per batch)"
    if config.max_epochs is not None:
        max_epochs, epoch_rule = config.max_epochs, "--max-epochs"
    else:
        steps_per_epoch = math.ceil(n_train / batch_size)
        low, high = EPOCH_RANGE[quick]
        max_epochs = int(np.clip(math.ceil(MIN_STEPS[quick] / steps_per_epoch), low, high))
        epoch_rule = (
            f"auto: at least {MIN_STEPS[quick]} optimiser steps ({steps_per_epoch} per epoch), "
            f"within [{low}, {high}] epochs"
        )
    steps_per_epoch = math.ceil(n_train / batch_size)
    low, high = PATIENCE_RANGE
    patience = int(np.clip(math.ceil(PATIENCE_STEPS[quick] / steps_per_epoch), low, high))
    patience_rule = (
        f"auto: {PATIENCE_STEPS[quick]} optimiser steps ({steps_per_epoch} per epoch), "
        f"within [{low}, {high}] epochs"
    )
    n_estimators = _default(config.n_estimators, 100 if quick else 400)
    return TrainingPlan(
        n_train,
        batch_size,
        batch_rule,
        max_epochs,
        epoch_rule,
        patience,
        patience_rule,
        n_estimators,
        bool(missing),
    )


def _make_model(
    name: str,
    config: BenchConfig,
    positive_target: bool = False,
    plan: TrainingPlan | None = None,
) -> Any:
    if plan is None:
        plan = training_plan(config, config.generated_events)
    model = _make_base_model(name, config, plan)
    if config.task == "regression" and positive_target:
        return _log_target(model)
    return model


def _default(value: int | None, default: int) -> int:
    """``value``, or ``default`` when it is None (not when it is 0: that is an error)."""
    return default if value is None else value


def _make_base_model(name: str, config: BenchConfig, plan: TrainingPlan) -> Any:
    seed = config.random_state
    classifier = config.task != "regression"
    class_weight = {"class_weight": config.class_weight} if classifier else {}
    if name == "mlp":
        from sklhep import MLPClassifier, MLPRegressor

        cls = MLPClassifier if classifier else MLPRegressor
        mlp = cls(
            hidden_layer_sizes=(64, 32, 32),
            max_epochs=plan.max_epochs,
            batch_size=plan.batch_size,
            early_stopping=config.early_stopping,
            validation_fraction=config.holdout,
            n_iter_no_change=plan.patience,
            device=config.device,
            n_jobs=config.threads,
            random_state=seed,
            **class_weight,
        )
        steps: list[tuple[str, Any]] = [("scaler", StandardScaler()), ("mlp", mlp)]
        if plan.impute:
            imputer = SimpleImputer(strategy="median", add_indicator=True)
            steps.insert(0, ("imputer", imputer))
        return Pipeline(steps)
    from sklhep import BDTClassifier, BDTRegressor

    cls = BDTClassifier if classifier else BDTRegressor
    # no imputation: xgboost handles NaN natively (BDT_MISSING)
    return cls(
        n_estimators=plan.n_estimators,
        max_depth=6,
        learning_rate=0.1,
        min_child_weight=10.0,  # net events per leaf: steadier with signed weights
        early_stopping=config.early_stopping,
        validation_fraction=config.holdout,
        n_iter_no_change=BDT_PATIENCE,
        device=config.device,
        n_jobs=config.threads,
        random_state=seed,
        **class_weight,
    )


def _settings(name: str, config: BenchConfig, plan: TrainingPlan, model: Any) -> dict[str, Any]:
    """The settings of one family, for the report (``models.<M>.settings``)."""
    est = _final_estimator_unfitted(model)
    out: dict[str, Any] = {
        "early_stopping": config.early_stopping,
        "validation_fraction": config.holdout if config.early_stopping else None,
        "n_iter_no_change": est.n_iter_no_change if config.early_stopping else None,
        "class_weight": getattr(est, "class_weight", None),
        "threads": effective_n_threads(config.threads),
    }
    if name == "mlp":
        out.update(
            {
                "hidden_layer_sizes": list(est.hidden_layer_sizes),
                "learning_rate": est.learning_rate,
                "batch_size": est.batch_size,
                "batch_size_rule": plan.batch_size_rule,
                "max_epochs": est.max_epochs,
                "max_epochs_rule": plan.max_epochs_rule,
                "n_iter_no_change_rule": plan.patience_rule if config.early_stopping else None,
                "training_events_per_fold": plan.n_train,
                "missing_values": MLP_MISSING if plan.impute else None,
            }
        )
    else:
        out.update(
            {
                "n_estimators": est.n_estimators,
                "max_depth": est.max_depth,
                "learning_rate": est.learning_rate,
                "min_child_weight": est.min_child_weight,
                "missing_values": BDT_MISSING if plan.impute else None,
            }
        )
    return out


def _final_estimator_unfitted(model: Any) -> Any:
    if isinstance(model, TransformedTargetRegressor):
        model = model.regressor
    return model[-1] if isinstance(model, Pipeline) else model


def _convergence(
    name: str, config: BenchConfig, plan: TrainingPlan, cv: CrossEvaluator, caught: list[str]
) -> dict[str, Any]:
    """Did a fold model stop at its cap while its validation loss was still improving?

    The MLP: ``n_epochs_ == max_epochs`` with its best epoch the last (the rule of its
    :class:`~sklhep.exceptions.ConvergenceWarning`, whose messages are kept in
    ``warnings``). The BDT: all ``n_estimators`` trees grown, so early stopping never ended
    the fit. Without early stopping there is no validation loss and nothing is checked.
    """
    fits = [_final_estimator(m) for m in cv.estimators_]
    if not config.early_stopping:
        return {"checked": False, "converged": None, "folds_at_cap": [], "warnings": caught}
    if name == "mlp":
        cap = plan.max_epochs
        at_cap = [
            i
            for i, est in enumerate(fits)
            if est.n_epochs_ >= cap and est.best_epoch_ >= est.n_epochs_
        ]
        stopped = [int(est.n_epochs_) for est in fits]
        message = (
            f"the MLP stopped at the epoch cap (max_epochs={cap}) while its validation loss "
            f"was still improving in {len(at_cap)} of {len(fits)} folds: it has not "
            "converged, and this comparison understates it; raise --max-epochs or lower "
            "--batch-size"
        )
    else:
        cap = plan.n_estimators
        at_cap = [i for i, est in enumerate(fits) if est.n_estimators_ >= cap]
        stopped = [int(est.n_estimators_) for est in fits]
        message = (
            f"the BDT grew all {cap} trees (n_estimators) before early stopping ended it in "
            f"{len(at_cap)} of {len(fits)} folds: its validation loss was still improving, "
            "and this comparison may understate it; raise --n-estimators"
        )
    return {
        "checked": True,
        "converged": not at_cap,
        "cap": cap,
        "stopped_at": stopped,
        "folds_at_cap": at_cap,
        "message": message if at_cap else None,
        "warnings": caught,
    }


def _fit_recording_convergence(cv: CrossEvaluator, data: BenchData) -> list[str]:
    """Fit ``cv``; return the messages of the :class:`ConvergenceWarning` s of the fit (the
    report states them) and re-emit any other warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        cv.fit(data.X, data.y, groups=data.event, sample_weight=data.sample_weight)
    messages: list[str] = []
    for record in caught:
        if issubclass(record.category, ConvergenceWarning):
            if str(record.message) not in messages:
                messages.append(str(record.message))
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return messages


def _signal_column(data: BenchData, classes: np.ndarray) -> int:
    """The ``predict_proba`` column of the signal class (``data.signal_label``)."""
    matches = np.flatnonzero(np.asarray(classes) == data.signal_label)
    if matches.shape[0] != 1:
        raise ValueError(
            f"The signal class {data.signal_label!r} is not one of the classes "
            f"{np.asarray(classes).tolist()}."
        )
    return int(matches[0])


def _lumi_weights(config: BenchConfig, is_signal: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weights normalised to the signal and background yields of a luminosity.

    Generated data: signal sums to ``signal_yield`` and background to ``background_yield``.
    ROOT data: the weights as read (times ``sample_scale``), assumed normalised already.
    """
    if config.from_root:
        return w
    return normalize_weights(
        w,
        {1: config.signal_yield, 0: config.background_yield},
        groups=is_signal,
        what="the generated events",
    )


def _predict_column(model: Any, column: int, X: pd.DataFrame) -> np.ndarray:
    """One column of ``model.predict_proba(X)``."""
    return np.asarray(model.predict_proba(X)[:, column])


def _permutation_importance(
    predict: Callable[[pd.DataFrame], np.ndarray],
    X: pd.DataFrame,
    names: list[str],
    score: Callable[[np.ndarray], float],
    rng: np.random.Generator,
) -> dict[str, float]:
    """Drop of the weighted score when each feature is shuffled (one repeat).

    ``X`` keeps its column names: the fold models were fitted with them."""
    base = score(predict(X))
    out = {}
    for j, name in enumerate(names):
        shuffled = X.copy()
        shuffled.iloc[:, j] = rng.permutation(shuffled.iloc[:, j].to_numpy())
        out[name] = float(base - score(predict(shuffled)))
    return out


def _score_metrics(
    config: BenchConfig,
    data: BenchData,
    truth: np.ndarray,
    score: np.ndarray,
    proba: np.ndarray,
) -> dict[str, Any]:
    """Weighted AUC, background rejections and the best Asimov significance of a signal
    ``score`` (and of the class probabilities ``proba``, for the multi-class AUC) on all
    events, with their weights: the same for a model and for the Bayes-optimal posterior."""
    y, w = data.y, data.sample_weight
    if config.task == "binary":
        auc = metrics.roc_auc_score(truth, score, sample_weight=w)
    else:
        auc = metrics.roc_auc_score(y, proba, sample_weight=w, multi_class="ovr")
    rejection = {
        f"{eff:g}": metrics.background_rejection(
            truth, score, signal_efficiency=eff, sample_weight=w
        )
        for eff in REJECTION_EFFICIENCIES
    }
    best = metrics.max_significance(
        truth,
        score,
        sample_weight=_lumi_weights(config, truth, w),
        min_background_ess=MIN_BACKGROUND_ESS,
    )
    return {
        "auc": float(auc),
        "background_rejection": {k: float(v) for k, v in rejection.items()},
        "max_significance": {
            "cut": float(best.cut),
            "significance": float(best.significance),
            "s": float(best.s),
            "b": float(best.b),
            "min_background_ess": MIN_BACKGROUND_ESS,
        },
    }


def _overtraining(ks: dict[str, Any], n_eff: dict[str, float]) -> dict[str, Any]:
    """The overtraining verdict of the KS results ``ks`` (signal, background): flagged when
    a p-value is below ``OVERTRAINING_P``; ``message`` is the note of ``report.md``."""
    threshold = OVERTRAINING_P
    low = [c for c in ("signal", "background") if ks[c].pvalue < threshold]
    message = None
    if low:
        found = "; ".join(
            f"{c}: KS p = {ks[c].pvalue:.2g}, distance D = {ks[c].statistic:.3f}, where "
            f"fluctuations alone give D ≈ 1/√n_eff = {1 / math.sqrt(n_eff[c]):.3f} "
            f"(n_eff = {n_eff[c]:.0f})"
            for c in low
        )
        message = (
            "the first fold model scores its training events differently from its test "
            f"events (KS p < {threshold:g}; {found}). D is the largest gap between the two "
            "score CDFs: a D of a percent or two on a large sample is a real but small "
            "difference, and the metrics above are all measured on test events; a D of 0.05 "
            "or more means the model learned its training events' fluctuations: use more "
            "events, fewer --n-estimators / --max-epochs, or keep early stopping on"
        )
    return {
        "ks_p_signal": float(ks["signal"].pvalue),
        "ks_p_background": float(ks["background"].pvalue),
        "ks_distance_signal": float(ks["signal"].statistic),
        "ks_distance_background": float(ks["background"].statistic),
        "flagged": bool(low),
        "threshold": threshold,
        "message": message,
    }


def _classification_metrics(
    config: BenchConfig, data: BenchData, cv: CrossEvaluator, proba: np.ndarray
) -> dict[str, Any]:
    y, w = data.y, data.sample_weight
    column = _signal_column(data, _final_estimator(cv.estimators_[0]).classes_)
    truth = (y == data.signal_label).astype(int)
    score = proba[:, column]
    result = _score_metrics(config, data, truth, score, proba)
    # TMVA's overtraining check on the first fold's model: its training vs its test events
    test = np.asarray(cv.cv.split(data.X, y, data.event).__next__()[1])
    train = np.setdiff1d(np.arange(len(y)), test)
    model0 = cv.estimators_[0]
    overtraining = {
        "train_idx": train,
        "test_idx": test,
        "train_score": model0.predict_proba(data.X.iloc[train])[:, column],
        "test_score": score[test],
    }
    ks = {}
    n_eff = {}
    for name, value in (("signal", 1), ("background", 0)):
        tr, te = truth[train] == value, truth[test] == value
        ks[name] = metrics.ks_test(
            overtraining["train_score"][tr],
            overtraining["test_score"][te],
            weights_train=w[train][tr],
            weights_test=w[test][te],
        )
        n1, n2 = effective_sample_size(w[train][tr]), effective_sample_size(w[test][te])
        n_eff[name] = n1 * n2 / (n1 + n2)
    return {
        **result,
        "ks_pvalue": {name: float(r.pvalue) for name, r in ks.items()},
        "overtraining": _overtraining(ks, n_eff),
        "_overtraining": overtraining,
        "_signal_score": score,
        "_truth": truth,
    }


def bayes_optimal(config: BenchConfig, data: BenchData) -> dict[str, Any] | None:
    """The metrics of the Bayes-optimal classifier of the built-in generators: their
    analytic posterior :math:`P(k \\mid x)` (:meth:`sklhep.datasets.GeneratorTruth.posterior`)
    as its score, on the same events with the same weights as the models.

    None for ROOT input and for a regression (no posterior). The keys ``_signal_score`` and
    ``_truth`` (for the ROC plot) are popped by the caller before the report is written.
    """
    if data.truth is None or config.task == "regression":
        return None
    proba = np.asarray(data.truth.posterior(data.X))
    # the posterior's columns are the generator's labels 0..K-1, in order
    truth = (data.y == data.signal_label).astype(int)
    score = proba[:, int(data.signal_label)]
    result = _score_metrics(config, data, truth, score, proba)
    return {
        "label": BAYES_LABEL,
        "source": f"analytic posterior of {data.source}",
        **result,
        "_signal_score": score,
        "_truth": truth,
    }


def _regression_metrics(data: BenchData, pred: np.ndarray) -> dict[str, Any]:
    y, w = data.y.astype(np.float64), data.sample_weight
    res = metrics.resolution(y, pred, sample_weight=w, relative=True, method="central68")
    bias = metrics.bias(y, pred, sample_weight=w, relative=True)
    edges = np.unique(np.quantile(y, np.linspace(0, 1, N_RESOLUTION_BINS + 1)))
    # each event's bin, [lo, hi) and the last bin closed (the edges span all of y)
    n_bins = edges.shape[0] - 1
    index = np.minimum(np.searchsorted(edges, y, side="right") - 1, max(n_bins - 1, 0))
    sums = WeightSums.from_weights(w, index, max(n_bins, 1))
    binned = []
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        # bins with too few events or a non-positive net weight are left out
        if sums.n_events[i] < 10 or not sums.net[i] > 0:
            continue
        m = index == i
        binned.append(
            {
                "target_low": float(lo),
                "target_high": float(hi),
                "n_events": int(sums.n_events[i]),
                "resolution": float(
                    metrics.resolution(
                        y[m], pred[m], sample_weight=w[m], relative=True, method="central68"
                    )
                ),
                "bias": float(metrics.bias(y[m], pred[m], sample_weight=w[m], relative=True)),
            }
        )
    return {"resolution": float(res), "bias": float(bias), "binned": binned}


def _training_info(model: Any) -> dict[str, Any]:
    est = _final_estimator(model)
    info: dict[str, Any] = {"history": getattr(est, "history_", None)}
    if hasattr(est, "n_epochs_"):
        info["n_epochs"] = int(est.n_epochs_)
    if hasattr(est, "best_iteration_"):
        info["best_iteration"] = int(est.best_iteration_)
    return info


def check_device(config: BenchConfig) -> None:
    """Raise :class:`BenchError` if ``--device`` names a device a model cannot use."""
    from sklhep._device import Library, resolve_device

    libraries: dict[str, Library] = {"mlp": "torch", "bdt": "xgboost"}
    for name in config.models:
        try:
            resolve_device(config.device, libraries[name])
        except ValueError as exc:
            raise BenchError(f"--device {config.device}: {exc}") from None


def preflight(config: BenchConfig) -> None:
    """Every check that can run before the data are read: options, device, ``--out``."""
    config.validate()  # again: the fields may have been changed since construction
    check_device(config)
    prepare_output_dir(config.out, overwrite=config.overwrite)


def run_bench(config: BenchConfig) -> dict[str, Any]:
    """Run the benchmark described by ``config``; write and return the report.

    Bad options, a device that is not there and an ``--out`` folder that is not empty (without
    ``overwrite``) or not writable raise :class:`BenchError` before any data are read.
    """
    preflight(config)
    if config.task == "reweight":
        from sklhep.bench._reweight import run_reweight

        return run_reweight(config)
    show = config.progress
    phases = 2 + 3 * len(config.models)
    if config.decorrelate is not None and config.lambdas is not None:
        phases += len(config.models) * (len(config.lambdas) - 1)
    with progress_bar(phases, show) as bar:
        bar.set_postfix_str("loading data")
        data = load_data(config)
        bar.update()
        report: dict[str, Any] = {
            "sklhep_version": sklhep.__version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "task": config.task,
            "folds": config.n_folds,
            "data": describe(data),
            "models": {},
        }
        extras: dict[str, Any] = {"data": data, "models": {}}
        min_batch = None
        if config.decorrelate is not None:
            report["data"]["protected"] = config.decorrelate
            min_batch = min_decorrelation_batch(data.y, data.signal_label)
        plan = training_plan(
            config,
            len(data.y),
            missing=bool(report["data"]["missing"]),
            min_batch_size=min_batch,
        )
        rng = np.random.default_rng(config.random_state)
        names = [str(c) for c in data.X.columns]
        for name in config.models:
            label = name.upper()
            positive = config.task == "regression" and bool(np.all(data.y > 0))
            model = _make_model(name, config, positive_target=positive, plan=plan)
            cv = CrossEvaluator(model, cv=EventNumberKFold(config.n_folds))
            bar.set_postfix_str(f"{label}: training {config.n_folds} folds")
            with sklearn.config_context(enable_metadata_routing=True):
                sklhep.request_sample_weight(cv)
                start = time.perf_counter()
                caught = _fit_recording_convergence(cv, data)
                fit_time = time.perf_counter() - start
            bar.update()
            bar.set_postfix_str(f"{label}: predicting")
            start = time.perf_counter()
            if config.task == "regression":
                out = cv.predict(data.X, groups=data.event)
            else:
                out = cv.predict_proba(data.X, groups=data.event)
            infer_time = time.perf_counter() - start
            bar.update()
            bar.set_postfix_str(f"{label}: metrics")
            result: dict[str, Any] = {
                "fit_time_s": fit_time,
                "inference_events_per_s": len(data.y) / max(infer_time, 1e-12),
            }
            if config.task == "regression":
                result.update(_regression_metrics(data, out))
                w = data.sample_weight
                sub = rng.choice(len(data.y), min(N_PERMUTATION_EVENTS, len(data.y)), False)
                ysub, wsub = data.y[sub], w[sub]

                def score(p, ysub=ysub, wsub=wsub):
                    return -metrics.resolution(ysub, p, sample_weight=wsub, method="central68")

                result["permutation_importance"] = _permutation_importance(
                    cv.estimators_[0].predict, data.X.iloc[sub], names, score, rng
                )
            else:
                result.update(_classification_metrics(config, data, cv, out))
                sub = rng.choice(len(data.y), min(N_PERMUTATION_EVENTS, len(data.y)), False)
                tsub, wsub = result["_truth"][sub], data.sample_weight[sub]
                model0 = cv.estimators_[0]
                column = _signal_column(data, _final_estimator(model0).classes_)

                def score(p, tsub=tsub, wsub=wsub):
                    return metrics.roc_auc_score(tsub, p, sample_weight=wsub)

                result["permutation_importance"] = _permutation_importance(
                    functools.partial(_predict_column, model0, column),
                    data.X.iloc[sub],
                    names,
                    score,
                    rng,
                )
            est = _final_estimator(cv.estimators_[0])
            if hasattr(est, "feature_importances_"):
                result["feature_importances_gain"] = {
                    str(c): float(v)
                    for c, v in zip(
                        data.X.columns,
                        np.mean(
                            [_final_estimator(m).feature_importances_ for m in cv.estimators_],
                            axis=0,
                        ),
                        strict=True,
                    )
                }
            result.update(_training_info(cv.estimators_[0]))
            result["settings"] = _settings(name, config, plan, model)
            result["convergence"] = _convergence(name, config, plan, cv, caught)
            extras["models"][label] = {
                "prediction": out,
                "fit_time_s": fit_time,
                **{k: result.pop(k) for k in list(result) if k.startswith("_")},
            }
            report["models"][label] = result
            bar.update()
        best = bayes_optimal(config, data)
        if best is not None:
            extras["bayes_optimal"] = {k: best.pop(k) for k in list(best) if k.startswith("_")}
            report["bayes_optimal"] = best
            for measured in report["models"].values():
                measured["auc_below_bayes"] = best["auc"] - measured["auc"]
        if config.decorrelate is not None:
            reference = {
                label: (m["_truth"], m["_signal_score"], m["fit_time_s"])
                for label, m in extras["models"].items()
            }

            def step(what: str) -> None:
                bar.update()
                bar.set_postfix_str(f"decorrelation {what}")

            positive = False  # binary classification only

            def make(name: str) -> Any:
                return _make_model(name, config, positive_target=positive, plan=plan)

            report["decorrelation"], extras["decorrelation"] = decorrelation_scan(
                config, data, make, reference, step
            )
        bar.set_postfix_str("writing report and plots")
        write_reports(config, report, extras)
        bar.update()
    print_summary(report)
    return report
