r"""Signed-weight losses for the BDT estimators: gradients, hessians, metrics, starting scores.

xgboost grows each tree from per-event gradients :math:`g_i` and hessians :math:`h_i` of
the loss with respect to the raw score (the *margin*) :math:`F`, and sets a leaf's value to
the Newton step :math:`-\sum g_i / (\sum h_i + \lambda)`. Its built-in objectives multiply
both by the event weight, which is why they refuse :math:`w_i < 0`: a negative hessian sum
makes the Newton step meaningless.

The signed objectives below use

.. math::

    g_i = w_i \, \ell'(F_i, y_i), \qquad h_i = w_i \, \ell''(F_i, y_i),

the gradient and hessian of the *net* weighted loss :math:`L(F) = \sum_i w_i \ell(F_i, y_i)`.
A leaf's value is then the exact Newton step on the net loss in that leaf, and its fixed
point, :math:`\sum_{i \in \text{leaf}} w_i \ell'(F, y_i) = 0`, is the net optimum. The
hessian that enters every leaf value and split gain is the leaf's *net* sum, and xgboost
accepts a split only when both children's sums reach ``min_child_weight`` (> 0), so no leaf
with a non-positive net weight can be formed. Leaf values are bounded (``max_delta_step``)
because a leaf whose net weight barely passes ``min_child_weight`` has a noisy step. The
per-event choice :math:`|w_i| \ell''` was tried first: it diverges, because in a leaf with
negative net weight its step points away from the optimum (see ``docs/bdt.md``).

Every loss here works on float32 buffers that are allocated once per fit and reused at
every boosting round.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from sklhep.weights import net_weight, weighted_mean, weighted_quantile

__all__ = [
    "LOSSES",
    "SIGNED_MAX_STEP_MARGIN",
    "SIGNED_MAX_STEP_STD",
    "AbsoluteError",
    "BinaryLogistic",
    "Loss",
    "PseudoHuber",
    "SignedObjective",
    "SoftmaxCrossEntropy",
    "SquaredError",
]

#: Smallest hessian per unit weight, as xgboost's own objectives use.
HESS_EPS = 1e-16
#: Probabilities are clipped to [PROB_EPS, 1 - PROB_EPS] in log-losses, as xgboost does.
PROB_EPS = 1e-16
#: Signed path: bound on a leaf's value (xgboost's ``max_delta_step``, before the learning
#: rate), in units of margin for classifiers and of the target's weighted standard
#: deviation for regressors. A regular logistic leaf's Newton step stays below about 2.
SIGNED_MAX_STEP_MARGIN = 5.0
SIGNED_MAX_STEP_STD = 0.5
#: The pseudo-Huber slope (xgboost's ``huber_slope`` default).
HUBER_SLOPE = 1.0


def _net(w: NDArray[Any]) -> float:
    return net_weight(w, why="A weighted loss needs a positive net weight.")


class Loss:
    """A loss ``ell(F, y)`` of the margin ``F``, with its signed-weight gradient and hessian.

    Subclasses define :meth:`grad_hess_unweighted`, :meth:`pointwise` and
    :meth:`init_margin`; ``native_objective`` and ``native_metric`` name xgboost's
    built-in equivalent used when all weights are non-negative.
    """

    native_objective: str = ""
    native_metric: str = ""
    #: The metric name in ``history_``.
    metric: str = ""

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        """The constant margin that minimises the net weighted loss (the starting score)."""
        raise NotImplementedError

    def native_base_score(self, margin: NDArray[np.float64]) -> list[float]:
        """``base_score`` for the native objective, from the starting margin."""
        return [float(m) for m in np.atleast_1d(margin)]

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        """Write :math:`\\ell'` and :math:`\\ell''` per event into ``grad`` and ``hess``."""
        raise NotImplementedError

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        """The loss per event, shape (n_samples,)."""
        raise NotImplementedError

    def grad_hess(
        self,
        margin: NDArray[Any],
        y: NDArray[Any],
        w: NDArray[Any],
        hess_w: NDArray[Any],
        grad: NDArray[Any] | None = None,
        hess: NDArray[Any] | None = None,
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """Signed-weight gradient ``w * ell'`` and hessian ``hess_w * ell''`` (``hess_w = w``)."""
        if grad is None:
            grad = np.empty_like(margin)
        if hess is None:
            hess = np.empty_like(margin)
        self.grad_hess_unweighted(margin, y, grad, hess)
        wc = w if margin.ndim == 1 else w[:, None]
        hwc = hess_w if margin.ndim == 1 else hess_w[:, None]
        np.multiply(grad, wc, out=grad)
        np.multiply(hess, hwc, out=hess)
        return grad, hess

    def value(self, margin: NDArray[Any], y: NDArray[Any], w: NDArray[Any]) -> float:
        """The net weighted mean loss :math:`\\sum_i w_i \\ell_i / \\sum_i w_i`."""
        per_event = self.pointwise(margin, y)
        if per_event.dtype != w.dtype:
            per_event = per_event.astype(np.float64)
            w = np.asarray(w, dtype=np.float64)
        return float(np.dot(per_event, w)) / _net(w)

    def metric_value(self, margin: NDArray[Any], y: NDArray[Any], w: NDArray[Any]) -> float:
        """The metric reported in ``history_`` (the loss itself unless overridden)."""
        return self.value(margin, y, w)

    def from_native_metric(self, value: float) -> float:
        """Convert xgboost's ``native_metric`` value to :meth:`metric_value`'s definition."""
        return value


class BinaryLogistic(Loss):
    r"""Binary cross-entropy on the logit: :math:`\ell = \log(1 + e^F) - yF`."""

    native_objective = "binary:logistic"
    native_metric = "logloss"
    metric = "logloss"

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        p = float(np.dot(w, y == 1)) / _net(w)
        p = min(max(p, 1e-12), 1 - 1e-12)
        return np.array([np.log(p / (1 - p))])

    def native_base_score(self, margin: NDArray[np.float64]) -> list[float]:
        # xgboost's binary:logistic takes base_score as a probability.
        return [float(expit(margin[0]))]

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        expit(margin, out=grad)  # p
        np.subtract(1.0, grad, out=hess)
        np.multiply(hess, grad, out=hess)  # p (1 - p)
        np.maximum(hess, HESS_EPS, out=hess)
        np.subtract(grad, y, out=grad)  # p - y

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        # max(F, 0) - yF + log(1 + exp(-|F|)); ~15x faster than np.logaddexp.
        out = np.abs(margin)
        np.negative(out, out=out)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += np.maximum(margin, 0.0)
        out -= y * margin
        return out


class SoftmaxCrossEntropy(Loss):
    r"""Multi-class cross-entropy on softmax margins: :math:`\ell = -\log p_y(F)`.

    The hessian is xgboost's diagonal bound :math:`2 p_k (1 - p_k)` of ``multi:softprob``.
    """

    native_objective = "multi:softprob"
    native_metric = "mlogloss"
    metric = "mlogloss"

    def __init__(self, n_classes: int) -> None:
        self.n_classes = n_classes

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        fractions = np.bincount(y, weights=w, minlength=self.n_classes) / _net(w)
        logp = np.log(np.clip(fractions, 1e-12, None))
        return logp - logp.mean()

    @staticmethod
    def softmax(margin: NDArray[Any], out: NDArray[Any] | None = None) -> NDArray[Any]:
        """Row-wise softmax of ``margin`` (shape (n_samples, n_classes))."""
        out = np.subtract(margin, margin.max(axis=1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=1, keepdims=True)
        return out

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        self.softmax(margin, out=grad)
        np.subtract(1.0, grad, out=hess)
        np.multiply(hess, grad, out=hess)
        hess *= 2.0
        np.maximum(hess, HESS_EPS, out=hess)
        grad[np.arange(grad.shape[0]), y] -= 1.0

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        top = margin.max(axis=1)
        lse = np.log(np.exp(margin - top[:, None]).sum(axis=1)) + top
        return lse - margin[np.arange(margin.shape[0]), y]

    def grad_hess(
        self,
        margin: NDArray[Any],
        y: NDArray[Any],
        w: NDArray[Any],
        hess_w: NDArray[Any],
        grad: NDArray[Any] | None = None,
        hess: NDArray[Any] | None = None,
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        # The one-hot term is subtracted after weighting to save a pass.
        if grad is None:
            grad = np.empty_like(margin)
        if hess is None:
            hess = np.empty_like(margin)
        self.softmax(margin, out=grad)
        np.subtract(1.0, grad, out=hess)
        np.multiply(hess, grad, out=hess)
        np.maximum(hess, HESS_EPS / 2, out=hess)
        np.multiply(hess, (2.0 * hess_w)[:, None], out=hess)
        np.multiply(grad, w[:, None], out=grad)
        grad[np.arange(grad.shape[0]), y] -= w
        return grad, hess


class SquaredError(Loss):
    r"""Half squared error :math:`\ell = (F - y)^2 / 2`; the metric is the net weighted MSE.

    With negative weights the net weighted MSE of a finite sample can come out negative
    (where the model over-fits negative-weight events); it is reported as it is.
    """

    native_objective = "reg:squarederror"
    native_metric = "rmse"
    metric = "mse"

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([float(weighted_mean(y, w))])

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        np.subtract(margin, y, out=grad)
        hess.fill(1.0)

    def grad_hess(
        self,
        margin: NDArray[Any],
        y: NDArray[Any],
        w: NDArray[Any],
        hess_w: NDArray[Any],
        grad: NDArray[Any] | None = None,
        hess: NDArray[Any] | None = None,
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        grad = np.subtract(margin, y, out=grad)
        grad *= w
        if hess is None:
            hess = hess_w.astype(margin.dtype)
        else:
            hess[...] = hess_w
        return grad, hess

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        d = margin - y
        return 0.5 * d * d

    def metric_value(self, margin: NDArray[Any], y: NDArray[Any], w: NDArray[Any]) -> float:
        return 2.0 * self.value(margin, y, w)

    def from_native_metric(self, value: float) -> float:
        return value * value


class AbsoluteError(Loss):
    r"""Absolute error :math:`\ell = |F - y|`; the starting score is the net weighted median.

    :math:`\ell'' = 0`, so the signed objective uses the constant hessian :math:`w / s`,
    with :math:`s` the net weighted mean absolute deviation of ``y`` around the median: a
    leaf's step is then at most ``learning_rate * s`` and the fixed point,
    :math:`\sum_{\text{leaf}} w_i \operatorname{sign}(F - y_i) = 0`, is the leaf's net
    weighted median.
    """

    native_objective = "reg:absoluteerror"
    native_metric = "mae"
    metric = "mae"

    def __init__(self) -> None:
        self.scale = 1.0

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        median = float(weighted_quantile(y, 0.5, w))
        dev = np.abs(y - median)
        scale = float(np.dot(w, dev)) / _net(w)
        if not scale > 0:
            scale = float(np.dot(np.abs(w), dev) / max(np.abs(w).sum(), 1e-300))
        self.scale = scale if scale > 0 else 1.0
        return np.array([median])

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        np.subtract(margin, y, out=grad)
        np.sign(grad, out=grad)
        hess.fill(1.0 / self.scale)

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        return np.abs(margin - y)


class PseudoHuber(Loss):
    r"""Pseudo-Huber loss :math:`\ell = \delta^2(\sqrt{1 + ((F - y)/\delta)^2} - 1)`, δ = 1.

    :math:`\ell' = z / \sqrt{1 + (z/\delta)^2}` and
    :math:`\ell'' = (1 + (z/\delta)^2)^{-3/2} > 0` with :math:`z = F - y`, as xgboost's
    ``reg:pseudohubererror`` (whose ``huber_slope`` default δ = 1 is kept). The starting
    score is the net weighted median.
    """

    native_objective = "reg:pseudohubererror"
    native_metric = "mphe"
    metric = "mphe"

    def init_margin(self, y: NDArray[Any], w: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([float(weighted_quantile(y, 0.5, w))])

    def grad_hess_unweighted(
        self, margin: NDArray[Any], y: NDArray[Any], grad: NDArray[Any], hess: NDArray[Any]
    ) -> None:
        d = HUBER_SLOPE
        np.subtract(margin, y, out=grad)  # z
        np.multiply(grad, grad, out=hess)
        hess /= d * d
        hess += 1.0  # 1 + (z/d)^2
        np.sqrt(hess, out=hess)
        np.divide(grad, hess, out=grad)  # z / sqrt(.)
        np.power(hess, -3.0, out=hess)  # (1 + (z/d)^2)^(-3/2)

    def pointwise(self, margin: NDArray[Any], y: NDArray[Any]) -> NDArray[Any]:
        d = HUBER_SLOPE
        z = (margin - y) / d
        return d * d * (np.sqrt(1.0 + z * z) - 1.0)


LOSSES: dict[str, type[Loss]] = {
    "squared_error": SquaredError,
    "absolute_error": AbsoluteError,
    "pseudo_huber": PseudoHuber,
}


class SignedObjective:
    """xgboost custom objective ``obj(margin, dtrain) -> (grad, hess)`` with signed weights.

    The gradient and hessian buffers are float32 and reused at every round. The net
    weighted training loss at the margins xgboost passes in (the model *before* the round's
    tree) is recorded in ``losses``, so that ``history_`` needs no extra prediction.
    """

    def __init__(
        self,
        loss: Loss,
        y: NDArray[Any],
        sample_weight: NDArray[np.float64],
        *,
        n_outputs: int = 1,
        record: bool = True,
    ) -> None:
        self.loss = loss
        self.y = y if y.dtype.kind in "iu" else y.astype(np.float32)
        self.w = sample_weight.astype(np.float32)
        # The hessian carries the signed weight too (see the module docstring).
        self.hess_w = self.w
        self.w64 = np.asarray(sample_weight, dtype=np.float64)
        shape = (y.shape[0],) if n_outputs == 1 else (y.shape[0], n_outputs)
        self.grad = np.empty(shape, dtype=np.float32)
        self.hess = np.empty(shape, dtype=np.float32)
        self.record = record
        self.losses: list[float] = []

    def __call__(self, margin: NDArray[Any], dtrain: Any = None) -> tuple[NDArray, NDArray]:
        margin = margin.reshape(self.grad.shape)
        if margin.dtype != np.float32:
            margin = margin.astype(np.float32)
        if self.record:
            # float32 dot product: the training metric does not need more, and it is cheap.
            self.losses.append(self.loss.metric_value(margin, self.y, self.w))
        return self.loss.grad_hess(margin, self.y, self.w, self.hess_w, self.grad, self.hess)
