"""ROC curves in the TMVA/ATLAS style: background rejection vs signal efficiency."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sklhep.plotting._style import new_axes

__all__ = ["plot_roc"]


def _curve(name: str, value: Any) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(signal efficiency, background efficiency, AUC or None) of one entry."""
    if hasattr(value, "signal_efficiency") and hasattr(value, "background_efficiency"):
        eff_s = np.asarray(value.signal_efficiency, dtype=np.float64)
        eff_b = np.asarray(value.background_efficiency, dtype=np.float64)
        auc = None
    elif isinstance(value, Mapping) and {"signal_efficiency", "background_efficiency"} <= set(
        value
    ):
        eff_s = np.asarray(value["signal_efficiency"], dtype=np.float64)
        eff_b = np.asarray(value["background_efficiency"], dtype=np.float64)
        auc = None
    elif isinstance(value, (tuple, list)) and len(value) in (2, 3):
        from sklhep.metrics import roc_auc_score, roc_curve

        y_true, y_score = value[0], value[1]
        weight = value[2] if len(value) == 3 else None
        curve = roc_curve(y_true, y_score, sample_weight=weight)
        eff_s = np.asarray(curve.signal_efficiency, dtype=np.float64)
        eff_b = np.asarray(curve.background_efficiency, dtype=np.float64)
        auc = float(roc_auc_score(y_true, y_score, sample_weight=weight))
    else:
        raise TypeError(
            f"curve {name!r}: expected a RocCurve (from sklhep.metrics.roc_curve), a mapping "
            "with 'signal_efficiency' and 'background_efficiency', or a tuple "
            f"(y_true, y_score[, sample_weight]); got {type(value).__name__}"
        )
    if eff_s.shape != eff_b.shape or eff_s.ndim != 1:
        raise ValueError(
            f"curve {name!r}: signal and background efficiencies must be 1-D arrays of the "
            f"same length, got shapes {eff_s.shape} and {eff_b.shape}"
        )
    if auc is None and eff_s.size > 1:
        order = np.argsort(eff_b, kind="stable")
        auc = float(np.trapezoid(eff_s[order], eff_b[order]))
    return eff_s, eff_b, auc


def plot_roc(
    curves: Mapping[str, Any] | Any,
    *,
    ax: Any | None = None,
    label: str | None = None,
    min_signal_efficiency: float = 0.0,
    show_random: bool = True,
) -> Any:
    """Background rejection :math:`1/\\varepsilon_B` (log scale) vs signal efficiency.

    Parameters
    ----------
    curves : mapping of str to curve, or one curve
        Model name -> curve. A curve is either a ``RocCurve`` (from
        :func:`sklhep.metrics.roc_curve`, or any object with ``signal_efficiency`` and
        ``background_efficiency`` attributes), a mapping with those keys, or a tuple
        ``(y_true, y_score)`` / ``(y_true, y_score, sample_weight)`` from which the curve
        and the AUC are computed with :mod:`sklhep.metrics` (signed weights). A plain tuple
        is always read as data, never as precomputed efficiencies.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.
    label : str, default=None
        Legend name when ``curves`` is a single curve.
    min_signal_efficiency : float, default=0.0
        Left end of the x-axis (rejections at tiny efficiencies are dominated by
        statistical fluctuations).
    show_random : bool, default=True
        Draw the random classifier, :math:`1/\\varepsilon_B = 1/\\varepsilon_S`.

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
    >>> y = np.repeat([0, 1], 500)  # 500 background, 500 signal events
    >>> score = np.r_[rng.normal(0.0, 1.0, 500), rng.normal(1.5, 1.0, 500)]
    >>> w = np.where(rng.random(1000) < 0.1, -0.5, 1.0)  # about 10 % negative NLO weights
    >>> from sklhep.plotting import plot_roc
    >>> ax = plot_roc({"MLP": (y, score, w)})  # (y_true, y_score, sample_weight): AUC computed
    >>> ax.get_yscale(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('log', ['MLP (AUC = 0.8671)', 'Random guess'])
    >>> plt.close("all")
    """
    if not isinstance(curves, Mapping) or {"signal_efficiency", "background_efficiency"} <= set(
        curves
    ):
        curves = {label or "model": curves}
    if len(curves) == 0:
        raise ValueError("plot_roc needs at least one curve")
    ax = new_axes(ax)
    for name, value in curves.items():
        eff_s, eff_b, auc = _curve(str(name), value)
        # 1/eps_B is infinite (or negative with signed weights) where eps_B <= 0: not drawn
        keep = (eff_b > 0) & (eff_s >= min_signal_efficiency)
        order = np.argsort(eff_s[keep], kind="stable")
        text = f"{name} (AUC = {auc:.4f})" if auc is not None else str(name)
        ax.plot(eff_s[keep][order], 1.0 / eff_b[keep][order], label=text, lw=1.8)
    if show_random:
        grid = np.linspace(max(min_signal_efficiency, 0.01), 1.0, 200)
        ax.plot(grid, 1.0 / grid, color="grey", ls=":", lw=1.2, label="Random guess")
    ax.set_yscale("log")
    ax.set_xlim(min_signal_efficiency, 1.0)
    ax.set_ylim(bottom=1.0)
    ax.set_xlabel(r"Signal efficiency $\varepsilon_S$")
    ax.set_ylabel(r"Background rejection $1/\varepsilon_B$")
    ax.legend(loc="upper right")
    return ax
