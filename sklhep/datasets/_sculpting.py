"""A boosted-jet tagging toy where a plain classifier sculpts the background mass."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sklhep._sklearn_compat import Interval, validate_params
from sklhep.datasets._generators import _assemble, _signed_block, _split_counts
from sklhep.datasets._signed import to_generator

__all__ = ["SCULPTING_FEATURES", "make_mass_sculpting"]

#: The feature columns of :func:`make_mass_sculpting`, in order (``mass`` is not one).
SCULPTING_FEATURES = ("pt", "eta", "m_groomed", "tau21", "d2", "n_tracks")

#: Mass range of the background (GeV) and the signal peak.
_M_LOW, _M_HIGH = 40.0, 300.0
_M_SIGNAL, _M_SIGNAL_WIDTH = 125.0, 10.0
#: Reference log(m^2 / pt^2) around which the background substructure is centred.
_RHO_0 = 2.0 * np.log(_M_SIGNAL / 450.0)


def _truncated_exponential(
    rng: np.random.Generator, n: int, low: float, high: float, scale: float
) -> NDArray[np.float64]:
    """``low + Exp(scale)`` truncated to ``[low, high)``, by inverting its CDF."""
    u = rng.random(n)
    span = 1.0 - np.exp(-(high - low) / scale)
    return low - scale * np.log1p(-u * span)


def _jets(
    rng: np.random.Generator, n: int, *, signal: bool, hard: bool, correlation: float
) -> dict[str, NDArray[np.float64]]:
    """Draw ``n`` jets of one class from the net (``hard=False``) or hard-emission density."""
    pt = 250.0 + rng.exponential(220.0 if hard else 150.0, n)
    eta = rng.normal(0.0, 1.3 if hard else 1.0, n)
    if signal:
        mass = rng.normal(_M_SIGNAL, 1.6 * _M_SIGNAL_WIDTH if hard else _M_SIGNAL_WIDTH, n)
        groomed = mass * np.clip(rng.normal(0.85, 0.2, n), 0.3, 1.2)
        tau21 = rng.normal(0.53, 0.16 if hard else 0.12, n)
        d2 = rng.gamma(4.0, 0.3, n)
        n_tracks = rng.poisson(11.0 + 0.01 * pt)
    else:
        mass = _truncated_exponential(rng, n, _M_LOW, _M_HIGH, 80.0 if hard else 55.0)
        rho = 2.0 * np.log(mass / pt) - _RHO_0
        # grooming removes a mass-dependent, fluctuating fraction of soft radiation
        groomed = mass * np.clip(rng.normal(0.80, 0.28 if hard else 0.24, n), 0.3, 1.2)
        # QCD substructure drifts with rho = log(m^2/pt^2): heavier jets look two-pronged
        tau21 = rng.normal(0.62 - correlation * 0.10 * rho, 0.17 if hard else 0.13, n)
        d2 = rng.gamma(4.0, 0.5, n)
        n_tracks = rng.poisson(18.0 + 0.01 * pt, n)
    return {
        "pt": pt,
        "eta": eta,
        "m_groomed": groomed,
        "tau21": np.clip(tau21, 0.0, 1.0),
        "d2": d2,
        "n_tracks": n_tracks.astype(np.float64),
        "mass": mass,
    }


@validate_params(
    {
        "n_events": [Interval(Integral, 2, None, closed="left")],
        "negative_fraction": [Interval(Real, 0.0, 0.5, closed="left")],
        "signal_fraction": [Interval(Real, 0.0, 1.0, closed="neither")],
        "correlation": [Interval(Real, 0.0, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    },
    prefer_skip_nested_validation=True,
)
def make_mass_sculpting(
    n_events: int = 100_000,
    *,
    negative_fraction: float = 0.15,
    signal_fraction: float = 0.3,
    correlation: float = 1.0,
    random_state: int | np.random.RandomState | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Boosted-jet tagging with a mass that a plain classifier sculpts, with signed weights.

    Signal jets are two-pronged decays of a 125 GeV resonance (``mass`` a Gaussian peak of
    width 10 GeV); background jets are QCD-like, with a falling mass spectrum on
    [40, 300] GeV. The features are the jet ``pt`` and ``eta``, the groomed mass
    ``m_groomed`` (a mass-dependent fraction of ``mass``), the substructure variables
    ``tau21`` and ``d2`` and the track multiplicity ``n_tracks``. In the background the
    substructure drifts with :math:`\\rho = \\log(m^2/p_T^2)` (heavier jets look more
    two-pronged), so a classifier that separates signal from background selects
    background jets near the signal mass: the background mass spectrum that passes a cut
    on its output gets a fake peak (it is *sculpted*). ``mass`` itself is not a feature;
    it is the variable to decorrelate from (``protected=df["mass"]``).

    The weights are NLO-like and signed, built exactly as in
    :func:`make_signal_background`: per class, ``negative_fraction`` of the events carry a
    negative weight and come, with as many positive-weight events, from a "hard-emission"
    density (harder ``pt``, wider substructure and mass); the signed-weight distribution of
    each class is the nominal one and its net weight equals its number of events.

    Parameters
    ----------
    n_events : int, default=100_000
        Total number of events (both classes, both signs).
    negative_fraction : float, default=0.15
        Fraction of negative-weight events in each class, in ``[0, 0.5)``.
    signal_fraction : float, default=0.3
        Fraction of the events (and of the net weight) that are signal, in ``(0, 1)``.
    correlation : float, default=1.0
        Strength of the background substructure's dependence on the mass; 0 makes the
        background features independent of ``mass`` given ``pt`` (bar ``m_groomed``, which
        is a fraction of the mass), and larger values sculpt more.
    random_state : int, RandomState, Generator or None, default=None
        Seed: the same int gives the same DataFrame.

    Returns
    -------
    df : pandas.DataFrame
        The layout of :func:`make_signal_background`: the feature columns
        (:data:`SCULPTING_FEATURES`, float64), then ``mass`` (float64, GeV), ``weight``,
        ``label`` (1 signal, 0 background), ``sample`` (``"background"``/``"signal"``) and
        ``event``. ``df.attrs["features"]`` lists the feature columns and
        ``df.attrs["protected"]`` is ``"mass"``.

    Examples
    --------
    >>> from sklhep.datasets import make_mass_sculpting
    >>> df = make_mass_sculpting(10_000, random_state=0)
    >>> X = df[list(df.attrs["features"])]
    >>> y, w, mass = df["label"], df["weight"], df["mass"]
    >>> X.shape, round(float((w < 0).mean()), 2)
    ((10000, 6), 0.15)
    """
    rng = to_generator(random_state)
    counts = _split_counts(
        n_events, [1.0 - signal_fraction, signal_fraction], "make_mass_sculpting"
    )
    blocks: list[tuple[dict[str, NDArray[np.float64]], NDArray[np.float64], dict[str, Any]]] = []
    for label, n_class in enumerate(counts):

        def draw(n: int, component: str, signal: bool = label == 1) -> Any:
            return _jets(
                rng, n, signal=signal, hard=component == "hard", correlation=float(correlation)
            )

        (net, hard), w, _ = _signed_block(draw, n_class, negative_fraction)
        columns = {c: np.concatenate([net[c], hard[c]]) for c in net}
        blocks.append((columns, w, {"label": np.full(n_class, label, dtype=np.int64)}))
    df = _assemble(blocks, rng)
    df["sample"] = pd.Categorical.from_codes(
        df["label"].to_numpy(), categories=["background", "signal"]
    )
    df = df[[*SCULPTING_FEATURES, "mass", "weight", "label", "sample", "event"]]
    df.attrs["features"] = SCULPTING_FEATURES
    df.attrs["protected"] = "mass"
    return df
