"""Shared plotting helpers: the HEP style, axes creation and weighted histograms."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sklhep.weights import check_sample_weight

__all__ = ["hep_style", "new_axes", "weighted_histogram"]

# moderate sizes that stay readable from a 6 x 4.5 inch figure up to a full page
_BASE_RC: dict[str, Any] = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "legend.frameon": False,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "figure.figsize": (6.4, 4.8),
    "font.size": 11,
    "xtick.major.size": 5,
    "xtick.minor.size": 2.5,
    "ytick.major.size": 5,
    "ytick.minor.size": 2.5,
    "mathtext.fontset": "dejavusans",  # mplhep's "custom" set asks for fonts rarely installed
}


@contextlib.contextmanager
def hep_style(experiment: str = "ATLAS") -> Iterator[None]:
    """Context manager: mplhep's ``experiment`` style when mplhep is installed, else a plain one.

    The font sizes are kept moderate so that the figures stay readable at the default
    size. ``sklhep.plotting`` functions use it for the figures they create themselves;
    wrap your own ``plt.subplots`` in it to get the same look::

        with sklhep.plotting.hep_style():
            fig, ax = plt.subplots()
            plot_roc(curves, ax=ax)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # no display needed
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklhep.plotting import hep_style, plot_roc
    >>> with hep_style():
    ...     fig, ax = plt.subplots()
    >>> ax = plot_roc({"BDT": {"signal_efficiency": [0.0, 0.5, 1.0],
    ...                        "background_efficiency": [0.0, 0.05, 1.0]}}, ax=ax)
    >>> ax.get_yscale()  # background rejection, log scale
    'log'
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    rc: list[Any] = []
    try:
        from sklhep.extras import mplhep

        styles = mplhep().style
        chosen = getattr(styles, experiment.upper(), None)
        if chosen is not None:
            rc.append(chosen)
    except ModuleNotFoundError:
        pass
    rc.append(_BASE_RC)
    with plt.style.context(rc):
        yield


def new_axes(ax: Any | None, figsize: tuple[float, float] = (6.4, 4.8)) -> Any:
    """``ax`` itself, or the axes of a new figure made in :func:`hep_style`."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with hep_style():
        _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def as_1d(values: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per event), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; remove those events before plotting")
    return arr


def check_weights(sample_weight: ArrayLike | None, n: int) -> NDArray[np.float64]:
    return check_sample_weight(sample_weight, n)


def weighted_histogram(
    x: NDArray[np.float64], w: NDArray[np.float64], edges: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Signed-weight bin contents and their errors :math:`\\sqrt{\\sum w^2}`."""
    h, _ = np.histogram(x, edges, weights=w)
    h2, _ = np.histogram(x, edges, weights=w * w)
    return h, np.sqrt(h2)
