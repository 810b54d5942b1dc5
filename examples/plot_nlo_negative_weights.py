"""
NLO negative weights: keep, abs or drop, and reweighting LO to NLO
==================================================================

The HSF-India "Basics of ML" school asks what to do with the negative weights of an NLO
sample. Here the sample is real: 10,000 Z/γ*→ℓℓ + jets events at 7 TeV from MG5_aMC 2.2.1
with FxFx merging (NLO, 18.5 % of the events with weight −5394), and 10,000 events of the
same process at leading order with MLM merging (all weights positive). The three usual
treatments of the negative events — keep the signed weights, take ``|w|``, drop the
negative events — are compared on the mean dilepton transverse momentum ⟨ptll⟩ and on a
classifier trained on them. Then the LO sample is reweighted to the NLO one with
:class:`sklhep.reweight.Reweighter` (cross-fitted), and
:func:`sklhep.reweight.reweighting_closure` checks the result feature by feature.

The files are read from ``$SKLHEP_DATA/zjets_lhe_7tev`` (see :doc:`/data`); without them
the example uses two samples of :func:`sklhep.datasets.make_signal_background`'s
background: an "NLO" one with 18.5 % negative weights and an all-positive "LO" one whose
spectra are harder.
"""

# %%
# Read the NLO and the LO sample
# ------------------------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklhep.datasets import make_signal_background
from sklhep.weights import apply_negative_weight_policy, effective_sample_size, weighted_mean

quick = os.environ.get("SKLHEP_EXAMPLE_QUICK") == "1"  # the test suite's smaller run
folder = Path(os.environ.get("SKLHEP_DATA", "/nonexistent")) / "zjets_lhe_7tev"
if (folder / "zjets_fxfx_nlo.csv").exists() and (folder / "zjets_mlm_lo.csv").exists():
    nlo = pd.read_csv(folder / "zjets_fxfx_nlo.csv")
    lo = pd.read_csv(folder / "zjets_mlm_lo.csv")
    features = ["lp_pt", "lp_eta", "lm_pt", "lm_eta", "mll", "ptll", "yll", "j1_pt"]
    observable, unit = "ptll", "GeV"  # the dilepton pT: 0 without a jet at parton level
    shown = ["ptll", "j1_pt", "yll", "lm_eta", "mll", "lp_pt"]
else:
    print("SKLHEP_DATA/zjets_lhe_7tev not found: using sklhep.datasets.make_signal_background")
    n = 8_000 if quick else 20_000
    # The generator's negative events come from a "hard-emission" density that the positive
    # ones cancel; keeping only the positive events of a sample with 10 % negative weights
    # gives an all-positive sample with harder spectra: the "LO" stand-in.
    nlo = make_signal_background(n, n_features=8, negative_fraction=0.185, random_state=0)
    lo = make_signal_background(n, n_features=8, negative_fraction=0.1, random_state=1)
    nlo = nlo[nlo["label"] == 0].reset_index(drop=True)
    lo = lo[(lo["label"] == 0) & (lo["weight"] > 0)].reset_index(drop=True)
    lo["weight"] = 1.0
    features = list(nlo.columns[:8])
    observable, unit = "jet1_pt", "GeV"
    shown = ["jet1_pt", "ht", "met", "m_jj", "lep_pt", "jet2_pt"]

w_nlo, w_lo = nlo["weight"].to_numpy(), lo["weight"].to_numpy()
print(f"NLO: {len(nlo)} events, {np.mean(w_nlo < 0):.1%} negative, |w| = {np.abs(w_nlo).max():g}")
print(f"LO:  {len(lo)} events, all positive")
print(
    f"Kish effective sample size of the NLO sample: {effective_sample_size(w_nlo):.0f} "
    f"events ({effective_sample_size(w_nlo) / len(nlo):.0%}): n (1 - 2f)^2 for a fraction f "
    "of negative weights of the same size"
)

# %%
# Keep, abs or drop: what the sample says
# ---------------------------------------
# Only the signed sum is the NLO prediction: the negative events cancel part of the
# positive ones where the matching counts an emission twice, at small and moderate pT (at
# parton level ptll is exactly 0 in events without a jet: the first bin).
# :func:`sklhep.weights.apply_negative_weight_policy` applies the three treatments (the
# ``negative_weights=`` policies of every sklhep estimator).
policies = ("keep", "abs", "drop")
treated = {}
for policy in policies:
    w, kept = apply_negative_weight_policy(w_nlo, policy)
    events = nlo if kept is None else nlo[kept]
    treated[policy] = (events, w)
    mean = weighted_mean(events[observable], w)
    print(f"NLO <{observable}> with {policy!r:6s}: {mean:6.2f} {unit}")
print(f"LO  <{observable}>               : {lo[observable].mean():6.2f} {unit}")

upper = np.quantile(nlo[observable], 0.97)
bins = np.linspace(0.0, upper, 25) if observable == "ptll" else np.linspace(25.0, upper, 25)
fig, (ax, ratio) = plt.subplots(
    2, 1, figsize=(6, 5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
)
reference, _ = np.histogram(nlo[observable], bins=bins, weights=w_nlo, density=True)
for policy, style in zip(policies, ("-", "--", ":"), strict=True):
    events, w = treated[policy]
    h, _ = np.histogram(events[observable], bins=bins, weights=w, density=True)
    ax.stairs(h, bins, ls=style, lw=1.5, label=f"NLO, {policy}")
    ratio.stairs(h / reference, bins, ls=style, lw=1.5)
h, _ = np.histogram(lo[observable], bins=bins, density=True)
ax.stairs(h, bins, color="grey", label="LO")
ratio.stairs(h / reference, bins, color="grey")
ax.set_yscale("log")
ax.set_ylabel("normalised to unit area")
ax.legend()
ratio.axhline(1.0, color="black", lw=0.8)
ratio.set_ylim(0.5, 1.5)
ratio.set_ylabel("to NLO (keep)")
ratio.set_xlabel(f"{observable} [{unit}]")
fig.tight_layout()

# %%
# Keep, abs or drop: what a classifier learns
# -------------------------------------------
# A classifier trained to tell the LO events from the NLO ones learns the ratio of the two
# densities it is shown, and that ratio turns LO into NLO (the next section). Given ``|w|``
# or the positive events only, it learns the ratio to the wrong density and moves the LO
# sample there: the bias is not a matter of statistics, more events do not remove it.
from sklhep.reweight import Reweighter, reweighting_closure  # noqa: E402

new_weights = {}
for policy in policies:
    events, w = treated[policy]
    rw = Reweighter(random_state=0)
    new_weights[policy] = rw.fit_predict_weights(
        lo[features], events[features], original_weight=w_lo, target_weight=w
    )
    mean = weighted_mean(lo[observable], new_weights[policy])
    print(
        f"LO reweighted to NLO ({policy!r:6s}): <{observable}> = {mean:6.2f} {unit}, "
        f"ESS {rw.ess_reweighted_ / rw.ess_original_:.2f} of the LO's"
    )

# %%
# Reweighting LO to NLO with the signed weights
# ---------------------------------------------
# :meth:`~sklhep.reweight.Reweighter.fit_predict_weights` weights each LO event with a
# classifier that did not see it (2 folds), so that the closure below is honest. The plot
# shows each feature before (dashed) and after (solid) reweighting against the NLO
# prediction (points), all normalised to unit area with the signed weights.
from sklhep.plotting import plot_reweighting  # noqa: E402

w_rw = new_weights["keep"]
fig, axes = plot_reweighting(
    lo[shown],
    nlo[shown],
    w_rw,
    original_weight=w_lo,
    target_weight=w_nlo,
    range={c: tuple(np.nanquantile(nlo[c], [0.005, 0.97])) for c in shown},
    bins=20,
    labels=("LO", "LO reweighted", "NLO (signed)"),
)

# %%
# Closure: pulls of the means, KS and χ² tests
# --------------------------------------------
# :func:`~sklhep.reweight.reweighting_closure` compares the signed-weight mean of every
# feature with the NLO's, in units of the NLO mean's statistical error. Before
# reweighting the LO is several standard deviations off in the hard-emission variables;
# after it every pull is of order 1. (The NLO events also trained the fold models, so the
# pulls come out a little small; an independent NLO sample would measure them without that
# correlation.)
before = reweighting_closure(lo[features], nlo[features], w_lo, w_nlo).to_frame()
after = reweighting_closure(lo[features], nlo[features], w_rw, w_nlo).to_frame()
table = pd.DataFrame(
    {
        "pull before": before["pull"],
        "KS p before": before["ks_pvalue"],
        "pull after": after["pull"],
        "KS p after": after["ks_pvalue"],
    }
)
print(table.round(3).to_string())

fig, ax = plt.subplots(figsize=(6, 3.5))
y = np.arange(len(features))
ax.axvspan(-1, 1, color="0.9", label="±1σ")
ax.plot(table["pull before"], y, "s", color="tab:red", label="LO")
ax.plot(table["pull after"], y, "o", color="tab:blue", label="LO reweighted")
ax.set_yticks(y, table.index)
ax.invert_yaxis()
ax.axvline(0.0, color="black", lw=0.8)
ax.set_xlabel("pull of the mean against NLO [σ]")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3)
fig.tight_layout()
