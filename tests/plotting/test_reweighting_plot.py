"""plot_reweighting: content of the before/after panels and the ratio panels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sklhep.plotting._reweighting import plot_reweighting


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def samples():
    rng = np.random.default_rng(0)
    original = pd.DataFrame({"pt": rng.exponential(20.0, 3000), "eta": rng.normal(0, 2, 3000)})
    target = pd.DataFrame({"pt": rng.exponential(25.0, 2000), "eta": rng.normal(0, 2, 2000)})
    ow = rng.uniform(0.5, 1.5, 3000)
    tw = np.where(rng.random(2000) < 0.2, -1.0, 1.0)
    w = ow * np.exp(original["pt"].to_numpy() * (1 / 20 - 1 / 25)) * 0.8
    return original, target, ow, tw, w


def _normalised(x, w, edges):
    h, _ = np.histogram(x, edges, weights=w)
    h2, _ = np.histogram(x, edges, weights=w * w)
    return h / (w.sum() * np.diff(edges)), np.sqrt(h2) / (w.sum() * np.diff(edges))


def test_panels_hold_the_normalised_histograms(samples):
    original, target, ow, tw, w = samples
    _, axes = plot_reweighting(
        original, target, w, original_weight=ow, target_weight=tw, bins=15, range=(0, 100),
        columns=["pt"],
    )  # fmt: skip
    assert axes.shape == (1, 2)
    main, ratio = axes[0]
    edges = np.linspace(0, 100, 16)
    before, _ = _normalised(original["pt"].to_numpy(), ow, edges)
    after, e_after = _normalised(original["pt"].to_numpy(), w, edges)
    tgt, e_tgt = _normalised(target["pt"].to_numpy(), tw, edges)
    stairs = [p for p in main.patches if hasattr(p, "get_data")]
    assert len(stairs) == 2
    np.testing.assert_allclose(stairs[0].get_data().values, before, rtol=1e-12)
    np.testing.assert_allclose(stairs[1].get_data().values, after, rtol=1e-12)
    np.testing.assert_allclose(stairs[0].get_data().edges, edges)
    (points,) = main.containers
    np.testing.assert_allclose(points.lines[0].get_ydata(), tgt, rtol=1e-12)
    np.testing.assert_allclose(points.lines[0].get_xdata(), 0.5 * (edges[1:] + edges[:-1]))
    # the ratio panel: before / target and after / target
    r_before, r_after = ratio.containers
    ok = tgt > 0
    np.testing.assert_allclose(r_before.lines[0].get_ydata()[ok], (before / tgt)[ok], rtol=1e-12)
    np.testing.assert_allclose(r_after.lines[0].get_ydata()[ok], (after / tgt)[ok], rtol=1e-12)
    assert np.isnan(r_after.lines[0].get_ydata()[~ok]).all()
    # error bars: relative errors in quadrature
    segments = r_after.lines[2][0].get_segments()
    half = np.array([0.5 * (s[1, 1] - s[0, 1]) for s in segments])
    expected = (after / tgt) * np.hypot(e_after / after, e_tgt / tgt)
    np.testing.assert_allclose(half, expected[ok & (after != 0)], rtol=1e-9)
    assert ratio.get_xlabel() == "pt"
    assert [t.get_text() for t in main.get_legend().get_texts()] == [
        "original",
        "reweighted",
        "target",
    ]


def test_every_feature_gets_a_panel_pair_and_the_default_range(samples):
    original, target, _, tw, w = samples
    fig, axes = plot_reweighting(original, target, w, target_weight=tw, ncols=1)
    assert axes.shape == (2, 2)
    assert len(fig.axes) == 4
    lo = min(original["eta"].min(), target["eta"].min())
    hi = max(original["eta"].max(), target["eta"].max())
    assert axes[1, 0].get_xlim() == pytest.approx((lo, hi))
    # unit weights before reweighting: the dashed histogram is the plain density
    edges = np.linspace(lo, hi, 31)
    density, _ = np.histogram(original["eta"], edges, density=True)
    stairs = [p for p in axes[1, 0].patches if hasattr(p, "get_data")]
    np.testing.assert_allclose(stairs[0].get_data().values, density, rtol=1e-10)


def test_arrays_nan_and_per_feature_range():
    rng = np.random.default_rng(1)
    original, target = rng.normal(size=(500, 3)), rng.normal(size=(400, 3))
    original[::10, 2] = np.nan  # missing values are left out
    w = np.ones(500)
    _, axes = plot_reweighting(original, target, w, columns=[2], range={"x2": (-2.0, 2.0)}, bins=8)
    edges = np.linspace(-2, 2, 9)
    x = original[:, 2][~np.isnan(original[:, 2])]
    expected, _ = _normalised(x, np.ones(x.shape[0]), edges)
    stairs = [p for p in axes[0, 0].patches if hasattr(p, "get_data")]
    np.testing.assert_allclose(stairs[1].get_data().values, expected, rtol=1e-12)
    assert axes[0, 1].get_xlabel() == "x2"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bins": 0}, "bins must be a positive integer"),
        ({"columns": ["nope"]}, "no column"),
        ({"range": (1.0, 0.0)}, r"must be \(low, high\)"),
        ({"target_weight": -np.ones(2000)}, "the target"),
        ({"ncols": 0}, "ncols"),
    ],
)
def test_bad_input(samples, kwargs, match):
    original, target, _, _, w = samples
    with pytest.raises(ValueError, match=match):
        plot_reweighting(original, target, w, **kwargs)


def test_weights_length_and_feature_mismatch(samples):
    original, target, _, _, w = samples
    with pytest.raises(ValueError, match=r"3000|2999|weight"):
        plot_reweighting(original, target, w[:-1])
    with pytest.raises(ValueError, match="same features"):
        plot_reweighting(original.to_numpy(), target[["pt"]].to_numpy(), w)
