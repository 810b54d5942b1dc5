"""sklhep.datasets: layout, determinism, negative fraction and the exact net-density truth."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from sklhep.datasets import (
    GeneratorTruth,
    class_posterior,
    make_momentum_regression,
    make_multiclass,
    make_signal_background,
    signal_posterior,
)

GENERATORS = [make_signal_background, make_multiclass, make_momentum_regression]


def _chi2_pvalue(
    x: np.ndarray,
    feature: str,
    truth: GeneratorTruth,
    *,
    weights: np.ndarray,
    edges: np.ndarray,
    sample=None,
    component="net",
) -> float:
    """Pearson chi2 p-value of a weighted histogram against the analytic density.

    The expectation in a bin is (sum of all weights) x (integral of the density over the
    bin); the variance is the bin's sum of squared weights.
    """
    h, _ = np.histogram(x, edges, weights=weights)
    var, _ = np.histogram(x, edges, weights=weights**2)

    def density(t: float) -> float:
        return truth.marginal_density(feature, [t], sample=sample, component=component)[0]

    prob = np.array([integrate.quad(density, a, b)[0] for a, b in itertools.pairwise(edges)])
    expected = prob * weights.sum()
    keep = var > 0
    chi2 = float((((h - expected) ** 2)[keep] / var[keep]).sum())
    return float(stats.chi2.sf(chi2, keep.sum()))


# ---------------------------------------------------------------------------- layout


@pytest.mark.parametrize("n_features", [1, 5, 8, 13])
def test_signal_background_layout(n_features):
    df = make_signal_background(2_000, n_features=n_features, random_state=0)
    features = list(df.columns[:n_features])
    assert list(df.columns[n_features:]) == ["weight", "label", "sample", "event"]
    assert features[0] == "m_jj"
    if n_features > 8:
        assert features[8:] == [f"aux_{k:02d}" for k in range(n_features - 8)]
    assert all(df[c].dtype == np.float64 for c in features)
    assert df["weight"].dtype == np.float64
    assert df["label"].dtype == np.int64
    assert df["event"].dtype == np.uint64
    assert df["event"].is_unique
    assert set(df["label"]) == {0, 1}
    assert (df.loc[df["label"] == 1, "sample"] == "signal").all()
    assert (df.loc[df["label"] == 0, "sample"] == "background").all()
    assert np.isfinite(df[features].to_numpy()).all()
    assert df.attrs["truth"].features == tuple(features)


def test_physical_ranges():
    df = make_signal_background(20_000, random_state=0)
    assert (df["lep_pt"] > 20).all()
    assert (df["jet1_pt"] > 25).all()
    assert (df["jet2_pt"] > 25).all()
    assert (df["jet2_pt"] <= df["jet1_pt"]).all()
    assert (df["lep_eta"].abs() < 2.5).all()
    assert (df["ht"] > df["lep_pt"] + df["jet1_pt"] + df["jet2_pt"]).all()
    assert (df[["m_jj", "met", "delta_r_jj"]] > 0).all().all()
    # the signal peaks at 125 GeV
    sig = df[df["label"] == 1]
    peak = np.histogram(sig["m_jj"], np.arange(50, 250, 10), weights=sig["weight"])[0]
    assert 110 <= 50 + 10 * int(np.argmax(peak)) <= 130
    # correlations: met with lep_pt, jet1_pt with m_jj
    assert np.corrcoef(df["met"], df["lep_pt"])[0, 1] > 0.2
    assert np.corrcoef(df["jet1_pt"], df["m_jj"])[0, 1] > 0.2


def test_multiclass_layout():
    df = make_multiclass(3_000, n_classes=4, random_state=0)
    assert list(df.columns[-4:]) == ["weight", "label", "sample", "event"]
    assert sorted(df["label"].unique()) == [0, 1, 2, 3]
    names = df.attrs["truth"].class_names
    assert names == ("background", "signal_m125", "signal_m200", "signal_m275")
    for label, name in enumerate(names):
        assert (df.loc[df["label"] == label, "sample"] == name).all()
    assert df["event"].is_unique


def test_multiclass_class_fractions():
    df = make_multiclass(10_000, n_classes=3, class_fractions=[2, 1, 1], random_state=0)
    net = df.groupby("label")["weight"].sum()
    np.testing.assert_allclose(net / net.sum(), [0.5, 0.25, 0.25], atol=1e-3)


def test_regression_layout():
    df = make_momentum_regression(2_000, n_features=9, random_state=0)
    assert list(df.columns) == [
        "mu_pt_meas",
        "mu_eta",
        "mu_phi",
        "n_hits",
        "bend_1",
        "bend_2",
        "bend_3",
        "aux_00",
        "aux_01",
        "target",
        "weight",
        "event",
    ]
    assert df["event"].is_unique
    assert df["event"].dtype == np.uint64
    assert ((df["target"] >= 10) & (df["target"] <= 1000)).all()
    assert (df["mu_eta"].abs() < 2.4).all()


def test_regression_resolution_worsens_at_high_pt():
    df = make_momentum_regression(100_000, negative_fraction=0.0, random_state=0)
    rel = (df["target"] - df["mu_pt_meas"]) / df["target"]
    low = rel[df["target"] < 30]
    high = rel[df["target"] > 300]
    iqr = lambda r: np.subtract(*np.percentile(r, [75, 25]))  # noqa: E731
    assert iqr(high) > 2 * iqr(low)


# ----------------------------------------------------------------- weights, determinism


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3, 0.45])
def test_negative_fraction_and_net_weight(make, fraction):
    n = 5_000
    df = make(n, negative_fraction=fraction, random_state=1)
    w = df["weight"].to_numpy()
    assert len(df) == n
    assert np.mean(w < 0) == pytest.approx(fraction, abs=1e-3)
    assert np.unique(np.abs(w)).size <= (4 if make is make_multiclass else 2)  # equal |w|
    assert w.sum() == pytest.approx(n)  # net weight sum = number of events
    if "label" in df:
        for _, group in df.groupby("label"):
            assert group["weight"].sum() == pytest.approx(len(group))
            assert np.mean(group["weight"] < 0) == pytest.approx(fraction, abs=2e-3)


@pytest.mark.parametrize("make", GENERATORS)
def test_deterministic(make):
    a = make(3_000, random_state=42)
    b = make(3_000, random_state=42)
    c = make(3_000, random_state=43)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="event").equals(c.drop(columns="event"))
    # a Generator and a RandomState are accepted too
    make(100, random_state=np.random.default_rng(0))
    make(100, random_state=np.random.RandomState(0))


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"negative_fraction": 0.5}, "negative_fraction"),
        ({"negative_fraction": -0.1}, "negative_fraction"),
        ({"n_features": 0}, "n_features"),
        ({"n_events": 0}, "n_events"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_arguments(make, kwargs, match):
    kwargs = {"n_events": 100, **kwargs}
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_bad_class_arguments():
    with pytest.raises(ValueError, match="n_classes"):
        make_multiclass(100, n_classes=1)
    with pytest.raises(ValueError, match="class_fractions must be 3 positive"):
        make_multiclass(100, class_fractions=[1, 0, 1])
    with pytest.raises(ValueError, match="signal_fraction"):
        make_signal_background(100, signal_fraction=1.0)
    with pytest.raises(ValueError, match="too small"):
        make_multiclass(2, n_classes=3)


def test_tiny_samples_keep_positive_net_weight():
    for n in (1, 2, 3, 5):
        df = make_momentum_regression(n, negative_fraction=0.49, random_state=0)
        assert df["weight"].sum() == pytest.approx(n)


# ------------------------------------------------------------------------------- truth


@pytest.mark.parametrize(
    ("feature", "sample", "edges"),
    [
        ("m_jj", "signal", np.linspace(20, 300, 29)),
        ("m_jj", "background", np.linspace(5, 400, 30)),
        ("lep_pt", "signal", np.linspace(20, 200, 25)),
        ("lep_eta", "background", np.linspace(-2.5, 2.5, 21)),
    ],
)
def test_weighted_histograms_match_net_density(feature, sample, edges):
    df = make_signal_background(200_000, negative_fraction=0.3, random_state=3)
    truth = df.attrs["truth"]
    sel = df[df["sample"] == sample]
    x, w = sel[feature].to_numpy(), sel["weight"].to_numpy()
    p_net = _chi2_pvalue(x, feature, truth, sample=sample, weights=w, edges=edges)
    p_abs = _chi2_pvalue(x, feature, truth, sample=sample, weights=np.abs(w), edges=edges)
    p_pos = _chi2_pvalue(x[w > 0], feature, truth, sample=sample, weights=w[w > 0], edges=edges)
    assert p_net > 1e-3, "the signed-weight histogram must match the net density"
    assert p_abs < 1e-6, "the |w| histogram must NOT match the net density"
    assert p_pos < 1e-6, "the positive-weight histogram must NOT match the net density"


def test_abs_and_positive_components_match_their_densities():
    df = make_signal_background(200_000, negative_fraction=0.25, random_state=4)
    truth = df.attrs["truth"]
    sig = df[df["label"] == 1]
    x, w = sig["lep_pt"].to_numpy(), sig["weight"].to_numpy()
    edges = np.linspace(20, 200, 19)
    # |w| events follow (1-h) p + h r; positive-weight events their own mixture
    p_abs = _chi2_pvalue(
        x, "lep_pt", truth, sample=1, component="abs", weights=np.abs(w), edges=edges
    )
    p_pos = _chi2_pvalue(
        x[w > 0], "lep_pt", truth, sample=1, component="positive", weights=w[w > 0], edges=edges
    )
    assert p_abs > 1e-3
    assert p_pos > 1e-3


def test_regression_target_matches_net_density():
    df = make_momentum_regression(200_000, negative_fraction=0.3, random_state=5)
    truth = df.attrs["truth"]
    x, w = df["target"].to_numpy(), df["weight"].to_numpy()
    edges = np.geomspace(10, 1000, 21)
    assert _chi2_pvalue(x, "target", truth, weights=w, edges=edges) > 1e-3
    assert _chi2_pvalue(x, "target", truth, weights=np.abs(w), edges=edges) < 1e-6


def test_joint_density_identity():
    """E_s[1 - q] = E_b[q] for q = p_s / (p_s + p_b) holds only for the true joint densities."""
    df = make_signal_background(200_000, n_features=10, negative_fraction=0.3, random_state=6)
    truth = df.attrs["truth"]
    q = signal_posterior(df, truth=truth)  # equal class fractions: q = p_s / (p_s + p_b)
    w = df["weight"].to_numpy()
    s, b = (df["label"] == 1).to_numpy(), (df["label"] == 0).to_numpy()

    def gap(weights):
        return np.average(1 - q[s], weights=weights[s]) - np.average(q[b], weights=weights[b])

    assert abs(gap(w)) < 3e-3
    assert abs(gap(np.abs(w))) > 5 * abs(gap(w))


def test_posterior_is_bayes_optimal():
    from sklearn.linear_model import LogisticRegression

    train = make_signal_background(20_000, n_features=8, negative_fraction=0.0, random_state=7)
    test = make_signal_background(20_000, n_features=8, negative_fraction=0.0, random_state=8)
    features = list(test.attrs["truth"].features)
    model = LogisticRegression(max_iter=500).fit(
        np.log(np.abs(train[features]) + 1), train["label"]
    )
    lr = model.predict_proba(np.log(np.abs(test[features]) + 1))[:, 1]
    from sklearn.metrics import roc_auc_score

    bayes = signal_posterior(test)
    assert roc_auc_score(test["label"], bayes) > roc_auc_score(test["label"], lr)
    # calibrated: in bins of the posterior, the signal fraction equals the posterior
    bins = np.digitize(bayes, [0.2, 0.4, 0.6, 0.8])
    for k in range(5):
        m = bins == k
        assert test["label"][m].mean() == pytest.approx(bayes[m].mean(), abs=0.03)


def test_class_posterior():
    df = make_multiclass(5_000, n_classes=3, random_state=0)
    proba = class_posterior(df)
    assert proba.shape == (5_000, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == df["label"].to_numpy()).mean() > 0.7
    with pytest.raises(ValueError, match="binary"):
        signal_posterior(df)


def test_truth_errors():
    df = make_signal_background(1_000, random_state=0)
    with pytest.raises(ValueError, match="pass truth="):
        signal_posterior(pd.DataFrame(df[["m_jj"]].to_numpy(), columns=["m_jj"]))
    with pytest.raises(ValueError, match="prefix"):
        signal_posterior(df[["m_jj", "met"]], truth=df.attrs["truth"])
    with pytest.raises(ValueError, match="unknown sample"):
        df.attrs["truth"].marginal_density("m_jj", [100.0], sample="ttbar")
    with pytest.raises(ValueError, match="not 'met'"):
        df.attrs["truth"].marginal_density("met", [100.0], sample="signal")
    reg = make_momentum_regression(100, random_state=0)
    with pytest.raises(ValueError, match="classification"):
        class_posterior(reg)


def test_marginal_densities_normalised():
    truth = make_signal_background(10, random_state=0).attrs["truth"]
    for feature, lo, hi in (("m_jj", 0, 3000), ("lep_pt", 20, 3000), ("lep_eta", -2.5, 2.5)):
        for sample in ("signal", "background"):
            for component in ("net", "hard", "abs", "positive"):
                total = integrate.quad(
                    lambda t, f=feature, s=sample, c=component: truth.marginal_density(
                        f, [t], sample=s, component=c
                    )[0],
                    lo,
                    hi,
                    limit=200,
                    points=[125.0] if feature == "m_jj" else None,
                )[0]
                assert total == pytest.approx(1.0, abs=1e-4), (feature, sample, component)


def test_docs_datasets_code_blocks_run():
    """Every Python block of docs/datasets.md runs as written (on fewer events)."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "datasets.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:
        exec(block.replace("200_000", "5_000"), namespace)


def test_truth_columns_index_a_dataframe():
    from sklhep.datasets import make_signal_background

    df = make_signal_background(1_000, n_features=4, random_state=0)
    truth = df.attrs["truth"]
    assert list(df[truth.columns].columns) == list(truth.features)
