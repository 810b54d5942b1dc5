"""Signed-weight correctness against analytic answers.

Each sample is a truth sample plus a "lump" of events entered twice, once with weight +1
and once with weight -1: the net (signed) density is the truth, so ``negative_weights=
"keep"`` must recover the analytic Bayes posterior / conditional mean, while ``"abs"``
(the lump counted twice) and ``"drop"`` (the lump counted once) learn a different,
analytically known, density.

The truths are chosen so that the exact answer is in the model family: Gaussian classes of
equal width have Bayes log-odds linear in x, and the regression truth is linear. A network
without hidden layers (``hidden_layer_sizes=()``) is then well specified, converges in a
few hundred steps, and the remaining error is statistical, which allows tight tolerances.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax

from sklhep import MLPClassifier, MLPRegressor

GRID = np.linspace(-1.0, 2.0, 31)[:, None]
FAST = {
    "hidden_layer_sizes": (),
    "batch_size": 2048,
    "max_epochs": 20,
    "learning_rate": 0.05,
    "early_stopping": False,
    "device": "cpu",
    "random_state": 0,
}


def _with_cancelling_lump(rng, X, y, n_lump, center, label):
    """Append a lump at ``center`` twice: weights +1 and -1 (net zero)."""
    lump = rng.normal(center, 0.3, size=(n_lump, 1))
    X_all = np.vstack([X, lump, lump])
    y_all = np.concatenate([y, np.full(2 * n_lump, label)])
    w = np.concatenate([np.ones(len(X)), np.ones(n_lump), -np.ones(n_lump)])
    return X_all, y_all, w


def test_binary_keep_recovers_bayes_posterior(rng):
    n = 10_000
    X = np.vstack([rng.normal(0.0, 1.0, (n, 1)), rng.normal(1.0, 1.0, (n, 1))])
    y = np.repeat([1, 0], n)
    X, y, w = _with_cancelling_lump(rng, X, y, n_lump=n // 5, center=2.0, label=1)
    truth = expit(0.5 - GRID[:, 0])  # N(0,1) vs N(1,1), equal priors

    errors = {}
    for policy in ("keep", "abs", "drop"):
        clf = MLPClassifier(negative_weights=policy, **FAST).fit(X, y, sample_weight=w)
        errors[policy] = np.abs(clf.predict_proba(GRID)[:, 1] - truth).max()
    assert errors["keep"] < 0.03, errors
    assert errors["abs"] > 0.2, errors
    assert errors["drop"] > 0.1, errors


def test_multiclass_keep_recovers_bayes_posterior(rng):
    n = 6_000
    means = np.array([0.0, 1.5, -1.5])
    X = np.vstack([rng.normal(m, 1.0, (n, 1)) for m in means])
    y = np.repeat(np.array(["a", "b", "c"]), n)
    X, y, w = _with_cancelling_lump(rng, X, y, n_lump=n // 4, center=2.0, label="a")
    truth = softmax(means * GRID - means**2 / 2, axis=1)

    errors = {}
    for policy in ("keep", "abs", "drop"):
        clf = MLPClassifier(negative_weights=policy, **FAST).fit(X, y, sample_weight=w)
        assert list(clf.classes_) == ["a", "b", "c"]
        errors[policy] = np.abs(clf.predict_proba(GRID) - truth).max()
    assert errors["keep"] < 0.04, errors
    assert errors["abs"] > 0.15, errors
    assert errors["drop"] > 0.1, errors


def test_regression_keep_recovers_conditional_mean(rng):
    n = 10_000
    x = rng.uniform(-2.0, 2.0, n)
    y = 100.0 * x + 50.0 + rng.normal(0.0, 10.0, n)  # GeV-like scale, standardised inside
    # Lump: same density as the base in x in [0.5, 1.5], target shifted by +200.
    x_l = rng.uniform(0.5, 1.5, n // 4)
    y_l = 100.0 * x_l + 250.0 + rng.normal(0.0, 10.0, n // 4)
    X = np.concatenate([x, x_l, x_l])[:, None]
    Y = np.concatenate([y, y_l, y_l])
    w = np.concatenate([np.ones(n), np.ones(n // 4), -np.ones(n // 4)])
    grid = np.linspace(0.7, 1.3, 13)[:, None]
    truth = 100.0 * grid[:, 0] + 50.0
    # The lump carries 1/3 (abs) or 1/5 (drop) of the training weight, with y shifted by
    # +200: the fitted line moves up by tens of GeV around the lump.
    shifts = {}
    for policy in ("keep", "abs", "drop"):
        reg = MLPRegressor(negative_weights=policy, **FAST).fit(X, Y, sample_weight=w)
        shifts[policy] = np.mean(reg.predict(grid) - truth)
    assert abs(shifts["keep"]) < 2.0, shifts
    assert shifts["abs"] > 30.0, shifts
    assert shifts["drop"] > 20.0, shifts
