r"""A flatness penalty for the signed-weight boosting objective: mass decorrelation for BDTs.

Rogozhnikov et al. [1]_ make a boosted classifier's output *uniform* in a protected
variable :math:`m` (a mass) by adding to the loss a distance between the output's
distribution in bins of :math:`m` and its global distribution (hep_ml's
``BinFlatnessLossFunction``). hep_ml uses the Cramér-von Mises distance of empirical CDFs,
a rank statistic whose exact gradient is zero almost everywhere, and boosts along a
heuristic of it. Here the CDFs are smoothed, so that the penalty is differentiable and
its gradient exact -- for xgboost's Newton boosting the gradient of the objective must be
the gradient of *something*.

For each decorrelated class :math:`C` (by default the background) with events
:math:`i \in C`, signed weights :math:`w_i`, bins :math:`b(i)` of the protected variable,
net weights :math:`W_b = \sum_{i \in b} w_i > 0` and :math:`W = \sum_b W_b`, and margins
(raw scores) :math:`F_i`, the efficiency of a cut :math:`F > t` in bin :math:`b` and
overall is smoothed with a logistic step,

.. math::

    \varepsilon_b(t) = \frac{1}{W_b} \sum_{i \in b} w_i\, \sigma\!\left(\frac{F_i - t}{\tau}
    \right), \qquad \varepsilon(t) = \frac1W \sum_{i \in C} w_i\, \sigma(\dots),

and the flatness distance is the weighted variance across the bins of the *relative*
efficiency, averaged over :math:`K` cuts :math:`t_k` that keep geometrically spaced fractions
:math:`\varepsilon(t_k)` of the class, from 1/2 to 1/100 by default (``efficiency_range``;
a selection keeps the tail of the background, where sculpting happens):

.. math::

    D = \frac1K \sum_k \sum_b \frac{W_b}{W} \left(\frac{\varepsilon_b(t_k)}
    {\varepsilon(t_k)} - 1\right)^2 .

(``scale="binomial"`` divides :math:`\varepsilon_b - \varepsilon` by
:math:`\sqrt{\varepsilon(1-\varepsilon)}` instead.) The objective is
:math:`\sum_i w_i \ell_i + \lambda W_\mathrm{all} D`, i.e. the net mean loss plus
:math:`\lambda D` (:math:`W_\mathrm{all}` is the net weight of the whole training set), and
with :math:`d_{bk} = \varepsilon_b(t_k)/\varepsilon(t_k) - 1`,
:math:`V_k = \sum_b (W_b/W) d_{bk}^2` and :math:`\sigma'_{ik}` the slope of event
:math:`i`'s step at cut :math:`k`, its gradient is

.. math::

    \frac{\partial}{\partial F_i} \lambda W_\mathrm{all} D = \frac{2 \lambda W_\mathrm{all}}
    {K W} \, w_i \sum_k \frac{\sigma'_{ik}}{\varepsilon(t_k)} \bigl(d_{b(i)k} - V_k\bigr),

hep_ml's update with a smooth step (tested against finite differences). The cuts
:math:`t_k` and widths :math:`\tau_k` (``smoothing`` times the spacing of neighbouring cuts,
at least the mean spacing and :data:`MIN_WIDTH`) are recomputed from the margins at every
boosting round and held fixed within it. The hessian returned is the Gauss-Newton term
:math:`\frac{2\lambda W_\mathrm{all}}{K W} \sum_k (w_i \sigma'_{ik}/\varepsilon(t_k))^2
(1/W_b - 1/W) \ge 0`, small next to the loss's; the exact hessian is indefinite. (The row
sums of the Gauss-Newton matrix, exact for a step that moves a whole bin, were tried as the
hessian: they are so much larger than the loss's that the background stops learning, and
the model loses rejection without decorrelating.)

Signed weights enter linearly everywhere: a zero weight is the same as removing the event,
a :math:`+w/-w` pair of identical events cancels, and only the net weight of every bin
must be positive (:func:`protected_bins` makes equal-net-weight bins). Cost per round:
:math:`O(N_C K)` logistic evaluations.

References
----------
.. [1] A. Rogozhnikov, A. Bukva, V. Gligorov, A. Ustyuzhanin and M. Williams, "New
       approaches for boosting to uniformity", JINST 10 (2015) T03002, arXiv:1410.4140.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from sklhep.weights import net_weight, weighted_quantile

__all__ = [
    "EFFICIENCY_FLOOR",
    "EFFICIENCY_RANGE",
    "MIN_WIDTH",
    "FlatnessObjective",
    "FlatnessPenalty",
    "protected_bins",
]

#: Least width of a smoothed cut, in margin (logit) units.
MIN_WIDTH = 0.05
#: Least overall efficiency a relative efficiency difference is divided by.
EFFICIENCY_FLOOR = 1e-3
#: The loosest and tightest cut compared, as the fraction of the class that passes.
EFFICIENCY_RANGE = (0.5, 0.01)


def protected_bins(
    protected: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike,
    *,
    classes: Sequence[Any] = (0,),
    n_bins: int = 20,
) -> NDArray[np.intp]:
    """Bin index of every event: equal-net-weight bins of ``protected`` per decorrelated class.

    Parameters
    ----------
    protected : array-like of shape (n_samples,)
        The variable to decorrelate from (finite).
    y : array-like of shape (n_samples,)
        Class codes.
    sample_weight : array-like of shape (n_samples,)
        Signed weights.
    classes : sequence, default=(0,)
        The classes whose output should not depend on ``protected``.
    n_bins : int, default=20
        Bins per class; the edges are the class's weighted quantiles of ``protected``.

    Returns
    -------
    ndarray of int of shape (n_samples,)
        ``0..n_bins-1`` for the events of a decorrelated class, ``-1`` for the others.
    """
    m = np.asarray(protected, dtype=np.float64)
    labels = np.asarray(y)
    w = np.asarray(sample_weight, dtype=np.float64)
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}.")
    out = np.full(m.shape[0], -1, dtype=np.intp)
    for c in classes:
        mask = labels == c
        if not mask.any():
            raise ValueError(f"decorrelation class {c!r} has no events.")
        inner = weighted_quantile(m[mask], np.arange(1, n_bins) / n_bins, w[mask])
        out[mask] = np.searchsorted(np.asarray(inner), m[mask], side="right")
    return out


class FlatnessPenalty:
    """Gradient and hessian of :math:`\\lambda W_\\mathrm{all} D` (module docstring).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class codes.
    sample_weight : array-like of shape (n_samples,)
        The signed training weights (as the objective gets them).
    bins : array-like of int of shape (n_samples,)
        Bin of the protected variable of each event, ``-1`` outside every bin (events of
        the other classes); see :func:`protected_bins`.
    strength : float
        :math:`\\lambda \\ge 0`.
    classes : sequence, default=(0,)
        The classes to decorrelate (each gets its own :math:`D`, and they add up).
    n_cuts : int, default=20
        :math:`K`, the number of cut values the efficiencies are compared at.
    smoothing : float, default=0.5
        :math:`\\tau_k` in units of the spacing of neighbouring cuts.
    scale : {"relative", "binomial"}, default="relative"
        What an efficiency difference is divided by: the efficiency :math:`\\varepsilon`
        (every cut counts alike), or :math:`\\sqrt{\\varepsilon(1-\\varepsilon)}` (a
        chi-square in the efficiency; tight cuts count less).
    total_weight : float, default=None
        :math:`W_\\mathrm{all}`; the net sum of ``sample_weight`` when None.
    efficiency_range : (float, float), default=EFFICIENCY_RANGE
        The loosest and the tightest cut, as the fraction of the class's net weight that
        passes; the :math:`K` cuts are spaced geometrically between them.
    """

    def __init__(
        self,
        y: ArrayLike,
        sample_weight: ArrayLike,
        bins: ArrayLike,
        strength: float,
        *,
        classes: Sequence[Any] = (0,),
        n_cuts: int = 20,
        smoothing: float = 0.5,
        scale: str = "relative",
        total_weight: float | None = None,
        efficiency_range: tuple[float, float] = EFFICIENCY_RANGE,
    ) -> None:
        if not strength >= 0:
            raise ValueError(f"strength must be >= 0, got {strength!r}.")
        if n_cuts < 1 or not smoothing > 0:
            raise ValueError("n_cuts must be >= 1 and smoothing > 0.")
        labels = np.asarray(y)
        w = np.asarray(sample_weight, dtype=np.float64)
        bin_idx = np.asarray(bins, dtype=np.intp)
        if not labels.shape == w.shape == bin_idx.shape or w.ndim != 1:
            raise ValueError("y, sample_weight and bins must be 1-D arrays of the same length.")
        self.n = w.shape[0]
        self.strength = float(strength)
        self.n_cuts = int(n_cuts)
        self.smoothing = float(smoothing)
        if scale not in ("relative", "binomial"):
            raise ValueError(f"scale must be 'relative' or 'binomial', got {scale!r}.")
        self.scale = scale
        loose, tight = (float(e) for e in efficiency_range)
        if not 0 < tight < loose < 1:
            raise ValueError(
                f"efficiency_range must be (loose, tight) with 1 > loose > tight > 0, got "
                f"{efficiency_range!r}."
            )
        # the cuts keep geometrically spaced fractions of the class: a selection keeps the
        # tail of the background, where sculpting happens
        self.efficiencies = (
            np.geomspace(loose, tight, self.n_cuts)
            if self.n_cuts > 1
            else np.array([np.sqrt(loose * tight)])
        )
        self.levels = 1.0 - self.efficiencies
        why = "The flatness penalty needs a positive net weight in every bin of protected."
        self.total_weight = (
            net_weight(w, what="the training set", why=why)
            if total_weight is None
            else float(total_weight)
        )
        # per decorrelated class: event indices, their weights, bin codes, bin net weights
        self.groups: list[tuple[Any, ...]] = []
        for c in classes:
            idx = np.flatnonzero((labels == c) & (bin_idx >= 0))
            if idx.shape[0] == 0:
                raise ValueError(f"decorrelation class {c!r} has no events in any bin.")
            _, codes = np.unique(bin_idx[idx], return_inverse=True)
            # events sorted by bin: per-bin sums are one np.add.reduceat over every cut
            order = np.argsort(codes, kind="stable")
            idx, codes = idx[order], codes[order]
            wc = w[idx]
            w_bins = np.bincount(codes, weights=wc).astype(np.float64)
            for k, total in enumerate(w_bins):
                if not total > 0:
                    raise ValueError(
                        f"bin {k} of the protected variable in class {c!r} has net weight "
                        f"{total:.6g} <= 0. {why} Use fewer or equal-net-weight bins "
                        "(protected_bins)."
                    )
            w_class = float(w_bins.sum())
            starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
            self.groups.append((idx, wc, codes, w_bins, w_class, starts))

    # -- the cuts ----------------------------------------------------------------------------
    def cuts(self, margin: ArrayLike) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Per class, the cut values :math:`t_k` and widths :math:`\\tau_k` at ``margin``."""
        F = np.asarray(margin, dtype=np.float64).reshape(-1)
        out = []
        for idx, wc, *_ in self.groups:
            t = np.asarray(weighted_quantile(F[idx], self.levels, wc), dtype=np.float64)
            if t.shape[0] > 1:
                spacing = np.gradient(t)
            else:
                spacing = np.array([float(np.subtract(*np.percentile(F[idx], [75, 25])))])
            # a floor: the margins of the first rounds take few distinct values, and
            # coinciding cuts would make the step (and the gradient) arbitrarily sharp
            floor = max(float(t[-1] - t[0]) / self.n_cuts, MIN_WIDTH)
            tau = self.smoothing * np.maximum(np.abs(spacing), floor)
            out.append((t, tau))
        return out

    def _efficiencies(
        self,
        F: NDArray[np.float64],
        group: tuple[Any, ...],
        cut: tuple[NDArray[np.float64], NDArray[np.float64]],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        idx, wc, _, w_bins, w_class, starts = group
        t, tau = cut
        z = (F[idx, None] - t[None, :]) / tau[None, :]
        sig = expit(z)  # (n_class, K)
        weighted = sig * wc[:, None]
        per_bin = np.add.reduceat(weighted, starts, axis=0)  # (n_bins, K)
        eff_bin = per_bin / w_bins[:, None]
        eff = per_bin.sum(axis=0) / w_class
        # "relative": (eps_b - eps) / eps, every cut counts alike, however tight;
        # "binomial": (eps_b - eps) / sqrt(eps (1 - eps)), a chi-square in the efficiency
        if self.scale == "relative":
            scale = np.maximum(np.abs(eff), EFFICIENCY_FLOOR)
            slope = np.ones_like(eff)  # d scale / d eps
        else:
            var = np.maximum(eff * (1.0 - eff), EFFICIENCY_FLOOR)
            scale = np.sqrt(var)
            slope = np.where(var > EFFICIENCY_FLOOR, (1.0 - 2.0 * eff) / (2.0 * scale), 0.0)
        self._slope = slope
        return sig, (eff_bin - eff[None, :]) / scale[None, :], scale

    # -- value, gradient, hessian --------------------------------------------------------------
    def distance(self, margin: ArrayLike, cuts: list[Any] | None = None) -> float:
        """The flatness distance :math:`D` (summed over the classes), without :math:`\\lambda`."""
        F = np.asarray(margin, dtype=np.float64).reshape(-1)
        cuts = self.cuts(F) if cuts is None else cuts
        total = 0.0
        for group, cut in zip(self.groups, cuts, strict=True):
            _, diff, _ = self._efficiencies(F, group, cut)
            w_bins, w_class = group[3], group[4]
            total += float(np.sum((w_bins / w_class)[:, None] * diff * diff)) / self.n_cuts
        return total

    def value(self, margin: ArrayLike, cuts: list[Any] | None = None) -> float:
        """:math:`\\lambda W_\\mathrm{all} D` at ``margin`` (with ``cuts`` held fixed)."""
        return self.strength * self.total_weight * self.distance(margin, cuts)

    def grad_hess(
        self, margin: ArrayLike, cuts: list[Any] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Per-event gradient and (Gauss-Newton) hessian of :meth:`value`, shape (n_samples,).

        Add them to the loss's: ``grad + g``, ``hess + h``.
        """
        F = np.asarray(margin, dtype=np.float64).reshape(-1)
        grad = np.zeros(self.n)
        hess = np.zeros(self.n)
        if self.strength == 0:
            return grad, hess
        cuts = self.cuts(F) if cuts is None else cuts
        for group, cut in zip(self.groups, cuts, strict=True):
            idx, wc, codes, w_bins, w_class, _ = group
            sig, diff, scale = self._efficiencies(F, group, cut)
            dsig = sig * (1.0 - sig) / (cut[1] * scale)[None, :]  # d sigma/dF / eps_k
            # d/dF_i of sum_b W_b/W (eps_b/eps - 1)^2 at cut k:
            #   2 w_i sigma'_ik / (W eps_k) * (diff_{b(i)k} - V_k), V_k = sum_b W_b/W diff_bk^2
            variance = ((w_bins / w_class)[:, None] * diff * diff).sum(axis=0)
            factor = 2.0 * self.strength * self.total_weight / (self.n_cuts * w_class)
            spread_k = diff[codes] - (variance * self._slope)[None, :]
            grad[idx] += factor * wc * np.einsum("ik,ik->i", dsig, spread_k)
            spread = 1.0 / w_bins[codes] - 1.0 / w_class
            hess[idx] += factor * wc * wc * np.einsum("ik,ik->i", dsig, dsig) * spread
        return grad, hess


class FlatnessObjective:
    """An xgboost objective: a signed loss objective plus a :class:`FlatnessPenalty`.

    ``objective(margin, dtrain)`` returns the base objective's float32 gradient and hessian
    with the penalty's added in place (binary problems: one margin per event). The base is
    any callable with that signature, e.g. :class:`~sklhep.ensemble._objectives.SignedObjective`
    (whose recorded ``losses`` stay those of the loss alone).
    """

    def __init__(self, base: Any, penalty: FlatnessPenalty) -> None:
        self.base = base
        self.penalty = penalty

    def __call__(self, margin: NDArray[Any], dtrain: Any = None) -> tuple[NDArray, NDArray]:
        grad, hess = self.base(margin, dtrain)
        if self.penalty.strength == 0:
            return grad, hess
        p_grad, p_hess = self.penalty.grad_hess(margin)
        grad += p_grad.reshape(grad.shape).astype(grad.dtype, copy=False)
        hess += p_hess.reshape(hess.shape).astype(hess.dtype, copy=False)
        return grad, hess
