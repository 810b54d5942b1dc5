"""LO -> NLO reweighting on real Z+jets events: sklhep's Reweighter against hep_ml.

Data: ``../shared/data/zjets_lhe_7tev`` (MG5_aMC 2.2.1, 7 TeV; LO is MLM-merged and
all-positive, NLO is FxFx with 18.5 % negative weights; 10,000 events each). The LO events
are reweighted to NLO on the features lp_pt, lp_eta, lm_pt, lm_eta, mll, ptll, yll and
j1_pt. Every method is 2-fold cross-fitted (each LO event is weighted by a model that did
not train on it; the NLO events are split too), with the same folds for every method.

Figures per method, averaged over ``--seeds`` fold splits: the signed mean of every feature
in the reweighted LO sample, as a pull against the NLO signed mean in units of its
statistical error (weighted standard deviation / sqrt(Kish ESS)); the Kish ESS of the new
weights over the number of LO events; the wall time of the two folds; and, for sklhep, the
time over fitting its estimator twice on the same folds (the Reweighter's overhead).

Methods:

* ``sklhep Reweighter()`` -- the defaults (signed NLO weights);
* ``sklhep Reweighter(), |w| target`` and ``..., negatives dropped`` -- the biased policies;
* ``sklhep Reweighter(BDTClassifier())`` -- today's BDT defaults inside the Reweighter
  (class balance and prior handled), i.e. plain p/(1-p);
* ``sklhep Reweighter(MLPClassifier())`` -- the MLP defaults after a StandardScaler
  (``--mlp``; slower);
* ``hep_ml GBReweighter()`` -- hep_ml 0.8 defaults with the signed NLO weights, and with
  |w| (``pip install hep_ml``; skipped when it is not installed).

Usage::

    python -m benchmarks.reweight_zjets [--seeds 5] [--mlp] [--output PATH]

Writes ``benchmarks/results/reweight_zjets.json`` and prints a markdown table.
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
from sklearn.model_selection import StratifiedKFold

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "zjets_lhe_7tev"
RESULTS = Path(__file__).resolve().parent / "results"
FEATURES = ["lp_pt", "lp_eta", "lm_pt", "lm_eta", "mll", "ptll", "yll", "j1_pt"]
SHOWN = ["ptll", "j1_pt", "mll", "lp_pt", "lm_pt"]


def load(data: Path = DATA) -> tuple[pd.DataFrame, NDArrayF, pd.DataFrame, NDArrayF]:
    """LO features and weights, NLO features and weights."""
    lo = pd.read_csv(data / "zjets_mlm_lo.csv")
    nlo = pd.read_csv(data / "zjets_fxfx_nlo.csv")
    return lo[FEATURES], lo["weight"].to_numpy(), nlo[FEATURES], nlo["weight"].to_numpy()


NDArrayF = Any


class _HepMLFolds:
    """hep_ml's GBReweighter, cross-fitted on the given folds."""

    def __init__(self, target_transform: Callable[[NDArrayF], NDArrayF]) -> None:
        self.target_transform = target_transform

    def __call__(self, Xo, wo, Xt, wt, folds) -> NDArrayF:
        from hep_ml.reweight import GBReweighter  # type: ignore[import-untyped]

        out = np.zeros(len(Xo))
        for train_o, test_o, train_t in folds:
            model = GBReweighter().fit(
                Xo.iloc[train_o], Xt.iloc[train_t], wo[train_o], self.target_transform(wt)[train_t]
            )
            out[test_o] = model.predict_weights(Xo.iloc[test_o], wo[test_o])
        return out


def _folds(n_o: int, n_t: int, seed: int, cv: int = 2) -> list[tuple[Any, Any, Any]]:
    """Folds over both samples: (original train, original test, target train) per fold."""
    y = np.r_[np.zeros(n_o), np.ones(n_t)]
    split = StratifiedKFold(cv, shuffle=True, random_state=seed).split(np.zeros((len(y), 1)), y)
    return [(tr[tr < n_o], te[te < n_o], tr[tr >= n_o] - n_o) for tr, te in split]


class _FixedFolds:
    """A splitter that returns precomputed folds (so that every method shares them)."""

    def __init__(self, folds: list[tuple[Any, Any]]) -> None:
        self.folds = folds

    def split(self, X: Any = None, y: Any = None, groups: Any = None):
        yield from self.folds

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return len(self.folds)


def _sklhep(make_estimator: Callable[[int], Any] | None, target: str = "signed"):
    """A cross-fitted sklhep Reweighter on the shared folds."""

    def run(Xo, wo, Xt, wt, folds, seed):
        from sklhep.reweight import Reweighter

        n_o = len(Xo)
        keep = np.ones(len(Xt), bool) if target != "drop" else wt > 0
        index_t = np.flatnonzero(keep)
        position = np.full(len(Xt), -1)
        position[index_t] = np.arange(index_t.size)
        both = []
        for train_o, test_o, train_t in folds:
            train_t = position[train_t][position[train_t] >= 0]
            test_t = np.setdiff1d(np.arange(index_t.size), train_t)
            both.append((np.r_[train_o, n_o + train_t], np.r_[test_o, n_o + test_t]))
        wt_used = np.abs(wt) if target == "abs" else wt
        estimator = None if make_estimator is None else make_estimator(seed)
        rw = Reweighter(estimator, cv=_FixedFolds(both), random_state=seed)
        w = rw.fit_predict_weights(Xo, Xt[keep], wo, wt_used[keep])
        return w, rw

    return run


def _pulls(Xo, Xt, wt, w) -> dict[str, float]:
    from sklhep.reweight import reweighting_closure

    result = reweighting_closure(Xo, Xt, w, wt)
    return dict(zip(result.feature_names, result.pull.tolist(), strict=True))


def _estimator_time(make_estimator, Xo, wo, Xt, wt, folds, seed) -> float:
    """Seconds to fit the estimator on every fold's training set (balanced weights)."""
    from sklhep.reweight import default_estimator
    from sklhep.weights import balanced_class_weight, effective_sample_size

    total = 0.0
    for train_o, _, train_t in folds:
        X = np.concatenate([Xo.to_numpy()[train_o], Xt.to_numpy()[train_t]])
        y = np.r_[np.zeros(train_o.size), np.ones(train_t.size)].astype(int)
        w = balanced_class_weight(y, np.r_[wo[train_o], wt[train_t]])
        if make_estimator is None:
            model = default_estimator(effective_sample_size(w) / len(y), seed)
        else:
            model = make_estimator(seed)
        start = time.perf_counter()
        model.fit(X, y, sample_weight=w)
        total += time.perf_counter() - start
    return total


def methods(mlp: bool) -> dict[str, tuple[Callable[..., Any], Callable[[int], Any] | None]]:
    from sklhep import BDTClassifier

    out: dict[str, tuple[Callable[..., Any], Callable[[int], Any] | None]] = {
        "sklhep Reweighter() defaults": (_sklhep(None), None),
        "sklhep Reweighter(), |w| target weights": (_sklhep(None, "abs"), None),
        "sklhep Reweighter(), target negatives dropped": (_sklhep(None, "drop"), None),
    }

    def bdt(seed: int) -> Any:
        return BDTClassifier(random_state=seed)

    out["sklhep BDTClassifier() defaults, p/(1-p)"] = (_sklhep(bdt), bdt)
    if mlp:
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from sklhep import MLPClassifier

        def mlp_model(seed: int) -> Any:
            return make_pipeline(StandardScaler(), MLPClassifier(random_state=seed))

        out["sklhep MLPClassifier() defaults, p/(1-p)"] = (_sklhep(mlp_model), None)
    try:
        import hep_ml  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        print("hep_ml is not installed: its rows are skipped (pip install hep_ml)")
    else:
        signed = _HepMLFolds(lambda w: w)
        absolute = _HepMLFolds(np.abs)
        out["hep_ml 0.8 GBReweighter() defaults, signed target weights"] = (
            lambda Xo, wo, Xt, wt, folds, seed: (signed(Xo, wo, Xt, wt, folds), None),
            None,
        )
        out["hep_ml 0.8 GBReweighter() defaults, |w| target weights"] = (
            lambda Xo, wo, Xt, wt, folds, seed: (absolute(Xo, wo, Xt, wt, folds), None),
            None,
        )
    return out


def run(seeds: int = 5, mlp: bool = False, data: Path = DATA) -> dict[str, Any]:
    from sklhep.weights import effective_sample_size, weighted_mean

    Xo, wo, Xt, wt = load(data)
    rows: dict[str, Any] = {}
    reference = {
        "nlo_ptll": float(weighted_mean(Xt["ptll"], wt)),
        "lo_ptll": float(weighted_mean(Xo["ptll"], wo)),
        "lo_pulls": _pulls(Xo, Xt, wt, wo),
    }
    for name, (method, make_estimator) in methods(mlp).items():
        records = []
        for seed in range(seeds):
            folds = _folds(len(Xo), len(Xt), seed)
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                w, rw = method(Xo, wo, Xt, wt, folds, seed)
            elapsed = time.perf_counter() - start
            record = {
                "seed": seed,
                "pulls": _pulls(Xo, Xt, wt, w),
                "ptll": float(weighted_mean(Xo["ptll"], w)),
                "ess_over_n": effective_sample_size(w) / len(w),
                "time_s": elapsed,
                "warnings": sorted({type(c.message).__name__ for c in caught}),
            }
            if rw is not None:
                record["clip_fraction"] = rw.clip_fraction_
                if name == "sklhep Reweighter() defaults" or make_estimator is not None:
                    fit_time = _estimator_time(make_estimator, Xo, wo, Xt, wt, folds, seed)
                    record["estimator_fit_time_s"] = fit_time
                    record["overhead"] = elapsed / fit_time
            records.append(record)
            print(f"{name} seed {seed}: {_short(record)}", flush=True)
        rows[name] = {"records": records, "summary": _summary(records)}
    return {
        "benchmark": "reweight_zjets",
        "features": FEATURES,
        "seeds": seeds,
        "reference": reference,
        "methods": rows,
        "machine": {
            "host": platform.node(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
    }


def _short(record: dict[str, Any]) -> str:
    pulls = " ".join(f"{k} {v:+.2f}" for k, v in record["pulls"].items() if k in SHOWN)
    return f"{pulls}  ESS/N {record['ess_over_n']:.3f}  {record['time_s']:.1f} s"


def _summary(records: list[dict[str, Any]]) -> dict[str, Any]:
    pulls = pd.DataFrame([r["pulls"] for r in records])
    summary = {
        "pull_mean": pulls.mean().to_dict(),
        "pull_abs_max": pulls.abs().max().to_dict(),
        "max_abs_pull_mean": float(pulls.abs().max(axis=1).mean()),
        "ptll_mean": float(np.mean([r["ptll"] for r in records])),
        "ess_over_n": float(np.mean([r["ess_over_n"] for r in records])),
        "time_s": float(np.median([r["time_s"] for r in records])),
    }
    if "overhead" in records[0]:
        # the fastest of the seeds on both sides: the least disturbed by other processes
        summary["overhead"] = float(
            min(r["time_s"] for r in records) / min(r["estimator_fit_time_s"] for r in records)
        )
    return summary


def markdown(payload: dict[str, Any]) -> str:
    """The table of docs/reweighting.md."""
    head = "| method | " + " | ".join(SHOWN) + " | max \\|pull\\| (all 8) | ESS / N | time |"
    lines = [head, "|---" * (len(SHOWN) + 4) + "|"]
    for name, row in payload["methods"].items():
        s = row["summary"]
        cells = [f"{s['pull_mean'][f]:+.1f}σ" for f in SHOWN]
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {s['max_abs_pull_mean']:.1f}σ | {s['ess_over_n']:.2f} | {s['time_s']:.1f} s |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="fold splits to average")
    parser.add_argument("--mlp", action="store_true", help="add the MLP row (slower)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--output", type=Path, default=RESULTS / "reweight_zjets.json")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        raise SystemExit(f"{args.data} not found: the Z+jets files are on the dev machines only")
    payload = run(args.seeds, args.mlp, args.data)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(payload, indent=2))
    print(markdown(payload))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
