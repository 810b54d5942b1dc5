"""Inference throughput: ``predict_proba`` on 1M events against the raw engines.

A model of each family is trained once on a small sample (not timed); then, interleaved:

* MLP -- ``sklhep``: ``MLPClassifier.predict_proba(X)`` (input validation, batched forward
  pass without grad, an ``(n, 2)`` float64 result). ``raw``: the same fitted
  ``torch.nn.Module`` applied by hand, ``torch.sigmoid(module(xb))`` on slices of
  ``EVAL_BATCH_SIZE`` events under ``torch.inference_mode()``, concatenated into a numpy
  array (on the GPU: each slice moved to the device, the result back to the host).
  ``sklearn``: scikit-learn's ``MLPClassifier.predict_proba`` on a network of the same
  shape (informational).
* BDT -- ``sklhep``: ``BDTClassifier.predict_proba(X)``. ``raw``: the same model's
  ``booster_.inplace_predict(X)``. ``hgbc``: sklearn's ``HistGradientBoostingClassifier``
  with 100 trees (informational).

Target: sklhep >= 0.9x the raw engine's throughput. Sizes: 1M x 16 float32 events, 5
repetitions; ``--quick``: 200k events, 3 repetitions.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import torch

from benchmarks._suite import SuiteConfig, interleave, make_classification, ratio_row, timed

PART = "inference"
N_FEATURES = 16


def mlp_contenders(X_train, y_train, X, device: str) -> dict[str, Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    from sklhep import MLPClassifier
    from sklhep.neural_network._mlp import EVAL_BATCH_SIZE

    hidden = (64, 32, 32)
    clf = MLPClassifier(hidden, max_epochs=1, early_stopping=False, device=device, random_state=0)
    clf.fit(X_train, y_train)
    module = clf.module_
    module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkMLP(hidden, max_iter=1, batch_size=1024, random_state=0).fit(X_train, y_train)

    def raw() -> float:
        # the plain loop a PyTorch user writes: batches of EVAL_BATCH_SIZE under
        # inference_mode (one 1M-event forward pass is slower on a CPU: its activations
        # fall out of cache)
        def predict() -> np.ndarray:
            out = []
            with torch.inference_mode():
                for start in range(0, X.shape[0], EVAL_BATCH_SIZE):
                    xb = torch.from_numpy(X[start : start + EVAL_BATCH_SIZE]).to(device)
                    out.append(torch.sigmoid(module(xb)).squeeze(1).cpu())
            return torch.cat(out).numpy()

        return timed(predict, device)

    return {
        "raw": raw,
        "sklhep": lambda: timed(lambda: clf.predict_proba(X), device),
        "sklearn": lambda: timed(lambda: sk.predict_proba(X)),
    }


def bdt_contenders(X_train, y_train, X, device: str) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from sklhep import BDTClassifier

    n_jobs = os.cpu_count() or 1
    est = BDTClassifier(
        n_estimators=100, max_depth=6, early_stopping=False, device=device, n_jobs=n_jobs
    )
    est.fit(X_train, y_train)
    booster = est.booster_
    hgbc = HistGradientBoostingClassifier(
        max_iter=100, max_depth=6, max_leaf_nodes=None, early_stopping=False, random_state=0
    ).fit(X_train, y_train)
    return {
        "raw": lambda: timed(lambda: booster.inplace_predict(X)),
        "sklhep": lambda: timed(lambda: est.predict_proba(X)),
        "hgbc": lambda: timed(lambda: hgbc.predict_proba(X)),
    }


def run(cfg: SuiteConfig) -> list[dict[str, Any]]:
    n = cfg.events(1_000_000, 200_000)
    repeats = cfg.reps(5, 3)
    X, _, _ = make_classification(n, N_FEATURES, weighted=False, seed=3)
    X_train, y_train, _ = make_classification(
        min(n, cfg.events(50_000, 20_000)), N_FEATURES, weighted=False, seed=4
    )
    rows: list[dict[str, Any]] = []
    common = {"events": n, "device": cfg.device}
    for family, make, peer in (
        ("MLP", mlp_contenders, "sklearn"),
        ("BDT", bdt_contenders, "hgbc"),
    ):
        times = interleave(make(X_train, y_train, X, cfg.device), repeats)
        rows += [
            ratio_row(
                PART,
                f"{family} predict_proba",
                "sklhep",
                "raw",
                times,
                kind="throughput",
                target=(">=", 0.9),
                **common,
            ),
            ratio_row(
                PART, f"{family} predict_proba", peer, "raw", times, kind="throughput", **common
            ),
        ]
    return rows
