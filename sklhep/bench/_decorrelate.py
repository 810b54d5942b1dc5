"""``sklhep bench --decorrelate COLUMN``: the rejection against 1/JSD trade-off, per model.

Each model is trained once per decorrelation strength λ (``--lambdas``) with the same
event-number cross-evaluation as the rest of the bench, ``COLUMN`` routed to its ``fit`` as
``protected`` (never a feature). The out-of-fold scores give the background rejection at
50 % signal efficiency and the sculpting :func:`sklhep.metrics.sculpting_jsd`; both are also
given relative to the model's λ = 0 fit, as in ``docs/decorrelation.md``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

import sklhep
from sklhep import metrics
from sklhep.bench._config import BenchConfig, BenchError
from sklhep.bench._data import BenchData
from sklhep.exceptions import ConvergenceWarning, DecorrelationWarning
from sklhep.metrics._sculpting import sculpting_cut
from sklhep.model_selection import CrossEvaluator, EventNumberKFold
from sklhep.weights import effective_sample_size

__all__ = [
    "JSD_BINS",
    "SIGNAL_EFFICIENCY",
    "decorrelation_support",
    "min_decorrelation_batch",
    "plot_tradeoff",
    "scan",
    "tradeoff_table",
]

#: The signal efficiency of the cut: rejection and JSD are measured at it.
SIGNAL_EFFICIENCY = 0.5
#: Bins of the protected variable's histograms in :func:`sklhep.metrics.sculpting_jsd`
#: (30, as the table of ``docs/decorrelation.md``).
JSD_BINS = 30
#: DisCo's distance correlation wants this many background events per batch on average
#: (fewer: ``DecorrelationWarning``); the MLP's automatic batch size is raised to it.
MIN_BACKGROUND_PER_BATCH = 256


def min_decorrelation_batch(y: np.ndarray, signal_label: Any) -> int:
    """The smallest batch that holds ``MIN_BACKGROUND_PER_BATCH`` background events on
    average (by event count)."""
    background = float(np.mean(np.asarray(y) != signal_label))
    return math.ceil(MIN_BACKGROUND_PER_BATCH / max(background, 1e-3))


def _final(model: Any) -> Any:
    return model[-1] if isinstance(model, Pipeline) else model


def decorrelation_support(model: Any) -> bool:
    """Whether the model's classifier has a ``decorrelation`` parameter."""
    return "decorrelation" in _final(model).get_params()


def _score(data: BenchData, truth: np.ndarray, score: np.ndarray) -> dict[str, float | None]:
    w = data.sample_weight
    assert data.protected is not None
    rejection = metrics.background_rejection(
        truth, score, signal_efficiency=SIGNAL_EFFICIENCY, sample_weight=w
    )
    try:
        jsd = metrics.sculpting_jsd(
            truth,
            score,
            data.protected,
            sample_weight=w,
            signal_efficiency=SIGNAL_EFFICIENCY,
            bins=JSD_BINS,
        )
    except ValueError as exc:
        # e.g. a passing or failing background whose signed weights cancel to <= 0
        raise BenchError(
            f"--decorrelate: the sculpting JSD cannot be measured on these events ({exc}); "
            "use more events (--n-events, --max-entries)"
        ) from exc
    # the background events that pass the cut: the statistics behind the JSD
    cut = sculpting_cut(
        truth, score, data.protected, sample_weight=w, signal_efficiency=SIGNAL_EFFICIENCY
    )
    passing = cut.weight[cut.passing]
    return {
        "auc": float(metrics.roc_auc_score(truth, score, sample_weight=w)),
        "rejection": float(rejection),
        "jsd": float(jsd),
        "inverse_jsd": float(1.0 / jsd) if jsd > 0 else math.inf,
        "background_pass_ess": effective_sample_size(passing) if passing.size else 0.0,
    }


def _relative(value: Any, reference: Any) -> float | None:
    if not math.isfinite(value) or not math.isfinite(reference) or reference <= 0:
        return None
    return value / reference


def scan(
    config: BenchConfig,
    data: BenchData,
    make_model: Callable[[str], Any],
    reference: dict[str, tuple[np.ndarray, np.ndarray, float]],
    step: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train every model at every λ > 0 and measure the trade-off.

    ``make_model(name)`` builds the bench's model of ``name`` (``mlp``, ``bdt``);
    ``reference[label]`` is ``(truth, signal score, fit seconds)`` of the bench's own λ = 0
    fit of that model, which is the scan's λ = 0 point (the same model, seed and folds).
    Returns the ``decorrelation`` section of ``report.json`` and, for the plot, the
    points per model.
    """
    assert config.decorrelate is not None
    assert config.lambdas is not None
    assert data.protected is not None
    section: dict[str, Any] = {
        "protected": config.decorrelate,
        "lambdas": list(config.lambdas),
        "signal_efficiency": SIGNAL_EFFICIENCY,
        "jsd_bins": JSD_BINS,
        "models": {},
        "skipped": {},
    }
    points: dict[str, list[dict[str, Any]]] = {}
    for name in config.models:
        label = name.upper()
        if label not in reference:
            continue
        probe = make_model(name)
        if not decorrelation_support(probe):
            section["skipped"][label] = (
                f"this sklhep's {type(_final(probe)).__name__} has no decorrelation "
                "parameter, so its trade-off is not measured (only λ = 0)"
            )
            continue
        truth, score0, time0 = reference[label]
        rows = [{"lambda": 0.0, **_score(data, truth, score0), "fit_time_s": time0}]
        messages: list[str] = []
        for lam in config.lambdas:
            if lam == 0:
                continue
            if step is not None:
                step(f"{label}: λ = {lam:g}")
            model = make_model(name)
            final = _final(model)
            final.set_params(decorrelation=lam)
            cv = CrossEvaluator(model, cv=EventNumberKFold(config.n_folds))
            with sklearn.config_context(enable_metadata_routing=True):
                final.set_fit_request(protected=True)
                sklhep.request_sample_weight(cv)
                start = time.perf_counter()
                messages += _fit(cv, data)
                seconds = time.perf_counter() - start
            proba = cv.predict_proba(data.X, groups=data.event)
            column = int(
                np.flatnonzero(_final(cv.estimators_[0]).classes_ == data.signal_label)[0]
            )
            rows.append(
                {
                    "lambda": float(lam),
                    **_score(data, truth, proba[:, column]),
                    "fit_time_s": seconds,
                }
            )
        base = rows[0]
        for row in rows:
            row["rejection_relative"] = _relative(row["rejection"], base["rejection"])
            row["inverse_jsd_relative"] = _relative(row["inverse_jsd"], base["inverse_jsd"])
        section["models"][label] = {
            "points": rows,
            "warnings": list(dict.fromkeys(messages)),
        }
        points[label] = rows
    return section, points


def _fit(cv: CrossEvaluator, data: BenchData) -> list[str]:
    """Fit with ``protected``; return the convergence and decorrelation warnings' messages
    (recorded in the report) and re-emit any other warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", DecorrelationWarning)
        cv.fit(
            data.X,
            data.y,
            groups=data.event,
            sample_weight=data.sample_weight,
            protected=data.protected,
        )
    messages = []
    for record in caught:
        if issubclass(record.category, (ConvergenceWarning, DecorrelationWarning)):
            messages.append(str(record.message))
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
    return messages


def _cell(value: Any, fmt: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return format(value, fmt)


def tradeoff_table(section: dict[str, Any]) -> list[str]:
    """The trade-off as Markdown lines (one row per model and λ)."""
    eff = f"{section['signal_efficiency']:.0%}"
    lines = [
        "",
        f"Mass decorrelation: protected variable `{section['protected']}` (not a feature); "
        f"cut at ε_S = {eff}; JSD of the background's `{section['protected']}` passing vs "
        f"failing, {section['jsd_bins']} bins; relative to the model's λ = 0 fit:",
        "",
        f"| model | λ | AUC | rejection at ε_S = {eff} | 1/JSD | rejection (rel.) | "
        "1/JSD (rel.) | bkg ESS passing | training time [s] |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, model in section["models"].items():
        for p in model["points"]:
            lines.append(
                f"| {label} | {p['lambda']:g} | {p['auc']:.4f} | {_cell(p['rejection'], '.4g')} | "
                f"{_cell(p['inverse_jsd'], '.4g')} | {_cell(p['rejection_relative'], '.2f')}× | "
                f"{_cell(p['inverse_jsd_relative'], '.2f')}× | {p['background_pass_ess']:.0f} | "
                f"{p['fit_time_s']:.1f} |"
            )
    for label, why in section["skipped"].items():
        lines += ["", f"{label}: {why}."]
    for label, model in section["models"].items():
        if model["warnings"]:
            lines += ["", f"{label} warnings during the scan:", ""]
            lines += [f"- {m}" for m in model["warnings"]]
    return lines


def plot_tradeoff(points: dict[str, list[dict[str, Any]]], protected: str) -> Any:
    """Rejection against 1/JSD, both relative to λ = 0, one curve per model (λ labelled)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, rows in points.items():
        kept = [
            r
            for r in rows
            if r["rejection_relative"] is not None and r["inverse_jsd_relative"] is not None
        ]
        if not kept:
            continue
        x = [r["rejection_relative"] for r in kept]
        y = [r["inverse_jsd_relative"] for r in kept]
        (line,) = ax.plot(x, y, "o-", label=label)
        for r, xi, yi in zip(kept, x, y, strict=True):
            ax.annotate(
                f"λ={r['lambda']:g}",
                (xi, yi),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
                color=line.get_color(),
            )
    ax.set_yscale("log")
    ax.set_xlabel(f"Background rejection at ε_S = {SIGNAL_EFFICIENCY:.0%} (relative to λ = 0)")
    ax.set_ylabel(f"1/JSD of {protected} (relative to λ = 0)")
    ax.set_title("Decorrelation trade-off (better: up and right)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig
