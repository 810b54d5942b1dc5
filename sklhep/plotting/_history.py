"""Training curves and feature importances."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sklhep.plotting._style import new_axes

__all__ = ["plot_feature_importances", "plot_history"]


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _series_from_epochs(
    history: Sequence[Mapping[str, Any]], keys: Sequence[str] | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Epoch-wise dicts (skorch / MLP / BDT ``history_``) -> x and one series per loss key."""
    explicit = keys is not None
    if keys is None:
        keys = sorted(
            {k for row in history for k, v in row.items() if "loss" in k and _is_number(v)},
            key=lambda k: (not k.startswith("train"), k),
        )
    if not keys:
        raise ValueError(
            "the history has no numeric '*loss*' entries; pass keys=[...] to choose what to "
            f"plot (available: {sorted({k for row in history for k in row})})"
        )
    x = np.array([row.get("epoch", i + 1) for i, row in enumerate(history)], dtype=np.float64)
    series = {
        k: np.array(
            [row.get(k, np.nan) if _is_number(row.get(k)) else np.nan for row in history],
            dtype=np.float64,
        )
        for k in keys
    }
    if not explicit:
        # a series with no value at all (valid_loss without early stopping) is not drawn
        series = {k: v for k, v in series.items() if np.isfinite(v).any()} or series
    return x, series


def _series_from_iterations(
    history: Mapping[str, Any], keys: Sequence[str] | None
) -> dict[str, np.ndarray]:
    """Dict of lists (BDT), possibly nested as xgboost's ``evals_result()``."""
    flat: dict[str, np.ndarray] = {}
    for name, value in history.items():
        if isinstance(value, Mapping):
            for metric, values in value.items():
                flat[f"{name} {metric}"] = np.asarray(values, dtype=np.float64)
        else:
            arr = np.asarray(value)
            if arr.ndim == 1 and arr.size and np.issubdtype(arr.dtype, np.number):
                flat[str(name)] = arr.astype(np.float64)
    if keys is not None:
        missing = [k for k in keys if k not in flat]
        if missing:
            raise ValueError(f"keys {missing} not in the history (available: {sorted(flat)})")
        flat = {k: flat[k] for k in keys}
    if not flat:
        raise ValueError(
            "the history holds no numeric series; expected a dict of lists such as "
            "{'train_logloss': [...], 'valid_logloss': [...]}"
        )
    return flat


def plot_history(
    history: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    *,
    keys: Sequence[str] | None = None,
    ylabel: str | None = None,
    logy: bool = False,
    mark_best: bool = True,
    ax: Any | None = None,
) -> Any:
    """Training curves: loss vs epoch (MLP) or metric vs boosting iteration (BDT).

    Parameters
    ----------
    history : list of dict, or dict of lists
        A list with one dict per epoch or round (the ``history_`` of the MLP and the BDT:
        ``{"epoch": 1, "train_loss": ..., "valid_loss": ...}``; every numeric key containing
        ``"loss"`` with at least one finite value is drawn), or a dict of per-iteration
        lists (e.g.
        ``{"train_logloss": [...], "valid_logloss": [...]}``, or xgboost's nested
        ``evals_result()``).
    keys : list of str, default=None
        The series to draw; by default all losses (list form) or all series (dict form).
    ylabel : str, default=None
        y-axis label; by default "Loss (weighted)" or the metric's name.
    logy : bool, default=False
        Logarithmic y-axis.
    mark_best : bool, default=True
        Mark the minimum of the validation curve (the early-stopping point).
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no display needed
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklhep.plotting import plot_history
    >>> history = [  # an MLP's history_: one dict per epoch
    ...     {"epoch": 1, "train_loss": 0.60, "valid_loss": 0.62},
    ...     {"epoch": 2, "train_loss": 0.50, "valid_loss": 0.55},
    ...     {"epoch": 3, "train_loss": 0.45, "valid_loss": 0.56},
    ... ]
    >>> ax = plot_history(history)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]  # best = lowest validation loss
    ['train loss', 'valid loss', 'best: 2']
    >>> plt.close("all")
    """
    if isinstance(history, Mapping):
        series = _series_from_iterations(history, keys)
        n = max(len(v) for v in series.values())
        xs = {k: np.arange(1, len(v) + 1, dtype=np.float64) for k, v in series.items()}
        xlabel = "Boosting iteration"
        metrics = {k.split()[-1].split("_", 1)[-1] for k in series}
        default_ylabel = f"{metrics.pop()} (weighted)" if len(metrics) == 1 else "Metric"
    elif isinstance(history, Sequence) and not isinstance(history, str):
        if len(history) == 0 or not all(isinstance(row, Mapping) for row in history):
            raise ValueError(
                "history must be a non-empty list of per-epoch dicts or a dict of lists, got "
                f"{type(history).__name__} of length {len(history)}"
            )
        x, series = _series_from_epochs(history, keys)
        xs = dict.fromkeys(series, x)
        n = len(x)
        xlabel = "Epoch / boosting round"
        default_ylabel = "Loss (weighted)"
    else:
        raise TypeError(
            f"history must be a list of dicts or a dict of lists, got {type(history).__name__}"
        )
    ax = new_axes(ax)
    marker = "o" if n <= 30 else None
    for name, values in series.items():
        ax.plot(xs[name], values, marker=marker, ms=3, lw=1.6, label=name.replace("_", " "))
    if mark_best:
        valid = [k for k in series if k.startswith(("valid", "validation_1", "test", "eval"))]
        if valid:
            values = series[valid[0]]
            if np.isfinite(values).any():
                best = int(np.nanargmin(values))
                ax.axvline(
                    xs[valid[0]][best],
                    color="grey",
                    ls="--",
                    lw=1.0,
                    label=f"best: {xs[valid[0]][best]:.0f}",
                )
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or default_ylabel)
    ax.legend(loc="upper right")
    return ax


def plot_feature_importances(
    importances: Mapping[str, Any] | ArrayLike,
    *,
    feature_names: Sequence[str] | None = None,
    errors: Mapping[str, Any] | ArrayLike | None = None,
    top: int | None = None,
    xlabel: str = "Importance",
    ax: Any | None = None,
) -> Any:
    """Horizontal bar chart of feature importances, most important at the top.

    Parameters
    ----------
    importances : mapping or array-like
        ``{feature: value}``; or ``{model: {feature: value}}`` for grouped bars of several
        models; or an array with ``feature_names``.
    feature_names : list of str, default=None
        Names when ``importances`` is an array.
    errors : mapping or array-like, default=None
        Error bars, in the same form as ``importances`` (single model only).
    top : int, default=None
        Show only the ``top`` most important features.
    xlabel : str, default="Importance"
        e.g. ``"Permutation importance (AUC drop)"``.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no display needed
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklhep.plotting import plot_feature_importances
    >>> ax = plot_feature_importances({"MET_pt": 0.5, "Jet_pt[0]": 0.3, "n(Jet_pt)": 0.2})
    >>> [t.get_text() for t in ax.get_yticklabels()]  # most important at the top
    ['n(Jet_pt)', 'Jet_pt[0]', 'MET_pt']
    >>> plt.close("all")
    """
    if isinstance(importances, Mapping):
        values = list(importances.values())
        if values and all(isinstance(v, Mapping) for v in values):
            table = {
                str(m): {str(f): float(v) for f, v in d.items()} for m, d in importances.items()
            }
        else:
            table = {"": {str(f): float(v) for f, v in importances.items()}}
    else:
        arr = np.asarray(importances, dtype=np.float64)
        if arr.ndim != 1:
            raise ValueError(f"importances must be 1-D, got shape {arr.shape}")
        names = (
            list(feature_names)
            if feature_names is not None
            else [f"feature {i}" for i in range(arr.size)]
        )
        if len(names) != arr.size:
            raise ValueError(
                f"{arr.size} importances but {len(names)} feature_names; pass one name each"
            )
        table = {"": dict(zip(names, arr.tolist(), strict=True))}
    features = list(dict.fromkeys(f for d in table.values() for f in d))
    if not features:
        raise ValueError("importances is empty")
    mean = {f: np.mean([d.get(f, 0.0) for d in table.values()]) for f in features}
    features.sort(key=lambda f: mean[f])  # ascending: barh draws bottom-up
    if top is not None:
        features = features[-int(top) :]
    err_of: dict[str, float] | None = None
    if errors is not None:
        if len(table) > 1:
            raise ValueError("errors are supported for a single model only")
        if isinstance(errors, Mapping):
            err_of = {str(f): float(v) for f, v in errors.items()}
        else:
            err_of = dict(
                zip(table[""].keys(), np.asarray(errors, dtype=float).tolist(), strict=True)
            )
    ax = new_axes(ax, figsize=(6.4, 0.32 * len(features) * max(1, len(table) / 2) + 1.6))
    y = np.arange(len(features), dtype=np.float64)
    height = 0.8 / len(table)
    for i, (model, d) in enumerate(table.items()):
        offset = (i - (len(table) - 1) / 2) * height
        xerr = [err_of.get(f, 0.0) for f in features] if err_of is not None else None
        ax.barh(
            y + offset,
            [d.get(f, 0.0) for f in features],
            height=height * 0.95,
            xerr=xerr,
            label=model or None,
            alpha=0.85,
        )
    from matplotlib.ticker import NullLocator

    ax.set_yticks(y, features)
    ax.yaxis.set_minor_locator(NullLocator())
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.margins(x=0.05)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    if len(table) > 1:
        ax.legend(loc="lower right")
    return ax
