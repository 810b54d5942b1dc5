"""sculpting_jsd and plot_sculpting: definition, signed weights, validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from sklhep.metrics import sculpting_jsd


def _toy(n=20_000, seed=0, sculpt=1.0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    mass = np.where(y == 1, rng.normal(125, 10, n), 40 + rng.exponential(50, n))
    # the score likes masses near 125 (sculpting) plus a mass-independent part
    score = y + rng.normal(size=n) - sculpt * np.abs(mass - 125) / 50
    return y, score, mass


def test_matches_scipy_on_unit_weights():
    y, score, mass = _toy()
    edges = np.linspace(40, 300, 27)
    background = y == 0
    t = np.sort(score[y == 1])[::-1][int(np.ceil(0.5 * (y == 1).sum())) - 1]
    passing = background & (score >= t)
    failing = background & (score < t)
    p, _ = np.histogram(mass[passing], edges)
    q, _ = np.histogram(mass[failing], edges)
    expected = jensenshannon(p / p.sum(), q / q.sum(), base=2) ** 2
    assert sculpting_jsd(y, score, mass, bins=edges) == pytest.approx(expected, rel=1e-10)


def test_sculpting_is_larger_for_a_mass_dependent_score():
    y, sculpted, mass = _toy(sculpt=1.0)
    _, flat, _ = _toy(sculpt=0.0)
    assert sculpting_jsd(y, sculpted, mass, bins=20) > 20 * sculpting_jsd(y, flat, mass, bins=20)


def test_zero_weight_and_cancelling_pair():
    y, score, mass = _toy(5000)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.5, 1.5, y.shape[0]) * np.where(rng.random(y.shape[0]) < 0.15, -1, 1)
    edges = np.linspace(40, 300, 21)
    base = sculpting_jsd(y, score, mass, sample_weight=w, bins=edges)
    # zero-weight events are removed
    extra = 50
    y0 = np.r_[y, np.zeros(extra, int)]
    s0 = np.r_[score, rng.normal(size=extra) + 5]
    m0 = np.r_[mass, rng.uniform(40, 300, extra)]
    assert sculpting_jsd(y0, s0, m0, sample_weight=np.r_[w, np.zeros(extra)], bins=edges) == (
        pytest.approx(base, rel=1e-12)
    )
    # a +w/-w pair of identical background events cancels
    y2 = np.r_[y, 0, 0]
    s2 = np.r_[score, 3.0, 3.0]
    m2 = np.r_[mass, 125.0, 125.0]
    w2 = np.r_[w, 2.5, -2.5]
    assert sculpting_jsd(y2, s2, m2, sample_weight=w2, bins=edges) == pytest.approx(
        base, rel=1e-12
    )
    # and a global scale does not matter
    assert sculpting_jsd(y, score, mass, sample_weight=1e-200 * w, bins=edges) == (
        pytest.approx(base, rel=1e-12)
    )


def test_negative_bins_are_clipped():
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    score = np.array([0.5, 0.0, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1])
    mass = np.array([0.0, 0.0, 0.5, 1.5, 1.6, 0.5, 1.5, 2.5])
    w = np.array([1, 1, 1, -0.5, 1.0, 1, 1, 1])
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    jsd = sculpting_jsd(y, score, mass, sample_weight=w, bins=edges)
    assert 0.0 <= jsd <= 1.0
    # passing: bin 0 net 1, bin 1 net 0.5 -> (2/3, 1/3, 0); failing: (1/3, 1/3, 1/3)
    expected = jensenshannon([2 / 3, 1 / 3, 0], [1 / 3, 1 / 3, 1 / 3], base=2) ** 2
    assert jsd == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"protected": np.zeros(3)}, "protected has 3 values"),
        ({"protected": np.r_[np.nan, np.zeros(7)]}, "protected contains 1 NaN"),
        ({"signal_efficiency": 0.0}, "signal_efficiency must lie in"),
        ({"bins": 1}, "bins must be at least 2"),
        ({"bins": [0.0, 2.0, 1.0]}, "bin edges"),
    ],
)
def test_validation(kwargs, match):
    args = {
        "y_true": np.array([0, 0, 0, 0, 1, 1, 1, 1]),
        "y_score": np.linspace(0, 1, 8),
        "protected": np.linspace(50, 150, 8),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sculpting_jsd(args.pop("y_true"), args.pop("y_score"), args.pop("protected"), **args)


def test_failing_background_with_no_net_weight_is_an_error():
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="failing background"):
        sculpting_jsd(y, np.array([0.9, 0.8, 0.7, 0.1]), np.array([1.0, 2.0, 3.0, 4.0]), bins=2)


def test_plot_sculpting():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklhep.plotting import plot_sculpting

    y, score, mass = _toy(4000)
    w = np.where(np.arange(4000) % 7 == 0, -0.5, 1.0)
    fig = plot_sculpting(y, score, mass, sample_weight=w, efficiencies=(0.8, 0.3), bins=20)
    ax, ax_ratio = fig.axes[:2]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "All background"
    assert len(labels) == 3
    assert "1/JSD" in labels[1]
    assert len(ax_ratio.containers) == 2
    plt.close(fig)
