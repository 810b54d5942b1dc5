r"""DisCo: the distance-correlation penalty that decorrelates a classifier from a mass.

Kasieczka and Shih [1]_ add to the classifier's loss :math:`\lambda\,\mathrm{dCor}^2(f, m)`,
the squared distance correlation (Székely, Rizzo and Bakirov [2]_) between the classifier
output :math:`f` and the protected variable :math:`m`, computed on the background events of
every mini-batch. :math:`\mathrm{dCor}^2 = 0` if and only if :math:`f` and :math:`m` are
independent, so the penalty removes every dependence, not only a linear one.

With event weights :math:`w_i` on the :math:`n` background events of a batch,
:math:`a_{ij} = |f_i - f_j|` and :math:`b_{ij} = |m_i - m_j|`, the weighted V-statistic is

.. math::

    A_{ij} = a_{ij} - \bar a_{i\cdot} - \bar a_{\cdot j} + \bar a_{\cdot\cdot}, \quad
    \bar a_{i\cdot} = \frac1{\hat W} \sum_j w_j a_{ij}, \quad
    \bar a_{\cdot\cdot} = \frac1{\hat W} \sum_i w_i \bar a_{i\cdot},

    \mathrm{dCov}^2(f, m) = \frac1{\hat W^2} \sum_{ij} w_i w_j A_{ij} B_{ij}, \qquad
    \mathrm{dCor}^2 = \frac{\mathrm{dCov}^2(f, m)}
    {\sqrt{\mathrm{dCov}^2(f, f)\, \mathrm{dCov}^2(m, m)}},

which with :math:`\hat W = \sum_i w_i` is exactly the DisCo reference implementation.

**Signed weights.** Every sum above is linear in each weight, so a zero weight is the same
as removing the event and a :math:`+w/-w` pair of identical events cancels. But a batch's
own net weight :math:`\sum_i w_i` fluctuates, and can be zero or negative in a small batch
with many negative weights. sklhep therefore normalises by :math:`\hat W` = the *expected*
net background weight of the batch, (events in the batch) × (net background weight of
the training set) / (events in the training set), a constant as the loss's normalisation
is (see ``_net.py``). With signed weights, or with :math:`\hat W \ne \sum_i w_i`, the
estimate :math:`\mathrm{dCov}^2` is no longer a squared norm and can come out negative (a
statistical fluctuation around an independent pair); the penalty uses
:math:`\max(\mathrm{dCov}^2(f, m), 0)`, and the two variances in the denominator are
bounded below by a tiny positive number, so that the penalty lies in :math:`[0, \infty)`,
is 0 where the batch shows no dependence, and has a zero gradient there. Both choices are
tested: on unit weights the penalty equals the reference implementation.

The cost is :math:`O(n^2)` time and memory per batch in the number :math:`n` of background
events of the batch: negligible next to the network at :math:`n \lesssim 2000`, and the
reason for an upper bound on the batch size (:data:`MAX_EVENTS_PER_BATCH`). The estimate
needs enough background per batch: below :data:`MIN_EVENTS_PER_BATCH` expected
background events per batch ``fit`` warns (:class:`DecorrelationWarning`).

References
----------
.. [1] G. Kasieczka and D. Shih, "Robust jet classifiers through distance correlation",
       Phys. Rev. Lett. 125 (2020) 122001, arXiv:2001.05310.
.. [2] G. J. Székely, M. L. Rizzo and N. K. Bakirov, "Measuring and testing dependence by
       correlation of distances", Ann. Statist. 35 (2007) 2769.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

from sklhep._validation import check_protected, decorrelation_mask
from sklhep.exceptions import DecorrelationWarning

__all__ = [
    "MAX_EVENTS_PER_BATCH",
    "MIN_EVENTS_PER_BATCH",
    "DecorrelationWarning",
    "check_decorrelation_batches",
    "check_protected",
    "decorrelation_mask",
    "distance_correlation",
    "distance_covariances",
]

#: Fewer expected decorrelated events per batch than this: ``fit`` warns.
MIN_EVENTS_PER_BATCH = 256
#: More than this: ``fit`` refuses (the :math:`n \times n` matrices of a batch).
MAX_EVENTS_PER_BATCH = 8192
#: Lower bound of the variances in dCor's denominator.
_VARIANCE_FLOOR = 1e-12


def _centred(b: torch.Tensor, w: torch.Tensor, total: torch.Tensor) -> torch.Tensor:
    """:math:`b_{ij} - (r_i + r_j)/\\hat W + S/\\hat W^2`, :math:`r = b w`, :math:`S = w^T b w`."""
    row = (b @ w) / total
    grand = (row @ w) / total
    return (b - row[:, None]).sub_(row[None, :]).add_(grand)


def _sign_products(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """:math:`\\sum_j \\operatorname{sign}(x_i - x_j)\\, v_{jk}` for every ``i`` and column
    ``k`` of ``v`` (shape (n, k)), in :math:`O(n \\log n)` by sorting (ties count 0)."""
    xs, order = torch.sort(x)
    csum = torch.cat([v.new_zeros((1, v.shape[1])), torch.cumsum(v[order], dim=0)])
    below = csum[torch.searchsorted(xs, x, right=False)]  # sum over x_j < x_i
    not_above = csum[torch.searchsorted(xs, x, right=True)]  # sum over x_j <= x_i
    return below - (csum[-1] - not_above)


class _OutputCovariances(torch.autograd.Function):
    """:math:`\\hat W^2 \\mathrm{dCov}^2(x, m)` and :math:`\\hat W^2 \\mathrm{dCov}^2(x, x)`
    with an analytic backward pass. Only the cross term with the protected variable's
    centred matrix ``C`` is :math:`O(n^2)`; the sums of :math:`|x_i - x_j|` are computed in
    :math:`O(n \\log n)` by sorting."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, w: torch.Tensor, C: torch.Tensor, total: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        d = x[:, None] - x[None, :]
        sC = torch.sign(d).mul_(C)  # sign(x_i - x_j) C_ij
        cross = w @ (d.mul_(sC) @ w)  # w^T (|x_i - x_j| C_ij) w
        s_w, s_wx = _sign_products(x, torch.stack([w, w * x], dim=1)).unbind(1)
        ra = x * s_w - s_wx  # sum_j w_j |x_i - x_j|
        net, wx = w.sum(), w @ x
        sum_a2 = 2.0 * (net * (w @ (x * x)) - wx * wx)  # w^T (a o a) w, in O(n)
        sum_a = w @ ra
        var_x = sum_a2 - 2.0 * (w @ (ra * ra)) / total + sum_a * sum_a / (total * total)
        ctx.save_for_backward(x, w, sC, ra, s_w, net, wx, sum_a, total)
        return cross, var_x

    @staticmethod
    def backward(
        ctx: Any, g_cross: torch.Tensor, g_var: torch.Tensor
    ) -> tuple[torch.Tensor | None, ...]:
        x, w, sC, ra, s_w, net, wx, sum_a, total = ctx.saved_tensors
        d_cross = 2.0 * w * (sC @ w)
        s_wra = _sign_products(x, (w * ra)[:, None])[:, 0]
        d_sum_a2 = 4.0 * w * (net * x - wx)
        d_q = 2.0 * w * (ra * s_w + s_wra)
        d_sum_a = 2.0 * w * s_w
        d_var = d_sum_a2 - 2.0 * d_q / total + 2.0 * sum_a * d_sum_a / (total * total)
        return g_cross * d_cross + g_var * d_var, None, None, None


def distance_covariances(
    x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, total: torch.Tensor | float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Weighted :math:`\\mathrm{dCov}^2(x, y)`, :math:`\\mathrm{dCov}^2(x, x)`,
    :math:`\\mathrm{dCov}^2(y, y)`, normalised by ``total`` (module docstring).

    The V-statistics :math:`T_1 - 2T_3 + T_2` with every sum divided by the matching power
    of ``total``; with ``total`` the net sum of ``weight`` they are the double-centred
    matrix forms of the reference implementation. Differentiable in ``x`` only.
    """
    total_t = torch.as_tensor(total, dtype=x.dtype, device=x.device)
    w = weight.to(x.dtype).detach()
    with torch.no_grad():
        yv = y.to(x.dtype)
        b = (yv[:, None] - yv[None, :]).abs_()
        C = _centred(b, w, total_t)
        var_y = w @ (b.mul_(C) @ w)
    cross, var_x = _OutputCovariances.apply(x, w, C, total_t)
    norm = total_t * total_t
    return cross / norm, var_x / norm, var_y / norm


def distance_correlation(
    x: torch.Tensor,
    y: torch.Tensor,
    weight: torch.Tensor | None = None,
    total: torch.Tensor | float | None = None,
) -> torch.Tensor:
    """The DisCo penalty :math:`\\max(\\mathrm{dCov}^2(x, y), 0) / \\sqrt{\\cdots}` (a tensor).

    Parameters
    ----------
    x, y : torch.Tensor of shape (n,)
        The classifier output (differentiable) and the protected variable.
    weight : torch.Tensor of shape (n,), default=None
        Signed event weights (unit weights when None).
    total : float or tensor, default=None
        The normalisation :math:`\\hat W`; the net sum of ``weight`` when None.

    Returns
    -------
    torch.Tensor
        A scalar in :math:`[0, \\infty)` (the squared distance correlation, at most 1 for
        non-negative self-normalised weights); 0 for fewer than two events.
    """
    if x.shape[0] < 2:
        return x.sum() * 0.0
    w = torch.ones_like(x) if weight is None else weight.to(x.dtype)
    norm = w.sum().detach() if total is None else total
    dcov, var_x, var_y = distance_covariances(x, y, w, norm)
    denominator = torch.sqrt(var_x.clamp_min(_VARIANCE_FLOOR) * var_y.clamp_min(_VARIANCE_FLOOR))
    return dcov.clamp_min(0.0) / denominator


def check_decorrelation_batches(
    batch_size: int, n_train: int, n_decorrelated: int, *, stacklevel: int = 2
) -> None:
    """Warn when a batch holds too few decorrelated events, raise when too many."""
    per_batch = min(batch_size, n_train) * n_decorrelated / max(n_train, 1)
    if per_batch > MAX_EVENTS_PER_BATCH:
        raise ValueError(
            f"batch_size={batch_size} puts about {per_batch:.0f} decorrelated events in a "
            f"batch; the distance correlation costs O(n^2) memory and time per batch, so at "
            f"most {MAX_EVENTS_PER_BATCH} are allowed. Lower batch_size (1024 to 4096 is "
            "typical for DisCo)."
        )
    if per_batch < MIN_EVENTS_PER_BATCH:
        fraction = n_decorrelated / max(n_train, 1)
        advice = int(np.ceil(MIN_EVENTS_PER_BATCH / max(fraction, 1e-12)))
        warnings.warn(
            f"Each batch holds about {per_batch:.0f} events of the decorrelated classes; the "
            f"distance correlation of so few is noisy and biased. Raise batch_size to at "
            f"least {advice} (about {MIN_EVENTS_PER_BATCH} decorrelated events per batch).",
            DecorrelationWarning,
            stacklevel=stacklevel,
        )
