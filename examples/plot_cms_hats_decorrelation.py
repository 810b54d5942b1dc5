"""
CMS HATS: a network against a BDT on open data, then mass decorrelation
=======================================================================

The CMS HATS machine-learning exercise (LPC, 2019) trains a neural network and a boosted
decision tree on CMS simulation, compares them, and then faces the problem of every tagger
used in a bump hunt: a classifier that has learnt the mass sculpts the background. Two
parts here:

1. WW production against its top-quark background in the CMS 2012 HEP-tutorial samples
   (CERN Open Data record 50): jagged muon, electron and jet collections turned into flat
   features by :func:`sklhep.io.read_root` expressions, per-event weights ``EventWeight``
   (the expected events in the tutorial's luminosity), an MLP against a BDT.
2. Mass decorrelation on :func:`sklhep.datasets.make_mass_sculpting` (a boosted-jet tagger
   with 15 % negative weights): ``MLPClassifier(decorrelation=λ)`` (DisCo) and
   ``BDTClassifier(decorrelation=λ)`` (a flatness penalty) with ``fit(..., protected=mass)``,
   the sculpted background spectra (:func:`sklhep.plotting.plot_sculpting`) and the
   trade-off between background rejection and :func:`sklhep.metrics.sculpting_jsd`.

The files are read from ``$SKLHEP_DATA/cms_tutorial_2012`` (see :doc:`/data`); without them
the first part uses :func:`sklhep.datasets.make_signal_background`.
"""

# %%
# Part 1: WW against single top, from ROOT files with jagged collections
# ----------------------------------------------------------------------
# A WW → ℓνℓν measurement fights top-quark production, whose t → bℓν decay gives the same
# lepton and missing momentum plus a b jet. Each expression is evaluated per event over the
# jagged arrays: ``[0]`` is the leading (first stored) object and NaN when there is none,
# ``n(...)`` a multiplicity, ``sum(... > 30)`` counts the jets above 30 GeV, ``max(...)``
# the largest value (the most b-like jet; NaN without jets).
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep.datasets import make_mass_sculpting, make_signal_background
from sklhep.ensemble import BDTClassifier
from sklhep.io import read_root
from sklhep.metrics import background_rejection, roc_auc_score, roc_curve, sculpting_jsd
from sklhep.neural_network import MLPClassifier
from sklhep.plotting import plot_roc, plot_sculpting

quick = os.environ.get("SKLHEP_EXAMPLE_QUICK") == "1"  # the test suite's smaller run
folder = Path(os.environ.get("SKLHEP_DATA", "/nonexistent")) / "cms_tutorial_2012"
files = {name: folder / f"{name}.root" for name in ("ww", "single_top")}
if all(path.exists() for path in files.values()):
    branches = {
        "n_mu": "n(Muon_Px)",
        "mu1_pt": "sqrt(Muon_Px[0]**2 + Muon_Py[0]**2)",
        "mu1_iso": "Muon_Iso[0]",
        "n_e": "n(Electron_Px)",
        "n_jet": "n(Jet_Px)",
        "n_jet30": "sum(sqrt(Jet_Px**2 + Jet_Py**2) > 30)",
        "jet1_pt": "sqrt(Jet_Px[0]**2 + Jet_Py[0]**2)",
        "ht": "sum(sqrt(Jet_Px**2 + Jet_Py**2))",
        "btag_max": "max(Jet_btag)",
        "met": "sqrt(MET_px**2 + MET_py**2)",
    }
    df = read_root(
        {name: str(path) for name, path in files.items()},
        tree="events",
        branches=branches,
        weight="EventWeight",
        labels={"ww": 1, "single_top": 0},  # signal: WW
        max_entries=1_000 if quick else None,
    )
    features = list(branches)
else:
    print("SKLHEP_DATA/cms_tutorial_2012 not found: using sklhep.datasets.make_signal_background")
    df = make_signal_background(2_000 if quick else 10_000, negative_fraction=0.0, random_state=0)
    features = [c for c in df.columns if c not in ("weight", "label", "sample", "event")]

print(df.groupby("sample", observed=True)["weight"].agg(events="size", expected="sum"))
print(f"{df[features].isna().any(axis=1).mean():.0%} of the events lack an object: NaN")

X_train, X_test, y_train, y_test, w_train, w_test = train_test_split(
    df[features], df["label"], df["weight"], test_size=0.5, random_state=0, stratify=df["label"]
)

# %%
# The two families, with the weights
# ----------------------------------
# The two samples' expected yields differ: ``class_weight="balanced"`` gives both classes
# the same net weight in training. The BDT takes the missing leading objects as they are
# (it learns a default direction at every split); the network gets a median imputer with
# missing-value indicators. ``n_jobs=1``: one thread is faster on a few thousand events.
mlp = make_pipeline(
    SimpleImputer(strategy="median", add_indicator=True),
    StandardScaler(),
    MLPClassifier(
        class_weight="balanced", max_epochs=10 if quick else 100, n_jobs=1, random_state=0
    ),
)
bdt = BDTClassifier(class_weight="balanced", max_depth=3, n_jobs=1, random_state=0)
mlp.fit(X_train, y_train, mlpclassifier__sample_weight=w_train)
bdt.fit(X_train, y_train, sample_weight=w_train)

scores = {"MLP": mlp.predict_proba(X_test)[:, 1], "BDT": bdt.predict_proba(X_test)[:, 1]}
for name, s in scores.items():
    auc = roc_auc_score(y_test, s, sample_weight=w_test)
    rej = background_rejection(y_test, s, sample_weight=w_test)
    print(f"{name}: weighted AUC {auc:.3f}, background rejection at 50 % signal eff. {rej:.1f}")
ax = plot_roc({name: roc_curve(y_test, s, sample_weight=w_test) for name, s in scores.items()})
ax.set_title("WW against single top")

# %%
# The two are close: with a handful of physics features and a few thousand events a BDT is
# as good as a network, and much cheaper to train. What they use: the drop of the weighted
# AUC when one feature's values are shuffled among the test events (permutation
# importance). The jets dominate — WW is mostly produced without jets, single top with a b
# jet — as in the jet veto and b-jet veto of the WW cross-section measurements.
from sklearn.inspection import permutation_importance  # noqa: E402

from sklhep.metrics import get_scorer  # noqa: E402
from sklhep.plotting import plot_feature_importances  # noqa: E402

importances = {}
for name, model in (("MLP", mlp), ("BDT", bdt)):
    result = permutation_importance(
        model,
        X_test,
        y_test,
        scoring=get_scorer("roc_auc"),
        sample_weight=w_test,
        n_repeats=2 if quick else 5,
        random_state=0,
    )
    importances[name] = dict(zip(features, result.importances_mean, strict=True))
plot_feature_importances(importances, xlabel="weighted AUC drop when shuffled")

# %%
# Part 2: a tagger that must not sculpt the mass
# ----------------------------------------------
# :func:`~sklhep.datasets.make_mass_sculpting` is a boosted-jet tagging problem: the
# background's substructure features drift with the jet mass, so a classifier that finds
# the signal also learns where the signal's 125 GeV mass is, and the background that
# passes its cut peaks there. The mass itself is not a feature; it is the ``protected``
# variable.
n_train, n_test = (4_000, 8_000) if quick else (20_000, 60_000)
train = make_mass_sculpting(n_train, negative_fraction=0.15, random_state=0)
test = make_mass_sculpting(n_test, negative_fraction=0.15, random_state=1)
cols = list(train.attrs["features"])
y_s, w_s, mass = test["label"], test["weight"], test["mass"]


def trade_off(score):
    """Background rejection at 50 % signal efficiency, and 1/JSD (larger: less sculpted)."""
    rejection = background_rejection(y_s, score, sample_weight=w_s)
    return rejection, 1.0 / sculpting_jsd(y_s, score, mass, sample_weight=w_s, bins=30)


# %%
# DisCo for the network
# ---------------------
# ``decorrelation=λ`` adds λ times the squared distance correlation between the output and
# the mass of the background events of every batch (with their signed weights) to the loss.
lambdas_mlp = (0.0, 10.0) if quick else (0.0, 2.0, 5.0, 10.0)
results, mlp_scores = {}, {}
for lam in lambdas_mlp:
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            decorrelation=lam,
            max_epochs=3 if quick else 20,
            early_stopping=False,
            n_jobs=1,
            random_state=0,
        ),
    )
    fit_params = {"mlpclassifier__sample_weight": train["weight"]}
    if lam > 0:  # ``protected`` is refused when there is nothing to decorrelate
        fit_params["mlpclassifier__protected"] = train["mass"]
    model.fit(train[cols], train["label"], **fit_params)
    mlp_scores[lam] = model.predict_proba(test[cols])[:, 1]
    rejection, inverse_jsd = results["MLP", lam] = trade_off(mlp_scores[lam])
    print(f"MLP λ = {lam:4g}: rejection {rejection:6.1f}, 1/JSD {inverse_jsd:6.1f}")

fig, axes = plt.subplots(
    2, 2, figsize=(11, 5.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
)
for column, lam in enumerate((0.0, 10.0)):
    plot_sculpting(
        y_s,
        mlp_scores[lam],
        mass,
        sample_weight=w_s,
        efficiencies=(0.8, 0.5),
        bins=30,
        axes=axes[:, column],
    )
    axes[0, column].set_title(f"MLP, λ = {lam:g}")
fig.tight_layout()

# %%
# Without the penalty the background that passes a tight cut is a peak at the signal mass;
# with it the passing background keeps the shape of the inclusive one.
#
# The flatness penalty for the BDT
# --------------------------------
# ``BDTClassifier(decorrelation=λ)`` adds to the signed-weight log-loss λ times the spread
# of the background efficiency of cuts on the output across bins of the mass.
lambdas_bdt = (0.0, 1.5) if quick else (0.0, 0.5, 1.0, 1.5, 2.5)
for lam in lambdas_bdt:
    model = BDTClassifier(
        decorrelation=lam,
        max_depth=4,
        learning_rate=0.2,
        n_estimators=30 if quick else 150,
        min_child_weight=20.0,
        early_stopping=False,
        n_jobs=1,
        random_state=0,
    )
    fit_params = {"protected": train["mass"]} if lam > 0 else {}
    model.fit(train[cols], train["label"], sample_weight=train["weight"], **fit_params)
    rejection, inverse_jsd = results["BDT", lam] = trade_off(model.predict_proba(test[cols])[:, 1])
    print(f"BDT λ = {lam:4g}: rejection {rejection:6.1f}, 1/JSD {inverse_jsd:6.1f}")

# %%
# The trade-off
# -------------
# Each point is one λ. Up and to the left: less sculpting, paid for with background
# rejection. The λ = 0 models sculpt (small 1/JSD); the largest λ are close to the
# statistical floor of the test sample's JSD, where "more decorrelated" no longer means
# anything.
fig, ax = plt.subplots(figsize=(6, 4.5))
for family, lambdas, marker in (("MLP", lambdas_mlp, "o-"), ("BDT", lambdas_bdt, "s-")):
    rejection, inverse_jsd = np.array([results[family, lam] for lam in lambdas]).T
    ax.plot(rejection, inverse_jsd, marker, label=family)
    for lam, r, j in zip(lambdas, rejection, inverse_jsd, strict=True):
        ax.annotate(f"λ={lam:g}", (r, j), textcoords="offset points", xytext=(4, 4))
ax.set_xlabel("background rejection at 50 % signal efficiency")
ax.set_ylabel("1 / JSD (larger: less sculpting)")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
