"""BDT speed: sklhep's BDTClassifier against raw ``xgboost.train`` in the same run.

Cases (100 trees of depth 6 on 300k x 16 events by default):

* ``w>=0``: non-negative weights; raw xgboost trains on the same weights. Target: the
  sklhep / raw time ratio is at most 1.1.
* ``10%neg``: 10 % of the weights negative; sklhep trains on the signed weights
  (``negative_weights="keep"``, custom objective), raw xgboost on ``|w|`` with its
  built-in objective. Target: ratio at most 1.6.
* ``predict_proba``: sklhep's ``predict_proba`` against the raw booster's
  ``inplace_predict`` on the same model (informational).

Reference and sklhep runs alternate (A, B, A, B, ...); the reported ratio is the median of
the per-pair wall-time ratios, which is robust to the load of a shared machine. The
median ratio of process CPU times is reported too (less sensitive to other processes).
Both sides use the
same ``tree_method="hist"``, ``max_bin``, ``learning_rate`` and thread count.

Usage::

    python benchmarks/bench_bdt.py            # full size, 5 pairs
    python benchmarks/bench_bdt.py --quick    # 50k events, 3 pairs
    python benchmarks/bench_bdt.py --device cuda

Writes ``benchmarks/results/bench_bdt.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import xgboost

from sklhep.ensemble import BDTClassifier

RESULTS = Path(__file__).resolve().parent / "results"


def make_data(n: int, n_features: int, neg_fraction: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(np.float64)
    logit = X[:, 0] + X[:, 1] * X[:, 2] - 0.5 * X[:, 3] ** 2 + 0.3 * X[:, 4:].sum(axis=1)
    y = (logit + rng.logistic(size=n) > 0).astype(np.int64)
    w = rng.uniform(0.5, 1.5, size=n)
    w[rng.random(n) < neg_fraction] *= -1.0
    return X, y, w


_CPU: list[float] = []


def _time(fn) -> float:
    """Wall time of ``fn()``; its process CPU time is appended to ``_CPU``."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    _CPU.append(time.process_time() - c0)
    return time.perf_counter() - t0


def run_case(
    name: str, X, y, w, *, args: argparse.Namespace, reference_weight: np.ndarray
) -> dict[str, Any]:
    params = {
        "tree_method": "hist",
        "device": args.device,
        "objective": "binary:logistic",
        "max_depth": 6,
        "learning_rate": 0.1,
        "max_bin": 256,
        "nthread": args.n_jobs,
        "seed": 0,
        "verbosity": 0,
    }

    def raw() -> None:
        dtrain = xgboost.DMatrix(X, label=y, weight=reference_weight, nthread=args.n_jobs)
        xgboost.train(params, dtrain, num_boost_round=args.n_estimators)

    est = BDTClassifier(
        n_estimators=args.n_estimators,
        max_depth=6,
        learning_rate=0.1,
        max_bin=256,
        early_stopping=False,  # like-for-like with raw xgboost
        device=args.device,
        n_jobs=args.n_jobs,
        random_state=0,
    )

    def ours() -> None:
        est.fit(X, y, sample_weight=w)

    raw()  # warm-up (thread pools, allocations)
    ours()
    pairs = []
    for _ in range(args.repeats):
        t_raw = _time(raw)
        t_ours = _time(ours)
        pairs.append((t_raw, t_ours))
    ratios = [b / a for a, b in pairs]
    cpu = _CPU[-2 * args.repeats :]
    cpu_ratios = [cpu[2 * i + 1] / cpu[2 * i] for i in range(args.repeats)]
    return {
        "case": name,
        "cpu_ratio_median": float(np.median(cpu_ratios)),
        "signed_objective": bool(est.signed_objective_),
        "raw_s": [a for a, _ in pairs],
        "sklhep_s": [b for _, b in pairs],
        "ratio_median": float(np.median(ratios)),
        "ratios": ratios,
        "model": est,
    }


def run_predict(est: BDTClassifier, X, args: argparse.Namespace) -> dict[str, Any]:
    booster = est.booster_
    pairs = []
    for _ in range(args.repeats):
        t_raw = _time(lambda: booster.inplace_predict(X))
        t_ours = _time(lambda: est.predict_proba(X))
        pairs.append((t_raw, t_ours))
    ratios = [b / a for a, b in pairs]
    return {
        "case": "predict_proba",
        "raw_s": [a for a, _ in pairs],
        "sklhep_s": [b for _, b in pairs],
        "ratio_median": float(np.median(ratios)),
        "ratios": ratios,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50k events, 3 pairs")
    parser.add_argument("--n-samples", type=int, default=300_000)
    parser.add_argument("--n-features", type=int, default=16)
    parser.add_argument("--n-estimators", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--output", type=Path, default=RESULTS / "bench_bdt.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_samples, args.repeats = 50_000, 3

    targets = {"w>=0": 1.1, "10%neg": 1.6}
    results = []
    X, y, w = make_data(args.n_samples, args.n_features, 0.0)
    res = run_case("w>=0", X, y, w, args=args, reference_weight=w)
    model = res.pop("model")
    results.append(res)
    results.append(run_predict(model, X, args))
    X, y, w = make_data(args.n_samples, args.n_features, 0.10)
    res = run_case("10%neg", X, y, w, args=args, reference_weight=np.abs(w))
    res.pop("model")
    results.append(res)
    for r in results:
        r["target"] = targets.get(r["case"])
        r["ok"] = None if r["target"] is None else r["ratio_median"] <= r["target"]

    meta = {
        "n_samples": args.n_samples,
        "n_features": args.n_features,
        "n_estimators": args.n_estimators,
        "max_depth": 6,
        "repeats": args.repeats,
        "n_jobs": args.n_jobs,
        "device": args.device,
        "xgboost": xgboost.__version__,
        "machine": platform.platform(),
        "cpu_count": os.cpu_count(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"meta": meta, "results": results}, indent=2))

    print(
        f"BDT benchmark: {args.n_samples} x {args.n_features}, {args.n_estimators} trees, "
        f"depth 6, {args.n_jobs} threads, device={args.device}"
    )
    print(
        f"{'case':<14}{'raw [s]':>10}{'sklhep [s]':>12}{'ratio':>8}{'cpu ratio':>10}"
        f"{'target':>8}  ok"
    )
    for r in results:
        target = "" if r["target"] is None else f"{r['target']:.1f}"
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        print(
            f"{r['case']:<14}{np.median(r['raw_s']):>10.3f}{np.median(r['sklhep_s']):>12.3f}"
            f"{r['ratio_median']:>8.3f}{r.get('cpu_ratio_median', float('nan')):>10.3f}"
            f"{target:>8}  {ok}"
        )
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
