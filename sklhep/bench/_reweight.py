"""``sklhep bench --task reweight``: reweight an original sample to a target sample.

:class:`sklhep.reweight.Reweighter` (cross-fitted ``fit_predict_weights``) with each of
``--models`` as its classifier; :func:`sklhep.reweight.reweighting_closure` before and after,
the effective sample size, the clip fraction, and a before/after plot per model.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import warnings
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklhep
from sklhep.bench._config import BenchConfig, BenchError, minimum_class_ess, minimum_class_events
from sklhep.bench._data import check_enough_events, missing_fractions, weights_summary
from sklhep.bench._report import jsonable, progress_bar
from sklhep.exceptions import LowEffectiveSampleSizeWarning
from sklhep.reweight import ClippedProbabilityWarning, Reweighter, reweighting_closure
from sklhep.weights import (
    balanced_class_weight,
    check_sample_weight,
    effective_sample_size,
    normalize_weights,
)

__all__ = [
    "ORIGINAL_SIGNAL_FRACTION",
    "TARGET_SIGNAL_FRACTION",
    "ReweightData",
    "load_reweight_data",
    "run_reweight",
]

#: The built-in pair: :func:`sklhep.datasets.make_signal_background` with this signal
#: fraction is the original, and with ``TARGET_SIGNAL_FRACTION`` the target. The true
#: density ratio is then known exactly from the generator's class densities.
ORIGINAL_SIGNAL_FRACTION = 0.25
TARGET_SIGNAL_FRACTION = 0.75
#: The MLP of ``--models mlp``: dropout 0.3, the setting that closes Z+jets
#: (docs/reweighting.md, "MLP defaults with signed weights"); epochs when not given.
MLP_DROPOUT = 0.3
MLP_EPOCHS = {False: 100, True: 30}
_DROPPED = ("weight", "label", "sample", "event")


@dataclasses.dataclass
class ReweightData:
    original: pd.DataFrame
    target: pd.DataFrame
    original_weight: np.ndarray
    target_weight: np.ndarray
    names: tuple[str, str]
    source: str
    #: The exact density ratio target/original at each original event (built-in pair
    #: only), up to normalisation.
    true_ratio: np.ndarray | None = None


def _true_ratio(original: pd.DataFrame, truth_o: Any, truth_t: Any) -> np.ndarray:
    """f_target(x) / f_original(x) of the two mixtures of the generator's classes."""
    logs = [truth_o.log_density(original, sample=k) for k in (0, 1)]

    def log_mix(truth: Any) -> np.ndarray:
        f = truth.class_fractions
        return np.logaddexp(np.log(f[0]) + logs[0], np.log(f[1]) + logs[1])

    return np.asarray(np.exp(log_mix(truth_t) - log_mix(truth_o)))


def load_reweight_data(config: BenchConfig) -> ReweightData:
    """The original and target samples: the first and second of ``--samples``, or the
    built-in pair (``make_signal_background`` at two signal fractions)."""
    if config.samples is not None:
        from sklhep.io import read_root

        names = tuple(config.samples)
        frames = []
        for name in names:
            try:
                df = read_root(
                    {name: config.samples[name]},
                    tree=str(config.tree),
                    branches=list(config.branches or []),
                    weight=config.weight,
                    cut=config.cut,
                    sample_scale=config.sample_scale,
                    max_entries=config.max_entries,
                )
            except (ValueError, TypeError, KeyError) as exc:
                raise BenchError(str(exc)) from exc
            frames.append(df)
        o, t = frames
        data = ReweightData(
            o.drop(columns=[c for c in _DROPPED if c in o.columns]),
            t.drop(columns=[c for c in _DROPPED if c in t.columns]),
            check_sample_weight(o["weight"].to_numpy(), len(o)),
            check_sample_weight(t["weight"].to_numpy(), len(t)),
            (str(names[0]), str(names[1])),
            "root",
        )
    else:
        from sklhep import datasets

        n = config.generated_events
        rng = np.random.default_rng(config.random_state)
        kwargs: dict[str, Any] = {}
        if config.n_features is not None:
            kwargs["n_features"] = config.n_features
        # LO-like original (positive weights), NLO-like target (signed weights): the net
        # density of each class is the same whatever the negative fraction
        o = datasets.make_signal_background(
            n // 2,
            signal_fraction=ORIGINAL_SIGNAL_FRACTION,
            negative_fraction=0.0,
            random_state=rng,
            **kwargs,
        )
        t = datasets.make_signal_background(
            n - n // 2,
            signal_fraction=TARGET_SIGNAL_FRACTION,
            negative_fraction=config.negative_fraction,
            random_state=rng,
            **kwargs,
        )
        features = o.attrs["truth"].columns
        data = ReweightData(
            o[features],
            t[features],
            check_sample_weight(o["weight"].to_numpy(), len(o)),
            check_sample_weight(t["weight"].to_numpy(), len(t)),
            ("original", "target"),
            "generator:make_signal_background",
            _true_ratio(o[features], o.attrs["truth"], t.attrs["truth"]),
        )
    _check(data, config.n_folds)
    return data


def _check(data: ReweightData, folds: int) -> None:
    need_events = minimum_class_events(folds)
    need_ess = minimum_class_ess(folds, early_stopping=False)
    for what, w in zip(data.names, (data.original_weight, data.target_weight), strict=True):
        check_enough_events(
            f"sample {what!r}", w, folds, need_events, need_ess, "the original and the target each"
        )


def _estimator(name: str, config: BenchConfig, data: ReweightData) -> tuple[Any, dict[str, Any]]:
    """The classifier of ``Reweighter`` for ``name``, and its settings for the report."""
    seed = config.random_state
    if name == "bdt":
        from sklhep.reweight import default_estimator

        # Reweighter's own default, built here to set the threads: min_child_weight from
        # the balanced training set's effective fraction, as Reweighter computes it
        y = np.r_[np.zeros(len(data.original_weight)), np.ones(len(data.target_weight))]
        balanced = balanced_class_weight(
            y.astype(np.intp), np.r_[data.original_weight, data.target_weight]
        )
        model = default_estimator(effective_sample_size(balanced) / y.shape[0], seed)
        model.set_params(n_jobs=config.threads)
        if config.n_estimators is not None:
            model.set_params(n_estimators=config.n_estimators)
        settings = {
            "estimator": "sklhep.reweight.default_estimator (BDTClassifier)",
            "n_estimators": model.n_estimators,
            "max_depth": model.max_depth,
            "learning_rate": model.learning_rate,
            "min_child_weight": model.min_child_weight,
            "early_stopping": False,
        }
        return model, settings
    from sklhep import MLPClassifier

    mlp = MLPClassifier(
        dropout=MLP_DROPOUT,
        max_epochs=config.max_epochs or MLP_EPOCHS[bool(config.quick)],
        early_stopping=False,
        device=config.device,
        n_jobs=config.threads,
        random_state=seed,
        **({"batch_size": config.batch_size} if config.batch_size else {}),
    )
    steps: list[tuple[str, Any]] = [("scaler", StandardScaler()), ("mlp", mlp)]
    if missing_fractions(data.original) or missing_fractions(data.target):
        steps.insert(0, ("imputer", SimpleImputer(strategy="median", add_indicator=True)))
    settings = {
        "estimator": "StandardScaler + MLPClassifier",
        "hidden_layer_sizes": list(mlp.hidden_layer_sizes),
        "dropout": MLP_DROPOUT,
        "max_epochs": mlp.max_epochs,
        "batch_size": mlp.batch_size,
        "early_stopping": False,
    }
    return Pipeline(steps), settings


def _closure_rows(before: Any, after: Any, truth: Any) -> dict[str, dict[str, Any]]:
    rows = {}
    for j, feature in enumerate(before.feature_names):
        row: dict[str, Any] = {
            "mean_target": float(before.mean_target[j]),
            "mean_before": float(before.mean_reweighted[j]),
            "mean_after": float(after.mean_reweighted[j]),
            "error_target": float(before.error_target[j]),
            "pull_before": float(before.pull[j]),
            "pull_after": float(after.pull[j]),
            "pull_combined_after": float(after.pull_combined[j]),
            "ks_statistic_before": float(before.ks_statistic[j]),
            "ks_pvalue_before": float(before.ks_pvalue[j]),
            "ks_statistic_after": float(after.ks_statistic[j]),
            "ks_pvalue_after": float(after.ks_pvalue[j]),
        }
        if hasattr(after, "chi2_statistic"):
            for when, res in (("before", before), ("after", after)):
                row[f"chi2_{when}"] = float(res.chi2_statistic[j])
                row[f"chi2_ndf_{when}"] = int(res.chi2_ndf[j])
                row[f"chi2_pvalue_{when}"] = float(res.chi2_pvalue[j])
        if truth is not None:
            row["pull_true_ratio"] = float(truth.pull[j])
        rows[feature] = row
    return rows


def _max_abs(values: list[float]) -> float:
    finite = [abs(v) for v in values if math.isfinite(v)]
    return max(finite) if finite else math.nan


def _against_truth(data: ReweightData, new: np.ndarray) -> dict[str, float] | None:
    """How close the learned weights are to the exact ones (the built-in pair)."""
    if data.true_ratio is None:
        return None
    exact = normalize_weights(
        data.original_weight * data.true_ratio,
        float(data.target_weight.sum()),
        what="the exactly reweighted original",
    )
    keep = data.original_weight != 0
    learned, true = (
        new[keep] / data.original_weight[keep],
        exact[keep] / data.original_weight[keep],
    )
    return {
        "median_abs_relative_error": float(np.median(np.abs(learned / true - 1.0))),
        "log_ratio_correlation": float(np.corrcoef(np.log(learned), np.log(true))[0, 1]),
        "ess_true_ratio": effective_sample_size(exact),
    }


def run_reweight(config: BenchConfig) -> dict[str, Any]:
    """Reweight, measure and write the report of ``--task reweight`` (after preflight)."""

    with progress_bar(2 + len(config.models), config.progress) as bar:
        bar.set_postfix_str("loading data")
        data = load_reweight_data(config)
        bar.update()
        before = reweighting_closure(
            data.original, data.target, data.original_weight, data.target_weight
        )
        truth_closure = None
        if data.true_ratio is not None:
            exact = data.original_weight * data.true_ratio
            truth_closure = reweighting_closure(
                data.original, data.target, exact, data.target_weight
            )
        report: dict[str, Any] = {
            "sklhep_version": sklhep.__version__,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "task": "reweight",
            "folds": config.n_folds,
            "data": {
                "source": data.source,
                "features": list(map(str, data.original.columns)),
                "n_features": int(data.original.shape[1]),
                "original_sample": data.names[0],
                "target_sample": data.names[1],
                "original": weights_summary(data.original_weight),
                "target": weights_summary(data.target_weight),
                "missing": {
                    "original": missing_fractions(data.original),
                    "target": missing_fractions(data.target),
                },
                "max_abs_pull_before": _max_abs(before.pull.tolist()),
            },
            "models": {},
        }
        if data.true_ratio is not None:
            report["data"]["generator"] = {
                "original_signal_fraction": ORIGINAL_SIGNAL_FRACTION,
                "target_signal_fraction": TARGET_SIGNAL_FRACTION,
            }
        weights: dict[str, np.ndarray] = {}
        for name in config.models:
            label = name.upper()
            bar.set_postfix_str(f"{label}: cross-fitted reweighting")
            estimator, settings = _estimator(name, config, data)
            rw = Reweighter(estimator, cv=config.n_folds, random_state=config.random_state)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ClippedProbabilityWarning)
                warnings.simplefilter("always", LowEffectiveSampleSizeWarning)
                new = rw.fit_predict_weights(
                    data.original, data.target, data.original_weight, data.target_weight
                )
            seconds = time.perf_counter() - start
            messages = []
            for record in caught:
                if issubclass(
                    record.category,
                    (ClippedProbabilityWarning, LowEffectiveSampleSizeWarning),
                ):
                    messages.append(str(record.message))
                else:
                    warnings.warn_explicit(
                        record.message, record.category, record.filename, record.lineno
                    )
            after = reweighting_closure(data.original, data.target, new, data.target_weight)
            closure = _closure_rows(before, after, truth_closure)
            result: dict[str, Any] = {
                "settings": {**settings, "cv": config.n_folds, "clip": rw.clip},
                "fit_time_s": seconds,
                "ess_original": float(rw.ess_original_),
                "ess_target": float(rw.ess_target_),
                "ess_reweighted": float(rw.ess_reweighted_),
                "ess_fraction": float(rw.ess_reweighted_ / rw.ess_original_),
                "clip_fraction": float(rw.clip_fraction_),
                "prior_ratios": [float(p) for p in rw.prior_ratios_],
                "net_weight_reweighted": float(new.sum()),
                "max_abs_pull_before": _max_abs(before.pull.tolist()),
                "max_abs_pull_after": _max_abs(after.pull.tolist()),
                "closure": closure,
                "warnings": messages,
            }
            against = _against_truth(data, new)
            if against is not None:
                result["true_ratio"] = against
            report["models"][label] = result
            weights[label] = new
            bar.update()
        if truth_closure is not None:
            report["true_ratio_closure"] = {
                "max_abs_pull": _max_abs(truth_closure.pull.tolist()),
                "pull": dict(
                    zip(truth_closure.feature_names, truth_closure.pull.tolist(), strict=True)
                ),
            }
        bar.set_postfix_str("writing report and plots")
        _write(config, report, data, weights)
        bar.update()
    _print(report)
    return report


# -- the report ------------------------------------------------------------------------
def _fmt(value: Any, spec: str = ".3g") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(value, spec)


def _markdown(report: dict[str, Any], plots: list[str]) -> str:
    d = report["data"]
    lines = [
        "# sklhep bench: reweight",
        "",
        f"sklhep {report['sklhep_version']}, {report['created']}, data: {d['source']}; "
        f"`{d['original_sample']}` (original) reweighted to `{d['target_sample']}` (target), "
        f"cross-fitted in {report['folds']} folds.",
        "",
        "| sample | events | net weight | negative weights | eff. sample size |",
        "|---|---:|---:|---:|---:|",
    ]
    for role in ("original", "target"):
        v = d[role]
        lines.append(
            f"| {d[f'{role}_sample']} ({role}) | {v['n_events']} | {v['net_weight']:.4g} | "
            f"{v['negative_fraction']:.1%} | {v['effective_sample_size']:.0f} |"
        )
    names = list(report["models"])
    rows = [
        ("ESS before", lambda m: _fmt(m["ess_original"], ".0f")),
        ("ESS after", lambda m: _fmt(m["ess_reweighted"], ".0f")),
        ("ESS after / before", lambda m: _fmt(m["ess_fraction"], ".3f")),
        ("clip fraction", lambda m: f"{m['clip_fraction']:.2%}"),
        ("largest |pull| before", lambda m: _fmt(m["max_abs_pull_before"], ".2f")),
        ("largest |pull| after", lambda m: _fmt(m["max_abs_pull_after"], ".2f")),
        ("training time [s]", lambda m: _fmt(m["fit_time_s"], ".3g")),
    ]
    if any("true_ratio" in m for m in report["models"].values()):
        rows += [
            (
                "median |w/w_true − 1|",
                lambda m: _fmt(m["true_ratio"]["median_abs_relative_error"], ".3f"),
            ),
            (
                "corr(log w, log w_true)",
                lambda m: _fmt(m["true_ratio"]["log_ratio_correlation"], ".3f"),
            ),
        ]
    lines += ["", "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines += [
        f"| {label} | " + " | ".join(get(report["models"][n]) for n in names) + " |"
        for label, get in rows
    ]
    for name in names:
        m = report["models"][name]
        chi2 = any("chi2_after" in r for r in m["closure"].values())
        head = "| feature | pull before | KS p before | pull after | KS p after |"
        rule = "|---|---:|---:|---:|---:|"
        if chi2:
            head += " χ²/ndf before | χ²/ndf after | χ² p after |"
            rule += "---:|---:|---:|"
        if "true_ratio" in m:
            head += " pull with the true ratio |"
            rule += "---:|"
        lines += [
            "",
            f"Closure of {name} (`reweighting_closure`, pulls in σ of the target mean):",
            "",
            head,
            rule,
        ]
        for feature, r in m["closure"].items():
            line = (
                f"| {feature} | {r['pull_before']:+.2f} | {_fmt(r['ks_pvalue_before'], '.2g')} | "
                f"{r['pull_after']:+.2f} | {_fmt(r['ks_pvalue_after'], '.2g')} |"
            )
            if chi2:
                line += (
                    f" {_fmt(r['chi2_before'], '.1f')}/{r['chi2_ndf_before']} | "
                    f"{_fmt(r['chi2_after'], '.1f')}/{r['chi2_ndf_after']} | "
                    f"{_fmt(r['chi2_pvalue_after'], '.2g')} |"
                )
            if "pull_true_ratio" in r:
                line += f" {r['pull_true_ratio']:+.2f} |"
            lines.append(line)
        for message in m["warnings"]:
            lines += ["", f"**{name} warning:** {message}"]
    lines += [
        "",
        "The weights are cross-fitted, but the target events also trained the fold models, "
        "so the closure after reweighting is somewhat optimistic (docs/reweighting.md, "
        "Limitations).",
    ]
    lines += ["", "Plots:", ""] + [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def _own_plot(data: ReweightData, new: np.ndarray, title: str) -> Any:
    """Before/after histograms with a ratio panel, per feature (used when
    ``sklhep.plotting.plot_reweighting`` is not available)."""
    import matplotlib.pyplot as plt

    from sklhep.plotting._style import weighted_histogram

    features = list(data.original.columns)
    ncols = min(3, len(features))
    nrows = math.ceil(len(features) / ncols)
    fig, axes = plt.subplots(
        2 * nrows,
        ncols,
        figsize=(4.5 * ncols, 4.2 * nrows),
        gridspec_kw={"height_ratios": [3, 1] * nrows},
        squeeze=False,
    )
    for k, feature in enumerate(features):
        ax, rax = axes[2 * (k // ncols), k % ncols], axes[2 * (k // ncols) + 1, k % ncols]
        xo = data.original[feature].to_numpy(dtype=np.float64)
        xt = data.target[feature].to_numpy(dtype=np.float64)
        both = np.r_[xo, xt]
        both = both[np.isfinite(both)]
        low, high = np.quantile(both, [0.005, 0.995]) if both.size else (0.0, 0.0)
        if not high > low:
            continue
        edges = np.linspace(low, high, 31)
        centres = 0.5 * (edges[1:] + edges[:-1])
        hists = {}
        for key, x, w in (
            ("target", xt, data.target_weight),
            ("before", xo, data.original_weight),
            ("after", xo, new),
        ):
            keep = np.isfinite(x)
            # each sample scaled to a net weight of 1: the fraction of it in each bin
            unit = normalize_weights(w[keep], 1.0, what=f"the {key} sample")
            hists[key] = weighted_histogram(x[keep], unit, edges)
        ax.errorbar(
            centres, hists["target"][0], yerr=hists["target"][1], fmt="ko", ms=3, label="target"
        )
        ax.step(centres, hists["before"][0], where="mid", ls="--", color="tab:red", label="before")
        ax.step(centres, hists["after"][0], where="mid", color="tab:blue", label="after")
        ax.set_title(feature)
        with np.errstate(divide="ignore", invalid="ignore"):
            for key, colour in (("before", "tab:red"), ("after", "tab:blue")):
                rax.step(centres, hists[key][0] / hists["target"][0], where="mid", color=colour)
        rax.axhline(1.0, color="k", lw=0.8)
        rax.set_ylim(0.5, 1.5)
        rax.set_ylabel("/ target")
    axes[0, 0].legend()
    for k in range(len(features), nrows * ncols):
        axes[2 * (k // ncols), k % ncols].set_visible(False)
        axes[2 * (k // ncols) + 1, k % ncols].set_visible(False)
    fig.suptitle(title)
    return fig


def _plot(data: ReweightData, new: np.ndarray, title: str) -> Any:
    import sklhep.plotting

    plot = getattr(sklhep.plotting, "plot_reweighting", None)
    if plot is None:
        try:
            from sklhep.plotting._reweighting import plot_reweighting as plot
        except ImportError:
            plot = None
    if plot is None:
        return _own_plot(data, new, title)
    fig, _ = plot(
        data.original,
        data.target,
        new,
        original_weight=data.original_weight,
        target_weight=data.target_weight,
    )
    fig.suptitle(title)
    return fig


def _write(
    config: BenchConfig,
    report: dict[str, Any],
    data: ReweightData,
    weights: dict[str, np.ndarray],
) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from sklhep.plotting import hep_style

    out = config.out
    plots = []
    with hep_style():
        for label, new in weights.items():
            fig = _plot(data, new, f"{label} reweighting: {data.names[0]} → {data.names[1]}")
            name = f"reweighting_{label.lower()}.png"
            fig.savefig(out / name, dpi=110, bbox_inches="tight")
            plt.close(fig)
            plots.append(name)
    report["plots"] = plots
    report["out"] = str(out)
    (out / "report.json").write_text(json.dumps(jsonable(report), indent=2) + "\n")
    (out / "report.md").write_text(_markdown(report, plots))


def _print(report: dict[str, Any]) -> None:
    d = report["data"]
    print(
        f"\nsklhep bench: reweight {d['original_sample']} ({d['original']['n_events']} events) "
        f"to {d['target_sample']} ({d['target']['n_events']} events), {d['n_features']} "
        f"features, {report['folds']} folds"
    )
    for name, m in report["models"].items():
        print(
            f"{name}: ESS {m['ess_original']:.0f} -> {m['ess_reweighted']:.0f} "
            f"({m['ess_fraction']:.2f}), clip fraction {m['clip_fraction']:.2%}, largest |pull| "
            f"{m['max_abs_pull_before']:.2f} -> {m['max_abs_pull_after']:.2f}, "
            f"{m['fit_time_s']:.1f} s"
        )
        for message in m["warnings"]:
            print(f"note: {name}: {message}")
    print(f"report: {report.get('out', '')}")
