"""Plots for analysts' scripts: ROC, overtraining check, training curves, regression.

Every function takes an optional ``ax=`` (or ``axes=``) and returns the Axes (a Figure for
the two-panel :func:`plot_resolution_vs_target`). Histograms use the signed event weights,
with errors :math:`\\sqrt{\\sum w^2}`. Figures created by these functions use
:func:`hep_style` (mplhep's style when mplhep is installed). See ``docs/plotting.md``.
"""

from sklhep.plotting._history import plot_feature_importances, plot_history
from sklhep.plotting._regression import plot_resolution, plot_resolution_vs_target
from sklhep.plotting._reweighting import plot_reweighting
from sklhep.plotting._roc import plot_roc
from sklhep.plotting._scores import plot_score_distributions
from sklhep.plotting._sculpting import plot_sculpting
from sklhep.plotting._style import hep_style

__all__ = [
    "hep_style",
    "plot_feature_importances",
    "plot_history",
    "plot_resolution",
    "plot_resolution_vs_target",
    "plot_reweighting",
    "plot_roc",
    "plot_score_distributions",
    "plot_sculpting",
]
