"""
Mass regression: MLP against BDT, and what activation, loss and batch size do
==============================================================================

"Calorimeters meet MLPs" and the Offshell regression tutorial regress a physics quantity
from measured inputs. Here the target is the dimuon invariant mass of 2,304 real CMS 2010
Z→μμ events, regressed from the two muons' measured energies and momenta. The mass is an
exact function of the inputs, so a perfect model exists and the resolution tells how close
each model gets. The features are deliberately the raw four-momenta: a network has to learn
the Minkowski product, a tree ensemble has to approximate it with boxes.

The file is read from ``$SKLHEP_DATA/zmumu_2010`` (see :doc:`/data`); without it the example
uses :func:`sklhep.datasets.make_momentum_regression`.
"""

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklhep.datasets import make_momentum_regression
from sklhep.ensemble import BDTRegressor
from sklhep.io import read_root
from sklhep.metrics import bias, resolution
from sklhep.neural_network import MLPRegressor
from sklhep.plotting import plot_resolution, plot_resolution_vs_target

quick = os.environ.get("SKLHEP_EXAMPLE_QUICK") == "1"  # the test suite's smaller run
epochs = 10 if quick else 100
path = Path(os.environ.get("SKLHEP_DATA", "/nonexistent")) / "zmumu_2010" / "uproot-Zmumu.root"
if path.exists():
    features = [f"{v}{i}" for i in (1, 2) for v in ("E", "px", "py", "pz")]
    df = read_root(str(path), tree="events", branches=[*features, "M"])
    target, unit = df["M"], "GeV"
else:
    print("SKLHEP_DATA/zmumu_2010 not found: using sklhep.datasets.make_momentum_regression")
    df = make_momentum_regression(2_000 if quick else 5_000, negative_fraction=0.0, random_state=0)
    features = [c for c in df.columns if c not in ("target", "weight", "event")]
    target, unit = df["target"], None

X_train, X_test, y_train, y_test = train_test_split(
    df[features], target, test_size=0.3, random_state=0
)
print(f"{len(X_train)} training events, {len(X_test)} test events")

# %%
# Default models
# --------------
# On a sample this small early stopping is off by default (it needs more than 10,000
# events), so the MLP trains for ``max_epochs`` (100). One thread (``n_jobs=1``) is faster
# than several on a few thousand events.
models = {
    "MLP": make_pipeline(
        StandardScaler(), MLPRegressor(max_epochs=epochs, n_jobs=1, random_state=0)
    ),
    "BDT": BDTRegressor(n_jobs=1, random_state=0),
}
predictions = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    predictions[name] = model.predict(X_test)
    print(
        f"{name}: resolution {resolution(y_test, predictions[name]):.4f}, "
        f"bias {bias(y_test, predictions[name]):+.4f} (relative)"
    )

fig, ax = plt.subplots(figsize=(6, 4))
plot_resolution(y_test, predictions, target_label="m", unit=unit, ax=ax)
plot_resolution_vs_target(y_test, predictions, target_label="m", unit=unit)

# %%
# What the choices do
# -------------------
# A few one-parameter changes from the defaults, each scored on the same test events.
variants = {
    "default (relu, mse, batch 1024)": {},
    "tanh": {"activation": "tanh"},
    "huber loss": {"loss": "huber"},
    "batch 128": {"batch_size": 128},
    "batch 32": {"batch_size": 32},
}
scores = {}
for label, params in variants.items():
    model = make_pipeline(
        StandardScaler(), MLPRegressor(max_epochs=epochs, n_jobs=1, random_state=0, **params)
    )
    model.fit(X_train, y_train)
    scores[label] = resolution(y_test, model.predict(X_test))
    print(f"{label:32s} resolution {scores[label]:.4f}")

fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(scores), list(scores.values()), label="MLP")
ax.axvline(resolution(y_test, predictions["BDT"]), color="black", ls="--", label="BDT default")
ax.set_xlabel("relative resolution (IQR / 1.349)")
ax.invert_yaxis()
ax.legend()
fig.tight_layout()

# %%
# Smaller batches take more optimiser steps per epoch: on a sample of a few thousand events
# the default batch of 1024 gives only a couple of steps per epoch, and the network is far
# from converged after 100 epochs. With a batch size matched to the sample (32 events, 50
# steps per epoch) the MLP overtakes the BDT, which cannot represent a smooth product of
# momenta exactly. (A larger ``learning_rate`` with batches of 128 does about as well.)
