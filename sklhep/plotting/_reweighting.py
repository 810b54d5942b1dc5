"""Reweighting closure plot: target vs original, before and after, with ratio panels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.plotting._style import check_weights, hep_style, weighted_histogram
from sklhep.weights import net_weight

__all__ = ["plot_reweighting"]

_COLOURS = {"before": "tab:red", "after": "tab:blue", "target": "black"}


def _as_columns(
    data: Any, name: str, columns: Sequence[Any] | None
) -> tuple[NDArray[np.float64], list[str]]:
    """The selected features of ``data`` as a 2-d float array, and their names."""
    if hasattr(data, "columns"):
        names = [str(c) for c in data.columns] if columns is None else [str(c) for c in columns]
        if columns is not None:
            missing = [c for c in columns if c not in data.columns]
            if missing:
                raise ValueError(f"{name} has no column(s) {missing}; it has {list(data.columns)}")
            data = data[list(columns)]
        arr = np.asarray(data, dtype=np.float64)
    else:
        arr = np.asarray(data, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-d (events x features), got shape {arr.shape}")
        if columns is None:
            names = [f"x{i}" for i in range(arr.shape[1])]
        else:
            idx = [int(c) for c in columns]
            if any(not 0 <= i < arr.shape[1] for i in idx):
                raise ValueError(
                    f"columns {list(columns)} out of range for {name} with {arr.shape[1]} "
                    "features (arrays take integer column positions)"
                )
            arr, names = arr[:, idx], [f"x{i}" for i in idx]
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf; only NaN (a missing value, left out) is allowed")
    return arr, names


def _density(
    x: NDArray[np.float64], w: NDArray[np.float64], edges: NDArray[np.float64], what: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Histogram normalised to unit area (by the net weight of all events with a value)."""
    keep = ~np.isnan(x)
    total = net_weight(w[keep], what=what, why="Its histogram cannot be normalised to unit area.")
    h, e = weighted_histogram(x[keep], w[keep], edges)
    width = np.diff(edges)
    return h / (total * width), e / (total * width)


def _ratio(
    h: NDArray[np.float64],
    e: NDArray[np.float64],
    ht: NDArray[np.float64],
    et: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``h / ht`` and its error, the two relative errors added in quadrature (NaN where the
    target bin is not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ht > 0, h / ht, np.nan)
        error = np.abs(ratio) * np.hypot(
            np.where(h != 0, e / np.abs(h), 0.0), np.where(ht > 0, et / ht, np.nan)
        )
        error = np.where(h != 0, error, np.where(ht > 0, e / ht, np.nan))
    return ratio, error


def plot_reweighting(
    original: Any,
    target: Any,
    weights: ArrayLike,
    *,
    original_weight: ArrayLike | None = None,
    target_weight: ArrayLike | None = None,
    columns: Sequence[Any] | None = None,
    bins: int = 30,
    range: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
    ncols: int = 3,
    ratio_range: tuple[float, float] = (0.5, 1.5),
    labels: tuple[str, str, str] = ("original", "reweighted", "target"),
) -> tuple[Any, NDArray[Any]]:
    """Per feature: the target against the original before and after reweighting.

    The standard reweighting closure plot. For every feature, the upper panel shows the
    target (points, errors :math:`\\sqrt{\\sum w^2}`), the original sample with its own
    weights (dashed) and with the new weights (solid), each histogram of signed weights
    normalised to unit area by its net weight (events whose value is NaN are left out).
    The lower panel shows before/target and after/target, with the two histograms'
    relative errors added in quadrature; a reweighting that closes has an after/target
    ratio compatible with 1. :func:`sklhep.reweight.reweighting_closure` gives the same
    comparison as numbers (pulls, KS and :math:`\\chi^2` p-values).

    Parameters
    ----------
    original : array-like or DataFrame of shape (n_original, n_features)
        The original events.
    target : array-like or DataFrame of shape (n_target, n_features)
        The target events, with the same features.
    weights : array-like of shape (n_original,)
        The original events' weights after reweighting (for example
        :meth:`sklhep.reweight.Reweighter.fit_predict_weights`).
    original_weight, target_weight : array-like, default=None
        Signed weights of the original (before reweighting) and of the target; ``None``
        means unit weights.
    columns : sequence, default=None
        The features to plot: column names of a DataFrame, or integer positions of an
        array; all of them by default.
    bins : int, default=30
        Number of equal-width bins per feature.
    range : (float, float) or mapping of feature name to (float, float), default=None
        Histogram range, the same for every feature or per feature name; by default the
        smallest and largest value of the original and target events.
    ncols : int, default=3
        Features per row of the grid.
    ratio_range : (float, float), default=(0.5, 1.5)
        The y range of the ratio panels.
    labels : (str, str, str), default=("original", "reweighted", "target")
        Legend entries of the original before and after reweighting, and of the target.

    Returns
    -------
    fig : matplotlib Figure
    axes : ndarray of Axes of shape (n_features, 2)
        For each feature, its main panel and its ratio panel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no display needed
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklhep.plotting._reweighting import plot_reweighting
    >>> rng = np.random.default_rng(0)
    >>> original = rng.normal(0.0, 1.0, size=(5000, 2))
    >>> target = rng.normal(0.5, 1.0, size=(5000, 2))
    >>> w = np.exp(0.5 * original.sum(axis=1))  # the exact density ratio, up to a constant
    >>> fig, axes = plot_reweighting(original, target, w, bins=20)
    >>> axes.shape
    (2, 2)
    >>> axes[0, 1].get_ylabel()
    'ratio to target'
    >>> plt.close("all")
    """
    Xo, names = _as_columns(original, "original", columns)
    Xt, names_t = _as_columns(target, "target", columns)
    if Xo.shape[1] != Xt.shape[1]:
        raise ValueError(
            f"original has {Xo.shape[1]} features but target has {Xt.shape[1]}; pass the same "
            "features (columns) for both samples"
        )
    if not hasattr(original, "columns") and hasattr(target, "columns"):
        names = names_t
    w_after = check_weights(weights, Xo.shape[0])
    w_before = check_weights(original_weight, Xo.shape[0])
    w_target = check_weights(target_weight, Xt.shape[0])
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}")
    n_features = Xo.shape[1]
    if n_features == 0:
        raise ValueError("there is no feature to plot")

    import matplotlib.pyplot as plt

    ncols = int(min(ncols, n_features))
    nrows = -(-n_features // ncols)
    with hep_style():
        fig = plt.figure(figsize=(4.2 * ncols, 4.4 * nrows), layout="constrained")
        grid = fig.add_gridspec(2 * nrows, ncols, height_ratios=[3, 1] * nrows)
    axes = np.empty((n_features, 2), dtype=object)
    for j, name in enumerate(names):
        row, col = divmod(j, ncols)
        main = fig.add_subplot(grid[2 * row, col])
        ratio_ax = fig.add_subplot(grid[2 * row + 1, col], sharex=main)
        axes[j] = main, ratio_ax
        xo, xt = Xo[:, j], Xt[:, j]
        limits = range.get(name) if isinstance(range, Mapping) else range
        if limits is None:
            both = np.concatenate([xo[~np.isnan(xo)], xt[~np.isnan(xt)]])
            if both.shape[0] == 0:
                raise ValueError(f"feature {name!r} is NaN for every event: nothing to plot")
            lo, hi = float(both.min()), float(both.max())
            if hi <= lo:
                hi = lo + 1.0
        else:
            lo, hi = map(float, limits)
            if not hi > lo:
                raise ValueError(f"range of {name!r} must be (low, high), got {limits!r}")
        edges = np.linspace(lo, hi, bins + 1)
        centres = 0.5 * (edges[:-1] + edges[1:])
        h_t, e_t = _density(xt, w_target, edges, "the target")
        h_b, e_b = _density(xo, w_before, edges, "the original (before reweighting)")
        h_a, e_a = _density(xo, w_after, edges, "the reweighted original")
        main.stairs(h_b, edges, color=_COLOURS["before"], ls="--", label=labels[0])
        main.stairs(h_a, edges, color=_COLOURS["after"], label=labels[1])
        main.errorbar(centres, h_t, yerr=e_t, fmt="o", ms=3, color=_COLOURS["target"],
                      elinewidth=1.0, capsize=0, label=labels[2])  # fmt: skip
        main.set_ylabel("normalised to unit area")
        main.tick_params(labelbottom=False)
        main.set_xlim(lo, hi)
        main.legend(fontsize="small")
        for h, e, key, label in ((h_b, e_b, "before", labels[0]), (h_a, e_a, "after", labels[1])):
            r, re = _ratio(h, e, h_t, e_t)
            ratio_ax.errorbar(centres, r, yerr=re, fmt="o", ms=3, color=_COLOURS[key],
                              elinewidth=1.0, capsize=0, label=label)  # fmt: skip
        ratio_ax.axhline(1.0, color="grey", lw=1.0)
        ratio_ax.set_ylim(*ratio_range)
        ratio_ax.set_ylabel("ratio to target")
        ratio_ax.set_xlabel(name)
    return fig, axes
