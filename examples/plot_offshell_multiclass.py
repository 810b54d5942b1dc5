"""
Three ROOT samples, a 3-class MLP against a BDT
===============================================

The Offshell workshop (LPC, 2024) classifier tutorial trains a small network on three ROOT
files, one per class: a signal and two backgrounds, with the features ``pt``, ``mass`` and
``eta``. Here the same story takes a dozen lines with sklhep: :func:`sklhep.io.read_root`
reads the three samples into one DataFrame with a label per sample, an
:class:`~sklhep.neural_network.MLPClassifier` and a :class:`~sklhep.ensemble.BDTClassifier`
train with early stopping (on by default above 10,000 events), the one-vs-rest ROC curves
compare them, and the scores go back to ROOT with :func:`sklhep.io.write_root`.

The files are read from ``$SKLHEP_DATA/offshell_tutorial`` (see :doc:`/data`); without them
the example uses :func:`sklhep.datasets.make_multiclass`.
"""

# %%
# Read the three samples
# ----------------------
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sklhep.datasets import make_multiclass
from sklhep.ensemble import BDTClassifier
from sklhep.io import read_root, write_root
from sklhep.metrics import roc_auc_score, roc_curve
from sklhep.neural_network import MLPClassifier
from sklhep.plotting import plot_history, plot_roc

quick = os.environ.get("SKLHEP_EXAMPLE_QUICK") == "1"  # the test suite's smaller run
folder = Path(os.environ.get("SKLHEP_DATA", "/nonexistent")) / "offshell_tutorial"
files = {name: folder / f"{name}_Events.root" for name in ("sig", "bkg1", "bkg2")}
if all(path.exists() for path in files.values()):
    features = ["pt", "mass", "eta"]
    df = read_root(
        {name: str(path) for name, path in files.items()},
        tree="tree",
        branches=features,
        max_entries=10_000,  # per sample, to keep the example under a minute
    )
else:
    print("SKLHEP_DATA/offshell_tutorial not found: using sklhep.datasets.make_multiclass")
    n_events = 3_000 if quick else 30_000
    df = make_multiclass(n_events, n_classes=3, negative_fraction=0.0, random_state=0)
    features = [c for c in df.columns if c not in ("weight", "label", "sample", "event")]

print(df.groupby("label", observed=True).size())

X_train, X_test, y_train, y_test, w_train, w_test = train_test_split(
    df[features], df["label"], df["weight"], test_size=0.3, random_state=0, stratify=df["label"]
)

# %%
# Train both families with their defaults
# ---------------------------------------
# The MLP standardises nothing itself: put a scaler in front, as for any scikit-learn
# network. Both estimators hold out ``validation_fraction`` of the training events for
# early stopping and keep the best epoch / boosting round. ``n_jobs=1``: one thread each,
# as on a batch node's single core.
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

mlp = make_pipeline(
    StandardScaler(), MLPClassifier(max_epochs=5 if quick else 100, n_jobs=1, random_state=0)
)
bdt = BDTClassifier(n_jobs=1, random_state=0)
mlp.fit(X_train, y_train, mlpclassifier__sample_weight=w_train)
bdt.fit(X_train, y_train, sample_weight=w_train)

net = mlp[-1]
print(f"MLP: {net.n_epochs_} epochs, best {net.best_epoch_}")
print(f"BDT: {bdt.n_estimators_} trees, best round {bdt.best_iteration_}")

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_history(net.history_, ax=axes[0])
axes[0].set_title("MLP")
plot_history(bdt.history_, ax=axes[1])
axes[1].set_title("BDT")
fig.tight_layout()

# %%
# One-vs-rest ROC curves on the test events
# -----------------------------------------
p_mlp, p_bdt = mlp.predict_proba(X_test), bdt.predict_proba(X_test)
for name, p in (("MLP", p_mlp), ("BDT", p_bdt)):
    auc = roc_auc_score(y_test, p, sample_weight=w_test)
    print(f"{name}: weighted one-vs-rest AUC = {auc:.4f}")

signal = (y_test == 0).to_numpy()  # class 0 is the first sample: the signal
curves = {
    name: roc_curve(signal, p[:, 0], sample_weight=w_test)
    for name, p in (("MLP", p_mlp), ("BDT", p_bdt))
}
ax = plot_roc(curves)
ax.set_title("Signal against both backgrounds")

# %%
# Scores back to ROOT
# -------------------
# :func:`~sklhep.io.write_root` writes a flat tree (atomically: a crash never leaves half a
# file), here one branch per class probability.
out = Path(tempfile.mkdtemp()) / "scores.root"
write_root(
    out,
    {f"p_mlp_{k}": p_mlp[:, k] for k in range(p_mlp.shape[1])}
    | {f"p_bdt_{k}": p_bdt[:, k] for k in range(p_bdt.shape[1])},
    tree="scores",
)
print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
print(f"mean MLP signal score on signal events: {np.mean(p_mlp[signal, 0]):.3f}")
