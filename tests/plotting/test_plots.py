"""sklhep.plotting: every function draws a non-empty PNG; bad arguments raise clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sklhep.plotting import (
    hep_style,
    plot_feature_importances,
    plot_history,
    plot_resolution,
    plot_resolution_vs_target,
    plot_roc,
    plot_score_distributions,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def scores(rng):
    n = 4_000
    y = rng.integers(0, 2, n)
    s = np.clip(rng.normal(0.35 + 0.3 * y, 0.15), 0, 1)
    w = np.where(rng.random(n) < 0.15, -1.0, 1.0) * rng.uniform(0.5, 1.5, n)
    return y, s, w


@pytest.fixture
def regression(rng):
    n = 4_000
    t = 10 * (1 - rng.random(n)) ** -1.0  # falling spectrum above 10
    t = t[t < 1000][:3_000]
    pred = t * (1 + rng.normal(0, 0.02 + 1e-4 * t))
    w = np.where(rng.random(t.size) < 0.1, -1.0, 1.0)
    return t, pred, w


def _save(obj, tmp_path, name):
    fig = obj if hasattr(obj, "savefig") else obj.figure
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.stat().st_size > 5_000
    return path


def _labels(ax):
    assert ax.get_xlabel()
    assert ax.get_ylabel()


def test_plot_roc_from_data(scores, tmp_path):
    pytest.importorskip("sklhep.metrics")
    y, s, w = scores
    ax = plot_roc(
        {"good": (y, s, w), "noisy": (y, s + np.random.default_rng(1).normal(0, 0.3, s.size))}
    )
    _labels(ax)
    assert ax.get_yscale() == "log"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith("good (AUC = 0.")
    assert "Random guess" in texts
    _save(ax, tmp_path, "roc")


def test_plot_roc_precomputed(tmp_path):
    from collections import namedtuple

    Roc = namedtuple("Roc", ["background_efficiency", "signal_efficiency", "thresholds"])
    eff_b = np.linspace(0, 1, 50) ** 3
    curve = Roc(eff_b, np.linspace(0, 1, 50), np.linspace(1, 0, 50))
    ax = plot_roc(curve, label="precomputed")
    assert "precomputed (AUC" in ax.get_legend().get_texts()[0].get_text()
    ax2 = plot_roc(
        {"dict": {"background_efficiency": eff_b, "signal_efficiency": np.linspace(0, 1, 50)}},
        ax=ax,
    )
    assert ax2 is ax
    _save(ax, tmp_path, "roc_pre")


def test_plot_roc_errors():
    with pytest.raises(TypeError, match="expected a RocCurve"):
        plot_roc({"bad": 3.0})
    with pytest.raises(ValueError, match="at least one"):
        plot_roc({})
    with pytest.raises(ValueError, match="same length"):
        plot_roc({"x": {"background_efficiency": [0.1, 0.2], "signal_efficiency": [0.5]}})


def test_plot_score_distributions(scores, tmp_path):
    y, s, w = scores
    half = y.size // 2
    ax = plot_score_distributions(
        s[:half],
        y[:half],
        s[half:],
        y[half:],
        ks=False,
        weights_train=w[:half],
        weights_test=w[half:],
    )
    _labels(ax)
    assert ax.get_ylabel().startswith("Events")
    _save(ax, tmp_path, "scores")


def test_plot_score_distributions_ks(scores, tmp_path):
    pytest.importorskip("sklhep.metrics")
    y, s, w = scores
    half = y.size // 2
    ax = plot_score_distributions(
        s[:half], y[:half], s[half:], y[half:], weights_train=w[:half], weights_test=w[half:]
    )
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("KS p =" in t for t in texts)
    _save(ax, tmp_path, "scores_ks")


def test_plot_score_distributions_errors(scores):
    y, s, _w = scores
    with pytest.raises(ValueError, match="same length"):
        plot_score_distributions(s, y[:-1], s, y, ks=False)
    with pytest.raises(ValueError, match="no signal events"):
        plot_score_distributions(s, np.zeros_like(y), s, y, ks=False)
    with pytest.raises(ValueError, match="NaN"):
        plot_score_distributions(np.full(s.size, np.nan), y, s, y, ks=False)
    with pytest.raises(ValueError, match="bins"):
        plot_score_distributions(s, y, s, y, bins=0, ks=False)


def test_plot_history_epochs(tmp_path):
    hist = [
        {
            "epoch": i + 1,
            "train_loss": 1 / (i + 1),
            "valid_loss": 1 / (i + 1) + 0.01 * i,
            "dur": 0.1,
            "valid_loss_best": True,
        }
        for i in range(20)
    ]
    ax = plot_history(hist)
    assert ax.get_xlabel() == "Epoch / boosting round"
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"train loss", "valid loss"}
    _save(ax, tmp_path, "history_nn")


@pytest.mark.parametrize(
    "hist",
    [
        {
            "train_logloss": list(np.linspace(0.7, 0.3, 100)),
            "valid_logloss": list(np.linspace(0.7, 0.35, 100)),
        },
        {
            "validation_0": {"logloss": list(np.linspace(0.7, 0.3, 100))},
            "validation_1": {"logloss": list(np.linspace(0.7, 0.35, 100))},
        },
    ],
)
def test_plot_history_iterations(hist, tmp_path):
    ax = plot_history(hist)
    assert ax.get_xlabel() == "Boosting iteration"
    assert "logloss" in ax.get_ylabel()
    _save(ax, tmp_path, "history_bdt")


def test_plot_history_errors():
    with pytest.raises(ValueError, match="non-empty"):
        plot_history([])
    with pytest.raises(ValueError, match="no numeric"):
        plot_history([{"epoch": 1, "dur": 0.1}])
    with pytest.raises(TypeError, match="list of dicts or a dict"):
        plot_history(3)
    with pytest.raises(ValueError, match="not in the history"):
        plot_history({"a": [1.0, 2.0]}, keys=["b"])


def test_plot_feature_importances(tmp_path):
    ax = plot_feature_importances({"m_jj": 0.3, "lep_pt": 0.1, "met": 0.2})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["lep_pt", "met", "m_jj"]  # most important at the top
    _save(ax, tmp_path, "imp")
    ax = plot_feature_importances(
        {"NN": {"a": 1.0, "b": 2.0}, "BDT": {"a": 0.5, "b": 1.0}},
        xlabel="Permutation importance (AUC drop)",
    )
    assert ax.get_legend() is not None
    _save(ax, tmp_path, "imp_grouped")
    ax = plot_feature_importances(
        np.array([0.1, 0.5]), feature_names=["x", "y"], errors=[0.01, 0.02], top=1
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y"]
    with pytest.raises(ValueError, match="feature_names"):
        plot_feature_importances(np.array([0.1, 0.5]), feature_names=["x"])


def test_plot_resolution(regression, tmp_path):
    pytest.importorskip("sklhep.metrics")
    t, pred, w = regression
    ax = plot_resolution(t, {"A": pred, "B": pred * 1.01}, sample_weight=w, target_label="p_T")
    assert "p_T" in ax.get_xlabel()
    assert "resolution" in ax.get_legend().get_texts()[0].get_text()
    _save(ax, tmp_path, "res")
    ax = plot_resolution(t, pred, relative=False, unit="GeV", stats=False, label="model")
    assert "[GeV]" in ax.get_xlabel()


def test_plot_resolution_vs_target(regression, tmp_path):
    pytest.importorskip("sklhep.metrics")
    t, pred, w = regression
    fig = plot_resolution_vs_target(
        t, pred, sample_weight=w, target_label="p_T", unit="GeV", label="model"
    )
    ax_res, ax_bias = fig.axes[:2]
    assert "resolution" in ax_res.get_ylabel().lower()
    assert ax_bias.get_xlabel() == "True $p_T$ [GeV]"
    assert ax_bias.get_xscale() == "log"
    _save(fig, tmp_path, "res_vs")
    fig2, axes = plt.subplots(2, 1)
    assert plot_resolution_vs_target(t, {"m": pred}, bins=[10, 50, 1000], axes=axes) is fig2


def test_plot_resolution_errors(regression):
    t, pred, _w = regression
    with pytest.raises(ValueError, match="prediction"):
        plot_resolution(t, pred[:-1], stats=False)
    with pytest.raises(ValueError, match="relative=False"):
        plot_resolution(np.r_[0.0, t], np.r_[1.0, pred], stats=False)
    with pytest.raises(ValueError, match="net sample weight"):
        plot_resolution(t, pred, sample_weight=-np.ones(t.size), stats=False)
    with pytest.raises(ValueError, match="increasing"):
        plot_resolution_vs_target(t, pred, bins=[5, 1])


def test_existing_axes_and_style(scores):
    y, s, _ = scores
    with hep_style():
        fig, ax = plt.subplots()
    out = plot_score_distributions(s, y, s, y, ks=False, ax=ax)
    assert out is ax
    assert out.figure is fig


def test_datasets_and_plots_together(tmp_path):
    """The generator's truth as a classifier, through plot_roc."""
    pytest.importorskip("sklhep.metrics")
    from sklhep.datasets import make_signal_background, signal_posterior

    df = make_signal_background(5_000, negative_fraction=0.2, random_state=0)
    ax = plot_roc({"Bayes": (df["label"], signal_posterior(df), df["weight"])})
    _save(ax, tmp_path, "bayes_roc")


def test_plot_history_skips_an_empty_validation_series():
    """Without early stopping ``valid_loss`` is NaN throughout: it is not drawn."""
    hist = [{"epoch": i + 1, "train_loss": 1 / (i + 1), "valid_loss": np.nan} for i in range(5)]
    ax = plot_history(hist)
    assert [line.get_label() for line in ax.get_lines()] == ["train loss"]


def test_resolution_vs_target_bins_a_peak_by_weighted_quantiles():
    """A Z-like mass peak on a broad tail: every bin holds ~1/10 of the net weight (the
    old log-spaced default put the peak into 2 of 10 bins)."""
    from sklhep.plotting import plot_resolution_vs_target
    from sklhep.weights import WeightSums

    rng = np.random.default_rng(0)
    peak = rng.normal(91.0, 2.5, 9000)
    tail = rng.uniform(20.0, 250.0, 1000)
    y = np.concatenate([peak, tail])
    w = np.where(rng.random(y.size) < 0.15, -1.0, 1.0)
    fig = plot_resolution_vs_target(y, y * (1 + 0.05 * rng.normal(size=y.size)), sample_weight=w)
    x = fig.axes[0].get_lines()[0].get_xdata()
    assert np.sum((x > 85) & (x < 97)) >= 6  # most bins sit on the peak
    edges = np.unique(np.concatenate([[y.min()], np.sort(x), [y.max()]]))
    assert edges.size > 5
    index = np.clip(np.searchsorted(np.sort(x), y), 0, x.size - 1)
    sums = WeightSums.from_weights(w, index, x.size)
    assert sums.net.max() < 0.2 * sums.net.sum()
