"""Train the MLP and the BDT with event-number cross-evaluation, measure, and report."""

from __future__ import annotations

import functools
import itertools
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

import sklhep
from sklhep import metrics
from sklhep.bench._config import VALIDATION_FRACTION, BenchConfig, BenchError
from sklhep.bench._data import BenchData, describe, load_data
from sklhep.bench._report import prepare_output_dir, write_reports
from sklhep.bench._summary import print_summary
from sklhep.model_selection import CrossEvaluator, EventNumberKFold
from sklhep.weights import WeightSums, normalize_weights

__all__ = ["REJECTION_EFFICIENCIES", "run_bench"]

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


def _make_model(name: str, config: BenchConfig, positive_target: bool = False) -> Any:
    model = _make_base_model(name, config)
    if config.task == "regression" and positive_target:
        return _log_target(model)
    return model


def _default(value: int | None, default: int) -> int:
    """``value``, or ``default`` when it is None (not when it is 0: that is an error)."""
    return default if value is None else value


def _make_base_model(name: str, config: BenchConfig) -> Any:
    seed = config.random_state
    if name == "mlp":
        from sklhep import MLPClassifier, MLPRegressor

        cls = MLPRegressor if config.task == "regression" else MLPClassifier
        mlp = cls(
            hidden_layer_sizes=(64, 32, 32),
            max_epochs=_default(config.max_epochs, 10 if config.quick else 30),
            batch_size=512 if config.quick else 1024,
            early_stopping=True,
            validation_fraction=VALIDATION_FRACTION,
            n_iter_no_change=5,
            device=config.device,
            n_jobs=config.threads,
            random_state=seed,
        )
        return Pipeline([("scaler", StandardScaler()), ("mlp", mlp)])
    from sklhep import BDTClassifier, BDTRegressor

    cls = BDTRegressor if config.task == "regression" else BDTClassifier
    return cls(
        n_estimators=_default(config.n_estimators, 100 if config.quick else 400),
        max_depth=6,
        learning_rate=0.1,
        min_child_weight=10.0,  # net events per leaf: steadier with signed weights
        early_stopping=True,
        validation_fraction=VALIDATION_FRACTION,
        n_iter_no_change=20,
        device=config.device,
        n_jobs=config.threads,
        random_state=seed,
    )


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


def _classification_metrics(
    config: BenchConfig, data: BenchData, cv: CrossEvaluator, proba: np.ndarray
) -> dict[str, Any]:
    y, w = data.y, data.sample_weight
    column = _signal_column(data, _final_estimator(cv.estimators_[0]).classes_)
    truth = (y == data.signal_label).astype(int)
    score = proba[:, column]
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
    for name, value in (("signal", 1), ("background", 0)):
        tr, te = truth[train] == value, truth[test] == value
        ks[name] = float(
            metrics.ks_test(
                overtraining["train_score"][tr],
                overtraining["test_score"][te],
                weights_train=w[train][tr],
                weights_test=w[test][te],
            ).pvalue
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
        "ks_pvalue": ks,
        "_overtraining": overtraining,
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
    show = config.progress
    phases = 2 + 3 * len(config.models)
    with tqdm(
        total=phases,
        disable=not show,
        desc="sklhep bench",
        unit="step",
        file=sys.stderr,
        dynamic_ncols=True,
    ) as bar:
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
        rng = np.random.default_rng(config.random_state)
        names = [str(c) for c in data.X.columns]
        for name in config.models:
            label = name.upper()
            positive = config.task == "regression" and bool(np.all(data.y > 0))
            model = _make_model(name, config, positive_target=positive)
            cv = CrossEvaluator(model, cv=EventNumberKFold(config.n_folds))
            bar.set_postfix_str(f"{label}: training {config.n_folds} folds")
            with sklearn.config_context(enable_metadata_routing=True):
                sklhep.request_sample_weight(cv)
                start = time.perf_counter()
                cv.fit(data.X, data.y, groups=data.event, sample_weight=data.sample_weight)
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
            extras["models"][label] = {
                "prediction": out,
                **{k: result.pop(k) for k in list(result) if k.startswith("_")},
            }
            report["models"][label] = result
            bar.update()
        bar.set_postfix_str("writing report and plots")
        write_reports(config, report, extras)
        bar.update()
    print_summary(report)
    return report
