"""Do the BDT and MLP defaults hold on real NLO samples, without hurting positive ones?

Three measurements, each over ``--seeds`` seeds (fold splits and model seeds):

``zjets``
    NLO (FxFx, 18.5 % negative weights) against LO (MLM) Z+jets, ``../shared/data/
    zjets_lhe_7tev``, features lp_pt, lp_eta, lm_pt, lm_eta, mll, ptll, yll, j1_pt; 2-fold
    cross-fitted, classes balanced by net weight (the classifier's ``p/(1-p)`` is then the
    NLO/LO density ratio; ``sklhep.reweight.Reweighter`` with the configuration as its
    estimator). Per configuration: the signed-weight AUC of each fold model on its own
    training events (``train_auc``; above 1 is unphysical: the model ranks the negative
    events it trained on), on the held-out events (``test_auc``), and the closure of the
    reweighted LO: its signed ⟨ptll⟩ (NLO: 12.23 ± 0.38 GeV), the largest |pull| over the
    8 features (units of the NLO mean's statistical error), and ESS / N. Also at half the
    events (``--half``) to see how a leaf-size rule must scale.
``positive``
    All-positive references for a change of default: the Offshell tutorial's 3-class
    accuracy (``offshell_tutorial``, pt/mass/eta, 30,000 events per class, half for
    training) and the HiggsML 2014 subset's weighted AUC (``higgsml_2014_subset``, 30
    features, -999 missing, half for training).
``mlp``
    The MLP defaults (after a ``StandardScaler``) on the Z+jets NLO-vs-LO task, with
    ``early_stopping="auto"`` (off at these 10,000 training events) and ``True``.

Usage::

    python -m benchmarks.defaults_signed [--seeds 3] [--only zjets,positive,mlp] [--half]

Writes ``benchmarks/results/defaults_signed.json`` and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.reweight_zjets import DATA as ZJETS
from benchmarks.reweight_zjets import _FixedFolds, _folds, _pulls, load

SHARED = ZJETS.parent
RESULTS = Path(__file__).resolve().parent / "results"

#: BDT configurations: name -> parameters, or a callable of the training weights that
#: returns them (a rule).
BDT_CONFIGS: dict[str, dict[str, Any]] = {
    "today (max_depth=6, min_child_weight=1)": {},
    "min_child_weight=10": {"min_child_weight": 10.0},
    "min_child_weight=25": {"min_child_weight": 25.0},
    "min_child_weight=50": {"min_child_weight": 50.0},
    "min_child_weight=100": {"min_child_weight": 100.0},
    "max_depth=4, min_child_weight=50": {"max_depth": 4, "min_child_weight": 50.0},
    "reg_lambda=50": {"reg_lambda": 50.0},
    "auto rule, K=100": {"min_child_weight": ("auto", 100.0)},
    "auto rule, K=200": {"min_child_weight": ("auto", 200.0)},
}


def auto_min_child_weight(y: np.ndarray, sample_weight: np.ndarray, k: float) -> float:
    r"""The proposed default: :math:`\max(1, K\,\bar h_0\,((\sum|w| / \sum w)^2 - 1))`.

    :math:`(\sum w / \sum |w|)^2` is the part of the Kish effective fraction that the
    cancelling negative weights cost (exactly 1 without negative weights, so the rule is
    today's 1 for every all-positive sample), and :math:`\bar h_0 = \pi(1-\pi)` the
    logistic hessian per event at the starting score (:math:`\pi` the net fraction of
    class 1), which converts events into ``min_child_weight``'s hessian units (a
    minimum of K events at :math:`\pi = 1/2` would forbid every split of an imbalanced
    sample such as HiggsML's, whose hessian per event is 0.003).
    """
    from sklhep.weights import net_weight

    w = np.asarray(sample_weight, dtype=np.float64)
    total = net_weight(w)
    pi = net_weight(w[np.asarray(y) == 1]) / total
    cancellation = (float(np.abs(w).sum()) / total) ** 2 - 1.0
    return max(1.0, k * pi * (1.0 - pi) * cancellation)


def _resolve(params: dict[str, Any], y: np.ndarray, w: np.ndarray) -> dict[str, Any]:
    """Evaluate an ``("auto", K)`` min_child_weight on the training labels and weights."""
    value = params.get("min_child_weight")
    if isinstance(value, tuple):
        return {**params, "min_child_weight": auto_min_child_weight(y, w, value[1])}
    return params


#: Configurations also run on the all-positive references.
POSITIVE_CONFIGS = [
    "today (max_depth=6, min_child_weight=1)",
    "auto rule, K=200",
    "min_child_weight=25",
    "max_depth=4, min_child_weight=50",
]


def _bdt(params: dict[str, Any], seed: int) -> Any:
    from sklhep import BDTClassifier

    return BDTClassifier(random_state=seed, n_jobs=1, **params)


def zjets(seeds: int, fraction: float = 1.0) -> dict[str, Any]:
    """The NLO-vs-LO fits of every BDT configuration."""
    from sklhep.metrics import roc_auc_score
    from sklhep.reweight import Reweighter
    from sklhep.weights import balanced_class_weight, effective_sample_size, weighted_mean

    Xo_all, wo_all, Xt_all, wt_all = load()
    y_all = np.r_[np.zeros(len(wo_all), int), np.ones(len(wt_all), int)]
    w_balanced = balanced_class_weight(y_all, np.r_[wo_all, wt_all])  # as the Reweighter
    out: dict[str, Any] = {}
    for name, config in BDT_CONFIGS.items():
        params = _resolve(config, y_all, w_balanced)
        records = []
        for seed in range(seeds):
            rng = np.random.default_rng(1000 + seed)
            io = np.sort(rng.permutation(len(Xo_all))[: int(fraction * len(Xo_all))])
            it = np.sort(rng.permutation(len(Xt_all))[: int(fraction * len(Xt_all))])
            Xo, wo = Xo_all.iloc[io].reset_index(drop=True), wo_all[io]
            Xt, wt = Xt_all.iloc[it].reset_index(drop=True), wt_all[it]
            n_o = len(Xo)
            folds = _folds(n_o, len(Xt), seed)
            both = [(np.r_[a, n_o + c], np.r_[b, n_o + np.setdiff1d(np.arange(len(Xt)), c)])
                    for a, b, c in folds]  # fmt: skip
            rw = Reweighter(_bdt(params, seed), cv=_FixedFolds(both), random_state=seed)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                w = rw.fit_predict_weights(Xo, Xt, wo, wt)
            elapsed = time.perf_counter() - start
            X = np.concatenate([Xo.to_numpy(), Xt.to_numpy()])
            y = np.r_[np.zeros(n_o), np.ones(len(Xt))]
            sw = np.r_[wo, wt]
            train_auc, test_auc = [], []
            for model, (train, test) in zip(rw.estimators_, both, strict=True):
                train_auc.append(roc_auc_score(y[train], model.predict_proba(X[train])[:, 1],
                                               sample_weight=sw[train]))  # fmt: skip
                test_auc.append(roc_auc_score(y[test], model.predict_proba(X[test])[:, 1],
                                              sample_weight=sw[test]))  # fmt: skip
            pulls = _pulls(Xo, Xt, wt, w)
            record = {
                "seed": seed,
                "train_auc": train_auc,
                "test_auc": test_auc,
                "ptll": float(weighted_mean(Xo["ptll"], w)),
                "max_abs_pull": float(np.max(np.abs(list(pulls.values())))),
                "pulls": pulls,
                "ess_over_n": effective_sample_size(w) / len(w),
                "n_trees": [m.n_estimators_ for m in rw.estimators_],
                "time_s": elapsed,
                "warnings": sorted({type(c.message).__name__ for c in caught}),
            }
            records.append(record)
            print(
                f"zjets x{fraction} {name} seed {seed}: train AUC {max(train_auc):.3f} test "
                f"AUC {np.mean(test_auc):.3f} ptll {record['ptll']:.2f} max|pull| "
                f"{record['max_abs_pull']:.2f} ESS/N {record['ess_over_n']:.3f}",
                flush=True,
            )
        out[name] = {"params": params, "records": records, "summary": _zsummary(records)}
    return out


def _zsummary(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "train_auc_max": float(max(max(r["train_auc"]) for r in records)),
        "test_auc_mean": float(np.mean([np.mean(r["test_auc"]) for r in records])),
        "ptll_mean": float(np.mean([r["ptll"] for r in records])),
        "ptll_range": [
            float(min(r["ptll"] for r in records)),
            float(max(r["ptll"] for r in records)),
        ],
        "max_abs_pull_mean": float(np.mean([r["max_abs_pull"] for r in records])),
        "ess_over_n": float(np.mean([r["ess_over_n"] for r in records])),
    }


def _offshell(per_class: int) -> tuple[pd.DataFrame, np.ndarray]:
    from sklhep.io import read_root

    folder = SHARED / "offshell_tutorial"
    samples = {name: folder / f"{name}_Events.root" for name in ("sig", "bkg1", "bkg2")}
    df = read_root(samples, tree="tree", branches=["pt", "mass", "eta"])
    rng = np.random.default_rng(0)
    keep = np.concatenate(
        [rng.choice(np.flatnonzero(df["label"] == k), per_class, replace=False) for k in range(3)]
    )
    df = df.iloc[np.sort(keep)].reset_index(drop=True)
    return df[["pt", "mass", "eta"]], df["label"].to_numpy()


def _higgsml() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    folder = SHARED / "higgsml_2014_subset"
    df = pd.concat(
        [pd.read_csv(folder / "train_sml_sig.csv"), pd.read_csv(folder / "train_sml_bg.csv")],
        ignore_index=True,
    )
    features = [c for c in df.columns if c.startswith(("DER_", "PRI_"))]
    return df[features], (df["Label"] == "s").to_numpy().astype(int), df["Weight"].to_numpy()


def positive(seeds: int, per_class: int = 30_000) -> dict[str, Any]:
    """Offshell 3-class accuracy and HiggsML AUC of the positive configurations."""
    from sklearn.model_selection import train_test_split

    from sklhep.metrics import roc_auc_score

    X_off, y_off = _offshell(per_class)
    X_h, y_h, w_h = _higgsml()
    out: dict[str, Any] = {}
    for name in POSITIVE_CONFIGS:
        config = BDT_CONFIGS[name]
        acc, auc, times, resolved = [], [], [], []
        for seed in range(seeds):
            a_tr, a_te, ya_tr, ya_te = train_test_split(
                X_off, y_off, test_size=0.5, random_state=seed, stratify=y_off
            )
            params = _resolve(config, (ya_tr == 0).astype(int), np.ones(len(ya_tr)))
            start = time.perf_counter()
            model = _bdt(params, seed).fit(a_tr, ya_tr)
            times.append(time.perf_counter() - start)
            acc.append(float(np.mean(model.predict(a_te) == ya_te)))
            h_tr, h_te, yh_tr, yh_te, wh_tr, wh_te = train_test_split(
                X_h, y_h, w_h, test_size=0.5, random_state=seed, stratify=y_h
            )
            params_h = _resolve(config, yh_tr, np.asarray(wh_tr))
            resolved.append([params.get("min_child_weight"), params_h.get("min_child_weight")])
            model = _bdt({**params_h, "missing": -999.0}, seed).fit(h_tr, yh_tr, wh_tr)
            auc.append(
                float(roc_auc_score(yh_te, model.predict_proba(h_te)[:, 1], sample_weight=wh_te))
            )
            print(f"positive {name} seed {seed}: offshell acc {acc[-1]:.4f} higgsml AUC "
                  f"{auc[-1]:.4f}", flush=True)  # fmt: skip
        out[name] = {
            "params": config,
            "min_child_weight_used": resolved,
            "offshell_accuracy": acc,
            "higgsml_auc": auc,
            "offshell_fit_time_s": times,
            "summary": {
                "offshell_accuracy_mean": float(np.mean(acc)),
                "offshell_accuracy_std": float(np.std(acc, ddof=1)) if seeds > 1 else 0.0,
                "higgsml_auc_mean": float(np.mean(auc)),
                "higgsml_auc_std": float(np.std(auc, ddof=1)) if seeds > 1 else 0.0,
            },
        }
    return out


def mlp(seeds: int) -> dict[str, Any]:
    """The MLP defaults on the NLO-vs-LO task (through the Reweighter, cross-fitted)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklhep import MLPClassifier
    from sklhep.metrics import roc_auc_score
    from sklhep.reweight import Reweighter
    from sklhep.weights import effective_sample_size, weighted_mean

    Xo, wo, Xt, wt = load()
    n_o = len(Xo)
    X = np.concatenate([Xo.to_numpy(), Xt.to_numpy()])
    y = np.r_[np.zeros(n_o), np.ones(len(Xt))]
    sw = np.r_[wo, wt]
    configs: dict[str, Callable[[int], Any]] = {
        'MLPClassifier() defaults (early_stopping="auto": off)': lambda s: make_pipeline(
            StandardScaler(), MLPClassifier(random_state=s, device="cpu")
        ),
        "MLPClassifier(early_stopping=True)": lambda s: make_pipeline(
            StandardScaler(), MLPClassifier(early_stopping=True, random_state=s, device="cpu")
        ),
        "MLPClassifier(early_stopping=True, n_iter_no_change=30)": lambda s: make_pipeline(
            StandardScaler(),
            MLPClassifier(early_stopping=True, n_iter_no_change=30, random_state=s, device="cpu"),
        ),
        "MLPClassifier(max_epochs=20)": lambda s: make_pipeline(
            StandardScaler(), MLPClassifier(max_epochs=20, random_state=s, device="cpu")
        ),
    }
    out: dict[str, Any] = {}
    for name, make in configs.items():
        records = []
        for seed in range(seeds):
            folds = _folds(n_o, len(Xt), seed)
            both = [(np.r_[a, n_o + c], np.r_[b, n_o + np.setdiff1d(np.arange(len(Xt)), c)])
                    for a, b, c in folds]  # fmt: skip
            rw = Reweighter(make(seed), cv=_FixedFolds(both), random_state=seed)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = rw.fit_predict_weights(Xo, Xt, wo, wt)
            elapsed = time.perf_counter() - start
            train_auc = [
                roc_auc_score(y[tr], m.predict_proba(X[tr])[:, 1], sample_weight=sw[tr])
                for m, (tr, _) in zip(rw.estimators_, both, strict=True)
            ]
            test_auc = [
                roc_auc_score(y[te], m.predict_proba(X[te])[:, 1], sample_weight=sw[te])
                for m, (_, te) in zip(rw.estimators_, both, strict=True)
            ]
            pulls = _pulls(Xo, Xt, wt, w)
            records.append(
                {
                    "seed": seed,
                    "train_auc": train_auc,
                    "test_auc": test_auc,
                    "ptll": float(weighted_mean(Xo["ptll"], w)),
                    "max_abs_pull": float(np.max(np.abs(list(pulls.values())))),
                    "pulls": pulls,
                    "ess_over_n": effective_sample_size(w) / len(w),
                    "epochs": [len(m[-1].history_) for m in rw.estimators_],
                    "time_s": elapsed,
                }
            )
            r = records[-1]
            print(f"mlp {name} seed {seed}: train AUC {max(train_auc):.3f} test AUC "
                  f"{np.mean(test_auc):.3f} ptll {r['ptll']:.2f} max|pull| "
                  f"{r['max_abs_pull']:.2f} ESS/N {r['ess_over_n']:.3f} epochs {r['epochs']}",
                  flush=True)  # fmt: skip
        out[name] = {"records": records, "summary": _zsummary(records)}
    return out


def markdown(payload: dict[str, Any]) -> str:
    lines = []
    for key in ("zjets", "zjets_half", "mlp"):
        if key not in payload:
            continue
        lines += [
            f"\n{key}: | configuration | train AUC (max) | test AUC | ⟨ptll⟩ GeV | max |pull| "
            "| ESS/N |",
            "|---|---|---|---|---|---|",
        ]
        for name, row in payload[key].items():
            s = row["summary"]
            lo, hi = s["ptll_range"]
            lines.append(
                f"| {name} | {s['train_auc_max']:.3f} | {s['test_auc_mean']:.3f} | "
                f"{lo:.2f}–{hi:.2f} | {s['max_abs_pull_mean']:.1f}σ | {s['ess_over_n']:.2f} |"
            )
    if "positive" in payload:
        lines += [
            "\npositive: | configuration | Offshell 3-class accuracy | HiggsML AUC |",
            "|---|---|---|",
        ]
        for name, row in payload["positive"].items():
            s = row["summary"]
            lines.append(
                f"| {name} | {s['offshell_accuracy_mean']:.4f} ± "
                f"{s['offshell_accuracy_std']:.4f} | {s['higgsml_auc_mean']:.4f} ± "
                f"{s['higgsml_auc_std']:.4f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", default="zjets,positive,mlp")
    parser.add_argument("--half", action="store_true", help="also Z+jets at half the events")
    parser.add_argument("--output", type=Path, default=RESULTS / "defaults_signed.json")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} not found: the real datasets are on the dev machines only")
    parts = {p.strip() for p in args.only.split(",")}
    payload: dict[str, Any] = {
        "benchmark": "defaults_signed",
        "seeds": args.seeds,
        "machine": {"host": platform.node(), "cpus": os.cpu_count()},
    }
    if "zjets" in parts:
        payload["zjets"] = zjets(args.seeds)
        if args.half:
            payload["zjets_half"] = zjets(args.seeds, 0.5)
    if "positive" in parts:
        payload["positive"] = positive(args.seeds)
    if "mlp" in parts:
        payload["mlp"] = mlp(args.seeds)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2, default=float))
    print(markdown(payload))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
