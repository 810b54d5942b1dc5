"""Mass sculpting: the background's protected variable after cuts on a classifier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sklhep.plotting._style import hep_style, weighted_histogram
from sklhep.weights import net_weight

__all__ = ["plot_sculpting"]


def plot_sculpting(
    y_true: ArrayLike,
    y_score: ArrayLike,
    protected: ArrayLike,
    *,
    sample_weight: ArrayLike | None = None,
    efficiencies: Sequence[float] = (0.8, 0.5, 0.2),
    bins: int | ArrayLike = 40,
    xlabel: str = "Mass [GeV]",
    pos_label: Any = None,
    axes: Any | None = None,
) -> Any:
    """The background's ``protected`` spectrum before and after cuts, normalised, with ratios.

    For each signal efficiency in ``efficiencies`` the cut ``y_score >= t`` that keeps that
    fraction of the net signal weight is applied (as in
    :func:`sklhep.metrics.sculpting_jsd`) and the passing background's ``protected``
    variable is histogrammed with its signed weights, normalised to unit area, with errors
    :math:`\\sqrt{\\sum w^2}` (scaled alike). The top panel shows these and the spectrum of
    all background events; the bottom panel their ratio to it. A classifier that does not
    sculpt leaves every ratio flat at 1; the legend gives each cut's background rejection
    and :math:`1/\\mathrm{JSD}`.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        Binary labels.
    y_score : array-like of shape (n_events,) or (n_events, 2)
        Classifier scores, larger for signal.
    protected : array-like of shape (n_events,)
        The variable that should not be sculpted (e.g. the jet mass).
    sample_weight : array-like of shape (n_events,), default=None
        Signed event weights.
    efficiencies : sequence of float in (0, 1], default=(0.8, 0.5, 0.2)
        The signal efficiencies of the cuts.
    bins : int or array-like, default=40
        Number of equal-width bins over the background's range, or the edges.
    xlabel : str, default="Mass [GeV]"
    pos_label : label, default=None
        The signal label; by default the larger label.
    axes : pair of matplotlib Axes, default=None
        (spectrum axes, ratio axes); a new two-panel figure when None.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklhep.plotting import plot_sculpting
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 2000); mass = 40.0 + rng.exponential(50.0, 4000)
    >>> score = y + rng.normal(size=4000) - np.abs(mass - 125.0) / 100.0  # sculpts
    >>> fig = plot_sculpting(y, score, mass, efficiencies=(0.8, 0.5), bins=20)
    >>> len(fig.axes)
    2
    """
    from sklhep.metrics import background_rejection, sculpting_jsd
    from sklhep.metrics._sculpting import _edges, sculpting_cut

    levels = [float(e) for e in np.atleast_1d(np.asarray(efficiencies, dtype=np.float64))]
    if len(levels) == 0:
        raise ValueError("efficiencies must name at least one signal efficiency.")
    cuts = [
        sculpting_cut(
            y_true,
            y_score,
            protected,
            sample_weight=sample_weight,
            signal_efficiency=e,
            pos_label=pos_label,
        )
        for e in levels
    ]
    m, w = cuts[0].protected, cuts[0].weight
    edges = _edges(m, w, bins)
    centres = 0.5 * (edges[:-1] + edges[1:])
    width = np.diff(edges)
    if axes is None:
        import matplotlib.pyplot as plt

        with hep_style():
            fig, axes = plt.subplots(
                2, 1, sharex=True, figsize=(6.4, 6.0), layout="constrained", height_ratios=(2, 1)
            )
    ax, ax_ratio = axes
    fig = ax.figure

    def density(mask: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
        h, err = weighted_histogram(m[mask], w[mask], edges)
        why = "Its spectrum cannot be normalised: use more events or a looser cut."
        area = net_weight(h * width, what=what, why=why)
        return h / area, err / area

    inclusive, _ = density(np.ones(m.shape[0], dtype=bool), "the background")
    ax.stairs(inclusive, edges, color="black", lw=1.8, label="All background")
    safe = np.where(inclusive > 0, inclusive, np.nan)
    ax_ratio.axhline(1.0, color="black", lw=1.2)
    top = 2.0  # the ratio axis: the points measured to better than 50 %
    for level, cut in zip(levels, cuts, strict=True):
        h, err = density(cut.passing, f"the background passing the {level:.0%} cut")
        rejection = background_rejection(
            y_true, y_score, signal_efficiency=level, sample_weight=sample_weight,
            pos_label=pos_label,
        )  # fmt: skip
        label = f"$\\varepsilon_S$ = {level:.0%}: $1/\\varepsilon_B$ = {rejection:.3g}"
        if level < 1.0:
            jsd = sculpting_jsd(
                y_true, y_score, protected, sample_weight=sample_weight,
                signal_efficiency=level, bins=edges, pos_label=pos_label,
            )  # fmt: skip
            label += f", 1/JSD = {1 / jsd:.3g}" if jsd > 0 else ", JSD = 0"
        line = ax.stairs(h, edges, lw=1.5, label=label)
        colour = line.get_edgecolor()
        ax.errorbar(centres, h, yerr=err, fmt="none", ecolor=colour, elinewidth=0.8)
        ratio = h / safe
        ax_ratio.errorbar(
            centres, ratio, yerr=err / safe, fmt="o", ms=3, color=colour, elinewidth=0.8
        )
        precise = np.isfinite(ratio) & (err < 0.5 * np.abs(h))
        if precise.any():
            top = max(top, 1.15 * float(ratio[precise].max()))
    ax.set_ylabel("Normalised background")
    ax.set_ylim(bottom=0.0)
    ax.legend(loc="upper right", fontsize="small")
    ax_ratio.set_ylim(0.0, top)
    ax_ratio.set_ylabel("Ratio to all")
    ax_ratio.set_xlabel(xlabel)
    ax_ratio.set_xlim(edges[0], edges[-1])
    return fig
