"""TMVA's overtraining check: train vs test score distributions for signal and background."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sklhep.plotting._style import as_1d, check_weights, new_axes, weighted_histogram
from sklhep.weights import net_weight

__all__ = ["plot_score_distributions"]

_COLOURS = {"signal": "tab:blue", "background": "tab:red"}


def plot_score_distributions(
    score_train: ArrayLike,
    y_train: ArrayLike,
    score_test: ArrayLike,
    y_test: ArrayLike,
    *,
    weights_train: ArrayLike | None = None,
    weights_test: ArrayLike | None = None,
    pos_label: Any = 1,
    bins: int = 40,
    range: tuple[float, float] | None = None,
    ks: bool = True,
    xlabel: str = "Classifier score",
    ax: Any | None = None,
) -> Any:
    """Signal and background score distributions, train (filled) vs test (points).

    TMVA's overtraining plot, with signed weights: every histogram is the signed-weight
    histogram normalised to unit area (by its net weight), with errors
    :math:`\\sqrt{\\sum w^2}` on the test points. With ``ks=True`` the legend shows the
    weighted Kolmogorov-Smirnov p-value of train vs test for each class
    (:func:`sklhep.metrics.ks_test`); a tiny p-value signals over-training.

    Parameters
    ----------
    score_train, score_test : array-like of shape (n_events,)
        Classifier outputs of the training and test events.
    y_train, y_test : array-like of shape (n_events,)
        Labels; ``pos_label`` marks signal, every other value background.
    weights_train, weights_test : array-like, default=None
        Signed per-event weights (unit weights when None).
    pos_label : default=1
        The signal label.
    bins : int, default=40
        Number of bins.
    range : (float, float), default=None
        Score range; by default that of all the scores.
    ks : bool, default=True
        Compute and show the KS p-values.
    xlabel : str, default="Classifier score"
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure when None.

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
    >>> from sklhep.plotting import plot_score_distributions
    >>> train, test = slice(0, None, 2), slice(1, None, 2)  # every other event
    >>> ax = plot_score_distributions(
    ...     score[train], y[train], score[test], y[test],
    ...     weights_train=w[train], weights_test=w[test],
    ... )
    >>> for text in ax.get_legend().get_texts():
    ...     print(text.get_text())
    Signal (train)
    Background (train)
    Signal (test), KS p = 0.572
    Background (test), KS p = 0.096
    >>> plt.close("all")
    """
    s_tr, s_te = as_1d(score_train, "score_train"), as_1d(score_test, "score_test")
    y_tr, y_te = np.asarray(y_train), np.asarray(y_test)
    if y_tr.shape != s_tr.shape or y_te.shape != s_te.shape:
        raise ValueError(
            f"scores and labels must have the same length: score_train {s_tr.shape} vs "
            f"y_train {y_tr.shape}, score_test {s_te.shape} vs y_test {y_te.shape}"
        )
    w_tr = check_weights(weights_train, s_tr.shape[0])
    w_te = check_weights(weights_test, s_te.shape[0])
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    if range is None:
        both = np.concatenate([s_tr, s_te])
        lo, hi = float(both.min()), float(both.max())
        if hi <= lo:
            hi = lo + 1.0
    else:
        lo, hi = map(float, range)
    edges = np.linspace(lo, hi, bins + 1)
    width = np.diff(edges)
    centres = 0.5 * (edges[:-1] + edges[1:])

    ax = new_axes(ax)
    for name, is_class in (
        ("signal", lambda y: y == pos_label),
        ("background", lambda y: y != pos_label),
    ):
        m_tr, m_te = is_class(y_tr), is_class(y_te)
        if not m_tr.any() or not m_te.any():
            raise ValueError(
                f"no {name} events in the {'training' if not m_tr.any() else 'test'} scores "
                f"(signal is y == {pos_label!r}); pass pos_label= if your labels differ"
            )
        why = "Their histogram cannot be normalised to unit area."
        net_tr = net_weight(w_tr[m_tr], what=f"the {name} training events", why=why)
        net_te = net_weight(w_te[m_te], what=f"the {name} test events", why=why)
        h_tr, _ = weighted_histogram(s_tr[m_tr], w_tr[m_tr], edges)
        h_te, e_te = weighted_histogram(s_te[m_te], w_te[m_te], edges)
        colour = _COLOURS[name]
        ax.stairs(
            h_tr / (net_tr * width),
            edges,
            fill=True,
            alpha=0.35,
            color=colour,
            label=f"{name.capitalize()} (train)",
        )
        text = f"{name.capitalize()} (test)"
        if ks:
            from sklhep.metrics import ks_test

            result = ks_test(
                s_tr[m_tr], s_te[m_te], weights_train=w_tr[m_tr], weights_test=w_te[m_te]
            )
            text += f", KS p = {float(result[1]):.3g}"
        ax.errorbar(
            centres,
            h_te / (net_te * width),
            yerr=e_te / (net_te * width),
            fmt="o",
            ms=3.5,
            color=colour,
            elinewidth=1.0,
            capsize=0,
            label=text,
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom=0.0, top=ax.get_ylim()[1] * 1.3)  # room for the legend
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Events (normalised to unit area)")
    ax.legend(loc="upper center", ncol=2, fontsize="small")
    return ax
