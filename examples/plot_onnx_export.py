"""
Deployment: ONNX for C++, a plain xgboost file, and a safe save/load
====================================================================

A classifier trained in Python ends up in an analysis framework written in C++ (CMSSW,
Athena, a ROOT macro), or in a later Python job. Three ways out, each checked here on two
models trained with signed weights (20 % negative):

* :func:`sklhep.export.to_onnx` writes an ONNX graph that ONNX Runtime runs from C++,
  Python or any other language (and TMVA SOFIE for the networks); the parity with sklhep's
  own ``predict_proba`` is measured event by event;
* a BDT's ``booster_`` is a faithful xgboost model: saved as UBJSON it is read by plain
  xgboost without sklhep, and gives the same probabilities;
* :func:`sklhep.save` / :func:`sklhep.load` store the fitted Python object without pickle
  (JSON, ``.npy``, safetensors and UBJSON in a zip), so loading a file never runs code.

All files go to a temporary folder.
"""

# %%
# Two models trained with signed weights
# --------------------------------------
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import xgboost
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklhep
from sklhep import BDTClassifier, MLPClassifier
from sklhep.datasets import make_signal_background
from sklhep.export import to_onnx

quick = os.environ.get("SKLHEP_EXAMPLE_QUICK") == "1"  # the test suite's smaller run
df = make_signal_background(4_000 if quick else 20_000, negative_fraction=0.2, random_state=0)
features = [c for c in df.columns if c not in ("weight", "label", "sample", "event")]
X = df[features].to_numpy(np.float64)
y, w = df["label"].to_numpy(), df["weight"].to_numpy()
X_new = make_signal_background(2_000 if quick else 50_000, random_state=1)[features].to_numpy()

models = {
    "MLP": make_pipeline(
        StandardScaler(),
        MLPClassifier(
            max_epochs=3 if quick else 20, early_stopping=False, n_jobs=1, random_state=0
        ),
    ).fit(X, y, mlpclassifier__sample_weight=w),
    "BDT": BDTClassifier(n_jobs=1, random_state=0).fit(X, y, sample_weight=w),
}
out = Path(tempfile.mkdtemp())

# %%
# ONNX, run by ONNX Runtime
# -------------------------
# The sample passed to ``to_onnx`` fixes the input type: float64 here, so that the scaler
# runs in double precision as in scikit-learn (the BDT casts its input to float32 inside
# the graph, as xgboost does). The graph's input is ``X``; its outputs are ``label`` and
# ``probabilities``. On a shared machine give ONNX Runtime one thread and no busy-waiting.
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.add_session_config_entry("session.intra_op.allow_spinning", "0")

p_sklhep, p_onnx = {}, {}
for name, model in models.items():
    path = out / f"{name.lower()}.onnx"
    path.write_bytes(to_onnx(model, X[:1]).SerializeToString())
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    label, proba = session.run(None, {"X": X_new})
    p_sklhep[name] = model.predict_proba(X_new)[:, 1]
    p_onnx[name] = proba[:, 1]
    diff = np.abs(p_onnx[name] - p_sklhep[name]).max()
    same = np.mean(label == model.predict(X_new))
    print(
        f"{name}: {path.name} ({path.stat().st_size / 1e3:.0f} kB), max |ONNX - sklhep| = "
        f"{diff:.1e}, labels equal for {same:.0%} of {len(X_new)} events"
    )

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for name, marker in (("MLP", "o"), ("BDT", "s")):
    axes[0].plot(p_sklhep[name][:2000], p_onnx[name][:2000], marker, ms=2, label=name)
    delta = p_onnx[name] - p_sklhep[name]
    axes[1].hist(delta, bins=50, histtype="step", label=name)
axes[0].plot([0, 1], [0, 1], color="black", lw=0.8)
axes[0].set_xlabel("sklhep predict_proba")
axes[0].set_ylabel("ONNX Runtime")
axes[0].legend()
axes[1].set_xlabel("ONNX Runtime − sklhep")
axes[1].set_ylabel("events")
axes[1].set_yscale("log")
axes[1].ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
axes[1].legend()
fig.tight_layout()

# %%
# The differences are float32 rounding: the graphs compute in single precision, as the
# network and xgboost do. The same ``.onnx`` file runs in C++ with ``Ort::Session`` (see
# :doc:`/deployment`).
#
# The BDT as a plain xgboost model
# --------------------------------
# Whatever objective trained it (here sklhep's signed-weight one), ``booster_`` carries
# xgboost's own ``binary:logistic`` and the starting score in its convention, so that
# xgboost, its C API and converters read the file as they read any xgboost model.
bdt = models["BDT"]
bdt.booster_.save_model(out / "bdt.ubj")
booster = xgboost.Booster(model_file=str(out / "bdt.ubj"))
p_xgb = booster.predict(xgboost.DMatrix(X_new))
print(f"plain xgboost: max |xgboost - sklhep| = {np.abs(p_xgb - p_sklhep['BDT']).max():.1e}")

# %%
# Safe save and load
# ------------------
# ``sklhep.save`` writes the fitted pipeline (scaler, network weights, optimizer state) or
# BDT (its booster as UBJSON) atomically; ``sklhep.load`` rebuilds them from JSON, arrays
# and tensors, creating only allow-listed classes. Do not share pickles: loading one runs
# whatever code it contains.
for name, model in models.items():
    path = out / f"{name.lower()}.sklhep"
    sklhep.save(model, path)
    again = sklhep.load(path)
    identical = np.array_equal(again.predict_proba(X_new), model.predict_proba(X_new))
    print(f"{name}: {path.name} ({path.stat().st_size / 1e3:.0f} kB), identical: {identical}")
