"""Signed-weight gradients and hessians: finite differences, positivity, net fixed point."""

from __future__ import annotations

import numpy as np
import pytest

from sklhep.ensemble._objectives import (
    AbsoluteError,
    BinaryLogistic,
    PseudoHuber,
    SignedObjective,
    SoftmaxCrossEntropy,
    SquaredError,
)

N = 50


def _data(loss, rng):
    if isinstance(loss, SoftmaxCrossEntropy):
        margin = rng.normal(scale=2.0, size=(N, loss.n_classes))
        y = rng.integers(0, loss.n_classes, N)
    elif isinstance(loss, BinaryLogistic):
        margin = rng.normal(scale=3.0, size=N)
        y = rng.integers(0, 2, N).astype(np.float64)
    else:
        margin = rng.normal(scale=2.0, size=N)
        y = rng.normal(scale=2.0, size=N)
    w = rng.normal(size=N)  # about half negative
    return margin, y, w


# (loss, factor such that hess == factor * true second derivative)
SMOOTH = [
    (BinaryLogistic(), 1.0),
    (SoftmaxCrossEntropy(3), 2.0),  # xgboost's multi:softprob bound 2 p (1 - p)
    (SquaredError(), 1.0),
    (PseudoHuber(), 1.0),
]


@pytest.mark.parametrize(("loss", "factor"), SMOOTH, ids=lambda v: type(v).__name__)
def test_gradient_and_hessian_match_finite_differences(loss, factor, rng):
    margin, y, _ = _data(loss, rng)
    grad = np.empty_like(margin)
    hess = np.empty_like(margin)
    loss.grad_hess_unweighted(margin, y, grad, hess)
    eps = 1e-5
    for k in range(1 if margin.ndim == 1 else margin.shape[1]):
        step = np.zeros_like(margin)
        if margin.ndim == 1:
            step[:] = eps
        else:
            step[:, k] = eps
        lp, l0, lm = (loss.pointwise(m, y) for m in (margin + step, margin, margin - step))
        num_grad = (lp - lm) / (2 * eps)
        num_hess = (lp - 2 * l0 + lm) / eps**2
        g = grad if margin.ndim == 1 else grad[:, k]
        h = hess if margin.ndim == 1 else hess[:, k]
        np.testing.assert_allclose(g, num_grad, atol=1e-6)
        np.testing.assert_allclose(h, factor * num_hess, atol=2e-4, rtol=1e-3)


@pytest.mark.parametrize(
    "loss",
    [BinaryLogistic(), SoftmaxCrossEntropy(3), SquaredError(), PseudoHuber(), AbsoluteError()],
    ids=lambda v: type(v).__name__,
)
def test_signed_gradient_and_hessian_carry_the_weight(loss, rng):
    """The signed objective's scheme (``hess_w = w``, as ``SignedObjective`` uses): both
    derivatives are the signed weight times the unweighted ones, and the unweighted
    hessian is positive, so a leaf's summed hessian is its net weight times a positive
    curvature (bounded below by ``min_child_weight``; see ``docs/bdt.md``)."""
    margin, y, w = _data(loss, rng)
    assert (w < 0).any()
    loss.init_margin(y.astype(np.intp) if margin.ndim == 2 else y, np.abs(w))
    g0 = np.empty_like(margin)
    h0 = np.empty_like(margin)
    loss.grad_hess_unweighted(margin, y, g0, h0)
    assert np.all(h0 > 0)
    grad, hess = loss.grad_hess(margin, y, w, w)
    wc = w if margin.ndim == 1 else w[:, None]
    np.testing.assert_allclose(grad, wc * g0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hess, wc * h0, rtol=1e-10, atol=1e-300)
    n_outputs = margin.shape[1] if margin.ndim == 2 else 1
    objective = SignedObjective(loss, y, w, n_outputs=n_outputs, record=False)
    np.testing.assert_array_equal(objective.hess_w, objective.w)
    # The signed gradient is the gradient of the net loss sum_i w_i l_i (finite differences).
    if not isinstance(loss, AbsoluteError):
        eps = 1e-6
        i = 3
        bumped = margin.copy()
        bumped[i] += eps
        lp = np.dot(w, loss.pointwise(bumped, y))
        bumped[i] -= 2 * eps
        lm = np.dot(w, loss.pointwise(bumped, y))
        np.testing.assert_allclose(np.sum(grad[i]), (lp - lm) / (2 * eps), rtol=1e-4, atol=1e-6)


def test_absolute_error_gradient_is_signed_sign_and_hessian_scale_positive(rng):
    loss = AbsoluteError()
    y = rng.normal(scale=5.0, size=N)
    loss.init_margin(y, np.ones(N))
    assert loss.scale > 1.0
    margin = rng.normal(size=N)
    w = rng.normal(size=N)
    grad, hess = loss.grad_hess(margin, y, w, np.abs(w))
    np.testing.assert_allclose(grad, w * np.sign(margin - y))
    np.testing.assert_allclose(hess, np.abs(w) / loss.scale)


def _leaf_newton(loss, y, w, n_iter=200):
    """Boost a single leaf (a constant margin) with the signed objective."""
    obj = SignedObjective(loss, y, w, n_outputs=getattr(loss, "n_classes", 1), record=False)
    shape = obj.grad.shape
    margin = np.zeros(shape, dtype=np.float32)
    for _ in range(n_iter):
        g, h = obj(margin)
        step = g.sum(axis=0) / h.sum(axis=0)
        margin = (margin - 0.5 * step).astype(np.float32)
    return margin[0]


def test_fixed_point_is_the_net_optimum(rng):
    # Cancelling events: the net fraction of class 1 is (30 - 10) / (30 - 10 + 40) = 1/3,
    # while |w| would give 40 / 80 = 1/2.
    y = np.r_[np.ones(30), np.ones(10), np.zeros(40)].astype(np.float32)
    w = np.r_[np.ones(30), -np.ones(10), np.ones(40)]
    margin = _leaf_newton(BinaryLogistic(), y, w)
    assert 1 / (1 + np.exp(-margin)) == pytest.approx(1 / 3, abs=1e-4)

    y3 = np.r_[np.zeros(20), np.ones(30), np.ones(10), np.full(20, 2)].astype(np.intp)
    w3 = np.r_[np.ones(20), np.ones(30), -np.ones(10), np.ones(20)]
    m3 = _leaf_newton(SoftmaxCrossEntropy(3), y3, w3)
    p3 = np.exp(m3) / np.exp(m3).sum()
    np.testing.assert_allclose(p3, [1 / 3, 1 / 3, 1 / 3], atol=1e-4)

    yr = np.r_[np.zeros(30), np.full(10, 5.0), np.full(10, 5.0)].astype(np.float32)
    wr = np.r_[np.ones(30), np.ones(10), -0.5 * np.ones(10)]
    mr = _leaf_newton(SquaredError(), yr, wr)
    assert mr == pytest.approx(np.dot(wr, yr) / wr.sum(), abs=1e-4)


def test_init_margin_is_net_fraction_and_mean():
    y = np.array([1.0, 1.0, 0.0, 0.0])
    w = np.array([2.0, -1.0, 1.0, 2.0])  # net class-1 fraction 1/4
    assert BinaryLogistic().init_margin(y, w)[0] == pytest.approx(np.log(1 / 3))
    assert SquaredError().init_margin(np.array([1.0, 5.0, 3.0]), np.array([1.0, -1.0, 2.0]))[
        0
    ] == pytest.approx((1 - 5 + 6) / 2)


# -- the weight properties, at the level of the loss --------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sklhep.ensemble._objectives import BinaryLogistic, SquaredError  # noqa: E402


def _sums(loss, margin, y, w):
    g, h = loss.grad_hess(
        margin.astype(np.float64), y.astype(np.float64), w.astype(np.float64), w.astype(np.float64)
    )
    return np.array([g.sum(), h.sum()])


@pytest.mark.parametrize("loss", [BinaryLogistic(), SquaredError()])
@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.floats(-3, 3), st.integers(0, 1), st.floats(0.1, 3)), min_size=2, max_size=20
    ),
    k=st.integers(0, 4),
)
def test_weight_properties_of_leaf_sums(loss, data, k):
    """What a leaf sees (its gradient and hessian sums): zero weight = removal, integer
    weight = repetition, and a +w/-w pair on the same event cancels."""
    margin, y, w = (np.array(c, dtype=float) for c in zip(*data, strict=True))
    base = _sums(loss, margin, y, w)
    # weight k on the first event == the event k times
    wk = w.copy()
    wk[0] *= k
    rep = (
        np.r_[margin[1:], np.repeat(margin[0], k)],
        np.r_[y[1:], np.repeat(y[0], k)],
        np.r_[w[1:], np.repeat(w[0], k)],
    )
    np.testing.assert_allclose(_sums(loss, margin, y, wk), _sums(loss, *rep), atol=1e-9)
    # a +w/-w pair cancels
    pair = (np.r_[margin, margin[0], margin[0]], np.r_[y, y[0], y[0]], np.r_[w, 2.0, -2.0])
    np.testing.assert_allclose(_sums(loss, *pair), base, atol=1e-9)
