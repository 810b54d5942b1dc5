"""Regression performance: resolution histogram, resolution and bias vs the target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from sklhep.plotting._style import as_1d, check_weights, hep_style, weighted_histogram
from sklhep.weights import WeightSums, net_weight, weighted_quantile

if TYPE_CHECKING:
    from sklhep.metrics._regression import ResolutionMethod

__all__ = ["plot_resolution", "plot_resolution_vs_target"]


def _predictions(
    y_pred: ArrayLike | Mapping[str, ArrayLike], n: int, label: str | None
) -> dict[str, np.ndarray]:
    preds = dict(y_pred) if isinstance(y_pred, Mapping) else {label or "model": y_pred}
    out = {}
    for name, p in preds.items():
        arr = as_1d(p, f"y_pred[{name!r}]" if isinstance(y_pred, Mapping) else "y_pred")
        if arr.shape[0] != n:
            raise ValueError(
                f"y_true has {n} events but the prediction {name!r} has {arr.shape[0]}"
            )
        out[str(name)] = arr
    return out


def _residual_label(target_label: str, relative: bool) -> str:
    t, p = f"{target_label}^{{true}}", f"{target_label}^{{pred}}"
    return f"$({t} - {p})\\,/\\,{t}$" if relative else f"${t} - {p}$"


def plot_resolution(
    y_true: ArrayLike,
    y_pred: ArrayLike | Mapping[str, ArrayLike],
    *,
    sample_weight: ArrayLike | None = None,
    relative: bool = True,
    bins: int = 60,
    range: tuple[float, float] | None = None,
    label: str | None = None,
    target_label: str = "y",
    unit: str | None = None,
    stats: bool = True,
    method: ResolutionMethod = "iqr",
    ax: Any | None = None,
) -> Any:
    """Histogram of the residuals :math:`(y_{true} - y_{pred}) / y_{true}` (signed weights).

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
    y_pred : array-like of shape (n_events,) or mapping of name to array
        One prediction, or several models' predictions overlaid.
    sample_weight : array-like, default=None
        Signed event weights; the histogram is normalised to unit area by the net weight,
        with errors :math:`\\sqrt{\\sum w^2}`.
    relative : bool, default=True
        Relative residuals; ``False`` plots :math:`y_{true} - y_{pred}` (in ``unit``).
    bins : int, default=60
    range : (float, float), default=None
        By default symmetric around 0, covering the central 98 % of the residuals.
    label : str, default=None
        Legend name of a single prediction.
    target_label : str, default="y"
        LaTeX name of the target in the axis label, e.g. ``"p_T"``.
    unit : str, default=None
        Unit of the target, e.g. ``"GeV"`` (used when ``relative=False``).
    stats : bool, default=True
        Show the resolution and bias (:func:`sklhep.metrics.resolution` and
        :func:`~sklhep.metrics.bias`) in the legend.
    method : str, default="iqr"
        The resolution definition shown in the legend (see :func:`sklhep.metrics.resolution`).
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
    >>> rng = np.random.default_rng(0)
    >>> pt_true = rng.uniform(20.0, 100.0, 1000)
    >>> pt_pred = pt_true * rng.normal(0.98, 0.1, 1000)  # 2 % low, 10 % resolution
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # signed NLO weights
    >>> from sklhep.plotting import plot_resolution
    >>> ax = plot_resolution(pt_true, pt_pred, sample_weight=w, target_label="p_T")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['model: resolution 10.50 %, bias +1.43 %']
    >>> plt.close("all")
    """
    from sklhep.plotting._style import new_axes

    t = as_1d(y_true, "y_true")
    w = check_weights(sample_weight, t.shape[0])
    preds = _predictions(y_pred, t.shape[0], label)
    if relative and (t == 0).any():
        raise ValueError(
            "relative residuals divide by y_true, which is 0 for some events; "
            "pass relative=False or remove them"
        )
    residuals = {n: (t - p) / t if relative else t - p for n, p in preds.items()}
    if range is None:
        spread = max(float(np.percentile(np.abs(r), 98)) for r in residuals.values())
        spread = spread if spread > 0 else 1.0
        lo, hi = -spread, spread
    else:
        lo, hi = map(float, range)
    edges = np.linspace(lo, hi, bins + 1)
    width = np.diff(edges)
    net = net_weight(w, why="The histogram cannot be normalised.")
    ax = new_axes(ax)
    for name, r in residuals.items():
        h, e = weighted_histogram(r, w, edges)
        text = name
        if stats:
            from sklhep.metrics import bias, resolution

            res = resolution(t, preds[name], sample_weight=w, relative=relative, method=method)
            b = bias(t, preds[name], sample_weight=w, relative=relative)
            if relative:
                text += f": resolution {100 * res:.2f} %, bias {100 * b:+.2f} %"
            else:
                u = f" {unit}" if unit else ""
                text += f": resolution {res:.3g}{u}, bias {b:+.3g}{u}"
        line = ax.stairs(h / (net * width), edges, lw=1.6, label=text)
        centres = 0.5 * (edges[:-1] + edges[1:])
        ax.errorbar(
            centres,
            h / (net * width),
            yerr=e / (net * width),
            fmt="none",
            ecolor=line.get_edgecolor(),
            elinewidth=0.8,
        )
    ax.axvline(0.0, color="grey", lw=0.8, ls=":")
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom=0.0, top=ax.get_ylim()[1] * 1.25)
    xlabel = _residual_label(target_label, relative)
    if not relative and unit:
        xlabel += f" [{unit}]"
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Events (normalised to unit area)")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_resolution_vs_target(
    y_true: ArrayLike,
    y_pred: ArrayLike | Mapping[str, ArrayLike],
    *,
    sample_weight: ArrayLike | None = None,
    bins: int | ArrayLike = 10,
    relative: bool = True,
    method: ResolutionMethod = "iqr",
    label: str | None = None,
    target_label: str = "y",
    unit: str | None = None,
    logx: bool | None = None,
    axes: Any | None = None,
) -> Any:
    """Resolution (top) and bias (bottom) of the residuals in bins of the true target.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
    y_pred : array-like of shape (n_events,) or mapping of name to array
    sample_weight : array-like, default=None
        Signed event weights.
    bins : int or array-like, default=10
        Number of bins of ``y_true``, with equal net weight in each (weighted quantiles:
        fine bins where the target is dense, a mass peak or the low end of a falling
        :math:`p_T` spectrum), or the bin edges.
    relative : bool, default=True
        Relative residuals :math:`(y_{true} - y_{pred}) / y_{true}`.
    method : str, default="iqr"
        Width estimator passed to :func:`sklhep.metrics.resolution`.
    label : str, default=None
        Legend name of a single prediction.
    target_label : str, default="y"
        LaTeX name of the target, e.g. ``"p_T"``.
    unit : str, default=None
        Unit of the target, e.g. ``"GeV"``.
    logx : bool, default=None
        Logarithmic x-axis; by default when the target spans more than a decade.
    axes : pair of matplotlib Axes, default=None
        (resolution axes, bias axes); a new two-panel figure when None.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no display needed
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> pt_true = rng.uniform(20.0, 100.0, 1000)
    >>> pt_pred = pt_true * rng.normal(0.98, 0.1, 1000)  # 2 % low, 10 % resolution
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # signed NLO weights
    >>> from sklhep.plotting import plot_resolution_vs_target
    >>> fig = plot_resolution_vs_target(
    ...     pt_true, pt_pred, sample_weight=w, bins=5, target_label="p_T", unit="GeV"
    ... )
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['Relative resolution [%]', 'Relative bias [%]']
    >>> plt.close("all")
    """
    from sklhep.metrics import bias, resolution

    t = as_1d(y_true, "y_true")
    w = check_weights(sample_weight, t.shape[0])
    preds = _predictions(y_pred, t.shape[0], label)
    if np.ndim(bins) == 0:
        n_bins = int(np.asarray(bins).item())
        if n_bins < 1:
            raise ValueError(f"bins must be a positive integer or edges, got {bins!r}")
        # equal net-weight population: a peaked target (a mass) gets fine bins at the peak
        # and a falling spectrum at low values, with the same statistics in every bin
        inner = np.asarray(
            weighted_quantile(t, np.linspace(0, 1, n_bins + 1)[1:-1], w), dtype=np.float64
        )
        edges = np.unique(np.concatenate([[t.min()], inner, [t.max()]]))
        if edges.size < 2:
            edges = np.array([edges[0], edges[0] + 1.0])
    else:
        edges = np.asarray(bins, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("bin edges must be a 1-D increasing array of at least 2 values")
    if axes is None:
        import matplotlib.pyplot as plt

        with hep_style():
            fig, axes = plt.subplots(
                2,
                1,
                sharex=True,
                figsize=(6.4, 6.0),
                layout="constrained",
                height_ratios=(1.3, 1.0),
            )
    ax_res, ax_bias = axes
    fig = ax_res.figure
    centres = np.sqrt(edges[:-1] * edges[1:]) if edges[0] > 0 else 0.5 * (edges[:-1] + edges[1:])
    half = np.vstack([centres - edges[:-1], edges[1:] - centres])
    scale = 100.0 if relative else 1.0
    # each event's bin, [edges[i], edges[i + 1]) and the last bin closed; -1 or n_bins outside
    n_bins = centres.size
    index = np.searchsorted(edges, t, side="right") - 1
    index[t == edges[-1]] = n_bins - 1
    inside = (index >= 0) & (index < n_bins)
    sums = WeightSums.from_weights(w[inside], index[inside], n_bins)
    # bins with too few events or a non-positive net weight are skipped (left empty)
    filled = np.flatnonzero((sums.n_events >= 5) & (sums.net > 0))
    for name, p in preds.items():
        res, bs = np.full(n_bins, np.nan), np.full(n_bins, np.nan)
        for i in filled:
            m = index == i
            res[i] = resolution(t[m], p[m], sample_weight=w[m], relative=relative, method=method)
            bs[i] = bias(t[m], p[m], sample_weight=w[m], relative=relative)
        ax_res.errorbar(centres, scale * res, xerr=half, fmt="o", ms=4, capsize=0, label=name)
        ax_bias.errorbar(centres, scale * bs, xerr=half, fmt="o", ms=4, capsize=0, label=name)
    ax_bias.axhline(0.0, color="grey", lw=0.8, ls=":")
    if logx is None:
        logx = bool(edges[0] > 0 and edges[-1] / edges[0] > 10)
    if logx:
        from matplotlib.ticker import FormatStrFormatter, NullFormatter

        ax_bias.set_xscale("log")
        decades = np.arange(np.floor(np.log10(edges[0])), np.ceil(np.log10(edges[-1])) + 1)
        ticks = [m * 10**d for d in decades for m in (1, 2, 5)]
        ax_bias.set_xticks([v for v in ticks if edges[0] <= v <= edges[-1]])
        ax_bias.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax_bias.xaxis.set_minor_formatter(NullFormatter())
        ax_bias.set_xlim(edges[0], edges[-1])
    u = f" [{unit}]" if unit else ""
    what = "Relative resolution [%]" if relative else f"Resolution{u}"
    ax_res.set_ylabel(what)
    ax_res.set_ylim(bottom=0.0)
    ax_bias.set_ylabel("Relative bias [%]" if relative else f"Bias{u}")
    ax_bias.set_xlabel(f"True ${target_label}${u}")
    ax_res.legend(loc="best")
    return fig
