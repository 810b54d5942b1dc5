"""The summary table of ``sklhep bench``: printed by the runner, written by the report.

Both :mod:`sklhep.bench._runner` and :mod:`sklhep.bench._report` import it; it imports
neither, so the two do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["notes", "print_summary", "summary_columns", "summary_rows"]

#: A cell of the table that does not apply (the Bayes-optimal column has no KS test, no
#: training and no inference).
NOT_APPLICABLE = "–"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _rejection_at(efficiency: str) -> Callable[[dict[str, Any]], Any]:
    """The getter of a model's background rejection at one signal efficiency."""
    return lambda m: m["background_rejection"][efficiency]


def summary_columns(report: dict[str, Any]) -> list[str]:
    """The columns of the summary table: the models, then the Bayes-optimal classifier of
    the built-in generator (``report["bayes_optimal"]``) when the report has one."""
    names = list(report["models"])
    best = report.get("bayes_optimal")
    if best:
        names.append(best["label"])
    return names


def _flag(model: dict[str, Any]) -> str:
    o = model["overtraining"]
    return f"FLAGGED (KS p < {o['threshold']:g})" if o["flagged"] else "no"


def summary_rows(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The rows of the summary table: (metric, [value per column of
    :func:`summary_columns`]). The Bayes-optimal column shows ``NOT_APPLICABLE`` where it
    has no value (KS, times)."""
    models = report["models"]
    names = list(models)
    best = report.get("bayes_optimal")
    keys: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    if report["task"] == "regression":
        keys += [
            ("resolution (central 68 %, relative)", lambda m: m["resolution"]),
            ("bias (relative)", lambda m: m["bias"]),
        ]
    else:
        keys.append(("weighted AUC", lambda m: m["auc"]))
        if best:
            keys.append(("AUC below Bayes optimal", lambda m: m["auc_below_bayes"]))
        keys += [
            (f"bkg rejection @ εS={e}", _rejection_at(e)) for e in ("0.3", "0.5", "0.7", "0.9")
        ]
        keys += [
            ("max Asimov Z", lambda m: m["max_significance"]["significance"]),
            ("KS p (signal)", lambda m: m["ks_pvalue"]["signal"]),
            ("KS p (background)", lambda m: m["ks_pvalue"]["background"]),
            ("KS distance D (signal)", lambda m: m["overtraining"]["ks_distance_signal"]),
            (
                "KS distance D (background)",
                lambda m: m["overtraining"]["ks_distance_background"],
            ),
            ("overtraining", _flag),
        ]
    keys += [
        ("training time [s]", lambda m: m["fit_time_s"]),
        ("inference [events/s]", lambda m: m["inference_events_per_s"]),
    ]
    rows = []
    for label, get in keys:
        values = [_fmt(get(models[n])) for n in names]
        if best:
            try:
                values.append(_fmt(get(best)))
            except KeyError:
                values.append(NOT_APPLICABLE)
        rows.append((label, values))
    return rows


def notes(report: dict[str, Any]) -> list[str]:
    """What the reader must know to trust the table: a model that stopped at its cap while
    still improving (it has not converged), a model the overtraining check flags, what
    the Bayes-optimal column is, and how missing values were handled."""
    out = []
    for name, model in report["models"].items():
        message = model.get("convergence", {}).get("message")
        if message:
            out.append(f"**{name} not converged:** {message}.")
    for name, model in report["models"].items():
        overtraining = model.get("overtraining") or {}
        if overtraining.get("flagged"):
            out.append(f"**{name} overtraining flagged:** {overtraining['message']}.")
    best = report.get("bayes_optimal")
    if best:
        out.append(
            f"**{best['label']}:** the {best['source']}, scored on the same events with the "
            "same weights: the best any classifier can do on these events (up to their "
            "statistical fluctuation). A model's AUC below it is how far it is from the best."
        )
    missing = report["data"].get("missing") or {}
    if missing:
        listed = ", ".join(f"{f} ({v:.1%})" for f, v in missing.items())
        out.append(f"**Missing values (NaN)** in {listed}.")
        for name, model in report["models"].items():
            how = model.get("settings", {}).get("missing_values")
            if how:
                out.append(f"{name}: {how}.")
    return out


def print_summary(report: dict[str, Any]) -> None:
    """Print the data summary and the table of :func:`summary_rows`."""
    d = report["data"]
    print(
        f"\nsklhep bench: {report['task']}, {d['n_events']} events, {d['n_features']} features, "
        f"{d['negative_fraction']:.1%} negative weights, "
        f"effective sample size {d['effective_sample_size']:.0f}, {report['folds']} folds"
    )
    names = summary_columns(report)
    rows = summary_rows(report)
    width = max(len(r[0]) for r in rows)
    sizes = [max(10, len(n), *(len(r[1][i]) for r in rows)) for i, n in enumerate(names)]
    print(f"{'':{width}}  " + "  ".join(f"{n:>{k}}" for n, k in zip(names, sizes, strict=True)))
    for label, values in rows:
        cells = (f"{v:>{k}}" for v, k in zip(values, sizes, strict=True))
        print(f"{label:{width}}  " + "  ".join(cells))
    for note in notes(report):
        print("note: " + note.replace("**", ""))
    section = report.get("decorrelation")
    if section:
        print(
            f"decorrelation of {section['protected']!r} (at εS = "
            f"{section['signal_efficiency']:g}; relative to λ = 0):"
        )
        for label, model in section["models"].items():
            for p in model["points"]:
                rel_r, rel_j = p["rejection_relative"], p["inverse_jsd_relative"]
                print(
                    f"  {label} λ={p['lambda']:<6g} rejection {p['rejection']:8.4g} "
                    f"({'–' if rel_r is None else f'{rel_r:.2f}×'})  1/JSD "
                    f"{p['inverse_jsd']:8.4g} ({'–' if rel_j is None else f'{rel_j:.2f}×'})"
                )
        for label, why in section["skipped"].items():
            print(f"  {label}: {why}")
    print(f"report: {report.get('out', '')}")
