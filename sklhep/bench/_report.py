"""``report.json``, ``report.md`` and the PNG plots of ``sklhep bench``."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from sklhep.bench._config import BenchConfig, BenchError
from sklhep.bench._decorrelate import plot_tradeoff, tradeoff_table
from sklhep.bench._summary import notes, summary_columns, summary_rows

__all__ = ["jsonable", "prepare_output_dir", "write_reports"]


def prepare_output_dir(out: Path, *, overwrite: bool = False) -> None:
    """Create ``out`` and check that a file can be written there.

    Raises :class:`BenchError` if ``out`` is an existing file, a folder that is not empty
    (unless ``overwrite``: its ``report.*`` and plots are then replaced, other files kept),
    or a folder that cannot be created or written to.
    """
    if out.exists() and not out.is_dir():
        raise BenchError(f"--out {str(out)!r} is an existing file, not a folder")
    try:
        if out.is_dir() and not overwrite and any(out.iterdir()):
            raise BenchError(
                f"--out {str(out)!r} is not empty; choose a new folder, or pass --overwrite "
                "to write the report into it (replacing report.json, report.md and the plots)"
            )
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out, prefix=".sklhep-bench-") as probe:
            probe.write(b"probe")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BenchError(f"--out {str(out)!r} cannot be written to: {reason}") from exc


def jsonable(value: Any) -> Any:
    """``value`` with NumPy types as Python's and non-finite floats as JSON can hold them
    (NaN as ``null``, ±∞ as ``"inf"``/``"-inf"``)."""
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _settings_table(report: dict[str, Any]) -> list[str]:
    """The training settings of each model (``models.<M>.settings``), as a table."""
    settings = {n: m.get("settings") or {} for n, m in report["models"].items()}
    keys: list[str] = []
    for values in settings.values():
        keys += [k for k in values if k not in keys and not k.endswith("_rule")]
    keys = [k for k in keys if k != "missing_values"]
    if not keys:
        return []
    names = list(settings)

    def cell(name: str, key: str) -> str:
        if key not in settings[name]:
            return ""
        value = settings[name][key]
        rule = settings[name].get(f"{key}_rule")
        text = "–" if value is None else str(value)
        return f"{text} ({rule})" if rule else text

    lines = ["", "| setting | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines += [f"| {k} | " + " | ".join(cell(n, k) for n in names) + " |" for k in keys]
    return lines


def _markdown(report: dict[str, Any], plots: list[str]) -> str:
    d = report["data"]
    names = list(report["models"])
    columns = summary_columns(report)
    lines = [
        f"# sklhep bench: {report['task']}",
        "",
        f"sklhep {report['sklhep_version']}, {report['created']}, data: {d['source']}.",
        "",
        "| events | features | negative weights | effective sample size | folds |",
        "|---:|---:|---:|---:|---:|",
        f"| {d['n_events']} | {d['n_features']} | {d['negative_fraction']:.1%} | "
        f"{d['effective_sample_size']:.0f} | {report['folds']} |",
        "",
        "| metric | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    lines += [
        f"| {label} | " + " | ".join(values) + " |" for label, values in summary_rows(report)
    ]
    if "classes" in d:
        lines += [
            "",
            "| class | events | net weight | negative weights | eff. sample size |",
            "|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {c} | {v['n_events']} | {v['net_weight']:.4g} | {v['negative_fraction']:.1%} | "
            f"{v['effective_sample_size']:.0f} |"
            for c, v in d["classes"].items()
        ]
    lines += _settings_table(report)
    report_notes = notes(report)
    if report_notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in report_notes]
    if report["task"] == "regression":
        for name in names:
            lines += [
                "",
                f"Resolution and bias of {name} in bins of the target:",
                "",
                "| target | events | resolution | bias |",
                "|---|---:|---:|---:|",
            ]
            lines += [
                f"| {b['target_low']:.4g} – {b['target_high']:.4g} | {b['n_events']} | "
                f"{b['resolution']:.4g} | {b['bias']:.4g} |"
                for b in report["models"][name]["binned"]
            ]
    if report.get("decorrelation"):
        lines += tradeoff_table(report["decorrelation"])
    lines += ["", "Plots:", ""] + [f"![{p}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def _plots(config: BenchConfig, report: dict[str, Any], extras: dict[str, Any]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from sklhep import plotting

    out = config.out
    data = extras["data"]
    w = data.sample_weight
    models = extras["models"]
    written: list[str] = []

    def save(fig: Any, name: str) -> None:
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(name)

    if report["task"] == "regression":
        target_label, unit = (config.target or "y", None) if config.from_root else ("p_T", "GeV")
        predictions = {n: m["prediction"] for n, m in models.items()}
        fig, ax = plt.subplots(figsize=(6, 4.5))
        plotting.plot_resolution(
            data.y,
            predictions,
            sample_weight=w,
            ax=ax,
            method="central68",
            target_label=target_label,
            unit=unit,
        )
        save(fig, "resolution.png")
        fig = plotting.plot_resolution_vs_target(
            data.y,
            predictions,
            sample_weight=w,
            method="central68",
            target_label=target_label,
            unit=unit,
        )
        save(fig, "resolution_vs_target.png")
    else:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        curves = {n: (m["_truth"], m["_signal_score"], w) for n, m in models.items()}
        best = extras.get("bayes_optimal")
        if best is not None:
            curves[report["bayes_optimal"]["label"]] = (best["_truth"], best["_signal_score"], w)
        plotting.plot_roc(curves, ax=ax)
        save(fig, "roc.png")
        for name, m in models.items():
            o, truth = m["_overtraining"], m["_truth"]
            tr, te = o["train_idx"], o["test_idx"]
            fig, ax = plt.subplots(figsize=(6, 4.5))
            plotting.plot_score_distributions(
                o["train_score"],
                truth[tr],
                o["test_score"],
                truth[te],
                weights_train=w[tr],
                weights_test=w[te],
                ax=ax,
            )
            ax.set_title(f"{name}: first fold's model")
            save(fig, f"overtraining_{name.lower()}.png")
    # training curves
    histories = {n: report["models"][n].get("history") for n in report["models"]}
    histories = {n: h for n, h in histories.items() if h}
    if histories:
        fig, axes = plt.subplots(
            1, len(histories), figsize=(6 * len(histories), 4.5), squeeze=False
        )
        for ax, (name, hist) in zip(axes[0], histories.items(), strict=True):
            plotting.plot_history(hist, ax=ax)
            ax.set_title(name)
        save(fig, "training_curves.png")
    importances = {n: report["models"][n]["permutation_importance"] for n in report["models"]}
    fig, ax = plt.subplots(figsize=(6, 0.35 * report["data"]["n_features"] + 1.5))
    what = "resolution" if report["task"] == "regression" else "weighted AUC"
    plotting.plot_feature_importances(
        importances, ax=ax, xlabel=f"Permutation importance (drop of the {what})"
    )
    save(fig, "feature_importances.png")
    if extras.get("decorrelation"):
        fig = plot_tradeoff(extras["decorrelation"], str(config.decorrelate))
        save(fig, "decorrelation_tradeoff.png")
    return written


def write_reports(config: BenchConfig, report: dict[str, Any], extras: dict[str, Any]) -> None:
    """Write the plots, ``report.json`` and ``report.md`` into ``config.out``."""
    from sklhep.plotting import hep_style

    out = Path(config.out)
    with hep_style():
        plots = _plots(config, report, extras)
    report["plots"] = plots
    report["out"] = str(out)
    (out / "report.json").write_text(json.dumps(_jsonable(report), indent=2) + "\n")
    (out / "report.md").write_text(_markdown(report, plots))


def progress_bar(total: int, show: bool) -> Any:
    """The progress bar of a bench run, on stderr (``show=False``: silent)."""
    return tqdm(
        total=total,
        disable=not show,
        desc="sklhep bench",
        unit="step",
        file=sys.stderr,
        dynamic_ncols=True,
    )
