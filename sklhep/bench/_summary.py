"""The summary table of ``sklhep bench``: printed by the runner, written by the report.

Both :mod:`sklhep.bench._runner` and :mod:`sklhep.bench._report` import it; it imports
neither, so the two do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["notes", "print_summary", "summary_rows"]


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _rejection_at(efficiency: str) -> Callable[[dict[str, Any]], Any]:
    """The getter of a model's background rejection at one signal efficiency."""
    return lambda m: m["background_rejection"][efficiency]


def summary_rows(report: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The rows of the summary table: (metric, [value per model])."""
    models = report["models"]
    names = list(models)
    keys: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    if report["task"] == "regression":
        keys += [
            ("resolution (central 68 %, relative)", lambda m: m["resolution"]),
            ("bias (relative)", lambda m: m["bias"]),
        ]
    else:
        keys.append(("weighted AUC", lambda m: m["auc"]))
        keys += [
            (f"bkg rejection @ εS={e}", _rejection_at(e)) for e in ("0.3", "0.5", "0.7", "0.9")
        ]
        keys += [
            ("max Asimov Z", lambda m: m["max_significance"]["significance"]),
            ("KS p (signal)", lambda m: m["ks_pvalue"]["signal"]),
            ("KS p (background)", lambda m: m["ks_pvalue"]["background"]),
        ]
    keys += [
        ("training time [s]", lambda m: m["fit_time_s"]),
        ("inference [events/s]", lambda m: m["inference_events_per_s"]),
    ]
    return [(label, [_fmt(get(models[n])) for n in names]) for label, get in keys]


def notes(report: dict[str, Any]) -> list[str]:
    """What the reader must know to trust the table: a model that stopped at its cap while
    still improving (it has not converged), and how missing values were handled."""
    out = []
    for name, model in report["models"].items():
        message = model.get("convergence", {}).get("message")
        if message:
            out.append(f"**{name} not converged:** {message}.")
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
    names = list(report["models"])
    rows = summary_rows(report)
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  " + "  ".join(f"{n:>10}" for n in names))
    for label, values in rows:
        print(f"{label:{width}}  " + "  ".join(f"{v:>10}" for v in values))
    for note in notes(report):
        print("note: " + note.replace("**", ""))
    print(f"report: {report.get('out', '')}")
