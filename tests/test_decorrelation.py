"""Mass decorrelation of the MLP: the weighted DisCo penalty, its errors and its routing."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep import MLPClassifier
from sklhep.model_selection import CrossEvaluator
from sklhep.neural_network._disco import DecorrelationWarning, distance_correlation


def _reference_dcor(var_1, var_2, normedweight):
    """Kasieczka and Shih's reference (github.com/gkasieczka/DisCo, power=1); weights of
    mean 1."""
    n = len(var_1)
    amat = (var_1.view(-1, 1).repeat(1, n) - var_1.repeat(n, 1)).abs()
    bmat = (var_2.view(-1, 1).repeat(1, n) - var_2.repeat(n, 1)).abs()
    amatavg = torch.mean(amat * normedweight, dim=1)
    Amat = amat - amatavg.repeat(n, 1) - amatavg.view(-1, 1).repeat(1, n)
    Amat = Amat + torch.mean(amatavg * normedweight)
    bmatavg = torch.mean(bmat * normedweight, dim=1)
    Bmat = bmat - bmatavg.repeat(n, 1) - bmatavg.view(-1, 1).repeat(1, n)
    Bmat = Bmat + torch.mean(bmatavg * normedweight)
    ABavg = torch.mean(Amat * Bmat * normedweight, dim=1)
    AAavg = torch.mean(Amat * Amat * normedweight, dim=1)
    BBavg = torch.mean(Bmat * Bmat * normedweight, dim=1)
    return torch.mean(ABavg * normedweight) / torch.sqrt(
        torch.mean(AAavg * normedweight) * torch.mean(BBavg * normedweight)
    )


def _pair(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=g, dtype=torch.float64)
    m = torch.rand(n, generator=g, dtype=torch.float64) + x**2
    return x, m


@pytest.mark.parametrize("weighted", [False, True])
def test_matches_the_reference_and_its_gradient(weighted):
    x, m = _pair()
    w = (
        torch.rand(200, dtype=torch.float64) + 0.5
        if weighted
        else torch.ones(200, dtype=torch.float64)
    )
    x1 = x.clone().requires_grad_()
    x2 = x.clone().requires_grad_()
    ref = _reference_dcor(x1, m, w * 200 / w.sum())
    ours = distance_correlation(x2, m, w)
    assert float(ours.detach()) == pytest.approx(float(ref.detach()), rel=1e-12)
    (g_ref,) = torch.autograd.grad(ref, x1)
    (g_ours,) = torch.autograd.grad(ours, x2)
    torch.testing.assert_close(g_ours, g_ref, rtol=1e-9, atol=1e-14)


def test_signed_weights_gradcheck_and_bounds():
    x, m = _pair(80)
    g = torch.Generator().manual_seed(1)
    w = (torch.rand(80, generator=g, dtype=torch.float64) + 0.5) * torch.where(
        torch.rand(80, generator=g, dtype=torch.float64) < 0.2, -1.0, 1.0
    )
    xs = x.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda t: distance_correlation(t, m, w, 40.0), (xs,))
    assert float(distance_correlation(x, m, w, 40.0)) >= 0.0
    # independent variables with signed weights: much smaller than a dependent pair
    x4, m4 = _pair(400, seed=2)
    w4 = torch.where(torch.rand(400, generator=g, dtype=torch.float64) < 0.2, -1.0, 1.0)
    noise = torch.rand(400, generator=g, dtype=torch.float64)
    total = float(w4.sum())
    dependent = float(distance_correlation(x4, m4, w4, total))
    assert 0.0 <= float(distance_correlation(noise, m4, w4, total)) < 0.3 * dependent
    # ties (a constant output) give 0, not NaN
    assert float(distance_correlation(torch.zeros(80, dtype=torch.float64), m, w, 40.0)) == 0.0


def test_zero_weight_is_removal_and_pairs_cancel():
    x, m = _pair(100)
    w = torch.rand(100, dtype=torch.float64) + 0.5
    base = distance_correlation(x, m, w, 70.0)
    zero = distance_correlation(
        torch.cat([x, torch.tensor([0.3, 0.9])]),
        torch.cat([m, torch.tensor([2.0, 0.1])]),
        torch.cat([w, torch.zeros(2, dtype=torch.float64)]),
        70.0,
    )
    pair = distance_correlation(
        torch.cat([x, torch.tensor([0.3, 0.3])]),
        torch.cat([m, torch.tensor([2.0, 2.0])]),
        torch.cat([w, torch.tensor([1.7, -1.7])]),
        70.0,
    )
    assert float(zero) == pytest.approx(float(base), rel=1e-12)
    assert float(pair) == pytest.approx(float(base), rel=1e-12)


def _sculpting_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    mass = np.where(y == 1, rng.normal(125, 10, n), 40 + rng.exponential(60, n))
    X = np.column_stack([mass / 100 + rng.normal(0, 0.15, n), y + rng.normal(size=n)])
    w = np.where(rng.random(n) < 0.1, -1.0, 1.0) * 1.25
    return X.astype(np.float32), y, w, mass


FAST = {
    "hidden_layer_sizes": (16,),
    "max_epochs": 3,
    "early_stopping": False,
    "device": "cpu",
    "n_jobs": 1,
}


@pytest.mark.parametrize(
    ("params", "fit_kwargs", "match"),
    [
        ({"decorrelation": 1.0}, {}, "needs the variable to decorrelate from"),
        ({}, {"protected": "mass"}, "protected was given but decorrelation=0"),
        ({"decorrelation": 1.0}, {"protected": np.zeros(5)}, "protected has 5 values"),
        ({"decorrelation": 1.0}, {"protected": "nan"}, "protected contains 1 NaN"),
        (
            {"decorrelation": 1.0, "decorrelation_classes": [7]},
            {"protected": "mass"},
            "decorrelation_classes \\[7\\] are not among",
        ),
    ],
)
def test_clear_errors(params, fit_kwargs, match):
    X, y, w, mass = _sculpting_data(400)
    given = fit_kwargs.get("protected")
    if isinstance(given, str) and given == "mass":
        fit_kwargs = {"protected": mass}
    elif isinstance(given, str):
        bad = mass.copy()
        bad[3] = np.nan
        fit_kwargs = {"protected": bad}
    with pytest.raises(ValueError, match=match):
        MLPClassifier(batch_size=4096, **FAST, **params).fit(X, y, w, **fit_kwargs)


def test_negative_decorrelation_and_multiclass_are_refused():
    X, y, w, mass = _sculpting_data(400)
    with pytest.raises(ValueError, match="decorrelation"):
        MLPClassifier(decorrelation=-1.0, **FAST).fit(X, y, w, protected=mass)
    y3 = np.arange(400) % 3
    with pytest.raises(ValueError, match="binary classification only"):
        MLPClassifier(decorrelation=1.0, **FAST).fit(X, y3, protected=mass)


def test_warns_when_batches_hold_few_background_events():
    X, y, w, mass = _sculpting_data(1000)
    with pytest.warns(DecorrelationWarning, match="Raise batch_size to at least"):
        MLPClassifier(decorrelation=1.0, batch_size=64, **{**FAST, "max_epochs": 1}).fit(
            X, y, w, protected=mass
        )


def _background_dcor(clf, X, y, w, mass):
    p = torch.as_tensor(clf.predict_proba(X)[:, 1], dtype=torch.float64)
    bkg = y == 0
    return float(distance_correlation(p[bkg], torch.as_tensor(mass[bkg]), torch.as_tensor(w[bkg])))


def test_decorrelation_reduces_the_distance_correlation():
    X, y, w, mass = _sculpting_data(2000)
    params = {**FAST, "max_epochs": 12, "batch_size": 1024, "learning_rate": 3e-3}
    plain = MLPClassifier(random_state=0, **params).fit(X, y, w)
    decorrelated = MLPClassifier(decorrelation=10.0, random_state=0, **params).fit(
        X, y, w, protected=mass
    )
    assert _background_dcor(decorrelated, X, y, w, mass) < 0.5 * _background_dcor(
        plain, X, y, w, mass
    )
    # the losses recorded include the penalty, and the fit is reproducible
    again = MLPClassifier(decorrelation=10.0, random_state=0, **params).fit(
        X, y, w, protected=mass
    )
    np.testing.assert_array_equal(again.predict_proba(X), decorrelated.predict_proba(X))
    assert np.isfinite([h["train_loss"] for h in decorrelated.history_]).all()


def test_decorrelation_classes_and_early_stopping_path():
    X, y, w, mass = _sculpting_data(2000)
    clf = MLPClassifier(
        decorrelation=1.0,
        decorrelation_classes=[1],
        hidden_layer_sizes=(8,),
        max_epochs=2,
        early_stopping=True,
        batch_size=1024,
        device="cpu",
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecorrelationWarning)
        clf.fit(X, y, w, protected=mass)
    assert np.isfinite([h["valid_loss"] for h in clf.history_]).all()


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_grid_search_over_lambda_matches_a_hand_loop(routing):
    X, y, w, mass = _sculpting_data(1200)
    params = {**FAST, "max_epochs": 2, "batch_size": 1024, "random_state": 0}
    model = make_pipeline(
        StandardScaler().set_fit_request(sample_weight=False),
        MLPClassifier(**params).set_fit_request(sample_weight=True, protected=True),
    )
    cv = KFold(2)
    scorer = sklearn.metrics.get_scorer("neg_log_loss").set_score_request(sample_weight=False)
    grid = GridSearchCV(model, {"mlpclassifier__decorrelation": [0.5, 5.0]}, cv=cv, scoring=scorer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecorrelationWarning)
        grid.fit(X, y, sample_weight=w, protected=mass)
        for k, lam in enumerate([0.5, 5.0]):
            scores = []
            for train, test in cv.split(X, y):
                hand = MLPClassifier(decorrelation=lam, **params)
                Xs = StandardScaler().fit(X[train])
                hand.fit(Xs.transform(X[train]), y[train], w[train], protected=mass[train])
                p = hand.predict_proba(Xs.transform(X[test]))
                scores.append(sklearn.metrics.log_loss(y[test], p))
            assert grid.cv_results_["mean_test_score"][k] == pytest.approx(
                -np.mean(scores), rel=1e-6
            )


@pytest.mark.parametrize("enabled", [False, True])
def test_cross_evaluator_forwards_protected(enabled):
    X, y, w, mass = _sculpting_data(1200)
    clf = MLPClassifier(decorrelation=1.0, **{**FAST, "max_epochs": 1}, batch_size=1024)
    with sklearn.config_context(enable_metadata_routing=enabled), warnings.catch_warnings():
        warnings.simplefilter("ignore", DecorrelationWarning)
        if enabled:
            clf.set_fit_request(protected=True)
        ce = CrossEvaluator(clf, cv=2).fit(X, y, sample_weight=w, protected=mass)
    assert len(ce.estimators_) == 2
    with (
        sklearn.config_context(enable_metadata_routing=enabled),
        pytest.raises(ValueError, match="needs the variable to decorrelate from"),
    ):
        CrossEvaluator(clf, cv=2).fit(X, y, sample_weight=w)


@pytest.mark.slow
def test_docs_example_runs():
    import re
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "decorrelation.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for code in blocks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DecorrelationWarning)
            exec(compile(code.replace("20_000", "6_000"), "docs/decorrelation.md", "exec"), {})
